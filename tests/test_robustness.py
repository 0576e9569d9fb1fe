"""Runs that must not break (issue 7): odd encodings, several agents, faults and signals while
writing, exit codes, the rule list. Each test drives the real CLI or library on a copied golden."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.discover.fileio import TEMP_SUFFIX

GOLDEN = Path(__file__).parent / "golden"
AGENT = (GOLDEN / "predict_only" / "input" / "agent.py").read_bytes()


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrate_agent", *args],
        capture_output=True, text=True, check=False, timeout=120, env=env, cwd=cwd,
    )


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def json_of(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


# -- 9: a file that is not UTF-8 and has no coding cookie --------------------------------------


def test_undecodable_file_is_one_failed_file_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    (tmp_path / "legacy.py").write_bytes(
        b"import mlflow\n# caf\xe9 au lait\nclass Old(mlflow.pyfunc.ResponsesAgent):\n    pass\n"
    )
    result = run_cli("apply", str(tmp_path), "--allow-dirty", "--format", "json", "--jobs", "1")
    assert result.returncode == 2, result.stderr
    document = json_of(result)
    assert [(e["path"], e["line"]) for e in document["errors"]] == [("legacy.py", 2)]
    assert "0xe9" in document["errors"][0]["reason"]
    assert "Traceback" not in result.stderr
    assert b"@invoke()" in (tmp_path / "agent.py").read_bytes()  # the other file migrated


# -- 11: several agents: one apply is a fixpoint ------------------------------------------------


def test_several_agents_one_apply_is_a_fixpoint(tmp_path: Path) -> None:
    for team in ("b_team", "a_team", "c_team"):
        (tmp_path / team).mkdir()
        (tmp_path / team / "agent.py").write_bytes(AGENT)
    first = json_of(run_cli("apply", str(tmp_path), "--allow-dirty", "--format", "json"))
    migrated = [f["path"] for f in first["files"] if f["status"] == "migrated"]
    assert migrated == ["a_team/agent.py"]  # path order decides
    after_first = tree(tmp_path)
    for _ in range(2):
        again = json_of(run_cli("apply", str(tmp_path), "--allow-dirty", "--format", "json"))
        assert tree(tmp_path) == after_first
        assert not [f for f in again["files"] if f["status"] in ("migrated", "updated", "created")]
    app_yaml = (tmp_path / "app.yaml").read_text()
    assert '"a_team/start_server.py"' in app_yaml


def test_an_agent_migrated_earlier_stays_the_apps_agent(tmp_path: Path) -> None:
    """b/ was migrated on its own before; a/ (first in path order) joins later: b stays served."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "agent.py").write_bytes(AGENT)
    assert run_cli("apply", str(tmp_path), "--allow-dirty").returncode in (0, 1)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "agent.py").write_bytes(AGENT)
    document = json_of(run_cli("apply", str(tmp_path), "--allow-dirty", "--format", "json"))
    statuses = {f["path"]: f["status"] for f in document["files"]}
    assert statuses["a/agent.py"] == "skipped" and statuses["b/agent.py"] == "unchanged"
    assert (tmp_path / "a" / "agent.py").read_bytes() == AGENT
    assert '"b/start_server.py"' in (tmp_path / "app.yaml").read_text()


# -- 12: faults while writing --------------------------------------------------------------------


