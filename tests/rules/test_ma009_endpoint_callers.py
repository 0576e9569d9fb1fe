"""MA009 endpoint-callers (codemods.ma009_endpoint_callers.EndpointCallers): code that calls the
Model Serving endpoint the app replaces, found by the endpoint's name. Responses calls through a
workspace client's OpenAI client, and chat calls read only as `.choices[0].message.content`, call
the app through `DatabricksOpenAI(workspace_client=w)` with `model="apps/<app>"`; every other
caller is marked with a TODO. No-op cases first, then rewrites, then the marked callers."""

from __future__ import annotations

import textwrap

import libcst as cst
from libcst.codemod import CodemodContext, CodemodTest

from codemods._base import MANUAL_STEPS_KEY
from codemods.analysis.endpoint_callers import app_hint
from codemods.ma009_endpoint_callers import APP_KEY, CALLERS_KEY, ENDPOINT_KEY, EndpointCallers

ENDPOINT = "agents_main-agents-support"
APP = "support"
HINT = app_hint(APP)
WRAPPER = f'ChatDatabricks(endpoint="{ENDPOINT}", temperature=0)'
RESPONSES = f'client.responses.create(model="{ENDPOINT}", input="hi")'
PREDICT = f'client.predict(endpoint="{ENDPOINT}", inputs={{"input": []}})'


def shown(call: str) -> str:
    """A call as a marker names it: as written, shortened to 60 characters."""
    return call if len(call) <= 60 else call[:57] + "..."


def context() -> CodemodContext:
    return CodemodContext(scratch={ENDPOINT_KEY: ENDPOINT, APP_KEY: APP})


def sites(code: str):
    """What the rule found in `code` (kind, calls the app, rewritten), in source order."""
    scratch = context()
    EndpointCallers(scratch).transform_module(cst.parse_module(textwrap.dedent(code)))
    return [(s.kind, s.calls_app, s.rewrite is not None) for s in scratch.scratch[CALLERS_KEY]]


class TestEndpointCallersNoop(CodemodTest):
    TRANSFORM = EndpointCallers

    def test_nothing_happens_without_an_endpoint(self) -> None:
        code = f"""
            client.responses.create(model="{ENDPOINT}", input="hi")
        """
        self.assertCodemod(code, code, context_override=CodemodContext())

    def test_calls_of_other_endpoints_are_left_alone(self) -> None:
        code = """
            from databricks.sdk import WorkspaceClient

            client = WorkspaceClient().serving_endpoints.get_open_ai_client()
            client.chat.completions.create(model="databricks-llama", messages=[])
            WorkspaceClient().serving_endpoints.query(name="other", messages=[])
        """
        self.assertCodemod(code, code, context_override=context())

    def test_a_call_of_the_app_is_left_alone_and_listed(self) -> None:
        code = f"""
            from databricks.sdk import WorkspaceClient
            from databricks_openai import DatabricksOpenAI

            w = WorkspaceClient()
            answer = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/{APP}", input="hi")
        """
        self.assertCodemod(code, code, context_override=context())
        assert sites(code) == [("OpenAI responses", True, False)]

    def test_the_deployment_itself_is_not_a_caller(self) -> None:
        code = f"""
            from databricks import agents

            agents.deploy("main.agents.support", 1, endpoint_name="{ENDPOINT}")
        """
        self.assertCodemod(code, code, context_override=context())

    def test_marking_twice_adds_nothing(self) -> None:
        message = (f'`ChatDatabricks(endpoint="{ENDPOINT}")` wraps the endpoint `{ENDPOINT}` (the wrapper speaks '
                   f"to serving endpoints, not apps): {HINT}")
        code = f"""
            from databricks_langchain import ChatDatabricks

            # TODO(migrate-agent): [MA009] {message}
            llm = ChatDatabricks(endpoint="{ENDPOINT}")
        """
        self.assertCodemod(code, code, context_override=context())

    def test_an_acknowledged_marker_is_not_added_again(self) -> None:
        message = (f'`ChatDatabricks(endpoint="{ENDPOINT}")` wraps the endpoint `{ENDPOINT}` (the wrapper speaks '
                   f"to serving endpoints, not apps): {HINT}")
        code = f"""
            from databricks_langchain import ChatDatabricks

            # ACK(migrate-agent): [MA009] {message}
            llm = ChatDatabricks(endpoint="{ENDPOINT}")
        """
        self.assertCodemod(code, code, context_override=context())


