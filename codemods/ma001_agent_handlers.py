"""MA001: the exported ResponsesAgent becomes module-level `@invoke()` / `@stream()` handlers."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule, with_blank_lines
from codemods.agent_analysis import AgentClass, Export
from codemods.ma004_user_credentials import REQUEST_SCOPE_KEY, REQUEST_SCOPE_METHOD

AGENT_SERVER = "mlflow.genai.agent_server"
RUNTIME_MODULE = "agent_server_utils"  # generated next to the agent by migrate-agent
RESPONSES_MODULE = "mlflow.types.responses"

_GETTER = '''
@once_per_process
def {getter}() -> {cls}:
    """The agent, built on first use and shared by every request of this process."""
    return {constructor}
'''
_GETTER_WITH_LOAD_CONTEXT = '''
@once_per_process
def {getter}() -> {cls}:
    """The agent, built on first use and shared by every request of this process."""
    agent = {constructor}
    {todo}
    agent.load_context(None)
    return agent
'''
_GETTER_PER_REQUEST = '''
def {getter}() -> {cls}:
    """A new agent for each request: its state depends on the calling user."""
    return {constructor}
'''
_REQUEST_COPY = '''
def {request_getter}() -> {cls}:
    """This request's own copy of the agent: per-process state shared, request state its own."""
    agent = copy.copy({process_getter}())
    {init_scope}return agent
