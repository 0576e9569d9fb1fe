"""What `plan` and `apply` do once the CLI (:mod:`migrate_agent.cli`) has parsed their arguments.

Each returns the exit code and writes the report to stdout.
"""

from __future__ import annotations

import functools
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
from migrate_agent.output.markdown import render_markdown
from migrate_agent.output.progress import Progress
from migrate_agent.output.report import render_json, render_json_failure, render_text


def _json_even_on_failure(run):
    """`run` (run_plan, run_apply) whose JSON output is one document even when the tool fails:
    an exception leaves one with the error on stdout, then goes on to :func:`guarded`."""

    @functools.wraps(run)
    def reporting(path: Path, *, output_format: str = "text", **options) -> int:
        try:
            return run(path, output_format=output_format, **options)
        except Exception as error:
            if output_format == "json":
                _emit(render_json_failure(_root(path), f"internal error: {_error_text(error)}"))
            raise

    return reporting


@_json_even_on_failure
def run_plan(
    path: Path,
    *,
    output_format: str = "text",
    check: bool = False,
    jobs: int | None = None,
    model_dir: Path | None = None,
    endpoint: str | None = None,
    quiet: bool = False,
    rules: frozenset[str] | None = None,
    keep_callers: bool = False,
) -> int:
    try:
        result = _plan_with_progress(
            path, quiet, jobs=jobs, model_dir=model_dir, endpoint=endpoint, rules=rules, keep_callers=keep_callers
        )
    except _Unusable as error:
        return _failed(path, str(error), output_format)
    return _report(result, result.exit_code(), output_format, applied=False, show_diff=not check, diffs=not check)


@_json_even_on_failure
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
    rules: frozenset[str] | None = None,
    keep_callers: bool = False,
) -> int:
    dry_run = diff or check
    if not dry_run and not allow_dirty:
        try:
            ensure_clean_git_tree(path if path.is_dir() else path.parent)
        except DirtyTreeError as error:
            return _failed(path, f"refusing to apply: {error}", output_format)
    try:
        result = _plan_with_progress(
            path, quiet, jobs=jobs, model_dir=model_dir, endpoint=endpoint, rules=rules, keep_callers=keep_callers
        )
    except _Unusable as error:
        return _failed(path, str(error), output_format)
    code = result.exit_code() if dry_run else apply_plan(result)
    return _report(result, code, output_format, applied=not dry_run, show_diff=diff, diffs=not check)


def _report(result, code: int, output_format: str, *, applied: bool, show_diff: bool, diffs: bool) -> int:
    """Write the plan's report (JSON, Markdown, or text; the last two with or without the diff)
    and return `code`; `diffs`: whether the JSON carries them (not in check mode, which reports)."""
    if output_format == "json":
        _emit(render_json(result, exit_code=code, applied=applied, diffs=diffs))
    elif output_format == "markdown":
        _emit(render_markdown(result, exit_code=code, applied=applied, show_diff=show_diff))
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
    """An option names something that cannot be used (exit 2)."""


def _failed(path: Path, reason: str, output_format: str) -> int:
    """Exit 2 for a run that could not be done: the reason on stderr, and as the JSON report."""
    sys.stderr.write(f"migrate-agent: {reason}\n")
    if output_format == "json":
        _emit(render_json_failure(_root(path), reason))
    return 2


def _root(path: Path) -> str:
    """The project's directory, as a plan names it (`path` may be one agent file)."""
    path = Path(path).resolve()
    return str(path if path.is_dir() or not path.exists() else path.parent)


def _error_text(error: BaseException) -> str:
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:  # a message that cannot be made (nested too deep to print)
        return type(error).__name__


def _plan_with_progress(path: Path, quiet: bool, **options):
    """plan_project with a progress line on stderr (a terminal only), erased before output."""
    progress = Progress.for_terminal(quiet)
    try:
        return plan_project(path, progress=progress, **options)
    except InputError as error:
        raise _Unusable(f"error: {error}") from error
    finally:
        if progress is not None:
            progress.close()


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
