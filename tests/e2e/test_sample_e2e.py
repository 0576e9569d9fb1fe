"""End-to-end: the hand-migrated sample app behaves like the original Model Serving agent.

sample/input is the original project, sample/expected the migrated one (same layout as
tests/golden/<case>/). The app runs under uvicorn on 127.0.0.1 against the stub workspace; the
original runs as on Model Serving against a stub of its own, at the same time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.app_runner import APP_TOKEN, RunningApp, running_app
from tests.support.checks import check_concurrent, check_stream_incremental
from tests.support.normalize import normalize
from tests.support.original_runner import SERVICE_TOKEN, Call, OriginalRun, run_original_calls
from tests.support.stub_workspace import StubWorkspace

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).parent / "sample"
PAYLOAD = {"input": [{"role": "user", "content": "hello from the e2e test"}]}


@pytest.fixture(scope="module")
def started(stub_workspace: StubWorkspace) -> Iterator[tuple[RunningApp, OriginalRun]]:
    calls = [Call("predict", PAYLOAD), Call("predict_stream", PAYLOAD)]
    with StubWorkspace() as original_stub, ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(run_original_calls, SAMPLE / "input", original_stub, calls)
        with running_app(SAMPLE / "expected", stub_workspace) as running:
            yield running, pending.result()


@pytest.fixture
def app(started: tuple[RunningApp, OriginalRun]) -> RunningApp:
    return started[0]


@pytest.fixture
def original(started: tuple[RunningApp, OriginalRun]) -> OriginalRun:
    return started[1]


def test_invoke_matches_original_predict(app: RunningApp, original: OriginalRun, stub: StubWorkspace):
    answer = app.invoke(PAYLOAD)
    assert normalize(answer) == normalize(original.first("predict").result)
    assert answer["output"][0]["content"][0]["text"] == "echo: hello from the e2e test"


def test_stream_matches_original_predict_stream(app: RunningApp, original: OriginalRun, stub: StubWorkspace):
    events = app.stream(PAYLOAD)
    assert normalize(events) == normalize(original.first("predict_stream").result)
    assert [e["type"] for e in events].count("response.output_text.delta") == 4


def test_workspace_sees_the_same_calls_under_the_app_token(
    app: RunningApp, original: OriginalRun, stub: StubWorkspace
):
    app.invoke(PAYLOAD)
    app.stream(PAYLOAD)
    calls = stub.llm_calls()
    original_calls = [r for c in original.calls for r in c.requests if r.path.startswith("/serving-endpoints/")]
    assert [c.token for c in calls] == [APP_TOKEN, APP_TOKEN]
    assert {c.token for c in original_calls} == {SERVICE_TOKEN}
    # Same endpoint, same request body (model, messages, stream flag) as the original sent.
    assert [(c.method, c.path, c.body) for c in calls] == [
        (c.method, c.path, c.body) for c in original_calls
    ]


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_concurrent_requests_overlap(app: RunningApp, stub: StubWorkspace, mode: str):
    check_concurrent(app, stub, stream=mode == "stream")


def test_stream_is_incremental(app: RunningApp, stub: StubWorkspace):
    check_stream_incremental(app, stub, PAYLOAD)
