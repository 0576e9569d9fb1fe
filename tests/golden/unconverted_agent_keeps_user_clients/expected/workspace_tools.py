"""Tools the agent calls; they act as the user who invoked the agent."""

from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials


def user_client():
    return WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
