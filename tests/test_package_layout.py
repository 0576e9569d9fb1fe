"""Agents inside packages (issue 15 item 5, issue 14 item 3): the generated runtime modules are
imported the way the agent imports its own siblings, so the migrated agent imports from the
project root (`import pkg.agent`, a test's `from pkg.agent import AGENT`), in a `src/` layout and
in a folder without `__init__.py` (a namespace package its relative imports need), and the app
serves it as `pkg.agent`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from codemods.analysis.package_layout import ProjectFiles, module_imports, module_layout
from migrate_agent.api import apply_plan, plan_project
from migrate_agent.app.scaffold import served_module
from tests.support.golden import expected_dir


def layout(path: str, code: str, files: list[str]):
    return module_layout(path, module_imports(cst.parse_module(textwrap.dedent(code))), ProjectFiles.of(files))


def test_file_at_the_root_imports_the_runtime_top_level() -> None:
    found = layout("agent.py", "from helpers import x\n", ["agent.py", "helpers.py"])
    assert (found.module, found.generated("agent_server_utils")) == ("agent", ("agent_server_utils", 0))


def test_module_of_a_regular_package_imports_the_runtime_relatively() -> None:
    found = layout("pkg/agent.py", "import os\n", ["pkg/__init__.py", "pkg/agent.py"])
    assert (found.module, found.generated("agent_server_utils")) == ("pkg.agent", ("agent_server_utils", 1))


def test_relative_imports_without_init_make_a_namespace_package() -> None:
    found = layout("a/pkg/agent.py", "from .helper import x\n", ["a/pkg/agent.py", "a/pkg/helper.py"])
    assert (found.module, found.generated("legacy_agent_adapters")) == ("pkg.agent", ("legacy_agent_adapters", 1))
    deeper = layout("a/pkg/agent.py", "from ..shared import x\n", ["a/pkg/agent.py", "a/shared.py"])
    assert deeper.module == "a.pkg.agent"


def test_absolute_imports_of_siblings_give_the_package_name_in_a_src_layout() -> None:
    files = ["src/pkg/__init__.py", "src/pkg/agent.py", "src/pkg/formatting.py"]
    found = layout("src/pkg/agent.py", "from pkg.formatting import PREFIX\n", files)
    assert (found.module, found.generated("agent_server_utils")) == ("pkg.agent", ("pkg.agent_server_utils", 0))


def test_a_folder_named_like_an_installed_package_is_not_taken_for_the_agents_package() -> None:
    # `databricks/agent.py` importing databricks.sdk: no `databricks/sdk` in the project.
    found = layout("databricks/agent.py", "from databricks.sdk import WorkspaceClient\n", ["databricks/agent.py"])
    assert (found.module, found.generated("agent_server_utils")) == ("agent", ("agent_server_utils", 0))


def test_folder_without_init_importing_siblings_top_level_stays_top_level() -> None:
    found = layout("agents/agent.py", "from helpers import x\n", ["agents/agent.py", "agents/helpers.py"])
    assert (found.module, found.generated("agent_server_utils")) == ("agent", ("agent_server_utils", 0))


# (golden case, code run from the migrated project's root, PYTHONPATH for it)
IMPORTED_FROM_ROOT = [
    ("agent_in_package", "import pkg.agent", ""),
    ("namespace_package_relative_imports", "import pkg.agent", ""),
    ("package_agent_imports_siblings_absolutely", "from pkg.agent import AGENT; assert callable(AGENT.predict)", ""),
    ("src_layout_agent", "from pkg.agent import AGENT; assert callable(AGENT.predict)", "src"),
]


@pytest.mark.parametrize(("case", "code", "pythonpath"), IMPORTED_FROM_ROOT, ids=[c[0] for c in IMPORTED_FROM_ROOT])
def test_migrated_agent_imports_as_a_module_of_its_package_from_the_project_root(
    case: str, code: str, pythonpath: str
) -> None:
    project = expected_dir(case)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "MLFLOW_"))}
    env["PYTHONPATH"] = str(project / pythonpath) if pythonpath else ""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True,
        check=False, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_namespace_package_agent_is_served_as_a_module_of_its_package() -> None:
    server = expected_dir("namespace_package_relative_imports") / "pkg" / "start_server.py"
    assert served_module(server.read_bytes()) == "pkg.agent"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))


def apply(root: Path) -> None:
    assert apply_plan(plan_project(root, jobs=1)) in (0, 1)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


CHAT_AGENT = """\
    import mlflow
    from mlflow.pyfunc import ChatAgent
    from mlflow.types.agent import ChatAgentMessage, ChatAgentResponse

    from .replies import REPLY


    class PackagedChatAgent(ChatAgent):
        def predict(self, messages, context=None, custom_inputs=None):
            return ChatAgentResponse(messages=[ChatAgentMessage(role="assistant", content=REPLY, id="c1")])


    mlflow.models.set_model(PackagedChatAgent())
