"""Bytes in, bytes out: read a source file as it is, write one back atomically."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".migrate-agent", dir=path.parent)
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
