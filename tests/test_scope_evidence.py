"""The scope evidence of a rewritten file (`file:line` of each user-client call) is read from the
tree as it is written, with that tree's own metadata: its lines are the written file's lines."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper
from test_scaling import big_agent

from codemods.analysis.identity_analysis import uses_in_module
from migrate_agent.migrate.engine import migrate_source
from migrate_agent.model import FileStatus

GOLDEN = Path(__file__).parent / "golden"
OBO_INPUTS = sorted(
    p for p in GOLDEN.glob("*/input/**/*.py") if b"ModelServingUserCredentials" in p.read_bytes()
)


def _evidence_of_written(after: bytes) -> list:
    return uses_in_module(MetadataWrapper(cst.parse_module(after), unsafe_skip_copy=True))


def _assert_lines_are_the_written_files(outcome) -> None:
    """Each use starts on its line of the written file, and reading the written file again gives
    the same evidence."""
    assert outcome.status is FileStatus.MIGRATED, outcome.reason
    written = outcome.after.decode().splitlines()
    for use in outcome.user_client_uses:
        assert use.code.split("(")[0].split()[0] in written[use.line - 1], (use, written[use.line - 1])
    assert list(outcome.user_client_uses) == _evidence_of_written(outcome.after)


@pytest.mark.parametrize("path", OBO_INPUTS, ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_evidence_lines_of_a_rewritten_golden_are_the_written_files(path: Path) -> None:
    outcome = migrate_source(path.name, path.read_bytes())
    _assert_lines_are_the_written_files(outcome)
    if path.name == "agent.py":
        assert outcome.user_client_uses


def test_evidence_lines_of_a_big_rewritten_agent_are_the_written_files() -> None:
    outcome = migrate_source("agent.py", big_agent(20))
    assert len(outcome.user_client_uses) >= 20  # the user clients of every block are used
    _assert_lines_are_the_written_files(outcome)


def test_evidence_follows_a_user_client_into_a_call_the_rewrite_made() -> None:
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
    assert outcome.user_client_uses
    assert {use.target for use in outcome.user_client_uses if use.target} == {"retriever.IndexRetriever"}
    _assert_lines_are_the_written_files(outcome)
