"""MA006 python-version (codemods.ma006_python_version.PythonVersion): syntax Python 3.11
(Databricks Apps) rejects (PEP 701 f-strings, PEP 695 `type` statements and type parameters) is
found on the tree, on any interpreter, and the innermost statement holding it is marked once with
a TODO; code 3.11 parses is left alone. Also the same verdict for the helper modules the agent
imports (through plan_project). No-op cases first, then the markers."""

from __future__ import annotations

import ast
import sys

import libcst as cst
import pytest
from libcst.codemod import CodemodTest

from codemods.analysis.python_version import newer_syntax
from codemods.ma006_python_version import PythonVersion


class TestPythonVersionNoop(CodemodTest):
    TRANSFORM = PythonVersion

    def test_code_python_311_parses_is_left_alone(self) -> None:
        code = '''
            def names(rows):
                return [f"{r['name']}" for r in rows]
        '''
        self.assertCodemod(code, code)

    def test_typevar_generics_are_left_alone(self) -> None:
        code = '''
            from typing import TypeVar

            T = TypeVar("T")


            def first(items: list[T]) -> T:
                return items[0]
        '''
        self.assertCodemod(code, code)

    def test_triple_quoted_f_string_reusing_the_quote_is_left_alone(self) -> None:
        code = '''
            def label(row):
                return f"""{row["name"]}"""
        '''
        self.assertCodemod(code, code)


class TestPythonVersion(CodemodTest):
    TRANSFORM = PythonVersion

    def test_innermost_statement_is_marked_once(self) -> None:
        before = '''
            def names(rows):
                for r in rows:
                    yield f"{r["name"]}", f"{r["kind"]}"
                return f"{rows!r}"
        '''
        after = '''
            def names(rows):
                for r in rows:
                    # TODO(migrate-agent): [MA006] an f-string that reuses its quote " inside {...} (PEP 701, Python 3.12+): Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11
                    yield f"{r["name"]}", f"{r["kind"]}"
                return f"{rows!r}"
        '''
        self.assertCodemod(before, after)

    def test_type_statement_is_marked(self) -> None:
        before = '''
            from typing import Any

            type Row = dict[str, Any]


            def first(rows: list[Row]) -> Row:
                return rows[0]
        '''
        after = '''
            from typing import Any

            # TODO(migrate-agent): [MA006] a `type X = ...` statement (PEP 695, Python 3.12+): Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11
            type Row = dict[str, Any]


            def first(rows: list[Row]) -> Row:
                return rows[0]
        '''
        self.assertCodemod(before, after)
        self.assertCodemod(after, after)  # marked once

    def test_marker_on_the_modules_first_statement_is_not_added_twice(self) -> None:
        marked = '''
            # TODO(migrate-agent): [MA006] a `type X = ...` statement (PEP 695, Python 3.12+): Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11
            type Row = dict[str, str]
        '''
        self.assertCodemod(marked, marked)


# -- the syntax check itself, and the helper modules (moved from tests/test_python_version.py) --

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
