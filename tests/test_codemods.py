"""Each rule on its own, through libcst's CodemodTest (as `python -m libcst.tool codemod` runs it)."""

from __future__ import annotations

import textwrap

from libcst.codemod import CodemodContext, CodemodTest, transform_module

from codemods.ma001_agent_handlers import AgentToHandlers
from codemods.ma002_responses_helpers import ResponsesHelpers
from codemods.ma003_legacy_agent_types import LegacyAgentTypes
from codemods.ma006_python_version import PythonVersion
from codemods.migrate import MigrateAgent


class TestResponsesHelpers(CodemodTest):
    TRANSFORM = ResponsesHelpers

    def test_self_helpers_become_functions(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def predict(self, request):
                    return self.create_text_output_item(self.prep_msgs_for_cc_llm(request.input), "i")

            mlflow.models.set_model(A())
        """
        after = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent
            from mlflow.types.responses import create_text_output_item, to_chat_completions_input

            class A(ResponsesAgent):
                def predict(self, request):
                    return create_text_output_item(to_chat_completions_input(request.input), "i")

            mlflow.models.set_model(A())
        """
        self.assertCodemod(before, after)

    def test_methods_the_class_defines_itself_are_kept(self) -> None:
        code = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def create_text_delta(self, delta, item_id):
                    return {"mine": delta}

                def predict(self, request):
                    return self.create_text_delta("x", "y")

            mlflow.models.set_model(A())
        """
        self.assertCodemod(code, code)

    def test_other_classes_and_receivers_are_untouched(self) -> None:
        code = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class Helper:
                def run(self):
                    return self.create_text_delta("x", "y")

            class A(ResponsesAgent):
                def predict(self, request):
                    return other.create_text_delta("x", "y")

            mlflow.models.set_model(A())
        """
        self.assertCodemod(code, code)


class TestAgentToHandlers(CodemodTest):
    TRANSFORM = AgentToHandlers

    def test_predict_only_agent(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}

            AGENT = A()
            mlflow.models.set_model(AGENT)
        """
        after = '''
            from typing import AsyncIterator

            from mlflow.genai.agent_server import invoke, stream
            from mlflow.types.responses import (
                ResponsesAgentRequest,
                ResponsesAgentResponse,
                ResponsesAgentStreamEvent,
            )

            from agent_server_utils import (
                LazyAgent,
                once_per_process,
                output_item_done_events,
                run_in_thread,
            )


            class A:
                def predict(self, request):
                    return {"output": []}


            @once_per_process
            def get_agent() -> A:
                """The agent, built on first use and shared by every request of this process."""
                return A()


            AGENT = LazyAgent(get_agent)  # the old name, for code that imports it; built on first use


            @invoke()
            async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
                agent = await run_in_thread(get_agent)
                return await run_in_thread(agent.predict, request)


            @stream()
            async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
                agent = await run_in_thread(get_agent)
                response = await run_in_thread(agent.predict, request)
                for event in output_item_done_events(response):
                    yield event
        '''
        self.assertCodemod(before, after)

    def test_names_the_module_uses_are_not_shadowed(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent
            from tools import invoke

            def get_agent():
                return None

            class A(ResponsesAgent):
                def predict_stream(self, request):
                    yield invoke(request)

            mlflow.models.set_model(A())
        """
        module = self._run(before)
        self.assertIn("from mlflow.genai.agent_server import invoke as agent_server_invoke", module)
        self.assertIn("@agent_server_invoke()", module)
        self.assertIn("def get_agent_2() -> A:", module)
        self.assertIn("from tools import invoke", module)
        self.assertIn("collect_stream, agent.predict_stream", module)

    def test_dynamic_export_is_marked_not_converted(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def predict(self, request):
                    return {}

            mlflow.models.set_model(make_agent())
        """
        after = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def predict(self, request):
                    return {}

            # TODO(migrate-agent): [MA001] `make_agent` is not a ResponsesAgent subclass defined in this module; convert this export by hand (see README, 'What is migrated')
            mlflow.models.set_model(make_agent())
        """
        self.assertCodemod(before, after)
        # Run again on its own output: the marker is not added twice.
        self.assertCodemod(after, after)

    def _run(self, code: str) -> str:
        import libcst as cst
        from libcst.codemod import CodemodContext

        module = cst.parse_module(self.make_fixture_data(code))
        return AgentToHandlers(CodemodContext()).transform_module(module).code


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


class TestMigrateAgent(CodemodTest):
    TRANSFORM = MigrateAgent

    def test_module_without_agent_is_unchanged(self) -> None:
        code = """
            import mlflow

            def set_model(x):
                return x

            set_model(1)
        """
        self.assertCodemod(code, code)


class TestPythonVersion(CodemodTest):
    TRANSFORM = PythonVersion

    def test_innermost_statement_is_marked_once(self) -> None:
        before = '''
            def names(rows):
                for r in rows:
                    yield f"{r["name"]}", f"{r["kind"]}"
                return f"{rows!r}"
        '''
        after = '''
            def names(rows):
                for r in rows:
                    # TODO(migrate-agent): [MA006] an f-string that reuses its quote " inside {...} (PEP 701, Python 3.12+): Databricks Apps runs Python 3.11, where this does not parse; rewrite it for 3.11
                    yield f"{r["name"]}", f"{r["kind"]}"
                return f"{rows!r}"
        '''
        self.assertCodemod(before, after)

    def test_code_python_311_parses_is_left_alone(self) -> None:
        code = '''
            def names(rows):
                return [f"{r['name']}" for r in rows]
        '''
        self.assertCodemod(code, code)


class TestLoadContext(CodemodTest):
    TRANSFORM = MigrateAgent

    SOURCE = """
        import mlflow
        from mlflow.pyfunc import ResponsesAgent

        agent = object()

        class A(ResponsesAgent):
            def __init__(self, graph):
                self.graph = graph

            def load_context(self, context):
                self.cfg = context.model_config["x"]

            def predict(self, request):
                return None

        mlflow.models.set_model(A(agent))
    """

    def _migrate(self, facts) -> str:
        from codemods.analysis.model_context import MODEL_CONTEXT_KEY

        context = CodemodContext(filename="pkg/agent.py", scratch={MODEL_CONTEXT_KEY: facts})
        return transform_module(MigrateAgent(context), textwrap.dedent(self.SOURCE)).code

    def test_load_context_gets_the_logged_config_relative_to_the_agent(self) -> None:
        from codemods.analysis.model_context import ModelContextFacts

        code = self._migrate(ModelContextFacts(logged=True, artifacts={}, model_config="conf/model_config.yaml"))
        # the local never shadows the module-level `agent` the constructor reads
        self.assertIn(
            "    agent_2 = A(agent)\n"
            '    agent_2.load_context(model_context(__file__, model_config="../conf/model_config.yaml"))\n'
            "    return agent_2\n",
            code,
        )
        self.assertIn("from legacy_agent_adapters import model_context", code)

    def test_load_context_reading_what_nothing_logged_is_not_converted(self) -> None:
        code = self._migrate(None)
        self.assertIn("[MA001] `A` is not converted: it reads `context.model_config`", code)
        self.assertIn("class A(ResponsesAgent):", code)
        self.assertIn("mlflow.models.set_model(A(agent))", code)
        self.assertNotIn("@invoke()", code)
