"""Run the ORIGINAL (Model Serving) agent in a subprocess, as Model Serving would, against the stub.

User code is never imported into the pytest process: `_original_main.py` loads the agent file
in a fresh interpreter (cwd = project dir) and calls it through MLflow's ResponsesAgent pyfunc
wrapper. The child's environment is that of a Model Serving container (see `serving_env`):
`WorkspaceClient()` authenticates as the serving identity from the mounted token file
(SERVICE_TOKEN), and `WorkspaceClient(credentials_strategy=ModelServingUserCredentials())` as the
invoking user, whose token the child sets on the main thread before each call.

    run = run_original_calls(project, stub, [Call("predict", payload, user_token="tok-A"),
                                             Call("predict", payload, user_token="tok-B")])
    run.calls[1].result     # predict's answer for B
    run.calls[1].requests   # what the stub received while B's call ran

Per-call request windows come from markers the child posts to the stub (StubWorkspace.windows),
so nothing else may talk to `stub` while a run is in progress: give the original its own stub
when an app runs at the same time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from tests.support.notebook_original import write_notebook_files
from tests.support.process_env import base_env, kill_group_and_reap, tail, wait_exited_unreaped
from tests.support.stub_workspace import MARK_PATH, RecordedRequest, StubWorkspace

SERVICE_TOKEN = "serving-sp-token"  # the serving identity's token, in the mounted token file
SERVING_TOKEN = SERVICE_TOKEN  # older name
INVOKER_TOKEN = "invoker-token"  # the invoking user's, when a test does not pick one
MODES = ("predict", "predict_stream")
TOKEN_FILE = "model-dependencies-oauth-token"  # databricks-sdk ModelServingAuthProvider
_CHILD = Path(__file__).with_name("_original_main.py")
_SHIMS = Path(__file__).with_name("shims")
_SET_MODEL = re.compile(r"\bset_model\s*\(")


class OriginalError(RuntimeError):
    """The original agent's process failed, or the agent could not be loaded."""


@dataclass
class Call:
    mode: str  # "predict" or "predict_stream"
    payload: dict
    user_token: str | None = INVOKER_TOKEN  # None: no invoker token at all


@dataclass
class CallResult:
    call: Call
    result: Any = None  # predict: the response dict; predict_stream: the list of event dicts
    error: str | None = None  # "Type: message" when the call raised
    requests: list[RecordedRequest] = field(default_factory=list)  # stub log while it ran


@dataclass
class OriginalRun:
    implements: dict[str, bool]  # which of predict / predict_stream the agent class defines
    load_error: str | None
    first_load_error: str | None  # set when the first load failed (see retry_load_user_token)
    load_requests: list[RecordedRequest]  # stub log while the agent file was loaded
    calls: list[CallResult]
    log: str  # the child's stdout + stderr

    def first(self, mode: str) -> CallResult:
        return next(c for c in self.calls if c.call.mode == mode)


@dataclass
class OriginalResult:
    """Compact form for one payload: what predict and predict_stream returned."""

    predict: dict | None = None
    predict_stream: list[dict] = field(default_factory=list)
    log: str = ""


def find_agent_file(project_dir: str | os.PathLike) -> str:
    """The project's file that calls set_model (the models-from-code file), relative path."""
    project = Path(project_dir)
    found = sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*.py")
        if "__pycache__" not in p.parts and _SET_MODEL.search(_code_lines(p.read_text(errors="replace")))
    )
    if len(found) == 1:
        return found[0]
    if "agent.py" in found or (not found and (project / "agent.py").exists()):
        return "agent.py"
    raise OriginalError(f"cannot tell the agent file of {project}: set_model in {found or 'no file'}")


