"""Tools the agent calls; they act as the user who invoked the agent."""

from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials


def user_client():
    return WorkspaceClient(credentials_strategy=ModelServingUserCredentials())


def describe_user():
    me = user_client().current_user.me()
    return f"{me.user_name} ({me.display_name})"
