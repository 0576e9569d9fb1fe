"""Plain data the library hands around: what a plan holds, file by file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class FileStatus(str, Enum):
    MIGRATED = "migrated"  # an existing file the codemods rewrote
    UNCHANGED = "unchanged"  # read (or prefiltered) and nothing to do
    SKIPPED = "skipped"  # deliberately not handled (reason says why)
    FAILED = "failed"  # could not be parsed or converted (reason says why)
    CREATED = "created"  # a file the migration adds
    UPDATED = "updated"  # an existing project file (requirements, app.yaml...) the migration updates


@dataclass(frozen=True)
class ManualStep:
    """Something a person must do; `rule` is the id (MA001...) its TODO marker carries."""

    rule: str
    message: str
    path: str | None = None  # project-relative, POSIX separators
    line: int | None = None
    acknowledged: bool = False  # the user marked it done (ACK marker or .migrate-agent-ack)

    def location(self) -> str:
        if self.path is None:
            return "(project)"
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class FileResult:
    """One file of the plan: its bytes before and after (None before = new file)."""

    path: str  # project-relative, POSIX separators
    status: FileStatus
    reason: str | None = None
    line: int | None = None  # where a failure was found
    before: bytes | None = None
    after: bytes | None = None
    edits: list[str] = field(default_factory=list)  # one line per change a rule made

    @property
    def changed(self) -> bool:
        return self.after is not None and self.after != self.before


@dataclass
class Plan:
    """Everything a run would change: file results, manual steps, the deploy diff, notes, errors."""

    root: Path
    files: list[FileResult] = field(default_factory=list)
    manual_steps: list[ManualStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one-line remarks for the summary
    deploy_markdown: str = ""  # the deploy diff (Model Serving beside Apps), plain text
    deploy_json: dict = field(default_factory=dict)  # the same, as data
    errors: list[str] = field(default_factory=list)  # what made the run fail outside any file
    acknowledged: list[ManualStep] = field(default_factory=list)  # steps the user marked done
    stale_temp_files: list[str] = field(default_factory=list)  # left by a killed apply; apply removes them

    @property
    def changed_files(self) -> list[FileResult]:
        return [f for f in self.files if f.changed]

    @property
    def failed_files(self) -> list[FileResult]:
        return [f for f in self.files if f.status is FileStatus.FAILED]

    def exit_code(self) -> int:
        """0 nothing to do, 1 changes or manual steps, 2 a file failed (pyupgrade/ruff style)."""
        if self.failed_files or self.errors:
            return 2
        if self.changed_files or self.manual_steps:
            return 1
        return 0
