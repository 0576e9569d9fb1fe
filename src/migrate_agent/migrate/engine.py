"""Migrate one file's bytes: parse once, run every rule, report what happened.

Pure function of (path, bytes) so it can run in worker processes; never imports user code.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import threading
import tokenize
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper

from codemods._base import (
    ACK_PREFIX,
    EDITS_KEY,
    ENABLED_RULES_KEY,
    FIRST_PARTY_KEY,
    FRESH_TREE_KEY,
    MANUAL_STEPS_KEY,
    TODO_PREFIX,
    WRAPPER_KEY,
    acknowledged_form,
)
from codemods.analysis.agent_analysis import ANALYSIS_KEY
from codemods.analysis.identity_analysis import uses_in_module
from codemods.analysis.model_context import MODEL_CONTEXT_KEY
from codemods.analysis.package_layout import LAYOUT_KEY, ProjectFiles, module_imports, module_layout
from codemods.analysis.project_classes import FACTS_KEY
from codemods.analysis.syntax import import_roots
from codemods.analysis.tree_walk import children
from codemods.ma007_model_serving_calls import NO_APP_KEY
from codemods.migrate import MigrateAgent
from migrate_agent.discover.fileio import split_bom
from migrate_agent.model import FileStatus, ManualStep

IDENTITY_RUNTIME_NAMES = (b"get_user_workspace_client", b"request_scoped")
# What an agent file migrate-agent converted holds: handlers of the agent server, run through
# the generated runtime module.
MIGRATED_AGENT_MARKS = (b"mlflow.genai.agent_server", b"agent_server_utils", b"@invoke()")
# `from legacy_agent_adapters import`, `from .legacy_agent_adapters import`, `from pkg.legacy_...`
LEGACY_RUNTIME_IMPORT = re.compile(rb"from (?:\.|[\w.]+\.)?legacy_agent_adapters import")


@dataclass(frozen=True, kw_only=True)
class FileOutcome:
    """What migrating one file's bytes gave: status, new bytes, and the facts the project needs.
    A later stage that changes what is said of a file makes a new one (`dataclasses.replace`)."""

    path: str
    status: FileStatus
    before: bytes
    after: bytes | None = None
    reason: str | None = None
    line: int | None = None
    edits: tuple[str, ...] = ()
    manual_steps: tuple[ManualStep, ...] = ()
    converted_agent: str | None = None  # class name when this file became the app's agent
    imported_roots: tuple[str, ...] = ()
    imported_modules: tuple[str, ...] = ()  # dotted, absolute imports only
    uses_user_identity: bool = False  # needs get_user_workspace_client / request_scoped
    migrated_before: bool = False  # an agent an earlier apply converted (its handlers are here)
    changed_names: dict[str, str] = field(default_factory=dict)  # module-level name -> what it is now
    uses_legacy_adapters: bool = False  # needs legacy_agent_adapters.py (model_context, adapters)
    user_client_uses: tuple = ()  # UserClientUse, lines of `after`
    package: tuple[str, ...] = ()  # the packages it is a module of (package_layout.ModuleLayout)
    agent_not_converted: bool = False  # holds an agent left as it was: its changes are TODO markers


# libcst parses, prints, copies and resolves metadata recursively: a level of Python recursion
# per level of nesting in the code (a prompt built from 500 `'...' + '...'` terms, a 300-branch
# elif). A file whose migration exceeds the interpreter's limit is migrated once more in a thread
# of its own with a larger stack and this limit; a file deeper still fails alone, with its reason.
DEEP_RECURSION_LIMIT = 40_000
DEEP_STACK_BYTES = 1 << 30  # address space reserved for that thread; only pages used are touched


def migrate_source(
    path: str,
    data: bytes,
    class_facts=None,
    context_facts=None,
    app_expected: bool = True,
    first_party: frozenset[str] = frozenset(),
    rules: frozenset[str] | None = None,
    project=None,
) -> FileOutcome:
    """Run all rules over `data` (the file's bytes); `path` is project-relative, for reports.

    `class_facts`: what the project pre-pass found about its classes (FileClassFacts);
    `context_facts`: the project's ModelContextFacts (what the driver logged for Model Serving's
    context), for agents that read it; `app_expected`: False when the project gets no app, so
    driver code keeps deploying to Model Serving unmarked; `first_party`: top-level module names
    of the project (new imports are grouped with them); `rules`: the rule ids selected to run
    (None: all; see migrate_agent.rule_catalog.select_rules); `project`: the project's Python files
    (package_layout.ProjectFiles), which say the file's package and so how it imports the
    generated runtime modules written beside it (top-level when not given)."""
    arguments = (path, data, class_facts, context_facts, app_expected, first_party, rules, project)
    try:
        return _migrate(*arguments)
    except RecursionError:
        pass
    found: list = []
    thread = threading.Thread(target=lambda: found.append(_migrate_deep(*arguments)), name="deep-file")
    previous_stack = threading.stack_size(DEEP_STACK_BYTES)
    try:
        thread.start()
    finally:
        threading.stack_size(previous_stack)
    thread.join()
    return found[0]


def _migrate_deep(*arguments) -> FileOutcome:
    """`_migrate` with the deep-recursion limit (in the thread with the larger stack)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(DEEP_RECURSION_LIMIT)
    try:
        return _migrate(*arguments)
    except RecursionError as error:
        return FileOutcome(
            path=arguments[0], status=FileStatus.FAILED, before=arguments[1],
            reason=f"cannot convert: nested deeper than {DEEP_RECURSION_LIMIT} levels of recursion "
            f"allow ({_error_text(error)})",
        )
    finally:
        sys.setrecursionlimit(previous)


