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
from codemods._syntax import find_all, is_name, positional_params, receiver

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
    user_calls: list[UserClientCall] = field(default_factory=list)
    init_split: InitSplit | None = None
    request_local: dict[str, str] = field(default_factory=dict)  # attr -> why (set per request)
    module_user_globals: dict[str, int] = field(default_factory=dict)  # name -> body index
    global_accesses: dict[str, list[cst.CSTNode]] = field(default_factory=dict)  # loads of those


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
    mutated = _attributes_mutated_per_request(other_methods)

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
    """`self.x = ...` assignments in methods other than __init__: state of one request."""
    found: dict[str, str] = {}
    for method in methods:
        self_name = receiver(method)
        if self_name is None or method.name.value in INIT_METHODS:
            continue
        _, attributes = assigned_targets(method.body, self_name)
        for attribute in attributes:
            found.setdefault(attribute, f"set by {method.name.value} while answering a request")
    return found
