"""Golden cases (tests/golden/README.md): tests/golden/<case>/input is a project, expected/ the tree
the run leaves (the generated runtime files aside: runtime.txt names them), plan.txt what the run
reports. Cases named deploy_* run the deployment planner alone, with an optional options.json;
the others `plan` then `apply`.

Regenerate the expected side after a deliberate change of behaviour, then read its diff:

    MIGRATE_AGENT_REGEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.app.scaffold import GENERATED_MARK
from migrate_agent.model import FileStatus
from migrate_agent.notebooks import is_notebook, read_notebook
from migrate_agent.output.report import render_text
from tests.support.added_imports import added_imports, unresolved
from tests.support.golden import (
    DEFAULT_APP,
    GOLDEN_DIR,
    REGENERATE,
    RUNTIME_MANIFEST,
    RUNTIME_NAMES,
    bundle_schema_validator,
    case_options,
    deploy_report,
    is_deploy_case,
    manual_steps_text,
    plan_deploy_case,
    render,
    runtime_files,
    runtime_renders,
    split_runtime,
    tree,
    write_deployment,
    write_tree,
)

CASES = sorted(p.name for p in GOLDEN_DIR.iterdir() if (p / "input").is_dir())


@pytest.fixture(scope="module")
def bundle_validator():
    return bundle_schema_validator()


def run_apply(project: Path) -> tuple[str, set[str]]:
    """`plan` then `apply` on `project`, checking idempotency; what plan printed and the exit
    codes, and the files that may not parse here."""
    plan = plan_project(project, jobs=1)
    report = render_text(plan, show_diff=False) + f"plan exit code: {plan.exit_code()}\n"
    report += f"apply exit code: {apply_plan(plan)}\n"
    produced = tree(project)

    # Idempotent: a second run finds nothing to change, and changes nothing.
    again = plan_project(project, jobs=1)
    assert [f.path for f in again.changed_files] == []
    apply_plan(again)
    assert tree(project) == produced
    if not plan.manual_steps and not plan.failed_files:
        assert again.exit_code() == 0

    failed = {f.path for f in plan.files if f.status is FileStatus.FAILED}
    # Syntax newer than this interpreter's is flagged (MA006), kept as written, not parseable here.
    failed |= {s.path for s in plan.manual_steps if s.rule == "MA006" and sys.version_info < (3, 12)}
    return report, failed


def run_deploy(case_dir: Path, project: Path) -> tuple[str, set[str]]:
    """The deployment planner alone on `project`, its files written as `apply` would; a second
    run on the written output changes nothing."""
    first = plan_deploy_case(case_dir, project)
    write_deployment(project, first)
    produced = tree(project)
    second = plan_deploy_case(case_dir, project)
    changed = [f.path for f in second.files if f.after != f.before]
    assert not changed, f"second run would change {changed}"
    assert all(f.status is FileStatus.UNCHANGED for f in second.files)
    assert second.diff_markdown == first.diff_markdown
    assert manual_steps_text(second) == manual_steps_text(first)
    write_deployment(project, second)
    assert tree(project) == produced
    return deploy_report(first), set()


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str, tmp_path: Path, bundle_validator) -> None:
    case_dir = GOLDEN_DIR / case
    source = case_dir / "input"
    project = tmp_path / "project"
    shutil.copytree(source, project)
    before = tree(project)

    if is_deploy_case(case):
        report, unparsed = run_deploy(case_dir, project)
    else:
        report, unparsed = run_apply(project)
    produced = tree(project)
    assert produced.keys() >= before.keys(), "nothing is deleted"
    # Every import the migration added finds its module where the app runs: a file apply wrote or
    # the project ships, the standard library, or a distribution requirements.txt installs.
    missing = unresolved(produced, added_imports(before, produced))
    assert not missing, "\n".join(f"{u.path}:{u.line}: `{u.module}` resolves to nothing" for u in missing)

    # The runtime files the run wrote are verbatim template renders, named in runtime.txt and
    # not kept in expected/ (test_runtime_templates checks the templates themselves).
    kept, manifest = split_runtime(produced)
    for rel, data in produced.items():
        if rel.rsplit("/", 1)[-1] in RUNTIME_NAMES and data != before.get(rel):
            assert rel not in kept, f"{rel} was written but is not what its templates render to"

    if REGENERATE:
        write_tree(case_dir / "expected", kept)
        (case_dir / "plan.txt").write_text(report)
        if manifest:
            (case_dir / RUNTIME_MANIFEST).write_text(manifest)
        else:
            (case_dir / RUNTIME_MANIFEST).unlink(missing_ok=True)
    assert report == (case_dir / "plan.txt").read_text()
    assert kept == tree(case_dir / "expected")
    manifest_path = case_dir / RUNTIME_MANIFEST
    assert manifest == (manifest_path.read_text() if manifest_path.is_file() else "")
    assert {**kept, **runtime_files(case_dir)} == produced

    for rel, data in produced.items():
        if rel.endswith(".py") and rel not in unparsed:
            if is_notebook(rel, data):  # a notebook's Python, its magic commands hidden
                data = read_notebook(rel, data).python_text.encode()
            ast.parse(data.lstrip(b"\xef\xbb\xbf"), filename=rel)
        if rel.endswith((".yaml", ".yml")):
            yaml.safe_load(data)
    check_deployment_files(case, produced, bundle_validator)


def check_deployment_files(case: str, produced: dict[str, bytes], bundle_validator) -> None:
    """app.yaml and databricks.yml, where the run wrote them: the app's MLflow environment, the
    bundle valid against its JSON schema, every valueFrom a resource of the app."""
    app_file = next((p for p in ("app.yaml", "app.yml") if p in produced), None)
    bundle_file = next((p for p in ("databricks.yml", "databricks.yaml") if p in produced), None)
    if is_deploy_case(case):
        assert app_file and bundle_file, "the deployment planner writes app.yaml and databricks.yml"
    if not app_file or not bundle_file:
        return
    app_yaml = yaml.safe_load(produced[app_file])
    assert isinstance(app_yaml, dict)
    if is_deploy_case(case):
        assert app_yaml["command"] == case_options(GOLDEN_DIR / case).get("command", DEFAULT_APP.command)
    env = {e["name"]: e for e in app_yaml["env"]}
    assert env["MLFLOW_TRACKING_URI"]["value"] == "databricks"
    assert env["MLFLOW_REGISTRY_URI"]["value"] == "databricks-uc"
    assert "valueFrom" in env["MLFLOW_EXPERIMENT_ID"]

    bundle = yaml.safe_load(produced[bundle_file])
    errors = sorted(bundle_validator.iter_errors(bundle), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors)
    app = next(iter(bundle["resources"]["apps"].values()))
    names = {r["name"] for r in app.get("resources", [])}
    assert {e["valueFrom"] for e in app_yaml["env"] if "valueFrom" in e} <= names
    experiment_ids = [r["experiment"]["experiment_id"] for r in app.get("resources", []) if "experiment" in r]
    for key in bundle["resources"].get("experiments", {}):
        assert f"${{resources.experiments.{key}.id}}" in experiment_ids


def test_runtime_templates() -> None:
    """The runtime files the expected trees leave out: each render is Python marked as ours, the
    same with either line ending, and runtime.txt names only renders that exist."""
    for label, (name, text) in runtime_renders().items():
        assert GENERATED_MARK in text, label
        ast.parse(text, filename=name)
        assert render(label, "CRLF") == render(label, "LF").replace(b"\n", b"\r\n")
    named = [GOLDEN_DIR / case for case in CASES if (GOLDEN_DIR / case / RUNTIME_MANIFEST).is_file()]
    assert named, "no golden case names a runtime file"
    for case_dir in named:
        assert runtime_files(case_dir), case_dir.name  # parses every line, renders each


def test_added_imports_check_finds_a_helper_never_written() -> None:
    """The check every case runs: an import the migration added with no file behind it is
    found; the same import with its file written, the standard library and a distribution
    requirements.txt installs (with its dependencies: uvicorn comes with mlflow) are not."""
    before = {"agent.py": b"import mlflow\n"}
    after = {
        "agent.py": b"import json\nimport uvicorn\nfrom legacy_agent_adapters import chat_agent_predict\n",
        "requirements.txt": b"mlflow>=3.10\n",
    }
    missing = unresolved(after, added_imports(before, after))
    assert [(u.path, u.line, u.module) for u in missing] == [("agent.py", 3, "legacy_agent_adapters")]
    after["legacy_agent_adapters.py"] = b""
    assert unresolved(after, added_imports(before, after)) == []
    after["requirements.txt"] = b""
    assert [u.module for u in unresolved(after, added_imports(before, after))] == ["uvicorn"]
