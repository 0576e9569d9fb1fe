"""`migrate-agent plan|apply|rules`: a thin layer over :mod:`migrate_agent.api`.

Exit codes (pyupgrade / ruff style): 0 nothing to do or all done; 1 changes to make (plan,
--check, --diff) or manual steps left; 2 a file failed, or the command could not run.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from migrate_agent import __version__
from migrate_agent.commands import guarded, run_apply, run_plan
from migrate_agent.rule_catalog import UnknownRuleError, all_rules, select_rules
from migrate_agent.verify import VerifyOptions, progress_to_stderr
from migrate_agent.verify import verify as run_verify
from migrate_agent.verify.report import render_json as verify_json
from migrate_agent.verify.report import render_text as verify_text

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich panels show flags with a `<bool>` value placeholder
    help="Move Databricks agents from Model Serving to Databricks Apps.",
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


PathArgument = typer.Argument(..., exists=True, help="Project directory (or one agent file).")
FormatOption = typer.Option(OutputFormat.text, "--format", help="text; json for machines; markdown for a pull-request comment or CI job summary.")
JobsOption = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: CPUs).")
ModelDirOption = typer.Option(
    None, "--model-dir", exists=True, file_okay=False,
    help="A downloaded model directory (with its MLmodel file) to read the deployment from.",
)
EndpointOption = typer.Option(
    None, "--endpoint", help="A live serving endpoint to read the deployment from (needs auth)."
)
KeepCallersOption = typer.Option(
    False, "--keep-callers",
    help="List the code that calls the Model Serving endpoint, but do not rewrite or mark it.",
)
QuietOption = typer.Option(
    False, "--quiet", "-q", help="No progress display on stderr (shown only on a terminal, for runs over ~1 s)."
)
SelectOption = typer.Option(
    None, "--select", metavar="RULES",
    help="Apply only these rules: ids or id prefixes (MA005, MA1, ALL), comma-separated or repeated.",
)
IgnoreOption = typer.Option(
    None, "--ignore", metavar="RULES",
    help="Leave these rules out (ids or prefixes): they change no code and report no step.",
)


def _rules(select: Optional[List[str]], ignore: Optional[List[str]]) -> Optional[frozenset]:
    """The rule ids `--select` / `--ignore` leave (None: all); a usage error (exit 2) for a
    selector that names no rule."""
    try:
        return select_rules(select or (), ignore or ())
    except UnknownRuleError as error:
        raise typer.BadParameter(str(error)) from None


def _show_version(value: bool) -> None:
    if value:
        _emit(f"migrate-agent {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Move Databricks agents from Model Serving to Databricks Apps."""


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@app.command()
def plan(
    path: Path = PathArgument,
    output_format: OutputFormat = FormatOption,
    check: bool = typer.Option(False, "--check", help="Summary and manual steps only, no diff."),
    jobs: Optional[int] = JobsOption,
    model_dir: Optional[Path] = ModelDirOption,
    endpoint: Optional[str] = EndpointOption,
    keep_callers: bool = KeepCallersOption,
    quiet: bool = QuietOption,
    select: Optional[List[str]] = SelectOption,
    ignore: Optional[List[str]] = IgnoreOption,
) -> None:
    """Show what `apply` would change (diffs, new files, deploy diff, manual steps). Writes nothing.

    Exit 0 nothing to do, 1 changes or manual steps, 2 a file failed."""
    rules = _rules(select, ignore)
    raise typer.Exit(
        run_plan(
            path, output_format=output_format.value, check=check, jobs=jobs,
            model_dir=model_dir, endpoint=endpoint, quiet=quiet, rules=rules, keep_callers=keep_callers,
        )
    )


@app.command()
def apply(
    path: Path = PathArgument,
    allow_dirty: bool = typer.Option(
        False, "--allow-dirty", help="Run even if the git work tree has uncommitted changes."
    ),
    diff: bool = typer.Option(False, "--diff", help="Print the diff instead of writing (exit 1 if any)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if anything would change."),
    output_format: OutputFormat = FormatOption,
    jobs: Optional[int] = JobsOption,
    model_dir: Optional[Path] = ModelDirOption,
    endpoint: Optional[str] = EndpointOption,
    keep_callers: bool = KeepCallersOption,
    quiet: bool = QuietOption,
    select: Optional[List[str]] = SelectOption,
    ignore: Optional[List[str]] = IgnoreOption,
) -> None:
    """Make the changes `plan` shows. Exit 0 done, 1 done with manual steps left, 2 a file failed
    (the other files are still migrated) or the tree is dirty."""
    rules = _rules(select, ignore)
    raise typer.Exit(
        run_apply(
            path, allow_dirty=allow_dirty, diff=diff, check=check,
            output_format=output_format.value, jobs=jobs, model_dir=model_dir,
            endpoint=endpoint, quiet=quiet, rules=rules, keep_callers=keep_callers,
        )
    )


@app.command()
def verify(
    path: Path = typer.Argument(..., exists=True, file_okay=False, help="The migrated project directory."),
    requests: Optional[Path] = typer.Option(
        None, "--requests", exists=True, dir_okay=False,
        help="JSON list of request bodies (default: the logged input_example, else one question).",
    ),
    before: Optional[str] = typer.Option(
        None, "--before", help="The original: a git revision or a directory (default: HEAD while the migration is uncommitted)."
    ),
    user_token: Optional[str] = typer.Option(
        None, "--user-token", help="The calling user's token on both sides (default: a generated fake)."
    ),
    workspace: Optional[str] = typer.Option(
        None, "--workspace", help="URL of a stand-in workspace (default: your Databricks configuration, if any)."
    ),
    env: list[str] = typer.Option([], "--env", help="NAME=VALUE for an app.yaml env entry taken from a resource (repeatable)."),
    timeout: float = typer.Option(120.0, "--timeout", min=1, help="Seconds for the sides to start, and per request."),
    output_format: OutputFormat = FormatOption,
) -> None:
    """Run the original (as Model Serving) and the migrated app (as Apps) on the same requests,
    with the original's outbound calls replayed to the app, and compare. Writes nothing.

    Exit 0 the same, 1 some answer, outbound call or identity differs, 2 could not run."""
    pairs = dict(item.partition("=")[::2] for item in env)
    report = run_verify(
        VerifyOptions(project=path, requests_file=requests, before=before, user_token=user_token,
                      workspace=workspace, extra_env=pairs, timeout=timeout),
        progress_to_stderr,
    )
    _emit(verify_json(report) if output_format is OutputFormat.json else verify_text(report))
    raise typer.Exit(report.exit_code)


@app.command()
def rules(
    select: Optional[List[str]] = SelectOption,
    ignore: Optional[List[str]] = IgnoreOption,
) -> None:
    """List every rule the output can cite, in id order: id and help text (with --select /
    --ignore: the rules that selection applies)."""
    chosen = _rules(select, ignore)
    for rule_id, help_text in all_rules():
        if chosen is None or rule_id in chosen:
            _emit(f"{rule_id}\n{help_text}\n\n")


def main() -> None:
    """Entry point. Exit 2 (never 1, the "manual steps" code) when anything goes wrong."""
    sys.exit(guarded(app))