def test_rerun_completes_a_half_applied_tree(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    assert run_cli("apply", str(tmp_path), "--allow-dirty").returncode == 0
    complete = tree(tmp_path)
    (tmp_path / "start_server.py").unlink()
    (tmp_path / "MIGRATION.md").unlink()
    result = run_cli("apply", str(tmp_path), "--allow-dirty")
    assert result.returncode == 0, result.stdout + result.stderr
    assert tree(tmp_path) == complete


def test_write_error_is_reported_and_new_files_come_first(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    plan = plan_project(tmp_path, jobs=1)
    written: list[str] = []
    import migrate_agent.output.writing as writing

    real = writing.write_atomic

    def failing(path: Path, data: bytes) -> None:
        if path.name == "databricks.yml":
            raise PermissionError(13, "Permission denied", str(path))
        written.append(path.relative_to(tmp_path).as_posix())
        real(path, data)

    monkeypatch.setattr(writing, "write_atomic", failing)
    assert apply_plan(plan) == 2
    assert "agent.py" not in written  # the source is rewritten last: it still runs as before
    assert (tmp_path / "agent.py").read_bytes() == AGENT
    assert any("cannot write databricks.yml: Permission denied" in e for e in plan.errors)
    monkeypatch.setattr(writing, "write_atomic", real)
    again = plan_project(tmp_path, jobs=1)
    assert apply_plan(again) == 0
    assert (tmp_path / "databricks.yml").is_file() and b"@invoke()" in (tmp_path / "agent.py").read_bytes()


def test_unwritable_target_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    (tmp_path / "MIGRATION.md").mkdir()  # a directory where the deploy diff goes
    before = tree(tmp_path)
    result = run_cli("apply", str(tmp_path), "--allow-dirty", "--format", "json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    reasons = [e["reason"] for e in json_of(result)["errors"]]
    assert any("cannot write MIGRATION.md" in r for r in reasons), reasons
    assert tree(tmp_path) == before


SIGNAL_DURING_WRITE = textwrap.dedent(
    """
    import os, signal, sys, time
    import migrate_agent.discover.fileio as fileio

    real_replace = os.replace
    count = 0

    def replace_then_signal(src, dst):
        global count
        count += 1
        if count == 3:  # temp file written, not yet renamed
            os.kill(os.getpid(), getattr(signal, sys.argv[2]))
            time.sleep(5)
        real_replace(src, dst)

    fileio.os.replace = replace_then_signal
    sys.argv = ["migrate-agent", "apply", sys.argv[1], "--allow-dirty", "--jobs", "1"]
    from migrate_agent.cli import main
    main()
    """
)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_signal_while_writing_leaves_no_temp_files_and_a_rerun_completes(tmp_path: Path, signame: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "agent.py").write_bytes(AGENT)
    result = subprocess.run(
        [sys.executable, "-c", SIGNAL_DURING_WRITE, str(root), signame],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode not in (0, 1), result.stdout + result.stderr
    assert not [p for p in root.rglob(f"*{TEMP_SUFFIX}")]
    assert (root / "agent.py").read_bytes() == AGENT  # the source is written last
    assert run_cli("apply", str(root), "--allow-dirty").returncode == 0
    assert b"@invoke()" in (root / "agent.py").read_bytes() and (root / "start_server.py").is_file()


KILLED_MAIN = textwrap.dedent(
    """
    import sys, time
    import migrate_agent.api as api
    import migrate_agent.migrate.workers as workers

    def slow(path, data, *facts):
        time.sleep(120)

    workers.migrate_source = slow
    api.plan_project(sys.argv[1], jobs=2)
    """
)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_workers_exit_when_the_main_process_is_killed(tmp_path: Path) -> None:
    for team in ("a", "b", "c", "d"):
        (tmp_path / team).mkdir()
        (tmp_path / team / "agent.py").write_bytes(AGENT)
    main = subprocess.Popen([sys.executable, "-c", KILLED_MAIN, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(main.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) >= 2, "the worker pool did not start"
    finally:
        main.kill()
        main.wait()
    deadline = time.monotonic() + 30  # generous: the watchdog polls every 0.2 s
    while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in workers):
        if time.monotonic() > deadline:
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            pytest.fail(f"workers {workers} outlived the killed main process")
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# -- 14: exit codes --------------------------------------------------------------------------------


CRASH = textwrap.dedent(
    """
    import sys
    import migrate_agent.api as api

    def boom(*args, **kwargs):
        raise RuntimeError("a bug in a rule")

    api.plan_project = boom
    sys.argv = ["migrate-agent", "plan", sys.argv[1]]
    from migrate_agent.cli import main
    main()
    """
)


def test_a_crash_exits_2_never_1(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    result = subprocess.run(
        [sys.executable, "-c", CRASH, str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "internal error: RuntimeError: a bug in a rule" in result.stderr


def test_model_dir_without_mlmodel_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    empty = tmp_path / "downloaded_model"
    empty.mkdir()
    result = run_cli("plan", str(tmp_path), "--model-dir", str(empty))
    assert result.returncode == 2
    assert "no MLmodel file" in result.stderr


def test_endpoint_auth_failure_is_an_error_and_apply_writes_nothing(tmp_path: Path) -> None:
    pytest.importorskip("databricks.sdk")
    project = tmp_path / "project"
    project.mkdir()
    (project / "agent.py").write_bytes(AGENT)
    home = tmp_path / "home"
    home.mkdir()  # no ~/.databrickscfg, no DATABRICKS_* variables: no credentials at all
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_"))}
    env["HOME"] = str(home)
    before = tree(project)
    result = run_cli("apply", str(project), "--allow-dirty", "--endpoint", "support", "--format", "json", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    reasons = [e["reason"] for e in json_of(result)["errors"]]
    assert any("reading endpoint `support` failed" in r for r in reasons), reasons
    assert tree(project) == before


# -- 15: rules and --version -----------------------------------------------------------------------


def test_rules_lists_every_citable_rule_once_in_id_order() -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    ids = re.findall(r"^(MA\d{3})$", result.stdout, re.MULTILINE)
    assert ids == sorted(set(ids)), "each id once, in id order"
    # each rule is one heading and its help: no line of the help starts with its id again
    assert re.findall(r"^MA\d{3}\b", result.stdout, re.MULTILINE) == ids
    assert "\nagent-handlers: the ResponsesAgent subclass" in result.stdout
    cited = set()
    for plan_text in GOLDEN.glob("*/plan.txt"):
        cited |= set(re.findall(r"\b(MA\d{3})\b", plan_text.read_text(encoding="utf-8")))
    for markdown in GOLDEN.glob("deploy_*/expected/**/*.md"):
        cited |= set(re.findall(r"\b(MA1\d{2})\b", markdown.read_text(encoding="utf-8")))
    assert {"MA101", "MA110"} <= cited
    assert cited <= set(ids), f"cited but not listed: {sorted(cited - set(ids))}"


def test_version() -> None:
    from migrate_agent import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"migrate-agent {__version__}"


@pytest.mark.parametrize("command", [(), ("plan",), ("apply",)])
def test_help_shows_flags_without_a_value_placeholder(command: tuple[str, ...]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    flags = {(): ["--version"], ("plan",): ["--check", "--quiet"], ("apply",): ["--allow-dirty", "--diff", "--check"]}
    for flag in [*flags[command], "--help"]:
        [line] = [line for line in result.stdout.splitlines() if f" {flag} " in f"{line} "]
        assert "<bool>" not in line and "bool" not in line.split(flag, 1)[1].split()[:1], line
    assert "<text|json|markdown>" in result.stdout or not command  # options that take a value still say which


# -- 7: requirements name distributions, pinned by the logged model --------------------------------


def test_logged_model_pins_name_the_requirements(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "agent.py").write_bytes(b"import cv2\nfrom agents import Runner\n" + AGENT)
    model = tmp_path / "model"
    model.mkdir()
    (model / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n")
    (model / "conda.yaml").write_text(
        "dependencies:\n  - python=3.11\n  - pip:\n    - mlflow==3.1.0\n    - openai-agents==0.2.3\n"
        "    - opencv-python-headless==4.10.0.84\n"
    )
    plan = plan_project(project, jobs=1, model_dir=model)
    requirements = next(f for f in plan.files if f.path == "requirements.txt").after.decode()
    lines = requirements.splitlines()
    assert "openai-agents==0.2.3" in lines and "mlflow>=3.10" in lines
    assert "opencv-python-headless==4.10.0.84" in lines  # the project's choice of cv2 provider
    assert not {"agents", "cv2"} & set(lines)


# -- 14: acknowledged manual steps let `plan --check` reach 0 ---------------------------------------


def test_acknowledged_steps_let_check_reach_zero(tmp_path: Path) -> None:
    root = tmp_path / "unconverted"
    shutil.copytree(GOLDEN / "unexpected_signature" / "input", root)
    assert run_cli("apply", str(root), "--allow-dirty").returncode == 1
    steps = json_of(run_cli("plan", str(root), "--check", "--format", "json"))["manual_steps"]
    marked = [s for s in steps if s["path"].endswith(".py") and s["line"]]
    assert marked, "the unconverted agent carries TODO markers"
    for path in {s["path"] for s in marked}:  # the user reads each marker and acknowledges it
        file = root / path
        file.write_text(file.read_text().replace("# TODO(migrate-agent):", "# ACK(migrate-agent):"))
    left = json_of(run_cli("plan", str(root), "--check", "--format", "json"))
    assert {s["rule"] for s in left["acknowledged"]} >= {s["rule"] for s in marked}
    assert not [s for s in left["manual_steps"] if s in marked]
    unmarked = left["manual_steps"]
    (root / ".migrate-agent-ack").write_text(
        "# steps we have dealt with\n" + "".join(f"{s['rule']} {s['path'] or '(project)'}\n" for s in unmarked)
    )
    result = run_cli("plan", str(root), "--check")
    assert result.returncode == 0, result.stdout
    assert "Acknowledged (not counted)" in result.stdout
    again = run_cli("apply", str(root), "--allow-dirty", "--format", "json")  # no TODO comes back
    assert again.returncode == 0 and "# TODO(migrate-agent)" not in "".join(
        p.read_text() for p in root.rglob("*.py")
    )


def test_example_quick_start_reaches_zero_once_acknowledged(tmp_path: Path) -> None:
    root = tmp_path / "support_agent"
    shutil.copytree(GOLDEN.parents[1] / "examples" / "support_agent", root)
    assert run_cli("plan", str(root)).returncode == 1  # the README's quick start
    assert run_cli("apply", str(root), "--allow-dirty").returncode == 1
    steps = json_of(run_cli("plan", str(root), "--check", "--format", "json"))["manual_steps"]
    # left after apply: the driver's Model Serving calls (MA007) and deploy settings without an
    # Apps equivalent (MA1xx), none of which code can resolve
    assert steps and all(s["rule"] == "MA007" or s["rule"].startswith("MA1") for s in steps)
    (root / ".migrate-agent-ack").write_text("".join(f"{s['rule']} {s['path']}\n" for s in steps))
    assert run_cli("plan", str(root), "--check").returncode == 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_ctrl_c_stops_the_workers_instead_of_waiting_for_them(tmp_path: Path) -> None:
    for team in ("a", "b", "c", "d"):
        (tmp_path / team).mkdir()
        (tmp_path / team / "agent.py").write_bytes(AGENT)
    main = subprocess.Popen([sys.executable, "-c", KILLED_MAIN, str(tmp_path)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(workers := _children(main.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) >= 2, "the worker pool did not start"
    main.send_signal(signal.SIGINT)
    try:
        main.wait(timeout=60)  # each worker sleeps 120 s: waiting for them would take that long
    except subprocess.TimeoutExpired:
        main.kill()
        pytest.fail("the main process waited for its workers after Ctrl-C")
    assert main.returncode != 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]


# -- issue 15, 2: `plan --check` exits 1 while a TODO marker is left --------------------------------

AGENT_USED_AT_IMPORT = AGENT.rstrip(b"\n") + b"\nprint(AGENT)\n"


def _markers(root: Path) -> list[tuple[str, int]]:
    return [
        (path, number)
        for path, data in tree(root).items()
        if path.endswith((".py", ".ipynb"))
        for number, line in enumerate(data.decode("utf-8").splitlines(), start=1)
        if "# TODO(migrate-agent):" in line
    ]


def test_a_todo_left_after_apply_keeps_check_at_1_until_acknowledged(tmp_path: Path) -> None:
    assert b"AGENT = " in AGENT and b"set_model(AGENT)" in AGENT
    (tmp_path / "agent.py").write_bytes(AGENT_USED_AT_IMPORT)
    assert run_cli("apply", str(tmp_path), "--allow-dirty").returncode == 1
    [(path, line)] = _markers(tmp_path)
    applied = tree(tmp_path)
    result = run_cli("plan", str(tmp_path), "--check", "--format", "json")
    assert result.returncode == 1, result.stdout
    assert [(s["rule"], s["path"], s["line"]) for s in json_of(result)["manual_steps"]] == [("MA001", path, line)]
    assert apply_plan(plan_project(tmp_path, jobs=1)) == 1 and tree(tmp_path) == applied  # a fixpoint
    agent = tmp_path / path
    agent.write_text(agent.read_text().replace("# TODO(migrate-agent):", "# ACK(migrate-agent):"))
    result = run_cli("plan", str(tmp_path), "--check", "--format", "json")
    assert result.returncode == 0, result.stdout
    assert [(s["rule"], s["line"]) for s in json_of(result)["acknowledged"]] == [("MA001", line)]


def test_a_todo_written_earlier_is_a_step_wherever_it_is(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    assert apply_plan(plan_project(tmp_path, jobs=1)) == 0
    helper = "# TODO(migrate-agent): [MA004] build this client per request\nCLIENT = None\n"
    (tmp_path / "tools.py").write_text(helper)  # a file no rule reads (text prefilter)
    plan = plan_project(tmp_path, jobs=1)
    assert [(s.rule, s.path, s.line) for s in plan.manual_steps] == [("MA004", "tools.py", 1)]
    assert plan.manual_steps[0].message == "build this client per request"
    assert plan.exit_code() == 1


@pytest.mark.parametrize("case, notebook", [(None, "driver.py"), ("ipynb_list_sources", "driver.ipynb")])
def test_ack_in_a_notebook_is_honoured(tmp_path: Path, case: str | None, notebook: str) -> None:
    root = tmp_path / "project"
    source = GOLDEN.parents[1] / "examples" / "support_agent" if case is None else GOLDEN / case / "input"
    shutil.copytree(source, root)
    if case is None:
        assert (root / notebook).read_text().startswith("# Databricks notebook source\n")
    assert apply_plan(plan_project(root, jobs=1)) == 1
    marked = [s for s in plan_project(root, jobs=1).manual_steps if s.path == notebook and s.rule == "MA007"]
    assert marked and [path for path, _ in _markers(root)] == [notebook] * len(marked)
    file = root / notebook
    file.write_text(file.read_text().replace("# TODO(migrate-agent):", "# ACK(migrate-agent):"))
    plan = plan_project(root, jobs=1)
    assert [(s.rule, s.path) for s in plan.acknowledged] == [(s.rule, s.path) for s in marked]
    left = plan.manual_steps
    assert all(s.rule.startswith("MA1") for s in left)  # deploy settings: no marker, the ack file
    (root / ".migrate-agent-ack").write_text("".join(f"{s.rule} {s.path}\n" for s in left))
    assert run_cli("plan", str(root), "--check").returncode == 0


# -- issue 15, 8: what the output says --------------------------------------------------------------


def test_check_json_reports_without_diffs(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    full = json_of(run_cli("plan", str(tmp_path), "--format", "json"))
    assert full["files"][0]["diff"].startswith("--- a/agent.py") and full["new_files"][0]["content"]
    for command in (("plan", "--check"), ("apply", "--check")):
        result = run_cli(*command, str(tmp_path), "--format", "json")
        assert result.returncode == 1, result.stderr
        document = json_of(result)
        assert "@invoke()" not in result.stdout and "+++ b/" not in result.stdout
        assert [f["path"] for f in document["files"]] == ["agent.py"] and "diff" not in document["files"][0]
        assert {f["path"] for f in document["new_files"]} == {f["path"] for f in full["new_files"]}
        assert all(set(f) == {"path"} for f in document["new_files"])
        assert document["manual_steps"] == full["manual_steps"]
    assert tree(tmp_path) == {"agent.py": AGENT}


def test_json_is_printed_when_the_tool_fails(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_bytes(AGENT)
    crash = CRASH.replace('"plan", sys.argv[1]]', '"plan", sys.argv[1], "--format", "json"]')
    result = subprocess.run(
        [sys.executable, "-c", crash, str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "internal error: RuntimeError: a bug in a rule" in result.stderr
    document = json_of(result)
    assert document["exit_code"] == 2 and document["root"] == str(tmp_path.resolve())
    assert document["errors"] == [{"path": None, "line": None, "reason": "internal error: RuntimeError: a bug in a rule"}]
    # an option that cannot be used, a dirty tree: exit 2 with the reason, as JSON too
    result = run_cli("plan", str(tmp_path), "--model-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 2 and "no MLmodel file" in json_of(result)["errors"][0]["reason"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = run_cli("apply", str(tmp_path), "--format", "json")
    assert result.returncode == 2 and "refusing to apply" in json_of(result)["errors"][0]["reason"]
    assert (tmp_path / "agent.py").read_bytes() == AGENT  # nothing written


def test_plan_prints_the_deploy_diff_once(tmp_path: Path) -> None:
    root = tmp_path / "support_agent"
    shutil.copytree(GOLDEN.parents[1] / "examples" / "support_agent", root)
    shown = run_cli("plan", str(root)).stdout
    assert shown.count("# Deployment: Model Serving → Databricks Apps") == 1
    assert "+++ b/MIGRATION.md\n" in shown and "+# Deployment: Model Serving → Databricks Apps\n" in shown
    checked = run_cli("plan", str(root), "--check").stdout  # no diff: the deploy diff is printed
    assert checked.count("\n# Deployment: Model Serving → Databricks Apps\n") == 1


def test_isinstance_of_the_kept_agent_name_is_a_step_on_every_run(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN / "isinstance_of_kept_agent_name_reported" / "input", tmp_path, dirs_exist_ok=True)
    first = plan_project(tmp_path, jobs=1)
    checks = [(s.path, s.line) for s in first.manual_steps if "isinstance" in s.message]
    assert [path for path, _ in checks] == ["agent.py", "smoke.py", "smoke.py"]
    assert apply_plan(first) == 1
    again = plan_project(tmp_path, jobs=1)  # the agent is migrated now: still said, same lines
    assert [(s.path, s.line) for s in again.manual_steps if "isinstance" in s.message] == checks
    assert again.exit_code() == 1 and not again.changed_files
