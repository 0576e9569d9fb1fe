"""The command line as users and CI scripts see it: exit codes, output formats, safety."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrate_agent", *args],
        capture_output=True, text=True, cwd=cwd, check=False, timeout=120,
    )


def project(tmp_path: Path, case: str) -> Path:
    target = tmp_path / case
    shutil.copytree(GOLDEN / case / "input", target)
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root, check=True, capture_output=True,
    )


def test_plan_shows_diff_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    root = project(tmp_path, "predict_and_stream")
    before = snapshot(root)
    result = run_cli("plan", str(root))
    assert result.returncode == 1, result.stderr
    assert "--- a/agent.py\n+++ b/agent.py\n" in result.stdout
    assert "+@invoke()\n" in result.stdout and "+@stream()\n" in result.stdout
    assert "--- /dev/null\n+++ b/start_server.py\n" in result.stdout
    assert "\x1b[" not in result.stdout  # no terminal markup when piped
    assert snapshot(root) == before


def test_plan_on_project_without_agent_exits_0(tmp_path: Path) -> None:
    result = run_cli("plan", str(project(tmp_path, "no_agent")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_failed_file_exits_2_and_the_agent_still_migrates(tmp_path: Path) -> None:
    root = project(tmp_path, "syntax_error_beside_agent")
    result = run_cli("apply", str(root), "--allow-dirty", "--format", "json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["errors"] == [
        {"path": "broken_agent.py", "line": 4, "reason": document["errors"][0]["reason"]}
    ]
    assert "cannot parse" in document["errors"][0]["reason"]
    assert b"@invoke()" in (root / "agent.py").read_bytes()


def test_json_plan_lists_files_new_files_and_manual_steps(tmp_path: Path) -> None:
    result = run_cli("plan", str(project(tmp_path, "model_config_without_file")), "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["applied"] is False and document["exit_code"] == 1
    assert {f["path"]: f["status"] for f in document["files"]}["agent.py"] == "migrated"
    assert "start_server.py" in {f["path"] for f in document["new_files"]}
    [step] = [s for s in document["manual_steps"] if s["path"] == "agent.py"]
    assert step["rule"] == "MA005" and "ModelConfig()" in step["message"]
    assert isinstance(step["line"], int)


def test_apply_refuses_a_dirty_git_tree(tmp_path: Path) -> None:
    root = project(tmp_path, "predict_only")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    (root / "agent.py").write_bytes((root / "agent.py").read_bytes() + b"# local edit\n")
    before = snapshot(root)
    result = run_cli("apply", str(root))
    assert result.returncode == 2
    assert "uncommitted" in result.stderr and "--allow-dirty" in result.stderr
    assert snapshot(root) == before
    assert run_cli("apply", str(root), "--allow-dirty").returncode == 0


def test_apply_then_apply_again_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, "predict_only")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    assert run_cli("apply", str(root)).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "migrated")
    after_first = snapshot(root)
    assert run_cli("apply", str(root)).returncode == 0
    assert snapshot(root) == after_first
    assert run_cli("plan", str(root)).returncode == 0


def test_diff_and_check_write_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, "predict_only")
    before = snapshot(root)
    diff = run_cli("apply", str(root), "--diff")
    assert diff.returncode == 1 and "+++ b/agent.py" in diff.stdout
    check = run_cli("apply", str(root), "--check")
    assert check.returncode == 1 and "+++" not in check.stdout
    assert "agent.py: migrated" in check.stdout
    assert snapshot(root) == before


def test_bom_encoding_and_mode_are_kept(tmp_path: Path) -> None:
    root = project(tmp_path, "set_model_constructor")
    agent = root / "agent.py"
    agent.write_bytes(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n# caf\xc3\xa9\n" + agent.read_bytes())
    os.chmod(agent, 0o750)
    assert run_cli("apply", str(root), "--allow-dirty").returncode == 0
    data = agent.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n# caf\xc3\xa9\n")
    assert b"@invoke()" in data
    assert (agent.stat().st_mode & 0o777) == 0o750


def test_plan_never_imports_mlflow_or_user_code(tmp_path: Path) -> None:
    root = project(tmp_path, "predict_and_stream")
    (root / "agent.py").write_bytes(
        (root / "agent.py").read_bytes() + b'\nraise SystemExit("user code was executed")\n'
    )
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['migrate-agent', 'plan', {str(root)!r}, '--jobs', '1']\n"
        "try:\n"
        "    runpy.run_module('migrate_agent', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('mlflow', 'databricks', 'openai'))\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert "+@invoke()" in result.stdout
    assert "HEAVY=" in result.stderr and result.stderr.split("HEAVY=")[1] == ""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_parallel_and_serial_plans_agree(tmp_path: Path, jobs: str) -> None:
    root = tmp_path / "many"
    for i in range(10):
        shutil.copytree(GOLDEN / "predict_only" / "input", root / f"team{i}")
    result = run_cli("plan", str(root), "--format", "json", "--jobs", jobs)
    document = json.loads(result.stdout)
    statuses = sorted((f["path"], f["status"]) for f in document["files"])
    assert statuses[0] == ("team0/agent.py", "migrated")
    assert sum(status == "skipped" for _, status in statuses) == 9
    assert len([s for s in document["manual_steps"] if "second agent" in s["message"]]) == 9


def test_rules_lists_every_rule_with_its_help() -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    for rule_id in ("MA001", "MA002", "MA003", "MA004", "MA005"):
        assert f"{rule_id}\n" in result.stdout
