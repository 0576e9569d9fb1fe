"""Big agent files migrate, with a cost linear in their size (issue: ~1,000 top-level statements
ended in RecursionError, a 6.5 MB file took 16 minutes and 8.7 GB).

No wall-clock threshold: the size check compares the CPU time of one file with that of a file
four times its size, with a margin wide enough for a loaded machine (a quadratic cost would be
~16 times, a linear one ~4).
"""

from __future__ import annotations

import ast
import time

from migrate_agent.migrate.engine import migrate_source
from migrate_agent.model import FileStatus

HEADER = '''"""A big agent module."""

import json

import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

'''

BLOCK = '''
SETTING_{i} = {{"name": "setting-{i}", "values": [1, 2, 3], "enabled": {i} % 2 == 0}}
service_{i} = WorkspaceClient()
user_{i} = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())


def helper_{i}(value, scale={i}):
    if value > scale:
        return json.dumps({{"value": value, "owner": user_{i}.current_user.me().user_name}})
    return service_{i}.current_user.me().user_name


class Record{i}:
    kind = "record-{i}"


if SETTING_{i}["enabled"]:
    SETTING_{i}["extra"] = helper_{i}({i})
'''

FOOTER = '''

class BigAgent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(helper_0(1), "b1")])


AGENT = BigAgent()
mlflow.models.set_model(AGENT)
'''


def big_agent(blocks: int) -> bytes:
    """An agent module with 6 top-level statements per block (and a user client in each)."""
    return (HEADER + "".join(BLOCK.format(i=i) for i in range(blocks)) + FOOTER).encode()


def test_an_agent_with_1200_top_level_statements_migrates() -> None:
    data = big_agent(200)
    assert len(ast.parse(data).body) > 1200
    outcome = migrate_source("agent.py", data)
    assert outcome.status is FileStatus.MIGRATED, outcome.reason
    migrated = ast.parse(outcome.after)
    handlers = [n.name for n in migrated.body if isinstance(n, ast.AsyncFunctionDef)]
    assert handlers == ["invoke_handler", "stream_handler"]
    # Every module-level user client became a per-request function, and no import was lost.
    text = outcome.after.decode()
    assert text.count("@request_scoped") == 200
    assert "from agent_server_utils import" in text and "import json\n" in text


def test_cost_grows_linearly_with_file_size() -> None:
    small, large = big_agent(60), big_agent(240)
    migrate_source("agent.py", small)  # warm imports and caches
    small_time = _cpu_time(small)
    large_time = _cpu_time(large)
    assert large_time < 10 * small_time, (small_time, large_time)


def _cpu_time(data: bytes) -> float:
    start = time.process_time()
    outcome = migrate_source("agent.py", data)
    elapsed = time.process_time() - start
    assert outcome.status is FileStatus.MIGRATED
    return elapsed
