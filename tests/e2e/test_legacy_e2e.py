"""End-to-end over the legacy_* golden cases: agents written for ChatAgent, ChatModel or a chat
PythonModel, migrated to serve the Responses API through legacy_agent_adapters.py.

Per case, the ORIGINAL agent runs as Model Serving runs it (MLflow's pyfunc wrapper of its
interface, the chat request format `{"messages": [...]}`, the context log_model gave it) and the
migrated app gets the same conversation as a Responses request. The answers must say the same
thing, compared on what a client sees: the text of each assistant message (and its id), the tool
calls and tool outputs, custom_outputs; in the same order. The mapping from the legacy answer to
that summary is written here, independently of the adapters (README, "ChatAgent, ChatModel,
PythonModel"). Streams: the app's text deltas, joined per item, are the text of the original's
chunks with the same message id; each item's deltas come before its done event. Concurrency and
incremental streaming are checked like every migrated app.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator

import pytest

from tests.support.app_runner import APP_TOKEN, RunningApp, running_app
from tests.support.checks import check_concurrent, check_stream_incremental
from tests.support.golden import DONE, TEXT_DELTA, expected_dir, golden_cases, input_dir, is_legacy_case
from tests.support.identity import is_user_action
from tests.support.normalize import normalize
from tests.support.original_runner import SERVICE_TOKEN, Call, CallResult, OriginalRun, run_original_calls
from tests.support.stub_workspace import RecordedRequest, StubWorkspace

pytestmark = pytest.mark.e2e

QUESTION = "hello from the legacy e2e test"
LEGACY_PAYLOAD = {"messages": [{"role": "user", "content": QUESTION}]}
RESPONSES_PAYLOAD = {"input": [{"role": "user", "content": QUESTION}]}
# What each case's driver logged for Model Serving's context, written here from reading the
# driver (not from the tool's own reading of it): the original gets it as Model Serving would.
SERVING_CONTEXTS = {
    "legacy_python_model_load_context": {
        "artifacts": {"system_prompt": "prompts/system.txt"},
        "model_config": {"greeting": "Hello"},
    },
    # Logged with an input example / a signature inferred from one: the original's requests go
    # through MLflow's schema enforcement (predict gets a one-row DataFrame).
    "legacy_chat_pythonmodel_dataframe_input": {
        "signature_example": {"messages": [{"role": "user", "content": "What is MLflow?"}]},
    },
    "legacy_chat_pythonmodel_helper_reads_messages": {
        "signature_example": {"messages": [{"role": "user", "content": "What is MLflow?"}]},
    },
}
CASES = golden_cases(is_legacy_case)


@dataclass
class Case:
    name: str
    app: RunningApp
    original: OriginalRun

    def result(self, mode: str) -> CallResult:
        if self.original.load_error:
            pytest.fail(f"the original could not be loaded: {self.original.load_error}\n{self.original.log}")
        if not self.original.implements.get(mode):
            pytest.skip(f"the original does not define {mode}")
        result = self.original.first(mode)
        if result.error:
            pytest.fail(f"original {mode} failed: {result.error}\n--- its log ---\n{self.original.log}")
        return result


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest, stub_workspace: StubWorkspace) -> Iterator[Case]:
    name = request.param
    calls = [Call("predict", LEGACY_PAYLOAD), Call("predict_stream", LEGACY_PAYLOAD)]
    with StubWorkspace() as original_stub, ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(
            run_original_calls, input_dir(name), original_stub, calls,
            allow_load_error=True, serving_context=SERVING_CONTEXTS.get(name),
        )
        stub_workspace.reset()
        with running_app(expected_dir(name), stub_workspace) as app:
            app.invoke_status(RESPONSES_PAYLOAD)  # builds the agent; judged by the tests
            yield Case(name, app, pending.result())


# -- what a client sees, from either side ---------------------------------------------------------


def legacy_summary(answer: dict) -> dict:
    """A ChatAgentResponse, ChatCompletionResponse or chat PythonModel answer, as entries."""
    if "messages" in answer:  # ChatAgent
        messages = answer["messages"]
        fallback = None
    else:  # chat completion: one choice's message, its id the response's
        messages = [answer["choices"][0]["message"]]
        fallback = answer.get("id")
    entries = []
    for message in messages:
        if message.get("role") == "tool":
            entries.append({"kind": "tool_output", "call_id": message["tool_call_id"], "text": message["content"]})
            continue
        if message.get("content"):
            entries.append({"kind": "text", "id": message.get("id", fallback), "text": message["content"]})
        for call in message.get("tool_calls") or []:
            entries.append({"kind": "call", "call_id": call["id"], "name": call["function"]["name"],
                            "arguments": call["function"]["arguments"]})
    return {"entries": entries, "custom_outputs": answer.get("custom_outputs")}


def app_summary(output: list[dict], custom_outputs: dict | None = None) -> dict:
    entries = []
    for item in output:
        if item["type"] == "message":
            entries.append({"kind": "text", "id": item["id"],
                            "text": "".join(part["text"] for part in item["content"])})
        elif item["type"] == "function_call":
            entries.append({"kind": "call", "call_id": item["call_id"], "name": item["name"],
                            "arguments": item["arguments"]})
        elif item["type"] == "function_call_output":
            entries.append({"kind": "tool_output", "call_id": item["call_id"], "text": item["output"]})
        else:
            entries.append({"kind": item["type"]})
    return {"entries": entries, "custom_outputs": custom_outputs}


def legacy_stream_summary(chunks: list[dict]) -> list[dict]:
    """What a legacy stream carries, by the documented mapping: a message's text joined over the
    chunks with its id, complete when a chunk with another id (or a tool call / tool output)
    comes or the stream ends; tool calls and tool outputs as they come."""
    entries: list[dict] = []
    text_id, text = None, ""

    def flush() -> None:
        if text:
            entries.append({"kind": "text", "id": text_id, "text": text})

    for chunk in chunks:
        if isinstance(chunk, str):  # a PythonModel's text chunk: text of one message, no id
            text += chunk
            continue
        if "delta" in chunk:  # ChatAgentChunk
            delta, item_id = chunk["delta"], chunk["delta"]["id"]
        else:  # ChatCompletionChunk: one message, the response's id
            delta, item_id = chunk["choices"][0]["delta"], chunk.get("id")
        if item_id != text_id or delta.get("role") == "tool" or delta.get("tool_calls"):
            flush()
            text_id, text = item_id, ""
        if delta.get("role") == "tool":
            entries.append({"kind": "tool_output", "call_id": delta["tool_call_id"], "text": delta["content"]})
            continue
        text += delta.get("content") or ""
        for call in delta.get("tool_calls") or []:
            entries.append({"kind": "call", "call_id": call["id"], "name": call["function"]["name"],
                            "arguments": call["function"]["arguments"]})
    flush()
    return entries


def without_id(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "id"}


def without_ids(summary: dict) -> dict:
    """For PythonModel answers, which carry no message id (the app numbers its items)."""
    return {**summary, "entries": [{k: v for k, v in e.items() if k != "id"} for e in summary["entries"]]}


# -- the tests ------------------------------------------------------------------------------------


def test_invoke_matches_original(case: Case, stub: StubWorkspace):
    reference = case.result("predict")
    answer = case.app.invoke(RESPONSES_PAYLOAD)
    expected = legacy_summary(reference.result)
    got = app_summary(answer["output"], answer.get("custom_outputs"))
    if "choices" in reference.result and not reference.result.get("id"):
        # no response id (optional in MLflow): the app makes one, a string like any item id
        assert all(isinstance(item["id"], str) and item["id"] for item in answer["output"] if "id" in item)
        expected, got = without_ids(expected), without_ids(got)
    assert expected["entries"], "the original said nothing: nothing to compare"
    assert normalize(got) == normalize(expected)
    assert _actions(stub.requests()) == _actions(reference.requests, SERVICE_TOKEN)


def test_stream_matches_original(case: Case, stub: StubWorkspace):
    events = case.app.stream(RESPONSES_PAYLOAD)
    done = [e["item"] for e in events if e["type"] == DONE]
    if not case.original.implements.get("predict_stream"):
        # predict only: the stream carries predict's items, one done event each
        reference = case.result("predict")
        expected = legacy_summary(reference.result)
        got = app_summary(done, expected["custom_outputs"])
        if not reference.result.get("id") and "choices" in reference.result:
            expected, got = without_ids(expected), without_ids(got)
        assert normalize(got) == normalize(expected)
        return
    reference = case.result("predict_stream")
    expected = legacy_stream_summary(reference.result)
    assert expected, "the original streamed nothing: nothing to compare"
    got = app_summary(done)["entries"]
    if any("choices" in chunk and not chunk.get("id") for chunk in reference.result):
        # ChatCompletionChunks without ids (optional in MLflow): the app makes one per answer
        assert len(got) == len(expected) and all(isinstance(e["id"], str) and e["id"] for e in got if e["kind"] == "text"), got
        expected = [{**e, "id": g.get("id")} if e["kind"] == "text" else e for e, g in zip(expected, got)]
    # a PythonModel's text chunks carry no message id (the app numbers its items)
    ids = not any(isinstance(chunk, str) for chunk in reference.result)
    if not ids:
        expected, got = [without_id(e) for e in expected], [without_id(e) for e in got]
    assert normalize(got) == normalize(expected)
    # deltas: joined per item they are its text, and they all come before the item's done event
    joined: dict[str, str] = {}
    for index, event in enumerate(events):
        if event["type"] == TEXT_DELTA:
            joined[event["item_id"]] = joined.get(event["item_id"], "") + event["delta"]
            assert not any(e["type"] == DONE and e["item"].get("id") == event["item_id"] for e in events[:index])
    texts = [{"kind": "text", "id": e.get("id"), "text": e["text"]} for e in expected if e["kind"] == "text"]
    deltas = [{"kind": "text", "id": k, "text": v} for k, v in joined.items()]
    if not ids:
        deltas = [without_id(e) for e in deltas]
        texts = [without_id(e) for e in texts]
    assert normalize(deltas) == normalize(texts)
    assert _actions(stub.requests()) == _actions(reference.requests, SERVICE_TOKEN)


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_concurrent_requests_overlap(case: Case, stub: StubWorkspace, mode: str):
    check_concurrent(case.app, stub, stream=mode == "stream")


def test_stream_is_incremental(case: Case, stub: StubWorkspace):
    check_stream_incremental(case.app, stub, RESPONSES_PAYLOAD)


def _actions(requests: list[RecordedRequest], service_token: str = APP_TOKEN) -> list[tuple]:
    return [
        (r.method, r.path, r.body, "SERVICE" if r.token == service_token else r.token)
        for r in requests
        if is_user_action(r.path)
    ]
