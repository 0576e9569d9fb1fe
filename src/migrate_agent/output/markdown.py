"""A plan as GitHub-flavoured Markdown, for a pull-request comment or a CI job summary.

`plan --format markdown` (and `apply --format markdown`): a summary, the open manual steps as
a task list (`- [ ] path:line [MAxxx] message`), the deploy diff as a table, and each changed
file's diff in a collapsed ``<details>`` section. Rendered from the same :class:`Plan` as the
text and JSON reports; the output depends only on the plan's content (relative paths, sorted,
no clock, no absolute path), so the same project gives the same bytes on every run.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

from migrate_agent.model import FileResult, FileStatus, ManualStep, Plan
from migrate_agent.output.report import unified_diff

# Deploy-diff items that need nothing from the reviewer; the others are flagged in the table.
_QUIET_OUTCOMES = frozenset({"mapped", "kept"})
_HEADING = re.compile(r"^(#{1,6}) ")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


def render_markdown(plan: Plan, *, exit_code: int, applied: bool, show_diff: bool = True) -> str:
    """The whole report; `exit_code` is what the command returns, `applied` whether files were
    written (apply) or not (plan, --check, --diff); `show_diff` False leaves out the file diffs."""
    parts = [_summary(plan, exit_code, applied)]
    parts.append(_manual_steps(plan))
    if plan.deploy_json.get("items") or plan.deploy_markdown:
        parts.append(_deploy_diff(plan))
    if show_diff and plan.changed_files:
        parts.append(_file_diffs(plan.changed_files))
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


# -- summary ---------------------------------------------------------------------------------


def _summary(plan: Plan, exit_code: int, applied: bool) -> str:
    counts = {status: 0 for status in FileStatus}
    for result in plan.files:
        counts[result.status] += 1
    tally = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n) or "no agent files"
    lines = [f"## migrate-agent {'apply' if applied else 'plan'}", "", f"**{_verdict(plan, exit_code, applied)}**", ""]
    lines.append(f"{tally}; {len(plan.manual_steps)} manual step(s) open, {len(plan.acknowledged)} acknowledged.")
    listed = [r for r in _by_path(plan.files) if r.status is not FileStatus.UNCHANGED or r.reason]
    if listed:
        lines += ["", "| File | Status | Note |", "| --- | --- | --- |"]
        for result in listed:
            note = result.reason or ""
            if result.reason and result.line:
                note += f" (line {result.line})"
            lines.append(f"| `{_code(result.path)}` | {result.status.value} | {_cell(note)} |")
    if plan.notes:
        lines += [""] + [f"- {_one_line(note)}" for note in plan.notes]
    if plan.errors:
        lines += ["", "### Errors", ""] + [f"- {_one_line(error)}" for error in plan.errors]
    return "\n".join(lines)


def _verdict(plan: Plan, exit_code: int, applied: bool) -> str:
    if exit_code == 2:
        return "Failed: see the files marked failed and the errors below (exit code 2)."
    if exit_code == 0:
        return "Done: nothing left to do (exit code 0)." if applied else "Nothing to do (exit code 0)."
    if applied:
        return "Applied; manual steps remain open (exit code 1)."
    if plan.changed_files:
        return "Changes to make: run `migrate-agent apply` (exit code 1)."
    return "Manual steps are open (exit code 1)."


# -- manual steps ----------------------------------------------------------------------------


def _manual_steps(plan: Plan) -> str:
    lines = ["### Manual steps", ""]
    if plan.manual_steps:
        lines += [_task(step, done=False) for step in _sorted_steps(plan.manual_steps)]
    else:
        lines.append("None open.")
    if plan.acknowledged:
        lines += ["", "Acknowledged (not counted):", ""]
        lines += [_task(step, done=True) for step in _sorted_steps(plan.acknowledged)]
    return "\n".join(lines)


def _task(step: ManualStep, *, done: bool) -> str:
    return f"- [{'x' if done else ' '}] `{_code(step.location())}` [{step.rule}] {_one_line(step.message)}"


def _sorted_steps(steps: Iterable[ManualStep]) -> list[ManualStep]:
    return sorted(steps, key=lambda s: (s.path or "", s.line or 0, s.rule, s.message))


# -- deploy diff -----------------------------------------------------------------------------


def _deploy_diff(plan: Plan) -> str:
    lines = ["### Deploy diff: Model Serving → Databricks Apps", ""]
    items = plan.deploy_json.get("items") or []
    if items:
        lines += ["| Item | Model Serving | Databricks Apps | Outcome | Why / what to do |", "| --- | --- | --- | --- | --- |"]
        for item in items:
            outcome = str(item.get("outcome") or "")
            if outcome not in _QUIET_OUTCOMES:
                outcome = f"**{outcome}**"
            note = str(item.get("note") or "")
            if item.get("rule"):
                note = f"[{item['rule']}] {note}".rstrip()
            cells = (item.get("item"), item.get("model_serving"), item.get("apps"), outcome, note)
            lines.append("| " + " | ".join(_cell(str(cell or "")) for cell in cells) + " |")
    if plan.deploy_markdown:
        lines += ["", *_details("The whole deploy diff (MIGRATION.md)", _demoted(plan.deploy_markdown))]
    return "\n".join(lines)


def _demoted(markdown: str) -> list[str]:
    """`markdown`'s lines with headings three levels down (they sit under this report's own), code
    blocks left as they are."""
    out, fence = [], None
    for line in markdown.rstrip("\n").split("\n"):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            fence = None
        elif fence is None:
            heading = _HEADING.match(line)
            if heading:
                line = "#" * min(6, len(heading.group(1)) + 3) + line[len(heading.group(1)):]
        out.append(line)
    return out


# -- file diffs ------------------------------------------------------------------------------


def _file_diffs(results: list[FileResult]) -> str:
    lines = ["### Changes", ""]
    for result in _by_path(results):
        body = [f"- {_one_line(edit)}" for edit in result.edits]
        if body:
            body.append("")
        diff = unified_diff(result)
        fence = _fence_for(diff)
        body += [f"{fence}diff", *diff.rstrip("\n").split("\n"), fence]
        label = f"{result.path} ({'new file' if result.before is None else result.status.value})"
        lines += _details(label, body)
        lines.append("")
    return "\n".join(lines)


def _fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks in `text`, so the text cannot close it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def _details(summary: str, body: list[str]) -> Iterator[str]:
    """A collapsed section (GitHub needs the blank lines to render Markdown inside it)."""
    yield "<details>"
    yield f"<summary>{html.escape(summary, quote=False)}</summary>"
    yield ""
    yield from body
    yield ""
    yield "</details>"


# -- text helpers ----------------------------------------------------------------------------


def _by_path(results: Iterable[FileResult]) -> list[FileResult]:
    return sorted(results, key=lambda r: r.path)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    """`text` as one table cell: on one line, its pipes escaped."""
    return _one_line(text).replace("|", "\\|")


def _code(text: str) -> str:
    """`text` for inside a backtick code span (no backtick can end it early)."""
    return text.replace("`", "'")
