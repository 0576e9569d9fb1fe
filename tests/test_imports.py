"""The import engine the rules share (codemods._imports): placement as isort / ruff would, user
statements kept as written, removals only of names no longer used, no libcst.codemod needed."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from codemods._context import RuleContext
from codemods._imports import (
    FIRST_PARTY_KEY,
    apply_scheduled_imports,
    schedule_add,
    schedule_remove,
    schedule_remove_by_node,
)
from libcst.metadata import MetadataWrapper, ScopeProvider

REPO = Path(__file__).resolve().parent.parent


def edit(code: str, add=(), remove=(), first_party=()) -> str:
    module = cst.parse_module(textwrap.dedent(code).lstrip("\n"))
    context = RuleContext(scratch={FIRST_PARTY_KEY: set(first_party)})
    for request in add:
        schedule_add(context, *request)
    for request in remove:
        schedule_remove(context, *request)
    return apply_scheduled_imports(module, context).code


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
    ''')


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
        from mlflow.genai.agent_server import invoke as agent_server_invoke
        from mlflow.genai.agent_server import invoke as existing

        from ..shared import config
        from .helpers import other
        from .helpers import tool
    """)


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
    assert after == textwrap.dedent("""\
        from mlflow.pyfunc import (
            PythonModel,
        )
        from databricks.sdk import WorkspaceClient

        # About the client.

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
    assert "import" not in after and after.startswith("\nclass A:")


def test_remove_by_node_finds_the_import_through_scopes() -> None:
    module = cst.parse_module("import mlflow.models as mm\nfrom x import y\n\nmm.set_model(y())\n")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.resolve(ScopeProvider)
    context = RuleContext(wrapper=wrapper)
    schedule_remove_by_node(context, module.body[-1])
    body = [*module.body[:-1]]
    assert apply_scheduled_imports(module.with_changes(body=body), context).code.strip() == ""


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


def test_a_plan_without_agents_imports_no_libcst_codemod_matchers_or_typer(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text("def f():\n    return 1\n")
    (tmp_path / "chat.py").write_text("# mentions ChatModel but holds none\nX = 1\n")
    probe = (
        "import sys\nfrom migrate_agent.api import plan_project\n"
        f"plan_project(__import__('pathlib').Path({str(tmp_path)!r}), jobs=1)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('libcst.codemod', 'libcst.matchers', 'mlflow'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_migrating_an_agent_imports_no_libcst_codemod_or_matchers(tmp_path: Path) -> None:
    """Rules must not import libcst.matchers / libcst.codemod (~0.15 s each run, more than
    parsing a typical agent): use codemods._syntax (find_all, ...) and the rule base's API."""
    source = (REPO / "tests" / "golden" / "user_client_in_init" / "input" / "agent.py").read_bytes()
    probe = (
        "import sys\nfrom migrate_agent.engine import migrate_source\n"
        f"outcome = migrate_source('agent.py', {source!r})\nassert outcome.after != {source!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(('libcst.codemod', 'libcst.matchers', 'mlflow'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
