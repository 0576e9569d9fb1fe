"""A caller MA009 rewrote gets from the migrated app the answer the original caller got from
the Model Serving endpoint (issue 17 §1), for the golden case `callers_rewritten_to_call_the_app`:
its evaluate.py asks through the OpenAI client in chat format (read as
`.choices[0].message.content`) and in Responses format, and through the SDK's
`serving_endpoints.query` with chat messages.

The endpoint is a stand-in on the stub workspace that answers as the original agent does: the
original agent is run first as Model Serving runs it (tests/support/original_runner.py) and its
answers are what the stub's endpoint gives. The rewritten caller runs against the same stub with
the migrated app started (uvicorn, its app.yaml command) and registered as the stub's app; it
calls it through `DatabricksOpenAI` (a stand-in of databricks-openai, which is not installed
here: tests/support/caller_shims). Both callers run in subprocesses (nothing of the project is
imported here) and authenticate with OAuth machine-to-machine credentials, as Apps require.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.app_runner import running_app
from tests.support.golden import expected_dir, input_dir
from tests.support.original_runner import Call, run_original_calls
from tests.support.process_env import base_env
from tests.support.stub_workspace import StubWorkspace

pytestmark = pytest.mark.e2e

CASE = "callers_rewritten_to_call_the_app"
ENDPOINT = "agents_main-agents-answer_agent"
APP = "answer-agent"
QUESTIONS = {
    "ask_chat": "What is Databricks?",
    "ask_responses": "What is an app?",
    "ask_sdk": "What is Model Serving?",
}
SHIMS = Path(__file__).parents[1] / "support" / "caller_shims"
ASK = (
    "import json, sys\n"
    "import evaluate\n"
    "questions = json.loads(sys.argv[1])\n"
    "print(json.dumps({name: getattr(evaluate, name)(q) for name, q in questions.items()}))\n"
)


def run_caller(project: Path, stub: StubWorkspace, *, shims: bool) -> dict[str, str]:
    """evaluate.py's functions called in a subprocess in `project`: name -> the text returned."""
    scratch = Path(tempfile.mkdtemp(prefix="e2e-caller-"))
    env = base_env(scratch)
    env.update(
        DATABRICKS_HOST=stub.url, DATABRICKS_CLIENT_ID="caller-sp", DATABRICKS_CLIENT_SECRET="caller-secret",
        PYTHONPATH=os.pathsep.join([str(SHIMS)] if shims else []),
    )
    done = subprocess.run(
        [sys.executable, "-c", ASK, json.dumps(QUESTIONS)], cwd=project, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def endpoint_calls(stub: StubWorkspace) -> list:
    """The requests the stub received for the endpoint: by URL, or naming it as the model."""
    return [
        r for r in stub.requests("/serving-endpoints/")
        if r.path == f"/serving-endpoints/{ENDPOINT}/invocations" or r.body.get("model") == ENDPOINT
    ]


def output_text(response: dict) -> str:
    return "".join(
        part.get("text", "")
        for item in response.get("output", []) if item.get("type") == "message"
        for part in item.get("content", []) if part.get("type") == "output_text"
    )


def test_rewritten_caller_gets_from_the_app_what_the_original_got_from_the_endpoint(stub: StubWorkspace) -> None:
    with StubWorkspace() as serving:  # the original agent, run as the endpoint ran it
        run = run_original_calls(
            input_dir(CASE), serving,
            [Call("predict", {"input": [{"role": "user", "content": q}]}) for q in QUESTIONS.values()],
        )
    agent_answers = {question: output_text(call.result) for question, call in zip(QUESTIONS.values(), run.calls)}
    assert all(agent_answers.values()), run.log
    expected = {name: agent_answers[question] for name, question in QUESTIONS.items()}

    stub.endpoints[ENDPOINT] = agent_answers.__getitem__
    before = run_caller(input_dir(CASE), stub, shims=False)
    assert len(endpoint_calls(stub)) == 3

    stub.reset()  # the endpoint is gone: only the app can answer now
    with running_app(expected_dir(CASE), stub) as app:
        stub.apps[APP] = app.url
        after = run_caller(expected_dir(CASE), stub, shims=True)
    assert [r.path for r in stub.requests("/api/2.0/apps/")] == [f"/api/2.0/apps/{APP}"] * 3
    assert not endpoint_calls(stub)
    assert before == expected
    assert after == expected
