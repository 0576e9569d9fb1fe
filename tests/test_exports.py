"""Exports and names other code relies on: after `apply`, code that imported the agent's
module-level name still runs, and gets the same answers as before."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.golden import expected_dir

GOLDEN = Path(__file__).parent / "golden"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrate_agent", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


def run_driver(project: Path, script: str) -> str:
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{project / 'mlflow.db'}")
    done = subprocess.run(
        [sys.executable, script], cwd=project, capture_output=True, text=True, env=env,
        check=False, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_driver_importing_the_agent_name_runs_the_same_after_apply(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "driver_imports_agent_name" / "input", project)
    before = run_driver(project, "driver.py")
    assert run_cli("apply", str(project)).returncode == 0
    migrated = (project / "agent.py").read_text()
    assert "set_model" not in migrated and "ResponsesAgent)" not in migrated
    after = run_driver(project, "driver.py")
    assert after == before
    assert after.splitlines() == ["HELLO s1", "HELLO s2", "calls 2"]


def test_importing_the_migrated_module_builds_no_agent(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(expected_dir("driver_imports_agent_name"), project)  # with its runtime files
    (project / "probe.py").write_text(
        "import agent\n"
        "assert agent.get_agent.__wrapped__ is not None\n"
        "print('built' if agent.get_agent.__closure__ and any("
        "c.cell_contents for c in agent.get_agent.__closure__ if isinstance(c.cell_contents, list)"
        ") else 'not built')\n"
        "agent.AGENT.calls\n"
        "print('built' if any("
        "c.cell_contents for c in agent.get_agent.__closure__ if isinstance(c.cell_contents, list)"
        ") else 'not built')\n"
    )
    assert run_driver(project, "probe.py").splitlines() == ["not built", "built"]


def test_unconverted_agent_module_changes_only_by_todo_markers() -> None:
    case = GOLDEN / "unconverted_agent_keeps_user_clients"
    for source in sorted((case / "input").glob("*.py")):
        migrated = (case / "expected" / source.name).read_text().splitlines()
        kept = [line for line in migrated if not line.lstrip().startswith("# TODO(migrate-agent): ")]
        assert kept == source.read_text().splitlines(), source.name
    assert not (case / "expected" / "agent_server_utils.py").exists()
    assert not (case / "runtime.txt").exists(), "no app, so no runtime file"


AGENT_HEAD = '''
import mlflow
from mlflow.pyfunc import ResponsesAgent
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials


class Echo(ResponsesAgent):
    def __init__(self, client=None):
        self.client = client

    def predict(self, request):
        return {"output": []}
'''


def plan_of(tmp_path: Path, source: str):
    from migrate_agent.api import plan_project

    (tmp_path / "agent.py").write_text(AGENT_HEAD + source)
    return plan_project(tmp_path, jobs=1)


def converted(plan) -> bool:
    return any(f.path == "start_server.py" for f in plan.files)


def test_set_model_of_a_factory_call_migrates(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "\n\ndef build():\n    return Echo()\n\n\nmlflow.models.set_model(build())\n")
    assert converted(plan)
    agent = next(f for f in plan.files if f.path == "agent.py").after.decode()
    assert "return build()" in agent and "set_model" not in agent


def test_cached_getter_used_as_factory_migrates(tmp_path: Path) -> None:
    source = (
        "\n\n_AGENT = None\n\n\ndef get_agent():\n    global _AGENT\n    if _AGENT is None:\n"
        "        _AGENT = Echo()\n    return _AGENT\n\n\nAGENT = get_agent()\nmlflow.models.set_model(AGENT)\n"
    )
    assert converted(plan_of(tmp_path, source))


def test_factory_returning_something_else_is_reported(tmp_path: Path) -> None:
    source = "\n\ndef build(flag):\n    if flag:\n        return Echo()\n    return None\n\n\nmlflow.models.set_model(build(True))\n"
    plan = plan_of(tmp_path, source)
    assert not converted(plan)
    assert any("does not always return an instance" in s.message for s in plan.manual_steps)


def test_factory_building_from_user_credentials_is_not_shared(tmp_path: Path) -> None:
    source = (
        "\n\ndef build():\n    client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())\n"
        "    return Echo(client)\n\n\nmlflow.models.set_model(build())\n"
    )
    plan = plan_of(tmp_path, source)
    assert not converted(plan)
    assert any("calling user's credentials" in s.message for s in plan.manual_steps)
    assert "get_user_workspace_client" not in next(f for f in plan.files if f.path == "agent.py").after.decode()


def test_agent_built_with_a_user_client_in_the_export_is_not_shared(tmp_path: Path) -> None:
    for export in (
        "mlflow.models.set_model(Echo(WorkspaceClient(credentials_strategy=ModelServingUserCredentials())))\n",
        "client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())\n"
        "mlflow.models.set_model(Echo(client))\n",
    ):
        plan = plan_of(tmp_path, "\n\n" + export)
        assert not converted(plan)
        assert any(
            s.rule == "MA001" and "built with the calling user's credentials" in s.message
            for s in plan.manual_steps
        )


def test_lazy_getter_never_called_at_module_level_is_reported(tmp_path: Path) -> None:
    source = (
        "\n\n_AGENT = None\n\n\ndef get_agent():\n    global _AGENT\n    if _AGENT is None:\n"
        "        _AGENT = Echo()\n        mlflow.models.set_model(_AGENT)\n    return _AGENT\n"
    )
    plan = plan_of(tmp_path, source)
    assert not converted(plan)
    assert any("runs inside `get_agent()`" in s.message for s in plan.manual_steps)


def test_lazy_getter_called_once_at_module_level_migrates(tmp_path: Path) -> None:
    source = (
        "\n\n_AGENT = None\n\n\ndef get_agent():\n    global _AGENT\n    if _AGENT is None:\n"
        "        _AGENT = Echo()\n        mlflow.models.set_model(_AGENT)\n    return _AGENT\n\n\n"
        "AGENT = get_agent()\n"
    )
    plan = plan_of(tmp_path, source)
    assert converted(plan)
    agent = next(f for f in plan.files if f.path == "agent.py").after.decode()
    assert "set_model" not in agent
    assert "AGENT = LazyAgent(get_agent_2)" in agent and "return get_agent()" in agent


def test_uses_under_a_main_guard_are_not_marked(tmp_path: Path) -> None:
    source = (
        "\n\nAGENT = Echo()\nmlflow.models.set_model(AGENT)\n\n"
        "if __name__ == \"__main__\":\n    print(AGENT.predict({}))\n\nprint(AGENT)\n"
    )
    plan = plan_of(tmp_path, source)
    assert converted(plan)
    lines = [s.line for s in plan.manual_steps if "used here at module level" in s.message]
    agent = next(f for f in plan.files if f.path == "agent.py").after.decode().splitlines()
    assert [agent[n] for n in lines] == ["print(AGENT)"]
