"""One read of a module, shared by every rule: which class is the agent, how it is exported.

This is the only place that uses scope and qualified-name metadata, so a file pays for that
resolution once whatever the number of rules. Rules act on the facts gathered here (names,
statement indices in ``module.body``, original nodes for import clean-up), never on metadata of
a tree another rule already rewrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from codemods._syntax import find_all, import_roots, positional_params, shared_walks, single_name_assign
from codemods.identity_analysis import (
    INIT_METHODS,
    WORKSPACE_CLIENTS,
    IdentityFacts,
    UserClientCall,
    is_user_call,
    request_local_attributes,
    split_init,
)
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

ANALYSIS_KEY = "migrate_agent.analysis"

RESPONSES_AGENT_NAMES = frozenset(
    {"mlflow.pyfunc.ResponsesAgent", "mlflow.pyfunc.model.ResponsesAgent"}
)
LEGACY_AGENT_NAMES = {
    "mlflow.pyfunc.ChatAgent": "ChatAgent",
    "mlflow.pyfunc.model.ChatAgent": "ChatAgent",
    "mlflow.pyfunc.ChatModel": "ChatModel",
    "mlflow.pyfunc.model.ChatModel": "ChatModel",
    "mlflow.pyfunc.PythonModel": "PythonModel",
    "mlflow.pyfunc.model.PythonModel": "PythonModel",
}
MODEL_CONFIG_NAMES = frozenset(
    {"mlflow.models.ModelConfig", "mlflow.models.model_config.ModelConfig"}
)
SET_MODEL_NAMES = frozenset({"mlflow.models.set_model", "mlflow.models.model.set_model"})
HANDLER_METHODS = ("predict", "predict_stream")


@dataclass
class Method:
    name: str
    line: int
    params: list[str]  # positional parameter names, `self` first
    extra_params: bool  # *args, **kwargs, keyword-only or defaults beyond one request argument
    is_async: bool


@dataclass
class AgentClass:
    name: str
    kind: str  # ResponsesAgent, ChatAgent, ChatModel, PythonModel
    line: int
    body_index: int | None  # index in module.body, None when not at module level
    base_index: int  # position of the ResponsesAgent base among the class's bases
    base_node: cst.Arg  # the base to remove (original tree, for import clean-up)
    node: cst.ClassDef  # original class definition
    methods: dict[str, Method] = field(default_factory=dict)

    def handler_problem(self) -> str | None:
        """Why the predict methods cannot become handlers as they are, or None."""
        present = [self.methods[n] for n in HANDLER_METHODS if n in self.methods]
        if not present:
            return f"`{self.name}` defines neither predict nor predict_stream"
        for method in present:
            if method.is_async:
                return f"`{self.name}.{method.name}` is async; ResponsesAgent expects a sync method"
            if len(method.params) != 2 or method.extra_params:
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


@dataclass
class ModuleAnalysis:
    agents: list[AgentClass] = field(default_factory=list)
    legacy: list[AgentClass] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    global_names: set[str] = field(default_factory=set)
    imported_roots: set[str] = field(default_factory=set)  # top-level modules imported
    identity: IdentityFacts = field(default_factory=IdentityFacts)
    model_config_calls: list[cst.Call] = field(default_factory=list)  # ModelConfig() w/o file

    @property
    def has_work(self) -> bool:
        """Whether any rule can have something to do in this module."""
        return bool(
            self.agents
            or self.legacy
            or self.exports
            or self.identity.user_calls
            or self.model_config_calls
        )

    def convertible(self) -> tuple[AgentClass, Export] | None:
        """The one agent/export pair MA001 will convert, or None."""
        if len(self.exports) != 1:
            return None
        export = self.exports[0]
        if export.problem or export.agent is None or export.agent.handler_problem():
            return None
        return export.agent, export


def analyze_module(wrapper: MetadataWrapper) -> ModuleAnalysis:
    """Resolve metadata once on `wrapper` and gather the facts every rule needs."""
    collector = _Collector()
    wrapper.visit(collector)
    analysis = collector.analysis
    scope = collector.module_scope
    if scope is not None:
        analysis.global_names = {assignment.name for assignment in scope.assignments}
    _resolve_exports(analysis, collector, wrapper.module)
    with shared_walks():
        _resolve_identity(analysis, wrapper.module, scope)
    return analysis


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def __init__(self) -> None:
        super().__init__()
        self.analysis = ModuleAnalysis()
        self.module_scope = None
        self._class_depth = 0
        self._function_depth = 0
        self._top_index: dict[cst.CSTNode, int] = {}
        self._current_top: int | None = None
        self._body: tuple = ()
        self.assignments: dict[str, list[tuple[int, cst.Assign]]] = {}

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
            assign = single_name_assign(statement)
            if assign is not None:
                self.assignments.setdefault(assign.targets[0].target.value, []).append((i, assign))

    def visit_Import(self, node: cst.Import) -> None:
        self.analysis.imported_roots |= import_roots(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.analysis.imported_roots |= import_roots(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth += 1
        for base_index, arg in enumerate(node.bases):
            names = self._qualified(arg.value)
            if names & RESPONSES_AGENT_NAMES:
                kind = "ResponsesAgent"
            else:
                kind = next((LEGACY_AGENT_NAMES[n] for n in names if n in LEGACY_AGENT_NAMES), None)
                if kind is None:
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

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._function_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if is_user_call(node, self._qualified):
            replaceable = bool(self._qualified(node.func) & WORKSPACE_CLIENTS)
            reason = "" if replaceable else (
                "user credentials are passed to something other than WorkspaceClient"
            )
            self.analysis.identity.user_calls.append(
                UserClientCall(node, self._line(node), replaceable, reason)
            )
        if self._qualified(node.func) & MODEL_CONFIG_NAMES and not any(
            arg.keyword is None or arg.keyword.value == "development_config" for arg in node.args
        ):
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
            export.problem = "`set_model` is not a statement of its own at module level"
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
        extra = bool(
            params.kwonly_params
            or not isinstance(params.star_arg, cst.MaybeSentinel)
            or params.star_kwarg is not None
            or any(p.default is not None for p in positional[2:])
        )
        methods[statement.name.value] = Method(
            name=statement.name.value,
            line=line_of(statement),
            params=[p.name.value for p in positional],
            extra_params=extra,
            is_async=statement.asynchronous is not None,
        )
    return methods


def _resolve_exports(analysis: ModuleAnalysis, collector: _Collector, module: cst.Module) -> None:
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
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
            export.problem = "the exported model is not built by a call of a class defined in this module"
            continue
        class_name = value.func.value
        if class_name in legacy:
            export.problem = f"`{class_name}` is a {legacy[class_name].kind}, not a ResponsesAgent"
            continue
        if class_name not in by_name:
            export.problem = f"`{class_name}` is not a ResponsesAgent subclass defined in this module"
            continue
        agent = by_name[class_name]
        if agent.body_index is None:
            export.problem = f"`{class_name}` is not defined at module level"
            continue
        export.agent = agent
        export.constructor = value
        problem = agent.handler_problem()
        if problem:
            export.problem = problem


def _resolve_identity(analysis: ModuleAnalysis, module: cst.Module, scope) -> None:
    """Which state of the agent (and of the module) depends on the end user."""
    identity = analysis.identity
    user_nodes = {call.node for call in identity.user_calls}
    pair = analysis.convertible()
    if pair is not None:
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