def _code_lines(text: str) -> str:
    """The file without its comment lines (a notebook's `# MAGIC %%writefile` cell is not code)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def serving_env(stub_url: str, scratch_dir: Path, service_token: str = SERVICE_TOKEN) -> dict[str, str]:
    """A Model Serving container's environment, pointed at the stub: no DATABRICKS_HOST/TOKEN;
    the serving identity's OAuth token in SERVING_CREDENTIALS_DIR; the workspace URL in
    DB_MODEL_SERVING_HOST_URL."""
    env = base_env(scratch_dir)
    env.update(serving_variables(stub_url, scratch_dir / "serving-credentials", service_token))
    return env


def serving_variables(stub_url: str, credentials_dir: Path, service_token: str = SERVICE_TOKEN) -> dict[str, str]:
    """The Model Serving variables the Databricks SDK reads, with the token file they point to
    written into `credentials_dir`."""
    credentials_dir.mkdir(parents=True, exist_ok=True)
    (credentials_dir / TOKEN_FILE).write_text(
        json.dumps({"OAUTH_TOKEN": [{"oauthTokenValue": service_token}]})
    )
    return {
        "IS_IN_DB_MODEL_SERVING_ENV": "true",
        "SERVING_CREDENTIALS_DIR": str(credentials_dir),
        "DB_MODEL_SERVING_HOST_URL": stub_url,
    }


def run_original_calls(
    project_dir: str | os.PathLike,
    stub: StubWorkspace,
    calls: Sequence[Call],
    *,
    agent_file: str | None = None,
    service_token: str = SERVICE_TOKEN,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    allow_load_error: bool = False,
    load_user_token: str | None = None,
    retry_load_user_token: str | None = None,
    serving_context: dict | None = None,
) -> OriginalRun:
    """Load the agent once, make `calls` in order (each one's errors are recorded, not raised).

    Raises OriginalError if the process fails, or if the agent cannot be loaded unless
    allow_load_error (then `load_error` says why and `calls` is empty).

    load_user_token: an invoker token present while the agent file is loaded. Model Serving
    has no invoking user at load time (the default, None), so an agent that builds a
    ModelServingUserCredentials client at load fails there; a token here lets such an agent
    load, to see what it would do per request (its clients re-read the token on every call).
    retry_load_user_token: if loading fails, load once more (same process) with this token;
    `first_load_error` then says why the first load failed.
    serving_context: what log_model logged, {"artifacts": {name: project path}, "model_config":
    {...}}, given to load_context (and to a PythonModel's predict) as Model Serving does; with
    "signature_example" (a PythonModel logged with a signature inferred from that example) its
    requests go through MLflow's schema enforcement, as on Model Serving.
    """
    project = Path(project_dir).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="e2e-original-"))
    try:
        if agent_file is None:
            try:
                agent_file = find_agent_file(project)
            except OriginalError:  # the agent may live in a notebook's %%writefile cell only
                agent_file = write_notebook_files(project, scratch / "project")
                if agent_file is None:
                    raise
                project = scratch / "project"
        run_id = uuid.uuid4().hex
        spec_path, out_path, log_path = scratch / "spec.json", scratch / "out.json", scratch / "log.txt"
        spec_path.write_text(json.dumps({
            "project_dir": str(project),
            "agent_file": agent_file,
            "run_id": run_id,
            "mark_url": stub.url + MARK_PATH,
            "shim_dir": str(_SHIMS),
            "load_user_token": load_user_token,
            "retry_load_user_token": retry_load_user_token,
            "serving_context": serving_context,
            "calls": [{"mode": c.mode, "payload": c.payload, "user_token": c.user_token} for c in calls],
        }))
        env = {**serving_env(stub.url, scratch, service_token), **(extra_env or {})}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, str(_CHILD), str(spec_path), str(out_path)],
                cwd=project, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        try:
            finished = wait_exited_unreaped(process, timeout)
        finally:
            kill_group_and_reap(process)  # also ends anything the agent left running
        if not finished:
            raise OriginalError(f"original agent took over {timeout}s\n--- log (tail) ---\n{tail(log_path)}")
        if process.returncode != 0 or not out_path.exists():
            raise OriginalError(
                f"original agent process failed (exit {process.returncode})\n"
                f"--- log (tail) ---\n{tail(log_path)}"
            )
        out = json.loads(out_path.read_text())
        log_text = tail(log_path, 10**9)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    if out["load_error"] and not allow_load_error:
        raise OriginalError(f"original agent could not be loaded: {out['load_error']}\n--- log ---\n{log_text}")
    windows = stub.windows(run_id)
    results = [
        CallResult(call, entry.get("result"), entry.get("error"), windows.get(f"call-{i}", []))
        for i, (call, entry) in enumerate(zip(calls, out["calls"]))
    ]
    return OriginalRun(
        out["implements"], out["load_error"], out.get("first_load_error"),
        windows.get("load", []), results, log_text,
    )


def run_original(
    project_dir: str | os.PathLike,
    payload: dict,
    stub: StubWorkspace,
    *,
    agent_file: str | None = None,
    modes: Sequence[str] = MODES,
    user_token: str | None = INVOKER_TOKEN,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> OriginalResult:
    """predict and/or predict_stream on one payload, in one process; any error raises."""
    run = run_original_calls(
        project_dir, stub, [Call(mode, payload, user_token) for mode in modes],
        agent_file=agent_file, extra_env=extra_env, timeout=timeout,
    )
    failed = [f"{c.call.mode}: {c.error}" for c in run.calls if c.error]
    if failed:
        raise OriginalError(f"original agent failed: {failed}\n--- log ---\n{run.log}")
    by_mode = {c.call.mode: c.result for c in run.calls}
    return OriginalResult(by_mode.get("predict"), by_mode.get("predict_stream") or [], run.log)
