"""Imports the rules ask for, through libcst's AddImportsVisitor / RemoveImportsVisitor (run by
CodemodCommand after a rule), and where the new statements go (codemods._import_groups): placement
as isort / ruff would, the module's own statements kept, removals only of names no longer used."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from codemods._base import FIRST_PARTY_KEY, MigrationRule, run_import_visitors

REPO = Path(__file__).resolve().parent.parent


class _Requests(MigrationRule):
    """Asks for the given imports; drops the module's last statement when told to, asking for
    the removal of the imports it used."""

    def __init__(self, context, add=(), remove=(), drop_last=False) -> None:
        super().__init__(context)
        self.add, self.remove, self.drop_last = add, remove, drop_last

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        for request in self.add:
            self.add_needed_import(*request)
        for request in self.remove:
            self.remove_unused_import(*request)
        if self.drop_last:
            self.remove_unused_import_by_node(tree.body[-1])
            return tree.with_changes(body=tree.body[:-1])
        return tree


def edit(code: str, add=(), remove=(), first_party=(), drop_last=False, package=None) -> str:
    module = cst.parse_module(textwrap.dedent(code).lstrip("\n"))
    context = CodemodContext(full_package_name=package, scratch={FIRST_PARTY_KEY: set(first_party)})
    return _Requests(context, add, remove, drop_last).transform_module(module).code


def test_new_imports_go_to_their_sections_sorted_and_existing_lines_stay() -> None:
    before = '''
        """Docstring."""

        import os

        from zzz_lib import thing  # keep me

        from mypkg import helper

        VALUE = 1
    '''
    after = edit(
        before,
        add=[
            ("typing", "AsyncIterator"),
            ("agent_server_utils", "run_in_thread"),
            ("mlflow.genai.agent_server", "stream"),
            ("mlflow.genai.agent_server", "invoke"),
            ("copy",),
        ],
        first_party={"mypkg", "agent_server_utils"},
    )
    assert after == textwrap.dedent('''\
        """Docstring."""

        import copy
        import os
        from typing import AsyncIterator

        from mlflow.genai.agent_server import invoke, stream
        from zzz_lib import thing  # keep me

        from agent_server_utils import run_in_thread
        from mypkg import helper

        VALUE = 1
    ''')


def test_future_first_then_new_groups_and_blank_lines_before_code() -> None:
    before = '''
        # Copyright header stays on top.
        from __future__ import annotations
        class A:
            pass
    '''
    after = edit(before, add=[("mlflow.types.responses", "create_text_delta"), ("json",)])
    assert after == textwrap.dedent('''\
        # Copyright header stays on top.
        from __future__ import annotations

        import json

        from mlflow.types.responses import create_text_delta

        class A:
            pass
    ''')  # the blank line before the code is AddImportsVisitor's


def test_module_without_imports_gets_them_after_docstring_and_comments() -> None:
    after = edit('"""Doc."""\nclass A:\n    pass\n', add=[("typing", "Any")])
    assert after == '"""Doc."""\n\nfrom typing import Any\n\n\nclass A:\n    pass\n'
    after = edit("# header\nx = 1\n", add=[("typing", "Any")])
    assert after == "# header\nfrom typing import Any\n\nx = 1\n"


def test_relative_aliased_and_already_present_imports() -> None:
    before = """
        import json

        from mlflow.genai.agent_server import invoke as existing

        from .helpers import tool
    """
    after = edit(
        before,
        add=[
            ("json",),  # present
            ("mlflow.genai.agent_server", "invoke", "existing"),  # present, same alias
            ("mlflow.genai.agent_server", "invoke", "agent_server_invoke"),
            (".helpers", "other"),
            ("..shared", "config"),
            ("numpy", None, "np"),
        ],
    )
    assert after == textwrap.dedent("""\
        import json

        import numpy as np
        from mlflow.genai.agent_server import invoke as agent_server_invoke, invoke as existing

        from ..shared import config
        from .helpers import other
        from .helpers import tool
    """)  # AddImportsVisitor merges a new name into the module's `from` statement of its module


def test_a_new_name_joins_the_statement_of_its_module_printed_as_isort_would() -> None:
    before = """
        \"\"\"Doc.\"\"\"

        import mlflow
        from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse
        from zzz import (  # a comment keeps the statement as libcst leaves it
            b,
        )
    """
    after = edit(
        before,
        add=[("mlflow.types.responses", "create_text_delta"), ("mlflow.types.responses", "ResponsesAgentStreamEvent"), ("zzz", "a")],
        remove=[("mlflow",)],
    )
    assert after == textwrap.dedent("""\
        \"\"\"Doc.\"\"\"

        from mlflow.types.responses import (
            ResponsesAgentRequest,
            ResponsesAgentResponse,
            ResponsesAgentStreamEvent,
            create_text_delta,
        )
        from zzz import (  # a comment keeps the statement as libcst leaves it
            a, b,
        )
    """)  # the blank line above the removed `import mlflow` stays


def test_long_lines_wrap_one_name_per_line_with_the_module_newline() -> None:
    names = ["ResponsesAgentRequest", "ResponsesAgentResponse", "ResponsesAgentStreamEvent", "create_text_delta"]
    after = edit("import os\r\n", add=[("mlflow.types.responses", n) for n in reversed(names)])
    assert after == (
        "import os\r\n\r\nfrom mlflow.types.responses import (\r\n"
        + "".join(f"    {n},\r\n" for n in names)
        + ")\r\n"
    )


def test_removal_keeps_used_names_and_the_rest_of_the_statement() -> None:
    before = """
        import mlflow
        from mlflow.pyfunc import (
            PythonModel,
            ResponsesAgent,
        )
        from databricks.sdk import WorkspaceClient

        # About the client.
        from mlflow.models import set_model

        client = WorkspaceClient()
        __all__ = ["PythonModel"]
    """
    after = edit(
        before,
        remove=[
            ("mlflow", None, None),
            ("mlflow.pyfunc", "ResponsesAgent", None),
            ("mlflow.pyfunc", "PythonModel", None),
            ("databricks.sdk", "WorkspaceClient", None),
            ("mlflow.models", "set_model", None),
        ],
    )
    # libcst's RemoveImportsVisitor removes a statement with the comment above it; a statement
    # whose names changed is printed as isort would
    assert after == textwrap.dedent("""\
        from mlflow.pyfunc import PythonModel
        from databricks.sdk import WorkspaceClient

        client = WorkspaceClient()
        __all__ = ["PythonModel"]
    """)


def test_names_in_comments_docstrings_and_attributes_do_not_keep_an_import() -> None:
    before = '''
        from mlflow.pyfunc import ResponsesAgent

        class A:
            """Was a ResponsesAgent."""
            # ResponsesAgent base removed
            kind = other.ResponsesAgent
    '''
    after = edit(before, remove=[("mlflow.pyfunc", "ResponsesAgent", None)])
    assert "import" not in after and after.startswith("class A:")  # no blank line left where the import was


def test_remove_by_node_finds_the_import_through_scopes() -> None:
    after = edit("import mlflow.models as mm\nfrom x import y\n\nmm.set_model(y())\n", drop_last=True)
    assert after.strip() == ""


def test_a_relative_import_goes_when_the_package_is_known_and_stays_otherwise() -> None:
    code = "import mlflow\nfrom .config import ENDPOINT\n\nmlflow.models.set_model(ENDPOINT)\n"
    assert edit(code, drop_last=True, package="pkg").strip() == ""
    assert edit(code, drop_last=True) == "from .config import ENDPOINT\n"


@pytest.mark.parametrize("rule", ["migrate.MigrateAgent", "ma002_responses_helpers.ResponsesHelpers"])
def test_codemods_run_under_libcst_tool(tmp_path: Path, rule: str) -> None:
    agent = tmp_path / "agent.py"
    agent.write_text(
        "import mlflow\nfrom mlflow.pyfunc import ResponsesAgent\n\n\n"
        "class A(ResponsesAgent):\n    def predict(self, request):\n"
        "        return self.create_text_output_item('hi', 'a1')\n\n\n"
        "mlflow.models.set_model(A())\n"
    )
    (tmp_path / ".libcst.codemod.yaml").write_text(
        "generated_code_marker: '@generated'\nformatter: []\nblacklist_patterns: []\n"
        "modules: [codemods]\nrepo_root: .\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "--no-format", rule, str(agent)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = agent.read_text()
    assert re.search(r"^from mlflow.types.responses import (.*, )?create_text_output_item$|^    create_text_output_item,$", text, re.M)
    assert "self.create_text_output_item" not in text
    if rule.startswith("migrate."):
        assert "@invoke()" in text and "(ResponsesAgent)" not in text and "import mlflow\n" not in text


def test_a_plan_without_agents_imports_no_mlflow(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text("def f():\n    return 1\n")
    (tmp_path / "chat.py").write_text("# mentions ChatModel but holds none\nX = 1\n")
    probe = (
        "import sys\nfrom migrate_agent.api import plan_project\n"
        f"plan_project(__import__('pathlib').Path({str(tmp_path)!r}), jobs=1)\n"
        "print(sorted(m for m in sys.modules if m.startswith('mlflow')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


HEADS = {
    "docstring, imports, code": '"""Doc."""\nimport os\nfrom json import dumps\n\nX = 1\nimport re\n',
    "merge into a from import": "from json import dumps\nfrom mlflow.genai.agent_server import invoke\n\ndef f():\n    return 1\n",
    "no imports": "# a comment\nX = 1\n\n\ndef f():\n    from json import dumps\n",
    "strict flag first": "__strict__ = True\nimport os\nY = 2\nZ = 3\n",
    "strict flag, many imports": "__strict__ = True\nimport os\nimport sys\nfrom json import dumps\nY = 2\n",
    "only imports": "import os\nimport sys\n",
    "imports after code only": "X = 1\nfrom json import dumps\nfrom mlflow.genai.agent_server import invoke\n",
}


@pytest.mark.parametrize("source", HEADS.values(), ids=HEADS.keys())
def test_new_imports_on_the_head_are_those_of_the_whole_module(source: str) -> None:
    """AddImportsVisitor is run on the module's head only; it must change a module exactly as
    running it on the whole module does."""
    wanted = [("mlflow.genai.agent_server", "stream"), ("json", "loads"), ("agent_server_utils", None)]

    def scheduled() -> CodemodContext:
        context = CodemodContext()
        for module, name in wanted:
            AddImportsVisitor.add_needed_import(context, module, name)
        return context

    module = cst.parse_module(source)
    whole = module.visit(AddImportsVisitor(scheduled()))
    assert run_import_visitors(scheduled(), module).code == whole.code
