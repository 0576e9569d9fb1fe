"""Deployment rules on the environment and secrets: MA104 (DATABRICKS_TOKEN / _HOST / client
credentials are dropped: the app authenticates as its own service principal), MA105 (a value that
looks like a credential and is not a plain {{secrets/scope/key}} reference is not copied, nor
shown), and MA101 for a value computed at run time. Secret references become secret resources,
plain values are copied, Model Serving flags and MLflow variables are dropped or replaced without
a step. What each variable becomes (decide_env), then the same through plan_deployment on inline
driver code. No-op cases first."""

from __future__ import annotations

import json

import pytest
import yaml

from deploy_rule_support import file, plan, project, rules, steps
from migrate_agent.deploy.map.env_mapping import decide_env, looks_like_credential
from migrate_agent.deploy.read.serving_model import EnvVar, Origin, Unresolved

ENV_RULES = ("MA101", "MA104", "MA105")
DEPLOY = 'from databricks import agents\nagents.deploy("main.a.bot", 1, environment_vars={env})\n'

HERE = Origin(label="deploy.py", path="deploy.py", line=3)


def decide(name, value):
    return decide_env(EnvVar(name=name, value=value, origin=HERE))


# -- no-op: copied, dropped or replaced without a step --------------------------------------


def test_secret_reference_becomes_a_secret_resource():
    decision = decide("OPENAI_API_KEY", "{{ secrets/my-scope/openai_key }}")
    assert decision.outcome == "secret" and decision.secret == ("my-scope", "openai_key")


def test_plain_value_is_copied():
    decision = decide("LOG_LEVEL", "INFO")
    assert decision.outcome == "copied" and decision.value == "INFO"


@pytest.mark.parametrize(
    "name", ["ENABLE_MLFLOW_TRACING", "RETURN_REQUEST_ID_IN_RESPONSE", "ENABLE_LANGCHAIN_STREAMING"]
)
def test_serving_flags_are_dropped(name):
    decision = decide(name, "true")
    assert decision.outcome == "dropped" and decision.rule is None


@pytest.mark.parametrize("name", ["TOKENIZER_PATH", "KEYWORDS", "MAX_TOKENS"])
def test_names_that_merely_contain_token_are_plain(name):
    assert not looks_like_credential(name, "value")


def test_mlflow_variables_are_replaced_by_the_app_ones():
    assert decide("MLFLOW_EXPERIMENT_ID", "123").outcome == "replaced"


def test_secret_reference_and_plain_value_are_not_steps(tmp_path):
    env = '{"OPENAI_API_KEY": "{{secrets/s/k}}", "LOG_LEVEL": "INFO"}'
    result = plan(project(tmp_path, {"deploy.py": DEPLOY.format(env=env)}))
    assert steps(result, *ENV_RULES) == []
    written = yaml.safe_load(file(result, "app.yaml").after)["env"]
    assert {"name": "LOG_LEVEL", "value": "INFO"} in written
    assert any(e["name"] == "OPENAI_API_KEY" and "valueFrom" in e for e in written)


def test_serving_flags_in_agents_deploy_are_dropped_without_a_step(tmp_path):
    env = '{"ENABLE_MLFLOW_TRACING": "true", "RETURN_REQUEST_ID_IN_RESPONSE": "true"}'
    result = plan(project(tmp_path, {"deploy.py": DEPLOY.format(env=env)}))
    assert steps(result, *ENV_RULES) == []
    names = {e["name"] for e in yaml.safe_load(file(result, "app.yaml").after)["env"]}
    assert not names & {"ENABLE_MLFLOW_TRACING", "RETURN_REQUEST_ID_IN_RESPONSE"}


# -- steps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["DATABRICKS_TOKEN", "DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"]
)
def test_databricks_credentials_are_dropped_with_a_warning(name):
    decision = decide(name, "{{secrets/s/k}}")
    assert decision.outcome == "dropped" and decision.rule == "MA104"


def test_plain_token_value_is_hidden():
    assert decide("DATABRICKS_TOKEN", "dapi0123456789abcdef0123").hide_value


@pytest.mark.parametrize(
    "name, value",
    [
        ("DB_PASSWORD", "x"),
        ("SERVICE_API_KEY", "abc"),
        ("ANY", "sk-abcdefghijklmnopqrstuvwx"),
        ("GITHUB", "ghp_" + "a" * 30),
    ],
)
def test_credential_looking_values_are_never_copied(name, value):
    decision = decide(name, value)
    assert decision.outcome == "manual" and decision.rule == "MA105" and decision.hide_value


def test_secret_inside_text_is_not_copied():
    decision = decide("URL", "https://user:{{secrets/s/k}}@host")
    assert decision.outcome == "manual" and decision.rule == "MA105"


def test_unresolved_value_is_a_manual_step():
    decision = decide("X", Unresolved("os.environ['X']", "is read from the environment at run time"))
    assert decision.outcome == "manual" and decision.rule == "MA101"


def test_model_config_with_a_credential_is_not_written(tmp_path):
    driver = (
        'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py",'
        ' model_config={"llm": {"endpoint": "x", "api_key": "sk-live-0123456789abcdefghij"}})\n'
    )
    result = plan(project(tmp_path, {"driver.py": driver}))
    assert "model_config.yaml" not in {f.path for f in result.files}
    assert rules(result) == ["MA105"]
    assert "sk-live" not in result.diff_markdown and "sk-live" not in json.dumps(result.diff_json)


def test_databricks_token_in_agents_deploy_is_ma104_at_its_line(tmp_path):
    result = plan(project(tmp_path, {"deploy.py": DEPLOY.format(env='{"DATABRICKS_TOKEN": "{{secrets/s/k}}"}')}))
    assert steps(result, *ENV_RULES) == [
        (
            "deploy.py",
            2,
            "environment variable `DATABRICKS_TOKEN` dropped: it would override the app's own service-principal authentication",
        )
    ]
    assert "DATABRICKS_TOKEN" not in file(result, "app.yaml").after.decode()


def test_plain_api_key_in_agents_deploy_is_ma105_and_its_value_is_never_written(tmp_path):
    result = plan(project(tmp_path, {"deploy.py": DEPLOY.format(env='{"API_KEY": "sk-abcdefghijklmnopqrstuvwx"}')}))
    assert steps(result, *ENV_RULES) == [
        (
            "deploy.py",
            2,
            "environment variable `API_KEY` not copied: looks like a credential: put it in a secret scope and use valueFrom",
        )
    ]
    assert all(b"sk-abcdef" not in (f.after or b"") for f in result.files)


def test_value_read_at_run_time_is_ma101(tmp_path):
    deploy = 'import os\nfrom databricks import agents\nagents.deploy("main.a.bot", 1, environment_vars={"X": os.environ["X"]})\n'
    result = plan(project(tmp_path, {"deploy.py": deploy}))
    assert steps(result, *ENV_RULES) == [
        (
            "deploy.py",
            3,
            'environment variable `X` not copied: `os.environ["X"]` is read from the environment at run time',
        )
    ]
