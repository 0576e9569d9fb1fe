"""The user's workspace, shared by the agent's tools."""

from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials

USER_CLIENT = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())


def user_name():
    return USER_CLIENT.current_user.me().user_name
