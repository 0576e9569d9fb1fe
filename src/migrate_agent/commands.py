"""What `plan` and `apply` do once the CLI (:mod:`migrate_agent.cli`) has parsed their arguments.

Each returns the exit code and writes the report to stdout.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from migrate_agent.api import (
    DirtyTreeError,
    InputError,
    apply_plan,
    ensure_clean_git_tree,
    plan_project,
)
from migrate_agent.output.progress import Progress
from migrate_agent.output.report import render_json, render_text


def run_plan(
    path: Path,
    *,
    output_format: str = "text",
    check: bool = False,
    jobs: int | None = None,
    model_dir: Path | None = None,
    endpoint: str | None = None,
    quiet: bool = False,
    keep_callers: bool = False,
) -> int:
    try:
        result = _plan_with_progress(
            path, quiet, jobs=jobs, model_dir=model_dir, endpoint=endpoint, keep_callers=keep_callers
        )
    except _Unusable:
        return 2
    return _report(result, result.exit_code(), output_format, applied=False, show_diff=not check)


def run_apply(
    path: Path,
    *,
    allow_dirty: bool = False,
    diff: bool = False,
    check: bool = False,
    output_format: str = "text",
    jobs: int | None = None,
    model_dir: Path | None = None,
    endpoint: str | None = None,
    quiet: bool = False,
    keep_callers: bool = False,
) -> int:
    dry_run = diff or check
    if not dry_run and not allow_dirty:
        try:
            ensure_clean_git_tree(path if path.is_dir() else path.parent)
        except DirtyTreeError as error:
            sys.stderr.write(f"migrate-agent: refusing to apply: {error}\n")
            return 2
    try:
        result = _plan_with_progress(
            path, quiet, jobs=jobs, model_dir=model_dir, endpoint=endpoint, keep_callers=keep_callers
        )
    except _Unusable:
        return 2
    code = result.exit_code() if dry_run else apply_plan(result)
    return _report(result, code, output_format, applied=not dry_run, show_diff=diff)


def _report(result, code: int, output_format: str, *, applied: bool, show_diff: bool) -> int:
    """Write the plan's report (JSON, or text with or without the diff) and return `code`."""
    if output_format == "json":
        _emit(render_json(result, exit_code=code, applied=applied))
    else:
        _emit(render_text(result, show_diff=show_diff))
    return code


def guarded(run) -> int:
    """`run()`'s exit code; 130 on Ctrl-C, and 2 (never 1, the "manual steps" code) with the
    traceback when the tool itself fails."""
    try:
        code = run()
    except SystemExit as done:  # typer's way of returning an exit code
        code = done.code
    except KeyboardInterrupt:
        sys.stderr.write("migrate-agent: interrupted\n")
        return 130
    except Exception as error:  # a bug in the tool: say so, and exit like a failed run
        traceback.print_exc()
        sys.stderr.write(f"migrate-agent: internal error: {type(error).__name__}: {error}\n")
        return 2
    if code is None:
        return 0
    return code if isinstance(code, int) else 2


class _Unusable(Exception):
    """An option names something that cannot be used (exit 2; the message was written)."""


def _plan_with_progress(path: Path, quiet: bool, **options):
    """plan_project with a progress line on stderr (a terminal only), erased before output."""
    progress = Progress.for_terminal(quiet)
    try:
        return plan_project(path, progress=progress, **options)
    except InputError as error:
        sys.stderr.write(f"migrate-agent: error: {error}\n")
        raise _Unusable from error
    finally:
        if progress is not None:
            progress.close()


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
