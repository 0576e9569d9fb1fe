"""ChatAgent, ChatModel and chat PythonModel originals: their chat requests and answers beside
the app's Responses ones, by the mapping the migration's adapters follow (README, "ChatAgent,
ChatModel, PythonModel"), written here from that table and not from the adapters.

A request goes to the original as Model Serving's chat body (`{"messages": [...]}` with the
interface's place for `custom_inputs` and sampling parameters) and to the app as the Responses
body. Both answers become the same entries: a text (message id, text), a tool call (call id,
name, arguments), a tool output (call id, output), and `custom_outputs`.
"""

from __future__ import annotations

from typing import Any

from migrate_agent.verify.sources import SourceError

CHAT_AGENT, CHAT_MODEL, PYTHON_MODEL = "ChatAgent", "ChatModel", "PythonModel"
_SAMPLING = {"temperature": "temperature", "top_p": "top_p", "max_output_tokens": "max_tokens"}


def bodies_for(interface: str, body: dict) -> tuple[dict, dict]:
    """(the original's chat body, the app's Responses body) for one request as given: a
    Responses body (`input`) or a chat body (`messages`)."""
    custom = body.get("custom_inputs")
    if "messages" in body and "input" not in body:
        responses = {"input": [_plain(m) for m in body["messages"]]}
        if custom is not None:
            responses["custom_inputs"] = custom
        return body, responses
    messages = [_plain(item) for item in body.get("input") or []]
    chat: dict[str, Any] = {"messages": messages}
    if interface == CHAT_AGENT:
        if custom is not None:
            chat["custom_inputs"] = custom
        if body.get("context") is not None:
            chat["context"] = body["context"]
    elif interface == CHAT_MODEL:
        chat.update({name: body[key] for key, name in _SAMPLING.items() if body.get(key) is not None})
        if custom is not None:
            chat["custom_inputs"] = custom
    else:
        chat.update(custom or {})
    return chat, body


def _plain(item: Any) -> dict:
    """A chat message of a Responses input item (role and text only)."""
    if not isinstance(item, dict) or "role" not in item or item.get("type", "message") != "message":
        raise SourceError(
            "verify gives a ChatAgent / ChatModel / PythonModel original plain messages only "
            f"(role and content); this request holds {str(item)[:120]}"
        )
    content = item.get("content")
    if isinstance(content, list):
        content = "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return {"role": item["role"], "content": "" if content is None else str(content)}


# --- the original's answers -----------------------------------------------------------------


def chat_answer_entries(answer: Any) -> tuple[list[dict], Any, bool]:
    """(entries, custom_outputs, has_ids) of a ChatAgentResponse, a chat completion or a chat
    PythonModel answer (a string, {"messages": [...]}, one message, or a list of those)."""
    if isinstance(answer, str):
        return [{"kind": "text", "text": answer}], None, False
    if isinstance(answer, list):
        entries: list[dict] = []
        for part in answer:
            more, _, _ = chat_answer_entries(part)
            entries += more
        return entries, None, False
    if not isinstance(answer, dict):
        return [{"kind": "unreadable", "text": str(answer)[:200]}], None, False
    if "choices" in answer:
        message = (answer["choices"] or [{}])[0].get("message") or {}
        fallback = answer.get("id")
        return _message_entries([message], fallback), answer.get("custom_outputs"), bool(fallback)
    if "messages" in answer:
        has_ids = any(m.get("id") for m in answer["messages"])
        return _message_entries(answer["messages"], None), answer.get("custom_outputs"), has_ids
    if "role" in answer:
        return _message_entries([answer], None), None, bool(answer.get("id"))
    return [{"kind": "unreadable", "text": str(answer)[:200]}], None, False


def _message_entries(messages: list[dict], fallback_id: Any) -> list[dict]:
    entries = []
    for message in messages:
        if message.get("role") == "tool":
            entries.append({"kind": "tool output", "call_id": message.get("tool_call_id"),
                            "output": message.get("content")})
            continue
        if message.get("content"):
            entries.append({"kind": "text", "id": message.get("id") or fallback_id, "text": message["content"]})
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            entries.append({"kind": "tool call", "call_id": call.get("id"), "name": function.get("name"),
                            "arguments": function.get("arguments")})
    return entries


def chat_stream_entries(chunks: list[dict]) -> list[dict]:
    """A legacy stream as entries: a message's text joined over its chunks (those with its id),
    tool calls and tool outputs as they come."""
    entries: list[dict] = []
    current: dict | None = None
    for chunk in chunks:
        if isinstance(chunk, str):  # a PythonModel's predict_stream: text of one message
            delta, item_id = {"content": chunk}, None
        elif "delta" in chunk:  # ChatAgentChunk
            delta, item_id = chunk["delta"] or {}, (chunk["delta"] or {}).get("id")
        else:  # ChatCompletionChunk: its message's id is the response's
            delta, item_id = ((chunk.get("choices") or [{}])[0].get("delta") or {}), chunk.get("id")
        if current is not None and (item_id != current["id"] or delta.get("role") == "tool" or delta.get("tool_calls")):
            current = None
        if delta.get("role") == "tool":
            entries.append({"kind": "tool output", "call_id": delta.get("tool_call_id"), "output": delta.get("content")})
            continue
        if delta.get("content"):
            if current is None:
                current = {"kind": "text", "id": item_id, "text": ""}
                entries.append(current)
            current["text"] += delta["content"]
        for call in delta.get("tool_calls") or []:
            function = call.get("function") or {}
            entries.append({"kind": "tool call", "call_id": call.get("id"), "name": function.get("name"),
                            "arguments": function.get("arguments")})
    return entries


# --- the app's answers ----------------------------------------------------------------------


def item_entries(items: list[dict]) -> list[dict]:
    entries = []
    for item in items:
        kind = item.get("type")
        if kind == "message":
            text = "".join(str(part.get("text", "")) for part in item.get("content") or [] if isinstance(part, dict))
            entries.append({"kind": "text", "id": item.get("id"), "text": text})
        elif kind == "function_call":
            entries.append({"kind": "tool call", "call_id": item.get("call_id"), "name": item.get("name"),
                            "arguments": item.get("arguments")})
        elif kind == "function_call_output":
            entries.append({"kind": "tool output", "call_id": item.get("call_id"), "output": item.get("output")})
        else:
            entries.append({"kind": str(kind)})
    return entries


def without_ids(entries: list[dict]) -> list[dict]:
    """Entries without message ids: a PythonModel's answer has none (the app numbers its items)."""
    return [{k: v for k, v in e.items() if not (k == "id" and e["kind"] == "text")} for e in entries]
