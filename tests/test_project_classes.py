"""The project pre-pass: ResponsesAgents through classes of other modules, read with ast."""

from __future__ import annotations

from pathlib import Path

from codemods.analysis.project_classes import project_class_facts
from migrate_agent.api import plan_project

BASE = b'''
from mlflow.pyfunc import ResponsesAgent


class BaseAgent(ResponsesAgent):
    def predict(self, request, trace=None):
        return {"output": []}
'''


def test_relative_import_chain_through_two_modules() -> None:
    sources = [
        ("pkg/__init__.py", b""),
        ("pkg/base.py", BASE),
        ("pkg/mid.py", b"from .base import BaseAgent as Base\n\n\nclass Mid(Base):\n    pass\n"),
        ("pkg/agent.py", b"from pkg import mid\n\n\nclass Supervisor(mid.Mid):\n    pass\n"),
        ("other.py", b"class Unrelated(object):\n    pass\n"),
    ]
    facts = project_class_facts(sources)
    assert set(facts) == {"pkg/base.py", "pkg/mid.py", "pkg/agent.py"}
    assert facts["pkg/base.py"].subclassed == {"BaseAgent"}
    assert facts["pkg/mid.py"].inherited["Mid"].base_origin == "pkg/base.py:5"
    supervisor = facts["pkg/agent.py"].inherited["Supervisor"]
    assert supervisor.base == "mid.Mid"
    assert [(m.name, m.params, m.extra_params) for m in supervisor.methods] == [
        ("predict", ("self", "request", "trace"), False)
    ]
    assert supervisor.user_credentials_in is None


def test_a_class_not_reaching_responses_agent_is_no_agent() -> None:
    sources = [
        ("base.py", b"class ResponsesAgent:\n    pass\n\n\nclass BaseAgent(ResponsesAgent):\n    pass\n"),
        ("agent.py", b"from base import BaseAgent\n\n\nclass Supervisor(BaseAgent):\n    pass\n"),
    ]
    assert project_class_facts(sources) == {}


def _project(tmp_path: Path, base: bytes, agent: bytes) -> Path:
    (tmp_path / "base.py").write_bytes(base)
    (tmp_path / "agent.py").write_bytes(agent)
    return tmp_path


AGENT = b"import mlflow\n\nfrom base import BaseAgent\n\n\nclass Supervisor(BaseAgent):\n    pass\n\n\nmlflow.models.set_model(Supervisor())\n"


def test_base_module_with_user_credentials_is_reported_not_converted(tmp_path: Path) -> None:
    base = BASE + b"\nfrom databricks.sdk.credentials_provider import ModelServingUserCredentials\n"
    plan = plan_project(_project(tmp_path, base, AGENT), jobs=1)
    assert not any(f.path == "start_server.py" for f in plan.files)
    step = next(s for s in plan.manual_steps if s.path == "agent.py")
    assert "base.py builds clients with the calling user's credentials" in step.message


def test_inherited_predict_with_the_wrong_signature_is_reported(tmp_path: Path) -> None:
    base = BASE.replace(b"(self, request, trace=None)", b"(self, context, model_input)")
    plan = plan_project(_project(tmp_path, base, AGENT), jobs=1)
    assert not any(f.path == "start_server.py" for f in plan.files)
    assert any("does not have the ResponsesAgent signature" in s.message for s in plan.manual_steps)


def test_parallel_workers_get_the_facts(tmp_path: Path) -> None:
    plan = plan_project(_project(tmp_path, BASE, AGENT), jobs=2)
    assert any(f.path == "start_server.py" for f in plan.files)
    assert not plan.manual_steps


def test_agent_class_imported_from_a_module_with_user_credentials_is_reported(tmp_path: Path) -> None:
    supervisor = BASE.replace(b"BaseAgent", b"Supervisor") + (
        b"\nfrom databricks.sdk.credentials_provider import ModelServingUserCredentials\n"
    )
    (tmp_path / "supervisor.py").write_bytes(supervisor)
    (tmp_path / "agent.py").write_bytes(
        b"import mlflow\n\nfrom supervisor import Supervisor\n\nmlflow.models.set_model(Supervisor())\n"
    )
    plan = plan_project(tmp_path, jobs=1)
    assert not any(f.path == "start_server.py" for f in plan.files)
    messages = [(s.path, s.message) for s in plan.manual_steps]
    assert any(p == "agent.py" and "is defined in supervisor.py:5" in m for p, m in messages)
    assert not any(p == "supervisor.py" and "not exported" in m for p, m in messages)


def test_a_base_re_exported_by_a_project_module_resolves_to_the_mlflow_class() -> None:
    sources = [
        ("pkg/__init__.py", b""),
        ("pkg/types.py", b"from mlflow.pyfunc import ChatAgent, ResponsesAgent\n"),
        ("pkg/more.py", b"from .types import ResponsesAgent\n"),  # re-exported twice
        ("agent.py", b"from pkg.types import ChatAgent\n\n\nclass Echo(ChatAgent):\n    pass\n"),
        ("other.py", b"import pkg.more\n\n\nclass Other(object, pkg.more.ResponsesAgent):\n    pass\n"),
    ]
    facts = project_class_facts(sources)
    assert facts["agent.py"].resolved_bases == {"Echo": (0, "mlflow.pyfunc.ChatAgent")}
    assert facts["other.py"].resolved_bases == {"Other": (1, "mlflow.pyfunc.ResponsesAgent")}


def test_the_table_of_mlflow_paths_matches_the_installed_mlflow() -> None:
    """Each path of MLFLOW_AGENT_BASES binds that class in the installed MLflow's source (read
    with ast, not imported): it is defined there or imported under the same name."""
    import ast
    import importlib.util

    from codemods.analysis.project_classes import MLFLOW_AGENT_BASES

    for qualified, kind in MLFLOW_AGENT_BASES.items():
        module, _, name = qualified.rpartition(".")
        assert name == kind
        tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
        bound = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)} | {
            alias.asname or alias.name
            for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("mlflow")
            for alias in n.names
        }
        assert name in bound, qualified
