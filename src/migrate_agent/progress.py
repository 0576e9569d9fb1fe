"""A one-line progress display on stderr for runs that take more than about a second.

Shown only when stderr is a terminal (never in a pipe, a file or CI logs) and not `--quiet`;
it rewrites one line in place and erases it when the run ends, so what the terminal keeps and
everything on stdout are exactly what a run without it prints.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

DELAY_SECONDS = 1.0  # nothing is shown for runs shorter than this
REFRESH_SECONDS = 0.1


class Progress:
    """Counts files read and files migrated; draws them once the run is slow enough."""

    def __init__(self, stream: TextIO | None = None, delay: float | None = None) -> None:
        self._stream = stream
        if delay is None:  # tests set it to 0 to see the display on a short run
            delay = float(os.environ.get("MIGRATE_AGENT_PROGRESS_DELAY", DELAY_SECONDS))
        now = time.monotonic()
        self._show_after = now + delay
        self._next_draw = now
        self._drawn = False
        self.read = 0
        self.candidates = 0
        self.migrated = 0
        self.phase = "reading"

    @classmethod
    def for_terminal(cls, quiet: bool) -> "Progress | None":
        """A display on stderr, or None when quiet or stderr is not a terminal."""
        stream = sys.stderr
        if quiet or stream is None or not stream.isatty():
            return None
        return cls(stream)

    def file_read(self, candidate: bool) -> None:
        self.read += 1
        self.candidates += candidate
        self._maybe_draw()

    def file_migrated(self) -> None:
        self.phase = "migrating"
        self.migrated += 1
        self._maybe_draw()

    def stage(self, phase: str) -> None:
        self.phase = phase
        self._maybe_draw()

    def close(self) -> None:
        """Erase the line (the terminal keeps nothing of it)."""
        if self._drawn:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._drawn = False

    def text(self) -> str:
        if self.phase == "reading":
            return f"migrate-agent: {self.read} Python files read, {self.candidates} may hold an agent"
        if self.phase == "migrating":
            return f"migrate-agent: {self.migrated}/{self.candidates} agent files parsed and migrated"
        return f"migrate-agent: {self.migrated}/{self.candidates} agent files migrated; {self.phase}"

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        if now < self._show_after or now < self._next_draw:
            return
        self._next_draw = now + REFRESH_SECONDS
        self._stream.write("\r\033[K" + self.text())
        self._stream.flush()
        self._drawn = True
