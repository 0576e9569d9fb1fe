"""Callers of the Model Serving endpoint the migration retires, found by its name in a module.

Read from the tree alone (nothing imported): the endpoint's name is a string literal, a constant
assigned once from one, or a placeholder of an f-string that is such a constant. What calls it:

- `w.serving_endpoints.query(name=NAME, ...)` (databricks-sdk);
- an OpenAI-compatible client (`w.serving_endpoints.get_open_ai_client()`, `DatabricksOpenAI(...)`,
  `OpenAI(base_url=".../serving-endpoints")`) with `model=NAME`, through `responses.create` or
  `chat.completions.create`;
- `mlflow.deployments.get_deploy_client("databricks").predict(endpoint=NAME, ...)`;
- framework wrappers given the endpoint's name (`ChatDatabricks(endpoint=NAME)` and kin);
- raw HTTP to `/serving-endpoints/NAME/invocations`, `ai_query('NAME', ...)` in a SQL string;
- the name passed to anything else, or held by a constant something else reads.

Each site says whether a safe rewrite to the app exists (:class:`Rewrite`): a Responses call
through a client made from a workspace client gets `DatabricksOpenAI(workspace_client=w)` and
`model="apps/<app>"`; a chat call too, when its only arguments are `model` and `messages` and its
answer is only read as `.choices[0].message.content` (then `.output_text`). Calls that already
name the app (`model="apps/<app>"`) are listed as calling it, so a second run finds the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from codemods.analysis.syntax import dotted_name, find_all

DATABRICKS_OPENAI = ("databricks_openai", "DatabricksOpenAI")
# Framework classes that take a serving endpoint's name (databricks-langchain, langchain
# community, llama-index, dspy-style wrappers).
FRAMEWORK_WRAPPERS = frozenset(
    {"ChatDatabricks", "Databricks", "DatabricksLLM", "DatabricksEmbeddings", "DatabricksChat"}
)
ENDPOINT_KEYWORDS = ("endpoint", "endpoint_name", "model", "model_name", "name")
# Deployment code (MA007 marks it): where the name is the endpoint being created, not called.
DEPLOYMENT_CALLS = (
    "agents.deploy", "serving_endpoints.create", "serving_endpoints.create_and_wait",
    "serving_endpoints.update_config", "serving_endpoints.update_config_and_wait",
    "DatabricksServingEndpoint", "log_model", "register_model", "set_model",
)
# A local placeholder for an f-string part the module does not know.
_UNKNOWN = "\x00"


@dataclass(frozen=True, kw_only=True)
class Rewrite:
    """How one caller becomes a call to the app: each original node replaced by its new node."""

    replacements: tuple[tuple[cst.CSTNode, cst.CSTNode], ...]
    note: str  # the edit line of the plan
    unused_imports: tuple[tuple[str, str], ...] = ()  # (module, name) the old call needed


@dataclass(frozen=True, kw_only=True)
class CallerSite:
    """One place of the module that calls (or names) the endpoint, or already calls the app."""

    node: cst.CSTNode  # the call or string found
    statement: cst.CSTNode  # the statement that holds it (a TODO goes above it)
    line: int
    kind: str  # what it is, for the plan: "OpenAI responses", "ai_query (SQL)"...
    code: str  # the call as written, shortened
    rewrite: Rewrite | None = None
    message: str = ""  # the manual step when there is no rewrite
    calls_app: bool = False  # already calls the app


@dataclass(frozen=True, kw_only=True)
class _Client:
    """An OpenAI-compatible client: how it was made, and the expression the app's client is
    built from (its workspace client, or the DatabricksOpenAI client itself)."""

    kind: str  # "workspace", "databricks_openai" or "openai"
    base: cst.BaseExpression | None = None


@dataclass(kw_only=True)
class _Module:
    wrapper: MetadataWrapper
    endpoint: str
    app: str
    parents: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    constants: dict[str, set[str]] = field(default_factory=dict)
    module_names: set[str] = field(default_factory=set)  # names assigned at module level


def app_model(app: str) -> str:
    return f"apps/{app}"


def app_hint(app: str) -> str:
    """How to call the app instead, as the manual steps say it."""
    return (
        f'call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create('
        f'model="{app_model(app)}", input=...)` (package databricks-openai; answer text in '
        "`.output_text`; Apps accept OAuth tokens only, not personal access tokens)"
    )


def find_callers(wrapper: MetadataWrapper, endpoint: str, app: str) -> list[CallerSite]:
    """The callers of `endpoint` in the wrapper's module, in source order (one per node)."""
    module = wrapper.module
    state = _Module(
        wrapper=wrapper, endpoint=endpoint, app=app,
        parents=wrapper.resolve(ParentNodeProvider), lines=wrapper.resolve(PositionProvider),
    )
    _collect_constants(state, module)
    sites: list[CallerSite] = []
    covered: set[int] = set()  # ids of nodes inside a site's call
    for call in find_all(module, cst.Call):
        if id(call) in covered:
            continue
        site = _call_site(state, call)
        if site is not None:
            sites.append(site)
            covered.update(id(n) for n in find_all(call, cst.CSTNode))
    strings = [
        s for s in find_all(module, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))
        if not isinstance(state.parents.get(s), cst.ConcatenatedString)
    ]
    constants = {id(s) for s in strings if isinstance(state.parents.get(s), cst.Assign)}
    later = [s for s in strings if id(s) in constants]  # constants: once their readers are known
    for string in [s for s in strings if id(s) not in constants] + later:
        if id(string) in covered:
            continue
        site = _string_site(state, string, covered)
        if site is not None:
            sites.append(site)
            covered.update(id(n) for n in find_all(string, cst.CSTNode))
    sites.sort(key=lambda s: (s.line, state.lines[s.node].start.column))
    return sites


