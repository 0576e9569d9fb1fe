"""Deployment rules on the endpoint's resources and compute: MA102 (a UC model service has no app
resource), MA103 (a Genie space needs its name), MA106 (GPU workload), MA107 (instance profile),
MA108 (AI Gateway features), MA109 (traffic split), MA113 (unknown resource kind). Resources with
an Apps resource type are mapped without a step; what has none is a manual step at the line that
declares it. Through plan_deployment on inline driver code, and plan_apps on a deployment built
inline where only a live endpoint could say it (GPU, traffic split; the live reader's own tests
are in tests/deploy/test_deploy_live_endpoint.py). No-op cases first."""

from __future__ import annotations

from pathlib import Path

import yaml

from deploy_rule_support import file, plan, project, rules, steps
from migrate_agent.deploy.map.apps_model import ExistingApp
from migrate_agent.deploy.map.apps_plan import plan_apps
from migrate_agent.deploy.read.code_facts import CodeFacts
from migrate_agent.deploy.read.serving_model import Fact, Origin, ServingDeployment

RESOURCE_RULES = ("MA102", "MA103", "MA106", "MA107", "MA108", "MA109", "MA113")
LOGGED = """\
import mlflow
from mlflow.models.resources import {cls}
mlflow.pyfunc.log_model(name="a", python_model="agent.py", resources=[{resource}])
"""
HERE = Origin(label="endpoint", path=None, line=None)


def logged(tmp_path, cls: str, resource: str):
    return plan(project(tmp_path, {"driver.py": LOGGED.format(cls=cls, resource=resource)}))


def apps_steps(**facts) -> list[tuple[str, str]]:
    serving = ServingDeployment(**facts)
    apps = plan_apps(serving, ["python", "start_server.py"], "agent.py", ExistingApp(), Path("."), CodeFacts())
    return [(s.rule, s.message) for s in apps.steps]


# -- no-op: resources and compute that map to the app -------------------------------------------


def test_serving_endpoint_and_table_are_mapped_without_a_step(tmp_path):
    driver = """\
        import mlflow
        from mlflow.models.resources import DatabricksServingEndpoint, DatabricksTable
        mlflow.pyfunc.log_model(name="a", python_model="agent.py", resources=[
            DatabricksServingEndpoint(endpoint_name="databricks-llama"),
            DatabricksTable(table_name="main.a.t"),
        ])
        """
    result = plan(project(tmp_path, {"driver.py": driver}))
    assert result.manual_steps == []
    app = yaml.safe_load(file(result, "databricks.yml").after)["resources"]["apps"]
    [entries] = [a["resources"] for a in app.values()]
    assert {"serving_endpoint", "uc_securable"} <= {key for entry in entries for key in entry if key != "name"}


def test_cpu_workload_and_a_single_route_are_not_steps():
    assert apps_steps(
        workload_type=Fact(value="CPU", origin=HERE), traffic_routes=[Fact(value="agent_1: 100%", origin=HERE)]
    ) == []


def test_log_model_alone_has_no_ai_gateway_step(tmp_path):
    result = logged(
        tmp_path, "DatabricksServingEndpoint", 'DatabricksServingEndpoint(endpoint_name="databricks-llama")'
    )
    assert "MA108" not in rules(result)


# -- steps -------------------------------------------------------------------------------------


def test_uc_model_service_is_ma102(tmp_path):
    result = logged(tmp_path, "DatabricksUCModelService", 'DatabricksUCModelService(model_service_name="main.a.svc")')
    assert steps(result, *RESOURCE_RULES) == [
        ("driver.py", 3, "UC model service `main.a.svc`: grant the app's service principal access by hand")
    ]


def test_genie_space_is_mapped_with_its_id_as_name_and_is_ma103(tmp_path):
    result = logged(tmp_path, "DatabricksGenieSpace", 'DatabricksGenieSpace(genie_space_id="01ab")')
    assert steps(result, *RESOURCE_RULES) == [
        (
            "driver.py",
            3,
            "Genie space `01ab`: set the app resource `genie-space-01ab`'s genie_space.name to the space's title",
        )
    ]
    app = yaml.safe_load(file(result, "databricks.yml").after)["resources"]["apps"]
    [entries] = [a["resources"] for a in app.values()]
    assert [e["genie_space"] for e in entries if "genie_space" in e] == [
        {"name": "01ab", "space_id": "01ab", "permission": "CAN_RUN"}
    ]


def test_gpu_workload_is_ma106():
    assert apps_steps(workload_type=Fact(value="GPU_SMALL", origin=HERE)) == [
        ("MA106", "the endpoint runs on GPU_SMALL; keep the GPU model on Model Serving and query it from the app")
    ]


def test_instance_profile_and_the_inference_tables_of_agents_deploy_are_ma107_and_ma108(tmp_path):
    deploy = 'from databricks import agents\nagents.deploy("main.a.bot", 1, instance_profile_arn="arn:aws:iam::1:instance-profile/x")\n'
    result = plan(project(tmp_path, {"deploy.py": deploy}))
    assert steps(result, *RESOURCE_RULES) == [
        ("deploy.py", 2, "instance_profile_arn `arn:aws:iam::1:instance-profile/x` has no Apps equivalent"),
        ("deploy.py", 2, "AI Gateway inference tables (enabled by agents.deploy) have no Apps equivalent"),
    ]


def test_traffic_split_is_ma109():
    routes = [Fact(value="agent_1: 80%", origin=HERE), Fact(value="agent_2: 20%", origin=HERE)]
    assert apps_steps(traffic_routes=routes) == [
        ("MA109", "traffic split agent_1: 80%, agent_2: 20%: deploy one app per variant")
    ]


def test_unknown_resource_class_and_resources_file_key_are_ma113(tmp_path):
    result = logged(tmp_path / "code", "DatabricksFancyThing", 'DatabricksFancyThing(name="x")')
    assert steps(result, *RESOURCE_RULES) == [
        ("driver.py", 3, 'resource `DatabricksFancyThing(name="x")` of unknown kind `DatabricksFancyThing`')
    ]
    driver = 'import mlflow\nmlflow.pyfunc.log_model(name="a", python_model="agent.py", resources="r.yaml")\n'
    from_file = plan(project(tmp_path / "file", {
        "driver.py": driver, "r.yaml": "api_version: '1'\ndatabricks:\n  fancy_thing:\n    - name: x\n",
    }))
    assert steps(from_file, *RESOURCE_RULES) == [("r.yaml", None, "resource `x` of unknown kind `fancy_thing`")]
