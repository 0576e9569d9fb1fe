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
    user_client_uses: list = field(default_factory=list)  # UserClientUse, lines of `after`


def migrate_source(path: str, data: bytes) -> FileOutcome:
    """Run all rules over `data` (the file's bytes); `path` is project-relative, for reports."""
    import libcst as cst
    from libcst.codemod import CodemodContext

    from codemods._base import EDITS_KEY, MANUAL_STEPS_KEY
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

    context = CodemodContext(filename=path, scratch={})
    try:
        migrated = MigrateAgent(context).transform_module(module)
    except Exception as error:  # a rule bug must not take the other files down
        return FileOutcome(
            path, FileStatus.FAILED, data, reason=f"cannot convert: {type(error).__name__}: {error}"
        )

    analysis = context.scratch[ANALYSIS_KEY]
    after = bom + migrated.bytes
    pair = analysis.convertible()
    code = migrated.code
    steps = list(
        dict.fromkeys(
            ManualStep(f.rule, f.message, path, _line_of(code, f.marker))
            for f in context.scratch.get(MANUAL_STEPS_KEY, [])
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
        imported_roots=sorted(_imported_roots(migrated)) if after != data else sorted(analysis.imported_roots),
        uses_user_identity=any(name in after for name in IDENTITY_RUNTIME_NAMES),
        user_client_uses=_user_client_uses(analysis, migrated, after != data),
    )
    return outcome


def _user_client_uses(analysis, migrated, changed: bool) -> list:
    """What the user clients call, with lines of the file as written (the migrated one)."""
    uses = analysis.identity.user_uses
    if not uses or not changed:
        return list(uses)
    from libcst.metadata import MetadataWrapper

    from codemods.agent_analysis import analyze_module

    return list(analyze_module(MetadataWrapper(migrated)).identity.user_uses)


def _imported_roots(module) -> set[str]:
    """Top-level packages a (migrated) module imports, relative imports left out."""
    import libcst.matchers as m

    from codemods._syntax import import_roots

    return set().union(*(import_roots(node) for node in m.findall(module, m.Import() | m.ImportFrom())))


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


def _line_of(code: str, marker: str) -> int | None:
    for number, line in enumerate(code.splitlines(), start=1):
        if line.strip() == marker:
            return number
    return None
