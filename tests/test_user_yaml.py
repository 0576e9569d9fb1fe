"""The user's own app.yaml and databricks.yml (issue 15, item 4): every value they hold survives
the migration, and a file that cannot be merged without losing one (not valid YAML, a section of
another shape) is reported at its line, and then nothing at all is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.output.report import render_text

AGENT = (Path(__file__).parent / "golden" / "predict_only" / "input" / "agent.py").read_bytes()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def project(root: Path, files: dict[str, str]) -> Path:
    (root / "agent.py").write_bytes(AGENT)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_env_mapping_keeps_every_value_as_a_list_entry_and_says_so(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.yaml": 'command: ["python", "app.py"]\nenv: {LOG_LEVEL: DEBUG, RETRIES: 3}\n'})
    plan = plan_project(root, jobs=1)
    app_yaml = next(f for f in plan.files if f.path == "app.yaml")
    assert ("env converted from a mapping to a list of name/value entries, the form Databricks Apps reads "
            "(LOG_LEVEL, RETRIES kept)") in app_yaml.edits
    assert "LOG_LEVEL, RETRIES kept" in render_text(plan, show_diff=False)
    assert apply_plan(plan) == 0
    env = yaml.safe_load((root / "app.yaml").read_text())["env"]
    assert env[:2] == [{"name": "LOG_LEVEL", "value": "DEBUG"}, {"name": "RETRIES", "value": 3}]
    assert {"name": "MLFLOW_TRACKING_URI", "value": "databricks"} in env
    written = tree(root)
    again = plan_project(root, jobs=1)
    assert again.changed_files == [] and apply_plan(again) == 0
    assert tree(root) == written


def test_env_mapping_in_a_bundle_app_config_is_converted_too(tmp_path: Path) -> None:
    bundle = ("bundle: {name: b}\nresources:\n  apps:\n    bot:\n      name: bot\n      source_code_path: ./\n"
              "      config:\n        command: [python, app.py]\n        env:\n          LOG_LEVEL: DEBUG\n")
    root = project(tmp_path, {"databricks.yml": bundle})
    plan = plan_project(root, jobs=1)
    apply_plan(plan)
    config = yaml.safe_load((root / "databricks.yml").read_text())["resources"]["apps"]["bot"]["config"]
    assert config["env"][0] == {"name": "LOG_LEVEL", "value": "DEBUG"}
    written = tree(root)
    assert plan_project(root, jobs=1).changed_files == []
    assert tree(root) == written


UNMERGEABLE = [
    ("app.yaml", 'command: ["python", "app.py"]\nenv:\n  - name: A\n    value: [unclosed\n', 5,
     "is not valid YAML: while parsing a flow sequence"),
    ("app.yaml", "command: [python, app.py]\nenv: LOG_LEVEL=DEBUG\n", 2,
     "has `env` as the value 'LOG_LEVEL=DEBUG'"),
    ("databricks.yml", "bundle:\n  name: b\nresources:\n  - apps\n", 3,
     "has `resources` as a list; a bundle has a mapping there"),
]


@pytest.mark.parametrize(("name", "text", "line", "why"), UNMERGEABLE, ids=["invalid", "env-string", "resources-list"])
def test_unmergeable_yaml_is_reported_at_its_line_and_nothing_is_written(
    tmp_path: Path, name: str, text: str, line: int, why: str
) -> None:
    root = project(tmp_path, {name: text})
    before = tree(root)
    result = subprocess.run(
        [sys.executable, "-m", "migrate_agent", "apply", str(root), "--allow-dirty", "--format", "json", "--jobs", "1"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    document = json.loads(result.stdout)
    failed = [e for e in document["errors"] if e["path"] == name]
    assert [(e["line"], e["reason"].startswith(why)) for e in failed] == [(line, True)]
    assert any(e["reason"] == "nothing was written" for e in document["errors"])
    assert tree(root) == before
