"""`migrate-agent verify`'s parts that start nothing: what the original is loaded with and asked
(read statically from the driver), where the original comes from, how answers are compared and
how a recorded call is chosen for replay. The runs themselves: tests/e2e/test_verify_e2e.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from migrate_agent.verify import compare, legacy
from migrate_agent.verify.proxy import Exchange, Recording
from migrate_agent.verify.request_bodies import (
    DEFAULT_REQUEST,
    load_requests,
    read_original_facts,
)
from migrate_agent.verify.sources import (
    SourceError,
    find_agent_file,
    legacy_interface,
    resolve_before,
)

GOLDEN = Path(__file__).parent / "golden"


def test_input_example_artifacts_and_model_config_come_from_the_driver(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "legacy_python_model_load_context" / "input", project)
    driver = project / "driver.py"
    driver.write_text(driver.read_text().replace(
        '        model_config={"greeting": "Hello"},\n',
        '        model_config={"greeting": "Hello"},\n'
        '        input_example={"messages": [{"role": "user", "content": "What is MLflow?"}]},\n',
    ))
    facts = read_original_facts(project)
    assert facts.artifacts == {"system_prompt": str(project / "prompts" / "system.txt")}
    assert facts.model_config == {"greeting": "Hello"}
    requests = load_requests(None, facts)
    assert requests.bodies == ({"messages": [{"role": "user", "content": "What is MLflow?"}]},)
    assert "input_example" in requests.source


def test_model_config_through_a_variable() -> None:
    facts = read_original_facts(GOLDEN / "deploy_model_config_dict" / "input")
    assert facts.model_config["llm_endpoint"] == "databricks-claude-3-7-sonnet"
    assert load_requests(None, facts).bodies[0] == {"input": [{"role": "user", "content": "Where is my order?"}]}


def test_without_driver_one_plain_question() -> None:
    facts = read_original_facts(GOLDEN / "predict_and_stream" / "input")
    assert facts.artifacts == {} and facts.model_config is None
    assert load_requests(None, facts).bodies == (DEFAULT_REQUEST,)


def test_requests_file(tmp_path: Path) -> None:
    facts = read_original_facts(GOLDEN / "predict_and_stream" / "input")
    path = tmp_path / "requests.json"
    bodies = [{"input": [{"role": "user", "content": "a"}]}, {"input": [{"role": "user", "content": "b"}]}]
    path.write_text(json.dumps(bodies))
    assert load_requests(path, facts).bodies == tuple(bodies)
    path.write_text("[]")
    with pytest.raises(SourceError, match="no requests"):
        load_requests(path, facts)
    path.write_text('["just text"]')
    with pytest.raises(SourceError, match="request 1 is not a JSON object"):
        load_requests(path, facts)


def test_agent_file_is_the_one_calling_set_model(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("# mlflow.models.set_model(X) in a comment only\nX = 1\n")
    (tmp_path / "my_agent.py").write_text("import mlflow\nmlflow.models.set_model(object())\n")
    assert find_agent_file(tmp_path) == "my_agent.py"
    (tmp_path / "my_agent.py").write_text("X = 2\n")
    with pytest.raises(SourceError, match="no file of the original calls"):
        find_agent_file(tmp_path)
    (tmp_path / "my_agent.py").write_text("import mlflow\nmlflow.models.set_model(object()\n")
    with pytest.raises(SourceError, match=r"my_agent.py:2: the original does not parse on this Python"):
        find_agent_file(tmp_path)


def test_before_defaults_to_head_only_while_the_migration_is_uncommitted(tmp_path: Path) -> None:
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "agent.py").write_text("X = 1\n")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "original"], check=True)
    with pytest.raises(SourceError, match="no uncommitted changes"):
        resolve_before(tmp_path, None)
    (tmp_path / "app.yaml").write_text("command: [python, start_server.py]\n")
    origin, directory = resolve_before(tmp_path, None)
    assert (origin.kind, origin.where, directory) == ("git", "HEAD", None)
    with pytest.raises(SourceError, match="neither a directory nor a revision"):
        resolve_before(tmp_path, "no-such-revision")


def test_before_outside_git_needs_a_directory(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(SourceError, match="not in a git work tree"):
        resolve_before(project, None)
    origin, directory = resolve_before(project, str(tmp_path))
    assert origin.kind == "dir" and directory == tmp_path.resolve()


def test_random_ids_and_timestamps_do_not_count_fixed_ids_do() -> None:
    one = {"id": "msg_0a1b2c3d4e5f60718293", "created": 1, "item": {"id": "msg_0a1b2c3d4e5f60718293"}}
    two = {"id": "msg_ffffeeeeddddcccc0000", "created": 2, "item": {"id": "msg_ffffeeeeddddcccc0000"}}
    assert compare.normalized(one) == compare.normalized(two)
    mismatched = {"id": "msg_ffffeeeeddddcccc0000", "item": {"id": "msg_1111eeeeddddcccc0000"}}
    assert compare.normalized(one) != compare.normalized(mismatched)  # the pairing still counts
    assert compare.normalized({"id": "msg-1"}) != compare.normalized({"id": "msg-2"})


def test_stream_view_shows_a_dropped_event_as_a_diff() -> None:
    item = {"type": "message", "id": "m1", "role": "assistant",
            "content": [{"type": "output_text", "text": "hi there", "annotations": []}]}
    events = [
        {"type": compare.TEXT_DELTA, "item_id": "m1", "delta": "hi "},
        {"type": compare.TEXT_DELTA, "item_id": "m1", "delta": "there"},
        {"type": compare.DONE, "item": item},
    ]
    full, dropped = compare.stream_view(events, None), compare.stream_view(events[:-1], None)
    assert full["text"] == "hi there" and full["event kinds"][-1] == compare.DONE
    text = compare.diff(full, dropped)
    assert '-    "response.output_item.done"' in text
    assert text.splitlines()[0] == "--- original (Model Serving)"
    assert compare.diff(full, compare.stream_view(json.loads(json.dumps(events)), None)) == ""


def test_one_mode_originals_are_compared_by_the_migration_rule() -> None:
    response = {"output": [{"type": "message", "id": "a"}, {"type": "function_call", "id": "b"}]}
    events = compare.stream_of_items(response)
    assert [e["type"] for e in events] == [compare.DONE, compare.DONE]
    assert compare.aggregate(events) == {"output": response["output"]}


def test_replay_uses_each_recorded_call_once_and_prefers_the_same_identity() -> None:
    recording = Recording()
    body = {"messages": [{"role": "user", "content": "hi"}]}

    def call(side: str, token: str, window: str = "request 1 invoke") -> Exchange:
        return Exchange(side=side, window=window, method="POST", path="/serving-endpoints/x/invocations",
                        body=body, token=token)

    identity = {"u": "user", "s": "service", "a": "service"}.get
    saved, as_service, as_user = call("original", "s", "save"), call("original", "s"), call("original", "u")
    for exchange in (saved, as_service, as_user):
        recording.add(exchange)
    assert recording.take(call("app", "u"), identity) is as_user
    assert recording.take(call("app", "a"), identity) is as_service
    assert recording.unused() == []
    assert recording.take(call("app", "a"), identity) is as_user  # once all are used: the last again
    other = Exchange(side="app", window="w", method="POST", path="/other", body=body, token="a")
    assert recording.take(other, identity) is None


def test_legacy_interfaces_are_recognised() -> None:
    chat_agent = GOLDEN / "legacy_chat_agent" / "input"
    assert legacy_interface(chat_agent, find_agent_file(chat_agent)) == "ChatAgent"
    responses = GOLDEN / "predict_and_stream" / "input"
    assert legacy_interface(responses, find_agent_file(responses)) is None


def test_an_agent_written_by_a_notebook_cell_is_found_in_the_copy(tmp_path: Path) -> None:
    copy = tmp_path / "original"
    shutil.copytree(GOLDEN / "notebook_magic_writefile" / "input", copy)
    agent = find_agent_file(copy)
    assert "set_model" in (copy / agent).read_text()


def test_legacy_requests_go_to_the_original_as_chat_bodies() -> None:
    body = {"input": [{"role": "user", "content": "hi"}], "custom_inputs": {"k": 1}, "temperature": 0.2}
    chat_agent, responses = legacy.bodies_for(legacy.CHAT_AGENT, body)
    assert chat_agent == {"messages": [{"role": "user", "content": "hi"}], "custom_inputs": {"k": 1}}
    assert responses is body
    chat_model, _ = legacy.bodies_for(legacy.CHAT_MODEL, body)
    assert chat_model == {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.2, "custom_inputs": {"k": 1}}
    python_model, _ = legacy.bodies_for(legacy.PYTHON_MODEL, body)
    assert python_model == {"messages": [{"role": "user", "content": "hi"}], "k": 1}
    chat = {"messages": [{"role": "user", "content": "hi"}]}
    assert legacy.bodies_for(legacy.CHAT_AGENT, chat) == (chat, {"input": [{"role": "user", "content": "hi"}]})
    with pytest.raises(SourceError, match="plain messages only"):
        legacy.bodies_for(legacy.CHAT_AGENT, {"input": [{"type": "function_call_output", "call_id": "c"}]})


def test_legacy_answers_and_app_items_meet_as_the_same_entries() -> None:
    call = {"id": "call-1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    answer = {"messages": [
        {"role": "assistant", "content": "", "tool_calls": [call], "id": "a"},
        {"role": "tool", "content": "out", "tool_call_id": "call-1", "id": "b"},
        {"role": "assistant", "content": "done", "id": "c"},
    ], "custom_outputs": {"x": 1}}
    entries, custom, has_ids = legacy.chat_answer_entries(answer)
    items = [
        {"type": "function_call", "call_id": "call-1", "name": "f", "arguments": "{}", "id": "a"},
        {"type": "function_call_output", "call_id": "call-1", "output": "out"},
        {"type": "message", "id": "c", "role": "assistant",
         "content": [{"type": "output_text", "text": "done", "annotations": []}]},
    ]
    assert entries == legacy.item_entries(items) and custom == {"x": 1} and has_ids
    chunks = [{"delta": m} for m in answer["messages"][:2]] + [
        {"delta": {"role": "assistant", "content": "do", "id": "c"}},
        {"delta": {"role": "assistant", "content": "ne", "id": "c"}},
    ]
    assert legacy.chat_stream_entries(chunks) == entries
    completion = {"id": "r1", "choices": [{"message": {"role": "assistant", "content": "hi"}}]}
    assert legacy.chat_answer_entries(completion)[0] == [{"kind": "text", "id": "r1", "text": "hi"}]
    assert legacy.chat_answer_entries("plain")[0] == [{"kind": "text", "text": "plain"}]


def test_the_interface_is_the_exported_class_s_not_another_class_s(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(
        "import mlflow\nfrom mlflow.pyfunc import ChatAgent, ResponsesAgent\n\n\n"
        "class Old(ChatAgent):\n    pass\n\n\nclass New(ResponsesAgent):\n    pass\n\n\n"
        "AGENT = New()\nmlflow.models.set_model(AGENT)\n"
    )
    assert legacy_interface(tmp_path, "agent.py") is None
    (tmp_path / "agent.py").write_text(
        "import mlflow\nfrom mlflow.pyfunc import ChatAgent\n\n\nclass Old(ChatAgent):\n    pass\n\n\n"
        "mlflow.models.set_model(Old())\n"
    )
    assert legacy_interface(tmp_path, "agent.py") == "ChatAgent"
