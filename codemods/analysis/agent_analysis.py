"""One read of a module, shared by every rule: which class is the agent, how it is exported.

This is the only place that uses scope and qualified-name metadata, so a file pays for that
resolution once whatever the number of rules. Rules act on the facts gathered here (names,
statement indices in ``module.body``, original nodes for import clean-up), never on metadata of
a tree another rule already rewrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from codemods.analysis import tree_walk
from codemods.analysis.driver_analysis import DriverCall, driver_call
from codemods.analysis.identity_analysis import (
    INIT_METHODS,
    WORKSPACE_CLIENTS,
    IdentityFacts,
    UserClientCall,
    carried_attributes,
    handler_state_attributes,
    is_user_call,
    is_user_factory_call,
    request_local_attributes,
    split_init,
)
from codemods.analysis.legacy_shapes import legacy_problem
from codemods.analysis.model_context import ModelContextFacts, context_problem, context_reads
from codemods.analysis.project_classes import (
    AGENT_BASE_NAMES,
    MLFLOW_AGENT_BASES,
    RESPONSES_AGENT,
    FileClassFacts,
    ImportedFactory,
    InheritedAgent,
)
from codemods.analysis.python_version import newer_syntax
from codemods.analysis.syntax import (
    find_all,
    import_roots,
    is_name,
    positional_params,
    shared_walks,
    single_name_assign,
)

ANALYSIS_KEY = "migrate_agent.analysis"

RESPONSES_AGENT_NAMES = RESPONSES_AGENT  # every path MLflow binds ResponsesAgent under
LEGACY_AGENT_NAMES = {name: kind for name, kind in MLFLOW_AGENT_BASES.items() if kind != "ResponsesAgent"}
MODEL_CONFIG_NAMES = frozenset(
    {"mlflow.models.ModelConfig", "mlflow.models.model_config.ModelConfig"}
)
SET_MODEL_NAMES = frozenset({"mlflow.models.set_model", "mlflow.models.model.set_model"})
HANDLER_METHODS = ("predict", "predict_stream")


def names_config_file(call: cst.Call) -> bool:
    """Whether a `ModelConfig(...)` call is given its file (`development_config`, or positionally)."""
    return any(arg.keyword is None or arg.keyword.value == "development_config" for arg in call.args)


@dataclass
class Method:
    """A handler method of an agent class (predict, predict_stream...): its shape."""

    name: str
    line: int
    params: list[str]  # positional parameter names, `self` first
    extra_params: bool  # a parameter beyond (self, request) that a call with the request alone misses
    is_async: bool
    # Why Model Serving's call `predict(request)` could not have worked either: the parameter
    # meant for the request is not the first after self (see `_request_not_first`).
    broken_call: str | None = None


@dataclass
class AgentClass:
    """An agent class of the module (ResponsesAgent or a legacy kind): what MA001 needs of it."""

    name: str
    kind: str  # ResponsesAgent, ChatAgent, ChatModel, PythonModel
    line: int
    body_index: int | None  # index in module.body, None when not at module level
    base_index: int  # position of the ResponsesAgent base among the class's bases (-1: none)
    base_node: cst.Arg | None  # the base to remove (original tree, for import clean-up)
    node: cst.ClassDef | None  # original class definition (None: defined in another module)
    methods: dict[str, Method] = field(default_factory=dict)
    # A ResponsesAgent through a project class of another module: its bases stay as they are.
    inherited: InheritedAgent | None = None
    context_reads: set[str] | None = field(default_factory=set)  # see codemods.analysis.model_context

    def handler_problem(self) -> str | None:
        """Why the predict methods cannot become handlers as they are, or None."""
        if self.kind != "ResponsesAgent":
            return legacy_problem(self.name, self.kind, self.node)
        present = [self.methods[n] for n in HANDLER_METHODS if n in self.methods]
        if not present:
            return f"`{self.name}` defines neither predict nor predict_stream"
        for method in present:
            if method.is_async:
                return f"`{self.name}.{method.name}` is async; ResponsesAgent expects a sync method"
            if len(method.params) < 2 or method.extra_params:
                shown = ", ".join(method.params)
                return (
                    f"`{self.name}.{method.name}({shown})` does not have the ResponsesAgent "
                    "signature (self, request)"
                )
        return None


@dataclass
class Export:
    """A `set_model(...)` call and what it exports."""

    line: int
    body_index: int | None  # statement index in module.body; None when nested
    statement: cst.CSTNode  # original statement (for import clean-up)
    top_index: int | None = None  # the module-level statement holding the call (for TODOs)
    agent: AgentClass | None = None
    constructor: cst.BaseExpression | None = None  # the `Cls(...)` expression
    variable: str | None = None  # `AGENT` in `AGENT = Cls(); set_model(AGENT)`
    assign_index: int | None = None  # index of `AGENT = Cls(...)` in module.body
    problem: str | None = None  # why it cannot be converted safely
    factory: str | None = None  # `build` when the export is `build()`, a module-level factory
    imported_factory: ImportedFactory | None = None  # when that factory is another module's
    lazy_getter: str | None = None  # `get_agent` when set_model runs inside that function
    nested_call: cst.Call | None = None  # that set_model call (removed when converted)
    own_advice: bool = False  # `problem` says all there is to do (no generic advice appended)


# The rules converting an agent takes, by the rule that converts it (MA001: a ResponsesAgent,
# MA003: the older interfaces): without MA002 the class would lose its base and with it the
# helper methods it calls; without MA004 its user clients would act as the app, not the user.
CONVERSION_RULES = {
    "MA001": frozenset({"MA001", "MA002", "MA004"}),
    "MA003": frozenset({"MA003", "MA004"}),
}


@dataclass
class ModuleAnalysis:
    """The facts about one module that the rules read, gathered once."""

    agents: list[AgentClass] = field(default_factory=list)
    legacy: list[AgentClass] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    global_names: set[str] = field(default_factory=set)
    imported_roots: set[str] = field(default_factory=set)  # top-level modules imported
    identity: IdentityFacts = field(default_factory=IdentityFacts)
    model_config_calls: list[cst.Call] = field(default_factory=list)  # ModelConfig() w/o file
    newer_syntax: bool = False  # syntax Python 3.11 rejects (MA006)
    subclassed: frozenset[str] = frozenset()  # agent classes here that other modules extend
    exported_elsewhere: frozenset[str] = frozenset()  # agent classes here another module exports
    has_handlers: bool = False  # imports mlflow.genai.agent_server: migrated already
    driver_calls: list[DriverCall] = field(default_factory=list)  # Model Serving deploy calls (MA007)
    enabled_rules: frozenset[str] | None = None  # the rules selected to run (None: every rule)
    # Classes deriving from an MLflow agent class by a path where MLflow does not define it:
    # class name -> (module.body index or None, why it is not converted).
    unresolved_bases: dict[str, tuple[int | None, str]] = field(default_factory=dict)

    @property
    def has_work(self) -> bool:
        """Whether any rule can have something to do in this module."""
        return bool(
            self.agents
            or self.legacy
            or self.exports
            or self.identity.user_calls
            or self.model_config_calls
            or self.newer_syntax
            or self.driver_calls
            or self.unresolved_bases
        )

    def agent_left_unconverted(self) -> bool:
        """Whether this module holds an agent (class or export) that MA001 does not convert.

        Such a module must keep running on Model Serving as it is: no rule may rewrite it
        towards the app (only TODO markers), or it would import helpers never generated."""
        return bool(self.agents or self.legacy or self.exports or self.unresolved_bases) and (
            self.convertible() is None
        )

    def convertible(self) -> tuple[AgentClass, Export] | None:
        """The one agent/export pair MA001 will convert, or None."""
        if len(self.exports) != 1:
            return None
        export = self.exports[0]
        if export.problem or export.agent is None or export.agent.handler_problem():
            return None
        converter = "MA001" if export.agent.kind == "ResponsesAgent" else "MA003"
        if self.enabled_rules is not None and not CONVERSION_RULES[converter] <= self.enabled_rules:
            return None  # not selected: the agent stays as it is, and no rule rewrites it
        return export.agent, export


def analyze_module(
    wrapper: MetadataWrapper,
    facts: FileClassFacts | None = None,
    context_facts: ModelContextFacts | None = None,
    enabled_rules: frozenset[str] | None = None,
) -> ModuleAnalysis:
    """Resolve metadata once on `wrapper` and gather the facts every rule needs; `facts` are
    what the project pre-pass knows about this file's classes (codemods.analysis.project_classes);
    `context_facts` what the project's driver logged (artifacts, model_config), for agents that
    read Model Serving's context (None when unknown); `enabled_rules` the rule ids selected to
    run (None: all), which decide whether an agent is converted (CONVERSION_RULES)."""
    collector = _Collector(facts or FileClassFacts())
    collector.analysis.enabled_rules = enabled_rules
    with collector.resolve(wrapper):  # what wrapper.visit does, without rebuilding the tree
        tree_walk.visit(wrapper.module, collector)
    analysis = collector.analysis
    analysis.subclassed = collector.facts.subclassed
    analysis.exported_elsewhere = collector.facts.exported_elsewhere
    scope = collector.module_scope
    if scope is not None:
        analysis.global_names = {assignment.name for assignment in scope.assignments}
    _resolve_exports(analysis, collector, wrapper.module, context_facts)
    with shared_walks():
        _resolve_identity(analysis, wrapper.module, scope)
    return analysis


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def __init__(self, facts: FileClassFacts) -> None:
        super().__init__()
        self.facts = facts
        self.analysis = ModuleAnalysis()
        self.module_scope = None
        self._class_depth = 0
        self._function_depth = 0
        self._functions: list[str] = []  # names of the enclosing functions, innermost last
        self._top_index: dict[cst.CSTNode, int] = {}
        self._current_top: int | None = None
        self._body: tuple = ()
        self.assignments: dict[str, list[tuple[int, cst.Assign | cst.AnnAssign]]] = {}
        self.functions: dict[str, cst.FunctionDef] = {}  # module-level functions (factories)

    def on_visit(self, node: cst.CSTNode) -> bool:
        index = self._top_index.get(node)
        if index is not None:
            self._current_top = index
        return super().on_visit(node)

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _qualified(self, node: cst.CSTNode) -> set[str]:
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}

    def visit_Module(self, node: cst.Module) -> None:
        self.module_scope = self.get_metadata(ScopeProvider, node, None)
        self._top_index = {statement: i for i, statement in enumerate(node.body)}
        self._body = node.body
        for i, statement in enumerate(node.body):
            name = _assigned_name(statement)
            if name is not None:
                self.assignments.setdefault(name, []).append((i, statement.body[0]))
            elif isinstance(statement, cst.FunctionDef):
                self.functions[statement.name.value] = statement

    def visit_Import(self, node: cst.Import) -> None:
        self.analysis.imported_roots |= import_roots(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.analysis.imported_roots |= import_roots(node)
        if node.module is not None and not node.relative:
            if cst.helpers.get_full_name_for_node(node.module) == "mlflow.genai.agent_server":
                self.analysis.has_handlers = True

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if not self.analysis.newer_syntax and newer_syntax(node):
            self.analysis.newer_syntax = True

    def visit_TypeAlias(self, node: cst.CSTNode) -> None:
        self.analysis.newer_syntax = True

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth += 1
        if node.type_parameters is not None:
            self.analysis.newer_syntax = True
        inherited = self.facts.inherited.get(node.name.value)
        if inherited is not None and self._top_index.get(node) is not None:
            if not any(self._qualified(arg.value) & RESPONSES_AGENT_NAMES for arg in node.bases):
                methods = _methods_of(node, self._line)
                for method in inherited.methods:  # nearest base first; the class's own win
                    methods.setdefault(method.name, Method(
                        method.name, self._line(node), list(method.params), method.extra_params,
                        method.is_async,
                    ))
                self.analysis.agents.append(AgentClass(
                    name=node.name.value, kind="ResponsesAgent", line=self._line(node),
                    body_index=self._top_index.get(node), base_index=-1, base_node=None,
                    node=node, methods=methods, inherited=inherited,
                ))
                return
        resolved = self.facts.resolved_bases.get(node.name.value)  # through a project re-export
        seen: set[str] = set()
        for base_index, arg in enumerate(node.bases):
            names = self._qualified(arg.value)
            if resolved is not None and resolved[0] == base_index:
                names = names | {resolved[1]}
            if names & RESPONSES_AGENT_NAMES:
                kind = "ResponsesAgent"
            else:
                kind = next((LEGACY_AGENT_NAMES[n] for n in names if n in LEGACY_AGENT_NAMES), None)
                if kind is None:
                    seen |= names
                    continue
            agent = AgentClass(
                name=node.name.value,
                kind=kind,
                line=self._line(node),
                body_index=self._top_index.get(node),
                base_index=base_index,
                base_node=arg,
                node=node,
                methods=_methods_of(node, self._line),
            )
            if kind == "ResponsesAgent":
                self.analysis.agents.append(agent)
            else:
                self.analysis.legacy.append(agent)
            break
        else:
            self._unresolved_base(node, seen)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_depth -= 1

    def _unresolved_base(self, node: cst.ClassDef, names: set[str]) -> None:
        """Note a base named like an MLflow agent class under a path of the mlflow package that
        does not bind it (`mlflow.langchain.chat_agent_langgraph.ChatAgent`): the original fails
        at import there, so the class is reported, never taken for something else."""
        written = sorted(n for n in names if n.startswith("mlflow.") and n.rpartition(".")[2] in AGENT_BASE_NAMES)
        if not written:
            return
        short = written[0].rpartition(".")[2]
        self.analysis.unresolved_bases.setdefault(node.name.value, (self._top_index.get(node), (
            f"`{node.name.value}` derives from `{written[0]}`, a path where MLflow does not define "
            f"`{short}` (it is `mlflow.pyfunc.{short}`), so it is not converted: import the base "
            "from mlflow.pyfunc, then run migrate-agent again"
        )))

    def _nested_export_problem(self) -> str:
        """Why a `set_model` that is not a module-level statement of its own is left as it is."""
        if self._functions:
            name = self._functions[-1]
            return (
                f"`set_model` runs inside `{name}()` (a lazy getter or factory): Model Serving "
                f"exported the agent only when `{name}()` ran. Export it at module level instead "
                f"(remove this call; `AGENT = {name}()` then `mlflow.models.set_model(AGENT)`), "
                "then run migrate-agent again"
            )
        if self._class_depth:
            return "`set_model` runs inside a class body; export the agent at module level"
        return (
            "`set_model` runs under a module-level `if` / `try` / `with` block: what it exports "
            "depends on how the module was loaded; make the export a statement of its own at "
            "module level, then run migrate-agent again"
        )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_depth += 1
        self._functions.append(node.name.value)
        if node.type_parameters is not None:
            self.analysis.newer_syntax = True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._function_depth -= 1
        self._functions.pop()

    def visit_Call(self, node: cst.Call) -> None:
        found = driver_call(node, self._qualified(node.func))
        if found is not None:
            self.analysis.driver_calls.append(replace(found, line=self._line(node)))
        if is_user_call(node, self._qualified):
            replaceable = bool(self._qualified(node.func) & WORKSPACE_CLIENTS)
            reason = "" if replaceable else (
                "user credentials are passed to something other than WorkspaceClient"
            )
            self.analysis.identity.user_calls.append(
                UserClientCall(node, self._line(node), replaceable, reason)
            )
        elif is_user_factory_call(node):
            self.analysis.identity.factory_calls.append(node)
        if self._qualified(node.func) & MODEL_CONFIG_NAMES and not names_config_file(node):
            self.analysis.model_config_calls.append(node)
        if not self._qualified(node.func) & SET_MODEL_NAMES:
            return
        statement_index = None
        statement: cst.CSTNode = node
        top = self._body[self._current_top] if self._current_top is not None else None
        if (  # `set_model(...)` as a module-level statement of its own
            isinstance(top, cst.SimpleStatementLine)
            and len(top.body) == 1
            and isinstance(top.body[0], cst.Expr)
            and top.body[0].value is node
        ):
            statement_index, statement = self._current_top, top
        export = Export(
            line=self._line(node),
            body_index=statement_index,
            statement=statement,
            top_index=self._current_top,
        )
        if statement_index is None:
            export.problem = self._nested_export_problem()
            if self._function_depth == 1 and not self._class_depth and len(node.args) == 1:
                export.lazy_getter = self._functions[-1]
                export.nested_call = node
        elif len(node.args) != 1 or node.args[0].star or (
            node.args[0].keyword is not None and node.args[0].keyword.value != "model"
        ):
            export.problem = "`set_model` is not called with exactly one model argument"
        else:
            export.constructor = node.args[0].value
        self.analysis.exports.append(export)


def _methods_of(node: cst.ClassDef, line_of) -> dict[str, Method]:
    methods: dict[str, Method] = {}
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        params = statement.params
        positional = positional_params(statement)
        # Handlers call predict(request): parameters beyond it are fine when they have defaults
        # (`extra=None`), *args / **kwargs too; a parameter the call would miss is not.
        extra = bool(
            any(p.default is None for p in params.kwonly_params)
            or any(p.default is None for p in positional[2:])
        )
        methods[statement.name.value] = Method(
            name=statement.name.value,
            line=line_of(statement),
            params=[p.name.value for p in positional],
            extra_params=extra,
            is_async=statement.asynchronous is not None,
            broken_call=_request_not_first(node.name.value, statement),
        )
    return methods


def _request_not_first(class_name: str, method: cst.FunctionDef) -> str | None:
    """Why `method` could not have answered on Model Serving, which calls `predict(request)` /
    `predict_stream(request)` with the request as the first argument after self: a later
    parameter is the one meant for it (named `request` or annotated `ResponsesAgentRequest`)
    while the first is not. The app's handlers call it the same way, so this is only reported."""

    def is_request(param: cst.Param) -> bool:
        annotation = param.annotation.annotation if param.annotation is not None else None
        return param.name.value == "request" or (
            annotation is not None
            and any(n.value == "ResponsesAgentRequest" for n in find_all(annotation, cst.Name))
        )

    positional = positional_params(method)
    first = positional[1] if len(positional) > 1 else None
    if first is not None and is_request(first):
        return None
    meant = next((p for p in (*positional[2:], *method.params.kwonly_params) if is_request(p)), None)
    if meant is None:
        return None
    name, shown = meant.name.value, cst.Module([]).code_for_node(method.params)
    receives = f"(`{first.name.value}`)" if first is not None else "(which it does not take)"
    return (
        f"`{class_name}.{method.name.value}({' '.join(shown.split())})` takes the request as "
        f"`{name}`, but Model Serving called `{method.name.value}(request)` with the request as its "
        f"first argument {receives}, so `{name}` was None: the original endpoint could not have "
        f"answered either, and the app's handlers call it the same way. Make `{name}` the first "
        "parameter after self"
    )


def _assigned_name(statement: cst.CSTNode) -> str | None:
    """`AGENT` for a module-level `AGENT = ...` or `AGENT: T = ...` statement, else None."""
    assign = single_name_assign(statement)
    if assign is not None:
        return assign.targets[0].target.value
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        annotated = statement.body[0]
        if isinstance(annotated, cst.AnnAssign) and isinstance(annotated.target, cst.Name):
            if annotated.value is not None:
                return annotated.target.value
    return None


def _resolve_exports(
    analysis: ModuleAnalysis,
    collector: _Collector,
    module: cst.Module,
    context_facts: ModelContextFacts | None = None,
) -> None:
    """Tie each set_model call to the agent class it exports, or say why it cannot be."""
    by_name = {agent.name: agent for agent in analysis.agents}
    legacy = {agent.name: agent for agent in analysis.legacy}
    if len(analysis.exports) > 1:
        for export in analysis.exports:
            export.problem = (
                "several `set_model` calls in one module; one app serves one agent: keep one "
                "export (or one module per agent)"
            )
        return
    for export in analysis.exports:
        if export.lazy_getter:
            _resolve_lazy_getter(export, collector, module)
        if export.problem:
            continue
        value = export.constructor
        if isinstance(value, cst.Name):
            found = [
                (i, assign)
                for i, assign in collector.assignments.get(value.value, [])
                if i < (export.body_index or 0)
            ]
            if len(found) != 1 or len(collector.assignments.get(value.value, [])) != 1:
                export.problem = f"`{value.value}` is not assigned exactly once at module level before `set_model`"
                continue
            export.variable = value.value
            export.assign_index, assign = found[0]
            value = assign.value
        facts = collector.facts
        called = cst.helpers.get_full_name_for_node(value.func) if isinstance(value, cst.Call) else None
        if not (
            isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
            or called in facts.imported or called in facts.factories  # `f.create_agent(...)`
        or called in facts.imported_legacy
        ):
            export.problem = "the exported model is not built by a call of a class defined in this module"
            continue
        class_name = called
        factory = collector.functions.get(class_name)
        if factory is not None:  # `AGENT = build()`: the class the factory returns
            class_name, why = _factory_class(factory, by_name, legacy, analysis, module)
            if class_name is None:
                export.problem = why
                continue
            export.factory = factory.name.value
        elif class_name in collector.facts.factories:  # `create_agent` of another module
            imported_factory = collector.facts.factories[class_name]
            if imported_factory.agent is None:
                export.problem = imported_factory.problem
                continue
            export.factory = class_name
            export.imported_factory = imported_factory
            class_name = imported_factory.agent.base
            by_name = {**by_name, class_name: _imported_agent(class_name, imported_factory.agent, export.line)}
        if class_name in legacy:  # served through the legacy adapters (MA003)
            by_name = {**by_name, class_name: legacy[class_name]}
        imported = collector.facts.imported.get(class_name)
        if class_name not in by_name and imported is not None:
            by_name[class_name] = _imported_agent(class_name, imported, export.line)
        if class_name not in by_name and class_name in analysis.unresolved_bases:
            export.problem = analysis.unresolved_bases[class_name][1]
            export.own_advice = True
            continue
        if class_name not in by_name and class_name in collector.facts.imported_legacy:
            export.problem = (
                f"`{class_name}` ({collector.facts.imported_legacy[class_name]}) is defined in "
                "another module; the adapters (MA003) convert such a class where it is exported "
                "from the module that defines it: move this `set_model(...)` there, then run "
                "migrate-agent again"
            )
            continue
        if class_name not in by_name:
            export.problem = f"`{class_name}` is not a ResponsesAgent subclass defined in this module"
            continue
        agent = by_name[class_name]
        if agent.body_index is None and agent.node is not None:
            export.problem = f"`{class_name}` is not defined at module level"
            continue
        if agent.inherited is not None and agent.inherited.user_credentials_in:
            where = (
                f"is defined in {agent.inherited.base_origin}" if agent.node is None else
                f"is a ResponsesAgent through `{agent.inherited.base}` ({agent.inherited.base_origin})"
            )
            export.problem = (
                f"`{class_name}` {where}; the module "
                f"{agent.inherited.user_credentials_in} builds clients with the calling user's "
                "credentials; migrate-agent does not move that state per request across modules"
            )
            continue
        export.agent = agent
        export.constructor = value
        app = _forwarded_app(module, context_facts)
        if app is not None:
            export.own_advice = True  # it forwards to a Databricks App: the problem says what is left
            export.problem = (
                f"`{class_name}` forwards to the Databricks App `{app}` (the only resource logged "
                f"with the model, {context_facts.apps_origin}): the agent already runs on Databricks "
                "Apps, so there is nothing to convert. What is left: point the callers of the Model "
                "Serving endpoint at the app (`POST <app url>/invocations`, with an OAuth token), "
                "then retire the endpoint and the driver code that logs and deploys this model"
            )
            continue
        if any(_builds_from_user(arg, analysis, module) for arg in value.args):  # Cls(user client)
            export.problem = (
                f"`{class_name}` is built with the calling user's credentials in the exported "
                "call; on Apps the agent is built once per process and shared by every user: "
                "build user clients per request inside the agent"
            )
            continue
        problem = agent.handler_problem()
        if problem is None:
            agent.context_reads = (
                context_reads(agent.node, agent.kind) if agent.node is not None else set()
            )
            problem = context_problem(agent.context_reads, context_facts)
            if problem:
                problem = f"`{class_name}` is not converted: {problem}"
        if problem:
            export.problem = problem


def _forwarded_app(module: cst.Module, facts: ModelContextFacts | None) -> str | None:
    """The Databricks App the module's agent forwards to, or None: the model was logged with
    Databricks Apps as its only resources, and the module reaches one (its name in a string, a
    `*.databricksapps.com` URL, or the SDK's `w.apps` API)."""
    if facts is None or not facts.only_apps:
        return None
    for node in find_all(module, (cst.SimpleString, cst.FormattedStringText, cst.Attribute)):
        if isinstance(node, cst.Attribute):
            if node.attr.value == "apps":
                return facts.only_apps[0]
            continue
        text = node.value if isinstance(node, cst.FormattedStringText) else node.evaluated_value
        if not isinstance(text, str):
            continue
        named = next((app for app in facts.only_apps if app in text), None)
        if named is not None:
            return named
        if "databricksapps.com" in text:
            return facts.only_apps[0]
    return None


def _resolve_lazy_getter(export: Export, collector: _Collector, module: cst.Module) -> None:
    """`def get_agent(): global _A; if _A is None: _A = Cls(); set_model(_A); return _A` with
    one module-level `get_agent()` (or `AGENT = get_agent()`) is a factory export: the handlers
    build the agent through `get_agent()`, once per process, and the inner set_model goes.
    The factory checks (one agent class, no user credentials) follow as for any factory."""
    getter = collector.functions.get(export.lazy_getter)
    argument = export.nested_call.args[0]
    if getter is None or argument.star or not isinstance(argument.value, cst.Name):
        return
    returned = _Returns()
    tree_walk.visit(getter.body, returned)
    if not any(is_name(v, argument.value.value) for v in returned.values):
        return  # it exports something else than what it returns
    calls = []
    def calls_getter(value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and is_name(value.func, export.lazy_getter) and not value.args

    for index, statement in enumerate(module.body):
        assign = single_name_assign(statement)
        if assign is not None and calls_getter(assign.value):
            calls.append((index, statement, assign.targets[0].target.value))
        elif (
            isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and calls_getter(statement.body[0].value)
        ):
            calls.append((index, statement, None))
    if len(calls) != 1:
        return  # never called at module level (nothing was exported), or several times
    index, statement, variable = calls[0]
    if variable is not None and len(collector.assignments.get(variable, [])) != 1:
        return
    export.problem = None
    export.body_index = index
    export.constructor = statement.body[0].value
    export.variable = variable
    export.statement = _statement_of(getter, export.nested_call) or export.statement


def _calls_a_name(value: cst.BaseExpression) -> bool:
    """`Cls(...)`: a call of a plain name."""
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Name)


