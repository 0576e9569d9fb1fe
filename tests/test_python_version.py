"""MA006: syntax Python 3.11 (Databricks Apps) rejects is found on the tree, on any interpreter."""

from __future__ import annotations

import ast
import sys

import libcst as cst
import pytest

from codemods.analysis.python_version import newer_syntax

# (source, needs Python 3.12+)
SAMPLES = [
    ('f"{a["b"]}"', True),
    ("f'{a['b']}'", True),
    ('f"{x:{"a"}}"', True),
    ('f"{"\\n".join(x)}"', True),
    ('f"{f"{x}"}"', True),
    ('f"{x # note\n}"', True),
    ('f"{\nx}"', True),
    ("type Pair = tuple[int, int]", True),
    ("def first[T](items: list[T]) -> T: ...", True),
    ("class Box[T]: ...", True),
    ("f\"{a['b']}\"", False),
    ('f"""{a["b"]}"""', False),
    ("f'{x!r:>{width}}'", False),
    ("f'{\"#\"}'", False),
    ('rf"{a}\\d"', False),
    ("f'{f\"{x}\"}'", False),
    ('f"""{\nx\n}"""', False),
    ("try:\n    pass\nexcept* ValueError:\n    pass", False),
]


def flagged(source: str) -> bool:
    module = cst.parse_module(source + "\n")
    found: list[str] = []

    class Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if newer_syntax(node):
                found.append(newer_syntax(node))
            return True

    module.visit(Find())
    return bool(found)


@pytest.mark.parametrize(("source", "newer"), SAMPLES)
def test_newer_syntax_is_found(source: str, newer: bool) -> None:
    assert flagged(source) is newer


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="compares with Python 3.11's own parser")
@pytest.mark.parametrize(("source", "newer"), SAMPLES)
def test_agrees_with_python_311(source: str, newer: bool) -> None:
    try:
        ast.parse(source)
        accepted = True
    except SyntaxError:
        accepted = False
    assert accepted is not newer


HELPER_AGENT = '''\
import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from helpers import label


class Labeler(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = label({"k": request.input[-1].content})
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "l1")])


mlflow.models.set_model(Labeler())
'''


@pytest.mark.parametrize(
    ("helper", "line", "problem"),
    [
        ('def label(x):\n    return f"{x["k"]}"\n', 2, "an f-string that reuses its quote \""),
        ("def label(x):\n    return x\n\n\ntype Row = dict[str, str]\n", 5, "a `type X = ...` statement"),
        ('def label(x):\n    return f"{x[\'k\']}"\n', None, None),
    ],
)
def test_helper_module_gets_the_rules_verdict_on_any_interpreter(
    tmp_path, helper: str, line: int | None, problem: str | None
) -> None:
    """One check for the agent's file and the helpers it imports: a PEP 701 f-string in a helper
    is flagged on 3.10 and 3.11 (whose parser rejects it) and on 3.12+ (whose
    `ast.parse(feature_version=(3, 11))` accepts it) alike, with MA006's message."""
    from migrate_agent.api import plan_project

    (tmp_path / "agent.py").write_text(HELPER_AGENT)
    (tmp_path / "helpers.py").write_text(helper)
    steps = [s for s in plan_project(tmp_path, jobs=1).manual_steps if s.rule == "MA006"]
    if problem is None:
        assert steps == []
        return
    assert [(s.path, s.line) for s in steps] == [("helpers.py", line)]
    assert steps[0].message.startswith(problem)
    assert steps[0].message.endswith(
        "Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11 "
        "(the agent imports this module)"
    )


def test_helper_module_python_cannot_parse_is_flagged(tmp_path) -> None:
    from migrate_agent.api import plan_project

    (tmp_path / "agent.py").write_text(HELPER_AGENT)
    (tmp_path / "helpers.py").write_text("def label(x:\n    return x\n")
    steps = [s for s in plan_project(tmp_path, jobs=1).manual_steps if s.rule == "MA006"]
    assert [(s.path, s.line) for s in steps] == [("helpers.py", 2)]
    assert steps[0].message.startswith("does not parse as Python 3.11")
