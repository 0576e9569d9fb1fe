"""MA110 on-behalf-of-user access and MA117 user API scope not known (deployment rules): the
services code acting as the calling user reaches are read from its user clients (names,
attributes, helpers, properties, project modules), mapped to Databricks Apps user API scopes with
their evidence; a use whose scope is not known is MA117 at its line, and the planner infers scopes
(MA110) only when the deployment declares none. Code without user identity gets no scope and no
step. No-op cases first."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from codemods.analysis.identity_analysis import uses_in_module
from migrate_agent.deploy.map.apps_model import ExistingApp
from migrate_agent.deploy.map.apps_plan import plan_apps
from migrate_agent.deploy.map.user_scopes import DEFAULT_SCOPES, infer_scopes
from migrate_agent.deploy.read.code_facts import CodeFacts, UserClientCall
from migrate_agent.deploy.read.serving_model import Fact, Origin, ServingDeployment


def _uses(source: str) -> set[tuple[str | None, str | None]]:
    uses = uses_in_module(MetadataWrapper(cst.parse_module(textwrap.dedent(source))))
    return {(use.service, use.member) for use in uses}


OBO = """
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.credentials_provider import ModelServingUserCredentials
"""


def _call(service, member=None, line=1):
    return UserClientCall(path="agent.py", line=line, code=f"w.{service}.{member}", service=service, member=member)


def _apps(serving: ServingDeployment, code: CodeFacts):
    return plan_apps(serving, ["python", "start_server.py"], "agent.py", ExistingApp(), Path("."), code)


AGENT = """
    import mlflow
    from mlflow.pyfunc import ResponsesAgent

    class A(ResponsesAgent):
        def predict(self, request):
            w = {client}
            {use}
            return {{"output": []}}

    mlflow.models.set_model(A())
