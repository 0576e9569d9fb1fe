"""Migrating many files at once: worker processes that survive every start method.

Files are migrated in worker processes when there is enough agent code to repay their start
(`--jobs N` always uses N). The pool uses the caller's multiprocessing start method (fork,
forkserver — the Linux default from Python 3.14 — or spawn). Workers exit when told to (Ctrl-C,
SIGTERM, a failure in the main process) and when the main process is gone, even after SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from migrate_agent.migrate.engine import FileOutcome, migrate_source

# Worker processes repay their start only for enough work: ~100 KB of agent code is about a
# second of parsing and metadata (small projects run faster in one process, see bench/).
PARALLEL_MIN_BYTES = 100_000
# How often a worker checks that the main process still runs (and whether it must stop).
WATCH_SECONDS = 0.2


def migrate_all(
    units: Sequence[tuple[str, bytes]],
    *,
    jobs: int | None,
    class_facts: dict,
    context_facts,
    app_expected: bool,
    first_party: frozenset[str],
    project=None,
    on_done: Callable[[], None] | None = None,
    rules: frozenset[str] | None = None,
) -> list[FileOutcome]:
    """`engine.migrate_source` over every (path, bytes) unit, in order; `on_done` after each;
    `rules`: the rule ids selected to run (None: all)."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    size = sum(len(data) for _, data in units)
    if workers <= 1 or len(units) < 2 or (jobs is None and size < PARALLEL_MIN_BYTES):
        results = (
            migrate_source(
                rel, data, class_facts.get(rel), context_facts, app_expected, first_party, rules, project
            )
            for rel, data in units
        )
        return [_counted(outcome, on_done) for outcome in results]
    chunk = max(1, len(units) // (workers * 4))
    context = multiprocessing.get_context()  # fork, forkserver or spawn: whatever the caller set
    stop = context.Event()
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(units)),
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(os.getpid(), stop),
    )
    try:
        results = pool.map(
            migrate_source,
            [rel for rel, _ in units],
            [data for _, data in units],
            [class_facts.get(rel) for rel, _ in units],
            [context_facts] * len(units),
            [app_expected] * len(units),
            [first_party] * len(units),
            [rules] * len(units),
            [project] * len(units),
            chunksize=chunk,
        )
        return [_counted(outcome, on_done) for outcome in results]
    except BaseException:  # Ctrl-C, SIGTERM, a broken worker: stop the workers now, not later
        stop.set()  # every worker watches it and exits in the middle of its task
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _counted(outcome: FileOutcome, on_done: Callable[[], None] | None) -> FileOutcome:
    if on_done is not None:
        on_done()
    return outcome


def _exit_with_parent(main: int, stop) -> None:
    """In a worker: exit as soon as `stop` is set or the main process is gone (even after SIGKILL).

    A worker's parent is the main process under fork and spawn, but the fork server under
    forkserver (a child of the main process that exits with it): so the worker remembers the
    parent it started with and exits once it has another (the parent died and it was reparented),
    and it also checks the main process's pid itself."""
    parent = os.getppid()

    def watch() -> None:
        while not stop.wait(WATCH_SECONDS):
            if os.getppid() != parent or not _alive(main):
                break
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: checks only that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: the main process is gone and its pid reused
    return True
