"""How a plan is shown: unified diffs, a per-file summary, manual steps; or one JSON document."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator

from migrate_agent.model import FileResult, FileStatus, Plan

JSON_SCHEMA_VERSION = 1


def _lines(data: bytes | None) -> list[str]:
    if not data:
        return []
    return data.decode("utf-8", "replace").splitlines(keepends=True)


def unified_diff(result: FileResult) -> str:
    """The change to one file as a unified diff (`--- /dev/null` for a new file)."""
    old = "/dev/null" if result.before is None else f"a/{result.path}"
    lines = difflib.unified_diff(
        _lines(result.before), _lines(result.after), fromfile=old, tofile=f"b/{result.path}"
    )
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def diff_text(plan: Plan) -> str:
    return "".join(unified_diff(result) for result in plan.changed_files)


def summary_lines(plan: Plan) -> Iterator[str]:
    for result in plan.files:
        text = f"{result.path}: {result.status.value}"
        if result.reason:
            where = f" (line {result.line})" if result.line else ""
            text += f": {result.reason}{where}"
        yield text
        for edit in result.edits:
            yield f"    {edit}"
    yield from plan.notes


def manual_step_lines(plan: Plan) -> Iterator[str]:
    for step in plan.manual_steps:
        yield f"{step.location()}: {step.rule} {step.message}"


def render_text(plan: Plan, *, show_diff: bool = True) -> str:
    parts = []
    if show_diff:
        parts.append(diff_text(plan))
    parts.append("Summary\n" + "".join(f"  {line}\n" for line in summary_lines(plan)))
    if plan.manual_steps:
        parts.append("Manual steps\n" + "".join(f"  {line}\n" for line in manual_step_lines(plan)))
    if plan.acknowledged:
        parts.append(
            "Acknowledged (not counted)\n"
            + "".join(f"  {s.location()}: {s.rule} {s.message}\n" for s in plan.acknowledged)
        )
    if plan.deploy_markdown and not (show_diff and _new_file_holding(plan, plan.deploy_markdown)):
        parts.append(plan.deploy_markdown.rstrip("\n") + "\n")  # else it is in the diff, once
    if plan.errors:
        parts.append("Errors\n" + "".join(f"  {error}\n" for error in plan.errors))
    counts = {status: 0 for status in FileStatus}
    for result in plan.files:
        counts[result.status] += 1
    tally = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    parts.append(f"{tally or 'no agent files'}; {len(plan.manual_steps)} manual step(s)\n")
    return "\n".join(parts)


def _new_file_holding(plan: Plan, text: str) -> bool:
    """Whether a new file of the plan (its diff shows all of it) holds `text` (MIGRATION.md
    holds the deploy diff)."""
    data = text.strip().encode("utf-8")
    return any(r.before is None and r.after is not None and data in r.after for r in plan.changed_files)


def render_json(plan: Plan, *, exit_code: int, applied: bool, diffs: bool = True) -> str:
    """The plan as one JSON document; without `diffs` (check mode: a report), files carry no
    diff and new files no content."""
    document = {
        "version": JSON_SCHEMA_VERSION,
        "root": str(plan.root),
        "applied": applied,
        "exit_code": exit_code,
        "files": [
            {
                "path": r.path,
                "status": r.status.value,
                "reason": r.reason,
                "line": r.line,
                "edits": r.edits,
                **({"diff": unified_diff(r) if r.changed else ""} if diffs else {}),
            }
            for r in plan.files
            if r.status not in (FileStatus.CREATED,)
        ],
        "new_files": [
            {"path": r.path, **({"content": r.after.decode("utf-8", "replace")} if diffs else {})}
            for r in plan.files
            if r.status is FileStatus.CREATED
        ],
        "manual_steps": [
            {"rule": s.rule, "path": s.path, "line": s.line, "message": s.message}
            for s in plan.manual_steps
        ],
        "acknowledged": [
            {"rule": s.rule, "path": s.path, "line": s.line, "message": s.message}
            for s in plan.acknowledged
        ],
        "errors": [
            {"path": r.path, "line": r.line, "reason": r.reason} for r in plan.failed_files
        ]
        + [{"path": None, "line": None, "reason": error} for error in plan.errors],
        "notes": plan.notes,
        "deploy": plan.deploy_json,
    }
    return json.dumps(document, indent=2) + "\n"


def render_json_failure(root: str, reason: str) -> str:
    """The JSON document of a run that could not be done (exit 2): what `render_json` gives,
    with no file and the reason as its one error."""
    document = {
        "version": JSON_SCHEMA_VERSION,
        "root": root,
        "applied": False,
        "exit_code": 2,
        "files": [],
        "new_files": [],
        "manual_steps": [],
        "acknowledged": [],
        "errors": [{"path": None, "line": None, "reason": reason}],
        "notes": [],
        "deploy": {},
    }
    return json.dumps(document, indent=2) + "\n"
