"""MA003: agents on the older MLflow interfaces are served through adapters to the Responses API."""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods._base import LEGACY_RUNTIME_MODULE
from codemods.analysis.agent_analysis import AgentClass
from codemods.analysis.legacy_shapes import takes_context
from codemods.analysis.model_context import MODEL_CONTEXT_KEY
from codemods.ma001_agent_handlers import AgentToHandlers, _fresh

# Adapter functions of the generated legacy_agent_adapters.py, per interface: (predict, stream).
ADAPTERS = {
    "ChatAgent": ("chat_agent_predict", "chat_agent_stream"),
    "ChatModel": ("chat_model_predict", "chat_model_stream"),
    "PythonModel": ("python_model_predict", "python_model_stream"),
}
# A PythonModel logged with a signature or input example got a one-row DataFrame in predict.
DATAFRAME_PREDICT = "python_model_predict_dataframe"
_CONTEXT_GETTER = '''
@once_per_process
def {context_getter}():
    """Model Serving's context for this agent: what the driver logged, shipped with the app."""
    return {context}
'''
_INVOKE = '''
@{invoke}()
async def {handler}(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread({getter})
    return await run_in_thread({predict}, agent, {extra}request)
'''
_INVOKE_FROM_STREAM = '''
@{invoke}()
async def {handler}(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread({getter})
    return await run_in_thread(collect_stream, functools.partial({stream_fn}, agent, {extra}), request)
'''
_STREAM = '''
@{stream}()
async def {handler}(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread({getter})
    async for event in iterate_in_thread({stream_fn}, agent, {extra}request):
        yield event
'''
_STREAM_FROM_PREDICT = '''
@{stream}()
async def {handler}(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread({getter})
    response = await run_in_thread({predict}, agent, {extra}request)
    for event in output_item_done_events(response):
        yield event
'''
NOT_EXPORTED = (
    "`{name}` is a {kind} not exported with mlflow.models.set_model in this module (logged as an "
    "object?): export it with `mlflow.models.set_model({name}())` (models from code), then run "
    "migrate-agent again"
)


class LegacyAgentTypes(AgentToHandlers):
    """MA003 legacy-agent-type: an exported `mlflow.pyfunc.ChatAgent`, `ChatModel`, or a
    `PythonModel` whose predict (or predict_stream) reads chat messages from its input, keeps its class
    and its code; `set_model` is replaced by `@invoke()` / `@stream()` handlers that serve the
    Responses API like every migrated agent, through the adapters of the generated
    `legacy_agent_adapters.py` (request -> the legacy arguments, the legacy answer or chunks ->
    Responses output items or stream events; see that file for the mapping). `load_context` and a
    ChatModel's / PythonModel's `predict` get a stand-in for Model Serving's context built from
    what the driver logged; a PythonModel's predict gets its input as Model Serving handed it: a
    one-row pandas DataFrame when the driver's `log_model` gave a signature or input example, else
    the `{"messages": [...]}` dict (predict_stream: always the dict). What cannot be served that way (batch-scoring PythonModels, other
    signatures, a class logged as an object without set_model, a context the driver does not
    describe) is marked with a TODO and left working on Model Serving."""

    RULE_ID = "MA003"
    REMOVES_BASE = False  # inherited helpers (ChatAgent._convert_messages_to_dict...) keep working
    DESCRIPTION = "Serve ChatAgent / ChatModel / chat PythonModel agents through Responses adapters."

    def _handles(self, agent: AgentClass) -> bool:
        return agent.kind != "ResponsesAgent"

    def _not_exported(self, agent: AgentClass) -> str:
        return NOT_EXPORTED.format(name=agent.name, kind=agent.kind)

    def _edit_text(self, agent: AgentClass) -> str:
        return f"class {agent.name}: {agent.kind} served through legacy_agent_adapters; set_model replaced by handlers"

    def _context_call(self, agent: AgentClass) -> str:
        if takes_context(agent.kind, agent.node):
            return f"{self._context_getter}()"
        return super()._context_call(agent)

    def _generated(self, tree, agent, export):
        self._context_getter = None
        if takes_context(agent.kind, agent.node):
            taken = set(self.analysis.global_names) - {export.variable or ""}
            self._context_getter = _fresh("get_model_context", taken)
        return super()._generated(tree, agent, export)

    def _handler_code(self, agent: AgentClass, names: dict[str, str], taken: set[str]) -> tuple[list[str], list[str]]:
        predict, stream_fn = ADAPTERS[agent.kind]
        facts = self.context.scratch.get(MODEL_CONTEXT_KEY)
        if agent.kind == "PythonModel" and facts is not None and facts.dataframe_input:
            predict = DATAFRAME_PREDICT
        has_predict = "predict" in agent.methods
        has_stream = stream_fn is not None and "predict_stream" in agent.methods
        code: list[str] = []
        extra = ""
        if self._context_getter:
            taken.add(self._context_getter)
            code.append(_CONTEXT_GETTER.format(
                context_getter=self._context_getter, context=AgentToHandlers._context_call(self, agent)
            ))
            extra = f"{self._context_getter}(), "
        fields = {"predict": predict, "stream_fn": stream_fn, "extra": extra, **names}
        if has_predict:
            code.append(_INVOKE.format(handler=_fresh("invoke_handler", taken), **fields))
        else:
            code.append(_INVOKE_FROM_STREAM.format(
                handler=_fresh("invoke_handler", taken), **{**fields, "extra": extra.rstrip(", ")}
            ).replace(", )", ")"))
            self.add_needed_import("functools")
        if has_stream:
            code.append(_STREAM.format(handler=_fresh("stream_handler", taken), **fields))
        else:
            code.append(_STREAM_FROM_PREDICT.format(handler=_fresh("stream_handler", taken), **fields))
        used = [name for name in (predict if has_predict else None, stream_fn if (has_stream or not has_predict) else None) if name]
        for name in used:
            self.add_generated_import(LEGACY_RUNTIME_MODULE, name)
        runtime = ["run_in_thread"]
        runtime.append("iterate_in_thread" if has_stream else "output_item_done_events")
        if not has_predict:
            runtime.append("collect_stream")
        return code, runtime

    # -- what cannot be converted ----------------------------------------------------------

    def _mark_problems(self, tree: cst.Module) -> cst.Module:
        analysis = self.analysis
        body = list(tree.body)
        marked: set[str] = set()
        for export in analysis.exports:
            agent = export.agent
            if export.problem is None or agent is None or agent.kind == "ResponsesAgent":
                continue
            marked.add(agent.name)
            message = export.problem if export.own_advice else (
                f"{export.problem}; it keeps running on Model Serving as it is (see README, "
                "'ChatAgent, ChatModel, PythonModel')"
            )
            self.mark_in(body, agent.body_index, message)
        if not analysis.exports and not _serves_through_adapters(tree):
            for agent in analysis.legacy:
                if agent.name in analysis.exported_elsewhere:
                    continue  # the module that exports it says what to do
                message = self._not_exported(agent)
                self.mark_in(body, agent.body_index, message)
        return tree.with_changes(body=body)


def _serves_through_adapters(tree: cst.Module) -> bool:
    """Whether the module was migrated already (its handlers import the adapters)."""
    return any(
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.ImportFrom)
        and statement.body[0].module is not None
        and (get_full_name_for_node(statement.body[0].module) or "").split(".")[-1] == LEGACY_RUNTIME_MODULE
        for statement in tree.body
    )
