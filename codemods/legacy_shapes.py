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
import libcst.matchers as m

from codemods._syntax import positional_params

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
    if annotation is not None and not m.matches(
        annotation.annotation,
        m.Name("dict") | m.Name("Dict") | m.Name("Any") | m.Subscript(value=m.Name("dict") | m.Name("Dict")),
    ):
        return batch  # typed input (DataFrame, list, dataclasses): MLflow converts it first
    messages = m.SimpleString(value=m.MatchIfTrue(lambda v: v.strip("\"'") == "messages"))
    reads_messages = bool(
        m.findall(predict.body, m.Subscript(value=m.Name(model_input), slice=[m.SubscriptElement(m.Index(messages))]))
        or m.findall(
            predict.body,
            m.Call(func=m.Attribute(value=m.Name(model_input), attr=m.Name("get")), args=[m.Arg(messages), m.ZeroOrMore()]),
        )
    )
    table_use = m.findall(
        predict.body,
        m.Attribute(value=m.Name(model_input), attr=m.Name(m.MatchIfTrue(lambda v: v in _TABLE_ATTRIBUTES))),
    )
    if not reads_messages or table_use:
        return batch
    return None
