"""Writing a plan to disk: checked first, in an order a rerun can complete, cleaned up on exit."""

from __future__ import annotations

from migrate_agent.discover.fileio import remove_temp_files, signals_as_exit, why_unwritable, write_atomic
from migrate_agent.model import FileStatus, Plan

# New files first, the sources the app depends on last.
WRITE_ORDER = {FileStatus.CREATED: 0, FileStatus.UPDATED: 1, FileStatus.MIGRATED: 2}


def write_plan(plan: Plan) -> bool:
    """Write every changed file atomically; False (reasons in `plan.errors`) if not all were.

    Every output is computed before the first write (the plan holds them all), and every target
    is checked to be writable: a problem there writes nothing. New files are written first,
    then updated project files, then the rewritten sources, so a run stopped half-way (a write
    error, SIGINT, SIGTERM) leaves the agent unconverted or the app complete, and the next
    `apply` finishes it. Temp files of unfinished writes are removed on every exit; those a
    killed run left (the plan lists them) are removed before writing, and the notes say so.
    """
    if plan.errors:  # e.g. the endpoint the user named was not read: write nothing
        plan.errors.append("nothing was written")
        return False
    changed = sorted(plan.changed_files, key=lambda r: WRITE_ORDER.get(r.status, len(WRITE_ORDER)))
    blocked = [(r.path, why) for r in changed if (why := why_unwritable(plan.root / r.path, plan.root))]
    if blocked:
        plan.errors.extend(f"cannot write {path}: {why}" for path, why in blocked)
        plan.errors.append("nothing was written")
        return False
    with signals_as_exit():
        _remove_stale_temp_files(plan)
        try:
            for index, result in enumerate(changed):
                try:
                    write_atomic(plan.root / result.path, result.after)
                except OSError as error:
                    plan.errors.append(
                        f"cannot write {result.path}: {error.strerror or error}; "
                        f"{index} of {len(changed)} file(s) written (new files first, sources "
                        "last): fix it and run apply again to complete the migration"
                    )
                    return False
        finally:
            remove_temp_files()
    return True


def _remove_stale_temp_files(plan: Plan) -> None:
    """Remove the temp files a killed apply left (found by the plan), and say so."""
    removed = []
    for rel in plan.stale_temp_files:
        try:
            (plan.root / rel).unlink(missing_ok=True)
        except OSError as error:
            plan.notes.append(f"could not remove the temp file {rel} an interrupted apply left: {error.strerror or error}")
            continue
        removed.append(rel)
    if removed:
        plan.notes.append(f"removed {len(removed)} temp file(s) an interrupted apply left: {', '.join(removed)}")
