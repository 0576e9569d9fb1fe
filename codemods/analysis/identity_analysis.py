"""Where the end user's identity flows: which expressions build user clients, and what is built
from them (in the agent's `__init__`, at module level), so that those move into request scope
and everything else stays built once per process.

Taint is followed through assignments in statement order: a statement that builds a user client,
or reads a local name or `self` attribute that holds something user-derived, is user-derived
itself, and so is whatever it assigns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

from codemods.analysis.syntax import find_all, innermost, is_name, positional_params, receiver, shared_walks

USER_CREDENTIALS = frozenset(
    {
        "databricks.sdk.credentials_provider.ModelServingUserCredentials",
        "databricks_ai_bridge.ModelServingUserCredentials",
        "databricks_ai_bridge.utils.ModelServingUserCredentials",
    }
)
WORKSPACE_CLIENTS = frozenset({"databricks.sdk.WorkspaceClient"})
MUTATORS = frozenset(
    {"append", "extend", "insert", "update", "add", "setdefault", "pop", "clear", "remove"}
)
INIT_METHODS = ("__init__", "load_context")


@dataclass
class UserClientCall:
    """`WorkspaceClient(credentials_strategy=ModelServingUserCredentials())` (or a call we cannot
    replace: `replaceable` is False and `reason` says why)."""

    node: cst.Call
    line: int
    replaceable: bool
    reason: str = ""


@dataclass
class InitSplit:
    """How the agent's `__init__` divides between per-process and per-request state."""

    method: str  # __init__ or load_context
    moved: list[int] = field(default_factory=list)  # indices in the method body to move
    copied: list[int] = field(default_factory=list)  # kept in __init__, copied too (locals)
    request_attributes: dict[str, str] = field(default_factory=dict)  # attr -> why per request
    process_attributes: dict[str, str] = field(default_factory=dict)  # attr -> why per process
    blocker: str | None = None  # why the split cannot be made safely


@dataclass
class IdentityFacts:
    """Where the end user's identity enters a module, and what it reaches."""

    user_calls: list[UserClientCall] = field(default_factory=list)
    init_split: InitSplit | None = None
    request_local: dict[str, str] = field(default_factory=dict)  # attr -> why (set per request)
    carried: set[str] = field(default_factory=set)  # self.x the handlers compute from its old value
    handler_state: list[str] = field(default_factory=list)  # set in __init__, changed by handlers
    module_user_globals: dict[str, int] = field(default_factory=dict)  # name -> body index
    global_accesses: dict[str, list[cst.CSTNode]] = field(default_factory=dict)  # loads of those
    factory_calls: list[cst.Call] = field(default_factory=list)  # get_user_workspace_client()


def is_user_call(node: cst.Call, qualified) -> bool:
    """Does this call pass ModelServingUserCredentials() (keyword or positional)?"""
    for arg in node.args:
        value = arg.value
        if isinstance(value, cst.Call) and qualified(value.func) & USER_CREDENTIALS:
            return True
    return False


def names_read(node: cst.CSTNode) -> set[str]:
    return {n.value for n in find_all(node, cst.Name)}


def self_attributes_read(node: cst.CSTNode, receiver: str) -> set[str]:
    return {a.attr.value for a in find_all(node, cst.Attribute) if is_name(a.value, receiver)}


