"""Start a migrated project the way Databricks Apps does, on loopback, and talk to it over HTTP.

    with running_app(project_dir, stub) as app:
        app.invoke({"input": [{"role": "user", "content": "hi"}]})
        app.stream({"input": [...]})          # list of SSE event dicts, without [DONE]
        app.stream_timed({"input": [...]})    # [(time.monotonic() at arrival, event), ...]
        app.invoke_status({...}, headers={"x-forwarded-access-token": "tok"})  # (status, body)

The app runs `command` from app.yaml in a subprocess (its own process group) with cwd = the
project dir and the app.yaml `env`, plus what the platform injects (DATABRICKS_APP_PORT,
DATABRICKS_HOST, service-principal credentials). It is always stopped on exit.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import httpx
import yaml

from tests.support.process_env import (
    LOCAL_EXPERIMENT_ID,
    free_port,
    isolated_env,
    kill_group_and_reap,
    tail,
    terminate_group,
    tracking_override,
    wait_exited_unreaped,
)
from tests.support.stub_workspace import StubWorkspace

APP_TOKEN = "app-sp-token"  # what the stub sees when the app calls the workspace as itself
APP_NAME = "migrate-agent-e2e"
# `valueFrom: <resource key>` entries of app.yaml, resolved as the platform would.
DEFAULT_VALUE_FROM = {"experiment": LOCAL_EXPERIMENT_ID}
Headers = Mapping[str, str] | None


class AppError(RuntimeError):
    """The app failed to start or answered with an error; the message carries its log tail."""


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]

    def logs(self) -> str:
        """Everything the app wrote to stdout and stderr so far."""
        return tail(self.log_path, limit=10**9)

    def invoke(self, payload: dict, headers: Headers = None, timeout: float = 30.0) -> dict:
        """POST /invocations (non-stream); the JSON answer."""
        with _client(timeout) as client:
            response = client.post(f"{self.url}/invocations", json=payload, headers=headers)
        if response.status_code != 200:
            raise self._error(f"POST /invocations -> {response.status_code}: {response.text}")
        return response.json()

    def invoke_status(self, payload: dict, headers: Headers = None, timeout: float = 30.0) -> tuple[int, Any]:
        """POST /invocations (non-stream) without judging the answer: (status, JSON or text)."""
        with _client(timeout) as client:
            response = client.post(f"{self.url}/invocations", json=payload, headers=headers)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    def stream(
        self, payload: dict, headers: Headers = None, timeout: float = 30.0, *, errors_ok: bool = False
    ) -> list[dict]:
        """POST /invocations with "stream": true; the events ([DONE] is checked, not returned).

        A failing stream still answers 200: the agent server sends `{"error": "..."}` as an
        event, then [DONE]. That raises AppError unless errors_ok (then it is returned)."""
        return [event for _, event in self.stream_timed(payload, headers, timeout, errors_ok=errors_ok)]

    def stream_timed(
        self, payload: dict, headers: Headers = None, timeout: float = 30.0, *, errors_ok: bool = False
    ) -> list[tuple[float, dict]]:
        """Like `stream`, each event paired with the `time.monotonic()` at which it arrived."""
        events: list[tuple[float, dict]] = []
        deadline = time.monotonic() + timeout
        body = {**payload, "stream": True}
        with _client(timeout) as client:
            url = f"{self.url}/invocations"
            with client.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code != 200:
                    response.read()
                    status = response.status_code
                    raise self._error(f"POST /invocations (stream) -> {status}: {response.text}")
                for line in response.iter_lines():
                    if time.monotonic() > deadline:
                        raise self._error(f"stream took longer than {timeout}s; got {events}")
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:"):].strip()
                    if data == "[DONE]":
                        return events
                    event = json.loads(data)
                    if "error" in event and "type" not in event and not errors_ok:
                        raise self._error(f"stream sent an error event: {event['error']}")
                    events.append((time.monotonic(), event))
        raise self._error(f"stream ended without 'data: [DONE]'; got {events}")

    def _error(self, message: str) -> AppError:
        return AppError(f"{message}\n--- app log (tail) ---\n{tail(self.log_path)}")


@contextmanager
def running_app(
    project_dir: str | os.PathLike,
    stub: StubWorkspace,
    *,
    token: str = APP_TOKEN,
    value_from: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Iterator[RunningApp]:
    """Run the project's app.yaml `command`; yield once GET /health answers 200; always stop it.

    value_from: resource key -> value for app.yaml `valueFrom` entries (merged over
    DEFAULT_VALUE_FROM). extra_env: set last, overriding everything else.
    """
    project = Path(project_dir).resolve()
    spec = yaml.safe_load((project / "app.yaml").read_text()) or {}
    argv = _command(spec)
    scratch = Path(tempfile.mkdtemp(prefix="e2e-app-"))
    log_path = scratch / "app.log"
    process = None
    try:
        port = free_port()
        env = _app_env(spec, stub, token, scratch, {**DEFAULT_VALUE_FROM, **(value_from or {})}, port)
        env.update(extra_env or {})
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                argv,
                cwd=project,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stopping it stops its children
            )
        app = RunningApp(f"http://127.0.0.1:{port}", process, log_path, env)
        _wait_healthy(app, startup_timeout)
        yield app
    finally:
        if process is not None:
            terminate_group(process)
        shutil.rmtree(scratch, ignore_errors=True)


def _command(spec: dict) -> list[str]:
    command = spec.get("command")
    if not command:
        raise AppError("app.yaml has no `command` (the harness does not guess the platform default)")
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable  # the test venv; other tools resolve via PATH (venv bin first)
    return argv


def _app_env(
    spec: dict, stub: StubWorkspace, token: str, scratch: Path, value_from: Mapping[str, str], port: int
) -> dict[str, str]:
    env = isolated_env(stub.url, token, scratch)
    for entry in spec.get("env") or []:
        name = entry["name"]
        if "value" in entry:
            env[name] = str(entry["value"])
        elif entry.get("valueFrom") in value_from:
            env[name] = str(value_from[entry["valueFrom"]])
        else:
            raise AppError(
                f"app.yaml env {name}: no test value for valueFrom {entry.get('valueFrom')!r}; "
                f"pass running_app(..., value_from={{{entry.get('valueFrom')!r}: ...}})"
            )
    env.update(
        DATABRICKS_APP_PORT=str(port),
        DATABRICKS_APP_NAME=APP_NAME,
        AGENT_SERVER_HOST="127.0.0.1",
        DATABRICKS_HOST=stub.url,
        DATABRICKS_TOKEN=token,
    )
    # app.yaml's MLFLOW_TRACKING_URI=databricks is replaced here: see tracking_override().
    env.update(tracking_override(scratch))
    return env


def _wait_healthy(app: RunningApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with _client(2.0) as client:
        while time.monotonic() < deadline:
            if wait_exited_unreaped(app.process, 0):
                kill_group_and_reap(app.process)
                raise app._error(f"app exited with code {app.process.returncode} before /health answered")
            try:
                response = client.get(f"{app.url}/health")
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}"
            except httpx.TransportError as exc:
                last = repr(exc)
            time.sleep(0.1)
    raise app._error(f"/health did not answer 200 within {timeout}s (last: {last})")


def _client(timeout: float) -> httpx.Client:
    # trust_env=False: no proxy from the environment may sit between us and 127.0.0.1.
    return httpx.Client(timeout=timeout, trust_env=False)
