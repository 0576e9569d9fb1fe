"""Facts read from a rewritten tree without resolving its metadata again: node lines from one
printing (codemods.node_lines), qualified names from the analysed tree and the imports
(codemods.import_names), and the scope evidence built from them (engine).

Each is checked against libcst's own providers run on the same tree."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from codemods.identity_analysis import qualified_names, uses_in_module
from codemods.import_names import ImportedNames
from codemods.node_lines import line_finder
from migrate_agent.engine import migrate_source
from migrate_agent.model import FileStatus
from test_scaling import big_agent

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_SOURCES = sorted(p for p in GOLDEN.glob("*/*/**/*.py"))
OBO_INPUTS = sorted(
    p for p in GOLDEN.glob("*/input/**/*.py") if b"ModelServingUserCredentials" in p.read_bytes()
)

TRICKY = '''\
x = (
    call(
        a,
    )
)
if x:  # comment
    @decorator(
        1)
    def f(y: int,
          z=lambda: (q
                     .attr)):
        """doc
        string"""
        return [i for i in
                y]
value = {"k": (1,
               2)}; other = f"{x!r:>{width}}"
'''


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_finder_gives_libcst_start_lines(newline: str) -> None:
    sources = [TRICKY] + [p.read_text("utf-8") for p in GOLDEN_SOURCES[:40]]
    checked = 0
    for source in sources:
        module = cst.parse_module(source.replace("\r\n", "\n").replace("\n", newline))
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        line_of = line_finder(module)
        for node, where in positions.items():
            assert line_of(node) == where.start.line, (type(node).__name__, where)
            checked += 1
    assert checked > 10_000


IMPORTS = '''\
import os
import os.path
import numpy as np
import xml.etree.ElementTree as ET
from databricks.sdk import WorkspaceClient as WC
from .retriever import IndexRetriever
from . import tools
from ..pkg.mod import thing as other


def f():
    from databricks.sdk.credentials_provider import ModelServingUserCredentials
    return ModelServingUserCredentials()


os.path.join
np.array
ET.parse
WC().genie
IndexRetriever
tools.search
other.x
local_value.attr
'''


def test_imported_names_match_qualified_name_provider_for_imported_heads() -> None:
    module = cst.parse_module(IMPORTS)
    resolved = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    imported = ImportedNames(module)
    expressions = [s.body[0].value for s in module.body if isinstance(s, cst.SimpleStatementLine)
                   and isinstance(s.body[0], cst.Expr)]
    heads = [e.func if isinstance(e, cst.Call) else e for e in expressions]
    for node in heads[:-1]:
        assert imported.names_of(node) == qualified_names(resolved, node), cst.Module([]).code_for_node(node)
    assert imported.names_of(heads[-1]) == set()  # a local's attribute is no library name
    inner = next(c for c in cst.parse_module(IMPORTS).body if isinstance(c, cst.FunctionDef))
    call = inner.body.body[-1].body[0].value
    assert imported.names_of(call.func) == {
        "databricks.sdk.credentials_provider.ModelServingUserCredentials"
    }


def _evidence_read_again(after: bytes) -> list:
    return uses_in_module(MetadataWrapper(cst.parse_module(after), unsafe_skip_copy=True))


@pytest.mark.parametrize("path", OBO_INPUTS, ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_scope_evidence_of_a_rewritten_file_is_what_its_written_text_gives(path: Path) -> None:
    outcome = migrate_source(path.name, path.read_bytes())
    if outcome.status is not FileStatus.MIGRATED:
        pytest.skip("not rewritten: the evidence is read with the analysis' own metadata")
    assert outcome.user_client_uses == _evidence_read_again(outcome.after)


def test_scope_evidence_of_a_big_rewritten_agent_is_what_its_written_text_gives() -> None:
    outcome = migrate_source("agent.py", big_agent(20))
    assert outcome.status is FileStatus.MIGRATED
    assert outcome.user_client_uses  # the user clients of every block are used
    assert outcome.user_client_uses == _evidence_read_again(outcome.after)


def test_scope_evidence_follows_a_user_client_into_a_call_the_rewrite_made() -> None:
    source = b'''\
import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse
from retriever import IndexRetriever


class Agent(ResponsesAgent):
    def __init__(self):
        self.w = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        self.retriever = IndexRetriever(workspace_client=self.w)

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        hits = self.retriever.search(self.w.current_user.me().user_name)
        return ResponsesAgentResponse(output=[self.create_text_output_item(str(hits), "m1")])


AGENT = Agent()
mlflow.models.set_model(AGENT)
'''
    outcome = migrate_source("agent.py", source)
    assert outcome.status is FileStatus.MIGRATED
    targets = {use.target for use in outcome.user_client_uses if use.target}
    assert targets == {"retriever.IndexRetriever"}
    assert outcome.user_client_uses == _evidence_read_again(outcome.after)
