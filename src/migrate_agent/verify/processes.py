"""The two sides' processes: a clean environment, and stopping them with everything they started.

Nothing of the caller's own Databricks / MLflow / OpenAI setup reaches a side: every client is
pointed at that side's loopback proxy. HTTP(S) proxies are set to a closed loopback port with
loopback exempt, so a client that would go anywhere else by itself fails instead of leaving the
machine. MLflow tracks (traces included) into a local file store of the scratch folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_DROPPED_PREFIXES = ("DATABRICKS_", "MLFLOW_", "OPENAI_", "AZURE_OPENAI_", "ANTHROPIC_", "IS_IN_DB")
_DROPPED = frozenset({"PYTHONPATH", "PYTHONHOME", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"})
_CLOSED_PORT_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens there
LOCAL_EXPERIMENT_ID = "0"  # the Default experiment every new tracking store has


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def side_env(scratch: Path) -> dict[str, str]:
    """The caller's environment without Databricks, MLflow, LLM and proxy settings; outbound
    HTTP only to loopback; MLflow tracking in `scratch`; no bytecode written beside the code."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.upper().startswith(_DROPPED_PREFIXES) and k.upper() not in _DROPPED
    }
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # A file store: ready at once (a new SQLite store spends seconds on its schema migrations,
    # on the first trace of the app's first request).
    store = (scratch / "mlruns").as_uri()
    env.update(
        {name: _CLOSED_PORT_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        DATABRICKS_CONFIG_FILE=str(scratch / "no-databrickscfg"),  # no profile of the caller's
        MLFLOW_TRACKING_URI=store,
        MLFLOW_REGISTRY_URI=store,
        MLFLOW_MODEL_CATALOG_URI="",  # no catalog download from the internet
    )
    return env


class Children:
    """The processes a block starts, each stopped with its group when the block ends, however it
    ends. A process is registered in the same step that starts it: Ctrl-C or SIGTERM arriving while
    it starts is held until it is registered, so no interrupt can leave one running unowned."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen] = []

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc_info: object) -> None:
        while self._started:
            stop(self._started.pop())

    def start(self, argv: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
        """Start `argv` in a process group of its own, its output into `log`."""
        with _interrupts_held(), open(log, "wb") as out:
            process = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._started.append(process)
        return process


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """SIGINT and SIGTERM received inside the block are delivered, to the handlers they had, when
    it ends. Only the main thread has signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda signum, frame: received.append(signum)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)


def exited(process: subprocess.Popen) -> bool:
    """True once the process has exited (left unreaped, so its group id stays ours)."""
    if process.returncode is not None:
        return True
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def exit_code(process: subprocess.Popen) -> int | None:
    """The exit code of a process `exited` says has exited, without reaping it."""
    if process.returncode is not None:
        return process.returncode
    info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return None if info is None else info.si_status


def stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the process group; SIGKILL what is left after `grace` seconds; reap the leader."""
    if process.returncode is not None:
        return
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while not exited(process) and time.monotonic() < deadline:
        time.sleep(0.02)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def tail(path: Path, limit: int = 4000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text if len(text) <= limit else "...\n" + text[-limit:]
