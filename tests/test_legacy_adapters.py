"""The generated legacy_agent_adapters.py (the template migrate-agent ships, not user code): the
mapping between Responses requests/answers and ChatAgent / ChatModel / PythonModel ones, tool
calls included, and the Model Serving context stand-in."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[1] / "src/migrate_agent/app/templates/legacy_agent_adapters.py"


@pytest.fixture(scope="module")
def adapters():
    spec = importlib.util.spec_from_file_location("legacy_agent_adapters_under_test", TEMPLATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def request_with_tool_round(**extra):
    from mlflow.types.responses import ResponsesAgentRequest

    return ResponsesAgentRequest(
        input=[
            {"role": "user", "content": "weather in Paris?"},
            {"type": "function_call", "id": "fc-1", "call_id": "call-1", "name": "get_weather",
             "arguments": '{"city": "Paris"}'},
            {"type": "function_call_output", "call_id": "call-1", "output": "sunny"},
        ],
        **extra,
    )


def test_request_becomes_chat_messages_with_tool_calls(adapters):
    messages = adapters.chat_messages(request_with_tool_round())
    assert messages == [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call-1", "type": "function", "function": {
            "name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "content": "sunny", "tool_call_id": "call-1", "name": "get_weather"},
    ]


class ToolUsingChatAgent:
    """Stands for a ChatAgent: records its arguments, answers with a tool round and a text."""

    def predict(self, messages, context, custom_inputs):
        from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse

        self.seen = (messages, context, custom_inputs)
        return ChatAgentResponse(
            messages=[
                ChatAgentMessage(role="assistant", id="m1", tool_calls=[
                    {"id": "call-2", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
                ]),
                ChatAgentMessage(role="tool", id="m2", name="lookup", tool_call_id="call-2", content="42"),
                ChatAgentMessage(role="assistant", id="m3", content="The answer is 42."),
            ],
            custom_outputs={"k": 1},
        )

    def predict_stream(self, messages, context, custom_inputs):
        from mlflow.types.agent import ChatAgentChunk

        yield ChatAgentChunk(delta={"role": "assistant", "id": "a", "content": "Hel"})
        yield ChatAgentChunk(delta={"role": "assistant", "id": "a", "content": "lo"})
        yield ChatAgentChunk(delta={"role": "assistant", "id": "b", "tool_calls": [
            {"id": "call-3", "type": "function", "function": {"name": "f", "arguments": "{}"}}]})
        yield ChatAgentChunk(delta={"role": "assistant", "id": "c", "content": "done"}, custom_outputs={"n": 3})


def test_chat_agent_answer_maps_tool_calls_outputs_and_text(adapters):
    agent = ToolUsingChatAgent()
    request = request_with_tool_round(custom_inputs={"x": 1}, context={"conversation_id": "c1"})
    response = adapters.chat_agent_predict(agent, request).model_dump(exclude_none=True)
    messages, context, custom_inputs = agent.seen
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    assert messages[2].name == "get_weather" and messages[2].tool_call_id == "call-1"
    assert context.conversation_id == "c1" and custom_inputs == {"x": 1}
    kinds = [(item["type"], item.get("call_id"), item.get("id")) for item in response["output"]]
    assert kinds == [("function_call", "call-2", "m1"), ("function_call_output", "call-2", None), ("message", None, "m3")]
    assert response["output"][1]["output"] == "42"
    assert response["output"][2]["content"][0]["text"] == "The answer is 42."
    assert response["custom_outputs"] == {"k": 1}


def test_chat_agent_stream_sends_deltas_then_done_per_message(adapters):
    events = [e.model_dump(exclude_none=True) for e in adapters.chat_agent_stream(ToolUsingChatAgent(), request_with_tool_round())]
    shape = [(e["type"], e.get("item_id") or e["item"].get("id"), e.get("delta") or e["item"].get("type")) for e in events]
    assert shape == [
        ("response.output_text.delta", "a", "Hel"),
        ("response.output_text.delta", "a", "lo"),
        ("response.output_item.done", "a", "message"),
        ("response.output_item.done", "b", "function_call"),
        ("response.output_text.delta", "c", "done"),
        ("response.output_item.done", "c", "message"),
    ]
    assert events[2]["item"]["content"][0]["text"] == "Hello"
    assert [e.get("custom_outputs") for e in events] == [None, None, None, None, {"n": 3}, None]


class ToolCallingChatModel:
    def predict(self, context, messages, params):
        from mlflow.types.llm import ChatChoice, ChatCompletionResponse, ChatMessage

        self.seen = (context, messages, params)
        call = {"id": "call-9", "type": "function", "function": {"name": "search", "arguments": '{"q": "x"}'}}
        return ChatCompletionResponse(
            id="cmpl-9",
            choices=[ChatChoice(index=0, message=ChatMessage(role="assistant", content="Searching.", tool_calls=[call]))],
        )


def test_chat_model_gets_params_and_answers_text_and_tool_call(adapters):
    from mlflow.types.responses import ResponsesAgentRequest

    model = ToolCallingChatModel()
    request = ResponsesAgentRequest(input=[{"role": "user", "content": "q"}], temperature=0.2,
                                    max_output_tokens=50, custom_inputs={"a": "b"})
    output = adapters.chat_model_predict(model, "CTX", request).model_dump(exclude_none=True)["output"]
    context, messages, params = model.seen
    assert context == "CTX" and messages[0].content == "q"
    assert (params.temperature, params.max_tokens, params.custom_inputs) == (0.2, 50, {"a": "b"})
    assert [(i["type"], i["id"]) for i in output] == [("message", "cmpl-9"), ("function_call", "cmpl-9")]
    assert (output[1]["call_id"], output[1]["name"], json.loads(output[1]["arguments"])) == ("call-9", "search", {"q": "x"})


class ChatModelWithoutIds:
    """A ChatModel as MLflow's own example writes one: no response id, no chunk ids."""

    def predict(self, context, messages, params):
        from mlflow.types.llm import ChatChoice, ChatCompletionResponse, ChatMessage

        call = {"id": "call-3", "type": "function", "function": {"name": "search", "arguments": "{}"}}
        message = ChatMessage(role="assistant", content="Looking.", tool_calls=[call])
        return ChatCompletionResponse(choices=[ChatChoice(index=0, message=message)])

    def predict_stream(self, context, messages, params):
        from mlflow.types.llm import (
            ChatChoiceDelta,
            ChatChunkChoice,
            ChatCompletionChunk,
        )

        for word in ("Hel", "lo"):
            yield ChatCompletionChunk(choices=[ChatChunkChoice(index=0, delta=ChatChoiceDelta(role="assistant", content=word))])


def test_chat_model_answer_without_id_gets_one(adapters):
    from mlflow.types.responses import ResponsesAgentRequest

    request = ResponsesAgentRequest(input=[{"role": "user", "content": "q"}])
    first, second = (
        adapters.chat_model_predict(ChatModelWithoutIds(), "CTX", request).model_dump(exclude_none=True)["output"]
        for _ in range(2)
    )
    assert [i["type"] for i in first] == ["message", "function_call"]
    assert isinstance(first[0]["id"], str) and first[0]["id"]
    assert first[1]["id"] == first[0]["id"]  # one answer, one id
    assert second[0]["id"] != first[0]["id"]  # each answer its own


def test_chat_model_stream_without_ids_gets_one_per_stream(adapters):
    from mlflow.types.responses import ResponsesAgentRequest

    request = ResponsesAgentRequest(input=[{"role": "user", "content": "q"}])
    streams = [
        [e.model_dump(exclude_none=True) for e in adapters.chat_model_stream(ChatModelWithoutIds(), "CTX", request)]
        for _ in range(2)
    ]
    events = streams[0]
    assert [e["type"] for e in events] == ["response.output_text.delta"] * 2 + ["response.output_item.done"]
    item_id = events[-1]["item"]["id"]
    assert isinstance(item_id, str) and item_id
    assert [e["item_id"] for e in events[:2]] == [item_id, item_id]
    assert events[-1]["item"]["content"][0]["text"] == "Hello"
    assert streams[1][-1]["item"]["id"] != item_id


@pytest.mark.parametrize(
    "answer, text",
    [
        ("plain", "plain"),
        ({"choices": [{"message": {"role": "assistant", "content": "cc"}}]}, "cc"),
        ({"messages": [{"role": "assistant", "content": "ca", "id": "z"}]}, "ca"),
        ([{"content": "one of a batch"}], "one of a batch"),
    ],
)
def test_python_model_answers_understood(adapters, answer, text):
    from mlflow.types.responses import ResponsesAgentRequest

    class Model:
        def predict(self, context, model_input):
            self.seen = model_input
            return answer

    model = Model()
    request = ResponsesAgentRequest(input=[{"role": "user", "content": "hi"}], custom_inputs={"k": "v"})
    output = adapters.python_model_predict(model, None, request).model_dump(exclude_none=True)["output"]
    assert model.seen == {"messages": [{"role": "user", "content": "hi"}], "k": "v"}
    assert [item["content"][0]["text"] for item in output] == [text]


def test_python_model_unknown_answer_is_a_clear_error(adapters):
    from mlflow.types.responses import ResponsesAgentRequest

    class Model:
        def predict(self, context, model_input):
            return {"score": 0.3}

    with pytest.raises(TypeError, match="score"):
        adapters.python_model_predict(Model(), None, ResponsesAgentRequest(input=[{"role": "user", "content": "hi"}]))


def test_model_context_resolves_shipped_files(adapters, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "p.txt").write_text("prompt")
    (tmp_path / "model_config.yaml").write_text("greeting: Hi\nn: 2\n")
    anchor = str(tmp_path / "agent.py")
    context = adapters.model_context(anchor, artifacts={"p": "data/p.txt"}, model_config="model_config.yaml")
    assert Path(context.artifacts["p"]).read_text() == "prompt"
    assert Path(context.artifacts["p"]).is_absolute()
    assert context.model_config == {"greeting": "Hi", "n": 2}
    empty = adapters.model_context(anchor)
    assert (empty.artifacts, empty.model_config) == ({}, None)


def test_an_edited_adapters_file_is_kept_and_not_reported(tmp_path):
    import shutil

    from migrate_agent.api import apply_plan, plan_project

    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "golden" / "legacy_chat_agent" / "input", project)
    apply_plan(plan_project(project, jobs=1))
    adapters_file = project / "legacy_agent_adapters.py"
    edited = adapters_file.read_text() + "\n# my change\n"
    adapters_file.write_text(edited)
    again = plan_project(project, jobs=1)
    assert again.changed_files == []
    assert not [s for s in again.manual_steps if "legacy_agent_adapters" in (s.path or "") + s.message]
    assert adapters_file.read_text() == edited


def _chat_request(**extra):
    from mlflow.types.responses import ResponsesAgentRequest

    return ResponsesAgentRequest(input=[{"role": "user", "content": "hi"}], **extra)


def test_python_model_logged_with_a_signature_gets_a_one_row_dataframe(adapters):
    import pandas as pd

    class Model:
        def predict(self, context, model_input, params=None):
            self.seen = model_input
            return "ok"

    model = Model()
    adapters.python_model_predict_dataframe(model, None, _chat_request(custom_inputs={"k": "v"}))
    assert isinstance(model.seen, pd.DataFrame)
    assert model.seen.to_dict("records") == [{"messages": [{"role": "user", "content": "hi"}], "k": "v"}]


def test_python_model_typed_chat_completion_request_gets_the_dataclass(adapters):
    from mlflow.models.rag_signatures import ChatCompletionRequest, Message
    from mlflow.pyfunc import PythonModel

    class Model(PythonModel):
        def predict(self, context, model_input, params=None):
            self.seen = model_input
            return {"choices": [{"message": {"role": "assistant", "content": model_input.messages[-1].content}}]}

    # the hint as an object: this module's annotations are strings MLflow would resolve in its globals
    Model.predict.__annotations__["model_input"] = ChatCompletionRequest
    model = Model()
    output = adapters.python_model_predict_dataframe(model, None, _chat_request()).model_dump()["output"]
    assert model.seen == ChatCompletionRequest(messages=[Message(role="user", content="hi")])
    assert output[0]["content"][0]["text"] == "hi"


def _stream_events(adapters, chunks):
    class Model:
        def predict_stream(self, context, model_input, params=None):
            self.seen = model_input
            yield from chunks

    model = Model()
    events = [e.model_dump(exclude_none=True) for e in adapters.python_model_stream(model, None, _chat_request())]
    assert model.seen == {"messages": [{"role": "user", "content": "hi"}]}
    return events


def test_python_model_stream_of_strings_is_one_message(adapters):
    events = _stream_events(adapters, ["Hel", "lo"])
    assert [e["delta"] for e in events if e["type"] == "response.output_text.delta"] == ["Hel", "lo"]
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert [(item["id"], item["content"][0]["text"]) for item in done] == [("msg_0", "Hello")]
    assert events[-1]["type"] == "response.output_item.done"


def test_python_model_stream_of_chat_completion_chunks(adapters):
    chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": part}}]} for part in ("a", "b")]
    events = _stream_events(adapters, chunks)
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert [(item["id"], item["content"][0]["text"]) for item in done] == [("msg_0", "ab")]


def test_python_model_stream_of_chat_agent_chunks(adapters):
    chunks = [{"delta": {"id": "m1", "role": "assistant", "content": part}} for part in ("x", "y")]
    events = _stream_events(adapters, chunks)
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert [(item["id"], item["content"][0]["text"]) for item in done] == [("m1", "xy")]


def test_python_model_stream_of_unknown_chunks_is_a_clear_error(adapters):
    with pytest.raises(TypeError, match="score"):
        _stream_events(adapters, [{"score": 1}])
