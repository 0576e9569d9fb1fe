"""MA001 agent-handlers (codemods.ma001_agent_handlers.AgentToHandlers): the ResponsesAgent
exported with `mlflow.models.set_model(...)` loses its base, is built once per process on first
use, and module-level `@invoke()` / `@stream()` handlers replace `set_model`; exports it cannot
convert safely get a TODO marker instead. No-op cases first, then the rewrites."""

from __future__ import annotations

import textwrap

import libcst as cst
from libcst.codemod import CodemodContext, CodemodTest, transform_module

from codemods.analysis.model_context import MODEL_CONTEXT_KEY, ModelContextFacts
from codemods.ma001_agent_handlers import AgentToHandlers
from codemods.migrate import MigrateAgent


class TestAgentToHandlersNoop(CodemodTest):
    TRANSFORM = AgentToHandlers

    def test_module_without_agent_is_unchanged(self) -> None:
        code = """
            import mlflow

            def set_model(x):
                return x

            set_model(1)
        """
        self.assertCodemod(code, code)

    def test_legacy_agent_export_is_left_to_ma003(self) -> None:
        code = """
            import mlflow

            class Old(mlflow.pyfunc.ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return None

            mlflow.models.set_model(Old())
        """
        self.assertCodemod(code, code)

    def test_already_migrated_module_is_unchanged(self) -> None:
        code = '''
            from typing import AsyncIterator

            from mlflow.genai.agent_server import invoke, stream
            from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

            from agent_server_utils import once_per_process, run_in_thread


            class A:
                def predict(self, request):
                    return {"output": []}


            @once_per_process
            def get_agent() -> A:
                """The agent, built on first use and shared by every request of this process."""
                return A()


            @invoke()
            async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
                agent = await run_in_thread(get_agent)
                return await run_in_thread(agent.predict, request)
        '''
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

    def test_stream_only_agent_gets_its_invoke_handler_from_the_stream(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent


            class A(ResponsesAgent):
                def predict_stream(self, request):
                    yield {"type": "response.output_item.done"}


            mlflow.models.set_model(A())
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
                collect_stream,
                iterate_in_thread,
                once_per_process,
                run_in_thread,
            )


            class A:
                def predict_stream(self, request):
                    yield {"type": "response.output_item.done"}


            @once_per_process
            def get_agent() -> A:
                """The agent, built on first use and shared by every request of this process."""
                return A()


            @invoke()
            async def invoke_handler(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
                agent = await run_in_thread(get_agent)
                return await run_in_thread(collect_stream, agent.predict_stream, request)


            @stream()
            async def stream_handler(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
                agent = await run_in_thread(get_agent)
                async for event in iterate_in_thread(agent.predict_stream, request):
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

    def test_request_not_first_parameter_is_converted_with_a_warning(self) -> None:
        """Model Serving called predict(request): with `predict(self, context=None,
        request=None)` the request landed in `context`, so the original could not answer either.
        The app calls it the same way; the class is marked and the step says why."""
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def predict(self, context=None, request=None):
                    return {"output": [], "custom_outputs": {"n": len(request.input)}}

            mlflow.models.set_model(A())
        """
        context = CodemodContext()
        migrated = transform_module(MigrateAgent(context), textwrap.dedent(before)).code
        message = (
            "`A.predict(self, context=None, request=None)` takes the request as `request`, but Model "
            "Serving called `predict(request)` with the request as its first argument (`context`), "
            "so `request` was None: the original endpoint could not have answered either, and the "
            "app's handlers call it the same way. Make `request` the first parameter after self"
        )
        assert f"# TODO(migrate-agent): [MA001] {message}\nclass A:\n" in migrated
        assert "@invoke()" in migrated and "set_model" not in migrated
        steps = [(f.rule, f.message) for f in context.scratch["migrate_agent.manual_steps"]]
        assert steps == [("MA001", message)]
        assert transform_module(MigrateAgent(CodemodContext()), migrated).code == migrated  # a second run

    def test_request_annotated_first_parameter_is_not_warned(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent
            from mlflow.types.responses import ResponsesAgentRequest

            class A(ResponsesAgent):
                def predict(self, req: ResponsesAgentRequest, request=None):
                    return {"output": []}

            mlflow.models.set_model(A())
        """
        context = CodemodContext()
        migrated = transform_module(MigrateAgent(context), textwrap.dedent(before)).code
        assert "TODO" not in migrated
        assert context.scratch.get("migrate_agent.manual_steps", []) == []

    def test_agent_forwarding_to_a_databricks_app_is_not_converted(self) -> None:
        """Logged with `resources=[DatabricksApp("support-app")]` only and calling that app: it
        already runs on Apps; the step says what is left instead of asking for a conversion."""
        before = """
            import mlflow
            import requests
            from mlflow.pyfunc import ResponsesAgent

            WORKSPACE = "123"
            APP_URL = f"https://support-app-{WORKSPACE}.aws.databricksapps.com"

            class Proxy(ResponsesAgent):
                def predict(self, request):
                    return requests.post(f"{APP_URL}/invocations", json=request.model_dump()).json()

            mlflow.models.set_model(Proxy())
        """
        facts = ModelContextFacts(logged=True, only_apps=("support-app",), apps_origin="driver.py:8")
        context = CodemodContext(scratch={MODEL_CONTEXT_KEY: facts})
        migrated = transform_module(MigrateAgent(context), textwrap.dedent(before)).code
        [step] = context.scratch["migrate_agent.manual_steps"]
        assert step.rule == "MA001"
        assert step.message.startswith(
            "`Proxy` forwards to the Databricks App `support-app` (the only resource logged with the "
            "model, driver.py:8): the agent already runs on Databricks Apps, so there is nothing to convert."
        )
        assert "retire the endpoint" in step.message and "convert this export by hand" not in step.message
        assert migrated == textwrap.dedent(before).replace(
            "mlflow.models.set_model(Proxy())", f"# TODO(migrate-agent): [MA001] {step.message}\nmlflow.models.set_model(Proxy())"
        )

    def test_agent_of_a_model_with_other_resources_is_converted(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class Agent(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}

            mlflow.models.set_model(Agent())
        """
        facts = ModelContextFacts(logged=True)  # resources other than apps: nothing forwarded
        context = CodemodContext(scratch={MODEL_CONTEXT_KEY: facts})
        migrated = transform_module(MigrateAgent(context), textwrap.dedent(before)).code
        assert "@invoke()" in migrated

    def test_base_from_an_mlflow_path_that_does_not_define_it_is_reported(self) -> None:
        """`mlflow.langchain.chat_agent_langgraph` binds no ChatAgent (MLflow 3.17): the class is
        reported with what to do, exported or not, and nothing else changes."""
        message = (
            "`Echo` derives from `mlflow.langchain.chat_agent_langgraph.ChatAgent`, a path where MLflow "
            "does not define `ChatAgent` (it is `mlflow.pyfunc.ChatAgent`), so it is not converted: "
            "import the base from mlflow.pyfunc, then run migrate-agent again"
        )
        header = """
            import mlflow
            from mlflow.langchain.chat_agent_langgraph import ChatAgent

            class Echo(ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return None
        """
        for export in ("", "\nmlflow.models.set_model(Echo())\n"):
            code = textwrap.dedent(header) + export
            context = CodemodContext()
            migrated = transform_module(MigrateAgent(context), code).code
            steps = [(f.rule, f.message) for f in context.scratch["migrate_agent.manual_steps"]]
            assert steps == [("MA001", message)]
            marked = "mlflow.models.set_model(Echo())" if export else "class Echo(ChatAgent):"
            assert migrated == code.replace(marked, f"# TODO(migrate-agent): [MA001] {message}\n{marked}")

    def test_agent_not_exported_in_its_module_is_marked(self) -> None:
        before = """
            from mlflow.pyfunc import ResponsesAgent


            class A(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}
        """
        after = """
            from mlflow.pyfunc import ResponsesAgent


            # TODO(migrate-agent): [MA001] `A` is not exported with mlflow.models.set_model in this module; export it there or register handlers for it by hand
            class A(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}
        """
        self.assertCodemod(before, after)

    def test_agent_beside_the_exported_one_is_marked_on_the_first_run(self) -> None:
        code = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent


            class A(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}


            class B(ResponsesAgent):
                def predict(self, request):
                    return {"output": []}


            mlflow.models.set_model(A())
        """
        marker = (
            "# TODO(migrate-agent): [MA001] `B` is not exported with mlflow.models.set_model in this "
            "module; export it there or register handlers for it by hand\nclass B(ResponsesAgent):"
        )
        first = self._run(code)
        assert "@invoke()" in first and "class A:" in first
        assert marker in first and "TODO(migrate-agent): [MA001] `A`" not in first
        # What a later run says of B (no set_model left), the first run said: a fixpoint.
        assert AgentToHandlers(CodemodContext()).transform_module(cst.parse_module(first)).code == first

    def _run(self, code: str) -> str:
        module = cst.parse_module(self.make_fixture_data(code))
        return AgentToHandlers(CodemodContext()).transform_module(module).code


class TestLoadContext(CodemodTest):
    """MA001's `load_context`: run once when the agent is built, with the context the driver
    logs; a context nothing logs leaves the agent unconverted (through all rules, as the engine
    runs them, with the driver's facts in the context's scratch)."""

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

    def test_load_context_reading_what_nothing_logged_is_not_converted(self) -> None:
        code = self._migrate(None)
        self.assertIn("[MA001] `A` is not converted: it reads `context.model_config`", code)
        self.assertIn("class A(ResponsesAgent):", code)
        self.assertIn("mlflow.models.set_model(A(agent))", code)
        self.assertNotIn("@invoke()", code)

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
