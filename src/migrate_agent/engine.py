"""Migrate one file's bytes: parse once, run every rule, report what happened.

Pure function of (path, bytes) so it can run in worker processes; never imports user code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate_agent.fileio import split_bom
from migrate_agent.model import FileStatus, ManualStep


IDENTITY_RUNTIME_NAMES = (b"get_user_workspace_client", b"request_scoped")


@dataclass
class FileOutcome:
    path: str
    status: FileStatus
    before: bytes
    after: bytes | None = None
    reason: str | None = None
    line: int | None = None
    edits: list[str] = field(default_factory=list)
    manual_steps: list[ManualStep] = field(default_factory=list)
    converted_agent: str | None = None  # class name when this file became the app's agent
    imported_roots: list[str] = field(default_factory=list)
    uses_user_identity: bool = False  # needs get_user_workspace_client / request_scoped


def preload() -> None:
    """Import what migrate_source needs (before forking workers, so that they share it)."""
    import codemods.migrate  # noqa: F401


def migrate_source(path: str, data: bytes, first_party: frozenset[str] = frozenset()) -> FileOutcome:
    """Run all rules over `data` (the file's bytes); `path` is project-relative, for reports.

    `first_party`: top-level module names of the project (new imports are grouped with them)."""
    import libcst as cst

    from codemods._base import EDITS_KEY, MANUAL_STEPS_KEY, TODO_PREFIX
    from codemods._context import RuleContext
    from codemods._imports import FIRST_PARTY_KEY
    from codemods.agent_analysis import ANALYSIS_KEY
    from codemods.migrate import MigrateAgent

    bom, body = split_bom(data)
    try:
        module = cst.parse_module(body)
    except cst.ParserSyntaxError as error:
        reason, line = _syntax_error(body, error)
        return FileOutcome(path, FileStatus.FAILED, data, reason=reason, line=line)
    except (UnicodeDecodeError, LookupError) as error:
        return FileOutcome(path, FileStatus.FAILED, data, reason=f"cannot decode: {error}", line=1)

    context = RuleContext(filename=path, scratch={FIRST_PARTY_KEY: set(first_party)})
    try:
        migrated = MigrateAgent(context).transform_module(module)
    except Exception as error:  # a rule bug must not take the other files down
        return FileOutcome(
            path, FileStatus.FAILED, data, reason=f"cannot convert: {type(error).__name__}: {error}"
        )

    analysis = context.scratch[ANALYSIS_KEY]
    if migrated is module:
        code, after = None, data
    else:
        code = migrated.code
        after = bom + code.encode(migrated.encoding)
    pair = analysis.convertible()
    findings = context.scratch.get(MANUAL_STEPS_KEY, [])
    marker_lines = _marker_lines(code or module.code, TODO_PREFIX.strip()) if findings else {}
    steps = list(
        dict.fromkeys(
            ManualStep(f.rule, f.message, path, marker_lines.get(f.marker)) for f in findings
        )
    )
    outcome = FileOutcome(
        path,
        FileStatus.MIGRATED if after != data else FileStatus.UNCHANGED,
        data,
        after=after,
        edits=list(dict.fromkeys(context.scratch.get(EDITS_KEY, []))),
        manual_steps=steps,
        converted_agent=pair[0].name if pair else None,
        imported_roots=sorted(
            _imported_roots(module, migrated, analysis.imported_roots)
            if after != data
            else analysis.imported_roots
        ),
        uses_user_identity=any(name in after for name in IDENTITY_RUNTIME_NAMES),
    )
    return outcome


def _imported_roots(original, migrated, all_original: set[str]) -> set[str]:
    """Top-level packages the migrated module imports, relative imports left out.

    Rules change imports only at module level: the roots there are read again, those imported
    only further down (in functions, `try` blocks) are the original's. No walk of the tree.
    """
    nested = set(all_original) - _top_level_roots(original)
    return nested | _top_level_roots(migrated)


def _top_level_roots(module) -> set[str]:
    import libcst as cst

    from codemods._syntax import import_roots

    roots: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    roots |= import_roots(small)
    return roots


def _syntax_error(body: bytes, error) -> tuple[str, int]:
    """Where and why a file does not parse, in Python's own words where it has them.

    libcst reports the token it stopped at; CPython's parser (parse only, nothing runs) names
    the construct, e.g. "'(' was never closed" on the line of the parenthesis.
    """
    import ast

    try:
        ast.parse(body)
    except SyntaxError as python_error:
        return f"cannot parse: {python_error.msg}", python_error.lineno or error.raw_line
    except ValueError:
        pass
    return f"cannot parse: {error.message}", error.raw_line


def _marker_lines(code: str, prefix: str) -> dict[str, int]:
    """Each marker line of `code` (stripped) -> its first line number."""
    lines: dict[str, int] = {}
    for number, line in enumerate(code.splitlines(), start=1):
        if line.lstrip().startswith(prefix):
            lines.setdefault(line.strip(), number)
    return lines
