"""MA001: the exported ResponsesAgent becomes module-level `@invoke()` / `@stream()` handlers."""

from __future__ import annotations

import libcst as cst

from codemods._base import (
    GENERATED_MODULES,
    LEGACY_RUNTIME_MODULE,
    RUNTIME_MODULE,
    MigrationRule,
    generated_import,
    with_blank_lines,
)
from codemods.analysis.agent_analysis import HANDLER_METHODS, AgentClass, Export
from codemods.analysis.model_context import MODEL_CONTEXT_KEY, context_call
from codemods.analysis.syntax import find_all, is_name
from codemods.ma002_responses_helpers import RESPONSES_MODULE
from codemods.ma004_user_credentials import REQUEST_SCOPE_KEY, REQUEST_SCOPE_METHOD

AGENT_SERVER = "mlflow.genai.agent_server"

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
    {local} = {constructor}
    {local}.load_context({context})
    return {local}
'''
_GETTER_PER_REQUEST = '''
def {getter}() -> {cls}:
    """A new agent for each request: its state depends on the calling user."""
    return {constructor}
'''
_GETTER_PER_REQUEST_WITH_LOAD_CONTEXT = '''
def {getter}() -> {cls}:
    """A new agent for each request: its state depends on the calling user."""
    {local} = {constructor}
    {local}.load_context({context})
    return {local}
'''
_REQUEST_COPY = '''
def {request_getter}() -> {cls}:
    """This request's own copy of the agent: per-process state shared, request state its own."""
    agent = copy.copy({process_getter}())
    {init_scope}return agent
'''
_KEPT_NAME = '''
{variable} = {lazy}({getter})  # the old name, for code that imports it; built on first use
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


