"""The progress display: on stderr only when it is a terminal (a real pty here) and not --quiet,
erased at the end; stdout is byte for byte what a run without a terminal prints."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import threading
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
ERASE = b"\r\x1b[K"


def run(args: list[str], stderr_is_terminal: bool) -> tuple[int, bytes, bytes]:
    """Run the CLI with stdout to a pipe and stderr to a pty (or a pipe): code, stdout, stderr."""
    env = {**os.environ, "MIGRATE_AGENT_PROGRESS_DELAY": "0"}  # show it even on a short run
    command = [sys.executable, "-m", "migrate_agent", *args]
    if not stderr_is_terminal:
        done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
        return done.returncode, done.stdout, done.stderr
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal, env=env)
    os.close(terminal)
    seen: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout = process.stdout.read()
    code = process.wait(timeout=120)
    reader.join(timeout=30)
    os.close(controller)
    return code, stdout, b"".join(seen)


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(GOLDEN / "predict_and_stream" / "input", root)
    for i in range(30):  # files the prefilter reads and skips
        (root / f"module_{i}.py").write_text(f"VALUE_{i} = {i}\n")
    return root


def test_progress_on_a_terminal_is_erased_and_stdout_is_unchanged(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, stdout, stderr = run(["plan", str(root)], stderr_is_terminal=True)
    plain_code, plain_stdout, plain_stderr = run(["plan", str(root)], stderr_is_terminal=False)
    assert code == plain_code == 1
    # the first state is drawn at once (delay 0); later ones at most every REFRESH_SECONDS, so
    # a fast run may end before it redraws (the phases' texts: test_each_phase_is_drawn)
    assert b"Python files read" in stderr
    assert stderr.endswith(ERASE)  # the terminal keeps nothing of it
    assert plain_stderr == b""  # not a terminal: no progress at all
    assert stdout == plain_stdout and b"--- a/agent.py" in stdout


def test_each_phase_is_drawn(monkeypatch) -> None:
    import io

    from migrate_agent import progress as module

    monkeypatch.setattr(module, "REFRESH_SECONDS", 0.0)  # redraw on every event
    stream = io.StringIO()
    shown = module.Progress(stream=stream, delay=0.0)
    shown.file_read(True)
    shown.file_read(False)
    shown.file_migrated()
    shown.stage("planning the app and its deployment")
    shown.close()
    drawn = stream.getvalue()
    assert "2 Python files read, 1 may hold an agent" in drawn
    assert "1/1 agent files parsed and migrated" in drawn
    assert "1/1 agent files migrated; planning the app and its deployment" in drawn
    assert drawn.endswith(ERASE.decode())


def test_quiet_turns_the_display_off(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, stdout, stderr = run(["plan", "--quiet", "--format", "json", str(root)], stderr_is_terminal=True)
    assert code == 1
    assert stderr == b""
    assert stdout.startswith(b"{")


def test_common_invocations_start_without_typer_and_others_reach_the_full_cli(tmp_path: Path) -> None:
    from migrate_agent.entry import parse_common

    root = project(tmp_path)
    assert parse_common(["plan", str(root), "--format=json", "-j", "2", "-q"]) == (
        "plan", root, {"output_format": "json", "jobs": 2, "quiet": True}
    )
    assert parse_common(["apply", "--allow-dirty", "--diff", str(root)]) == (
        "apply", root, {"allow_dirty": True, "diff": True}
    )
    for argv in (
        ["plan", str(root), "--help"],
        ["plan", str(tmp_path / "missing")],
        ["plan", str(root), "--jobs", "0"],
        ["plan", str(root), "--format", "yaml"],
        ["plan", str(root), "--allow-dirty"],  # an apply option
        ["plan", str(root), "--model-dir", str(root / "agent.py")],  # not a directory
        ["plan", str(root), str(root)],
        ["rules"],
        [],
    ):
        assert parse_common(argv) is None, argv
    probe = (
        "import sys\nfrom migrate_agent.entry import main\n"
        f"sys.argv = ['migrate-agent', 'plan', '--check', {str(root)!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "print(code, 'typer' in sys.modules, 'mlflow' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "1 False False"
    assert "1 migrated" in done.stdout
    # The full CLI still answers what the fast path leaves to it.
    code, stdout, _ = run(["plan", "--help"], stderr_is_terminal=False)
    assert code == 0 and b"--quiet" in stdout
    code, _, stderr = run(["plan", str(tmp_path / "missing")], stderr_is_terminal=False)
    assert code == 2 and b"does not exist" in stderr
