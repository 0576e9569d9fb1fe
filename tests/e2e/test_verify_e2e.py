"""`migrate-agent verify` end to end: golden cases migrated into a temporary copy (input as the
original, the applied copy as the app) pass; a migrated agent edited to answer differently, to
drop a stream event or to call the workspace as the app where the original called as the user
fails with the difference shown; an agent whose dependency is missing, or that calls the
workspace with none configured, cannot be verified (exit 2, with the reason). Every outside call
goes to the stub workspace on 127.0.0.1 (`--workspace`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.verify import VerifyOptions, VerifyReport, verify
from migrate_agent.verify.report import render_text
from tests.support.golden import GOLDEN_DIR, golden_cases, input_dir, tree
from tests.support.stub_workspace import StubWorkspace

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
REQUESTS = [{"input": [{"role": "user", "content": "hello verify"}], "custom_inputs": {"session": "s-1"}}]

PROMPTED_AGENT = '''\
import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

SYSTEM_PROMPT = "You are a helpful assistant."


class PromptedAgent(ResponsesAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = [{"role": "system", "content": SYSTEM_PROMPT}]
        messages += [{"role": "user", "content": item.content} for item in request.input]
        completion = self.client.chat.completions.create(model="databricks-claude", messages=messages)
        return ResponsesAgentResponse(
            output=[self.create_text_output_item(text=completion.choices[0].message.content, id="m1")]
        )


mlflow.models.set_model(PromptedAgent())
'''

MISSING_DEPENDENCY_AGENT = '''\
import mlflow
import verify_test_package_that_is_not_installed
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Agent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(text="hi", id="m1")])


mlflow.models.set_model(Agent())
'''

# Calls the workspace when the module is imported: the app does that while it starts.
IMPORT_TIME_CALL_AGENT = '''\
import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

OWNER = WorkspaceClient().current_user.me().user_name


class Agent(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=f"served by {OWNER}", id="m1")])


mlflow.models.set_model(Agent())
'''

NO_CALLS_AGENT = MISSING_DEPENDENCY_AGENT.replace("import verify_test_package_that_is_not_installed\n", "")


# Every golden case with an app, run by verify: opt in with MIGRATE_AGENT_VERIFY_GOLDENS=1 (about
# 20 s a case; the tests above run a few of them every time). Cases that do not verify equal, with
# the exit code and what the report says. `mixed_service_and_user_clients` is a change the
# migration makes on purpose and reports (MA004): its agent is built per request for the user, so
# a history kept on `self` does not carry over. (Agents that keep state on `self` that does carry
# over, in the app as on Model Serving, verify equal: each side is asked as often, in one order.)
ALL_GOLDENS = os.environ.get("MIGRATE_AGENT_VERIFY_GOLDENS") == "1"
GOLDEN_OUTCOMES = {
    "mixed_service_and_user_clients": (1, "turns=2"),  # a history on self, per request for the user
    "user_state_imported_by_name": (1, "has no attribute 'current_user'"),  # its MA004 step is not done
    "model_config_without_file": (2, "exited"),  # its MA005 step is not done
    "python_312_syntax_in_helper_module": (2, ""),  # neither side runs on 3.11 (whichever fails first)
    "python_312_syntax": (2, "does not parse on this Python"),
    "agent_in_package": (2, "attempted relative import"),  # Model Serving's loader rejects it
    "namespace_package_relative_imports": (2, "attempted relative import"),  # the same
    # an agent under src/ logged without code_paths: Model Serving could not import its package
    "src_layout_agent": (2, "No module named 'pkg'"),
    "agent_class_imported_in_src_layout": (2, "No module named 'my_agents'"),
    "stream_only": (2, "abstract"),  # ResponsesAgent.predict is abstract: it never served
    "requirements_name_distributions": (2, "is not installed in this environment"),
    "user_client_lazy_property": (2, "databricks_ai_bridge"),
}


def migrate(source: Path, tmp_path: Path, codes: tuple[int, ...] = (0, 1)) -> tuple[Path, Path]:
    """(original, migrated): `source` copied twice, the second copy migrated by `apply` (exit
    code in `codes`)."""
    original, migrated = tmp_path / "original", tmp_path / "migrated"
    shutil.copytree(source, original)
    shutil.copytree(source, migrated)
    assert apply_plan(plan_project(migrated)) in codes
    return original, migrated


def project_with(tmp_path: Path, agent_source: str) -> tuple[Path, Path]:
    source = tmp_path / "source"
    source.mkdir()
    (source / "agent.py").write_text(agent_source)
    return migrate(source, tmp_path)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def run(migrated: Path, original: Path | None, stub: StubWorkspace | None, **options) -> VerifyReport:
    requests = options.pop("requests", REQUESTS)
    requests_file = migrated.parent / "requests.json"
    requests_file.write_text(json.dumps(requests))
    return verify(
        VerifyOptions(
            project=migrated, requests_file=requests_file, before=str(original) if original else None,
            workspace=stub.url if stub else None, **options,
        ),
        lambda message: None,
    )


def explain(report: VerifyReport) -> str:
    return render_text(report)


@pytest.mark.parametrize("case", ["predict_and_stream", "predict_only"])
def test_golden_case_verifies_equal(case: str, tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = migrate(GOLDEN_DIR / case / "input", tmp_path)
    before = tree(migrated)
    second = {"input": [{"role": "user", "content": "and a second question"}]}
    report = run(migrated, original, stub, requests=[*REQUESTS, second])
    assert report.exit_code == 0, explain(report)
    assert [r.index for r in report.requests] == [1, 2]
    assert [m.mode for m in report.requests[1].modes] == ["invoke", "stream", "responses"]
    assert tree(migrated) == before  # nothing written to the project
    app_calls = [c for c in report.calls if c.side == "app"]
    assert app_calls and all(c.replayed for c in app_calls)  # the original's LLM answers, replayed
    # the app never reached the workspace: everything it asked was answered from the recording
    assert not [r for r in stub.requests() if r.token == "verify-app-identity-token"]


def test_configured_workspace_records_with_its_credentials(
    tmp_path: Path, stub: StubWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --workspace: the usual Databricks configuration is the workspace; the original's calls
    as its serving identity reach it with the configured credentials, never a made-up token."""
    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("DATABRICKS_HOST", stub.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-configured")
    original, migrated = migrate(GOLDEN_DIR / "predict_and_stream" / "input", tmp_path)
    report = run(migrated, original, None)
    assert report.exit_code == 0, explain(report)
    assert report.workspace == stub.url
    assert {r.token for r in stub.llm_calls()} == {"dapi-configured"}


@pytest.mark.skipif(not ALL_GOLDENS, reason="every golden case: set MIGRATE_AGENT_VERIFY_GOLDENS=1")
@pytest.mark.parametrize("case", golden_cases())
def test_every_golden_case(case: str, tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = migrate(input_dir(case), tmp_path, codes=(0, 1, 2))  # 2: a file beside failed
    report = run(migrated, original, stub, requests=[{"input": [{"role": "user", "content": "hello verify"}]}])
    code, said = GOLDEN_OUTCOMES.get(case, (0, ""))
    assert (report.exit_code, said in explain(report)) == (code, True), explain(report)


def test_changed_system_prompt_is_a_difference(tmp_path: Path, stub: StubWorkspace) -> None:
    stub.configure(reply=lambda body: "echo: " + " | ".join(str(m["content"]) for m in body["messages"]))
    original, migrated = project_with(tmp_path, PROMPTED_AGENT)
    edit(migrated / "agent.py", "You are a helpful assistant.", "You are a pirate.")
    report = run(migrated, original, stub)
    assert report.exit_code == 1, explain(report)
    invoke, _, responses = report.requests[0].modes
    assert not invoke.equal and not responses.equal
    assert "You are a helpful assistant. | hello verify" in invoke.diff
    assert "You are a pirate. | hello verify" in invoke.diff
    text = "\n".join(report.differences)
    assert "the original never made this call" in text and "You are a pirate." in text
    assert "the app never made that call" in text


def test_dropped_stream_event_is_a_difference(tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = migrate(GOLDEN_DIR / "predict_and_stream" / "input", tmp_path)
    edit(migrated / "agent.py", "        yield ResponsesAgentStreamEvent(\n            type=",
         "        _dropped = ResponsesAgentStreamEvent(\n            type=")
    report = run(migrated, original, stub)
    assert report.exit_code == 1, explain(report)
    invoke, streamed, responses = report.requests[0].modes
    assert invoke.equal and responses.equal and not streamed.equal
    assert '-    "response.output_item.done"' in streamed.diff
    assert report.differences == ()  # same outbound calls: only the answer differs


def test_user_identity_is_kept(tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = migrate(GOLDEN_DIR / "user_client_in_predict" / "input", tmp_path)
    report = run(migrated, original, stub, user_token="alice-token")
    assert report.exit_code == 0, explain(report)
    me = [c for c in report.calls if c.path == "/api/2.0/preview/scim/v2/Me"]
    assert {(c.side, c.identity) for c in me} == {("original", "user"), ("app", "user")}
    assert {r.token for r in stub.requests("/api/2.0/preview/scim/v2/Me")} == {"alice-token"}


def test_user_call_made_as_the_app_is_a_difference(tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = migrate(GOLDEN_DIR / "user_client_in_predict" / "input", tmp_path)
    edit(migrated / "agent.py", "user_client = get_user_workspace_client()", "user_client = WorkspaceClient()")
    agent = migrated / "agent.py"
    if "from databricks.sdk import WorkspaceClient" not in agent.read_text():
        agent.write_text("from databricks.sdk import WorkspaceClient\n" + agent.read_text())
    report = run(migrated, original, stub, user_token="alice-token")
    assert report.exit_code == 1, explain(report)
    assert all(m.equal for m in report.requests[0].modes)  # same answer: the recording was replayed
    assert any(
        "GET /api/2.0/preview/scim/v2/Me: the original called as the user, the app as the app identity" in d
        for d in report.differences
    ), report.differences
    flagged = [c for c in report.calls if c.side == "app" and c.difference]
    assert flagged and flagged[0].identity == "app identity"


def test_chat_agent_with_tool_calls_verifies_and_a_changed_tool_output_does_not(
    tmp_path: Path, stub: StubWorkspace
) -> None:
    """A ChatAgent original gets the chat body, the app the Responses one; their answers are
    compared by the README's mapping (texts, tool calls, tool outputs)."""
    original, migrated = migrate(GOLDEN_DIR / "legacy_chat_agent_tool_calls" / "input", tmp_path)
    report = run(migrated, original, stub)
    assert report.exit_code == 0, explain(report)
    assert report.requests[0].modes[0].note.startswith("a ChatAgent")
    edit(migrated / "agent.py", 'return f"sunny in {city}"', 'return f"rainy in {city}"')
    report = run(migrated, original, stub)
    assert report.exit_code == 1, explain(report)
    for mode in report.requests[0].modes:
        assert '-      "output": "sunny in Paris"' in mode.diff and '+      "output": "rainy in Paris"' in mode.diff


def test_missing_dependency_cannot_run(tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = project_with(tmp_path, MISSING_DEPENDENCY_AGENT)
    report = run(migrated, original, stub)
    assert report.exit_code == 2
    assert "the original cannot load" in report.reason
    assert "verify_test_package_that_is_not_installed" in report.reason
    assert "is not installed in this environment" in report.reason


def test_offline_agent_calling_the_workspace_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-config"))
    original, migrated = migrate(GOLDEN_DIR / "predict_and_stream" / "input", tmp_path)
    report = run(migrated, original, None)
    assert report.exit_code == 2
    assert "POST /serving-endpoints/chat/completions" in report.reason
    assert "no workspace is configured" in report.reason


def test_offline_agent_without_outbound_calls_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-config"))
    original, migrated = project_with(tmp_path, NO_CALLS_AGENT)
    report = run(migrated, original, None)
    assert report.exit_code == 0, explain(report)
    assert report.workspace == "none (offline)"


def test_app_calling_the_workspace_while_it_starts(tmp_path: Path, stub: StubWorkspace) -> None:
    """The app imports the agent module before /health answers; its call waits for the
    original's recording instead of blocking the start."""
    original, migrated = project_with(tmp_path, IMPORT_TIME_CALL_AGENT)
    report = run(migrated, original, stub, timeout=90)
    assert report.exit_code == 0, explain(report)
    starting = [c for c in report.calls if c.side == "app" and c.window == "start"]
    assert [(c.path, c.identity, c.replayed) for c in starting] == [
        ("/api/2.0/preview/scim/v2/Me", "app identity", True)
    ]
    assert "while loading" in explain(report)


def test_cli_git_head_is_the_original_and_json_for_ci(tmp_path: Path, stub: StubWorkspace) -> None:
    """In a git work tree with the migration uncommitted, HEAD is the original; the CLI prints
    JSON, exits 0, leaves the project and the temporary folder as they were."""
    project = tmp_path / "repo" / "agent_project"
    shutil.copytree(GOLDEN_DIR / "predict_and_stream" / "input", project)
    git = ["git", "-C", str(tmp_path / "repo"), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "the agent on Model Serving"], check=True)
    assert apply_plan(plan_project(project)) in (0, 1)
    before = tree(tmp_path / "repo")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "migrate_agent", "verify", str(project), "--workspace", stub.url,
         "--format", "json"],
        capture_output=True, text=True, env={**_cli_env(), "TMPDIR": str(scratch)}, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["result"] == "equal" and report["before"] == "git HEAD"
    assert "starting the original" in done.stderr and "request 1 of 1: stream" in done.stderr
    assert tree(tmp_path / "repo") == before
    assert list(scratch.iterdir()) == []


def test_ctrl_c_stops_everything_and_cleans_up(tmp_path: Path, stub: StubWorkspace) -> None:
    original, migrated = migrate(GOLDEN_DIR / "predict_and_stream" / "input", tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "migrate_agent", "verify", str(migrated), "--before", str(original),
         "--workspace", stub.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**_cli_env(), "TMPDIR": str(scratch)},
    )
    assert "starting the original" in process.stderr.readline()
    deadline = time.monotonic() + 60
    while not _processes_under(scratch) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_under(scratch), "the two sides never started"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert _processes_under(scratch) == []
    assert list(scratch.iterdir()) == []


def _cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}


def _processes_under(folder: Path) -> list[int]:
    """Processes whose working directory is inside `folder`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = Path(os.readlink(entry / "cwd"))
            except OSError:
                continue
            if folder in cwd.parents:
                found.append(int(entry.name))
    return found
