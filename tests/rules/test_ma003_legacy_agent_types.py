"""MA003 legacy-agent-type (codemods.ma003_legacy_agent_types.LegacyAgentTypes): an exported
ChatAgent, ChatModel or chat PythonModel keeps its class and is served through the generated
`legacy_agent_adapters`; shapes the adapters cannot call (async predict, other signatures, a
context the driver does not describe, a class not exported with set_model) are marked with a TODO
and keep running on Model Serving. No-op cases first, then the rewrites and markers."""

from __future__ import annotations

import textwrap

from libcst.codemod import CodemodContext, CodemodTest, transform_module

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
