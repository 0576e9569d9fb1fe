"""End-to-end: the migrated app acts on behalf of exactly the user who sent each request.

Runs the golden cases about the user's identity (user_*, obo_*, no_user_auth, and any whose
original uses ModelServingUserCredentials; see tests/support/golden.py). Per case:

(a) one request by user A makes the app call the same endpoints with the same identities
    ((path, identity) pairs, service tokens mapped to SERVICE) as the original did when
    invoked by A on (simulated) Model Serving, and answers the same;
(b) users A and B, in sequence and at the same time, never see each other's token: every
    user-scoped call made for B's request carries B's token;
(c) a request without the x-forwarded-access-token header fails (HTTP 500 / an SSE error
    event naming the header) and makes no user-scoped call, when the agent acts as the user;
    an agent that never does must answer it normally.

Model Serving has no invoking user while it loads the model, so an original that builds a user
client at load time cannot be loaded there; for (a) such a case is compared with the original
loaded with an invoker token present (its clients then read the invoker's token per request),
and a warning says so.
"""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from tests.support.app_runner import RunningApp, running_app
from tests.support.golden import done_events, expected_dir, golden_cases, input_dir, is_identity_case
from tests.support.identity import (
    SERVICE,
    USER_TOKEN_HEADER,
    as_user,
    identity_counts,
    identity_of,
    identity_pairs,
    is_user_action,
    user_headers,
    user_only_paths,
    user_paths,
)
from tests.support.normalize import normalize
from tests.support.original_runner import Call, CallResult, OriginalRun, run_original_calls
from tests.support.stub_workspace import RecordedRequest, StubWorkspace

pytestmark = pytest.mark.e2e

PAYLOAD = {"input": [{"role": "user", "content": "what may I read?"}]}
USER_A, USER_B = "user-token-alice", "user-token-bob"
WARM_UP_USER = "user-token-warm-up"  # builds the app's per-process state before anything is measured
LOAD_TIME_USER = "user-token-at-load-time"  # only for originals that cannot load without one
MODES = ("invoke", "stream")
ORIGINAL_MODE = {"invoke": "predict", "stream": "predict_stream"}

NOT_RUN = {
    # agent.py imports USER_CLIENT from workspace_tools.py, which the migration turns into a
    # per-request function; the use in agent.py is reported (MA004, path:line), not rewritten,
    # so the app cannot answer until that manual step is done.
    "user_state_imported_by_name": "the migrated app needs its MA004 manual step before it answers",
}
CASES = golden_cases(lambda name: is_identity_case(name) and name not in NOT_RUN)


@dataclass
class IdentityCase:
    name: str
    app: RunningApp
    run: OriginalRun  # as on Model Serving, or with a load-time invoker if it cannot load so

    @property
    def original(self) -> OriginalRun | None:
        """None when the original could not be loaded even with a load-time invoker."""
        return None if self.run.load_error else self.run

    def require_original(self) -> OriginalRun:
        if self.original is None:
            pytest.skip(f"the original cannot be loaded: on Model Serving: {self.run.first_load_error}; "
                        f"with an invoker at load time: {self.run.load_error}")
        if self.run.first_load_error:
            warnings.warn(
                f"{self.name}: the original fails on Model Serving as written "
                f"({self.run.first_load_error}); compared with it loaded with an invoker token present",
                stacklevel=2,
            )
        return self.original

    def original_call(self, mode: str, user: str) -> CallResult:
        """The original's call for the app's `mode` ("invoke"/"stream") by `user`; predict when
        the original has no predict_stream (the app then streams predict's items)."""
        original = self.require_original()
        wanted = ORIGINAL_MODE[mode]
        used = wanted if original.implements.get(wanted) else "predict"
        call = next(c for c in original.calls if c.call.mode == used and c.call.user_token == user)
        if call.error:
            pytest.fail(f"original {used} by {user} failed: {call.error}\n--- its log ---\n{original.log}")
        return call

    def reference_pairs(self) -> set[tuple[str, str | None]]:
        """What user A's requests call, per the original when it runs, else per the app itself."""
        if self.original is not None:
            calls = [c for c in self.original.calls if c.call.user_token == USER_A and not c.error]
            return set().union(*(identity_pairs(c.requests) for c in calls))
        return set()


def _send(app: RunningApp, mode: str, user: str | None) -> Any:
    headers = user_headers(user) if user else None
    return app.invoke(PAYLOAD, headers) if mode == "invoke" else app.stream(PAYLOAD, headers)


def _run_original(name: str, stub: StubWorkspace) -> OriginalRun:
    """predict and predict_stream by A, then by B, in one process; loaded as on Model Serving,
    or, if it cannot load so, with a load-time invoker (run.first_load_error says why)."""
    calls = [Call(mode, PAYLOAD, user) for user in (USER_A, USER_B) for mode in ORIGINAL_MODE.values()]
    return run_original_calls(
        input_dir(name), stub, calls, allow_load_error=True, retry_load_user_token=LOAD_TIME_USER
    )


@pytest.fixture(scope="module", params=CASES or [None])
def case(request: pytest.FixtureRequest, stub_workspace: StubWorkspace) -> Iterator[IdentityCase]:
    name = request.param
    if name is None:
        pytest.skip("no identity golden case yet (tests/golden/user_*, obo_*, no_user_auth)")
    with StubWorkspace() as original_stub, ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_run_original, name, original_stub)
        stub_workspace.reset()
        with running_app(expected_dir(name), stub_workspace) as app:
            app.invoke_status(PAYLOAD, user_headers(WARM_UP_USER))  # judged by the tests, not here
            yield IdentityCase(name, app, pending.result())


