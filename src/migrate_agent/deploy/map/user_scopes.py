"""The app's `user_api_scopes`, inferred from what the code's user clients call.

An app receives the calling user's token (`x-forwarded-access-token`) only with the scopes it
requests; without them every user-identity call fails. Scope names are the Databricks Apps user
authorization scopes (Databricks docs "Configure authorization in a Databricks app"; the
`iam.*` pair is what every app gets by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate_agent.deploy.read.code_facts import UserClientCall

DEFAULT_SCOPES = ("iam.current-user:read", "iam.access-control:read")
# WorkspaceClient service attribute -> scope(s) its calls need.
SCOPES_BY_SERVICE: dict[str, tuple[str, ...]] = {
    "serving_endpoints": ("serving.serving-endpoints",),
    "serving_endpoints_data_plane": ("serving.serving-endpoints",),
    "statement_execution": ("sql",),
    "warehouses": ("sql",),
    "genie": ("dashboards.genie",),
    "vector_search_indexes": ("vectorsearch.vector-search-indexes",),
    "vector_search_endpoints": ("vectorsearch.vector-search-endpoints",),
    "files": ("files.files",),
    "connections": ("catalog.connections",),
    "current_user": ("iam.current-user:read",),
    "workspace": ("workspace.workspace",),
}
# (service, member) pairs that need another scope than the service's.
SCOPES_BY_MEMBER: dict[tuple[str, str], tuple[str, ...]] = {
    # A request through a Unity Catalog HTTP connection: the serving API, on the connection.
    ("serving_endpoints", "http_request"): ("serving.serving-endpoints", "catalog.connections"),
    # Unity Catalog metadata reads (writes need more than a read scope: left unknown).
    **{(service, member): (f"catalog.{service}:read",)
       for service in ("catalogs", "schemas", "tables")
       for member in ("get", "list", "exists", "list_summaries")},
}

# Library classes that take a workspace client and call one service with it (qualified names as
# the code imports them), for a user client passed to them.
SCOPES_BY_CALLEE: dict[str, tuple[str, ...]] = {
    **{f"{package}.VectorSearchRetrieverTool": ("vectorsearch.vector-search-indexes",)
       for package in ("databricks_langchain", "databricks_openai", "databricks_llamaindex")},
    "databricks_langchain.DatabricksVectorSearch": ("vectorsearch.vector-search-indexes",),
    "databricks_langchain.ChatDatabricks": ("serving.serving-endpoints",),
    "databricks_langchain.DatabricksEmbeddings": ("serving.serving-endpoints",),
    "databricks_openai.DatabricksOpenAI": ("serving.serving-endpoints",),
    "databricks_langchain.GenieAgent": ("dashboards.genie",),
    "databricks_langchain.genie.GenieAgent": ("dashboards.genie",),
    "databricks_ai_bridge.genie.Genie": ("dashboards.genie",),
}


@dataclass
class InferredScopes:
    """The user API scopes the code needs, each with its evidence."""

    evidence: dict[str, list[UserClientCall]] = field(default_factory=dict)  # scope -> uses, in order
    unknown: list[UserClientCall] = field(default_factory=list)  # uses whose scope is not known

    @property
    def scopes(self) -> list[str]:
        return list(self.evidence)


def infer_scopes(calls: tuple[UserClientCall, ...]) -> InferredScopes:
    """Scopes for `calls`, each with the calls that need it, then the defaults; unknown calls apart."""
    found = InferredScopes()
    for call in sorted(calls, key=lambda c: (c.path, c.line, c.code)):
        scopes = (
            SCOPES_BY_MEMBER.get((call.service or "", call.member or ""))
            or SCOPES_BY_SERVICE.get(call.service or "")
            or SCOPES_BY_CALLEE.get(call.target or "")
        )
        if not scopes:
            found.unknown.append(call)
            continue
        for scope in scopes:
            found.evidence.setdefault(scope, []).append(call)
    for scope in DEFAULT_SCOPES:
        found.evidence.setdefault(scope, [])
    return found
