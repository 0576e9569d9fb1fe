"""Manual steps the user has dealt with, so `plan --check` can reach 0 after a complete apply.

Two ways to acknowledge a step, both kept in the project:

- in code: change the marker's `# TODO(migrate-agent):` to `# ACK(migrate-agent):`, keeping the
  rest of the line (see codemods._base.ACK_PREFIX);
- for steps without a marker (deployment MA1xx, requirements.txt...): a line `RULE [PATH]` in
  `.migrate-agent-ack` at the project root, e.g. `MA108 driver.py`; `RULE` alone covers every
  step of that rule, `(project)` as PATH the steps that name no file. `#` starts a comment.
"""

from __future__ import annotations

from pathlib import Path

from migrate_agent.model import ManualStep

ACK_FILE = ".migrate-agent-ack"


def read_acknowledgements(root: Path) -> set[tuple[str, str | None]]:
    """(rule, path or None for any path) pairs from the project's ack file."""
    path = root / ACK_FILE
    if not path.is_file():
        return set()
    found: set[tuple[str, str | None]] = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            found.add((words[0].upper(), words[1] if len(words) > 1 else None))
    return found


def is_acknowledged(step: ManualStep, acknowledged: set[tuple[str, str | None]]) -> bool:
    if step.acknowledged:
        return True
    where = step.path if step.path is not None else "(project)"
    return (step.rule, None) in acknowledged or (step.rule, where) in acknowledged
