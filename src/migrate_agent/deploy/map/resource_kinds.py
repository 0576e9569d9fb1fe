"""Model Serving resource kinds and the Databricks Apps resource each one becomes.

Sources of these tables (checked, not guessed):
- MLflow 3.x ``mlflow/models/resources.py``: the ``Databricks*`` classes, the name of each one's
  first constructor parameter, and the ``ResourceType`` value ``to_dict`` writes as the key in
  MLmodel (``resources.databricks.<kind>: [{name, on_behalf_of_user}]``).
- Databricks bundle JSON schema (databricks/cli ``bundle/schema/jsonschema.json``,
  ``apps.AppResource*``) and databricks-sdk ``service/apps.py``: the app resource keys, their
  fields and the permission / securable-type enums. ``uc_securable`` has no ``MODEL_SERVICE``
  type in the bundle schema, hence no mapping for UC model services.
"""

from __future__ import annotations

from typing import NamedTuple


class ResourceKind(NamedTuple):
    """A kind of Model Serving resource, and its Databricks Apps equivalent."""

    kind: str  # MLmodel key (mlflow ResourceType value)
    mlflow_class: str  # class in mlflow.models.resources
    id_param: str  # the class's first constructor parameter
    label: str  # for people
    apps_key: str | None  # key of the app resource entry; None: no Apps equivalent
    id_fields: tuple[str, ...] = ()  # fields of the app resource that receive the identifier
    fixed: tuple[tuple[str, str], ...] = ()  # further fields, in the order they are written
    match_fields: tuple[str, ...] = ()  # fields that identify an existing entry when merging
    name_prefix: str = ""  # prefix of the generated app resource `name`


RESOURCE_KINDS: tuple[ResourceKind, ...] = (
    ResourceKind(
        "serving_endpoint", "DatabricksServingEndpoint", "endpoint_name", "serving endpoint",
        "serving_endpoint", ("name",), (("permission", "CAN_QUERY"),), ("name",), "serving-endpoint",
    ),
    ResourceKind(
        "vector_search_index", "DatabricksVectorSearchIndex", "index_name", "vector search index",
        "uc_securable", ("securable_full_name",),
        (("securable_type", "TABLE"), ("permission", "SELECT")),
        ("securable_full_name", "securable_type"), "vector-index",
    ),
    ResourceKind(
        "function", "DatabricksFunction", "function_name", "UC function",
        "uc_securable", ("securable_full_name",),
        (("securable_type", "FUNCTION"), ("permission", "EXECUTE")),
        ("securable_full_name", "securable_type"), "function",
    ),
    ResourceKind(
        "table", "DatabricksTable", "table_name", "UC table",
        "uc_securable", ("securable_full_name",),
        (("securable_type", "TABLE"), ("permission", "SELECT")),
        ("securable_full_name", "securable_type"), "table",
    ),
    ResourceKind(
        "uc_connection", "DatabricksUCConnection", "connection_name", "UC connection",
        "uc_securable", ("securable_full_name",),
        (("securable_type", "CONNECTION"), ("permission", "USE_CONNECTION")),
        ("securable_full_name", "securable_type"), "connection",
    ),
    ResourceKind(
        "sql_warehouse", "DatabricksSQLWarehouse", "warehouse_id", "SQL warehouse",
        "sql_warehouse", ("id",), (("permission", "CAN_USE"),), ("id",), "sql-warehouse",
    ),
    ResourceKind(
        # `name` is required by the schema but only the space id is known: MA103.
        "genie_space", "DatabricksGenieSpace", "genie_space_id", "Genie space",
        "genie_space", ("name", "space_id"), (("permission", "CAN_RUN"),), ("space_id",), "genie-space",
    ),
    ResourceKind(
        "lakebase", "DatabricksLakebase", "database_instance_name", "Lakebase instance",
        "database", ("instance_name",),
        (("database_name", "databricks_postgres"), ("permission", "CAN_CONNECT_AND_CREATE")),
        ("instance_name", "database_name"), "database",
    ),
    ResourceKind(
        "app", "DatabricksApp", "app_name", "Databricks app",
        "app", ("name",), (("permission", "CAN_USE"),), ("name",), "app",
    ),
    ResourceKind(
        # No uc_securable MODEL_SERVICE type in the bundle schema: MA102.
        "uc_model_service", "DatabricksUCModelService", "model_service_name", "UC model service", None,
    ),
)

KINDS_BY_NAME: dict[str, ResourceKind] = {k.kind: k for k in RESOURCE_KINDS}
KINDS_BY_CLASS: dict[str, ResourceKind] = {k.mlflow_class: k for k in RESOURCE_KINDS}

# Fields that identify the app resource entries this tool adds besides the mapped kinds.
SECRET_MATCH_FIELDS = ("scope", "key")
EXPERIMENT_MATCH_FIELDS = ("experiment_id",)


def app_resource_body(kind: ResourceKind, identifier: str) -> dict[str, str]:
    """The typed body of the app resource entry (e.g. ``{"name": ..., "permission": ...}``)."""
    body = {field: identifier for field in kind.id_fields}
    body.update(dict(kind.fixed))
    return body
