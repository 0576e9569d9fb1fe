"""MA003 legacy-agent-type (codemods.ma003_legacy_agent_types.LegacyAgentTypes): an exported
ChatAgent, ChatModel or chat PythonModel keeps its class and is served through the generated
`legacy_agent_adapters`; shapes the adapters cannot call (async predict, other signatures, a
context the driver does not describe, a class not exported with set_model) are marked with a TODO
and keep running on Model Serving. No-op cases first, then the rewrites and markers."""

from __future__ import annotations

import textwrap

from libcst.codemod import CodemodContext, CodemodTest, transform_module

from codemods.analysis.model_context import MODEL_CONTEXT_KEY, ModelContextFacts
from codemods.ma003_legacy_agent_types import LegacyAgentTypes


class TestLegacyAgentTypesNoop(CodemodTest):
    TRANSFORM = LegacyAgentTypes

    def test_responses_agent_is_left_to_ma001(self) -> None:
        code = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent


            class A(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}


            mlflow.models.set_model(A())
        """
        self.assertCodemod(code, code)

    def test_module_without_agent_is_unchanged(self) -> None:
        code = """
            import mlflow


            class Helper:
                def predict(self, messages):
                    return messages


            mlflow.set_experiment("/Shared/agents")
        """
        self.assertCodemod(code, code)


class TestLegacyAgentTypes(CodemodTest):
    TRANSFORM = LegacyAgentTypes

    def test_chat_model_is_served_through_the_adapters(self) -> None:
        before = """
            import mlflow

            class Old(mlflow.pyfunc.ChatModel):
                def predict(self, context, messages, params):
                    return None

            mlflow.models.set_model(Old())
        """
        after = """
            from typing import AsyncIterator

            import mlflow
            from mlflow.genai.agent_server import invoke, stream
            from mlflow.types.responses import (
                ResponsesAgentRequest,
                ResponsesAgentResponse,
                ResponsesAgentStreamEvent,
            )

            from agent_server_utils import once_per_process, output_item_done_events, run_in_thread
            from legacy_agent_adapters import chat_model_predict, model_context

            class Old(mlflow.pyfunc.ChatModel):
                def predict(self, context, messages, params):
                    return None


            @once_per_process
            def get_agent() -> Old:
                \"\"\"The agent, built on first use and shared by every request of this process.\"\"\"
                return Old()


            @once_per_process
            def get_model_context():
                \"\"\"Model Serving's context for this agent: what the driver logged, shipped with the app.\"\"\"
                return model_context(__file__)


            @invoke()
            async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
                agent = await run_in_thread(get_agent)
                return await run_in_thread(chat_model_predict, agent, get_model_context(), request)


            @stream()
            async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
                agent = await run_in_thread(get_agent)
                response = await run_in_thread(chat_model_predict, agent, get_model_context(), request)
                for event in output_item_done_events(response):
                    yield event
        """
        self.assertCodemod(before, after)

    def test_chat_agent_with_predict_stream_streams_through_the_adapter(self) -> None:
        before = """
            import mlflow


            class Old(mlflow.pyfunc.ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return None

                def predict_stream(self, messages, context=None, custom_inputs=None):
                    yield None


            mlflow.models.set_model(Old())
        """
        after = '''
            from typing import AsyncIterator

            import mlflow
            from mlflow.genai.agent_server import invoke, stream
            from mlflow.types.responses import (
                ResponsesAgentRequest,
                ResponsesAgentResponse,
                ResponsesAgentStreamEvent,
            )

            from agent_server_utils import iterate_in_thread, once_per_process, run_in_thread
            from legacy_agent_adapters import chat_agent_predict, chat_agent_stream


            class Old(mlflow.pyfunc.ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return None

                def predict_stream(self, messages, context=None, custom_inputs=None):
                    yield None


            @once_per_process
            def get_agent() -> Old:
                """The agent, built on first use and shared by every request of this process."""
                return Old()


            @invoke()
            async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
                agent = await run_in_thread(get_agent)
                return await run_in_thread(chat_agent_predict, agent, request)


            @stream()
            async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
                agent = await run_in_thread(get_agent)
                async for event in iterate_in_thread(chat_agent_stream, agent, request):
                    yield event
        '''
        self.assertCodemod(before, after)

    def test_context_the_driver_does_not_describe_is_not_converted(self) -> None:
        before = """
            import mlflow

            class Scorer(mlflow.pyfunc.PythonModel):
                def load_context(self, context):
                    self.table = context.artifacts["table"]

                def predict(self, context, model_input, params=None):
                    return {"content": model_input.get("messages")[-1]["content"]}

            mlflow.models.set_model(Scorer())
        """
        after = """
            import mlflow

            # TODO(migrate-agent): [MA003] `Scorer` is not converted: it reads `context.artifacts` from Model Serving, and no `log_model` call in the project says what was logged: add the driver code that logs it (project files as artifacts, a literal or file model_config), or make it read files shipped with the app; it keeps running on Model Serving as it is (see README, 'ChatAgent, ChatModel, PythonModel')
            class Scorer(mlflow.pyfunc.PythonModel):
                def load_context(self, context):
                    self.table = context.artifacts["table"]

                def predict(self, context, model_input, params=None):
                    return {"content": model_input.get("messages")[-1]["content"]}

            mlflow.models.set_model(Scorer())
        """
        self.assertCodemod(before, after)

    def test_shapes_the_adapters_cannot_call_are_reported(self) -> None:
        cases = {
            "async def predict(self, messages, context=None, custom_inputs=None):": "is async",
            "def predict(self, messages):": "does not have the ChatAgent signature",
        }
        for signature, reason in cases.items():
            before = f"""
                import mlflow

                class Old(mlflow.pyfunc.ChatAgent):
                    {signature}
                        return None

                mlflow.models.set_model(Old())
            """
            result = transform_module(LegacyAgentTypes(CodemodContext()), textwrap.dedent(before))
            self.assertIn("# TODO(migrate-agent): [MA003] `Old.predict` ", result.code)
            self.assertIn(reason, result.code)
            self.assertNotIn("@invoke()", result.code)

    def test_legacy_agent_not_exported_with_set_model_is_marked(self) -> None:
        before = """
            import mlflow


            class Old(mlflow.pyfunc.ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return None
        """
        after = """
            import mlflow


            # TODO(migrate-agent): [MA003] `Old` is a ChatAgent not exported with mlflow.models.set_model in this module (logged as an object?): export it with `mlflow.models.set_model(Old())` (models from code), then run migrate-agent again
            class Old(mlflow.pyfunc.ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return None
        """
        self.assertCodemod(before, after)
        self.assertCodemod(after, after)  # marked once


class TestChatPythonModelInput(CodemodTest):
    """Issue 14, defect 5: a chat PythonModel reads `messages` in the shapes Model Serving handed
    it (a one-row DataFrame when logged with a signature or input example), and its predict gets
    that shape through the adapters."""

    TRANSFORM = LegacyAgentTypes

    @staticmethod
    def _migrated(code: str, facts: ModelContextFacts | None = None) -> str:
        scratch = {} if facts is None else {MODEL_CONTEXT_KEY: facts}
        context = CodemodContext(scratch=scratch)
        result = transform_module(LegacyAgentTypes(context), textwrap.dedent(code))
        return result.code

    def _assert_served(self, predict_body: str, *, helpers: str = "", hint: str = "") -> None:
        code = "\n".join([
            "import mlflow",
            "import pandas as pd",
            "from mlflow.models.rag_signatures import ChatCompletionRequest",
            "",
            "class Chat(mlflow.pyfunc.PythonModel):",
            textwrap.indent(textwrap.dedent(helpers), "    "),
            f"    def predict(self, context, model_input{hint}, params=None):",
            textwrap.indent(textwrap.dedent(predict_body).strip("\n"), "        "),
            "",
            "mlflow.models.set_model(Chat())",
            "",
        ])
        result = self._migrated(code)
        self.assertNotIn("TODO(migrate-agent)", result)
        self.assertIn("run_in_thread(python_model_predict, agent, get_model_context(), request)", result)

    def test_dataframe_branch_converted_to_records_reads_messages(self) -> None:
        self._assert_served("""
            if isinstance(model_input, pd.DataFrame):
                model_input = model_input.to_dict("records")[0]
            return model_input["messages"][-1]["content"]
        """)

    def test_row_of_the_dataframe_reads_messages(self) -> None:
        self._assert_served("""
            row = model_input.iloc[0]
            messages = row["messages"]
            return messages[-1]["content"]
        """)

    def test_helper_method_that_returns_the_messages(self) -> None:
        self._assert_served(
            """
            messages = self._messages(model_input)
            return messages[-1]["content"]
            """,
            helpers="""
            def _messages(self, request):
                if isinstance(request, pd.DataFrame):
                    return request.to_dict(orient="records")[0].get("messages")
                return request["messages"]
            """,
        )

    def test_helper_method_given_the_input_by_keyword(self) -> None:
        self._assert_served(
            """
            return self._answer(data=model_input)
            """,
            helpers="""
            def _answer(self, data):
                return data.get("messages")[-1]["content"]
            """,
        )

    def test_chat_completion_request_hint_reads_messages_attribute(self) -> None:
        self._assert_served("return model_input.messages[-1].content", hint=": ChatCompletionRequest")

    def test_union_of_dataframe_and_dict_hint_reads_messages(self) -> None:
        self._assert_served(
            """
            if isinstance(model_input, pd.DataFrame):
                model_input = model_input.iloc[0].to_dict()
            return model_input["messages"][-1]["content"]
            """,
            hint=": pd.DataFrame | dict[str, Any] | None",
        )

    def test_batch_scoring_is_reported_without_claiming_a_dict_input(self) -> None:
        result = self._migrated("""
            import mlflow

            class Scorer(mlflow.pyfunc.PythonModel):
                def predict(self, context, model_input, params=None):
                    return model_input["text"].str.len()

            mlflow.models.set_model(Scorer())
        """)
        self.assertIn("# TODO(migrate-agent): [MA003] `Scorer` is a PythonModel whose predict reads no chat messages", result)
        self.assertNotIn("as a dict", result)
        self.assertNotIn("@invoke()", result)

    def test_typed_input_is_reported_with_its_type(self) -> None:
        result = self._migrated("""
            import mlflow

            class Typed(mlflow.pyfunc.PythonModel):
                def predict(self, context, model_input: list[str], params=None):
                    return model_input["messages"]

            mlflow.models.set_model(Typed())
        """)
        self.assertIn("`Typed.predict` takes typed input (`list[str]`)", result)
        self.assertNotIn("@invoke()", result)

    def test_logged_signature_or_example_hands_predict_a_dataframe(self) -> None:
        code = """
            import mlflow

            class Chat(mlflow.pyfunc.PythonModel):
                def predict(self, context, model_input, params=None):
                    return model_input.to_dict("records")[0]["messages"][-1]["content"]

            mlflow.models.set_model(Chat())
        """
        logged = self._migrated(code, ModelContextFacts(logged=True, artifacts={}, dataframe_input=True))
        self.assertIn("run_in_thread(python_model_predict_dataframe, agent, get_model_context(), request)", logged)
        self.assertIn("from legacy_agent_adapters import model_context, python_model_predict_dataframe", logged)
        plain = self._migrated(code, ModelContextFacts(logged=True, artifacts={}))
        self.assertIn("run_in_thread(python_model_predict, agent, get_model_context(), request)", plain)
        self.assertEqual(self._migrated(logged, ModelContextFacts(logged=True, artifacts={}, dataframe_input=True)), logged)

    def test_predict_stream_streams_through_the_adapter(self) -> None:
        result = self._migrated("""
            import mlflow

            class Chat(mlflow.pyfunc.PythonModel):
                def predict(self, context, model_input, params=None):
                    return model_input["messages"][-1]["content"]

                def predict_stream(self, context, model_input, params=None):
                    yield model_input["messages"][-1]["content"]

            mlflow.models.set_model(Chat())
        """)
        self.assertNotIn("TODO(migrate-agent)", result)
        self.assertIn("iterate_in_thread(python_model_stream, agent, get_model_context(), request)", result)

    def test_predict_stream_only_invokes_by_collecting_the_stream(self) -> None:
        result = self._migrated("""
            import mlflow

            class Chat(mlflow.pyfunc.PythonModel):
                def predict_stream(self, context, model_input, params=None):
                    yield model_input.get("messages")[-1]["content"]

            mlflow.models.set_model(Chat())
        """)
        self.assertNotIn("TODO(migrate-agent)", result)
        self.assertIn("collect_stream, functools.partial(python_model_stream, agent, get_model_context()), request", result)
