"""Bytes in, bytes out: read a source file as it is, write one back atomically."""

from __future__ import annotations

import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"
TEMP_SUFFIX = ".migrate-agent"
# `.NAME.<random>.migrate-agent`: the temp files write_atomic creates (mkstemp's random part is
# letters, digits and underscores).
_OWN_TEMP_FILE = re.compile(r"\..+\.[A-Za-z0-9_]+" + re.escape(TEMP_SUFFIX))
_pending_temp_files: set[str] = set()  # written but not yet renamed into place
_holding = 0  # > 0 while a temp file is created and registered, or the temp files removed
_held: list[int] = []  # signals that arrived meanwhile: acted on once that is done


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
    """Write via a temp file in the same directory + rename; keep an existing file's mode. A
    symbolic link is written through: the file it points at gets the new content.

    Under :func:`signals_as_exit`, a signal that arrives while the temp file is being created
    waits until it is registered for removal, so no temp file is ever left unregistered."""
    if path.is_symlink():  # write through it: the link stays (why_unwritable checked where it points)
        path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    with _uninterrupted():
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
    with _uninterrupted():
        for tmp in list(_pending_temp_files):
            Path(tmp).unlink(missing_ok=True)
            _pending_temp_files.discard(tmp)


def is_own_temp_file(name: str) -> bool:
    """Whether a file name is one of write_atomic's temp files (left by a killed run)."""
    return _OWN_TEMP_FILE.fullmatch(name) is not None


@contextmanager
def signals_as_exit() -> Iterator[None]:
    """While writing: SIGTERM and SIGHUP raise SystemExit, SIGINT KeyboardInterrupt, so cleanup
    code runs; one arriving while a temp file is created and registered, or the temp files are
    removed, is acted on right after (see write_atomic). Main thread only (elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM, signal.SIGINT] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {sig: signal.signal(sig, _on_signal) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _held.clear()


def _on_signal(signum: int, _frame) -> None:
    if _holding:
        _held.append(signum)
    else:
        _stop(signum)


def _stop(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """A signal arriving in this block is held until the block is done, then acted on."""
    global _holding
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if not _holding and _held:
        signum = _held[0]
        _held.clear()
        _stop(signum)


def why_unwritable(path: Path, root: Path | None = None) -> str | None:
    """Why `path` cannot be (over)written, or None when it can, checked before writing anything.
    A symbolic link is written through (see write_atomic) when it points inside `root`; one
    pointing elsewhere, or nowhere, is never replaced."""
    if path.is_symlink():
        why = _why_not_through(path, root)
        if why is not None:
            return why
        path = Path(os.path.realpath(path))
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


def _why_not_through(link: Path, root: Path | None) -> str | None:
    try:
        target = os.path.realpath(link, strict=True)
    except OSError as error:  # a dangling link, a loop
        return f"it is a symbolic link that does not resolve ({error.strerror or error}); it is not replaced"
    top = os.path.realpath(root) if root is not None else None
    if top is not None and os.path.commonpath([top, target]) != top:
        return (f"it is a symbolic link to {target}, outside the project, and is not replaced: replace the "
                "link by a copy of that file to let apply write it")
    return None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