class TestEndpointCallersRewritten(CodemodTest):
    TRANSFORM = EndpointCallers

    def test_responses_call_through_the_workspace_openai_client_calls_the_app(self) -> None:
        before = f"""
            from databricks.sdk import WorkspaceClient

            w = WorkspaceClient()
            client = w.serving_endpoints.get_open_ai_client()

            def ask(question):
                return client.responses.create(model="{ENDPOINT}", input=question, stream=False)
        """
        after = f"""
            from databricks.sdk import WorkspaceClient
            from databricks_openai import DatabricksOpenAI

            w = WorkspaceClient()
            client = w.serving_endpoints.get_open_ai_client()

            def ask(question):
                return DatabricksOpenAI(workspace_client=w).responses.create(model="apps/{APP}", input=question, stream=False)
        """
        self.assertCodemod(before, after, context_override=context())

    def test_chat_call_read_as_message_content_becomes_responses_output_text(self) -> None:
        before = f"""
            from databricks.sdk import WorkspaceClient

            ENDPOINT = "{ENDPOINT}"

            def ask(question):
                completion = WorkspaceClient().serving_endpoints.get_open_ai_client().chat.completions.create(
                    model=ENDPOINT, messages=[{{"role": "user", "content": question}}]
                )
                return completion.choices[0].message.content
        """
        after = f"""
            from databricks.sdk import WorkspaceClient
            from databricks_openai import DatabricksOpenAI

            ENDPOINT = "{ENDPOINT}"

            def ask(question):
                completion = DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(
                    model="apps/{APP}", input=[{{"role": "user", "content": question}}]
                )
                return completion.output_text
        """
        self.assertCodemod(before, after, context_override=context())

    def test_chat_call_read_inline_becomes_output_text(self) -> None:
        before = f"""
            from databricks.sdk import WorkspaceClient

            w = WorkspaceClient()
            client = w.serving_endpoints.get_open_ai_client()
            text = client.chat.completions.create(model="{ENDPOINT}", messages=msgs).choices[0].message.content
        """
        after = f"""
            from databricks.sdk import WorkspaceClient
            from databricks_openai import DatabricksOpenAI

            w = WorkspaceClient()
            client = w.serving_endpoints.get_open_ai_client()
            text = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/{APP}", input=msgs).output_text
        """
        self.assertCodemod(before, after, context_override=context())

    def test_sdk_query_with_chat_messages_read_as_content_calls_the_app(self) -> None:
        before = f"""
            from databricks.sdk import WorkspaceClient
            from databricks.sdk.service.serving import ChatMessage, ChatMessageRole

            w = WorkspaceClient()

            def ask(question):
                answer = w.serving_endpoints.query(
                    name="{ENDPOINT}", messages=[ChatMessage(role=ChatMessageRole.USER, content=question)]
                )
                return answer.choices[0].message.content
        """
        after = f"""
            from databricks.sdk import WorkspaceClient
            from databricks_openai import DatabricksOpenAI

            w = WorkspaceClient()

            def ask(question):
                answer = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/{APP}", input=[{{"role": "user", "content": question}}])
                return answer.output_text
        """
        self.assertCodemod(before, after, context_override=context())

    def test_a_workspace_client_of_the_same_function_is_used_at_the_call(self) -> None:
        before = f"""
            from databricks.sdk import WorkspaceClient

            def ask(question, w: WorkspaceClient):
                client = w.serving_endpoints.get_open_ai_client()
                return client.responses.create(model="{ENDPOINT}", input=question).output_text
        """
        after = f"""
            from databricks.sdk import WorkspaceClient
            from databricks_openai import DatabricksOpenAI

            def ask(question, w: WorkspaceClient):
                client = w.serving_endpoints.get_open_ai_client()
                return DatabricksOpenAI(workspace_client=w).responses.create(model="apps/{APP}", input=question).output_text
        """
        self.assertCodemod(before, after, context_override=context())

    def test_a_databricks_openai_client_only_changes_model(self) -> None:
        before = f"""
            from databricks_openai import DatabricksOpenAI

            client = DatabricksOpenAI()
            reply = client.responses.create(model="{ENDPOINT}", input="hi")
        """
        after = f"""
            from databricks_openai import DatabricksOpenAI

            client = DatabricksOpenAI()
            reply = client.responses.create(model="apps/{APP}", input="hi")
        """
        self.assertCodemod(before, after, context_override=context())