def assigned_targets(statement: cst.CSTNode, receiver: str) -> tuple[set[str], set[str]]:
    """(local names, self attributes) a statement assigns."""
    local: set[str] = set()
    attributes: set[str] = set()
    targets: list[cst.BaseExpression] = []
    for assign in find_all(statement, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
        if isinstance(assign, cst.Assign):
            targets.extend(t.target for t in assign.targets)
        else:
            targets.append(assign.target)
    for loop in find_all(statement, (cst.For, cst.With)):
        if isinstance(loop, cst.For):
            targets.append(loop.target)
        else:
            targets.extend(item.asname.name for item in loop.items if item.asname)
    for target in targets:
        for node in find_all(target, cst.Attribute):
            if is_name(node.value, receiver):
                attributes.add(node.attr.value)
        if isinstance(target, cst.Name):
            local.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            local |= {e.value.value for e in target.elements if isinstance(e.value, cst.Name)}
    return local, attributes


def split_init(
    method: cst.FunctionDef, user_call_nodes: set[cst.Call], other_methods: list[cst.FunctionDef]
) -> InitSplit:
    """Decide which statements of `method` build user-dependent state."""
    params = positional_params(method)
    self_name = receiver(method) or "self"
    parameter_names = {p.name.value for p in params[1:]} | {
        p.name.value for p in method.params.kwonly_params
    }
    body = list(method.body.body) if isinstance(method.body, cst.IndentedBlock) else []
    split = InitSplit(method=method.name.value)
    tainted_locals: set[str] = set()
    tainted_attributes: set[str] = set()
    # State the handlers change moves per request only in a module where the user's identity
    # enters (it may hold one user's data); otherwise the agent stays shared, as on Model Serving.
    mutated = _attributes_mutated_per_request(other_methods) if user_call_nodes else set()

    for index, statement in enumerate(body):
        local, attributes = assigned_targets(statement, self_name)
        builds_user_client = any(
            call in user_call_nodes for call in find_all(statement, cst.Call)
        )
        reads_user_state = bool(
            names_read(statement) & tainted_locals
            or self_attributes_read(statement, self_name) & tainted_attributes
        )
        if builds_user_client or reads_user_state:
            split.moved.append(index)
            tainted_locals |= local
            tainted_attributes |= attributes
            why = "builds a user client" if builds_user_client else "built from user-derived state"
            for attribute in sorted(attributes):
                split.request_attributes[attribute] = why
        elif attributes & mutated:
            split.moved.append(index)
            for attribute in sorted(attributes & mutated):
                split.request_attributes[attribute] = (
                    "request state: changed while answering; on Model Serving every request "
                    "and user shared it"
                )
        else:
            for attribute in sorted(attributes):
                split.process_attributes.setdefault(attribute, "no user data flows into it")

    if not split.moved:
        return split
    moved = set(split.moved)
    needed = set().union(*(names_read(body[i]) for i in moved))
    if needed & parameter_names:
        names = ", ".join(sorted(needed & parameter_names))
        split.blocker = (
            f"user-dependent state in {method.name.value} reads its parameters ({names})"
        )
        return split
    # Locals defined by kept statements and read by moved ones: copy their definitions along.
    for index, statement in enumerate(body):
        if index in moved:
            continue
        local, attributes = assigned_targets(statement, self_name)
        if local & needed and not attributes:
            split.copied.append(index)
    for attribute in split.request_attributes:
        split.process_attributes.pop(attribute, None)
    return split


def _attributes_mutated_per_request(methods: list[cst.FunctionDef]) -> set[str]:
    """`self.x` attributes that methods other than __init__ change in place (self.x.append...)."""
    mutated: set[str] = set()
    for method in methods:
        self_name = receiver(method)
        if self_name is None:
            continue
        for node in find_all(method, (cst.Call, cst.AssignTarget)):
            if isinstance(node, cst.Call):
                func = node.func  # self.x.append(...)
                if (
                    isinstance(func, cst.Attribute)
                    and isinstance(func.value, cst.Attribute)
                    and is_name(func.value.value, self_name)
                    and func.attr.value in MUTATORS
                ):
                    mutated.add(func.value.attr.value)
                continue
            target = node.target  # self.x[k] = ...
            if (
                isinstance(target, cst.Subscript)
                and isinstance(target.value, cst.Attribute)
                and is_name(target.value.value, self_name)
            ):
                mutated.add(target.value.attr.value)
    return mutated


def request_local_attributes(methods: list[cst.FunctionDef]) -> dict[str, str]:
    """`self.x = ...` assignments in methods other than __init__: state of one request (those
    computed from their old value, :func:`carried_attributes`, aside)."""
    found: dict[str, str] = {}
    carried = carried_attributes(methods)
    for method in methods:
        self_name = receiver(method)
        if self_name is None or method.name.value in INIT_METHODS:
            continue
        _, attributes = assigned_targets(method.body, self_name)
        for attribute in sorted(attributes - carried):
            found.setdefault(attribute, f"set by {method.name.value} while answering a request")
    return found


def carried_attributes(methods: list[cst.FunctionDef]) -> set[str]:
    """`self.x` that methods other than __init__ compute from its previous value (`self.x += 1`,
    `self.x = self.x + [...]`): state carried from one request to the next."""
    carried: set[str] = set()
    for method in methods:
        self_name = receiver(method)
        if self_name is None or method.name.value in INIT_METHODS:
            continue
        for node in find_all(method, (cst.AugAssign, cst.Assign)):
            if isinstance(node, cst.AugAssign):
                targets = [node.target]
            else:
                targets = [t.target for t in node.targets]
            assigned = {
                a.attr.value
                for target in targets
                for a in find_all(target, cst.Attribute)
                if is_name(a.value, self_name)
            }
            if isinstance(node, cst.AugAssign):
                carried |= assigned
            else:
                carried |= assigned & self_attributes_read(node.value, self_name)
    return carried


def handler_state_attributes(methods: list[cst.FunctionDef], handlers: tuple[str, ...]) -> list[str]:
    """Attributes `__init__` sets that the handlers (and the methods they call on `self`) assign
    or change in place: state the agent keeps from one request to the next."""
    by_name = {m.name.value: m for m in methods}
    initial: set[str] = set()
    for name in INIT_METHODS:
        method = by_name.get(name)
        self_name = receiver(method) if method is not None else None
        if self_name is not None:
            initial |= assigned_targets(method.body, self_name)[1]
    reached: list[cst.FunctionDef] = []
    pending = [by_name[n] for n in handlers if n in by_name]
    while pending:
        method = pending.pop()
        if method in reached:
            continue
        reached.append(method)
        self_name = receiver(method)
        for call in find_all(method, cst.Call):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and is_name(func.value, self_name or "self")
                and func.attr.value in by_name
                and func.attr.value not in INIT_METHODS
            ):
                pending.append(by_name[func.attr.value])
    changed = _attributes_mutated_per_request(reached)
    for method in reached:
        self_name = receiver(method)
        if self_name is not None:
            changed |= assigned_targets(method.body, self_name)[1]
    return sorted(changed & initial)


