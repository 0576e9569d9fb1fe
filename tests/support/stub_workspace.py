"""A stub Databricks workspace on loopback that the real `databricks-sdk` and `openai` clients talk to.

Point a process at it with DATABRICKS_HOST=stub.url and any DATABRICKS_TOKEN. It serves:

* OpenAI-compatible chat completions, non-stream and SSE stream, at
  POST /serving-endpoints/chat/completions (where the client from
  `WorkspaceClient().serving_endpoints.get_open_ai_client()` posts: its base_url is
  host + "/serving-endpoints") and POST /serving-endpoints/<name>/invocations
  (`serving_endpoints.query(name, messages=...)`, or raw HTTP).
  The answer is deterministic: "echo: " + the last user message, in `n_chunks` pieces.
* GET /.well-known/databricks-config: the SDK fetches it on every `Config()` (even with a
  PAT); without it the SDK logs a warning and carries on.
* OIDC discovery and a client-credentials token endpoint, so OAuth M2M (what Databricks
  Apps really inject: DATABRICKS_CLIENT_ID/SECRET) works too; the token is
  "sp-token-for-<client_id>".
* A few workspace APIs whose answer depends on the caller's token, so that what a user sees
  tells whose credentials were used (user-scoped calls in the identity tests):
  GET /api/2.0/preview/scim/v2/Me (userName "user-for-<token>"),
  POST /api/2.0/vector-search/indexes/<index>/query (one row, "doc for user-for-<token>"),
  GET /api/2.0/genie/spaces/<space_id> (title "<space_id> as seen by user-for-<token>").
  They wait `api_latency` seconds first (concurrency tests use it to overlap requests).
* Stand-ins for what callers of an agent reach (tests/e2e/test_callers_e2e.py): a Model Serving
  endpoint answering as its agent did (`endpoints`: name -> a function from the last user
  message's text to the answer, for chat bodies sent to its name and for
  POST /serving-endpoints/responses naming it) and the apps a
  `GET /api/2.0/apps/<name>` finds (`apps`: name -> the app's URL).
* POST /__harness__/mark: a marker the original runner's child posts between calls, so the
  log can be cut into per-call windows (see `windows`). Recorded, never a workspace call.
* Anything else: 404 {"error_code": "NOT_FOUND", "message": ...}, as Databricks answers.

Every request is recorded (method, path, bearer token, JSON body, arrival time); for streams,
the `time.monotonic()` at which each content chunk was written is recorded too.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

CREATED = 1_700_000_000  # fixed, so answers are identical from run to run
_INVOCATIONS = re.compile(r"^/serving-endpoints/([^/]+)/invocations$")
_VECTOR_QUERY = re.compile(r"^/api/2\.0/vector-search/indexes/([^/]+)/query$")
_GENIE_SPACE = re.compile(r"^/api/2\.0/genie/spaces/([^/]+)$")
_APP = re.compile(r"^/api/2\.0/apps/([^/]+)$")
MARK_PATH = "/__harness__/mark"


@dataclass
class RecordedRequest:
    method: str
    path: str
    token: str | None
    body: Any
    received_at: float  # time.monotonic() when the handler got it (headers read, before the body)
    chunk_sent_at: list[float] = field(default_factory=list)  # streams only

    @property
    def is_mark(self) -> bool:
        return self.path == MARK_PATH


def user_name_for(token: str | None) -> str:
    """The user the stub says a token belongs to (Me, vector search rows, Genie titles)."""
    return f"user-for-{token}"


def echo_reply(body: dict) -> str:
    """Default answer: "echo: " + the text of the last user message."""
    return "echo: " + last_user_text(body.get("messages") or [])


def last_user_text(messages: list) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _text_of(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def split_pieces(text: str, n: int) -> list[str]:
    """`text` in `n` consecutive non-empty pieces (fewer if it is shorter than `n`)."""
    n = max(1, min(n, len(text)))
    bounds = [i * len(text) // n for i in range(n + 1)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


class StubWorkspace:
    """Threaded HTTP server on 127.0.0.1, free port. Use as a context manager."""

    def __init__(self, latency: float = 0.0, chunk_gap: float = 0.0, n_chunks: int = 4):
        self._lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self.endpoints: dict[str, Callable[[str], str]] = {}  # serving endpoint -> question -> answer
        self.apps: dict[str, str] = {}  # app name -> its URL
        self.configure(
            latency=latency, chunk_gap=chunk_gap, n_chunks=n_chunks, reply=echo_reply, api_latency=0.0
        )
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.stub = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "StubWorkspace":
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "StubWorkspace":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- behaviour -------------------------------------------------------------------
    def configure(
        self,
        *,
        latency: float | None = None,
        chunk_gap: float | None = None,
        n_chunks: int | None = None,
        reply: Callable[[dict], str] | None = None,
        api_latency: float | None = None,
    ) -> None:
        """latency: seconds before a serving-endpoint call answers; chunk_gap: seconds between
        stream chunks; n_chunks: pieces an answer is streamed in; reply: body -> answer text;
        api_latency: seconds before a token-dependent workspace API (Me, vector search, Genie)
        answers."""
        if latency is not None:
            self.latency = latency
        if chunk_gap is not None:
            self.chunk_gap = chunk_gap
        if n_chunks is not None:
            self.n_chunks = n_chunks
        if reply is not None:
            self.reply = reply
        if api_latency is not None:
            self.api_latency = api_latency

    def reset(self) -> None:
        """Default behaviour (no latency, no gap, 4 chunks, echo) and an empty log."""
        self.configure(latency=0.0, chunk_gap=0.0, n_chunks=4, reply=echo_reply, api_latency=0.0)
        self.endpoints, self.apps = {}, {}
        self.clear()

    # ---- request log -----------------------------------------------------------------
    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def requests(self, path_prefix: str = "", *, marks: bool = False) -> list[RecordedRequest]:
        """A snapshot (deep copy) of the recorded requests whose path starts with `path_prefix`
        (harness markers only with marks=True)."""
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._log
                if r.path.startswith(path_prefix) and (marks or not r.is_mark)
            ]

    def windows(self, run_id: str) -> dict[str, list[RecordedRequest]]:
        """The log cut at the markers whose body has "run": run_id: label -> the requests
        recorded after that marker and before the next marker of the same run.

        Only meaningful while nothing but that run talks to this stub (markers order the log;
        they cannot tell apart two clients talking at the same time).
        """
        out: dict[str, list[RecordedRequest]] = {}
        current: list[RecordedRequest] | None = None
        for record in self.requests(marks=True):
            body = _dict(record.body)
            if record.is_mark and body.get("run") == run_id:
                current = out.setdefault(str(body.get("label")), [])
            elif record.is_mark:
                current = None  # another run's marker: not ours
            elif current is not None:
                current.append(record)
        return out

    def llm_calls(self) -> list[RecordedRequest]:
        """Recorded calls to serving endpoints (chat completions and invocations)."""
        return self.requests("/serving-endpoints/")

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _mark_chunk_sent(self, request: RecordedRequest) -> None:
        with self._lock:
            request.chunk_sent_at.append(time.monotonic())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; streams use chunked transfer encoding
    timeout = 30  # idle keep-alive connections close instead of living forever
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    do_PUT = do_PATCH = do_DELETE = do_POST

    @property
    def stub(self) -> StubWorkspace:
        return self.server.stub  # type: ignore[attr-defined]

    # ---- routing ---------------------------------------------------------------------
    def _dispatch(self) -> None:
        received_at = time.monotonic()
        raw = self._read_body()
        path = urlsplit(self.path).path
        record = RecordedRequest(self.command, path, self._bearer(), _parse(raw, self.headers), received_at)
        self.stub._record(record)
        base = f"http://{self.headers.get('Host') or f'127.0.0.1:{self.stub.port}'}"

        if self.command == "POST" and path == "/serving-endpoints/chat/completions":
            return self._chat(record, model=str(_dict(record.body).get("model", "")))
        match = _INVOCATIONS.match(path)
        if self.command == "POST" and match:
            return self._chat(record, model=match.group(1))
        if self.command == "POST" and path == "/serving-endpoints/responses":
            return self._responses(record, model=str(_dict(record.body).get("model", "")))
        match = _APP.match(path)
        if self.command == "GET" and match:
            url = self.stub.apps.get(match.group(1))
            if url is None:
                return self._json(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"no app {match.group(1)}"})
            return self._json(200, {"name": match.group(1), "url": url, "app_status": {"state": "RUNNING"}})
        if self.command == "GET" and path == "/.well-known/databricks-config":
            return self._json(200, {"oidc_endpoint": f"{base}/oidc", "workspace_id": "1234567890"})
        if self.command == "GET" and path == "/oidc/.well-known/oauth-authorization-server":
            return self._json(200, {
                "authorization_endpoint": f"{base}/oidc/v1/authorize",
                "token_endpoint": f"{base}/oidc/v1/token",
            })
        if self.command == "POST" and path == "/oidc/v1/token":
            return self._token(_dict(record.body))
        if self.command == "POST" and path == MARK_PATH:
            return self._json(200, {})
        if self.command == "GET" and path == "/api/2.0/preview/scim/v2/Me":
            time.sleep(self.stub.api_latency)
            user = user_name_for(record.token)
            return self._json(200, {"id": "1001", "userName": user, "displayName": user, "active": True})
        match = _VECTOR_QUERY.match(path)
        if self.command == "POST" and match:
            return self._vector_query(record, index=match.group(1))
        match = _GENIE_SPACE.match(path)
        if self.command == "GET" and match:
            time.sleep(self.stub.api_latency)
            return self._json(200, {
                "space_id": match.group(1),
                "title": f"{match.group(1)} as seen by {user_name_for(record.token)}",
                "description": "stub Genie space",
                "warehouse_id": "stub-warehouse",
            })
        self._json(404, {"error_code": "NOT_FOUND", "message": f"stub has no {self.command} {path}"})

    # ---- endpoints -------------------------------------------------------------------
    def _chat(self, record: RecordedRequest, model: str) -> None:
        body = _dict(record.body)
        if not isinstance(body.get("messages"), list):
            return self._json(400, {
                "error_code": "INVALID_PARAMETER_VALUE",
                "message": "stub serving endpoints only accept chat bodies with 'messages'",
            })
        stub = self.stub
        time.sleep(stub.latency)
        agent = stub.endpoints.get(model)
        answer = agent(last_user_text(body["messages"])) if agent is not None else stub.reply(body)
        if body.get("stream"):
            return self._chat_stream(record, model, split_pieces(answer, stub.n_chunks), stub.chunk_gap)
        self._json(200, {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": answer},
                "finish_reason": "stop",
            }],
            "usage": _usage(body, answer),
        })

    def _chat_stream(self, record: RecordedRequest, model: str, pieces: list[str], gap: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i, piece in enumerate(pieces):
                if i:
                    time.sleep(gap)
                delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                self._send_chunk(_sse(_chunk(model, delta, None)))
                self.stub._mark_chunk_sent(record)
            self._send_chunk(_sse(_chunk(model, {}, "stop")))
            self._send_chunk(b"data: [DONE]\n\n")
            self._send_chunk(b"")  # terminating zero-length chunk
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-stream

    def _responses(self, record: RecordedRequest, model: str) -> None:
        """A Responses request to a stand-in endpoint: its agent's answer as one output message."""
        agent = self.stub.endpoints.get(model)
        if agent is None:
            return self._json(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"stub has no endpoint {model}"})
        given = _dict(record.body).get("input")
        answer = agent(given if isinstance(given, str) else last_user_text(given or []))
        self._json(200, {
            "id": "resp-stub",
            "object": "response",
            "created_at": CREATED,
            "model": model,
            "status": "completed",
            "output": [{
                "type": "message", "id": "msg-stub", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": answer, "annotations": []}],
            }],
        })

    def _vector_query(self, record: RecordedRequest, index: str) -> None:
        """QueryVectorIndexResponse: one row per requested column, from the caller's identity."""
        time.sleep(self.stub.api_latency)
        columns = _dict(record.body).get("columns") or ["text"]
        user = user_name_for(record.token)
        row = [f"doc for {user}" if i == 0 else f"{name} for {user}" for i, name in enumerate(columns)]
        self._json(200, {
            "manifest": {
                "column_count": len(columns),
                "columns": [{"name": str(name)} for name in columns],
            },
            "result": {"row_count": 1, "data_array": [row]},
        })

    def _token(self, form: dict) -> None:
        client_id = form.get("client_id") or self._basic_user() or "unknown-client"
        self._json(200, {
            "access_token": f"sp-token-for-{client_id}",
            "token_type": "Bearer",
            "expires_in": 3600,
        })

    # ---- plumbing --------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return b"".join(_read_chunked(self.rfile))
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _bearer(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def _basic_user(self) -> str | None:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        return base64.b64decode(value.strip()).decode("utf-8", "replace").partition(":")[0]

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def _read_chunked(rfile: Any) -> Iterator[bytes]:
    while True:
        size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return
        yield rfile.read(size)
        rfile.readline()  # CRLF after each chunk


def _parse(raw: bytes, headers: Any) -> Any:
    """JSON body as an object, a form body as a flat dict, anything else as text (None if empty)."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "application/x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        return {k: v[-1] for k, v in parse_qs(text).items()}
    try:
        return json.loads(text)
    except ValueError:
        return text


def _dict(body: Any) -> dict:
    return body if isinstance(body, dict) else {}


def _chunk(model: str, delta: dict, finish_reason: str | None) -> dict:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _sse(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _usage(body: dict, answer: str) -> dict:
    prompt = sum(len(_text_of(m.get("content")).split()) for m in body.get("messages", []))
    completion = len(answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
