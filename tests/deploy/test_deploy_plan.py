"""plan_deployment end to end on small projects built in tmp_path (behaviours beyond the goldens)."""

from __future__ import annotations

import json
import shutil
import textwrap

import yaml
from deploy_test_support import DEFAULT_APP, apply_plan, python_sources

from migrate_agent.deploy import plan_deployment
from migrate_agent.model import FileStatus
from tests.support.golden import GOLDEN_DIR


def project(tmp_path, files: dict[str, str]):
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def plan(root, **options):
    return plan_deployment(root, python_sources(root), DEFAULT_APP, **options)


def file(result_plan, path):
    return next(f for f in result_plan.files if f.path == path)


def rules(result_plan):
    return [s.rule for s in result_plan.manual_steps]


DRIVER = """\
import mlflow
from mlflow.models.resources import DatabricksServingEndpoint
mlflow.pyfunc.log_model(name="agent", python_model="agent.py",
                        resources=[DatabricksServingEndpoint("databricks-claude-3-7-sonnet")])
"""


def test_model_dir_outside_the_project(tmp_path):
    root = project(tmp_path / "proj", {"agent.py": ""})
    model = tmp_path / "downloads" / "agent_model"
    shutil.copytree(GOLDEN_DIR / "deploy_mlmodel_input" / "input" / "model", model)
    result = plan(root, model_dir=model)
    assert result.diff_json["sources"] == [{"source": "agent_model/MLmodel", "kind": "logged model"}]
    assert str(tmp_path) not in result.diff_markdown
    assert result.model_config_path == "model_config.yaml"
    assert file(result, "model_config.yaml").status is FileStatus.CREATED
    # model_dir may also name the MLmodel file itself
    assert plan(root, model_dir=model / "MLmodel").diff_json == result.diff_json


def test_user_migration_file_is_kept_and_block_replaced(tmp_path):
    root = project(tmp_path, {"driver.py": DRIVER, "MIGRATION.md": "# Our notes\n\nKeep this.\n"})
    first = plan(root)
    text = file(first, "MIGRATION.md").after.decode()
    assert text.startswith("# Our notes\n\nKeep this.\n\n<!-- migrate-agent:deploy:begin -->")
    assert file(first, "MIGRATION.md").status is FileStatus.UPDATED
    apply_plan(root, first)
    (root / "MIGRATION.md").write_text(text + "\nMore notes after.\n", encoding="utf-8")
    second = plan(root)
    assert file(second, "MIGRATION.md").status is FileStatus.UNCHANGED


def test_existing_app_yml_is_merged_in_place(tmp_path):
    root = project(tmp_path, {"app.yml": "command: [python, app.py]\nenv:\n  - name: MLFLOW_EXPERIMENT_ID\n    value: '123'\n"})
    result = plan(root)
    assert "app.yaml" not in {f.path for f in result.files}
    merged = yaml.safe_load(file(result, "app.yml").after)
    assert merged["env"][0] == {"name": "MLFLOW_EXPERIMENT_ID", "value": "123"}  # the user's value
    assert "    value: '123'\n" in file(result, "app.yml").after.decode()  # and its quoting
    assert merged["command"] == ["python", "start_server.py"]  # what the migration must change
    assert file(result, "app.yml").status is FileStatus.UPDATED
    assert any(e.startswith("env MLFLOW_EXPERIMENT_ID kept as '123'") for e in file(result, "app.yml").edits)


def test_a_bundle_app_config_is_kept_in_step_with_app_yaml(tmp_path):
    """The bundle's app config (app.yml on deploy) gets the command and the env entries it
    lacks; a user's env value stays, and the edits say what changed and what was kept."""
    bundle = """\
        bundle:
          name: mine
        resources:
          apps:
            agent_app:
              name: agent-app
              source_code_path: .
              config:
                command: [python, app.py]
                env:
                  - name: MLFLOW_EXPERIMENT_ID
                    value: '123'
        """
    root = project(tmp_path, {"databricks.yml": bundle})
    result = plan(root)
    written = file(result, "databricks.yml")
    config = yaml.safe_load(written.after)["resources"]["apps"]["agent_app"]["config"]
    assert config["command"] == ["python", "start_server.py"]
    assert config["env"][0] == {"name": "MLFLOW_EXPERIMENT_ID", "value": "123"}  # the user's value
    assert "app config command set to ['python', 'start_server.py'] (was ['python', 'app.py'])" in written.edits
    kept = [e for e in written.edits if e.startswith("app config env MLFLOW_EXPERIMENT_ID kept as ")]
    assert kept == [
        "app config env MLFLOW_EXPERIMENT_ID kept as {'name': 'MLFLOW_EXPERIMENT_ID', 'value': '123'} "
        "(the migration's value: {'name': 'MLFLOW_EXPERIMENT_ID', 'value_from': 'experiment'})"
    ]


