"""Which files of a project to look at, and the cheap text test that skips most of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "env", "__pycache__", "node_modules", ".tox",
     ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", ".eggs",
     ".databricks", "site-packages"}
)

# A file can only hold something a rule acts on if it names one of these. Checked on raw bytes.
AGENT_MARKERS = (
    b"ResponsesAgent",
    b"ChatAgent",
    b"ChatModel",
    b"PythonModel",
    b"set_model",
    b"ModelServingUserCredentials",
)


def python_files(root: Path) -> Iterator[Path]:
    """Every .py and .ipynb file below root (root itself if it is a file), in a stable order."""
    if root.is_file():
        yield root
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if name.endswith((".py", ".ipynb")):
                yield Path(directory, name)


def may_hold_agent(data: bytes) -> bool:
    return any(marker in data for marker in AGENT_MARKERS)
