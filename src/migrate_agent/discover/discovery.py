"""Which files of a project to look at, and the cheap text test that skips most of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from migrate_agent.discover.fileio import split_bom

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
    b"get_user_workspace_client",  # user clients already migrated: their calls give the user scopes
)
# Driver code that logs or deploys the agent for Model Serving (codemods.analysis.driver_analysis, MA007).
DRIVER_MARKERS = (b"log_model", b"save_model", b"register_model", b"databricks.agents", b"import agents", b"serving_endpoints.")


# Driver code that may describe the Model Serving deployment (read by migrate_agent.deploy).
DEPLOY_MARKERS = (b"log_model", b"save_model", b"agents.deploy", b"register_model", b"AuthPolicy", b"deploy(")
# Every marker above holds one of these (tests/test_discovery.py checks it): a file with none of
# them holds no marker, found with 7 scans of its bytes instead of 18.
ANCHORS = (b"Agent", b"odel", b"_user_", b"agents", b"serving_endpoints.", b"AuthPolicy", b"deploy(")


def project_files(root: Path) -> Iterator[tuple[str, str]]:
    """(path relative to the project, with `/`; path to open) of every .py and .ipynb file below
    root, or of root itself if it is a file, in a stable order. Strings, not Paths: a project
    may hold thousands of files, and pathlib would cost more than reading them."""
    if root.is_file():
        yield root.name, str(root)
        return
    top = str(root)
    for directory, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        folder = directory[len(top) + 1 :].replace(os.sep, "/")
        prefix = f"{folder}/" if folder else ""
        for name in sorted(filenames):
            if name.endswith((".py", ".ipynb")):
                yield prefix + name, os.path.join(directory, name)


def text_markers(data: bytes) -> tuple[bool, bool]:
    """(may hold something a rule acts on, may hold deployment code): the text prefilter."""
    if not any(anchor in data for anchor in ANCHORS):
        return False, False
    return may_hold_agent(data), any(marker in data for marker in DEPLOY_MARKERS)


# The first line of a Databricks source notebook (a .py file exported from the workspace).
SOURCE_NOTEBOOK_HEADER = "# Databricks notebook source"


def is_notebook(path: str, data: bytes) -> bool:
    """A Jupyter notebook, or a Databricks source notebook (its first line, after a BOM)."""
    if path.endswith(".ipynb"):
        return True
    return path.endswith(".py") and split_bom(data)[1].startswith(SOURCE_NOTEBOOK_HEADER.encode())


def may_hold_agent(data: bytes) -> bool:
    """Whether a rule may act on this file: agent code, user clients or Model Serving driver code."""
    return any(marker in data for marker in AGENT_MARKERS) or any(m in data for m in DRIVER_MARKERS)
