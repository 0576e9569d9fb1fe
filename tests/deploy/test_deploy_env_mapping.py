"""What each Model Serving environment variable becomes on the app."""

from __future__ import annotations

import pytest

from migrate_agent.deploy.map.env_mapping import decide_env, looks_like_credential
from migrate_agent.deploy.read.serving_model import EnvVar, Origin, Unresolved

HERE = Origin("deploy.py", "deploy.py", 3)


def decide(name, value):
    return decide_env(EnvVar(name, value, HERE))


def test_secret_reference_becomes_a_secret_resource():
    decision = decide("OPENAI_API_KEY", "{{ secrets/my-scope/openai_key }}")
    assert decision.outcome == "secret" and decision.secret == ("my-scope", "openai_key")


def test_plain_value_is_copied():
    decision = decide("LOG_LEVEL", "INFO")
    assert decision.outcome == "copied" and decision.value == "INFO"


@pytest.mark.parametrize("name", ["ENABLE_MLFLOW_TRACING", "RETURN_REQUEST_ID_IN_RESPONSE", "ENABLE_LANGCHAIN_STREAMING"])
def test_serving_flags_are_dropped(name):
    decision = decide(name, "true")
    assert decision.outcome == "dropped" and decision.rule is None


@pytest.mark.parametrize("name", ["DATABRICKS_TOKEN", "DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"])
def test_databricks_credentials_are_dropped_with_a_warning(name):
    decision = decide(name, "{{secrets/s/k}}")
    assert decision.outcome == "dropped" and decision.rule == "MA104"


def test_plain_token_value_is_hidden():
    assert decide("DATABRICKS_TOKEN", "dapi0123456789abcdef0123").hide_value


@pytest.mark.parametrize(
    "name, value",
    [("DB_PASSWORD", "x"), ("SERVICE_API_KEY", "abc"), ("ANY", "sk-abcdefghijklmnopqrstuvwx"), ("GITHUB", "ghp_" + "a" * 30)],
)
def test_credential_looking_values_are_never_copied(name, value):
    decision = decide(name, value)
    assert decision.outcome == "manual" and decision.rule == "MA105" and decision.hide_value


def test_secret_inside_text_is_not_copied():
    decision = decide("URL", "https://user:{{secrets/s/k}}@host")
    assert decision.outcome == "manual" and decision.rule == "MA105"


@pytest.mark.parametrize("name", ["TOKENIZER_PATH", "KEYWORDS", "MAX_TOKENS"])
def test_names_that_merely_contain_token_are_plain(name):
    assert not looks_like_credential(name, "value")


def test_mlflow_variables_are_replaced_by_the_app_ones():
    assert decide("MLFLOW_EXPERIMENT_ID", "123").outcome == "replaced"


def test_unresolved_value_is_a_manual_step():
    decision = decide("X", Unresolved("os.environ['X']", "is read from the environment at run time"))
    assert decision.outcome == "manual" and decision.rule == "MA101"
