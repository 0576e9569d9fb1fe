"""verify's sides are started so that no interrupt can leave one running: a Ctrl-C or SIGTERM that
arrives while a process is being started is held until the process is registered, then delivered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from migrate_agent.verify import processes

_REAL_POPEN = subprocess.Popen
SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _interrupted_right_after_fork(signum: int):
    """A Popen whose caller is signalled the moment the child exists, before Popen returns."""

    def popen(*args, **kwargs):
        process = _REAL_POPEN(*args, **kwargs)
        signal.raise_signal(signum)
        return process

    return popen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_while_a_side_starts_still_stops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[subprocess.Popen] = []
    popen = _interrupted_right_after_fork(signal.SIGINT)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(popen(*a, **k)) or started[-1])
    with pytest.raises(KeyboardInterrupt), processes.Children() as children:
        children.start(SLEEPER, cwd=tmp_path, env=dict(os.environ), log=tmp_path / "log")
        pytest.fail("the interrupt was not delivered once the process was registered")
    (process,) = started
    assert process.returncode is not None, "the started process was left running"
    assert not _alive(process.pid)


def test_sigterm_while_a_side_starts_reaches_its_handler_once_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """verify turns SIGTERM into KeyboardInterrupt; held, it still stops what was started."""
    started: list[subprocess.Popen] = []
    delivered: list[int] = []

    def handler(signum, frame):
        delivered.append(signum)
        raise KeyboardInterrupt

    popen = _interrupted_right_after_fork(signal.SIGTERM)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(popen(*a, **k)) or started[-1])
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(KeyboardInterrupt), processes.Children() as children:
            children.start(SLEEPER, cwd=tmp_path, env=dict(os.environ), log=tmp_path / "log")
    finally:
        restored = signal.signal(signal.SIGTERM, previous)
    assert delivered == [signal.SIGTERM]
    assert restored is handler, "the held signals' own handlers were not put back"
    (process,) = started
    assert process.returncode is not None and not _alive(process.pid)