# -- what the user client is used for (the app's user API scopes come from this) ---------------

USER_CLIENT_FACTORIES = frozenset({"get_user_workspace_client"})  # already migrated (MA004)
_SELF_NAMES = frozenset({"self", "cls"})


@dataclass(frozen=True, kw_only=True)
class UserClientUse:
    """One use of a user client: `client.<service>.<member>` (service None: passed elsewhere)."""

    line: int
    code: str  # as written, shortened
    service: str | None  # WorkspaceClient attribute: genie, serving_endpoints...
    member: str | None = None  # the method or attribute of the service, when there is one
    target: str | None = None  # passed to: the callee's qualified name (`retriever.IndexRetriever`)
    argument: str | None = None  # passed as: the keyword, or the position as digits


def is_user_factory_call(node: cst.Call) -> bool:
    """`get_user_workspace_client()` (a user client MA004 already put in place)."""
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name in USER_CLIENT_FACTORIES


def user_client_uses(
    module: cst.Module,
    sources: set[cst.Call],
    line_of,
    qualified=None,
    seeds: frozenset[tuple[cst.FunctionDef | None, str]] = frozenset(),
    within: cst.CSTNode | None = None,
) -> list[UserClientUse]:
    """Every place a user client (`sources`: the calls that build one) is used, statically.

    Followed: the call itself (`WorkspaceClient(...).genie...`), names and `self.x` attributes
    assigned from a user client, functions and properties that return one, and parameters of this
    module's functions it is passed to. A user client passed to anything else is a use whose
    service is None (its scopes cannot be told from here), with the callee's qualified name
    (`qualified(node)` gives a node's names) so the caller can follow it into another module.
    Names are told apart by the function that binds them (module-level names are seen from
    every function). `seeds`: (function, name) pairs that hold a user client from the start (a
    parameter); `within`: the part of the module to read (a function or class), the whole module
    by default.
    """
    if not sources and not seeds:
        return []
    tree = module if within is None else within
    functions = {f.name.value: f for f in find_all(tree, cst.FunctionDef)}
    constructors = {  # a class of this module called with a user client: its __init__ gets it
        c.name.value: f
        for c in find_all(tree, cst.ClassDef)
        for f in (c.body.body if isinstance(c.body, cst.IndentedBlock) else ())
        if isinstance(f, cst.FunctionDef) and f.name.value == "__init__"
    }
    callables = {**functions, **constructors}
    owner = innermost(tree, cst.FunctionDef)  # node -> the function holding it (None: module)
    names: set[tuple[cst.FunctionDef | None, str]] = set(seeds)
    attributes: set[str] = set()
    returning: set[str] = set()  # functions / properties whose value is a user client

    def is_client(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            if node in sources:
                return True
            func = node.func
            called = func.value if isinstance(func, cst.Name) else (
                func.attr.value if isinstance(func, cst.Attribute) and _on_self(func) else None)
            return called in returning
        if isinstance(node, cst.Name):
            function = owner.get(node)
            while True:  # this function's names, then enclosing ones (closures), then globals
                if (function, node.value) in names:
                    return True
                if function is None:
                    return False
                function = owner.get(function)
        if isinstance(node, cst.Attribute) and _on_self(node):
            return node.attr.value in attributes or node.attr.value in returning
        return False

    for _ in range(4):  # to a fixpoint: each pass may taint what the next one reads
        before = (len(names), len(attributes), len(returning))
        for assign in find_all(tree, (cst.Assign, cst.AnnAssign)):
            if assign.value is None or not is_client(assign.value):
                continue
            targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    names.add((owner.get(target), target.value))
                elif isinstance(target, cst.Attribute) and _on_self(target):
                    attributes.add(target.attr.value)
        for name, function in functions.items():
            if name != "__init__" and any(
                r.value is not None and is_client(r.value) for r in find_all(function, cst.Return)
            ):
                returning.add(name)
        for call in find_all(tree, cst.Call):
            target = _local_function(call.func, callables)
            if target is None:
                continue
            params = positional_params(target)
            bound = isinstance(call.func, cst.Attribute) or target in constructors.values()
            offset = 1 if bound and params and params[0].name.value in _SELF_NAMES else 0
            for index, arg in enumerate(call.args):
                if not is_client(arg.value):
                    continue
                if arg.keyword is not None:
                    names.add((target, arg.keyword.value))
                elif not arg.star and index + offset < len(params):
                    names.add((target, params[index + offset].name.value))
        if (len(names), len(attributes), len(returning)) == before:
            break

    uses: list[UserClientUse] = []
    members: dict[cst.Attribute, str] = {}
    for attribute in (a for a in find_all(tree, cst.Attribute) if isinstance(a.value, cst.Attribute)):
        members.setdefault(attribute.value, attribute.attr.value)
    for attribute in find_all(tree, cst.Attribute):
        if is_client(attribute.value):
            service = attribute.attr.value
            member = members.get(attribute)
            code = f"{_short(module, attribute.value)}.{service}" + (f".{member}" if member else "")
            uses.append(UserClientUse(line=line_of(attribute), code=code, service=service, member=member))
    for call in find_all(tree, cst.Call):
        if _local_function(call.func, callables) is not None:
            continue
        names_of_callee = sorted(qualified(call.func)) if qualified is not None else []
        for position, arg in enumerate(call.args):
            if is_client(arg.value):
                keyword = f"{arg.keyword.value}=" if arg.keyword is not None else ""
                code = f"{_short(module, call.func)}({keyword}{_short(module, arg.value)})"
                argument = arg.keyword.value if arg.keyword is not None else (None if arg.star else str(position))
                target = names_of_callee[0] if names_of_callee else None
                uses.append(
                    UserClientUse(
                        line=line_of(call), code=code, service=None, member=None, target=target, argument=argument
                    )
                )
    return sorted(set(uses), key=lambda u: (u.line, u.code))


def _on_self(node: cst.Attribute) -> bool:
    return isinstance(node.value, cst.Name) and node.value.value in _SELF_NAMES


def _local_function(func: cst.BaseExpression, functions: dict[str, cst.FunctionDef]) -> cst.FunctionDef | None:
    if isinstance(func, cst.Name):
        return functions.get(func.value)
    if isinstance(func, cst.Attribute) and _on_self(func):
        return functions.get(func.attr.value)
    return None


def _short(module: cst.Module, node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def user_client_uses_in_callable(wrapper, name: str, argument: str) -> list[UserClientUse] | None:
    """Uses of a user client passed to `name` (a top-level function or class of the module in
    `wrapper`) as `argument` (keyword, or position as digits). None when `name` is not there."""
    module = wrapper.module
    line_of, names = _metadata_readers(wrapper)
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == name:
            body = statement.body.body if isinstance(statement.body, cst.IndentedBlock) else ()
            init = next((f for f in body if isinstance(f, cst.FunctionDef) and f.name.value == "__init__"), None)
            params = positional_params(init)[1:] if init is not None else []
            kwonly = list(init.params.kwonly_params) if init is not None else []
            function = init
        elif isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            params, kwonly = positional_params(statement), list(statement.params.kwonly_params)
            function = statement
        else:
            continue
        if argument.isdigit():
            index = int(argument)
            seed = params[index].name.value if index < len(params) else None
        else:
            seed = argument if argument in {p.name.value for p in [*params, *kwonly]} else None
        if seed is None:
            return None
        return user_client_uses(module, set(), line_of, names, frozenset({(function, seed)}), statement)
    return None


def uses_in_module(wrapper) -> list[UserClientUse]:
    """What the user clients of the module in `wrapper` call, at its lines: the scope evidence.

    Read once per file, on the tree as it will be written (so its lines are the file's), with
    that tree's own metadata (positions and qualified names, resolved here if need be)."""
    module = wrapper.module
    line_of, names = _metadata_readers(wrapper)
    with shared_walks():
        sources = {
            call for call in find_all(module, cst.Call)
            if is_user_factory_call(call) or is_user_call(call, names)
        }
        if not sources:
            return []
        return user_client_uses(module, sources, line_of, names)


def _metadata_readers(wrapper):
    """(line of a node, qualified names of a node) from the wrapper's metadata."""
    resolved = wrapper.resolve_many((PositionProvider, QualifiedNameProvider))  # in one batch
    positions, qualified = resolved[PositionProvider], resolved[QualifiedNameProvider]
    return (lambda node: positions[node].start.line), (lambda node: qualified_names(qualified, node))


def qualified_names(resolved, node: cst.CSTNode) -> set[str]:
    """Names from a resolved QualifiedNameProvider mapping (libcst hands them out lazily)."""
    found = resolved.get(node, set())
    if callable(found):
        found = found()
    return {q.name for q in found}