# -- values ------------------------------------------------------------------------------------


def _collect_constants(state: _Module, module: cst.Module) -> None:
    for assign in find_all(module, cst.Assign):
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
            continue
        name = assign.targets[0].target.value
        value = _literal(assign.value)
        state.constants.setdefault(name, set()).add(value if value is not None else _UNKNOWN)
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    state.module_names.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))


def _literal(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _value(state: _Module, node: cst.CSTNode | None) -> str | None:
    """The string `node` is when the module says so: a literal, a constant, an f-string."""
    literal = _literal(node)
    if literal is not None:
        return literal
    if isinstance(node, cst.Name):
        values = state.constants.get(node.value, set())
        return next(iter(values)) if len(values) == 1 and _UNKNOWN not in values else None
    if isinstance(node, cst.FormattedString):
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            else:
                parts.append(_value(state, part.expression) or _UNKNOWN)
        return "".join(parts)
    return None


def _is_endpoint(state: _Module, node: cst.CSTNode | None) -> bool:
    return node is not None and _value(state, node) == state.endpoint


def _is_app(state: _Module, node: cst.CSTNode | None) -> bool:
    return node is not None and _value(state, node) == app_model(state.app)


def _keyword(call: cst.Call, *names: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value in names), None)


def _positional(call: cst.Call, index: int) -> cst.Arg | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index] if index < len(positional) else None


