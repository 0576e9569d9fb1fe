"""A loopback stand-in for the Databricks REST API, enough for the live-endpoint reader.

It answers only GETs of the routes it is given (JSON bodies) and 404 otherwise, on 127.0.0.1,
and records the requests it saw. Used with the real databricks-sdk pointed at it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ServingApiStub:
    def __init__(self, routes: dict[str, dict]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                stub.requests.append(("GET", self.path, self.headers.get("Authorization")))
                body = stub.routes.get(self.path.split("?")[0])
                if body is None:
                    self._send(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"{self.path} not found"})
                else:
                    self._send(200, body)

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "ServingApiStub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
