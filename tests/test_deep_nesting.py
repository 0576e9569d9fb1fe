"""Valid agents nested deeper than Python's recursion limit allows a recursive walk: a long
string concatenation and a long `elif` chain in `predict`.

Our own walks (codemods.analysis.tree_walk, and `find_all` on it) read them. A plan of them does not
migrate them yet: libcst resolves metadata (and prints code) by recursing once per level of
nesting, and hits the recursion limit in `analyze_module`'s metadata resolution, before any rule
runs (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from codemods.analysis import tree_walk
from codemods.analysis.syntax import find_all
from migrate_agent.api import plan_project
from migrate_agent.migrate import engine
from migrate_agent.model import FileStatus

AGENT = '''\
import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Agent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        user = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        name = user.current_user.me().user_name
        kind = len(request.input)
{body}
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "m1")])


AGENT = Agent()
mlflow.models.set_model(AGENT)
'''


def _concatenation(terms: int) -> str:
    return "        text = " + " + ".join(f"'t{i}'" for i in range(terms)) + " + name\n"


def _elif_chain(branches: int) -> str:
    lines = ["        if kind == 0:", "            text = 'zero'"]
    for i in range(1, branches):
        lines += [f"        elif kind == {i}:", f"            text = 't{i}' + name"]
    lines += ["        else:", "            text = name"]
    return "\n".join(lines) + "\n"


DEEP = pytest.mark.parametrize(
    "body", [_concatenation(500), _elif_chain(300)], ids=["500-term concatenation", "300-branch elif"]
)


@DEEP
def test_our_walks_read_a_deeply_nested_agent(body: str) -> None:
    module = cst.parse_module(AGENT.format(body=body))
    nodes, ends = tree_walk.preorder(module)
    assert ends[0] == len(nodes)
    strings = find_all(module, cst.SimpleString)
    assert len(strings) >= 300 and [s.value for s in strings[:2]] in (["'t0'", "'t1'"], ["'zero'", "'t1'"])

    class _Count(cst.CSTVisitor):
        entered = 0

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.entered += 1
            return True

    counter = _Count()
    tree_walk.visit(module, counter)
    assert counter.entered == len(nodes)


@DEEP
def test_a_deeply_nested_agent_is_planned(tmp_path: Path, body: str) -> None:
    source = AGENT.format(body=body)
    ast.parse(source)  # a valid module
    (tmp_path / "agent.py").write_text(source)
    plan = plan_project(tmp_path, jobs=1)
    assert not plan.errors
    (agent,) = [f for f in plan.files if f.path == "agent.py"]
    assert agent.status is FileStatus.MIGRATED, agent.reason
    migrated = ast.parse(agent.after)
    assert [n.name for n in migrated.body if isinstance(n, ast.AsyncFunctionDef)] == [
        "invoke_handler", "stream_handler"
    ]


@pytest.mark.parametrize(
    "body", [_concatenation(3_000), _elif_chain(1_500)], ids=["3,000-term concatenation", "1,500-branch elif"]
)
def test_a_file_nested_beyond_the_limit_fails_alone(
    tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bounded recursion limit a file is one failed file with its reason; the other
    files of the project are still planned."""
    monkeypatch.setattr(engine, "DEEP_RECURSION_LIMIT", 400)
    (tmp_path / "agent.py").write_text(AGENT.format(body=body))
    (tmp_path / "shallow").mkdir()
    (tmp_path / "shallow" / "agent.py").write_text(AGENT.format(body="        text = name"))
    plan = plan_project(tmp_path, jobs=1)
    status = {f.path: (f.status, f.reason) for f in plan.files}
    assert status["agent.py"][0] is FileStatus.FAILED
    assert status["agent.py"][1].startswith("cannot convert: nested deeper than 400 levels of recursion allow")
    assert len(status["agent.py"][1]) < 300
    assert status["shallow/agent.py"][0] is FileStatus.MIGRATED
    assert plan.exit_code() == 2
