"""Which agents on the older MLflow interfaces the adapters can serve as they are.

ChatAgent: `predict(self, messages, context, custom_inputs)` / `predict_stream(...)` (MLflow
calls them with three positional arguments). ChatModel: `predict(self, context, messages,
params)` / `predict_stream(...)`, or the older `(self, messages, params)`. PythonModel: only one
that takes chat messages, `predict(self, context, model_input[, params=None])` reading
`model_input["messages"]` (or `.get("messages")`) as a dict; one that scores a DataFrame (batch
scoring) has no agent-server equivalent and is reported.
"""

from __future__ import annotations

import libcst as cst

from codemods.analysis.syntax import find_all, is_name, positional_params

LEGACY_METHODS = {
    "ChatAgent": ("predict", "predict_stream"),
    "ChatModel": ("predict", "predict_stream"),
    "PythonModel": ("predict",),
}
# Positional parameter counts (self included) each interface is called with.
POSITIONAL = {"ChatAgent": (4,), "ChatModel": (4, 3), "PythonModel": (3,)}
SIGNATURES = {
    "ChatAgent": "(self, messages, context, custom_inputs)",
    "ChatModel": "(self, context, messages, params)",
    "PythonModel": "(self, context, model_input, params=None)",
}
_TABLE_ATTRIBUTES = frozenset(
    {"iloc", "loc", "to_dict", "columns", "apply", "values", "itertuples", "iterrows", "shape",
     "to_numpy", "tolist", "index", "at", "iat", "empty", "head", "squeeze"}
)


def methods_of(node: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return {s.name.value: s for s in body if isinstance(s, cst.FunctionDef)}


def legacy_problem(name: str, kind: str, node: cst.ClassDef) -> str | None:
    """Why `name` (a `kind` class) cannot be served through the adapters, or None."""
    methods = methods_of(node)
    present = [methods[n] for n in LEGACY_METHODS[kind] if n in methods]
    if not present:
        return f"`{name}` is a {kind} that defines no predict method here (inherited?)"
    if kind == "PythonModel" and "predict_stream" in methods:
        return (
            f"`{name}` is a PythonModel with predict_stream, whose chunks have no fixed type: "
            "port it to ResponsesAgent by hand"
        )
    for method in present:
        if method.asynchronous is not None:
            return f"`{name}.{method.name.value}` is async; MLflow calls it synchronously"
        if not _takes(method, POSITIONAL[kind]):
            return (
                f"`{name}.{method.name.value}` does not have the {kind} signature "
                f"{SIGNATURES[kind]}"
            )
    if kind == "PythonModel":
        return _chat_input_problem(name, methods["predict"])
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


def _chat_input_problem(name: str, predict: cst.FunctionDef) -> str | None:
    """None when predict reads its input as a dict of chat messages; else why it is batch scoring."""
    batch = (
        f"`{name}` is a PythonModel whose predict does not take chat messages as a dict (it reads "
        "no `model_input[\"messages\"]`, or its input is typed): batch scoring has no agent-server "
        "equivalent; keep it on Model Serving (or port it to ResponsesAgent by hand)"
    )
    positional = positional_params(predict)
    if len(positional) < 3:
        return batch
    model_input = positional[2].name.value
    annotation = positional[2].annotation
    hint = annotation.annotation if annotation is not None else None
    if isinstance(hint, cst.Subscript):
        hint = hint.value if _is_one_of(hint.value, ("dict", "Dict")) else hint
    if hint is not None and not _is_one_of(hint, ("dict", "Dict", "Any")):
        return batch  # typed input (DataFrame, list, dataclasses): MLflow converts it first
    def is_messages(node: cst.CSTNode) -> bool:
        return isinstance(node, cst.SimpleString) and node.value.strip("\"'") == "messages"

    def indexes_messages(node: cst.Subscript) -> bool:  # model_input["messages"]
        return (
            is_name(node.value, model_input) and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index) and is_messages(node.slice[0].slice.value)
        )

    def gets_messages(node: cst.Call) -> bool:  # model_input.get("messages", ...)
        return (
            isinstance(node.func, cst.Attribute) and is_name(node.func.value, model_input)
            and node.func.attr.value == "get" and bool(node.args) and is_messages(node.args[0].value)
        )

    reads_messages = any(indexes_messages(n) for n in find_all(predict.body, cst.Subscript)) or any(
        gets_messages(n) for n in find_all(predict.body, cst.Call)
    )
    table_use = [
        n for n in find_all(predict.body, cst.Attribute)
        if is_name(n.value, model_input) and n.attr.value in _TABLE_ATTRIBUTES
    ]
    if not reads_messages or table_use:
        return batch
    return None


def _is_one_of(node: cst.CSTNode, names: tuple[str, ...]) -> bool:
    return isinstance(node, cst.Name) and node.value in names
