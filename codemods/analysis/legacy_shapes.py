"""Which agents on the older MLflow interfaces the adapters can serve as they are.

ChatAgent: `predict(self, messages, context, custom_inputs)` / `predict_stream(...)` (MLflow
calls them with three positional arguments). ChatModel: `predict(self, context, messages,
params)` / `predict_stream(...)`, or the older `(self, messages, params)`. PythonModel: one that
takes chat messages, `predict(self, context, model_input[, params=None])` (and/or `predict_stream`)
reading `messages` from its input: `model_input["messages"]`, `.get("messages")`, `.messages` (a
`ChatCompletionRequest` hint), through names derived from it (`model_input.to_dict("records")[0]`,
a DataFrame branch) or in a helper method it is handed to. Model Serving handed it a dict, or a
one-row DataFrame when the model was logged with a signature or input example (the adapters
hand it the same, see MA003). One that reads no messages (batch scoring) or takes typed input
has no agent-server equivalent and is reported.
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis.syntax import find_all, is_name, positional_params

LEGACY_METHODS = {
    "ChatAgent": ("predict", "predict_stream"),
    "ChatModel": ("predict", "predict_stream"),
    "PythonModel": ("predict", "predict_stream"),
}
# Positional parameter counts (self included) each interface is called with.
POSITIONAL = {"ChatAgent": (4,), "ChatModel": (4, 3), "PythonModel": (3,)}
SIGNATURES = {
    "ChatAgent": "(self, messages, context, custom_inputs)",
    "ChatModel": "(self, context, messages, params)",
    "PythonModel": "(self, context, model_input, params=None)",
}


def methods_of(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return {s.name.value: s for s in body if isinstance(s, cst.FunctionDef)}


def legacy_problem(name: str, kind: str, node: cst.ClassDef) -> str | None:
    """Why `name` (a `kind` class) cannot be served through the adapters, or None."""
    methods = methods_of(node)
    present = [methods[n] for n in LEGACY_METHODS[kind] if n in methods]
    if not present:
        return f"`{name}` is a {kind} that defines no predict method here (inherited?)"
    for method in present:
        if method.asynchronous is not None:
            return f"`{name}.{method.name.value}` is async; MLflow calls it synchronously"
        if not _takes(method, POSITIONAL[kind]):
            return (
                f"`{name}.{method.name.value}` does not have the {kind} signature "
                f"{SIGNATURES[kind]}"
            )
    if kind == "PythonModel":
        return _chat_input_problem(name, methods)
    return None


def takes_context(kind: str, node: cst.ClassDef) -> bool:
    """Whether the methods are called with Model Serving's context (ChatModel's 4-argument form,
    every PythonModel)."""
    if kind == "PythonModel":
        return True
    if kind != "ChatModel":
        return False
    methods = methods_of(node)
    return any(len(positional_params(methods[n])) == 4 for n in LEGACY_METHODS[kind] if n in methods)


def _takes(method: cst.FunctionDef, counts: tuple[int, ...]) -> bool:
    params = method.params
    positional = positional_params(method)
    if any(p.default is None for p in params.kwonly_params):
        return False
    if not isinstance(params.star_arg, cst.MaybeSentinel) and len(positional) <= max(counts):
        return True
    required = [p for p in positional if p.default is None]
    return any(len(required) <= count <= len(positional) for count in counts)


def _chat_input_problem(name: str, methods: dict[str, cst.FunctionDef]) -> str | None:
    """None when predict (or predict_stream) reads chat messages from its input; else why not."""
    present = [methods[n] for n in ("predict", "predict_stream") if n in methods]
    for method in present:
        hint = _input_hint(method)
        if hint is not None:
            shown = cst.Module([]).code_for_node(hint)
            return (
                f"`{name}.{method.name.value}` takes typed input (`{shown}`), which MLflow converts "
                "before predict sees it: keep it on Model Serving (or port it to ResponsesAgent by hand)"
            )
    if any(_reads_messages(method, 2, methods) for method in present):
        return None
    return (
        f"`{name}` is a PythonModel whose predict reads no chat messages from its input "
        "(`model_input[\"messages\"]`, `.get(\"messages\")`, `.messages`, directly, after "
        "`to_dict(...)` / `iloc[0]`, or in a helper method it hands the input to): batch scoring has "
        "no agent-server equivalent; keep it on Model Serving (or port it to ResponsesAgent by hand)"
    )


def _input_hint(method: cst.FunctionDef) -> cst.BaseExpression | None:
    """The input's type hint when it is one the adapters cannot hand over (None: untyped, a dict,
    Any, a DataFrame, or MLflow's chat request dataclasses, which the adapters build)."""
    positional = positional_params(method)
    annotation = positional[2].annotation if len(positional) > 2 else None
    if annotation is None:
        return None
    hint = annotation.annotation
    return None if _is_chat_input_hint(hint) else hint


