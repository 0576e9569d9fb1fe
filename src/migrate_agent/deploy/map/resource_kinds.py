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

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ResourceKind:
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
        kind="serving_endpoint",
        mlflow_class="DatabricksServingEndpoint",
        id_param="endpoint_name",
        label="serving endpoint",
        apps_key="serving_endpoint",
        id_fields=("name",),
        fixed=(("permission", "CAN_QUERY"),),
        match_fields=("name",),
        name_prefix="serving-endpoint",
    ),
    ResourceKind(
        kind="vector_search_index",
        mlflow_class="DatabricksVectorSearchIndex",
        id_param="index_name",
        label="vector search index",
        apps_key="uc_securable",
        id_fields=("securable_full_name",),
        fixed=(("securable_type", "TABLE"), ("permission", "SELECT")),
        match_fields=("securable_full_name", "securable_type"),
        name_prefix="vector-index",
    ),
    ResourceKind(
        kind="function",
        mlflow_class="DatabricksFunction",
        id_param="function_name",
        label="UC function",
        apps_key="uc_securable",
        id_fields=("securable_full_name",),
        fixed=(("securable_type", "FUNCTION"), ("permission", "EXECUTE")),
        match_fields=("securable_full_name", "securable_type"),
        name_prefix="function",
    ),
    ResourceKind(
        kind="table",
        mlflow_class="DatabricksTable",
        id_param="table_name",
        label="UC table",
        apps_key="uc_securable",
        id_fields=("securable_full_name",),
        fixed=(("securable_type", "TABLE"), ("permission", "SELECT")),
        match_fields=("securable_full_name", "securable_type"),
        name_prefix="table",
    ),
    ResourceKind(
        kind="uc_connection",
        mlflow_class="DatabricksUCConnection",
        id_param="connection_name",
        label="UC connection",
        apps_key="uc_securable",
        id_fields=("securable_full_name",),
        fixed=(("securable_type", "CONNECTION"), ("permission", "USE_CONNECTION")),
        match_fields=("securable_full_name", "securable_type"),
        name_prefix="connection",
    ),
    ResourceKind(
        kind="sql_warehouse",
        mlflow_class="DatabricksSQLWarehouse",
        id_param="warehouse_id",
        label="SQL warehouse",
        apps_key="sql_warehouse",
        id_fields=("id",),
        fixed=(("permission", "CAN_USE"),),
        match_fields=("id",),
        name_prefix="sql-warehouse",
    ),
    ResourceKind(
        # `name` is required by the schema but only the space id is known: MA103.
        kind="genie_space",
        mlflow_class="DatabricksGenieSpace",
        id_param="genie_space_id",
        label="Genie space",
        apps_key="genie_space",
        id_fields=("name", "space_id"),
        fixed=(("permission", "CAN_RUN"),),
        match_fields=("space_id",),
        name_prefix="genie-space",
    ),
    ResourceKind(
        kind="lakebase",
        mlflow_class="DatabricksLakebase",
        id_param="database_instance_name",
        label="Lakebase instance",
        apps_key="database",
        id_fields=("instance_name",),
        fixed=(("database_name", "databricks_postgres"), ("permission", "CAN_CONNECT_AND_CREATE")),
        match_fields=("instance_name", "database_name"),
        name_prefix="database",
    ),
    ResourceKind(
        kind="app",
        mlflow_class="DatabricksApp",
        id_param="app_name",
        label="Databricks app",
        apps_key="app",
        id_fields=("name",),
        fixed=(("permission", "CAN_USE"),),
        match_fields=("name",),
        name_prefix="app",
    ),
    ResourceKind(
        # No uc_securable MODEL_SERVICE type in the bundle schema: MA102.
        kind="uc_model_service",
        mlflow_class="DatabricksUCModelService",
        id_param="model_service_name",
        label="UC model service",
        apps_key=None,
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
