"""Fast checks of the harness itself (no app, no subprocess).

Marked e2e with the rest of tests/e2e: the stub workspace they check is a loopback HTTP server
the real databricks-sdk talks to, and the fast lane (`-m "not e2e"`) starts no server.
"""

from __future__ import annotations

import os
import threading
import uuid
import warnings

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.credentials_provider import ModelServingUserCredentials
from databricks.sdk.errors import NotFound

from tests.support.app_runner import APP_TOKEN
from tests.support.identity import SERVICE, identity_pairs
from tests.support.normalize import normalize
from tests.support.original_runner import SERVICE_TOKEN, serving_variables
from tests.support.stub_workspace import MARK_PATH, RecordedRequest, StubWorkspace, split_pieces

pytestmark = pytest.mark.e2e


def test_normalize_replaces_only_random_ids_and_keeps_their_links():
    a, b = uuid.uuid4(), uuid.uuid4().hex
    doc = [
        {"type": "delta", "item_id": str(a), "delta": f"text {a}"},
        {"type": "done", "item": {"id": str(a), "call_id": f"call_{b}"}},
        {"type": "done", "item": {"id": "msg-1", "call_id": "call_1"}},
    ]
    assert normalize(doc) == [
        {"type": "delta", "item_id": "<rand-1>", "delta": f"text {a}"},  # text is never touched
        {"type": "done", "item": {"id": "<rand-1>", "call_id": "call_<rand-2>"}},
        {"type": "done", "item": {"id": "msg-1", "call_id": "call_1"}},
    ]
    other = normalize([{"item_id": str(uuid.uuid4())}, {"id": str(uuid.uuid4())}])
    assert other == [{"item_id": "<rand-1>"}, {"id": "<rand-2>"}]  # two ids stay two ids


def test_split_pieces_is_exact_and_deterministic():
    assert split_pieces("echo: hello", 4) == ["ec", "ho:", " he", "llo"]
    assert "".join(split_pieces("echo: x", 10)) == "echo: x"


@pytest.fixture
def sdk_env_free(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """No DATABRICKS_* setting of the developer's may change how the SDK authenticates."""
    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))


def test_real_sdk_against_stub(stub: StubWorkspace, sdk_env_free):
    client = WorkspaceClient(host=stub.url, token="tok-1")
    assert client.current_user.me().user_name == "user-for-tok-1"
    with pytest.raises(NotFound):
        client.clusters.get("no-such-cluster")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # get_open_ai_client is deprecated
        openai_client = client.serving_endpoints.get_open_ai_client()
    messages = [{"role": "user", "content": "hi"}]
    answer = openai_client.chat.completions.create(model="m", messages=messages)
    streamed = openai_client.chat.completions.create(model="m", messages=messages, stream=True)
    pieces = [c.choices[0].delta.content for c in streamed if c.choices and c.choices[0].delta.content]
    assert answer.choices[0].message.content == "".join(pieces) == "echo: hi"
    assert {r.token for r in stub.llm_calls()} == {"tok-1"}
    assert [len(r.chunk_sent_at) for r in stub.llm_calls()] == [0, 4]


def test_stub_answers_per_user_apis(stub: StubWorkspace, sdk_env_free):
    for token in ("tok-a", "tok-b"):
        client = WorkspaceClient(host=stub.url, token=token)
        rows = client.vector_search_indexes.query_index(
            index_name="main.docs.idx", columns=["text", "url"], query_text="q", num_results=1
        )
        assert rows.result.data_array == [[f"doc for user-for-{token}", f"url for user-for-{token}"]]
        assert [c.name for c in rows.manifest.columns] == ["text", "url"]
        assert client.genie.get_space("s1").title == f"s1 as seen by user-for-{token}"
    assert [(r.path, r.token) for r in stub.requests() if r.path.startswith("/api/")] == [
        ("/api/2.0/vector-search/indexes/main.docs.idx/query", "tok-a"),
        ("/api/2.0/genie/spaces/s1", "tok-a"),
        ("/api/2.0/vector-search/indexes/main.docs.idx/query", "tok-b"),
        ("/api/2.0/genie/spaces/s1", "tok-b"),
    ]


def test_model_serving_simulation_gives_service_and_invoker_identities(
    stub: StubWorkspace, sdk_env_free, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    """What the original runner's child relies on, checked in-process against the real SDK."""
    for name, value in serving_variables(stub.url, tmp_path / "creds").items():
        monkeypatch.setenv(name, value)
    main = threading.main_thread()
    monkeypatch.setattr(main, "invokers_token", "tok-invoker", raising=False)
    service = WorkspaceClient()
    user = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
    assert service.current_user.me().user_name == f"user-for-{SERVICE_TOKEN}"
    assert user.current_user.me().user_name == "user-for-tok-invoker"
    main.invokers_token = "tok-next"  # the next invocation: the same client now acts for its user
    assert user.current_user.me().user_name == "user-for-tok-next"


def test_windows_and_identity_pairs(stub: StubWorkspace):
    def record(path: str, token: str | None = None, body=None) -> None:
        stub._record(RecordedRequest("POST", path, token, body, 0.0))

    record(MARK_PATH, body={"run": "r1", "label": "load"})
    record("/.well-known/databricks-config")
    record(MARK_PATH, body={"run": "r1", "label": "call-0"})
    record("/api/2.0/preview/scim/v2/Me", "tok-a")
    record("/serving-endpoints/chat/completions", SERVICE_TOKEN)
    record(MARK_PATH, body={"run": "other", "label": "call-0"})
    record("/api/2.0/preview/scim/v2/Me", "tok-x")
    record(MARK_PATH, body={"run": "r1", "label": "end"})
    windows = stub.windows("r1")
    assert [r.path for r in windows["load"]] == ["/.well-known/databricks-config"]
    assert identity_pairs(windows["call-0"]) == {
        ("/api/2.0/preview/scim/v2/Me", "tok-a"),
        ("/serving-endpoints/chat/completions", SERVICE),
    }
    assert windows["end"] == []
    assert identity_pairs(windows["load"]) == set()  # SDK discovery is nobody's action
    assert identity_pairs([RecordedRequest("GET", "/x", APP_TOKEN, None, 0.0)]) == {("/x", SERVICE)}
    assert all(not r.is_mark for r in stub.requests())