"""


def _plan(tmp_path: Path, client: str, use: str):
    from migrate_agent.api import plan_project

    agent = textwrap.dedent(OBO) + textwrap.dedent(AGENT).format(client=client, use=use)
    (tmp_path / "agent.py").write_text(agent)
    return plan_project(tmp_path, jobs=1)


def _steps(deploy: dict, *rules: str) -> list[dict]:
    return [s for s in deploy["manual_steps"] if s["rule"] in rules]


# -- no-op: no user identity, or only services whose scope is known ---------------------------


def test_no_user_identity_means_no_scopes() -> None:
    apps = _apps(ServingDeployment(), CodeFacts())
    assert apps.user_api_scopes == []
    assert not [s for s in apps.steps if s.rule in ("MA110", "MA117")]


def test_the_apps_own_client_asks_for_no_user_scope(tmp_path: Path) -> None:
    deploy = _plan(tmp_path, "WorkspaceClient()", 'w.jobs.list()').deploy_json
    assert deploy["app"]["user_api_scopes"] == []
    assert _steps(deploy, "MA110", "MA117") == []


def test_a_user_client_reaching_a_known_service_has_no_unknown_scope_step(tmp_path: Path) -> None:
    deploy = _plan(
        tmp_path, "WorkspaceClient(credentials_strategy=ModelServingUserCredentials())",
        'w.genie.start_conversation_and_wait("space", "q")',
    ).deploy_json
    assert deploy["app"]["user_api_scopes"] == ["dashboards.genie", *DEFAULT_SCOPES]
    assert _steps(deploy, "MA117") == []


# -- steps: the scopes to enable (MA110), the scopes not known (MA117) ------------------------


def test_a_user_client_reaching_an_unknown_service_is_ma117_at_its_line(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "WorkspaceClient(credentials_strategy=ModelServingUserCredentials())", "w.jobs.list()")
    deploy = plan.deploy_json
    # the line of the file as it is written (the migrated agent)
    source = next(f for f in plan.files if f.path == "agent.py").after.decode().splitlines()
    line = next(n for n, text in enumerate(source, 1) if "w.jobs.list()" in text)
    assert [(s["path"], s["line"]) for s in _steps(deploy, "MA117")] == [("agent.py", line)]
    assert deploy["app"]["user_api_scopes"] == list(DEFAULT_SCOPES)
    assert _steps(deploy, "MA110")


def test_user_client_uses_follow_names_attributes_helpers_and_properties() -> None:
    source = OBO + """
    def run_sql(client, text):
        return client.statement_execution.execute_statement(statement=text)

    class Tools:
        def __init__(self, client):
            self.c = client

        def search(self):
            return self.c.vector_search_indexes.query_index(index_name="i")

    class Agent:
        @property
        def user(self):
            return WorkspaceClient(credentials_strategy=ModelServingUserCredentials())

        def predict(self, request):
            w = self.user
            w.genie.start_conversation_and_wait("space", "q")
            run_sql(w, "SELECT 1")
            Tools(w).search()
            WorkspaceClient().jobs.list()  # the app's own identity: not a user use
            return Library(client=w)
    """
    assert _uses(source) == {
        ("genie", "start_conversation_and_wait"),
        ("statement_execution", "execute_statement"),
        ("vector_search_indexes", "query_index"),
        (None, None),  # passed to Library(client=w): flagged by the deploy side
    }


def test_names_are_told_apart_by_function_and_closures_see_their_outer_names() -> None:
    source = OBO + """
    def as_user():
        w = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
        def inner():
            return w.genie.get_space("s")
        return inner()

    def as_service():
        w = WorkspaceClient()
        return w.jobs.list()
    """
    assert _uses(source) == {("genie", "get_space")}


def test_already_migrated_user_clients_are_read_too() -> None:
    source = """
    from agent_server_utils import get_user_workspace_client

    def answer():
        return get_user_workspace_client().files.download("/Volumes/a/b/c")
    """
    assert _uses(source) == {("files", "download")}


def test_scopes_come_with_their_evidence_and_the_defaults() -> None:
    inferred = infer_scopes((
        _call("genie", "start_conversation", 3),
        _call("serving_endpoints", "http_request", 5),
        _call("tables", "get", 6),
        _call("jobs", "list", 7),
        _call("tables", "delete", 8),
        UserClientCall(path="agent.py", line=9, code="Library(client=w)", service=None),
    ))
    assert inferred.scopes == [
        "dashboards.genie", "serving.serving-endpoints", "catalog.connections", "catalog.tables:read",
        *DEFAULT_SCOPES,
    ]
    assert [c.line for c in inferred.evidence["dashboards.genie"]] == [3]
    assert inferred.evidence["iam.access-control:read"] == []
    assert [c.line for c in inferred.unknown] == [7, 8, 9]


def test_planner_infers_scopes_only_without_declared_ones() -> None:
    code = CodeFacts(uses_user_identity=True, user_client_calls=(_call("statement_execution", "execute_statement", 4),))
    inferred = _apps(ServingDeployment(), code)
    assert inferred.user_api_scopes == ["sql", *DEFAULT_SCOPES]
    assert any(s.rule == "MA110" for s in inferred.steps)

    declared = ServingDeployment()
    declared.api_scopes.append(
        Fact(value="serving.serving-endpoints", origin=Origin(label="driver.py", path="driver.py", line=3))
    )
    assert _apps(declared, code).user_api_scopes == ["serving.serving-endpoints"]


def test_unknown_user_client_use_is_a_manual_step_at_its_line() -> None:
    code = CodeFacts(uses_user_identity=True, user_client_calls=(_call("jobs", "list", 12),))
    apps = _apps(ServingDeployment(), code)
    steps = [s for s in apps.steps if s.rule == "MA117"]
    assert [(s.path, s.line) for s in steps] == [("agent.py", 12)]
    assert apps.user_api_scopes == list(DEFAULT_SCOPES)


def test_user_client_followed_into_a_project_module_by_relative_import(tmp_path: Path) -> None:
    from migrate_agent.api import plan_project

    package = tmp_path / "bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tools.py").write_text(textwrap.dedent("""
        def ask_genie(question, *, client):
            return client.genie.start_conversation_and_wait("space", question)
    """))
    (package / "agent.py").write_text(textwrap.dedent(OBO + """
    import mlflow
    from mlflow.pyfunc import ResponsesAgent

    from .tools import ask_genie

    class A(ResponsesAgent):
        def predict(self, request):
            w = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())
            return ask_genie(request.input[-1].content, client=w)

    mlflow.models.set_model(A())
    """))
    deploy = plan_project(tmp_path, jobs=1).deploy_json
    assert deploy["app"]["user_api_scopes"] == ["dashboards.genie", *DEFAULT_SCOPES]
    genie = next(i for i in deploy["items"] if "dashboards.genie" in i["apps"])
    assert "bot/tools.py:3" in genie["note"]
    assert deploy["app"]["user_api_scope_evidence"]["dashboards.genie"] == [
        {"path": "bot/tools.py", "line": 3, "code": "client.genie.start_conversation_and_wait"}
    ]
    assert not [s for s in deploy["manual_steps"] if s["rule"] == "MA117"]


def test_a_user_client_handed_to_a_known_library_class_gives_its_scope() -> None:
    passed = UserClientCall(path="agent.py", line=8, code="VectorSearchRetrieverTool(workspace_client=w)", service=None,
                            target="databricks_langchain.VectorSearchRetrieverTool")
    unknown = UserClientCall(
        path="agent.py", line=9, code="SomethingElse(client=w)", service=None, target="somelib.SomethingElse"
    )
    inferred = infer_scopes((passed, unknown))
    assert inferred.evidence["vectorsearch.vector-search-indexes"] == [passed]
    assert inferred.unknown == [unknown]
