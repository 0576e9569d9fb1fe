"""Deployment rules on where the deployment is read from: MA101 (a value not readable
statically: computed at run time, from outside the project, an unparsable driver, a model folder
without MLmodel), MA115 (the live endpoint could not be read), MA116 (several deployments: the
app describes the first). Literal driver code with one deployment is read without a step. Through
plan_deployment on inline projects (the live reader against a stub workspace is tested in
tests/deploy/test_deploy_live_endpoint.py). No-op cases first."""

from __future__ import annotations

import os

from deploy_rule_support import plan, project, rules, steps

SOURCE_RULES = ("MA101", "MA115", "MA116")


# -- no-op -------------------------------------------------------------------------------------


def test_one_literal_agents_deploy_is_read_without_a_step(tmp_path):
    result = plan(project(tmp_path, {"deploy.py": 'from databricks import agents\nagents.deploy("main.a.bot", 1)\n'}))
    assert steps(result, *SOURCE_RULES) == []
    assert result.app_name == "bot"


def test_log_model_with_literal_and_constant_arguments_is_read_without_a_step(tmp_path):
    driver = """\
        import mlflow
        from mlflow.models.resources import DatabricksServingEndpoint

        LLM = "databricks-llama"
        mlflow.pyfunc.log_model(name="agent", python_model="agent.py",
                                resources=[DatabricksServingEndpoint(endpoint_name=LLM)],
                                model_config="conf.yaml")
        """
    result = plan(project(tmp_path, {"driver.py": driver, "conf.yaml": "k: 1\n"}))
    assert steps(result, *SOURCE_RULES) == []


# -- steps -------------------------------------------------------------------------------------


def test_model_dir_without_mlmodel(tmp_path):
    root = project(tmp_path / "proj", {"agent.py": ""})
    (tmp_path / "empty").mkdir()
    result = plan(root, model_dir=tmp_path / "empty")
    assert rules(result) == ["MA101"]


def test_unparsable_driver_is_reported(tmp_path):
    root = project(tmp_path, {"driver.py": "mlflow.pyfunc.log_model(\n"})
    result = plan(root)
    assert [(s.rule, s.path) for s in result.manual_steps] == [("MA101", "driver.py")]


def test_unreadable_keyword_spread_is_reported(tmp_path):
    deploy = "from databricks import agents\n\ndef go(**settings):\n    agents.deploy('m.s.bot', 1, **settings)\n"
    result = plan(project(tmp_path, {"deploy.py": deploy}))
    assert ("MA101", "deploy.py", 4) in [(s.rule, s.path, s.line) for s in result.manual_steps]


def test_several_deployments_and_sdk_endpoints(tmp_path):
    deploy = """\
    from databricks import agents
    from databricks.sdk import WorkspaceClient
    agents.deploy("main.a.first", 1)
    agents.deploy("main.a.second", 1)
    w = WorkspaceClient()
    w.serving_endpoints.create_and_wait(name="x")
    """
    result = plan(project(tmp_path, {"deploy.py": deploy}))
    assert result.app_name == "first"
    assert {"MA116", "MA101"} <= set(rules(result))


def test_resource_named_by_an_undefined_variable_is_ma101_at_its_line(tmp_path):
    driver = (
        "import mlflow\nfrom mlflow.models.resources import DatabricksTable\n"
        'mlflow.pyfunc.log_model(name="a", python_model="agent.py", resources=[DatabricksTable(table_name=NAME)])\n'
    )
    result = plan(project(tmp_path, {"driver.py": driver}))
    assert steps(result, *SOURCE_RULES) == [
        ("driver.py", 3, "resource `NAME` is not defined in the file; add the app resource it needs to databricks.yml")
    ]


def test_live_endpoint_that_cannot_be_read_is_ma115(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("DATABRICKS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    result = plan(project(tmp_path / "p", {"agent.py": ""}), endpoint="agents_x")
    assert rules(result) == ["MA115"]
    assert result.manual_steps[0].message.startswith("reading endpoint `agents_x` failed: ")
