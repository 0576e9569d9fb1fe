"""Deployment rules on the files the app gets: MA111 (the logged model_config could not be
written as the model_config.yaml the app loads, or that file exists with other content), MA112
(code_paths or artifacts outside the project, or remote, are not uploaded with the app), MA114
(an existing databricks.yml / app.yaml that could not be merged: invalid YAML or a section of
another shape, at its line, which makes the run write nothing; several apps, apps in included
files). A literal or file model_config, project files, and one-app bundles are
handled without a step. Through plan_deployment on inline projects. No-op cases first."""

from __future__ import annotations

import yaml

from deploy_rule_support import DRIVER, file, plan, project, rules, steps
from migrate_agent.model import FileStatus

FILE_RULES = ("MA111", "MA112", "MA114")


# -- no-op -------------------------------------------------------------------------------------


def test_literal_model_config_is_written_without_a_step(tmp_path):
    driver = 'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", model_config={"k": 1})\n'
    result = plan(project(tmp_path, {"driver.py": driver}))
    assert steps(result, *FILE_RULES) == []
    assert yaml.safe_load(file(result, "model_config.yaml").after) == {"k": 1}


def test_code_paths_and_artifacts_inside_the_project_are_not_steps(tmp_path):
    driver = (
        'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", '
        'code_paths=["helpers"], artifacts={"faq": "faq.md"})\n'
    )
    result = plan(project(tmp_path, {"driver.py": driver, "helpers/__init__.py": "", "faq.md": "Q?\n"}))
    assert steps(result, *FILE_RULES) == []


def test_bundle_with_one_app_is_merged_without_a_step(tmp_path):
    bundle = "bundle: {name: b}\nresources:\n  apps:\n    bot: {name: bot, source_code_path: ./}\n"
    result = plan(project(tmp_path, {"driver.py": DRIVER, "databricks.yml": bundle}))
    assert steps(result, *FILE_RULES) == []
    assert result.bundle_key == "bot"
    assert file(result, "databricks.yml").status is FileStatus.UPDATED


# -- steps -------------------------------------------------------------------------------------


def test_existing_model_config_file_is_kept(tmp_path):
    driver = 'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", model_config={"k": 1})\n'
    root = project(tmp_path, {"driver.py": driver, "model_config.yaml": "k: 2\n"})
    result = plan(root)
    assert file(result, "model_config.yaml").status is FileStatus.UNCHANGED
    assert "MA111" in rules(result)


def test_partly_unknown_model_config_is_a_manual_step(tmp_path):
    driver = 'import os, mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", model_config={"k": os.getenv("K")})\n'
    result = plan(project(tmp_path, {"driver.py": driver}))
    assert "model_config.yaml" not in {f.path for f in result.files}
    assert rules(result) == ["MA111"] and result.model_config_path is None


def test_code_paths_outside_project_are_a_manual_step(tmp_path):
    driver = 'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", code_paths=["../shared"], artifacts={"m": "dbfs:/models/x"})\n'
    result = plan(project(tmp_path / "p", {"driver.py": driver}))
    assert rules(result) == ["MA112", "MA112"]


def test_invalid_bundle_is_not_touched_and_stops_the_run(tmp_path):
    root = project(tmp_path, {"driver.py": DRIVER, "databricks.yml": "bundle:\n  name: [unclosed\n"})
    result = plan(root)
    bundle = file(result, "databricks.yml")
    assert (bundle.status, bundle.line, bundle.changed) == (FileStatus.FAILED, 3, False)
    assert "MA114" in rules(result)
    assert result.errors == ["cannot merge databricks.yml:3: it is not valid YAML: while parsing a flow sequence"]


def test_several_apps_in_bundle(tmp_path):
    bundle = """\
    bundle: {name: b}
    resources:
      apps:
        web: {name: web, source_code_path: ./web}
        agent: {name: agent, source_code_path: ./}
    """
    result = plan(project(tmp_path, {"driver.py": DRIVER, "databricks.yml": bundle}))
    assert result.bundle_key == "agent" and result.app_name == "agent"
    assert "MA114" in rules(result)
    data = yaml.safe_load(file(result, "databricks.yml").after)
    assert "resources" not in data["resources"]["apps"]["web"]
    assert len(data["resources"]["apps"]["agent"]["resources"]) == 2


def test_remote_artifact_is_ma112_at_its_line(tmp_path):
    driver = 'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", artifacts={"m": "s3://bucket/x"})\n'
    result = plan(project(tmp_path, {"driver.py": driver}))
    assert steps(result, *FILE_RULES) == [
        ("driver.py", 2, "artifact `m` `s3://bucket/x` is not in the project: copy it in or read it from a volume")
    ]


def test_invalid_app_yaml_is_ma114_at_its_line_and_left_unchanged(tmp_path):
    result = plan(project(tmp_path, {"app.yaml": "command: [unclosed\n"}))
    assert steps(result, *FILE_RULES) == [(
        "app.yaml", 2,
        "app.yaml is not valid YAML: while parsing a flow sequence; migrate-agent writes nothing until it is fixed",
    )]
    assert not file(result, "app.yaml").changed
    assert result.errors == ["cannot merge app.yaml:2: it is not valid YAML: while parsing a flow sequence"]


def test_app_yaml_env_of_another_shape_is_ma114_at_its_line(tmp_path):
    result = plan(project(tmp_path, {"app.yaml": "command: [python, app.py]\nenv: LOG_LEVEL=DEBUG\n"}))
    assert steps(result, *FILE_RULES) == [(
        "app.yaml", 2,
        "app.yaml has `env` as the value 'LOG_LEVEL=DEBUG'; Databricks Apps reads a list of name/value "
        "entries (`- name: LOG_LEVEL` / `value: DEBUG`); migrate-agent writes nothing until it is fixed",
    )]
    assert file(result, "app.yaml").status is FileStatus.FAILED


def test_bundle_section_of_another_shape_is_ma114_at_its_line(tmp_path):
    bundle = "bundle: {name: b}\nresources:\n  apps:\n    bot:\n      name: bot\n      permissions: everyone\n"
    result = plan(project(tmp_path, {"databricks.yml": bundle}))
    assert steps(result, *FILE_RULES) == [(
        "databricks.yml", 6,
        "databricks.yml has `resources.apps.bot.permissions` as the value 'everyone'; a bundle has a list "
        "there; migrate-agent writes nothing until it is fixed",
    )]
    assert not file(result, "databricks.yml").changed and result.errors


def test_apps_in_an_included_bundle_file_are_ma114(tmp_path):
    result = plan(project(tmp_path, {
        "databricks.yml": "bundle: {name: b}\ninclude:\n  - resources/*.yml\n",
        "resources/app.yml": "resources:\n  apps:\n    bot: {name: bot, source_code_path: ../}\n",
    }))
    assert steps(result, *FILE_RULES) == [(
        "resources/app.yml", None,
        "resources/app.yml (included by databricks.yml) defines apps too: check that the migrated app is defined once",
    )]
