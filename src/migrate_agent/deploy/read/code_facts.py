"""What the code migration hands the deployment side: facts found in the project's code.

Plain data, filled by `migrate_agent.api` from the codemods' analysis, read by the Apps planner
(user API scopes) and the deploy diff (MIGRATION.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class UserClientCall:
    """A use of a client that acts as the calling user: `code` at `path:line`.

    `service` is the WorkspaceClient attribute it reaches (`genie`, `serving_endpoints`...), with
    `member` the method called on it; service None means the client is passed to other code.
    """

    path: str
    line: int
    code: str
    service: str | None
    member: str | None = None
    target: str | None = None  # passed to: the callee's qualified name, when known

    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class ModelServingCall:
    """Driver code left logging / deploying for Model Serving, marked with a TODO (MA007)."""

    path: str
    line: int | None
    message: str

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, kw_only=True)
class CodeFacts:
    """What the deployment needs to know of the migrated code."""

    uses_user_identity: bool = False  # some code acts as the calling user
    user_client_calls: tuple[UserClientCall, ...] = ()
    model_serving_calls: tuple[ModelServingCall, ...] = ()
    retired_endpoint: str | None = None  # the Model Serving endpoint whose callers were looked for
    endpoint_callers: tuple = ()  # migrate_agent.callers.EndpointCaller, in path and line order
