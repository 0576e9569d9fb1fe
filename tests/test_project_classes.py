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


ECHO = b'''
from mlflow.pyfunc import ResponsesAgent


class EchoAgent(ResponsesAgent):
    def predict(self, request):
        return {"output": []}
'''


def _factory_project(tmp_path: Path, factory: bytes) -> Path:
    """pkg/agent.py exports `create_agent(...)` of pkg/factory.py, imported relatively."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_bytes(b"")
    (tmp_path / "pkg" / "factory.py").write_bytes(factory)
    (tmp_path / "pkg" / "agent.py").write_bytes(
        b"import mlflow\n\nfrom .factory import create_agent as build\n\n"
        b"mlflow.models.set_model(build(prefix='p'))\n"
    )
    return tmp_path


def test_factory_of_another_module_returning_one_class_is_converted(tmp_path: Path) -> None:
    factory = ECHO + (
        b"\n\ndef create_agent(prefix):\n    agent = EchoAgent()\n    agent.prefix = prefix\n    return agent\n"
    )
    plan = plan_project(_factory_project(tmp_path, factory), jobs=1)
    assert not plan.manual_steps
    agent = next(f for f in plan.files if f.path == "pkg/agent.py")
    text = agent.after.decode()
    assert "set_model" not in text
    assert "from .factory import EchoAgent, create_agent as build" in text
    assert "def get_agent() -> EchoAgent:\n" in text and "return build(prefix='p')" in text
    assert any(f.path == "pkg/start_server.py" for f in plan.files)
    factory_file = next(f for f in plan.files if f.path == "pkg/factory.py")
    assert not factory_file.changed  # the class keeps its base; it is exported from agent.py


def test_factory_returning_a_class_it_imports_is_followed(tmp_path: Path) -> None:
    (tmp_path / "echo.py").write_bytes(ECHO)
    (tmp_path / "factory.py").write_bytes(
        b"from echo import EchoAgent as Echo\n\n\ndef create_agent():\n    return Echo()\n"
    )
    (tmp_path / "agent.py").write_bytes(
        b"import mlflow\nfrom factory import create_agent\n\nmlflow.models.set_model(create_agent())\n"
    )
    plan = plan_project(tmp_path, jobs=1)
    assert not plan.manual_steps
    text = next(f for f in plan.files if f.path == "agent.py").after.decode()
    assert "from factory import Echo, create_agent" in text and "def get_agent() -> Echo:" in text


def test_factory_of_another_module_returning_two_classes_is_a_manual_step(tmp_path: Path) -> None:
    factory = ECHO + (
        b"\n\nclass Other(EchoAgent):\n    pass\n\n\n"
        b"def create_agent(prefix):\n    if prefix:\n        return Other()\n    return EchoAgent()\n"
    )
    plan = plan_project(_factory_project(tmp_path, factory), jobs=1)
    assert not any(f.path.endswith("start_server.py") for f in plan.files)
    assert [(s.path, s.line) for s in plan.manual_steps] == [("pkg/agent.py", 5)]
    assert "`create_agent` (pkg/factory.py:14) does not always return" in plan.manual_steps[0].message


def test_factory_of_another_module_with_user_credentials_is_a_manual_step(tmp_path: Path) -> None:
    factory = ECHO + (
        b"\nfrom databricks.sdk.credentials_provider import ModelServingUserCredentials\n\n\n"
        b"def create_agent(prefix):\n    return EchoAgent()\n"
    )
    plan = plan_project(_factory_project(tmp_path, factory), jobs=1)
    assert not any(f.path.endswith("start_server.py") for f in plan.files)
    (step,) = plan.manual_steps
    assert step.path == "pkg/agent.py"
    assert "pkg/factory.py builds clients with the calling user's credentials" in step.message


def test_generator_factory_of_another_module_is_a_manual_step(tmp_path: Path) -> None:
    factory = ECHO + b"\n\ndef create_agent(prefix):\n    yield EchoAgent()\n"
    plan = plan_project(_factory_project(tmp_path, factory), jobs=1)
    (step,) = plan.manual_steps
    assert step.path == "pkg/agent.py" and "is a generator" in step.message


def test_factory_called_through_its_module_is_converted(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "factory.py").write_bytes(ECHO + b"\n\ndef create_agent():\n    return EchoAgent()\n")
    (tmp_path / "agent.py").write_bytes(
        b"import mlflow\n\nimport agents.factory as f\n\nmlflow.models.set_model(f.create_agent())\n"
    )
    plan = plan_project(tmp_path, jobs=1)
    assert not plan.manual_steps
    text = next(x for x in plan.files if x.path == "agent.py").after.decode()
    assert "import agents.factory as f\n" in text and "def get_agent() -> f.EchoAgent:" in text
    assert "return f.create_agent()" in text


def test_agent_class_called_through_its_module_is_converted(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "echo.py").write_bytes(ECHO)
    (tmp_path / "agent.py").write_bytes(
        b"import mlflow\n\nfrom agents import echo\n\nAGENT = echo.EchoAgent()\nmlflow.models.set_model(AGENT)\n"
    )
    plan = plan_project(tmp_path, jobs=1)
    assert not plan.manual_steps
    text = next(x for x in plan.files if x.path == "agent.py").after.decode()
    assert "def get_agent() -> echo.EchoAgent:" in text and "return echo.EchoAgent()" in text
    assert not next(x for x in plan.files if x.path == "agents/echo.py").changed


def test_factory_of_another_module_given_a_user_client_is_a_manual_step(tmp_path: Path) -> None:
    project = _factory_project(tmp_path, ECHO + b"\n\ndef create_agent(client):\n    return EchoAgent()\n")
    (project / "pkg" / "agent.py").write_bytes(
        b"import mlflow\nfrom databricks.sdk import WorkspaceClient\n"
        b"from databricks.sdk.credentials_provider import ModelServingUserCredentials\n\n"
        b"from .factory import create_agent\n\n"
        b"mlflow.models.set_model(create_agent(WorkspaceClient(credentials_strategy=ModelServingUserCredentials())))\n"
    )
    plan = plan_project(project, jobs=1)
    assert not any(f.path.endswith("start_server.py") for f in plan.files)
    assert any(
        s.path == "pkg/agent.py" and "`EchoAgent` is built with the calling user's credentials" in s.message
        for s in plan.manual_steps
    )


def test_chat_agent_of_another_module_is_a_manual_step_where_it_is_exported(tmp_path: Path) -> None:
    (tmp_path / "support.py").write_bytes(
        b"from mlflow.pyfunc import ChatAgent\n\n\nclass SupportAgent(ChatAgent):\n"
        b"    def predict(self, messages, context=None, custom_inputs=None):\n        return None\n"
    )
    (tmp_path / "agent.py").write_bytes(
        b"import mlflow\n\nfrom support import SupportAgent\n\nmlflow.models.set_model(SupportAgent())\n"
    )
    plan = plan_project(tmp_path, jobs=1)
    assert not any(f.path == "start_server.py" for f in plan.files)
    (step,) = plan.manual_steps
    assert (step.path, step.rule) == ("agent.py", "MA001")
    assert "`SupportAgent` (a ChatAgent, support.py:4) is defined in another module" in step.message
    assert not next(f for f in plan.files if f.path == "support.py").changed
