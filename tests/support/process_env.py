"""Environment for the subprocesses the harness starts (migrated app, original agent).

Nothing from the developer's own Databricks/MLflow/OpenAI setup may leak in; Databricks, MLflow
and OpenAI clients are pointed at the stub workspace on 127.0.0.1. As a best-effort guard
against hard-coded external URLs, HTTP(S) proxies are set to a closed loopback port (loopback
itself exempt via NO_PROXY): requests/httpx/urllib calls to anywhere else fail fast instead of
leaving the machine. Raw sockets are not covered.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from contextlib import closing
from pathlib import Path

# Inherited variables that could send a client elsewhere or change how it authenticates
# (DATABRICKS_CONFIG_PROFILE, DATABRICKS_CLIENT_ID, MLFLOW_TRACKING_URI, OPENAI_API_KEY, ...).
_DROPPED_PREFIXES = ("DATABRICKS_", "MLFLOW_", "OPENAI_", "AZURE_OPENAI_", "ANTHROPIC_")
_DROPPED = {"PYTHONPATH", "PYTHONHOME", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
_BLACKHOLE_PROXY = "http://127.0.0.1:9"  # discard port: nothing listens, connections are refused


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracking_override(scratch_dir: Path) -> dict[str, str]:
    """MLflow settings that keep tracing on but entirely local (see init_tracking_store).

    app.yaml says MLFLOW_TRACKING_URI=databricks; with DATABRICKS_HOST at the stub, every
    trace would be exported to the stub (404s and retries in a background thread, noise in the
    log, and `mlflow.set_active_model`-style startup calls would fail outright). Turning tracing
    off instead would hide real behaviour (`@mlflow.trace` wrappers, the agent server's root
    span, serialising span inputs/outputs). So the tracking URI is replaced by a throwaway
    SQLite store in `scratch_dir`: spans are built and exported exactly as in production, only
    to a local file. The registry URI goes the same way so no model-registry call can leave
    either. Experiment "0" (LOCAL_EXPERIMENT_ID) is the store's Default experiment, which
    always exists; a made-up id would make `MLFLOW_EXPERIMENT_ID` fail validation.
    """
    store = f"sqlite:///{scratch_dir / 'mlflow.db'}"
    return {"MLFLOW_TRACKING_URI": store, "MLFLOW_REGISTRY_URI": store}


LOCAL_EXPERIMENT_ID = "0"


def init_tracking_store(scratch_dir: Path) -> None:
    """Create the SQLite store of tracking_override() before the child starts.

    Left to itself, the child would create it with the default artifact root "./mlruns",
    relative to its cwd: trace artifacts (mlruns/0/traces/...) would land in the project under
    test. Created here, experiment "0" keeps its artifacts in `scratch_dir/mlruns`.

    Creating a store runs MLflow's schema migrations (about a second); that is done once per
    pytest process, into a template that each call copies, then points at its own artifact root.
    """
    scratch_dir.mkdir(parents=True, exist_ok=True)
    target = scratch_dir / "mlflow.db"
    shutil.copyfile(_template_store(), target)
    with closing(sqlite3.connect(target)) as db, db:
        db.execute(
            "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
            (str(scratch_dir / "mlruns"), int(LOCAL_EXPERIMENT_ID)),
        )


_TEMPLATE_LOCK = threading.Lock()
_template: list[Path] = []


def _template_store() -> Path:
    with _TEMPLATE_LOCK:
        if not _template:
            folder = Path(tempfile.mkdtemp(prefix="e2e-mlflow-template-"))
            atexit.register(shutil.rmtree, folder, True)
            with warnings.catch_warnings():  # SQLAlchemy deprecation noise from MLflow's mappers
                warnings.simplefilter("ignore")
                from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

                uri = tracking_override(folder)["MLFLOW_TRACKING_URI"]
                SqlAlchemyStore(uri, default_artifact_root=str(folder / "mlruns")).engine.dispose()
            _template.append(folder / "mlflow.db")
        return _template[0]


def base_env(scratch_dir: Path) -> dict[str, str]:
    """The parent's environment minus Databricks/MLflow/proxy settings, plus the loopback-only
    proxy guard and a fresh local tracking store in `scratch_dir`. No Databricks credentials."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_DROPPED_PREFIXES) and k.upper() not in _DROPPED
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env.update(
        {name: _BLACKHOLE_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ left in the project under test
        # A path that does not exist: ~/.databrickscfg must not add a profile's settings.
        DATABRICKS_CONFIG_FILE=str(scratch_dir / "no-databrickscfg"),
        # MLflow prices LLM spans (autolog) with a model catalog it downloads from the internet;
        # blocked here, it retries with back-off for seconds, at exit too. "" turns the download
        # off (the catalog bundled with MLflow is used instead).
        MLFLOW_MODEL_CATALOG_URI="",
    )
    init_tracking_store(scratch_dir)
    env.update(tracking_override(scratch_dir))
    return env


def isolated_env(stub_url: str, token: str, scratch_dir: Path) -> dict[str, str]:
    """base_env() plus DATABRICKS_HOST = the stub and DATABRICKS_TOKEN = `token`."""
    env = base_env(scratch_dir)
    env.update(DATABRICKS_HOST=stub_url, DATABRICKS_TOKEN=token)
    return env


def tail(path: Path, limit: int = 6000) -> str:
    """The last `limit` characters of a log file ("" if it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text if len(text) <= limit else "...\n" + text[-limit:]


# ---- stopping what we started ------------------------------------------------------------
# Children are started with start_new_session=True, so each is the leader of its own process
# group (group id = its pid) and signalling the group reaches whatever it spawned. The leader
# is reaped only after the group has been killed: until then its pid, and so the group id,
# cannot be reused by an unrelated process.


def terminate_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the group; after `grace` seconds (or once the leader exited) SIGKILL the rest."""
    if process.returncode is not None:
        return  # already reaped: its pid may belong to someone else by now
    _signal_group(process.pid, signal.SIGTERM)
    wait_exited_unreaped(process, grace)
    kill_group_and_reap(process)


def wait_exited_unreaped(process: subprocess.Popen, timeout: float) -> bool:
    """True once the leader has exited (it stays a zombie, WNOWAIT); False after `timeout`."""
    deadline = time.monotonic() + timeout
    while process.returncode is None:
        if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def kill_group_and_reap(process: subprocess.Popen) -> None:
    if process.returncode is None:
        _signal_group(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # nobody left in the group
