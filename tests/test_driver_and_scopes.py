"""MA007 (Model Serving calls in driver code) and the user API scopes inferred from user clients."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodTest
from libcst.metadata import MetadataWrapper

from codemods.analysis.identity_analysis import uses_in_module
from codemods.ma007_model_serving_calls import ModelServingCalls
from migrate_agent.deploy.map.apps_model import ExistingApp
from migrate_agent.deploy.map.apps_plan import plan_apps
from migrate_agent.deploy.map.user_scopes import DEFAULT_SCOPES, infer_scopes
from migrate_agent.deploy.read.code_facts import CodeFacts, UserClientCall
from migrate_agent.deploy.read.serving_model import Fact, Origin, ServingDeployment
from migrate_agent.discover.discovery import may_hold_agent

BUNDLE = "deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy)"


class TestModelServingCalls(CodemodTest):
    TRANSFORM = ModelServingCalls

    def test_log_model_from_code_register_and_deploy_are_marked(self) -> None:
        before = """
            import mlflow
            from databricks.agents import deploy

            with mlflow.start_run():
                info = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
            version = mlflow.register_model(info.model_uri, "main.a.b")
            deploy("main.a.b", version.version)
        """
        after = f"""
            import mlflow
            from databricks.agents import deploy

            with mlflow.start_run():
                # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: {BUNDLE} and remove this call
                info = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
            # TODO(migrate-agent): [MA007] `mlflow.register_model(info.model_uri, ...)` registers the Model Serving model, which the app does not use (it runs from source): {BUNDLE} and remove this call
            version = mlflow.register_model(info.model_uri, "main.a.b")
            # TODO(migrate-agent): [MA007] `agents.deploy("main.a.b", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
            deploy("main.a.b", version.version)
        """
        self.assertCodemod(before, after)

    def test_marking_twice_adds_nothing(self) -> None:
        code = f"""
            from databricks import agents

            # TODO(migrate-agent): [MA007] `agents.deploy("main.a.b", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
            agents.deploy("main.a.b", 1)
        """
        self.assertCodemod(code, code)

    def test_evaluation_and_other_models_are_left_alone(self) -> None:
        code = """
            import mlflow
            from agent import AGENT

            mlflow.genai.evaluate(data=[], predict_fn=lambda input: AGENT.predict({"input": input}))
            mlflow.sklearn.log_model(classifier, name="classifier")
        """
        self.assertCodemod(code, code)

    def test_sdk_endpoint_creation_is_marked(self) -> None:
        before = """
            w.serving_endpoints.create_and_wait(name="agent", config=config)
        """
        after = f"""
            # TODO(migrate-agent): [MA007] `w.serving_endpoints.create_and_wait(name="agent", ...)` configures a Model Serving endpoint, which the Databricks App replaces: {BUNDLE} and remove this call
            w.serving_endpoints.create_and_wait(name="agent", config=config)
        """
        self.assertCodemod(before, after)


def test_driver_files_pass_the_prefilter_and_plain_code_does_not() -> None:
    assert may_hold_agent(b"from databricks import agents\nagents.deploy('m', 1)\n")
    assert may_hold_agent(b"mlflow.pyfunc.log_model(python_model='agent.py')\n")
    assert may_hold_agent(b"w = get_user_workspace_client()\n")
    assert not may_hold_agent(b"import mlflow\nfrom agent import AGENT\nmlflow.genai.evaluate(predict_fn=AGENT.predict)\n")


def _uses(source: str) -> set[tuple[str | None, str | None]]:
    uses = uses_in_module(MetadataWrapper(cst.parse_module(textwrap.dedent(source))))
    return {(use.service, use.member) for use in uses}


OBO = """
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.credentials_provider import ModelServingUserCredentials
"""


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


def _call(service, member=None, line=1):
    return UserClientCall("agent.py", line, f"w.{service}.{member}", service, member)


def test_scopes_come_with_their_evidence_and_the_defaults() -> None:
    inferred = infer_scopes((
        _call("genie", "start_conversation", 3),
        _call("serving_endpoints", "http_request", 5),
        _call("tables", "get", 6),
        _call("jobs", "list", 7),
        _call("tables", "delete", 8),
        UserClientCall("agent.py", 9, "Library(client=w)", None),
    ))
    assert inferred.scopes == [
        "dashboards.genie", "serving.serving-endpoints", "catalog.connections", "catalog.tables:read",
        *DEFAULT_SCOPES,
    ]
    assert [c.line for c in inferred.evidence["dashboards.genie"]] == [3]
    assert inferred.evidence["iam.access-control:read"] == []
    assert [c.line for c in inferred.unknown] == [7, 8, 9]


def _apps(serving: ServingDeployment, code: CodeFacts):
    return plan_apps(serving, ["python", "start_server.py"], "agent.py", ExistingApp(), Path("."), code)


def test_planner_infers_scopes_only_without_declared_ones() -> None:
    code = CodeFacts(uses_user_identity=True, user_client_calls=(_call("statement_execution", "execute_statement", 4),))
    inferred = _apps(ServingDeployment(), code)
    assert inferred.user_api_scopes == ["sql", *DEFAULT_SCOPES]
    assert any(s.rule == "MA110" for s in inferred.steps)

    declared = ServingDeployment()
    declared.api_scopes.append(Fact("serving.serving-endpoints", Origin("driver.py", "driver.py", 3)))
    assert _apps(declared, code).user_api_scopes == ["serving.serving-endpoints"]


def test_unknown_user_client_use_is_a_manual_step_at_its_line() -> None:
    code = CodeFacts(uses_user_identity=True, user_client_calls=(_call("jobs", "list", 12),))
    apps = _apps(ServingDeployment(), code)
    steps = [s for s in apps.steps if s.rule == "MA117"]
    assert [(s.path, s.line) for s in steps] == [("agent.py", 12)]
    assert apps.user_api_scopes == list(DEFAULT_SCOPES)


def test_no_user_identity_means_no_scopes() -> None:
    apps = _apps(ServingDeployment(), CodeFacts())
    assert apps.user_api_scopes == []
    assert not [s for s in apps.steps if s.rule in ("MA110", "MA117")]


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
    passed = UserClientCall("agent.py", 8, "VectorSearchRetrieverTool(workspace_client=w)", None,
                            target="databricks_langchain.VectorSearchRetrieverTool")
    unknown = UserClientCall("agent.py", 9, "SomethingElse(client=w)", None, target="somelib.SomethingElse")
    inferred = infer_scopes((passed, unknown))
    assert inferred.evidence["vectorsearch.vector-search-indexes"] == [passed]
    assert inferred.unknown == [unknown]


def test_each_model_serving_call_is_listed_at_its_line_in_migration_md(tmp_path: Path) -> None:
    from migrate_agent.api import plan_project

    (tmp_path / "agent.py").write_text((Path(__file__).parent / "golden/predict_only/input/agent.py").read_text())
    (tmp_path / "deploy.py").write_text(textwrap.dedent("""
        from databricks import agents

        agents.deploy("main.a.agent", 1)
        agents.deploy("main.a.agent_staging", 1)
    """))
    plan = plan_project(tmp_path, jobs=1)
    calls = plan.deploy_json["model_serving_calls"]
    assert [(c["path"], c["line"]) for c in calls] == [("deploy.py", 4), ("deploy.py", 6)]
    written = next(f for f in plan.files if f.path == "deploy.py").after.decode().splitlines()
    assert [written[c["line"] - 1].strip() for c in calls] == [
        f"# TODO(migrate-agent): [MA007] {c['message']}" for c in calls
    ]
    assert "| `deploy.py:6` |" in plan.deploy_markdown
