"""A stand-in for the `databricks_openai` package (databricks-openai is not installed here), for
the callers e2e test only: enough of `DatabricksOpenAI` for the calls MA009 writes.

`DatabricksOpenAI(workspace_client=w).responses.create(model="apps/<name>", ...)` looks the app
up with the workspace client (`w.apps.get(name).url`) and sends the Responses request to that URL
with the workspace client's token, through the real `openai` client; any other model goes to
the workspace's serving endpoints, as `w.serving_endpoints.get_open_ai_client()` would send it.
"""

from __future__ import annotations

from databricks.sdk import WorkspaceClient
from openai import OpenAI

APPS_PREFIX = "apps/"


class _Responses:
    def __init__(self, owner: "DatabricksOpenAI") -> None:
        self._owner = owner

    def create(self, *, model: str, **arguments):
        return self._owner.client_for(model).responses.create(model=model, **arguments)


class DatabricksOpenAI:
    def __init__(self, workspace_client: WorkspaceClient | None = None) -> None:
        self.workspace_client = workspace_client or WorkspaceClient()
        self.responses = _Responses(self)

    def client_for(self, model: str) -> OpenAI:
        w = self.workspace_client
        token = w.config.authenticate()["Authorization"].split(" ", 1)[1]
        if model.startswith(APPS_PREFIX):
            url = w.apps.get(model[len(APPS_PREFIX):]).url
            return OpenAI(base_url=url.rstrip("/"), api_key=token)
        return OpenAI(base_url=w.config.host.rstrip("/") + "/serving-endpoints", api_key=token)
