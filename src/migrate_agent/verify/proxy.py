"""The outside world both sides see: a recording proxy on 127.0.0.1 that the agents reach as their
workspace (``DATABRICKS_HOST`` on the app side, ``DB_MODEL_SERVING_HOST_URL`` on the Model Serving
side).

The original's proxy *records*: each call (method, path, body, the token it carried) is forwarded
to the workspace when one is configured and its answer kept. The app's proxy *replays*: a call
with the same method, path and body gets the recorded answer, so both sides see the same LLM
answers and API results however random the live ones are. A call the original never made is
forwarded live (when a workspace is configured) and reported as a difference.

The proxies are ``http.server`` servers on loopback (not HTTP clients); forwarding uses httpx.
Markers a side posts to ``WINDOW_PATH`` say which request the calls that follow belong to.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

WINDOW_PATH = "/__migrate_agent_verify__/window"
# Calls the SDK makes on its own (host metadata, OAuth discovery and token exchange): plumbing,
# not something the agent does on anyone's behalf; forwarded, never compared.
PLUMBING_PREFIXES = ("/.well-known/", "/oidc/")
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "authorization",
})
_NO_RECORDING_WAIT = 300.0  # seconds a replayed call waits for the recording to finish


def is_plumbing(path: str) -> bool:
    return urlsplit(path).path.startswith(PLUMBING_PREFIXES)


@dataclass(frozen=True, kw_only=True)
class Upstream:
    """Where recorded calls go: the workspace's URL and how a call made as a service identity is
    authenticated there (`service_headers`; None: the caller's own Authorization is passed on, as
    with a stand-in workspace)."""

    url: str
    service_headers: Callable[[], dict[str, str]] | None = None


@dataclass(frozen=True, kw_only=True)
class Exchange:
    """One outbound call a side made, and the answer it got."""

    side: str  # "original" or "app"
    window: str  # the phase: "save", "load", "request 1 invoke", ...
    method: str
    path: str  # with its query string
    body: Any  # parsed JSON, else text (None when empty)
    token: str | None  # the bearer token it carried
    status: int = 0
    content_type: str = ""
    answer: bytes = b""
    replayed: bool = False  # app side: the original's recorded answer was given
    matched: Exchange | None = None  # app side: the original's call it was matched with
    forwarded: bool = False  # sent to the workspace (live)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.method, self.path, _canonical(self.body)

    @property
    def plumbing(self) -> bool:
        return is_plumbing(self.path)


@dataclass(kw_only=True)
class _State:
    side: str
    upstream: Upstream | None
    recording: Recording
    replay: bool
    service_tokens: frozenset[str]
    window: str = "start"
    lock: threading.Lock = field(default_factory=threading.Lock)


class Recording:
    """The original's calls, in order; the app's calls, and which recorded call each one used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.original: list[Exchange] = []
        self.app: list[Exchange] = []
        self._used: set[int] = set()  # ids of original exchanges already replayed
        self.complete = threading.Event()  # set when the original side has finished

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            (self.original if exchange.side == "original" else self.app).append(exchange)

    def take(self, call: Exchange, identity: Callable[[str | None], str]) -> Exchange | None:
        """The recorded call to answer `call` with: same method, path and body, not used yet, the
        same identity first; once all are used, the last one again (None: never recorded)."""
        with self._lock:
            same = [e for e in self.original if e.key == call.key and e.window != "save"]
            fresh = [e for e in same if id(e) not in self._used]
            mine = [e for e in fresh if identity(e.token) == identity(call.token)]
            chosen = (mine or fresh or same[-1:] or [None])[0]
            if chosen is not None:
                self._used.add(id(chosen))
            return chosen

    def unused(self) -> list[Exchange]:
        """Calls of the original (outside saving the model) that the app never made."""
        with self._lock:
            return [
                e for e in self.original
                if id(e) not in self._used and not e.plumbing and e.window not in ("save", "end")
            ]

    def snapshot(self) -> tuple[list[Exchange], list[Exchange]]:
        with self._lock:
            return list(self.original), list(self.app)


