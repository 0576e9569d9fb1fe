"""Who called what: the (endpoint, identity) pairs behind a request, from the stub's log.

The original agent (simulated Model Serving) calls the workspace as the serving identity
(SERVICE_TOKEN) or as the invoking user (that user's token); the migrated app as itself
(APP_TOKEN) or as the user (the token of the x-forwarded-access-token header). Mapping both
service tokens to SERVICE makes the two comparable; user tokens stay as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from tests.support.app_runner import APP_TOKEN
from tests.support.original_runner import SERVICE_TOKEN
from tests.support.stub_workspace import MARK_PATH, RecordedRequest

SERVICE = "SERVICE"
SERVICE_TOKENS = frozenset({SERVICE_TOKEN, APP_TOKEN})
USER_TOKEN_HEADER = "x-forwarded-access-token"  # how Databricks Apps hands the app the user's token
# SDK plumbing, not something the agent does on anyone's behalf: host metadata and OIDC discovery
# (fetched without credentials when a client is configured), token exchange, harness markers.
_NOT_ACTIONS = ("/.well-known/", "/oidc/")


def is_user_action(path: str) -> bool:
    return not path.startswith(_NOT_ACTIONS) and path != MARK_PATH


def identity_of(token: str | None, service_tokens: Iterable[str] = SERVICE_TOKENS) -> str | None:
    return SERVICE if token in frozenset(service_tokens) else token


def identity_counts(
    requests: Iterable[RecordedRequest], service_tokens: Iterable[str] = SERVICE_TOKENS
) -> Counter:
    """Counter of (path, identity) over the requests that are workspace actions."""
    service = frozenset(service_tokens)
    return Counter(
        (r.path, identity_of(r.token, service)) for r in requests if is_user_action(r.path)
    )


def identity_pairs(
    requests: Iterable[RecordedRequest], service_tokens: Iterable[str] = SERVICE_TOKENS
) -> set[tuple[str, str | None]]:
    """{(path, identity)}: identity is SERVICE for a service token, else the token itself."""
    return set(identity_counts(requests, service_tokens))


def user_paths(pairs: Iterable[tuple[str, str | None]]) -> set[str]:
    """Endpoints called with something other than a service identity."""
    return {path for path, who in pairs if who != SERVICE}


def user_only_paths(pairs: Iterable[tuple[str, str | None]]) -> set[str]:
    """Endpoints called as a user and never as the service (an LLM endpoint used by both a
    service client and a user client is not user-only)."""
    pairs = set(pairs)
    return user_paths(pairs) - {path for path, who in pairs if who == SERVICE}


def as_user(pairs: Iterable[tuple[str, str | None]], old: str, new: str) -> set[tuple[str, str | None]]:
    """`pairs` with user token `old` replaced by `new` (what the same request by another user uses)."""
    return {(path, new if who == old else who) for path, who in pairs}


def user_headers(token: str) -> dict[str, str]:
    return {USER_TOKEN_HEADER: token}
