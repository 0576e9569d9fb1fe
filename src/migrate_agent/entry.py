"""The `migrate-agent` command: common invocations start without the CLI framework.

typer (with click, rich and pydantic under it) takes ~0.1 s to import and parse arguments, as
long as `plan` needs for a small agent. A plain, fully valid `plan PATH` / `apply PATH` with
the usual options is parsed here and run by :mod:`migrate_agent.commands`, as the typer CLI
would run it; anything else (help, `rules`, a value to check or report as wrong, an option this
parser does not know) goes to the full CLI in :mod:`migrate_agent.cli`, unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

_FLAGS = {
    "plan": {"--check": "check", "--quiet": "quiet", "-q": "quiet"},
    "apply": {
        "--allow-dirty": "allow_dirty",
        "--diff": "diff",
        "--check": "check",
        "--quiet": "quiet",
        "-q": "quiet",
    },
}
_VALUES = {"--format": "output_format", "--jobs": "jobs", "-j": "jobs", "--model-dir": "model_dir",
           "--endpoint": "endpoint"}


def main() -> None:
    parsed = parse_common(sys.argv[1:])
    if parsed is None:
        from migrate_agent.cli import main as full_cli

        full_cli()
        return
    command, path, options = parsed
    from migrate_agent import commands

    run = commands.run_plan if command == "plan" else commands.run_apply
    sys.exit(commands.guarded(lambda: run(path, **options)))


def parse_common(argv: list[str]) -> tuple[str, Path, dict] | None:
    """(command, path, options) for a valid common invocation, else None (the full CLI decides)."""
    if not argv or argv[0] not in _FLAGS:
        return None
    command, rest = argv[0], argv[1:]
    flags = _FLAGS[command]
    options: dict = {}
    paths: list[str] = []
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if word in flags:
            options[flags[word]] = True
            continue
        name, equals, value = word.partition("=")
        if name in _VALUES and word.startswith("-"):
            if not equals:
                if index >= len(rest):
                    return None
                value = rest[index]
                index += 1
            options[_VALUES[name]] = value
            continue
        if word.startswith("-") or word == "":
            return None  # --help, an unknown option, "-" ...: the full CLI answers
        paths.append(word)
    if len(paths) != 1 or not _valid(options):
        return None
    path = Path(paths[0])
    if not path.exists():
        return None
    return command, path, options


def _valid(options: dict) -> bool:
    """Convert option values in place; False if any would be an error for the full CLI."""
    if options.get("output_format", "text") not in ("text", "json"):
        return False
    if "jobs" in options:
        jobs = options["jobs"]
        if not (jobs.isascii() and jobs.isdigit()) or int(jobs) < 1:
            return False
        options["jobs"] = int(jobs)
    if "model_dir" in options:
        model_dir = Path(options["model_dir"])
        if not model_dir.is_dir():
            return False
        options["model_dir"] = model_dir
    return True