class AgentToHandlers(MigrationRule):
    """MA001 agent-handlers: the ResponsesAgent subclass exported with
    `mlflow.models.set_model(...)` keeps its code but loses the ResponsesAgent base; the agent is
    built once per process, lazily on first use (import needs no credentials), and module-level
    `async` handlers registered with `@invoke()` and `@stream()` from
    `mlflow.genai.agent_server` call its `predict` / `predict_stream` in worker threads so that no
    request blocks the server's event loop and each stream event is sent as soon as it exists.
    A class with only one of the two methods gets the other handler derived from it.
    `set_model` is removed. The export may be a factory call (`set_model(create_agent(cfg))`,
    the factory in this module or another of the project) that always returns one agent class;
    a class of another module stays there as it is. `load_context` runs once, when the agent is built, with a stand-in
    for Model Serving's context (`model_context(...)`: the artifacts and model_config the driver
    logs, shipped with the app). Shapes it cannot convert safely (dynamic or several exports, an
    unexpected predict signature, a context the driver code does not describe) are left as they
    are, with a TODO marker."""

    RULE_ID = "MA001"
    REMOVES_BASE = True
    DESCRIPTION = "Turn the exported ResponsesAgent into @invoke()/@stream() agent-server handlers."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        analysis = self.analysis
        pair = analysis.convertible()
        if pair is not None:
            tree = self._mark_not_served(tree, pair[0])
        if pair is None or not self._handles(pair[0]):
            return self._mark_problems(tree)
        agent, export = pair
        body = list(tree.body)
        if self.REMOVES_BASE and agent.inherited is None:
            body[agent.body_index] = self._without_base(body[agent.body_index], agent)
        if export.lazy_getter is not None and export.top_index is not None:
            body[export.top_index] = body[export.top_index].visit(_Without(export.statement))
            self.note_edit(
                f"set_model removed from `{export.lazy_getter}()`: the handlers build the agent "
                "through it, once per process, on first use"
            )
        if agent.kind == "ResponsesAgent" and agent.node is not None:
            for name in HANDLER_METHODS:  # the original could not answer either: said, not changed
                method = agent.methods.get(name)
                if method is not None and method.broken_call:
                    body[agent.body_index] = self.mark(body[agent.body_index], method.broken_call)
        generated = self._generated(tree, agent, export)
        carried = list(body[export.body_index].leading_lines)
        if export.assign_index is not None:
            carried = list(body[export.assign_index].leading_lines) + [
                line for line in carried if line.comment is not None
            ]
        generated[0] = with_blank_lines(generated[0].with_changes(leading_lines=carried))
        # The kept name must exist wherever the module used it: if statements between the
        # assignment and set_model use it, the new code goes where the assignment was.
        place = export.body_index
        if export.variable and export.assign_index is not None and any(
            _uses_name(body[i], export.variable)
            for i in range(export.assign_index + 1, export.body_index)
        ):
            place = export.assign_index
        if export.variable:
            for index in range(place + 1, len(body)):
                if index != export.body_index and _uses_name(body[index], export.variable):
                    body[index] = self.mark(body[index], _IMPORT_TIME_USE.format(name=export.variable))
        new_body: list[cst.CSTNode] = []
        after_generated = False
        for index, statement in enumerate(body):
            if index == place:
                new_body.extend(generated)
                after_generated = True
                continue
            if index in (export.assign_index, export.body_index):
                continue
            if after_generated:
                statement = with_blank_lines(statement)
                after_generated = False
            new_body.append(statement)
        if self.REMOVES_BASE and agent.base_node is not None:
            self.remove_unused_import_by_node(agent.base_node)
        self.remove_unused_import_by_node(export.statement)
        if export.factory and not export.lazy_getter:
            self.note_edit(f"the agent is built by `{export.factory}()`, once per process, on first use")
        if agent.node is None:
            self.note_edit(
                f"class {agent.name} ({agent.inherited.base_origin}) stays as it is; set_model "
                "replaced by handlers"
            )
        elif agent.inherited is not None:
            self.note_edit(
                f"class {agent.name}: keeps its base `{agent.inherited.base}` (a ResponsesAgent "
                f"from {agent.inherited.base_origin}); set_model replaced by handlers"
            )
        else:
            self.note_edit(self._edit_text(agent))
        return tree.with_changes(body=new_body)

    # -- what a subclass (MA003) changes -----------------------------------------------------

    def _handles(self, agent: AgentClass) -> bool:
        return agent.kind == "ResponsesAgent"

    def _edit_text(self, agent: AgentClass) -> str:
        return f"class {agent.name}: ResponsesAgent base removed; set_model replaced by handlers"

    def _handler_code(self, agent: AgentClass, names: dict[str, str], taken: set[str]) -> tuple[list[str], list[str]]:
        """The invoke and stream handlers' code, and the runtime helpers they use."""
        has_predict = "predict" in agent.methods
        has_stream = "predict_stream" in agent.methods
        code = [
            (_INVOKE_FROM_PREDICT if has_predict else _INVOKE_FROM_STREAM).format(
                handler=_fresh("invoke_handler", taken), **names
            ),
            (_STREAM_FROM_STREAM if has_stream else _STREAM_FROM_PREDICT).format(
                handler=_fresh("stream_handler", taken), **names
            ),
        ]
        runtime = ["run_in_thread", "iterate_in_thread" if has_stream else "output_item_done_events"]
        if not has_predict:
            runtime.append("collect_stream")
        return code, runtime

    def _context_call(self, agent: AgentClass) -> str:
        """`model_context(__file__, ...)`: the stand-in for Model Serving's context."""
        self.add_generated_import(LEGACY_RUNTIME_MODULE, "model_context")
        facts = self.context.scratch.get(MODEL_CONTEXT_KEY)
        return context_call(agent.context_reads, facts, self.context.filename or "")

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
            "cls": self._class_name(agent, export, taken),
            "constructor": tree.code_for_node(export.constructor),
            "invoke": self._import(AGENT_SERVER, "invoke", taken),
            "stream": self._import(AGENT_SERVER, "stream", taken),
        }
        runtime = ["once_per_process"]
        code = []
        mode = self.context.scratch.get(REQUEST_SCOPE_KEY)
        load_context = "load_context" in agent.methods
        if load_context:
            names["context"] = self._context_call(agent)
            used = {n.value for n in find_all(export.constructor, cst.Name)}
            names["local"] = _fresh("agent", used)  # never shadows a global the constructor reads
        if mode == "per_request":
            runtime.remove("once_per_process")
            template = _GETTER_PER_REQUEST_WITH_LOAD_CONTEXT if load_context else _GETTER_PER_REQUEST
            code.append(template.format(**names))
        else:
            code.append((_GETTER_WITH_LOAD_CONTEXT if load_context else _GETTER).format(**names))
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
        if export.variable:
            # The old name stands for the object it named: the one per-process agent. Only
            # when that agent lacks the user's state (built per request) does it take the
            # request's agent, which needs the user's token like the handlers do.
            kept_getter = names["getter"] if mode in ("split", "per_request") else getter
            lazy = self._import(RUNTIME_MODULE, "LazyAgent", taken)
            code.append(_KEPT_NAME.format(variable=export.variable, getter=kept_getter, lazy=lazy))
            self.note_edit(
                f"{export.variable} kept for code that imports it: LazyAgent({kept_getter}), "
                "the agent built on first use (not an instance of the class)"
            )
        handlers, handler_runtime = self._handler_code(agent, names, taken)
        code.extend(handlers)
        runtime.extend(handler_runtime)
        for name in dict.fromkeys(runtime):
            self.add_generated_import(RUNTIME_MODULE, name)
        for name in ("ResponsesAgentRequest", "ResponsesAgentResponse", "ResponsesAgentStreamEvent"):
            self.add_needed_import(RESPONSES_MODULE, name)
        self.add_needed_import("typing", "AsyncIterator")
        text = "\n\n".join(block.strip("\n") + "\n" for block in code)
        newline = tree.default_newline
        parsed = cst.parse_module(
            ("\n\n" + text).replace("\n", newline), config=tree.config_for_parsing
        )
        return list(parsed.body)

    def _class_name(self, agent: AgentClass, export: Export, taken: set[str]) -> str:
        """The agent class's name here, for annotations; imported when only the factory's module
        (`from agents.factory import create_agent`) binds it."""
        factory = export.imported_factory
        if factory is None or factory.returns is None or factory.returns in taken:
            return agent.name
        if factory.attribute_of is not None:  # `f.create_agent(...)`: the class is `f.Cls` here
            return f"{factory.attribute_of}.{factory.returns}"
        self.add_needed_import(factory.module, factory.returns, relative=factory.level)
        return factory.returns

    def _import(self, module: str, name: str, taken: set[str]) -> str:
        """Schedule `from module import name`, aliased when the module already binds `name` (a
        generated module as the file imports its siblings)."""
        level = 0
        if module in GENERATED_MODULES:
            module, level = generated_import(self.context, module)
        if name in taken:
            alias = _fresh(f"agent_server_{name}", taken)
            self.add_needed_import(module, name, asname=alias, relative=level)
            return alias
        self.add_needed_import(module, name, relative=level)
        return name

    def _todo_text(self, message: str) -> str:
        return f"# TODO(migrate-agent): [{self.RULE_ID}] {message}"

    # -- what cannot be converted ----------------------------------------------------------

    def _mark_problems(self, tree: cst.Module) -> cst.Module:
        analysis = self.analysis
        body = list(tree.body)
        for export in analysis.exports:
            if export.problem is None or (export.agent is not None and export.agent.kind != "ResponsesAgent"):
                continue  # legacy agent types are MA003's to report
            if " is a Chat" in export.problem or " is a PythonModel" in export.problem:
                continue
            message = export.problem if export.own_advice else (
                f"{export.problem}; convert this export by hand (see README, 'What is migrated')"
            )
            if export.top_index is not None:
                body[export.top_index] = self.mark(body[export.top_index], message)
            else:
                self.report(message)
        if not analysis.exports:
            for index, message in analysis.unresolved_bases.values():
                if index is not None:
                    body[index] = self.mark(body[index], message)
                else:
                    self.report(message)
            for agent in analysis.agents:
                if agent.name in analysis.subclassed or agent.name in analysis.exported_elsewhere:
                    continue  # a base of agents in other modules: they are exported there
                if agent.inherited is not None and analysis.has_handlers:
                    continue  # migrated before: it keeps its project base, handlers serve it
                message = self._not_exported(agent)
                self.mark_in(body, agent.body_index, message)
        return tree.with_changes(body=body)


    def _not_exported(self, agent: AgentClass) -> str:
        return (
            f"`{agent.name}` is not exported with mlflow.models.set_model in this module; "
            "export it there or register handlers for it by hand"
        )

    def _mark_not_served(self, tree: cst.Module, served: AgentClass) -> cst.Module:
        """The module's other agent classes of this rule's kind, beside the one its export makes
        the app's agent: no set_model exports them, so the app does not serve them. Said now as
        every later run says it (once set_model is gone, each is an agent this module does not
        export): one apply is a fixpoint."""
        analysis = self.analysis
        body = list(tree.body)
        for agent in (*analysis.agents, *analysis.legacy):
            if agent is served or agent.name == served.name or not self._handles(agent):
                continue
            if agent.name in analysis.subclassed or agent.name in analysis.exported_elsewhere:
                continue  # a base of agents in other modules, or exported there
            if agent.body_index is not None:
                body[agent.body_index] = self.mark(body[agent.body_index], self._not_exported(agent))
            else:
                self.report(self._not_exported(agent))
        return tree.with_changes(body=body)