def _statement_of(function: cst.FunctionDef, call: cst.Call) -> cst.SimpleStatementLine | None:
    for statement in find_all(function, cst.SimpleStatementLine):
        if len(statement.body) == 1 and isinstance(statement.body[0], cst.Expr) and statement.body[0].value is call:
            return statement
    return None


def _imported_agent(name: str, facts: InheritedAgent, line: int) -> AgentClass:
    """An agent class defined in another module of the project, exported from this one."""
    methods: dict[str, Method] = {}
    for method in facts.methods:  # the class's own first, then its bases'
        methods.setdefault(method.name, Method(
            method.name, line, list(method.params), method.extra_params, method.is_async
        ))
    return AgentClass(
        name=name, kind="ResponsesAgent", line=line, body_index=None, base_index=-1,
        base_node=None, node=None, methods=methods, inherited=facts,
    )


def _factory_class(
    factory: cst.FunctionDef,
    agents: dict[str, AgentClass],
    legacy: dict[str, AgentClass],
    analysis: ModuleAnalysis,
    module: cst.Module,
) -> tuple[str | None, str]:
    """The agent class a module-level factory returns an instance of, or (None, why not).

    Safe when every `return` of the factory (nested functions aside) returns `Cls(...)` of one
    agent class, or a name only ever assigned `Cls(...)` in the factory (`agent = Cls(...)`,
    a `global _AGENT` cache). The factory must not build anything from the calling user's
    credentials: it runs once per process on Apps.
    """
    name = factory.name.value
    if factory.asynchronous is not None:
        return None, f"the factory `{name}` is async; build the agent with a plain call"
    returns = _Returns()
    tree_walk.visit(factory.body, returns)
    if returns.yields:
        return None, f"the factory `{name}` is a generator"
    classes: set[str] = set()
    for value in returns.values:
        if isinstance(value, cst.Name):
            assigned = returns.assigned.get(value.value)
            if not assigned:
                classes.add("")
                continue
            classes.update(v.func.value if _calls_a_name(v) else "" for v in assigned)
        elif _calls_a_name(value):
            classes.add(value.func.value)
        else:
            classes.add("")
    if len(classes) != 1 or "" in classes:
        return None, (
            f"the factory `{name}` does not always return an instance of one agent class "
            "(`return Cls(...)`, or a name assigned `Cls(...)`): export that instance by hand"
        )
    class_name = classes.pop()
    if class_name in legacy or class_name not in agents:
        return class_name, ""  # the caller says what kind of class it is
    if _builds_from_user(factory, analysis, module):
        return None, (
            f"the factory `{name}` builds the agent from the calling user's credentials; on Apps "
            "the agent is built once per process: build user clients per request inside the agent"
        )
    return class_name, ""


def _builds_from_user(node: cst.CSTNode, analysis: ModuleAnalysis, module: cst.Module) -> bool:
    """Whether `node` calls a user client factory or reads a module-level name bound to one."""
    user_nodes = {call.node for call in analysis.identity.user_calls}
    if not user_nodes:
        return False
    if any(call in user_nodes for call in find_all(node, cst.Call)):
        return True
    user_globals = {
        statement.body[0].targets[0].target.value
        for statement in module.body
        if single_name_assign(statement) is not None
        and any(call in user_nodes for call in find_all(statement, cst.Call))
    }
    return any(n.value in user_globals for n in find_all(node, cst.Name))


class _Returns(cst.CSTVisitor):
    """What a function body returns and assigns, its nested functions and classes aside."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[cst.BaseExpression | None] = []
        self.assigned: dict[str, list[cst.BaseExpression]] = {}
        self.yields = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        self.yields = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned.setdefault(target.target.value, []).append(node.value)
            else:  # tuple targets and the like: the name's value is not one call
                for name in find_all(target.target, cst.Name):
                    self.assigned.setdefault(name.value, []).append(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.assigned.setdefault(node.target.value, []).append(node.value)


def _resolve_identity(analysis: ModuleAnalysis, module: cst.Module, scope) -> None:
    """Which state of the agent (and of the module) depends on the end user."""
    identity = analysis.identity
    user_nodes = {call.node for call in identity.user_calls}
    pair = analysis.convertible()
    if pair is not None and pair[0].node is not None:
        agent = pair[0]
        methods = [
            s for s in agent.node.body.body if isinstance(s, cst.FunctionDef)
        ] if isinstance(agent.node.body, cst.IndentedBlock) else []
        others = [f for f in methods if f.name.value not in INIT_METHODS]
        for method in methods:
            if method.name.value in INIT_METHODS:
                split = split_init(method, user_nodes, others)
                if split.moved or identity.init_split is None:
                    identity.init_split = split
                if split.moved:
                    break
        identity.request_local = request_local_attributes(others)
        identity.carried = carried_attributes(others)
        identity.handler_state = handler_state_attributes(methods, HANDLER_METHODS)
    # Module-level names bound to user-derived values, in statement order.
    tainted: set[str] = set()
    for index, statement in enumerate(module.body):
        assign = single_name_assign(statement)
        if assign is None:
            continue
        builds = any(call in user_nodes for call in find_all(assign.value, cst.Call))
        reads = {n.value for n in find_all(assign.value, cst.Name)} & tainted
        if builds or reads:
            name = assign.targets[0].target.value
            tainted.add(name)
            identity.module_user_globals[name] = index
    if scope is not None:
        # Every use of the global, from any scope: the references of its assignments (the
        # module scope's own `accesses` list only the uses made at module level).
        identity.global_accesses = {
            name: [
                reference.node
                for assignment in scope.assignments[name]
                for reference in assignment.references
            ]
            for name in identity.module_user_globals
        }
