"""`from agent import AGENT; AGENT.predict({...})` after the migration, as before it.

Test cells, notebooks and scripts call the exported agent with a plain dict: the ResponsesAgent
base (and ChatAgent's) validated such a dict into the request type. The migrated module keeps the
name (`AGENT = LazyAgent(get_agent)`); called with the same dicts, in a subprocess that imports
the module as a script does, it must answer what the original answered, and refuse what the
original refused with the same kind of error. The agents call the stub workspace's LLM.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.golden import expected_dir, input_dir
from tests.support.normalize import normalize
from tests.support.process_env import isolated_env
from tests.support.stub_workspace import StubWorkspace

pytestmark = pytest.mark.e2e

QUESTION = "hello from a test cell"
# golden case -> the dict its original's interface accepted
CASES = {
    "predict_and_stream": {"input": [{"role": "user", "content": QUESTION}], "custom_inputs": {"k": "v"}},
    "legacy_chat_agent_streaming": {"messages": [{"role": "user", "content": QUESTION}]},
}
INVALID = {"input": "not a list of items", "messages": "not a list of messages"}

# What a test cell does; prints one JSON line: the answers, and the error an invalid dict raised.
SCRIPT = """
import json, sys
from agent import AGENT

payload, invalid = json.loads(sys.argv[1]), json.loads(sys.argv[2])

def plain(value):
    return value.model_dump(exclude_none=True) if hasattr(value, "model_dump") else value

answer = plain(AGENT.predict(payload))
events = [plain(event) for event in AGENT.predict_stream(payload)]
try:
    AGENT.predict(invalid)
    refused = None
except Exception as error:
    refused = type(error).__name__
print("RESULT " + json.dumps({"predict": answer, "predict_stream": events, "invalid": refused}))
"""


def call_agent(project: Path, stub: StubWorkspace, payload: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="kept-name-") as scratch:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, json.dumps(payload), json.dumps(INVALID)],
            cwd=project, env=isolated_env(stub.url, "test-cell-token", Path(scratch)),
            capture_output=True, text=True, timeout=120, check=False,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("case", sorted(CASES))
def test_exported_name_accepts_the_dicts_the_original_accepted(case: str, stub: StubWorkspace) -> None:
    original = call_agent(input_dir(case), stub, CASES[case])
    migrated = call_agent(expected_dir(case), stub, CASES[case])
    assert original["predict"] and original["predict_stream"], "the original answered nothing"
    assert original["invalid"], "the original accepted an invalid dict: nothing to compare"
    assert normalize(migrated["predict"]) == normalize(original["predict"])
    assert normalize(migrated["predict_stream"]) == normalize(original["predict_stream"])
    assert migrated["invalid"] == original["invalid"]