def test_comments_and_blank_lines_are_kept(tmp_path):
    text = "# header\n# more\n\ncommand: [python, app.py]  # old entry point\n\n# the end\n"
    root = project(tmp_path, {"app.yaml": text})
    after = file(plan(root), "app.yaml").after.decode()
    assert after.startswith("# header\n# more\n\ncommand: [\"python\", \"start_server.py\"]")
    assert "# old entry point" in after
    assert after.endswith("valueFrom: experiment\n\n# the end\n")


def test_existing_secret_grant_is_reused_by_name(tmp_path):
    bundle = """\
    bundle: {name: b}
    resources:
      apps:
        bot:
          name: bot
          source_code_path: ./
          resources:
            - name: my-openai
              secret: {scope: s, key: k, permission: READ}
    """
    deploy = 'from databricks import agents\nagents.deploy("m.s.bot", 1, environment_vars={"A": "{{secrets/s/k}}", "B": "{{secrets/s/k}}"})\n'
    result = plan(project(tmp_path, {"deploy.py": deploy, "databricks.yml": bundle}))
    env = yaml.safe_load(file(result, "app.yaml").after)["env"]
    assert {"name": "A", "valueFrom": "my-openai"} in env and {"name": "B", "valueFrom": "my-openai"} in env
    app = yaml.safe_load(file(result, "databricks.yml").after)["resources"]["apps"]["bot"]
    assert sum(1 for r in app["resources"] if "secret" in r) == 1


def test_second_run_after_driver_code_was_migrated_changes_nothing(tmp_path):
    root = project(tmp_path, {"driver.py": DRIVER, "agent.py": ""})
    apply_plan(root, plan(root))
    (root / "driver.py").unlink()
    second = plan(root)
    assert [f.path for f in second.files if f.changed] == []


def test_resources_yaml_file_and_positional_log_model(tmp_path):
    resources = "api_version: '1'\ndatabricks:\n  table:\n    - name: main.a.t\n  function:\n    - name: main.a.f\n      on_behalf_of_user: true\n"
    driver = 'import mlflow\nmlflow.pyfunc.log_model("agent", None, None, ["helpers"], python_model="agent.py", resources="resources.yaml")\n'
    root = project(tmp_path, {"driver.py": driver, "resources.yaml": resources, "helpers/__init__.py": ""})
    result = plan(root)
    served = result.diff_json["model_serving"]["resources"]
    assert [(r["kind"], r["identifier"], r["on_behalf_of_user"]) for r in served] == [
        ("table", "main.a.t", None), ("function", "main.a.f", True),
    ]
    assert ("code_paths", "mapped") in {(i["item"], i["outcome"]) for i in result.diff_json["items"]}


def test_outputs_are_deterministic_and_json_ready(tmp_path):
    root = project(tmp_path, {"driver.py": DRIVER})
    first, second = plan(root), plan(root)
    assert [(f.path, f.after) for f in first.files] == [(f.path, f.after) for f in second.files]
    assert json.loads(json.dumps(first.diff_json)) == second.diff_json
    assert first.diff_markdown == second.diff_markdown


def test_nothing_found_still_gives_the_base_app(tmp_path):
    result = plan(project(tmp_path, {"agent.py": "print('hi')\n"}))
    assert yaml.safe_load(file(result, "app.yaml").after) == {
        "command": ["python", "start_server.py"],
        "env": [
            {"name": "MLFLOW_TRACKING_URI", "value": "databricks"},
            {"name": "MLFLOW_REGISTRY_URI", "value": "databricks-uc"},
            {"name": "MLFLOW_EXPERIMENT_ID", "valueFrom": "experiment"},
        ],
    }
    assert result.manual_steps == [] and "No Model Serving deployment was found" in result.diff_markdown
