"""What apply leaves on disk besides the files it means to write (issue 15): no temp file, even
when a signal arrives while one is being created, and none a killed run left (item 6); a file
that is a symbolic link stays one (item 7)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrate_agent.api import apply_plan, ensure_clean_git_tree, plan_project
from migrate_agent.discover.fileio import TEMP_SUFFIX
from migrate_agent.output.report import render_text

AGENT = (Path(__file__).parent / "golden" / "predict_only" / "input" / "agent.py").read_bytes()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(f".*{TEMP_SUFFIX}"))


# -- item 6: temp files ---------------------------------------------------------------------------

# The signal arrives the moment the temp file exists, before mkstemp has returned its name: the
# gap between creating a temp file and registering it for removal.
SIGNAL_WHILE_CREATING = textwrap.dedent(
    """
    import os, signal, sys
    real_open = os.open
    signum = getattr(signal, sys.argv[2])
    count = 0

    def open_then_signal(path, flags, *args, **kwargs):
        global count
        fd = real_open(path, flags, *args, **kwargs)
        if str(path).endswith(".migrate-agent"):
            count += 1
            if count == 2:
                os.kill(os.getpid(), signum)
        return fd

    os.open = open_then_signal
    sys.argv = ["migrate-agent", "apply", sys.argv[1], "--allow-dirty", "--jobs", "1"]
    from migrate_agent.cli import main
    main()
    """
)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_signal_while_a_temp_file_is_created_leaves_none(tmp_path: Path, signame: str) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    result = subprocess.run(
        [sys.executable, "-c", SIGNAL_WHILE_CREATING, str(tmp_path), signame],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode not in (0, 1), result.stdout + result.stderr
    assert temp_files(tmp_path) == []
    assert (tmp_path / "agent.py").read_bytes() == AGENT  # the source is written last


def test_apply_removes_the_temp_files_a_killed_run_left_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    (tmp_path / "pkg").mkdir()
    stale = [".agent.py.k3v_9x0q.migrate-agent", "pkg/.app.yaml.a1b2c3d4.migrate-agent"]
    for rel in stale:
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "notes.migrate-agent").write_text("the user's, not a temp file\n")

    plan = plan_project(tmp_path, jobs=1)
    assert plan.stale_temp_files == sorted(stale)
    assert f"2 temp file(s) an interrupted apply left: {', '.join(sorted(stale))} (apply removes them)" \
        in render_text(plan, show_diff=False)
    assert temp_files(tmp_path) == sorted(stale)  # plan writes nothing, removes nothing

    assert apply_plan(plan) == 0
    assert temp_files(tmp_path) == []
    assert (tmp_path / "notes.migrate-agent").is_file()
    assert f"removed 2 temp file(s) an interrupted apply left: {', '.join(sorted(stale))}" in plan.notes
    written = tree(tmp_path)
    again = plan_project(tmp_path, jobs=1)
    assert again.stale_temp_files == [] and again.changed_files == [] and apply_plan(again) == 0
    assert tree(tmp_path) == written


def test_a_temp_file_a_killed_run_left_does_not_make_the_tree_dirty(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "agent"], cwd=tmp_path, check=True)
    (tmp_path / ".agent.py.abcd1234.migrate-agent").write_bytes(b"")
    ensure_clean_git_tree(tmp_path)  # no DirtyTreeError: apply removes that file


# -- item 7: symbolic links -------------------------------------------------------------------------


def links(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): os.readlink(p) for p in sorted(root.rglob("*")) if p.is_symlink()}


def apply_twice(root: Path) -> tuple:
    """plan, apply, and a second apply that must change nothing; the first plan."""
    plan = plan_project(root, jobs=1)
    code = apply_plan(plan)
    written, linked = tree(root), links(root)
    again = plan_project(root, jobs=1)
    assert again.changed_files == [] and apply_plan(again) == code
    assert (tree(root), links(root)) == (written, linked)
    return plan, code


def test_a_link_to_a_project_file_is_kept_and_the_file_migrated_once(tmp_path: Path) -> None:
    (tmp_path / "impl").mkdir()
    (tmp_path / "impl" / "agent.py").write_bytes(AGENT)
    (tmp_path / "agent.py").symlink_to("impl/agent.py")
    plan, code = apply_twice(tmp_path)
    assert code == 0 and plan.manual_steps == []  # not a "second agent"
    link = next(f for f in plan.files if f.path == "agent.py")
    assert link.reason == "a symbolic link to impl/agent.py, handled under that path: the link is kept"
    assert links(tmp_path) == {"agent.py": "impl/agent.py"}
    assert b"@invoke()" in (tmp_path / "impl" / "agent.py").read_bytes()


def test_a_link_to_a_file_read_under_no_other_path_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()  # a folder discovery skips: the link is the only way in
    (tmp_path / "build" / "agent.py").write_bytes(AGENT)
    (tmp_path / "agent.py").symlink_to("build/agent.py")
    plan, code = apply_twice(tmp_path)
    assert code == 0
    assert links(tmp_path) == {"agent.py": "build/agent.py"}
    agent = next(f for f in plan.files if f.path == "agent.py")
    assert "written through the symbolic link to build/agent.py (the link is kept)" in agent.edits
    assert b"@invoke()" in (tmp_path / "build" / "agent.py").read_bytes()


def test_a_link_to_a_file_outside_the_project_is_left_and_said_why(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "shared"
    root.mkdir()
    outside.mkdir()
    (root / "agent.py").write_bytes(AGENT)
    helper = b"import mlflow\nmlflow.pyfunc.log_model(name='a', python_model='agent.py')\n"
    (outside / "deploy.py").write_bytes(helper)
    (root / "deploy.py").symlink_to(outside / "deploy.py")
    plan, code = apply_twice(root)
    assert code == 0
    deploy = next(f for f in plan.files if f.path == "deploy.py")
    assert deploy.reason.startswith(f"a symbolic link to {outside / 'deploy.py'}, outside the project: left as it is")
    assert links(root) == {"deploy.py": str(outside / "deploy.py")}
    assert (outside / "deploy.py").read_bytes() == helper


def test_an_app_file_linked_outside_the_project_stops_the_run(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "shared"
    root.mkdir()
    outside.mkdir()
    (root / "agent.py").write_bytes(AGENT)
    (outside / "app.yaml").write_text("command: [python, app.py]\n")
    (root / "app.yaml").symlink_to(outside / "app.yaml")
    before = tree(tmp_path)
    plan = plan_project(root, jobs=1)
    assert plan.exit_code() == 2
    assert [e for e in plan.errors if e.startswith("cannot write app.yaml: it is a symbolic link to ")]
    assert apply_plan(plan) == 2
    assert tree(tmp_path) == before and links(root) == {"app.yaml": str(outside / "app.yaml")}
