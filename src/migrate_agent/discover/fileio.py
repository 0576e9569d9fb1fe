"""Bytes in, bytes out: read a source file as it is, write one back atomically."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"
TEMP_SUFFIX = ".migrate-agent"
_pending_temp_files: set[str] = set()  # written but not yet renamed into place


def split_bom(data: bytes) -> tuple[bytes, bytes]:
    """(bom, rest): libcst parses the rest; the BOM is put back on write."""
    if data.startswith(UTF8_BOM):
        return UTF8_BOM, data[len(UTF8_BOM) :]
    return b"", data


def newline_of(data: bytes) -> bytes:
    """The file's line ending (the first one found), for files the tool writes into."""
    index = data.find(b"\n")
    if index > 0 and data[index - 1 : index] == b"\r":
        return b"\r\n"
    return b"\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory + rename; keep an existing file's mode."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    _pending_temp_files.add(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
        _pending_temp_files.discard(tmp)
    except BaseException:
        remove_temp_files()
        raise


def remove_temp_files() -> None:
    """Delete temp files of writes that did not finish (an error or a signal stopped them)."""
    for tmp in list(_pending_temp_files):
        Path(tmp).unlink(missing_ok=True)
        _pending_temp_files.discard(tmp)


def why_unwritable(path: Path) -> str | None:
    """Why `path` cannot be (over)written, or None when it can, checked before writing anything."""
    if path.is_dir():
        return "it is a directory"
    if path.exists() and not os.access(path, os.W_OK):
        return "permission denied (read-only file)"
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"permission denied (directory {parent} is not writable)"
    return None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
