"""The user's workspace, shared by the agent's tools."""

from agent_server_utils import get_user_workspace_client, request_scoped


@request_scoped
def USER_CLIENT():
    """Per request: built from the calling user's identity."""
    return get_user_workspace_client()


def user_name():
    return USER_CLIENT().current_user.me().user_name
