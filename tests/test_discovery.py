"""Which files a plan reads, and the text prefilter that skips most of them."""

from __future__ import annotations

import os
from pathlib import Path

from migrate_agent.discover.discovery import (
    AGENT_MARKERS,
    ANCHORS,
    DEPLOY_MARKERS,
    DRIVER_MARKERS,
    may_hold_agent,
    project_files,
    text_markers,
)


def test_every_marker_holds_an_anchor() -> None:
    """The anchor scan is a sound first test: no marker can be present when no anchor is."""
    for marker in AGENT_MARKERS + DRIVER_MARKERS + DEPLOY_MARKERS:
        assert any(anchor in marker for anchor in ANCHORS), marker


def test_text_markers_agree_with_the_full_scan() -> None:
    samples = [
        b"",
        b"import json\nprint('model')\n",
        b"class A(ResponsesAgent):\n    pass\n",
        b"from databricks import agents\nagents.deploy('m', 1)\n",
        b"mlflow.pyfunc.log_model(python_model='agent.py')\n",
        b"w = get_user_workspace_client()\n",
        b"policy = AuthPolicy(system_auth_policy=None)\n",
        b"w.serving_endpoints.query(name='x')\n",
        b"deploy(model, version)\n",
        b"import mlflow\nfrom agent import AGENT\nmlflow.genai.evaluate(predict_fn=AGENT.predict)\n",
    ]
    for data in samples:
        expected = (may_hold_agent(data), any(marker in data for marker in DEPLOY_MARKERS))
        assert text_markers(data) == expected, data


def test_project_files_are_relative_posix_paths_in_a_stable_order(tmp_path: Path) -> None:
    for rel in ["b.py", "a/z.py", "a/b/c.ipynb", "a/notes.txt", ".venv/x.py", "pkg.egg-info/y.py", "__pycache__/q.py"]:
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n")
    found = list(project_files(tmp_path))
    assert [rel for rel, _ in found] == ["b.py", "a/z.py", "a/b/c.ipynb"]
    for rel, full in found:
        assert Path(full) == tmp_path / rel
        assert os.path.isfile(full)


def test_a_file_given_as_the_project_is_read_by_its_name(tmp_path: Path) -> None:
    agent = tmp_path / "agent.py"
    agent.write_text("x = 1\n")
    assert list(project_files(agent)) == [("agent.py", str(agent))]
