"""Where the project's user clients go: their calls, followed into the project's own modules.

A user client handed to a function or class of another project module (`IndexRetriever(
workspace_client=user_client)`, imported from `retriever.py`) is followed there, statically: the
calls that module makes on it are the evidence for the app's user API scopes. What cannot be
followed (a library, a dynamic call) stays a use of unknown scope.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from codemods.analysis.identity_analysis import user_client_uses_in_callable
from migrate_agent.deploy.read.code_facts import UserClientCall
from migrate_agent.migrate.engine import FileOutcome
from migrate_agent.model import FileStatus

MAX_DEPTH = 3  # modules followed in a chain (agent -> tools -> helpers)


def project_user_client_calls(root: Path, outcomes: list[FileOutcome]) -> tuple[UserClientCall, ...]:
    served = [o for o in outcomes if o.status in (FileStatus.MIGRATED, FileStatus.UNCHANGED)]
    texts = {o.path: o.after if o.status is FileStatus.MIGRATED and o.after is not None else o.before
             for o in outcomes}
    found: list[UserClientCall] = []
    for outcome in served:
        for use in outcome.user_client_uses:
            found.extend(_resolved(root, outcome.path, use, texts, MAX_DEPTH))
    return tuple(dict.fromkeys(found))


def _resolved(root: Path, path: str, use, texts: dict[str, bytes], depth: int) -> list[UserClientCall]:
    here = UserClientCall(
        path=path, line=use.line, code=use.code, service=use.service, member=use.member, target=use.target
    )
    if use.service is not None or not use.target or use.argument is None or depth == 0:
        return [here]
    module, _, name = use.target.rpartition(".")
    callee_path = _module_path(root, path, module, texts)
    if callee_path is None:
        return [here]
    followed = _uses_in(callee_path, name, use.argument, texts, root)
    if followed is None:
        return [here]
    calls: list[UserClientCall] = []
    for inner in followed:
        calls.extend(_resolved(root, callee_path, inner, texts, depth - 1))
    return calls


def _module_path(root: Path, importer: str, module: str, texts: dict[str, bytes]) -> str | None:
    """The project file of `module` as imported from `importer` (absolute or relative import)."""
    level = len(module) - len(module.lstrip("."))
    parts = [p for p in module.lstrip(".").split(".") if p]
    directory = posixpath.dirname(importer)
    if level:
        for _ in range(level - 1):
            directory = posixpath.dirname(directory)
        bases = [directory]
    else:
        bases = [directory, ""] if directory else [""]
    for base in bases:
        stem = posixpath.join(base, *parts) if parts else base
        for candidate in (f"{stem}.py", posixpath.join(stem, "__init__.py")):
            candidate = candidate.lstrip("/")
            if candidate in texts or (root / candidate).is_file():
                return candidate
    return None


def _uses_in(path: str, name: str, argument: str, texts: dict[str, bytes], root: Path):
    data = texts.get(path)
    if data is None:
        data = (root / path).read_bytes()
    try:
        module = cst.parse_module(data)
    except (cst.ParserSyntaxError, UnicodeDecodeError, LookupError):
        return None
    return user_client_uses_in_callable(MetadataWrapper(module, unsafe_skip_copy=True), name, argument)