def _migrate(
    path: str,
    data: bytes,
    class_facts,
    context_facts,
    app_expected: bool,
    first_party: frozenset[str],
    rules: frozenset[str] | None,
    project,
) -> FileOutcome:
    """migrate_source at the interpreter's current recursion limit (RecursionError passes)."""
    bom, body = split_bom(data)
    try:
        module = cst.parse_module(body)
    except cst.ParserSyntaxError as error:
        reason, line = _syntax_error(body, error)
        return FileOutcome(path=path, status=FileStatus.FAILED, before=data, reason=reason, line=line)
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        # SyntaxError: the tokenizer's "invalid or missing encoding declaration" (not UTF-8, no
        # coding cookie). One failed file, at the line of the first byte that does not decode.
        reason, line = _decoding_error(body, error)
        return FileOutcome(path=path, status=FileStatus.FAILED, before=data, reason=reason, line=line)

    # The tree was parsed here for this run: the rules' metadata is resolved on it, not on a copy.
    scratch = {FIRST_PARTY_KEY: set(first_party), MODEL_CONTEXT_KEY: context_facts, FRESH_TREE_KEY: True}
    if class_facts:
        scratch[FACTS_KEY] = class_facts
    if rules is not None:
        scratch[ENABLED_RULES_KEY] = rules
    if not app_expected:
        scratch[NO_APP_KEY] = True
    # The file's package makes its relative imports absolute for libcst's import visitors, and
    # says how it imports the generated modules beside it.
    layout = None if path.startswith("/") else module_layout(path, module_imports(module), project or ProjectFiles())
    if layout is not None:
        scratch[LAYOUT_KEY] = layout
    context = CodemodContext(
        filename=path,
        full_module_name=layout and layout.module,
        full_package_name=layout and ".".join(layout.package),
        scratch=scratch,
    )
    try:
        command = MigrateAgent(context)
        migrated = command.transform_module(module)
    except Exception as error:  # a rule bug must not take the other files down
        deep = _recursion_error(error)
        if deep is not None:
            raise deep from None
        return FileOutcome(
            path=path, status=FileStatus.FAILED, before=data, reason=f"cannot convert: {_error_text(error)}"
        )

    analysis = context.scratch[ANALYSIS_KEY]
    if migrated is module:
        code, after = None, data
    else:
        code = migrated.code
        after = bom + code.encode(migrated.encoding)
    pair = analysis.convertible()
    findings = context.scratch.get(MANUAL_STEPS_KEY, [])
    steps = located_steps(findings, path, code or module.code)
    migrated_before = after == data and all(mark in data for mark in MIGRATED_AGENT_MARKS)
    if (pair or migrated_before) and layout is not None and layout.problem:
        steps.append(ManualStep(
            "MA001",
            f"the app imports this agent as `{layout.module}`, where its relative imports fail: "
            f"{layout.problem}; rename the folder or make the imports absolute",
            path,
        ))
    return FileOutcome(
        path=path,
        status=FileStatus.MIGRATED if after != data else FileStatus.UNCHANGED,
        before=data,
        after=after,
        edits=tuple(dict.fromkeys(context.scratch.get(EDITS_KEY, []))),
        manual_steps=tuple(steps),
        converted_agent=pair[0].name if pair else None,
        imported_roots=tuple(sorted(
            _imported_roots(module, migrated, analysis.imported_roots)
            if after != data
            else analysis.imported_roots
        )),
        uses_user_identity=any(name in after for name in IDENTITY_RUNTIME_NAMES),
        migrated_before=migrated_before,
        imported_modules=tuple(sorted(_imported_modules(migrated))),
        uses_legacy_adapters=LEGACY_RUNTIME_IMPORT.search(after) is not None,
        user_client_uses=tuple(
            _user_client_uses(analysis, context.scratch.get(WRAPPER_KEY), migrated, after != data)
        ),
        package=layout.package if layout is not None else (),
        agent_not_converted=analysis.agent_left_unconverted(),
        # Read off the file as written (the run's output, or a tree migrated before), not off
        # "this run changed it": a second run reports the same uses of these names as the first.
        changed_names={
            name: f"is now a function that builds it per request (module-level user state): "
            f"call `{name}()` here, while answering a request"
            for name in _request_scoped_names(migrated)
        },
    )