def _code(node: cst.CSTNode, limit: int = 60) -> str:
    """The code of `node` on one line (brackets closed up, as if written so), shortened."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    text = re.sub(r"([(\[{]) ", r"\1", re.sub(r",? ([)\]}])", r"\1", text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _statement(state: _Module, node: cst.CSTNode) -> cst.CSTNode:
    current = node
    while current is not None and not isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        current = state.parents.get(current)
    return current if current is not None else node


def _site(state: _Module, node: cst.CSTNode, kind: str, **fields) -> CallerSite:
    return CallerSite(
        node=node, statement=_statement(state, node), line=state.lines[node].start.line,
        kind=kind, code=_code(node), **fields,
    )


# -- calls -------------------------------------------------------------------------------------


def _call_site(state: _Module, call: cst.Call) -> CallerSite | None:
    written = dotted_name(call.func) or ""
    short = written.rsplit(".", 1)[-1] if written else (
        call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    )
    endpoint, app = state.endpoint, state.app
    if written.endswith(DEPLOYMENT_CALLS):
        return None
    if short == "query" and _attribute_chain(call.func, ("serving_endpoints", "query")):
        name = _keyword(call, "name") or _positional(call, 0)
        if name is not None and _is_endpoint(state, name.value):
            rewrite = _query_rewrite(state, call, name)
            if rewrite is not None:
                return _site(state, call, "SDK serving_endpoints.query", rewrite=rewrite)
            return _site(state, call, "SDK serving_endpoints.query", message=(
                f"`{_code(call)}` queries the endpoint `{endpoint}` (its answer is a QueryEndpointResponse; "
                "only `messages=[ChatMessage(role=..., content=...)]` read as `.choices[0].message.content` "
                "is rewritten): " + app_hint(app)
            ))
        return None
    if short == "create" and _attribute_chain(call.func, ("responses", "create")):
        return _openai_site(state, call, chat=False)
    if short == "create" and _attribute_chain(call.func, ("chat", "completions", "create")):
        return _openai_site(state, call, chat=True)
    if short in ("predict", "predict_stream"):
        target = _keyword(call, "endpoint")
        if target is not None and _is_endpoint(state, target.value):
            return _site(state, call, "MLflow deployments predict", message=(
                f"`{_code(call)}` calls the endpoint `{endpoint}` through MLflow's deployment client (a dict "
                "answer), which cannot call an app: " + app_hint(app)
            ))
        return None
    if short in FRAMEWORK_WRAPPERS:
        named = _keyword(call, *ENDPOINT_KEYWORDS) or _positional(call, 0)
        if named is not None and _is_endpoint(state, named.value):
            return _site(state, call, f"{short} (framework wrapper)", message=(
                f"`{_code(call)}` wraps the endpoint `{endpoint}` (the wrapper speaks to serving endpoints, "
                "not apps): " + app_hint(app)
            ))
        if named is not None and _is_app(state, named.value):
            return _site(state, call, f"{short} (framework wrapper)", calls_app=True)
        return None
    for arg in call.args:
        if _is_endpoint(state, arg.value):
            return _site(state, call, "the endpoint's name passed on", message=(
                f"`{_code(call)}` is given the name of the endpoint `{endpoint}`: if it calls the endpoint, "
                + app_hint(app)
            ))
    return None


def _attribute_chain(func: cst.BaseExpression, names: tuple[str, ...]) -> bool:
    """Whether `func` ends with `.names[0].names[1]...` (any receiver before)."""
    node = func
    for name in reversed(names):
        if not isinstance(node, cst.Attribute) or node.attr.value != name:
            return False
        node = node.value
    return True


def _receiver(call: cst.Call, chat: bool) -> cst.BaseExpression:
    node = call.func.value.value  # .responses / .completions
    return node.value if chat else node  # .chat


def _openai_site(state: _Module, call: cst.Call, chat: bool) -> CallerSite | None:
    kind = "OpenAI chat.completions" if chat else "OpenAI responses"
    model = _keyword(call, "model")
    if model is None:
        return None
    if _is_app(state, model.value):
        return _site(state, call, kind, calls_app=True)
    if not _is_endpoint(state, model.value):
        return None
    endpoint, app = state.endpoint, state.app
    manual = f"`{_code(call)}` calls the endpoint `{endpoint}`; "
    client = _client(state, _receiver(call, chat), call)
    if client is None:
        return _site(state, call, kind, message=manual + "this client is not one migrate-agent recognises "
                     f"as a workspace client's: {app_hint(app)}")
    how, workspace = client.kind, client.base
    if how == "openai":
        return _site(state, call, kind, message=manual + "this OpenAI client authenticates with its own "
                     "`api_key` (a personal access token, which Apps refuse): " + app_hint(app))
    if isinstance(state.parents.get(call), cst.Await):
        return _site(state, call, kind, message=manual + "the call is awaited (use AsyncDatabricksOpenAI): "
                     + app_hint(app))
    if chat:
        reads = _chat_reads(state, call)
        others = [a for a in call.args if a.keyword is None or a.keyword.value not in ("model", "messages")]
        if reads is None or others or _keyword(call, "messages") is None:
            return _site(state, call, kind, message=manual + "its arguments or the way its answer is read "
                         "(anything but `.choices[0].message.content`) have no safe Responses equivalent: "
                         + app_hint(app))
    new_model = model.with_changes(value=cst.SimpleString(f'"{app_model(app)}"'))
    args = []
    for arg in call.args:
        if arg is model:
            args.append(new_model)
        elif chat and arg.keyword is not None and arg.keyword.value == "messages":
            args.append(arg.with_changes(keyword=cst.Name("input")))
        else:
            args.append(arg)
    if how == "databricks_openai":
        new_call = call.with_changes(
            func=cst.Attribute(value=cst.Attribute(value=workspace, attr=cst.Name("responses")), attr=cst.Name("create")),
            args=args,
        )
    else:
        new_call = call.with_changes(func=_responses_call(workspace, []).func, args=args)
    replacements: list[tuple[cst.CSTNode, cst.CSTNode]] = [(call, new_call)]
    note = f"{kind} call of `{endpoint}` now calls the app `{app}` (DatabricksOpenAI, model `{app_model(app)}`)"
    if chat:
        replacements += _output_text_reads(reads, call, new_call)
        note += "; messages sent as Responses input, answer read as `output_text`"
    return _site(state, call, kind, rewrite=Rewrite(replacements=tuple(replacements), note=note))


_ROLES = {"USER": "user", "SYSTEM": "system", "ASSISTANT": "assistant"}
SERVING_TYPES = "databricks.sdk.service.serving"


def _query_rewrite(state: _Module, call: cst.Call, name: cst.Arg) -> Rewrite | None:
    """`w.serving_endpoints.query(name=NAME, messages=[ChatMessage(role=ChatMessageRole.USER,
    content=...), ...])` read only as `.choices[0].message.content`, as a Responses call to the
    app read as `.output_text`; None when the call has another shape."""
    messages = _keyword(call, "messages")
    if messages is None or any(a is not name and a is not messages for a in call.args):
        return None
    if not isinstance(messages.value, cst.List) or isinstance(state.parents.get(call), cst.Await):
        return None
    items = []
    for element in messages.value.elements:
        value = element.value
        if not (isinstance(value, cst.Call) and (dotted_name(value.func) or "").endswith("ChatMessage")):
            return None
        role, content = _keyword(value, "role"), _keyword(value, "content")
        if role is None or content is None or len(value.args) != 2:
            return None
        role_name = dotted_name(role.value) or ""
        if role_name.rsplit(".", 1)[0].rsplit(".", 1)[-1] != "ChatMessageRole" or role_name.rsplit(".", 1)[-1] not in _ROLES:
            return None
        items.append(cst.Element(cst.Dict([
            cst.DictElement(cst.SimpleString('"role"'), cst.SimpleString(f'"{_ROLES[role_name.rsplit(".", 1)[-1]]}"')),
            cst.DictElement(cst.SimpleString('"content"'), content.value),
        ])))
    workspace = call.func.value.value
    if not _usable_workspace(state, workspace, True):
        return None
    reads = _chat_reads(state, call)
    if not reads:
        return None
    app = state.app
    new_call = _responses_call(workspace, [
        cst.Arg(keyword=cst.Name("model"), value=cst.SimpleString(f'"{app_model(app)}"'), equal=_EQUAL),
        cst.Arg(keyword=cst.Name("input"), value=cst.List(items), equal=_EQUAL),
    ])
    replacements = [(call, new_call), *_output_text_reads(reads, call, new_call)]
    return Rewrite(
        replacements=tuple(replacements),
        note=(f"serving_endpoints.query of `{state.endpoint}` now calls the app `{app}` (DatabricksOpenAI, model "
              f"`{app_model(app)}`); messages sent as Responses input, answer read as `output_text`"),
        unused_imports=((SERVING_TYPES, "ChatMessage"), (SERVING_TYPES, "ChatMessageRole")),
    )


_EQUAL = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))


def _responses_call(workspace: cst.BaseExpression, args: list[cst.Arg]) -> cst.Call:
    """`DatabricksOpenAI(workspace_client=<workspace>).responses.create(<args>)`; the workspace
    client's code is copied (it stays where the old client was made, and no node is in two
    places of the tree)."""
    client = cst.Call(
        func=cst.Name(DATABRICKS_OPENAI[1]),
        args=[cst.Arg(keyword=cst.Name("workspace_client"), value=workspace.deep_clone(), equal=_EQUAL)],
    )
    return cst.Call(
        func=cst.Attribute(value=cst.Attribute(value=client, attr=cst.Name("responses")), attr=cst.Name("create")),
        args=args,
    )


def _output_text_reads(reads: list[cst.Attribute], call: cst.Call, new_call: cst.Call) -> list:
    """Each `x.choices[0].message.content` read as `x.output_text` (x: a name, or the call)."""
    found = []
    for read in reads:
        base = read.value.value.value.value
        found.append((read, cst.Attribute(value=new_call if base is call else base, attr=cst.Name("output_text"))))
    return found


def _client(state: _Module, receiver: cst.BaseExpression, call: cst.Call) -> _Client | None:
    """What the OpenAI-compatible client `receiver` is, or None when the module does not say. A
    workspace client named where the client was made is used at the call when it is a
    module-level name, or when both are in the same function."""
    made = receiver
    if isinstance(receiver, (cst.Name, cst.Attribute)):
        made = _assigned_call(state, receiver)
    if not isinstance(made, cst.Call):
        return None
    here = made is receiver or _owner(state, made) is _owner(state, call)
    written = dotted_name(made.func) or ""
    short = written.rsplit(".", 1)[-1]
    if isinstance(made.func, cst.Attribute) and _attribute_chain(made.func, ("serving_endpoints", "get_open_ai_client")):
        workspace = made.func.value.value
        if _usable_workspace(state, workspace, here):
            return _Client(kind="workspace", base=workspace)
        return None
    if short == DATABRICKS_OPENAI[1]:
        return _Client(kind="databricks_openai", base=receiver)  # kept as it is: only the model changes
    if short in ("OpenAI", "AsyncOpenAI"):
        return _Client(kind="openai")
    return None


def _usable_workspace(state: _Module, node: cst.BaseExpression, inline: bool) -> bool:
    """Whether the workspace client `node` can be written at the call: built there (`inline`),
    a module-level name, or `WorkspaceClient()` without arguments; never one given a token."""
    if isinstance(node, cst.Call):
        return _keyword(node, "token") is None and (inline or not node.args)
    if isinstance(node, cst.Name):
        return inline or node.value in state.module_names
    return inline


def _assigned_call(state: _Module, target: cst.BaseExpression) -> cst.Call | None:
    """The one call assigned to `name` (or `self.name`) in the module, if there is exactly one."""
    key = dotted_name(target)
    if key is None:
        return None
    attribute = key.split(".", 1)[1] if key.startswith("self.") else None
    values = []
    for assign in find_all(state.wrapper.module, cst.Assign):
        for item in assign.targets:
            written = dotted_name(item.target)
            if written == key or (attribute and written == f"self.{attribute}"):
                values.append(assign.value)
    return values[0] if len(values) == 1 and isinstance(values[0], cst.Call) else None


def _chat_reads(state: _Module, call: cst.Call) -> list[cst.Attribute] | None:
    """Where the chat answer is read, when each read is `.choices[0].message.content`: the call
    itself followed by it, or a name assigned the call once and read only so. None otherwise."""
    read = _content_read(state, call)
    if read is not None:
        return [read]
    assign = state.parents.get(call)
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)):
        return None
    name = assign.targets[0].target.value
    if state.constants.get(name) != {_UNKNOWN} or sum(
        1 for a in find_all(state.wrapper.module, cst.Assign) for t in a.targets if dotted_name(t.target) == name
    ) != 1:
        return None
    reads = []
    scope_owner = _owner(state, assign)
    for use in find_all(scope_owner, cst.Name):
        if use.value != name or use is assign.targets[0].target or not _is_read(state, use):
            continue
        read = _content_read(state, use)
        if read is None:
            return None
        reads.append(read)
    for other in find_all(state.wrapper.module, cst.Name):  # the name read anywhere else: unsafe
        if (other.value == name and other is not assign.targets[0].target and _is_read(state, other)
                and not _inside(state, other, scope_owner)):
            return None
    return reads


def _owner(state: _Module, node: cst.CSTNode) -> cst.CSTNode:
    current = state.parents.get(node)
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.Module)):
        current = state.parents.get(current)
    return current if current is not None else state.wrapper.module


def _inside(state: _Module, node: cst.CSTNode, owner: cst.CSTNode) -> bool:
    current = node
    while current is not None:
        if current is owner:
            return True
        current = state.parents.get(current)
    return False


def _content_read(state: _Module, node: cst.CSTNode) -> cst.Attribute | None:
    """`node.choices[0].message.content` around `node`, as the outermost Attribute, or None."""
    choices = state.parents.get(node)
    if not (isinstance(choices, cst.Attribute) and choices.value is node and choices.attr.value == "choices"):
        return None
    first = state.parents.get(choices)
    if not (isinstance(first, cst.Subscript) and len(first.slice) == 1):
        return None
    index = first.slice[0].slice
    if not (isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "0"):
        return None
    message = state.parents.get(first)
    if not (isinstance(message, cst.Attribute) and message.attr.value == "message"):
        return None
    content = state.parents.get(message)
    if not (isinstance(content, cst.Attribute) and content.attr.value == "content"):
        return None
    return content


# -- strings -----------------------------------------------------------------------------------


def text_patterns(endpoint: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(ai_query of the endpoint, its invocations URL, the name as a word) as regular expressions."""
    name = re.escape(endpoint)
    return (
        re.compile(rf"ai_query\s*\(\s*['\"`]{name}['\"`]", re.IGNORECASE),
        re.compile(rf"serving-endpoints/{name}/invocations"),
        re.compile(rf"(?<![\w\-./]){name}(?![\w\-])"),
    )


