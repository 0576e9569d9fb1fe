"""The original agent of a project whose agent exists only inside a notebook's %%writefile cell:
run the notebook's writing step (and only that) into a copy of the project, as running the
notebook would, so the original can be loaded from the file it writes.

Cells are read with migrate_agent.notebooks (static reading; no notebook code runs here). A
target outside the project (`/tmp/agent.py`) is written beside the notebook, where the migrated
app keeps its copy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from migrate_agent.notebooks import is_notebook, read_notebook

_SET_MODEL = re.compile(r"\bset_model\s*\(")


def write_notebook_files(project: Path, into: Path) -> str | None:
    """Copy `project` to `into`, write every %%writefile target of its notebooks there; the
    project-relative path of the written file that calls set_model, or None if there is none."""
    shutil.copytree(project, into, ignore=shutil.ignore_patterns("__pycache__"))
    agents = []
    for path in sorted([*project.rglob("*.py"), *project.rglob("*.ipynb")]):
        rel = path.relative_to(project).as_posix()
        data = path.read_bytes()
        if "__pycache__" in path.parts or not is_notebook(rel, data):
            continue
        for unit in read_notebook(rel, data).units:
            if unit.kind != "writefile":
                continue
            (into / unit.app_path).parent.mkdir(parents=True, exist_ok=True)
            (into / unit.app_path).write_text(unit.code)
            if _SET_MODEL.search(unit.code):
                agents.append(unit.app_path)
    agents = sorted(set(agents))
    return agents[0] if len(agents) == 1 else None