def _request_scoped_names(module: cst.Module) -> list[str]:
    """Module-level functions decorated with the runtime's `request_scoped`: user state that
    MA004 turned into a function built per request."""
    return [
        statement.name.value
        for statement in module.body
        if isinstance(statement, cst.FunctionDef)
        and any(
            (get_full_name_for_node(d.decorator) or "").rpartition(".")[2] == "request_scoped"
            for d in statement.decorators
        )
    ]


def _user_client_uses(analysis, wrapper, migrated, changed: bool) -> list:
    """What the user clients call, with lines of the file as written (the migrated one when the
    rules changed it): read only where the module builds or receives a user client."""
    identity = analysis.identity
    if not (identity.user_calls or identity.factory_calls):
        return []
    if wrapper is not None and not changed:
        return uses_in_module(wrapper)  # the analysed tree is the file as written
    # The tree as it will be written gets its own metadata, resolved once. Not copied first
    # (MetadataWrapper's default deep copy costs more than parsing the file): the rules build new
    # nodes where they change code, and the only node they put in two places is a blank line of
    # padding, which holds no name and starts no use (tests/test_scope_evidence.py).
    return uses_in_module(MetadataWrapper(migrated, unsafe_skip_copy=True))


def _recursion_error(error: BaseException) -> RecursionError | None:
    """The RecursionError in `error`'s chain, if any: libcst's position provider turns one into
    a KeyError whose message is a whole node, which cannot be printed at that depth either."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen and not isinstance(cause, RecursionError):
        seen.add(id(cause))
        cause = cause.__context__
    return cause if isinstance(cause, RecursionError) else None


def _error_text(error: BaseException) -> str:
    """`Type: message` of what stopped the rules (the RecursionError in its chain, if any)."""
    error = _recursion_error(error) or error
    try:
        return f"{type(error).__name__}: {error}"
    except RecursionError:
        return type(error).__name__


def _imported_roots(original, migrated, all_original: set[str]) -> set[str]:
    """Top-level packages the migrated module imports, relative imports left out.

    Rules change imports only at module level: the roots there are read again, those imported
    only further down (in functions, `try` blocks) are the original's. No walk of the tree.
    """
    nested = set(all_original) - _top_level_roots(original)
    return nested | _top_level_roots(migrated)


def _top_level_roots(module) -> set[str]:
    roots: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    roots |= import_roots(small)
    return roots


def _decoding_error(body: bytes, error: Exception) -> tuple[str, int]:
    """Why and where a file's bytes do not decode in the encoding it declares (UTF-8 if none)."""
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(body).readline)[0]
    except SyntaxError:
        encoding = "utf-8"  # the cookie is missing or names nothing: Python reads UTF-8
    try:
        body.decode(encoding)
    except UnicodeDecodeError as bad:
        line = body.count(b"\n", 0, bad.start) + 1
        head = b"\n".join(body.split(b"\n", 2)[:2])
        why = "" if b"coding" in head else " and no coding cookie names another encoding"
        return (
            f"cannot decode: byte {body[bad.start]:#04x} is not valid {encoding}{why} (save the "
            "file as UTF-8, or declare its encoding with `# -*- coding: ... -*-`)",
            line,
        )
    except LookupError:
        return f"cannot decode: unknown encoding `{encoding}` in its coding cookie", 1
    return f"cannot decode: {error}", 1


