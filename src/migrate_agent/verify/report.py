"""A verify report as text (for people) or JSON (for CI)."""

from __future__ import annotations

import json
from dataclasses import asdict

from migrate_agent.verify.run import COULD_NOT_RUN, EQUAL, CallRecord, VerifyReport

_VERDICT = {EQUAL: "equal", 1: "different", COULD_NOT_RUN: "could not run"}


def render_json(report: VerifyReport) -> str:
    data = asdict(report)
    data["result"] = _VERDICT[report.exit_code]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_text(report: VerifyReport) -> str:
    lines = [f"original: {report.before or '?'}", f"migrated: {report.after}"]
    if report.exit_code == COULD_NOT_RUN:
        lines += ["", f"verify could not run: {report.reason}", "", "result: could not run (exit 2)"]
        return "\n".join(lines) + "\n"
    lines += [f"requests: {len(report.requests)} ({report.requests_source})", f"workspace: {report.workspace}"]
    starting = [c for c in report.calls if not c.window.startswith(("request ", "save"))]
    if starting:
        lines += ["", "while loading (the original) and starting or building the agent (the app):"]
        lines += [_call_line(call) for call in starting]
    for result in report.requests:
        lines += ["", f"request {result.index}: {_short(json.dumps(result.request, ensure_ascii=False))}"]
        for mode in result.modes:
            verdict = "same" if mode.equal else "DIFFERENT"
            note = f" ({mode.note})" if mode.note else ""
            lines.append(f"  {mode.mode}: {verdict}{note}")
            for who, error in (("original", mode.original_error), ("app", mode.app_error)):
                if error:
                    lines.append(f"    {who} failed: {_short(error, 300)}")
            if mode.diff:
                lines += [f"    {line}" for line in mode.diff.splitlines()]
        lines += [_call_line(call) for call in result.calls]
    if report.differences:
        lines += ["", "outbound calls that differ:"]
        for text in report.differences:
            first, *rest = text.splitlines()
            lines.append(f"  - {first}")
            lines += [f"      {line}" for line in rest]
    lines += ([""] if report.notes else []) + [f"note: {note}" for note in report.notes]
    verdict = "equal (exit 0)" if report.exit_code == EQUAL else "different (exit 1)"
    lines += ["", f"result: {verdict}"]
    return "\n".join(lines) + "\n"


def _call_line(call: CallRecord) -> str:
    mark = " (replayed)" if call.replayed else ""
    flag = "  <- DIFFERENT" if call.difference else ""
    return f"  call  {call.side:<8} {call.method} {call.path}  as the {call.identity}{mark}{flag}"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
