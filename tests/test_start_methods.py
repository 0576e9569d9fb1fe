"""Parallel runs under every multiprocessing start method (issue 13, item 5).

Python 3.14 makes `forkserver` the default on Linux: a worker's parent is then the fork server,
not the main process. A parallel `plan` must print what a serial one prints under fork,
forkserver and spawn, and its workers must exit when the main process is killed or interrupted.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
AGENT = (GOLDEN / "predict_only" / "input" / "agent.py").read_bytes()
METHODS = [m for m in ("fork", "forkserver", "spawn") if m in multiprocessing.get_all_start_methods()]

# The CLI's main under a chosen start method (a file, not -c: spawn re-imports the main module).
CLI = textwrap.dedent(
    """
    import multiprocessing
    import sys

    if __name__ == "__main__":
        multiprocessing.set_start_method(sys.argv[1])
        sys.argv = ["migrate-agent", *sys.argv[2:]]
        from migrate_agent.cli import main

        main()
    """
)

# Every file takes two minutes in a worker; each worker says it started (a file named by its pid).
SLOW_RULE = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    def slow(path, data, *facts):
        Path(os.environ["STARTED"], str(os.getpid())).touch()
        time.sleep(120)
    """
)
SLOW_PLAN = textwrap.dedent(
    """
    import multiprocessing
    import sys

    if __name__ == "__main__":
        multiprocessing.set_start_method(sys.argv[1])
        import migrate_agent.api as api
        import migrate_agent.migrate.workers as workers
        import slow_rule

        workers.migrate_source = slow_rule.slow  # the workers import it by name under every method
        api.plan_project(sys.argv[2], jobs=2)
    """
)


def _project(root: Path, agents: int) -> Path:
    for team in "abcd"[:agents]:
        (root / team).mkdir(parents=True)
        (root / team / "agent.py").write_bytes(AGENT)
    return root


def _env(*paths: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("method", METHODS)
def test_parallel_plan_prints_what_a_serial_one_prints(tmp_path: Path, method: str) -> None:
    project = _project(tmp_path / "project", 2)
    script = tmp_path / "cli_main.py"
    script.write_text(CLI)

    def plan(jobs: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(script), method, "plan", "--jobs", jobs, str(project)],
            capture_output=True, text=True, timeout=180, check=False,
        )

    serial, parallel = plan("1"), plan("2")
    assert serial.returncode == 1, serial.stderr  # changes to make
    assert (parallel.returncode, parallel.stdout) == (serial.returncode, serial.stdout), parallel.stderr
    assert "BrokenProcessPool" not in parallel.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
@pytest.mark.parametrize("method", METHODS)
def test_workers_exit_with_the_main_process(tmp_path: Path, method: str, how: str) -> None:
    project = _project(tmp_path / "project", 4)
    code = tmp_path / "code"
    code.mkdir()
    (code / "slow_rule.py").write_text(SLOW_RULE)
    (code / "slow_plan.py").write_text(SLOW_PLAN)
    started = tmp_path / "started"
    started.mkdir()
    main = subprocess.Popen(
        [sys.executable, str(code / "slow_plan.py"), method, str(project)],
        env=_env(code, STARTED=str(started)), stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(workers := [int(p.name) for p in started.iterdir()]) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) >= 2, "the worker pool did not start"
        main.send_signal(getattr(signal, how))
        main.wait(timeout=60)  # each worker sleeps 120 s: waiting for them would take that long
    finally:
        if main.poll() is None:
            main.kill()
            main.wait()
    assert main.returncode != 0
    deadline = time.monotonic() + 30  # generous: a worker checks every 0.2 s
    while alive := [pid for pid in workers if _running(pid)]:
        if time.monotonic() > deadline:
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"workers {alive} outlived the main process ({how}, {method})")
        time.sleep(0.2)
