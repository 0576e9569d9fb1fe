"""Behaviour checks any migrated app must pass, whatever its agent: requests are served
concurrently, and streamed text reaches the client as it is produced.

They drive a RunningApp against its StubWorkspace, change the stub's timing, and skip (with the
reason) when the agent gives them nothing to measure: no serving-endpoint call to delay, or no
text deltas in its stream.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest

from tests.support.app_runner import Headers, RunningApp
from tests.support.golden import TEXT_DELTA
from tests.support.normalize import normalize
from tests.support.stub_workspace import StubWorkspace


def numbered_payloads(n: int, text: str = "concurrent request") -> list[dict]:
    return [{"input": [{"role": "user", "content": f"{text} {i}"}]} for i in range(n)]


def check_concurrent(
    app: RunningApp,
    stub: StubWorkspace,
    *,
    stream: bool,
    n: int = 6,
    latency: float = 0.25,
    headers: Headers = None,
) -> None:
    """n requests at once (each with its own message) overlap instead of queueing.

    Every serving-endpoint call is delayed by `latency`. Passes when: the n requests together
    take under 3x one request alone (queued: n x); the first n LLM calls all reached the stub
    within half the time they would span queued ((n - 1) x `latency`); and each
    request got the answer it gets alone (no request sees another's state). The timing part is
    measured a second time before it fails (a queueing app fails both: ~n x latency).
    """
    send: Callable[[dict], object] = (
        (lambda p: app.stream(p, headers, timeout=20)) if stream else (lambda p: app.invoke(p, headers, timeout=20))
    )
    payloads = numbered_payloads(n)
    stub.configure(latency=0.0)
    alone = [normalize(send(p)) for p in payloads]  # the answers to match; also the warm-up
    stub.clear()
    send(payloads[0])
    per_request = len(stub.llm_calls())
    if per_request == 0:
        pytest.skip("a request makes no serving-endpoint call: there is no latency to overlap")

    kind = "streams" if stream else "invocations"
    for _ in range(2):  # timing on a small shared machine: one hiccup must not fail it
        stub.configure(latency=latency)
        single = _timed(lambda: send(payloads[0]))
        stub.clear()
        barrier = threading.Barrier(n, timeout=10)

        def one(i: int) -> object:
            barrier.wait()
            return send(payloads[i])

        with ThreadPoolExecutor(max_workers=n) as pool:
            start = time.monotonic()
            answers = list(pool.map(one, range(n), timeout=30))
            together = time.monotonic() - start
        stub.configure(latency=0.0)

        print(f"\n[concurrency] {kind}: single={single:.3f}s  {n} concurrent={together:.3f}s "
              f"({together / single:.2f}x single, limit 3x)")
        assert [normalize(a) for a in answers] == alone, "a request got another answer than it gets alone"
        arrivals = sorted(c.received_at for c in stub.llm_calls())
        assert len(arrivals) == n * per_request
        spread = arrivals[n - 1] - arrivals[0]
        failures = []
        if together >= 3 * single:
            failures.append(f"{n} concurrent {kind} took {together:.3f}s; one took {single:.3f}s")
        if spread >= (n - 1) * latency / 2:  # queued: (n - 1) x latency; half of it as the limit
            failures.append(f"the first LLM call of each of {n} requests arrived over {spread:.3f}s")
        if not failures:
            return
    raise AssertionError("; ".join(failures) + " (on both attempts)")


def check_stream_incremental(
    app: RunningApp,
    stub: StubWorkspace,
    payload: dict,
    *,
    gap: float = 0.3,
    chunks: int = 4,
    headers: Headers = None,
) -> None:
    """Each text delta reaches the client before the LLM has sent two more chunks (one gap of
    margin), and the first one before the last chunk; measured twice before it fails.

    The stub streams its answer in `chunks` pieces `gap` seconds apart and notes when it sent
    each; the client notes when each delta event arrived.
    """
    stub.configure(chunk_gap=0.0, n_chunks=chunks)
    warm = app.stream(payload, headers)
    if sum(e.get("type") == TEXT_DELTA for e in warm) < 2:
        pytest.skip("the stream carries no text deltas: nothing to deliver incrementally")
    for attempt in range(2):  # timing on a small shared machine: one hiccup must not fail it
        failure = _stream_timing_failure(app, stub, payload, headers, gap, chunks)
        if failure is None:
            return
    raise AssertionError(failure + " (on both attempts)")


def _stream_timing_failure(
    app: RunningApp, stub: StubWorkspace, payload: dict, headers: Headers, gap: float, chunks: int
) -> str | None:
    stub.configure(chunk_gap=gap)
    stub.clear()
    timed = app.stream_timed(payload, headers, timeout=20)
    stub.configure(chunk_gap=0.0)
    streamed = [c for c in stub.llm_calls() if c.chunk_sent_at]
    assert len(streamed) == 1, f"expected one streamed LLM call, got {len(streamed)}"
    sent = streamed[0].chunk_sent_at  # time.monotonic() in this process: the stub is a thread here
    deltas = [t for t, e in timed if e.get("type") == TEXT_DELTA]

    print(f"\n[streaming] stub sent chunks at +{[round(s - sent[0], 3) for s in sent]}s; "
          f"client got deltas at +{[round(t - sent[0], 3) for t in deltas]}s")
    assert len(sent) == chunks and len(deltas) == chunks
    # Sanity check of the clocks: no delta arrives before the stub sent the matching chunk.
    assert all(arrived >= sent_at for arrived, sent_at in zip(deltas, sent))
    if timed[0][0] >= sent[-1]:
        return "first event only arrived after the stub sent its last chunk"
    # Incremental: delta i is at the client before chunk i+2 left the stub (a buffered stream
    # delivers every delta after the last chunk; one gap of margin for a loaded machine).
    late = [i for i in range(chunks - 2) if deltas[i] >= sent[i + 2]]
    if late:
        return f"deltas {late} arrived only after the stub had sent two more chunks"
    return None


def _timed(fn: Callable[[], object]) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start