@dataclass(frozen=True, kw_only=True)
class TextCaller:
    """What a piece of text naming the endpoint is, and the manual step it gets."""

    kind: str
    message: str


VALUE_KIND = "the endpoint's name as a value"


def text_kind(endpoint: str, app: str, text: str) -> TextCaller | None:
    """What a piece of text (a SQL line, a YAML value, a Python string) that names the endpoint
    is; None when it does not name it."""
    ai_query, url, word = text_patterns(endpoint)
    if ai_query.search(text):
        return TextCaller(kind="ai_query (SQL)", message=(
            f"`ai_query('{endpoint}', ...)` calls the endpoint, and ai_query serves Model Serving agents "
            f"only, not the app `{app}`: keep the endpoint while this query runs, or "
            + app_hint(app)
        ))
    if url.search(text):
        return TextCaller(kind="HTTP to /serving-endpoints/.../invocations", message=(
            f"posts to the invocations URL of the endpoint `{endpoint}`: post a Responses body "
            f"(`{{\"input\": [...]}}`) to `$APP_URL/invocations` (`databricks apps get {app}`) with an "
            "OAuth token, or " + app_hint(app)
        ))
    if word.search(text):
        return TextCaller(kind=VALUE_KIND, message=(
            f"names the endpoint `{endpoint}` (a parameter, widget or setting): what reads it must call "
            f"the app `{app}` (model `{app_model(app)}`) instead, or the endpoint must stay"
        ))
    return None


