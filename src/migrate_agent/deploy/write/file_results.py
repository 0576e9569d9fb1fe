"""FileResult entries for the files the deployment creates or updates."""

from __future__ import annotations

from pathlib import Path

from migrate_agent.model import FileResult, FileStatus


def read_bytes(root: Path, path: str) -> bytes | None:
    full = root / path
    try:
        return full.read_bytes() if full.is_file() else None
    except OSError:
        return None


def file_result(root: Path, path: str, after_text: str, edits: list[str] | None = None) -> FileResult:
    """CREATED (no file yet), UPDATED (content changes) or UNCHANGED (same bytes)."""
    before = read_bytes(root, path)
    after = after_text.encode("utf-8")
    if before is None:
        status = FileStatus.CREATED
    elif before == after:
        status = FileStatus.UNCHANGED
    else:
        status = FileStatus.UPDATED
    return FileResult(path=path, status=status, before=before, after=after, edits=list(edits or []))


def kept_result(root: Path, path: str, reason: str) -> FileResult:
    """An existing file deliberately left as it is."""
    before = read_bytes(root, path)
    return FileResult(path=path, status=FileStatus.UNCHANGED, reason=reason, before=before, after=before)


def failed_result(root: Path, path: str, reason: str, line: int | None = None) -> FileResult:
    before = read_bytes(root, path)
    return FileResult(path=path, status=FileStatus.FAILED, reason=reason, line=line, before=before, after=None)
