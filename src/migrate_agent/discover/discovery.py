"""Which files of a project to look at, and the cheap text test that skips most of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from migrate_agent.discover.fileio import TEMP_SUFFIX, is_own_temp_file, split_bom

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


def project_files(
    root: Path, *, temp_files: list[str] | None = None, suffixes: tuple[str, ...] = (".py", ".ipynb")
) -> Iterator[tuple[str, str]]:
    """(path relative to the project, with `/`; path to open) of every file below root whose name
    ends with one of `suffixes` (.py and .ipynb files by default), or of root itself if it is a
    file, in a stable order. Strings, not Paths: a project
    may hold thousands of files, and pathlib would cost more than reading them. The temp files
    a killed `apply` left (see fileio.is_own_temp_file) are added to `temp_files`, when given."""
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
            if name.endswith(suffixes):
                yield prefix + name, os.path.join(directory, name)
            elif temp_files is not None and name.endswith(TEMP_SUFFIX) and is_own_temp_file(name):
                temp_files.append(prefix + name)


def symlink_verdicts(root: Path, files: list[tuple[str, str]]) -> dict[str, str]:
    """Why a symbolic link among `files` (from project_files) is not read as a file of its own,
    by path: it points outside the project (left as it is), or at a file read under another path
    (the target itself, or an earlier link to it: one file is migrated once). A link to a file
    inside the project that is read under no other path is not here: it is migrated, and apply
    writes through it (fileio.write_atomic)."""
    links = [(rel, file) for rel, file in files if os.path.islink(file)]
    if not links:
        return {}
    top = os.path.realpath(root if root.is_dir() else root.parent)
    read_as = {os.path.realpath(file): rel for rel, file in files if not os.path.islink(file)}
    verdicts: dict[str, str] = {}
    for rel, file in links:
        target = os.path.realpath(file)
        if os.path.commonpath([top, target]) != top:
            verdicts[rel] = (f"a symbolic link to {target}, outside the project: left as it is (to migrate "
                             "that file, copy it into the project in place of the link)")
        elif target in read_as:
            shown = os.path.relpath(target, top).replace(os.sep, "/")
            verdicts[rel] = (f"a symbolic link to {shown}, handled under that path: the link is kept"
                             if shown == read_as[target] else
                             f"a symbolic link to {shown}, handled as {read_as[target]} (a link to it too): "
                             "the link is kept")
        else:
            read_as[target] = rel
    return verdicts


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