def _is_chat_input_hint(hint: cst.BaseExpression) -> bool:
    """`dict[...]`, `DataFrame`, `ChatCompletionRequest`..., or a union / Optional of those."""
    if isinstance(hint, cst.BinaryOperation) and isinstance(hint.operator, cst.BitOr):
        return _is_chat_input_hint(hint.left) and _is_chat_input_hint(hint.right)
    if isinstance(hint, cst.Subscript):
        outer = _last_name(hint.value)
        if outer in ("dict", "Dict"):
            return True
        if outer in ("Union", "Optional"):
            members = [e.slice.value for e in hint.slice if isinstance(e.slice, cst.Index)]
            return all(_is_chat_input_hint(member) for member in members)
        return False
    return _last_name(hint) in _CHAT_INPUT_HINTS or (isinstance(hint, cst.Name) and hint.value == "None")


_CHAT_INPUT_HINTS = frozenset(
    {"dict", "Dict", "Any", "DataFrame", "ChatCompletionRequest", "SplitChatMessagesRequest"}
)


def _last_name(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _reads_messages(
    function: cst.FunctionDef, index: int, methods: dict[str, cst.FunctionDef], seen: frozenset[str] = frozenset()
) -> bool:
    """Whether `function` reads `messages` from its parameter at `index` (self is 0): through
    names assigned from it (`data = model_input.to_dict("records")[0]`, a DataFrame branch
    reassigning it, `for row in ...`), or in a method of the class it is handed to."""
    positional = positional_params(function)
    if len(positional) <= index:
        return False
    own = positional[0].name.value if positional else None
    names = {positional[index].name.value}
    assignments = [
        (targets, value)
        for node in find_all(function.body, (cst.Assign, cst.AnnAssign, cst.For, cst.NamedExpr))
        for targets, value in [_assignment(node)]
        if value is not None
    ]
    grown = True
    while grown:  # names derived from the input, to a fixpoint (assignments in any order)
        grown = False
        for targets, value in assignments:
            if _uses(value, names) and not targets <= names:
                names |= targets
                grown = True
    for node in find_all(function.body, (cst.Subscript, cst.Call, cst.Attribute)):
        if isinstance(node, cst.Subscript) and _uses(node.value, names) and len(node.slice) == 1:
            element = node.slice[0].slice
            if isinstance(element, cst.Index) and _is_messages(element.value):
                return True
        if isinstance(node, cst.Attribute) and node.attr.value == "messages" and _uses(node.value, names):
            return True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            func = node.func
            if func.attr.value == "get" and node.args and _is_messages(node.args[0].value) and _uses(func.value, names):
                return True
            helper = methods.get(func.attr.value)
            if helper is not None and is_name(func.value, own or "") and func.attr.value not in seen:
                helper_params = [p.name.value for p in positional_params(helper)]
                for position, arg in enumerate(node.args):
                    if arg.star or not _uses(arg.value, names):
                        continue
                    if arg.keyword is not None:  # self._parse(data=model_input)
                        if arg.keyword.value not in helper_params:
                            continue
                        position = helper_params.index(arg.keyword.value) - 1
                    if _reads_messages(helper, position + 1, methods, seen | {function.name.value}):
                        return True
    return False


def _assignment(node: cst.CSTNode) -> tuple[set[str], cst.BaseExpression | None]:
    """The plain names a statement binds (not `self.x`, not `d[k]`) and the value it binds them to."""
    if isinstance(node, cst.Assign):
        return {n for t in node.targets for n in _bound(t.target)}, node.value
    if isinstance(node, cst.For):
        return _bound(node.target), node.iter
    if isinstance(node, (cst.AnnAssign, cst.NamedExpr)):
        return _bound(node.target), node.value
    return set(), None


def _bound(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for element in target.elements for n in _bound(element.value)}
    return set()


def _uses(expression: cst.BaseExpression, names: set[str]) -> bool:
    """Whether `expression` reads one of `names` (attribute names and keywords are not reads)."""
    finder = _NameReads(names)
    expression.visit(finder)
    return finder.found


class _NameReads(cst.CSTVisitor):
    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value in self.names

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _is_messages(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "messages"


def _is_one_of(node: cst.CSTNode, names: tuple[str, ...]) -> bool:
    return isinstance(node, cst.Name) and node.value in names
