"""Starting the two sides: the original as Model Serving runs it, the app as Databricks Apps does.

Before: `serving_child.py` in the original's copy, with a Model Serving container's environment
pointed at the recording proxy (the serving identity's OAuth token in the file databricks-sdk's
ModelServingAuthProvider reads, `IS_IN_DB_MODEL_SERVING_ENV`, `DB_MODEL_SERVING_HOST_URL`) and the
invoking user's token set per request by the child.

After: app.yaml's `command` in the migrated copy, with app.yaml's `env`, what the platform injects
(`DATABRICKS_APP_PORT` on a free loopback port, `DATABRICKS_HOST` = the replaying proxy, the app's
own credentials) and MLflow tracking kept local; asked over HTTP with the user's token in
`x-forwarded-access-token`, as the Apps proxy passes it.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migrate_agent.verify import processes
from migrate_agent.verify.processes import LOCAL_EXPERIMENT_ID
from migrate_agent.verify.proxy import WINDOW_PATH

SERVING_TOKEN = "verify-serving-identity-token"  # the original's own identity (Model Serving's)
APP_TOKEN = "verify-app-identity-token"  # the app's service principal
SERVICE_TOKENS = frozenset({SERVING_TOKEN, APP_TOKEN})
_TOKEN_FILE = "model-dependencies-oauth-token"  # databricks-sdk's ModelServingAuthProvider
_CHILD = Path(__file__).with_name("serving_child.py")
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
MODES = ("invoke", "stream")  # /invocations, without and with "stream": true; predict, predict_stream
# The app's POST /responses (the OpenAI client's path), compared with a predict of the original
# asked at the same point: each side is asked as often and in the same order, so an agent that
# keeps state between requests (a history, a counter) is in the same state on both.
RESPONSES = "responses"


class SideError(RuntimeError):
    """A side could not run; the message says why (and carries its log's tail)."""


@dataclass(frozen=True, kw_only=True)
class Call:
    index: int  # the request's number, from 1
    label: str  # "request 1 invoke"
    mode: str  # "invoke", "stream" or "responses"
    payload: dict  # the app's request body
    original_payload: dict | None = None  # the original's, when it differs (a legacy agent's chat body)


def missing_module(log: str) -> str | None:
    found = _MISSING.findall(log)
    return found[-1] if found else None


# --- before -------------------------------------------------------------------------------


def start_original(
    children: processes.Children, *, project: Path, agent_file: str, scratch: Path, proxy_url: str,
    calls: list[Call], user_token: str, artifacts: dict[str, str], model_config: Any, input_example: Any = None,
) -> subprocess.Popen:
    scratch.mkdir(parents=True, exist_ok=True)
    credentials = scratch / "serving-credentials"
    credentials.mkdir()
    (credentials / _TOKEN_FILE).write_text(json.dumps({"OAUTH_TOKEN": [{"oauthTokenValue": SERVING_TOKEN}]}))
    spec = {
        "agent_file": agent_file,
        "model_dir": str(scratch / "model"),
        "artifacts": artifacts,
        "model_config": model_config,
        "input_example": input_example,
        "window_url": proxy_url + WINDOW_PATH,
        "save_token": user_token,
        "calls": [
            {"label": c.label, "mode": "predict_stream" if c.mode == "stream" else "predict",
             "payload": c.original_payload or c.payload, "user_token": user_token}
            for c in calls
        ],
    }
    (scratch / "spec.json").write_text(json.dumps(spec))
    env = processes.side_env(scratch)
    env.update(
        IS_IN_DB_MODEL_SERVING_ENV="true",
        SERVING_CREDENTIALS_DIR=str(credentials),
        DB_MODEL_SERVING_HOST_URL=proxy_url,
    )
    return children.start(
        [sys.executable, str(_CHILD), str(scratch / "spec.json"), str(scratch / "out.json")],
        cwd=project, env=env, log=scratch / "original.log",
    )


def read_original(scratch: Path, process: subprocess.Popen) -> dict:
    """The child's answers; SideError when it failed or could not load the agent."""
    log = processes.tail(scratch / "original.log", 10**7)
    out_path = scratch / "out.json"
    if not out_path.exists():
        raise SideError(
            f"the original's process failed (exit {processes.exit_code(process)})"
            + _missing_hint(missing_module(log)) + f"\n--- its log (tail) ---\n{log[-3000:]}"
        )
    out = json.loads(out_path.read_text())
    if out["load_error"]:
        raise SideError(
            f"the original cannot load as Model Serving loads it: {out['load_error']}"
            + _missing_hint(out.get("missing_module") or missing_module(log))
            + f"\n--- its log (tail) ---\n{log[-3000:]}"
        )
    return out


def _missing_hint(module: str | None) -> str:
    if not module:
        return ""
    return (f"\nmodule `{module}` is not installed in this environment: install the agent's "
            "requirements (or run verify in the agent's own environment)")


# --- after --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AppStart:
    process: subprocess.Popen
    url: str
    log: Path


def start_app(
    children: processes.Children, *, project: Path, scratch: Path, proxy_url: str, extra_env: dict[str, str],
) -> AppStart:
    app_yaml = project / "app.yaml"
    if not app_yaml.exists():
        raise SideError(f"{app_yaml.name} not found in the migrated project: run `migrate-agent apply` first")
    spec = yaml.safe_load(app_yaml.read_text(encoding="utf-8")) or {}
    command = spec.get("command")
    if not command:
        raise SideError("app.yaml has no `command`: verify starts the app the way app.yaml says")
    argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    scratch.mkdir(parents=True, exist_ok=True)
    env = processes.side_env(scratch)
    for entry in spec.get("env") or []:
        name = str(entry.get("name"))
        if name in extra_env:
            env[name] = extra_env[name]
        elif "value" in entry:
            env[name] = str(entry["value"])
        elif name == "MLFLOW_EXPERIMENT_ID":
            env[name] = LOCAL_EXPERIMENT_ID
        else:
            raise SideError(
                f"app.yaml env {name} takes its value from the app resource {entry.get('valueFrom')!r}, "
                f"which only exists when deployed: pass --env {name}=VALUE"
            )
    port = processes.free_port()
    env.update(extra_env)
    env.update(
        DATABRICKS_APP_PORT=str(port),
        DATABRICKS_APP_NAME="migrate-agent-verify",
        AGENT_SERVER_HOST="127.0.0.1",
        DATABRICKS_HOST=proxy_url,
        DATABRICKS_TOKEN=APP_TOKEN,
    )
    # app.yaml says MLFLOW_TRACKING_URI=databricks: traces stay local here (side_env's store).
    local = processes.side_env(scratch)
    env.update(MLFLOW_TRACKING_URI=local["MLFLOW_TRACKING_URI"], MLFLOW_REGISTRY_URI=local["MLFLOW_REGISTRY_URI"])
    log = scratch / "app.log"
    process = children.start(argv, cwd=project, env=env, log=log)
    return AppStart(process=process, url=f"http://127.0.0.1:{port}", log=log)


def app_healthy(app: AppStart) -> bool:
    """True once GET /health answers 200; SideError when the app has exited."""
    import httpx  # here, not at the top: the CLI loads this module for every command, only verify needs httpx

    if processes.exited(app.process):
        log = processes.tail(app.log, 10**7)
        raise SideError(
            f"the app exited with code {processes.exit_code(app.process)} before it answered"
            + _missing_hint(missing_module(log)) + f"\n--- its log (tail) ---\n{log[-3000:]}"
        )
    try:
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            return client.get(f"{app.url}/health").status_code == 200
    except httpx.TransportError:
        return False


def user_headers(token: str) -> dict[str, str]:
    """What the Apps proxy adds to each request of a signed-in user."""
    return {
        "x-forwarded-access-token": token,
        "x-forwarded-user": "verify-user@example.com",
        "x-forwarded-email": "verify-user@example.com",
        "x-forwarded-preferred-username": "verify-user",
    }


def ask_app(app: AppStart, call: Call, user_token: str, timeout: float) -> dict:
    """{"result": ...} (invoke and responses: the JSON answer; stream: the list of events) or
    {"error": ...}."""
    import httpx  # see app_healthy

    headers = user_headers(user_token)
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        if call.mode in ("invoke", RESPONSES):
            path = "/responses" if call.mode == RESPONSES else "/invocations"
            response = client.post(f"{app.url}{path}", json=call.payload, headers=headers)
            if response.status_code != 200:
                return {"error": f"HTTP {response.status_code}: {response.text[:2000]}"}
            return {"result": response.json()}
        events: list[dict] = []
        deadline = time.monotonic() + timeout
        body = {**call.payload, "stream": True}
        with client.stream("POST", f"{app.url}/invocations", json=body, headers=headers) as response:
            if response.status_code != 200:
                response.read()
                return {"error": f"HTTP {response.status_code}: {response.text[:2000]}"}
            for line in response.iter_lines():
                if time.monotonic() > deadline:
                    return {"error": f"the stream took over {timeout:g}s", "events": events}
                if not line.startswith("data:"):
                    continue
                data = line[len("data:"):].strip()
                if data == "[DONE]":
                    break
                event = json.loads(data)
                if isinstance(event, dict) and "error" in event and "type" not in event:
                    return {"error": str(event["error"]), "events": events}
                events.append(event)
        return {"result": events}