class Proxy:
    """A loopback HTTP server for one side. Use as a context manager."""

    def __init__(
        self,
        *,
        side: str,
        recording: Recording,
        upstream: Upstream | None,
        replay: bool,
        service_tokens: frozenset[str],
    ) -> None:
        self.state = _State(
            side=side, upstream=upstream, recording=recording, replay=replay, service_tokens=service_tokens
        )
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.state = self.state  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def set_window(self, label: str) -> None:
        with self.state.lock:
            self.state.window = label

    def __enter__(self) -> Proxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    @property
    def state(self) -> _State:
        return self.server.state  # type: ignore[attr-defined]

    def _handle(self) -> None:
        raw = self._read_body()
        state = self.state
        if self.command == "POST" and urlsplit(self.path).path == WINDOW_PATH:
            with state.lock:
                state.window = str(_parse(raw).get("label", "?"))
            return self._send(200, "application/json", b"{}")
        with state.lock:
            window = state.window
        call = Exchange(
            side=state.side, window=window, method=self.command, path=self.path,
            body=_parse_any(raw), token=self._bearer(),
        )
        if state.replay and not call.plumbing:
            state.recording.complete.wait(_NO_RECORDING_WAIT)
            recorded = state.recording.take(call, self._identity)
            if recorded is not None:
                state.recording.add(replace(
                    call, matched=recorded, replayed=True, status=recorded.status,
                    content_type=recorded.content_type, answer=recorded.answer,
                ))
                return self._send(recorded.status, recorded.content_type, recorded.answer)
        if state.upstream is None:
            answer = _error_body(f"no workspace is configured to answer {self.command} {urlsplit(self.path).path}")
            state.recording.add(replace(call, status=503, content_type="application/json", answer=answer))
            return self._send(503, "application/json", answer)
        state.recording.add(self._forward(call, raw, state.upstream))

    def _identity(self, token: str | None) -> str:
        return "service" if token in self.state.service_tokens else (token or "")

    def _forward(self, call: Exchange, raw: bytes, upstream: Upstream) -> Exchange:
        """Send `call` to the workspace and its answer back as it arrives (streams stay streams);
        the exchange, answer included."""
        import httpx  # here, not at the top: the CLI loads this module for every command, only verify needs httpx

        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Accept-Encoding"] = "identity"
        if call.token in self.state.service_tokens and upstream.service_headers is not None:
            headers.update(upstream.service_headers())
        elif self.headers.get("Authorization"):
            headers["Authorization"] = self.headers["Authorization"]
        url = upstream.url.rstrip("/") + self.path
        status, content_type, kept = 502, "application/json", bytearray()
        try:
            with httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0), trust_env=False) as client, \
                    client.stream(self.command, url, content=raw or None, headers=headers) as response:
                status, content_type = response.status_code, response.headers.get("content-type", "")
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/octet-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in response.iter_raw():
                    if chunk:
                        kept += chunk
                        self._chunk(chunk)
                self._chunk(b"")
        except httpx.HTTPError as error:
            if kept or status != 502:  # the answer had begun: all that can be done is to end it
                self.close_connection = True
            else:
                kept += _error_body(f"the workspace did not answer: {error}")
                self._send(502, "application/json", bytes(kept))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the side went away mid-answer
        return replace(call, status=status, content_type=content_type, answer=bytes(kept), forwarded=True)

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _bearer(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


def _error_body(message: str) -> bytes:
    return json.dumps({"error_code": "TEMPORARILY_UNAVAILABLE", "message": f"migrate-agent verify: {message}"}).encode()


def _parse(raw: bytes) -> dict:
    value = _parse_any(raw)
    return value if isinstance(value, dict) else {}


def _parse_any(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)