class TestEndpointCallersMarked(CodemodTest):
    TRANSFORM = EndpointCallers

    def assert_marked(self, code: str, statement: str, message: str) -> None:
        """`code` comes back with one TODO marker, `message`, above the line `statement`."""
        code = textwrap.dedent(code)
        marked = code.replace(statement, f"# TODO(migrate-agent): [MA009] {message}\n{statement}", 1)
        self.assertCodemod(code, marked, context_override=context())

    def test_sdk_query_of_another_shape_is_marked(self) -> None:
        code = f"""
            from databricks.sdk import WorkspaceClient

            answer = WorkspaceClient().serving_endpoints.query(name="{ENDPOINT}", dataframe_records=rows)
        """
        call = f'WorkspaceClient().serving_endpoints.query(name="{ENDPOINT}", dataframe_records=rows)'
        self.assert_marked(code, f"answer = {call}", (
            f"`{shown(call)}` queries the endpoint `{ENDPOINT}` (its answer is a QueryEndpointResponse; only "
            "`messages=[ChatMessage(role=..., content=...)]` read as `.choices[0].message.content` is "
            f"rewritten): {HINT}"
        ))

    def test_mlflow_deploy_client_predict_is_marked(self) -> None:
        code = f"""
            import mlflow.deployments

            client = mlflow.deployments.get_deploy_client("databricks")
            result = {PREDICT}
        """
        self.assert_marked(code, "result = client.predict(", (
            f'`{shown(PREDICT)}` calls the endpoint `{ENDPOINT}` '
            f"through MLflow's deployment client (a dict answer), which cannot call an app: {HINT}"
        ))

    def test_framework_wrapper_is_marked(self) -> None:
        code = f"""
            from databricks_langchain import ChatDatabricks

            llm = {WRAPPER}
        """
        self.assert_marked(code, "llm = ChatDatabricks(", (
            f'`{shown(WRAPPER)}` wraps the endpoint `{ENDPOINT}` '
            f"(the wrapper speaks to serving endpoints, not apps): {HINT}"
        ))

    def test_openai_client_with_its_own_token_is_marked(self) -> None:
        code = f"""
            import os

            from openai import OpenAI

            client = OpenAI(api_key=os.environ["DATABRICKS_TOKEN"], base_url=os.environ["HOST"] + "/serving-endpoints")
            reply = {RESPONSES}
        """
        self.assert_marked(code, "reply = client.responses", (
            f'`{shown(RESPONSES)}` calls the endpoint `{ENDPOINT}`; '
            "this OpenAI client authenticates with its own `api_key` (a personal access token, which Apps "
            f"refuse): {HINT}"
        ))

    def test_chat_answer_used_otherwise_is_marked(self) -> None:
        code = f"""
            from databricks.sdk import WorkspaceClient

            client = WorkspaceClient().serving_endpoints.get_open_ai_client()
            completion = client.chat.completions.create(model="{ENDPOINT}", messages=msgs)
            print(completion.usage)
        """
        assert sites(code) == [("OpenAI chat.completions", False, False)]
        steps = context()
        EndpointCallers(steps).transform_module(cst.parse_module(textwrap.dedent(code)))
        assert "have no safe Responses equivalent" in steps.scratch[MANUAL_STEPS_KEY][0].message

    def test_chat_with_other_arguments_is_marked(self) -> None:
        code = f"""
            from databricks.sdk import WorkspaceClient

            client = WorkspaceClient().serving_endpoints.get_open_ai_client()
            text = client.chat.completions.create(model="{ENDPOINT}", messages=msgs, temperature=0).choices[0].message.content
        """
        assert sites(code) == [("OpenAI chat.completions", False, False)]

    def test_awaited_call_is_marked(self) -> None:
        code = f"""
            from databricks_openai import DatabricksOpenAI

            client = DatabricksOpenAI()

            async def ask():
                return await client.responses.create(model="{ENDPOINT}", input="hi")
        """
        assert sites(code) == [("OpenAI responses", False, False)]

    def test_raw_http_ai_query_and_plain_values_are_marked(self) -> None:
        code = f"""
            import requests

            ENDPOINT = "{ENDPOINT}"
            requests.post(f"{{host}}/serving-endpoints/{{ENDPOINT}}/invocations", json=body)
            spark.sql("SELECT ai_query('{ENDPOINT}', question) FROM tickets")
            dbutils.widgets.text("endpoint", ENDPOINT)
        """
        assert sites(code) == [
            ("HTTP to /serving-endpoints/.../invocations", False, False),
            ("ai_query (SQL)", False, False),
            ("the endpoint's name passed on", False, False),
        ]

    def test_a_constant_read_by_other_code_is_marked(self) -> None:
        code = f"""
            ENDPOINT = "{ENDPOINT}"
            settings = {{"endpoint": ENDPOINT}}
        """
        assert sites(code) == [("the endpoint's name as a value", False, False)]

    def test_a_constant_read_only_by_listed_callers_is_not_listed_twice(self) -> None:
        code = f"""
            from databricks_langchain import ChatDatabricks

            ENDPOINT = "{ENDPOINT}"
            llm = ChatDatabricks(endpoint=ENDPOINT)
        """
        assert sites(code) == [("ChatDatabricks (framework wrapper)", False, False)]

    def test_a_client_of_a_workspace_client_local_to_another_function_is_marked(self) -> None:
        code = f"""
            from databricks.sdk import WorkspaceClient

            def make_client():
                w = WorkspaceClient()
                return w.serving_endpoints.get_open_ai_client()

            client = make_client()
            reply = client.responses.create(model="{ENDPOINT}", input="hi")
        """
        assert sites(code) == [("OpenAI responses", False, False)]

    def test_the_name_given_to_log_model_is_not_a_caller(self) -> None:
        code = f"""
            import mlflow

            mlflow.pyfunc.log_model(name="{ENDPOINT}", python_model="agent.py")
            mlflow.register_model("runs:/1/agent", "{ENDPOINT}")
        """
        assert sites(code) == []