"""


def test_legacy_agent_in_a_namespace_package_imports_its_adapters_relatively(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/agent.py": CHAT_AGENT, "pkg/replies.py": 'REPLY = "hi"\n'})
    apply(tmp_path)
    migrated = (tmp_path / "pkg" / "agent.py").read_text()
    assert "from .legacy_agent_adapters import" in migrated
    assert "from .agent_server_utils import" in migrated
    assert (tmp_path / "pkg" / "legacy_agent_adapters.py").is_file()
    assert served_module((tmp_path / "pkg" / "start_server.py").read_bytes()) == "pkg.agent"
    first = snapshot(tmp_path)
    apply(tmp_path)
    assert snapshot(tmp_path) == first


AGENT_USING_TOOLS = """\
    import mlflow
    from mlflow.pyfunc import ResponsesAgent
    from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

    from {tools} import who_am_i


    class ToolAgent(ResponsesAgent):
        def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
            return ResponsesAgentResponse(output=[self.create_text_output_item(text=who_am_i(), id="t1")])


    mlflow.models.set_model(ToolAgent())
"""
USER_TOOL = """\
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.credentials_provider import ModelServingUserCredentials


    def who_am_i() -> str:
        client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        return client.current_user.me().user_name
"""


@pytest.mark.parametrize(
    ("files", "agent", "expected"),
    [
        # the helper beside the agent, in its package: a sibling
        ({"pkg/__init__.py": "", "pkg/agent.py": AGENT_USING_TOOLS.format(tools=".tools"),
          "pkg/tools.py": USER_TOOL},
         "pkg/tools.py", "from .agent_server_utils import get_user_workspace_client"),
        # the helper in a package of its own, the agent at the root: the runtime is top-level
        ({"agent.py": AGENT_USING_TOOLS.format(tools="tools.user"), "tools/__init__.py": "",
          "tools/user.py": USER_TOOL},
         "tools/user.py", "from agent_server_utils import get_user_workspace_client"),
        # the helper at the root, the agent in a package: from the agent's package
        ({"pkg/__init__.py": "", "pkg/agent.py": AGENT_USING_TOOLS.format(tools="user_tools"),
          "user_tools.py": USER_TOOL},
         "user_tools.py", "from pkg.agent_server_utils import get_user_workspace_client"),
    ],
    ids=["beside_the_agent", "agent_at_root", "agent_in_package"],
)
def test_helper_module_imports_the_runtime_where_it_is_written(
    tmp_path: Path, files: dict[str, str], agent: str, expected: str
) -> None:
    write(tmp_path, files)
    apply(tmp_path)
    assert expected in (tmp_path / agent).read_text()
    first = snapshot(tmp_path)
    apply(tmp_path)
    assert snapshot(tmp_path) == first


RELATIVE_AGENT = """\
    import mlflow
    from mlflow.pyfunc import ResponsesAgent
    from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

    from .helper import TEXT


    class DashedFolderAgent(ResponsesAgent):
        def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
            return ResponsesAgentResponse(output=[self.create_text_output_item(text=TEXT, id="d1")])


    mlflow.models.set_model(DashedFolderAgent())
"""


def test_relative_imports_in_a_folder_that_is_no_package_name_are_a_manual_step(tmp_path: Path) -> None:
    write(tmp_path, {"my-agent/agent.py": RELATIVE_AGENT, "my-agent/helper.py": 'TEXT = "hi"\n'})
    for run in range(2):  # the second apply says the same and changes nothing
        plan = plan_project(tmp_path, jobs=1)
        steps = [s for s in plan.manual_steps if s.path == "my-agent/agent.py" and "relative imports" in s.message]
        assert len(steps) == 1 and "`my-agent` is not a valid package name" in steps[0].message
        before = snapshot(tmp_path)
        assert apply_plan(plan) == 1
        if run:
            assert snapshot(tmp_path) == before
