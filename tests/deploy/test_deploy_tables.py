"""The data tables of the deployment side agree with their sources (MLflow, bundle schema, SDK)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from migrate_agent.deploy import rules
from migrate_agent.deploy.map.names import APP_NAME_MAX, app_name, is_valid_app_name
from migrate_agent.deploy.map.resource_kinds import RESOURCE_KINDS, app_resource_body

DEPLOY_SRC = Path(__file__).resolve().parents[2] / "src" / "migrate_agent" / "deploy"


def test_every_mlflow_resource_class_is_in_the_table():
    resources = pytest.importorskip("mlflow.models.resources")
    kinds = {k.kind: k for k in RESOURCE_KINDS}
    assert set(kinds) == {t.value for t in resources.ResourceType}
    for kind in RESOURCE_KINDS:
        cls = getattr(resources, kind.mlflow_class)
        first_param = list(inspect.signature(cls.__init__).parameters)[1]
        assert first_param == kind.id_param, kind.mlflow_class
        assert cls("x").type.value == kind.kind
        assert cls("x", on_behalf_of_user=True).to_dict() == {kind.kind: [{"name": "x", "on_behalf_of_user": True}]}


def test_app_resource_bodies_match_the_sdk_enums():
    apps = pytest.importorskip("databricks.sdk.service.apps")
    enums = {
        "serving_endpoint": apps.AppResourceServingEndpointServingEndpointPermission,
        "sql_warehouse": apps.AppResourceSqlWarehouseSqlWarehousePermission,
        "genie_space": apps.AppResourceGenieSpaceGenieSpacePermission,
        "database": apps.AppResourceDatabaseDatabasePermission,
        "app": apps.AppResourceAppAppPermission,
        "uc_securable": apps.AppResourceUcSecurableUcSecurablePermission,
    }
    for kind in RESOURCE_KINDS:
        if kind.apps_key is None:
            continue
        body = app_resource_body(kind, "x")
        assert body["permission"] in {e.value for e in enums[kind.apps_key]}, kind.kind
        if kind.apps_key == "uc_securable":
            assert body["securable_type"] in {e.value for e in apps.AppResourceUcSecurableUcSecurableType}
        assert set(kind.match_fields) <= set(body)


def test_app_resource_bodies_validate_against_the_bundle_schema(bundle_validator):
    resources = [{"name": kind.kind, kind.apps_key: app_resource_body(kind, "main.a.b")} for kind in RESOURCE_KINDS if kind.apps_key]
    bundle = {"bundle": {"name": "x"}, "resources": {"apps": {"x": {"name": "x", "source_code_path": "./", "resources": resources}}}}
    assert not list(bundle_validator.iter_errors(bundle))


def test_uc_model_service_has_no_bundle_securable_type(bundle_validator):
    entry = {"name": "m", "uc_securable": {"securable_full_name": "a.b.c", "securable_type": "MODEL_SERVICE", "permission": "EXECUTE"}}
    bundle = {"bundle": {"name": "x"}, "resources": {"apps": {"x": {"name": "x", "resources": [entry]}}}}
    assert list(bundle_validator.iter_errors(bundle)), "if the schema accepts MODEL_SERVICE now, map it instead of MA102"


def test_rules_are_documented_and_unique():
    ids = [r.id for r in rules.DEPLOY_RULES]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("MA1") and len(i) == 5 for i in ids)
    assert all(r.title and len(r.help) > 40 for r in rules.DEPLOY_RULES)
    with pytest.raises(KeyError):
        rules.manual_step("MA999", "nope")


def test_every_rule_used_in_the_code_is_in_the_table():
    used = set()
    for path in DEPLOY_SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value[:3] == "MA1" and len(node.value) == 5:
                used.add(node.value)
    assert used <= set(rules.RULES_BY_ID)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("agents_main-default-my_agent", "agents-main-default-my-agent"),
        ("123 Support Bot!", "support-bot"),
        ("a" * 50, "a" * APP_NAME_MAX),
        ("x" * 29 + "-y", "x" * 29),
        ("___", None),
    ],
)
def test_app_names_are_valid(text, expected):
    name = app_name(text)
    assert name == expected
    if name is not None:
        assert is_valid_app_name(name)


def test_source_is_static_only():
    """No module imports mlflow; databricks-sdk only lazily, inside the live-endpoint reader."""
    for path in DEPLOY_SRC.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith("mlflow"), f"{path.name} imports {name}"
                if name.startswith("databricks"):
                    assert path.name == "live_endpoint.py", f"{path.name} imports {name}"
        top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not any(getattr(n, "module", "") and n.module.startswith("databricks") for n in top_level)
