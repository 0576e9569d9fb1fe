"""Tools the agent calls; they act as the user who invoked the agent."""

from agent_server_utils import get_user_workspace_client


def user_client():
    return get_user_workspace_client()


def describe_user():
    me = user_client().current_user.me()
    return f"{me.user_name} ({me.display_name})"
