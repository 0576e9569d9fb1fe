"""The progress display: on stderr only when it is a terminal (a real pty here) and not --quiet,
gone from the terminal at the end; stdout is byte for byte what a run without a terminal prints."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

from rich.console import Console

from migrate_agent.output.progress import Progress

GOLDEN = Path(__file__).parent / "golden"
CSI = re.compile(rb"\x1b\[([?0-9;]*)([A-Za-z])")


def screen(output: bytes) -> list[str]:
    """The lines a terminal shows after `output` (text, \\r, \\n, cursor up/down, erase line;
    colours and cursor visibility change nothing shown). Another control sequence fails."""
    rows: dict[int, list[str]] = {}
    row = col = 0
    position = 0
    text = output
    while position < len(text):
        match = CSI.match(text, position)
        if match:
            params, command = match.group(1).decode(), match.group(2).decode()
            count = int(params or 1) if params.isdigit() or not params else 1
            if command == "A":
                row = max(0, row - count)
            elif command == "B":
                row += count
            elif command == "K":
                line = rows.setdefault(row, [])
                rows[row] = [] if params == "2" else line[:col]
            elif command not in "mhl":
                raise AssertionError(f"unexpected control sequence {match.group(0)!r}")
            position = match.end()
            continue
        char = text[position:position + 1]
        position += 1
        if char == b"\r":
            col = 0
        elif char == b"\n":
            row, col = row + 1, 0
        else:
            # a multi-byte UTF-8 character (the spinner) takes one cell
            while position < len(text) and 0x80 <= text[position] < 0xC0:
                char += text[position:position + 1]
                position += 1
            line = rows.setdefault(row, [])
            line.extend(" " * (col - len(line)))
            line[col:col + 1] = [char.decode()]
            col += 1
    return [shown for shown in ("".join(rows[r]).rstrip() for r in sorted(rows)) if shown]


def run(args: list[str], stderr_is_terminal: bool, columns: int = 120) -> tuple[int, bytes, bytes]:
    """Run the CLI with stdout to a pipe and stderr to a pty of `columns` columns (or a pipe):
    code, stdout, stderr."""
    env = {
        **os.environ,
        "MIGRATE_AGENT_PROGRESS_DELAY": "0",  # show it even on a short run
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "LINES": "40",
    }
    command = [sys.executable, "-m", "migrate_agent", *args]
    if not stderr_is_terminal:
        done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
        return done.returncode, done.stdout, done.stderr
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
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


def test_progress_on_a_terminal_is_shown_then_erased_and_stdout_is_unchanged(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, stdout, stderr = run(["plan", str(root)], stderr_is_terminal=True)
    plain_code, plain_stdout, plain_stderr = run(["plan", str(root)], stderr_is_terminal=False)
    assert code == plain_code == 1
    assert b"Python files read" in stderr  # shown at once (delay 0)
    assert screen(stderr) == []  # the terminal keeps nothing of it
    assert plain_stderr == b""  # not a terminal: no progress at all
    assert stdout == plain_stdout and b"--- a/agent.py" in stdout


def test_a_narrow_terminal_gets_a_shorter_line_erased_the_same(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, stdout, stderr = run(["plan", str(root)], stderr_is_terminal=True, columns=30)
    assert code == 1
    assert b"migrate-agent" in stderr
    visible = CSI.sub(b"", stderr).decode()
    assert all(len(line) <= 30 for line in re.split(r"[\r\n]", visible))  # nothing wraps
    assert screen(stderr) == []
    assert stdout == run(["plan", str(root)], stderr_is_terminal=False)[1]


def test_quiet_turns_the_display_off(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, stdout, stderr = run(["plan", "--quiet", "--format", "json", str(root)], stderr_is_terminal=True)
    assert code == 1
    assert stderr == b""
    assert stdout.startswith(b"{")


def test_each_phase_has_its_line_and_close_erases_it() -> None:
    output = io.StringIO()
    shown = Progress(Console(file=output, force_terminal=True, width=100), delay=0.0)
    shown.file_read(True)
    shown.file_read(False)
    assert shown.text() == "migrate-agent: 2 Python files read, 1 may hold an agent"
    shown.file_migrated()
    assert shown.text() == "migrate-agent: 1/1 agent files parsed and migrated"
    shown.stage("planning the app and its deployment")
    assert shown.text() == "migrate-agent: 1/1 agent files migrated; planning the app and its deployment"
    shown.close()
    drawn = output.getvalue().encode()
    assert b"1 Python files read, 1 may hold an agent" in drawn  # drawn when it started
    assert screen(drawn) == []
    shown.stage("after the end")  # nothing is drawn once closed
    assert output.getvalue().encode() == drawn


def test_a_short_run_shows_nothing() -> None:
    output = io.StringIO()
    shown = Progress(Console(file=output, force_terminal=True, width=100), delay=60.0)
    shown.file_read(True)
    shown.file_migrated()
    shown.close()
    assert output.getvalue() == ""