def _string_site(state: _Module, node: cst.CSTNode, covered: set[int]) -> CallerSite | None:
    text = _value(state, node)
    if text is None or state.endpoint not in text:
        return None
    found = text_kind(state.endpoint, state.app, text)
    if found is None:
        return None
    kind, message = found.kind, found.message
    parent = state.parents.get(node)
    if kind == VALUE_KIND and isinstance(parent, cst.Assign) and text == state.endpoint:
        # A constant: a caller if something other than a call already listed reads it.
        targets = [t.target for t in parent.targets if isinstance(t.target, cst.Name)]
        names = {t.value for t in targets}
        reads = [
            n for n in find_all(state.wrapper.module, cst.Name)
            if n.value in names and all(n is not t for t in targets) and id(n) not in covered
            and not _is_assign_target(state, n) and _is_read(state, n)
        ]
        if not reads:
            return None
        message = f"`{_code(targets[0])}` " + message
    if kind == VALUE_KIND and isinstance(parent, cst.Arg):
        call = state.parents.get(parent)
        if isinstance(call, cst.Call) and (dotted_name(call.func) or "").endswith(DEPLOYMENT_CALLS):
            return None
    return _site(state, node, kind, message=message)


def _is_assign_target(state: _Module, name: cst.Name) -> bool:
    parent = state.parents.get(name)
    return isinstance(parent, (cst.AssignTarget, cst.AnnAssign)) and getattr(parent, "target", None) is name


def _is_read(state: _Module, name: cst.Name) -> bool:
    """Whether `name` is a variable (not an attribute's or a keyword argument's name)."""
    parent = state.parents.get(name)
    if isinstance(parent, cst.Attribute) and parent.attr is name:
        return False
    return not (isinstance(parent, cst.Arg) and parent.keyword is name)