def _imported_modules(module) -> set[str]:
    """Dotted modules a module imports, for requirements: `import a.b` gives `a.b`; `from a
    import b` gives `a.b` (b may be a submodule; a longest-prefix lookup copes with either)."""
    found: set[str] = set()
    for statement in module.body:
        for node in _import_nodes(statement):
            if isinstance(node, cst.Import):
                found.update(alias.evaluated_name for alias in node.names)
            elif not node.relative and node.module is not None:
                base = get_full_name_for_node(node.module)
                names = node.names if isinstance(node.names, (list, tuple)) else ()
                found.add(base)
                found.update(f"{base}.{alias.evaluated_name}" for alias in names)
    return found


def _import_nodes(statement):
    """Import statements at module level and inside top-level blocks (try/if, defs, classes)."""
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            yield node
        elif isinstance(node, cst.SimpleStatementLine):
            stack.extend(node.body)
        elif isinstance(node, (cst.BaseCompoundStatement, cst.IndentedBlock, cst.Else, cst.ExceptHandler, cst.Finally)):
            stack.extend(children(node))


def _syntax_error(body: bytes, error) -> tuple[str, int]:
    """Where and why a file does not parse, in Python's own words where it has them.

    libcst reports the token it stopped at; CPython's parser (parse only, nothing runs) names
    the construct, e.g. "'(' was never closed" on the line of the parenthesis.
    """
    try:
        ast.parse(body)
    except SyntaxError as python_error:
        return f"cannot parse: {python_error.msg}", python_error.lineno or error.raw_line
    except (ValueError, RecursionError):
        pass
    return f"cannot parse: {error.message}", error.raw_line


def located_steps(findings: list, path: str, code: str) -> list[ManualStep]:
    """The steps rules found (codemods._base.Finding), each at the line of its TODO marker in
    `code` (the n-th finding with a marker text at its n-th occurrence, the last if there are
    fewer), acknowledged when only the ACK form is there, without a line when neither is; once
    each."""
    if not findings:
        return []
    lines = _marker_lines(code)
    seen: dict[str, int] = {}
    located = []
    for finding in findings:
        seen[finding.marker] = seen.get(finding.marker, 0) + 1
        located.append(_manual_step(finding, path, lines, seen[finding.marker]))
    return list(dict.fromkeys(located))


def _manual_step(finding, path: str, marker_lines: dict[str, list[int]], occurrence: int) -> ManualStep:
    """The step a rule found, at the `occurrence`-th line of its TODO marker (the last if there
    are fewer); acknowledged when only the ACK form is there."""
    lines = marker_lines.get(finding.marker)
    if lines:
        return ManualStep(finding.rule, finding.message, path, lines[min(occurrence, len(lines)) - 1])
    acked = marker_lines.get(acknowledged_form(finding.marker))
    if acked:
        line = acked[min(occurrence, len(acked)) - 1]
        return ManualStep(finding.rule, finding.message, path, line, acknowledged=True)
    return ManualStep(finding.rule, finding.message, path, None)


def _marker_lines(code: str) -> dict[str, list[int]]:
    """Each marker line of `code` (TODO or ACK, stripped) -> the numbers of the lines holding it, in order."""
    prefixes = (TODO_PREFIX.strip(), ACK_PREFIX.strip())
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(code.splitlines(), start=1):
        if line.lstrip().startswith(prefixes):
            lines.setdefault(line.strip(), []).append(number)
    return lines