'''
_INVOKE_FROM_PREDICT = '''
@{invoke}()
async def {handler}(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread({getter})
    return await run_in_thread(agent.predict, request)
'''
_INVOKE_FROM_STREAM = '''
@{invoke}()
async def {handler}(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    agent = await run_in_thread({getter})
    return await run_in_thread(collect_stream, agent.predict_stream, request)
'''
_STREAM_FROM_STREAM = '''
@{stream}()
async def {handler}(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread({getter})
    async for event in iterate_in_thread(agent.predict_stream, request):
        yield event
'''
_STREAM_FROM_PREDICT = '''
@{stream}()
async def {handler}(request: ResponsesAgentRequest) -> AsyncIterator[ResponsesAgentStreamEvent]:
    agent = await run_in_thread({getter})
    response = await run_in_thread(agent.predict, request)
    for event in output_item_done_events(response):
        yield event
'''
LOAD_CONTEXT_TODO = (
    "load_context ran when Model Serving loaded the model, with its artifacts and model_config; "
    "on Apps it gets None here: pass what it reads (files shipped with the app, a config file)"
)


class AgentToHandlers(MigrationRule):
    """MA001 agent-handlers: the ResponsesAgent subclass exported with
    `mlflow.models.set_model(...)` keeps its code but loses the ResponsesAgent base; the agent is
    built once per process, lazily on first use (import needs no credentials), and module-level
    `async` handlers registered with `@invoke()` and `@stream()` from
    `mlflow.genai.agent_server` call its `predict` / `predict_stream` in worker threads so that no
    request blocks the server's event loop and each stream event is sent as soon as it exists.
    A class with only one of the two methods gets the other handler derived from it.
    `set_model` is removed. Shapes it cannot convert safely (dynamic or several exports, an
    unexpected predict signature) are left as they are, with a TODO marker."""

    RULE_ID = "MA001"
    DESCRIPTION = "Turn the exported ResponsesAgent into @invoke()/@stream() agent-server handlers."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        analysis = self.analysis
        pair = analysis.convertible()
        if pair is None:
            return self._mark_problems(tree)
        agent, export = pair
        body = list(tree.body)
        body[agent.body_index] = self._without_base(body[agent.body_index], agent)
        generated = self._generated(tree, agent, export)
        carried = list(body[export.body_index].leading_lines)
        if export.assign_index is not None:
            carried = list(body[export.assign_index].leading_lines) + [
                line for line in carried if line.comment is not None
            ]
        generated[0] = with_blank_lines(generated[0].with_changes(leading_lines=carried))
        new_body: list[cst.CSTNode] = []
        after_generated = False
        for index, statement in enumerate(body):
            if index == export.assign_index:
                continue
            if index == export.body_index:
                new_body.extend(generated)
                after_generated = True
                continue
            if after_generated:
                statement = with_blank_lines(statement)
                after_generated = False
            new_body.append(statement)
        self.remove_unused_import_by_node(agent.base_node)
        self.remove_unused_import_by_node(export.statement)
        self.note_edit(f"class {agent.name}: ResponsesAgent base removed; set_model replaced by handlers")
        return tree.with_changes(body=new_body)

    # -- conversion ------------------------------------------------------------------------

    def _without_base(self, classdef: cst.ClassDef, agent: AgentClass) -> cst.ClassDef:
        bases = [arg for i, arg in enumerate(classdef.bases) if i != agent.base_index]
        if bases and agent.base_index == len(classdef.bases) - 1:
            bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if not bases and not classdef.keywords:
            return classdef.with_changes(
                bases=[], lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT
            )
        return classdef.with_changes(bases=bases)

    def _generated(self, tree: cst.Module, agent: AgentClass, export: Export) -> list[cst.CSTNode]:
        taken = set(self.analysis.global_names) - {export.variable or ""}
        getter = _fresh("get_agent", taken)
        names = {
            "getter": getter,
            "cls": agent.name,
            "constructor": tree.code_for_node(export.constructor),
            "invoke": self._import(AGENT_SERVER, "invoke", taken),
            "stream": self._import(AGENT_SERVER, "stream", taken),
        }
        has_predict = "predict" in agent.methods
        has_stream = "predict_stream" in agent.methods
        runtime = ["once_per_process", "run_in_thread"]
        code = []
        mode = self.context.scratch.get(REQUEST_SCOPE_KEY)
        if mode == "per_request":
            runtime.remove("once_per_process")
            code.append(_GETTER_PER_REQUEST.format(**names))
        elif "load_context" in agent.methods:
            self.report(LOAD_CONTEXT_TODO)
            code.append(_GETTER_WITH_LOAD_CONTEXT.format(todo=self._todo_text(LOAD_CONTEXT_TODO), **names))
        else:
            code.append(_GETTER.format(**names))
        if mode in ("copy", "split"):
            request_getter = _fresh("request_agent", taken)
            init_scope = f"agent.{REQUEST_SCOPE_METHOD}()\n    " if mode == "split" else ""
            code.append(
                _REQUEST_COPY.format(
                    request_getter=request_getter,
                    process_getter=getter,
                    init_scope=init_scope,
                    cls=agent.name,
                )
            )
            self.add_needed_import("copy")
            names["getter"] = request_getter
        code.append(
            (_INVOKE_FROM_PREDICT if has_predict else _INVOKE_FROM_STREAM).format(
                handler=_fresh("invoke_handler", taken), **names
            )
        )
        code.append(
            (_STREAM_FROM_STREAM if has_stream else _STREAM_FROM_PREDICT).format(
                handler=_fresh("stream_handler", taken), **names
            )
        )
        runtime.append("iterate_in_thread" if has_stream else "output_item_done_events")
        if not has_predict:
            runtime.append("collect_stream")
        for name in runtime:
            self.add_local_import(RUNTIME_MODULE, name)
        for name in ("ResponsesAgentRequest", "ResponsesAgentResponse", "ResponsesAgentStreamEvent"):
            self.add_needed_import(RESPONSES_MODULE, name)
        self.add_needed_import("typing", "AsyncIterator")
        text = "\n\n".join(block.strip("\n") + "\n" for block in code)
        newline = tree.default_newline
        parsed = cst.parse_module(
            ("\n\n" + text).replace("\n", newline), config=tree.config_for_parsing
        )
        return list(parsed.body)

    def _import(self, module: str, name: str, taken: set[str]) -> str:
        """Schedule `from module import name`, aliased when the module already binds `name`."""
        if name in taken:
            alias = _fresh(f"agent_server_{name}", taken)
            self.add_needed_import(module, name, asname=alias)
            return alias
        self.add_needed_import(module, name)
        return name

    def _todo_text(self, message: str) -> str:
        return f"# TODO(migrate-agent): [{self.RULE_ID}] {message}"

    # -- what cannot be converted ----------------------------------------------------------

    def _mark_problems(self, tree: cst.Module) -> cst.Module:
        analysis = self.analysis
        body = list(tree.body)
        for export in analysis.exports:
            if export.problem is None or " is a Chat" in export.problem or " is a PythonModel" in export.problem:
                continue  # legacy agent types are MA003's to report
            message = f"{export.problem}; convert this export by hand (see README, 'What is migrated')"
            if export.top_index is not None:
                body[export.top_index] = self.mark(body[export.top_index], message)
            else:
                self.report(message)
        if not analysis.exports:
            for agent in analysis.agents:
                message = (
                    f"`{agent.name}` is not exported with mlflow.models.set_model in this module; "
                    "export it there or register handlers for it by hand"
                )
                if agent.body_index is not None:
                    body[agent.body_index] = self.mark(body[agent.body_index], message)
                else:
                    self.report(message)
        return tree.with_changes(body=body)


def _fresh(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`... whichever the module does not bind yet; then taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate
