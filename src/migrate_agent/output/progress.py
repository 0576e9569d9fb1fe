"""A one-line progress display on stderr for runs that take more than about a second.

Drawn by rich on a stderr console, only when stderr is a terminal (never in a pipe, a file or CI
logs) and not `--quiet`. It is transient: rich erases it when the run ends, so what the terminal
keeps and everything on stdout are exactly what a run without it prints.
"""

from __future__ import annotations

import os
import sys
import time

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn

DELAY_SECONDS = 1.0  # nothing is shown for runs shorter than this


class Progress:
    """Counts files read and files migrated; shows them once the run is slow enough."""

    def __init__(self, console: Console, delay: float | None = None) -> None:
        if delay is None:  # tests set it to 0 to see the display on a short run
            delay = float(os.environ.get("MIGRATE_AGENT_PROGRESS_DELAY", DELAY_SECONDS))
        self._show_after = time.monotonic() + delay
        # stdout and stderr stay the process's own: the report is written to stdout untouched.
        self._display = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = None
        self.read = 0
        self.candidates = 0
        self.migrated = 0
        self.phase = "reading"

    @classmethod
    def for_terminal(cls, quiet: bool) -> "Progress | None":
        """A display on stderr, or None when quiet or stderr is not a terminal."""
        if quiet or sys.stderr is None or not sys.stderr.isatty():
            return None
        return cls(Console(stderr=True))

    def file_read(self, candidate: bool) -> None:
        self.read += 1
        self.candidates += candidate
        self._show()

    def file_migrated(self) -> None:
        self.phase = "migrating"
        self.migrated += 1
        self._show()

    def stage(self, phase: str) -> None:
        self.phase = phase
        self._show()

    def close(self) -> None:
        """Stop the display; rich erases it (the terminal keeps nothing of it)."""
        self._show_after = float("inf")  # and it is not shown again
        if self._task is not None:
            self._display.stop()
            self._task = None

    def text(self) -> str:
        if self.phase == "reading":
            return f"migrate-agent: {self.read} Python files read, {self.candidates} may hold an agent"
        if self.phase == "migrating":
            return f"migrate-agent: {self.migrated}/{self.candidates} agent files parsed and migrated"
        return f"migrate-agent: {self.migrated}/{self.candidates} agent files migrated; {self.phase}"

    def _show(self) -> None:
        """Start the display once the delay has passed, then give it the current text (rich
        redraws it a few times a second)."""
        if self._task is None:
            if time.monotonic() < self._show_after:
                return
            self._task = self._display.add_task(self.text(), total=None)
            self._display.start()
        else:
            self._display.update(self._task, description=self.text())
