"""Golden cases of the deployment side: tests/deploy/golden/<case>/{input,expected}.

Each case is a small project (`input/`) and the files `plan_deployment` produces for it
(`expected/`: app.yaml, databricks.yml, MIGRATION.md, model_config.yaml when written, plus
manual_steps.txt and files.txt with each file's status). Optional `options.json` holds
`model_dir` (relative to the case folder), `endpoint` and AppSpec fields.

Regenerate after an intended change, then review the diff:

    MIGRATE_AGENT_REGEN=1 .venv/bin/python -m pytest tests/deploy
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from deploy_test_support import (
    REGENERATE,
    apply_plan,
    expected_outputs,
    golden_cases,
    manual_steps_text,
    read_expected,
    run_case,
    write_expected,
)

from migrate_agent.model import FileStatus

CASES = golden_cases()
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_output(case):
    outputs = expected_outputs(run_case(case))
    if REGENERATE:
        write_expected(case, outputs)
    assert read_expected(case) == outputs, f"golden {case.name} differs: regenerate with MIGRATE_AGENT_REGEN=1"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_yaml_loads(case):
    plan = run_case(case)
    for result in plan.files:
        if result.path.endswith((".yaml", ".yml")):
            assert isinstance(yaml.safe_load(result.after), dict), result.path
    app_yaml = next(f for f in plan.files if f.path in ("app.yaml", "app.yml"))
    data = yaml.safe_load(app_yaml.after)
    assert data["command"] == ["python", "start_server.py"]
    env = {e["name"]: e for e in data["env"]}
    assert env["MLFLOW_TRACKING_URI"]["value"] == "databricks"
    assert env["MLFLOW_REGISTRY_URI"]["value"] == "databricks-uc"
    assert "valueFrom" in env["MLFLOW_EXPERIMENT_ID"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_bundle_is_valid(case, bundle_validator):
    plan = run_case(case)
    bundle = next(f for f in plan.files if f.path in ("databricks.yml", "databricks.yaml"))
    data = yaml.safe_load(bundle.after)
    errors = sorted(bundle_validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors)
    # Every valueFrom of app.yaml names a resource of the app.
    app = next(iter(data["resources"]["apps"].values()))
    names = {r["name"] for r in app.get("resources", [])}
    app_yaml = yaml.safe_load(next(f for f in plan.files if f.path in ("app.yaml", "app.yml")).after)
    assert {e["valueFrom"] for e in app_yaml["env"] if "valueFrom" in e} <= names
    experiment_ids = [r["experiment"]["experiment_id"] for r in app.get("resources", []) if "experiment" in r]
    for key in data["resources"].get("experiments", {}):
        assert f"${{resources.experiments.{key}.id}}" in experiment_ids


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_second_run_changes_nothing(case, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(case.input, project)
    first = run_case(case, project)
    apply_plan(project, first)
    second = run_case(case, project)
    changed = [f.path for f in second.files if f.after != f.before]
    assert not changed, f"second run would change {changed}"
    assert all(f.status in (FileStatus.UNCHANGED,) for f in second.files)
    assert second.diff_markdown == first.diff_markdown
    assert manual_steps_text(second) == manual_steps_text(first)