# ---- (a) the same identities as the original --------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_answer_matches_original(case: IdentityCase, stub: StubWorkspace, mode: str):
    reference = case.original_call(mode, USER_A)
    answer = _send(case.app, mode, USER_A)
    if mode == "invoke" or reference.call.mode == "predict_stream":
        expected = reference.result
    else:
        expected = done_events(reference.result)
    assert normalize(answer) == normalize(expected)


@pytest.mark.parametrize("mode", MODES)
def test_user_request_uses_the_identities_the_original_used(case: IdentityCase, stub: StubWorkspace, mode: str):
    reference = case.original_call(mode, USER_A)
    _send(case.app, mode, USER_A)
    app_pairs = identity_pairs(stub.requests())
    original_pairs = identity_pairs(reference.requests)
    print(f"\n[identity] {mode} by A: app {sorted(app_pairs, key=str)}; original {sorted(original_pairs, key=str)}")
    assert app_pairs == original_pairs


# ---- (b) users never see each other's token ----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_users_in_sequence_keep_their_own_identity(case: IdentityCase, stub: StubWorkspace, mode: str):
    pairs = {}
    for user in (USER_A, USER_B, USER_A):
        stub.clear()
        _send(case.app, mode, user)
        pairs[user] = identity_pairs(stub.requests())
        foreign = {(path, who) for path, who in pairs[user] if who not in (SERVICE, user)}
        assert not foreign, f"{user}'s request called the workspace as someone else: {foreign}"
    assert pairs[USER_B] == as_user(pairs[USER_A], USER_A, USER_B)


def test_concurrent_users_keep_their_own_identity(case: IdentityCase, stub: StubWorkspace):
    """Rounds of A, B, A, B at once (invoke, then stream, then invoke); every workspace API that
    answers per user waits `api_latency`, so the requests are in flight together."""
    users, api_latency = [USER_A, USER_B, USER_A, USER_B], 0.2
    alone = {}
    for mode in MODES:
        for user in (USER_A, USER_B):
            stub.clear()
            answer = _send(case.app, mode, user)
            alone[mode, user] = normalize(answer), _user_counts(stub.requests())

    stub.configure(api_latency=api_latency, latency=0.05)
    for round_no, mode in enumerate(("invoke", "stream", "invoke")):
        stub.clear()
        barrier = threading.Barrier(len(users), timeout=10)

        def one(user: str) -> Any:
            barrier.wait()
            return _send(case.app, mode, user)

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            answers = list(pool.map(one, users, timeout=60))
        requests = stub.requests()
        expected = sum((alone[mode, user][1] for user in users), Counter())
        assert _user_counts(requests) == expected, f"round {round_no} ({mode}): user-scoped calls differ"
        for user, answer in zip(users, answers):
            assert normalize(answer) == alone[mode, user][0], f"round {round_no}: {user} got another answer"
        arrivals = sorted(r.received_at for r in requests if _as_user(r))
        if len(arrivals) >= len(users):  # the agent calls as the user: those calls overlapped
            # Queued, the last of them would come (n - 1) x api_latency after the first; half of
            # that is the limit (a margin for a loaded 2-core machine, still failing a queue).
            spread = arrivals[len(users) - 1] - arrivals[0]
            limit = (len(users) - 1) * api_latency / 2
            assert spread < limit, f"user-scoped calls of {len(users)} requests spread over {spread:.3f}s (limit {limit:.2f}s)"


# ---- (c) no user token: fail closed ---------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_request_without_user_token(case: IdentityCase, stub: StubWorkspace, mode: str):
    stub.clear()
    _send(case.app, mode, USER_A)  # what the agent calls as the user, if anything
    acts_as_user = case.reference_pairs() | identity_pairs(stub.requests())
    with_user = _send(case.app, mode, USER_A)
    stub.clear()
    if mode == "invoke":
        status, body = case.app.invoke_status(PAYLOAD)
    else:
        events = case.app.stream(PAYLOAD, errors_ok=True)
        status, body = (500, events[-1]) if events and "error" in events[-1] else (200, events)
    pairs = identity_pairs(stub.requests())

    if not user_paths(acts_as_user):
        # The agent never acts as the user: the header must not be required.
        assert status == 200, f"a request without {USER_TOKEN_HEADER} failed: {body}"
        assert normalize(body) == normalize(with_user)
        return
    assert status == 500, f"a request without {USER_TOKEN_HEADER} was answered: {body}"
    assert USER_TOKEN_HEADER in str(body), f"the error does not name the missing header: {body}"
    assert not user_paths(pairs), f"calls as a non-service identity without a user token: {pairs}"
    as_service = {path for path, who in pairs if who == SERVICE} & user_only_paths(acts_as_user)
    assert not as_service, f"user-scoped endpoints called as the app instead: {as_service}"


def _as_user(request: RecordedRequest) -> bool:
    """A workspace action made as someone other than a service identity."""
    return is_user_action(request.path) and identity_of(request.token) != SERVICE


def _user_counts(requests: list[RecordedRequest]) -> Counter:
    """Counter of (path, token) over the calls made as a user."""
    return identity_counts(r for r in requests if _as_user(r))
