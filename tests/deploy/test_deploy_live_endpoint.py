"""The live-endpoint reader against a loopback stub of the REST API, with the real databricks-sdk."""

from __future__ import annotations

import pytest
import yaml
from deploy_test_support import DEFAULT_APP
from serving_api_stub import ServingApiStub

from migrate_agent.deploy import plan_deployment
from migrate_agent.deploy.read.live_endpoint import read_live_endpoint

pytest.importorskip("databricks.sdk")

ENDPOINT = {
    "name": "agents_main-support-support_agent",
    "id": "ep-0123",
    "description": "Support agent",
    "tags": [{"key": "team", "value": "support"}, {"key": "MONITOR_EXPERIMENT_ID", "value": "4242"}],
    "ai_gateway": {
        "inference_table_config": {"enabled": True, "catalog_name": "main", "schema_name": "support"},
        "usage_tracking_config": {"enabled": True},
    },
    "config": {
        "served_entities": [
            {
                "name": "main-support-support_agent_3",
                "entity_name": "main.support.support_agent",
                "entity_version": "3",
                "workload_size": "Small",
                "workload_type": "GPU_SMALL",
                "scale_to_zero_enabled": True,
                "environment_vars": {
                    "OPENAI_API_KEY": "{{secrets/agent-scope/openai-key}}",
                    "ENABLE_MLFLOW_TRACING": "true",
                    "MLFLOW_EXPERIMENT_ID": "4242",
                    "LOG_LEVEL": "INFO",
                },
            },
            {"name": "main-support-support_agent_2", "entity_name": "main.support.support_agent", "entity_version": "2"},
        ],
        "traffic_config": {
            "routes": [
                {"served_entity_name": "main-support-support_agent_3", "traffic_percentage": 90},
                {"served_entity_name": "main-support-support_agent_2", "traffic_percentage": 10},
            ]
        },
    },
    # Not in the SDK's ServingEndpointDetailed dataclass: read from the raw JSON.
    "auth_policy": {
        "system_auth_policy": {
            "resources": {"api_version": "1", "databricks": {"serving_endpoint": [{"name": "databricks-claude-3-7-sonnet"}]}}
        },
        "user_auth_policy": {"api_scopes": ["serving.serving-endpoints"]},
    },
}
PERMISSIONS = {
    "object_id": "/serving-endpoints/ep-0123",
    "access_control_list": [
        {"user_name": "alice@example.com", "all_permissions": [{"permission_level": "CAN_QUERY", "inherited": False}]},
        {"group_name": "support", "all_permissions": [{"permission_level": "CAN_VIEW", "inherited": False}]},
        {"group_name": "ops", "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": False}]},
        {"group_name": "admins", "all_permissions": [{"permission_level": "CAN_MANAGE", "inherited": True}]},
    ],
}
ROUTES = {
    "/api/2.0/serving-endpoints/agents_main-support-support_agent": ENDPOINT,
    "/api/2.0/permissions/serving-endpoints/ep-0123": PERMISSIONS,
}


@pytest.fixture
def workspace(monkeypatch, tmp_path):
    """The stub, with the SDK's normal (environment) authentication pointed at it."""
    import os

    for key in list(os.environ):
        if key.startswith("DATABRICKS_"):
            monkeypatch.delenv(key)
    with ServingApiStub(ROUTES) as stub:
        monkeypatch.setenv("DATABRICKS_HOST", stub.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", "test-token")
        monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
        yield stub


def test_reads_the_endpoint_with_the_users_auth(workspace):
    found = read_live_endpoint("agents_main-support-support_agent")
    assert not found.problems
    assert ("GET", "/api/2.0/serving-endpoints/agents_main-support-support_agent", "Bearer test-token") in workspace.requests
    assert found.uc_model.value == "main.support.support_agent"
    assert found.model_version.value == "3"
    assert found.served_entity.value == "main-support-support_agent_3"
    assert found.workload_type.value == "GPU_SMALL"
    assert found.scale_to_zero.value is True
    assert found.tags.value == {"team": "support", "MONITOR_EXPERIMENT_ID": "4242"}
    assert [v.name for v in found.env] == ["OPENAI_API_KEY", "ENABLE_MLFLOW_TRACING", "MLFLOW_EXPERIMENT_ID", "LOG_LEVEL"]
    assert [(r.kind, r.identifier) for r in found.resources] == [("serving_endpoint", "databricks-claude-3-7-sonnet")]
    assert [s.value for s in found.api_scopes] == ["serving.serving-endpoints"]
    assert [f.value for f in found.ai_gateway] == ["inference tables", "usage tracking"]
    assert len(found.traffic_routes) == 2
    assert [(p.principal, p.level) for p in found.permissions] == [
        ("alice@example.com", "CAN_QUERY"), ("support", "CAN_VIEW"), ("ops", "CAN_MANAGE"),
    ]
    assert found.experiment.value == "4242"


def test_plan_from_the_live_endpoint(workspace, tmp_path, bundle_validator):
    plan = plan_deployment(tmp_path, {}, DEFAULT_APP, endpoint="agents_main-support-support_agent")
    rules = [s.rule for s in plan.manual_steps]
    assert {"MA106", "MA108", "MA109", "MA110"} <= set(rules)
    bundle = yaml.safe_load(next(f for f in plan.files if f.path == "databricks.yml").after)
    assert not list(bundle_validator.iter_errors(bundle))
    app = bundle["resources"]["apps"]["support_agent"]
    assert app["name"] == "support-agent"
    assert app["description"] == "Support agent"
    assert app["user_api_scopes"] == ["serving.serving-endpoints"]
    assert app["permissions"] == [
        {"level": "CAN_USE", "user_name": "alice@example.com"},
        {"level": "CAN_MANAGE", "group_name": "ops"},
    ]
    kinds = [next(k for k in r if k != "name") for r in app["resources"]]
    assert kinds == ["experiment", "secret", "serving_endpoint"]
    app_yaml = yaml.safe_load(next(f for f in plan.files if f.path == "app.yaml").after)
    assert {"name": "OPENAI_API_KEY", "valueFrom": "openai-api-key"} in app_yaml["env"]
    assert {"name": "LOG_LEVEL", "value": "INFO"} in app_yaml["env"]
    outcomes = {(i["item"], i["outcome"]) for i in plan.diff_json["items"]}
    assert ("Scale to zero", "dropped") in outcomes
    assert ("Endpoint tags", "dropped") in outcomes
    assert ("Endpoint permission", "dropped") in outcomes  # CAN_VIEW
    assert ("Traffic split", "manual step") in outcomes
    assert plan.diff_json["sources"] == [{"source": "agents_main-support-support_agent", "kind": "live endpoint, databricks-sdk"}]


def test_live_endpoint_wins_over_driver_code(workspace, tmp_path):
    (tmp_path / "deploy.py").write_text(
        'from databricks import agents\nagents.deploy("main.support.support_agent", 1, workload_size="Large",'
        ' environment_vars={"OLD": "1"})\n',
        encoding="utf-8",
    )
    sources = {"deploy.py": (tmp_path / "deploy.py").read_text(encoding="utf-8")}
    plan = plan_deployment(tmp_path, sources, DEFAULT_APP, endpoint="agents_main-support-support_agent")
    model_serving = plan.diff_json["model_serving"]
    assert model_serving["workload_size"] == "Small" and model_serving["model_version"] == "3"
    assert "OLD" not in {e["name"] for e in model_serving["env"]}


def test_unknown_endpoint_is_a_manual_step(workspace, tmp_path):
    plan = plan_deployment(tmp_path, {}, DEFAULT_APP, endpoint="missing")
    assert [s.rule for s in plan.manual_steps] == ["MA115"]
    assert {f.path for f in plan.files} == {"app.yaml", "databricks.yml", "MIGRATION.md"}


def test_unreachable_workspace_is_a_manual_step(workspace):
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    # Nothing listens on port 9 of loopback; a short retry budget keeps the test fast.
    client = WorkspaceClient(config=Config(host="http://127.0.0.1:9", token="test-token", retry_timeout_seconds=1))
    found = read_live_endpoint("anything", client=client)
    assert [p.rule for p in found.problems] == ["MA115"]
    assert "failed" in found.problems[0].message