class _Without(cst.CSTTransformer):
    """Removes the statement equal to `statement` (a `pass` keeps an emptied block valid)."""

    def __init__(self, statement: cst.CSTNode) -> None:
        super().__init__()
        self._statement = statement

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if original_node.deep_equals(self._statement):
            return cst.RemoveFromParent()
        return updated_node

    def leave_IndentedBlock(self, original_node, updated_node):
        if not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        return updated_node


_IMPORT_TIME_USE = (
    "`{name}` is used here at module level (a test cell?): on Apps this runs when the server "
    "imports the module, building the agent and calling it at startup; move it to a driver or "
    "under `if __name__ == \"__main__\":`"
)


def _uses_name(statement: cst.CSTNode, name: str) -> bool:
    """Whether a module-level statement reads `name` when it runs (function and class bodies,
    which run later or not at all, aside)."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return False
    if _is_main_guard(statement):
        return False  # runs as a script only, never when the server imports the module
    return any(n.value == name for n in find_all(statement, cst.Name))


def _is_main_guard(statement: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` (any string on the right)."""
    if not isinstance(statement, cst.If) or not isinstance(statement.test, cst.Comparison):
        return False
    test = statement.test
    return (
        is_name(test.left, "__name__") and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
        and isinstance(test.comparisons[0].comparator, cst.SimpleString)
    )


def _fresh(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`... whichever the module does not bind yet; then taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate
