"""Which classes of a project are ResponsesAgents through another module of the project.

`from .base import BaseAgent` then `class Supervisor(BaseAgent)`: no single file says that
Supervisor is a ResponsesAgent. Before the per-file migration, a cheap pass reads the class
headers and imports of the project's modules (``ast``, nothing imported or run) and hands each
file the facts it cannot see alone (:class:`FileClassFacts`). Only files that can matter are
parsed: those naming ResponsesAgent, then those naming a class found so far, until nothing new.

A file exporting `set_model(create_agent(config))` with `create_agent` imported from another
project module learns which agent class that factory always returns (:class:`ImportedFactory`),
read from the factory's `return` statements as the same-module factory is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import NamedTuple

from codemods.analysis.syntax import ast_dotted_name, ast_imported_module, module_names

# The MLflow agent base classes under every path MLflow binds them: defined in
# mlflow.pyfunc.model, exported by mlflow.pyfunc, and imported under the same name at module
# level by the other modules listed (a static table read from MLflow 3.17's source;
# tests/test_project_classes.py checks it against the installed MLflow). Nothing is imported.
MLFLOW_AGENT_BASES = {
    "mlflow.pyfunc.model.ResponsesAgent": "ResponsesAgent",
    "mlflow.pyfunc.ResponsesAgent": "ResponsesAgent",
    "mlflow.genai.agent_server.server.ResponsesAgent": "ResponsesAgent",
    "mlflow.pyfunc.model.ChatAgent": "ChatAgent",
    "mlflow.pyfunc.ChatAgent": "ChatAgent",
    "mlflow.pyfunc.loaders.code_model.ChatAgent": "ChatAgent",
    "mlflow.pyfunc.model.ChatModel": "ChatModel",
    "mlflow.pyfunc.ChatModel": "ChatModel",
    "mlflow.pyfunc.loaders.code_model.ChatModel": "ChatModel",
    "mlflow.pyfunc.model.PythonModel": "PythonModel",
    "mlflow.pyfunc.PythonModel": "PythonModel",
    "mlflow.dspy.wrapper.PythonModel": "PythonModel",
}
AGENT_BASE_NAMES = frozenset(MLFLOW_AGENT_BASES.values())
RESPONSES_AGENT = frozenset(q for q, kind in MLFLOW_AGENT_BASES.items() if kind == "ResponsesAgent")
# The older interfaces MA003 serves through adapters, by qualified name.
LEGACY_BASES = {q: kind for q, kind in MLFLOW_AGENT_BASES.items() if kind != "ResponsesAgent"}
KEPT_METHODS = ("predict", "predict_stream", "load_context")  # what a subclass may inherit
USER_CREDENTIALS = b"ModelServingUserCredentials"
FACTS_KEY = "migrate_agent.project_classes"


class InheritedMethod(NamedTuple):
    """A handler method an agent class gets from a project base class in another module."""

    name: str
    params: tuple[str, ...]  # positional parameter names, `self` first
    extra_params: bool  # a parameter beyond (self, request) without a default
    is_async: bool
    origin: str  # "base.py:12"


class InheritedAgent(NamedTuple):
    """A class of this file that is a ResponsesAgent only through project classes elsewhere."""

    base: str  # the base as written, e.g. BaseAgent
    base_origin: str  # where that base class is defined, "base.py:8"
    methods: tuple[InheritedMethod, ...] = ()  # predict & co. defined by the bases, nearest first
    user_credentials_in: str | None = None  # a base module that builds user clients


@dataclass(frozen=True, kw_only=True)
class ImportedFactory:
    """A function of another project module that this file imports and may export the result of."""

    origin: str  # where the function is defined, "agents/factory.py:16"
    agent: InheritedAgent | None  # the agent class it always returns (`base`: its name there)
    problem: str | None  # why it is not known to return one agent class (agent is None then)
    # How this file imports the function (`from <module> import f`, `level` leading dots): the
    # module the handlers import the class from, for the getter's return annotation, by the
    # name the factory's module binds it to (`returns`).
    module: str
    level: int
    returns: str | None
    attribute_of: str | None = None  # `f` when called as `f.create_agent(...)` (`import ... as f`)


@dataclass(frozen=True)
class FileClassFacts:
    """What the project pre-pass knows about the agent classes of one file."""

    inherited: dict[str, InheritedAgent] = field(default_factory=dict)  # class name -> facts
    subclassed: frozenset[str] = frozenset()  # agent classes here that other agents extend
    # Agent classes this file imports from another project module (local name -> facts;
    # `base` is the class itself there): what its `set_model(Cls())` exports.
    imported: dict[str, InheritedAgent] = field(default_factory=dict)
    exported_elsewhere: frozenset[str] = frozenset()  # agent classes here another file exports
    # Classes here whose base is an MLflow agent class only through a project module that
    # re-exports it (`from helpers import ChatAgent`): class name -> (base index, MLflow name).
    resolved_bases: dict[str, tuple[int, str]] = field(default_factory=dict)
    factories: dict[str, ImportedFactory] = field(default_factory=dict)  # local name -> facts
    # Legacy agent classes (ChatAgent...) this file imports from another project module:
    # local name -> "a ChatAgent, support.py:5" (MA003 converts them only where defined).
    imported_legacy: dict[str, str] = field(default_factory=dict)


@dataclass
class _Module:
    """A module's imports and class headers, as the pre-pass reads them."""

    imported: dict[str, str]  # local name -> qualified name
    classes: list[_Class]
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    from_imports: dict[str, ast.ImportFrom] = field(default_factory=dict)  # local name -> import


@dataclass
class _Class:
    """A class header: where it is and what it derives from."""

    path: str
    name: str
    line: int
    bases: list[str]  # qualified where an import says so, else module-qualified
    node: ast.ClassDef


def project_class_facts(sources: list[tuple[str, bytes]]) -> dict[str, FileClassFacts]:
    """Per project-relative path, what it cannot know alone. Files not listed need nothing."""
    classes: dict[str, _Class] = {}  # every qualified name a class is importable as -> class
    parsed: set[str] = set()
    modules: dict[str, _Module] = {}
    names: set[bytes] = {b"ResponsesAgent"}
    while True:
        todo = [
            (rel, data) for rel, data in sources
            if rel not in parsed and b"class " in data and any(n in data for n in names)
        ]
        if not todo:
            break
        for rel, data in todo:
            parsed.add(rel)
            modules[rel] = _module_of(rel, data)
            for cls in modules[rel].classes:
                names.add(cls.name.encode())
                for module in module_names(rel):
                    classes[f"{module}.{cls.name}"] = cls

    def agent_chain(cls: _Class, seen: frozenset[int] = frozenset()) -> list[_Class] | None:
        """[cls, base, base's base...] up to the class deriving from ResponsesAgent, or None."""
        if id(cls) in seen:
            return None
        for base in cls.bases:
            if mlflow_base(base) in RESPONSES_AGENT:
                return [cls]
            parent = classes.get(base)
            if parent is not None:
                chain = agent_chain(parent, seen | {id(cls)})
                if chain is not None:
                    return [cls, *chain]
        return None

    # Project modules that re-export an MLflow agent base (`from mlflow.pyfunc import ChatAgent`
    # in helpers.py): their imports are read too, so a base resolves to what it is.
    names_bytes = tuple(name.encode() for name in AGENT_BASE_NAMES)
    for rel, data in sources:
        if rel not in modules and any(name in data for name in names_bytes):
            modules[rel] = _module_of(rel, data)
    reexporters = {name: module for rel, module in modules.items() for name in module_names(rel)}

    def mlflow_base(qualified: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The MLflow agent base `qualified` names, followed through project re-exports."""
        if qualified in MLFLOW_AGENT_BASES:
            return qualified
        module_name, _, name = qualified.rpartition(".")
        module = reexporters.get(module_name)
        if module is None or name not in module.imported or qualified in seen:
            return None
        return mlflow_base(module.imported[name], seen | {qualified})

    resolved: dict[str, dict[str, tuple[int, str]]] = {}
    for rel, module in modules.items():
        for cls in module.classes:
            for index, base in enumerate(cls.bases):
                found = mlflow_base(base)
                if found is not None and base not in MLFLOW_AGENT_BASES:
                    resolved.setdefault(rel, {})[cls.name] = (index, found)
                    break

    data_of = dict(sources)
    facts: dict[str, FileClassFacts] = {}
    inherited: dict[str, dict[str, InheritedAgent]] = {}
    subclassed: dict[str, set[str]] = {}
    for cls in {id(c): c for c in classes.values()}.values():
        chain = agent_chain(cls)
        if chain is None or len(chain) == 1:
            continue
        for parent in chain[1:]:
            subclassed.setdefault(parent.path, set()).add(parent.name)
        if any(mlflow_base(base) in RESPONSES_AGENT for base in cls.bases):
            continue  # a ResponsesAgent in its own right (a re-exported base: resolved_bases)
        base = chain[1]
        methods: list[InheritedMethod] = []
        for parent in chain[1:]:
            methods.extend(_methods(parent))
        credentials = next(
            (p.path for p in chain[1:] if USER_CREDENTIALS in data_of.get(p.path, b"")), None
        )
        inherited.setdefault(cls.path, {})[cls.name] = InheritedAgent(
            base=_written_base(cls, base),
            base_origin=f"{base.path}:{base.line}",
            methods=tuple(methods),
            user_credentials_in=credentials,
        )
    def exported_class(cls: _Class, credentials: str | None = None) -> InheritedAgent | None:
        """What a file exporting an instance of `cls` (another module's class) needs of it."""
        chain = agent_chain(cls)
        if chain is None:
            return None
        exported.setdefault(cls.path, set()).add(cls.name)
        return InheritedAgent(
            base=cls.name,
            base_origin=f"{cls.path}:{cls.line}",
            methods=tuple(m for c in chain for m in _methods(c)),
            user_credentials_in=credentials or next(
                (c.path for c in chain if USER_CREDENTIALS in data_of.get(c.path, b"")), None
            ),
        )

    by_module = {name: rel for rel, _ in sources for name in module_names(rel)}

    def parsed_module(rel: str) -> _Module:
        if rel not in modules:
            modules[rel] = _module_of(rel, data_of.get(rel, b""))
        return modules[rel]

    imported: dict[str, dict[str, InheritedAgent]] = {}
    legacy: dict[str, dict[str, str]] = {}
    factories: dict[str, dict[str, ImportedFactory]] = {}
    exported: dict[str, set[str]] = {}
    for rel, data in sources:
        if b"set_model" not in data and b"mlflow.genai.agent_server" not in data:
            continue  # neither exports an agent nor serves one migrated before
        module = parsed_module(rel)
        for local, qualified, statement, attribute_of in _imported_names(rel, data, module, by_module, parsed_module):
            cls = classes.get(qualified)
            agent = exported_class(cls) if cls is not None and cls.path != rel else None
            if agent is not None:
                imported.setdefault(rel, {})[local] = agent
                continue
            home, _, function = qualified.rpartition(".")
            where = by_module.get(home)
            if where is None or where == rel or (statement is None and attribute_of is None):
                continue
            kind = next((
                (LEGACY_BASES[b], c) for c in parsed_module(where).classes if c.name == function
                for b in c.bases if b in LEGACY_BASES
            ), None)
            if kind is not None:  # a ChatAgent... of another module: said where it is exported
                legacy.setdefault(rel, {})[local] = f"a {kind[0]}, {where}:{kind[1].line}"
                exported.setdefault(where, set()).add(function)
                continue
            if cls is not None:
                continue
            factory = parsed_module(where).functions.get(function)
            if factory is None:
                continue
            origin = f"{where}:{factory.lineno}"
            returned, problem = _factory_class(factory, origin)
            agent = None
            if returned is not None:
                cls = _resolve_class(returned, where, parsed_module(where), classes)
                credentials = where if USER_CREDENTIALS in data_of.get(where, b"") else None
                agent = exported_class(cls, credentials) if cls is not None else None
                if agent is None:
                    problem = (
                        f"the factory `{function}` ({origin}) returns `{returned}(...)`, not an "
                        "instance of a ResponsesAgent subclass of this project"
                    )
            if agent is None:  # the export is the manual step; its module's agents are not
                for cls in parsed_module(where).classes:
                    if agent_chain(cls) is not None:
                        exported.setdefault(cls.path, set()).add(cls.name)
            factories.setdefault(rel, {})[local] = ImportedFactory(
                origin=origin, agent=agent, problem=problem,
                module=(statement.module or "") if statement else "",
                level=statement.level if statement else 0,
                returns=returned, attribute_of=attribute_of,
            )
    for path in (
        set(inherited) | set(subclassed) | set(imported) | set(exported) | set(resolved)
        | set(factories) | set(legacy)
    ):
        facts[path] = FileClassFacts(
            inherited=inherited.get(path, {}),
            subclassed=frozenset(subclassed.get(path, ())),
            imported=imported.get(path, {}),
            exported_elsewhere=frozenset(exported.get(path, ())),
            resolved_bases=resolved.get(path, {}),
            factories=factories.get(path, {}),
            imported_legacy=legacy.get(path, {}),
        )
    return facts


def _imported_names(rel: str, data: bytes, module: _Module, by_module: dict[str, str], parsed_module):
    """(name as the file uses it, qualified name, its `from` import or None, module alias or None)
    for each name the file imports, and each `alias.name` it uses of a project module it imports
    whole (`import agents.factory as f`, `from agents import factory`)."""
    for local, qualified in module.imported.items():
        if local.encode() not in data:
            continue
        yield local, qualified, module.from_imports.get(local), None
        where = by_module.get(qualified)
        if where is None or where == rel:
            continue
        other = parsed_module(where)
        for name in [*other.functions, *(cls.name for cls in other.classes)]:
            if f"{local}.{name}".encode() in data:
                yield f"{local}.{name}", f"{qualified}.{name}", None, local


def _factory_class(
    factory: ast.FunctionDef | ast.AsyncFunctionDef, origin: str
) -> tuple[str | None, str | None]:
    """The name of the class a factory always returns an instance of, or (None, why not).

    As for a factory of the exporting module (codemods.analysis.agent_analysis): every `return`
    of its body (nested functions and classes aside) is `Cls(...)`, or a name the body only ever
    assigns `Cls(...)`, of one class."""
    name = factory.name
    if isinstance(factory, ast.AsyncFunctionDef):
        return None, f"the factory `{name}` ({origin}) is async; build the agent with a plain call"
    body = _FactoryBody()
    for statement in factory.body:
        body.visit(statement)
    if body.yields:
        return None, f"the factory `{name}` ({origin}) is a generator"

    def called(value: ast.expr | None) -> str:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            return value.func.id
        return ""

    returned: set[str] = set()
    for value in body.returns:
        if isinstance(value, ast.Name):
            values = body.assigned.get(value.id) or [None]
            returned.update(called(v) for v in values)
        else:
            returned.add(called(value))
    if len(returned) != 1 or "" in returned:
        return None, (
            f"the factory `{name}` ({origin}) does not always return an instance of one agent "
            "class (`return Cls(...)`, or a name assigned `Cls(...)`): export an instance of "
            "one class, `mlflow.models.set_model(Cls(...))`, then run migrate-agent again"
        )
    return returned.pop(), None


class _FactoryBody(ast.NodeVisitor):
    """What a function body returns and binds, its nested functions and classes aside."""

    def __init__(self) -> None:
        self.returns: list[ast.expr | None] = []
        self.assigned: dict[str, list[ast.expr | None]] = {}  # None: bound otherwise
        self.yields = False

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.assigned.setdefault(node.name, []).append(None)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None

    def visit_Return(self, node: ast.Return) -> None:
        self.returns.append(node.value)
        self.generic_visit(node)

    def visit_Yield(self, node: ast.Yield) -> None:
        self.yields = True

    visit_YieldFrom = visit_Yield

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned.setdefault(target.id, []).append(node.value)
            else:
                self.visit(target)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self.assigned.setdefault(node.target.id, []).append(node.value)
            self.visit(node.value)
        else:
            self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):  # bound by for, with, :=, augmented assignment
            self.assigned.setdefault(node.id, []).append(None)


def _resolve_class(name: str, rel: str, module: _Module, classes: dict[str, _Class]) -> _Class | None:
    """The project class `name` means at module level in the file `rel`, or None."""
    if name in module.imported:
        return classes.get(module.imported[name])
    if any(cls.name == name for cls in module.classes):
        return next((classes[q] for q in (f"{m}.{name}" for m in module_names(rel)) if q in classes), None)
    return None


def _module_of(rel: str, data: bytes) -> _Module:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
        return _Module({}, [])  # the per-file pass reports it
    imported: dict[str, str] = {}
    from_imports: dict[str, ast.ImportFrom] = {}
    functions = {
        node.name: node for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    imported[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            module = ast_imported_module(rel, node)
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name
                from_imports[alias.asname or alias.name] = node
    own = min(module_names(rel), key=len)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = []
        for base in node.bases:
            dotted = ast_dotted_name(base)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in imported:
                bases.append(imported[head] + (f".{rest}" if rest else ""))
            else:
                bases.append(f"{own}.{dotted}")
        found.append(_Class(rel, node.name, node.lineno, bases, node))
    return _Module(imported, found, functions, from_imports)


def _methods(cls: _Class) -> list[InheritedMethod]:
    methods = []
    for node in cls.node.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in KEPT_METHODS:
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            without_default = len(positional) - len(args.defaults)
            extra = any(d is None for d in args.kw_defaults) or without_default > 2
            methods.append(
                InheritedMethod(
                    name=node.name,
                    params=tuple(a.arg for a in positional),
                    extra_params=extra,
                    is_async=isinstance(node, ast.AsyncFunctionDef),
                    origin=f"{cls.path}:{node.lineno}",
                )
            )
    return methods


def _written_base(cls: _Class, base: _Class) -> str:
    for node in cls.node.bases:
        dotted = ast_dotted_name(node)
        if dotted and dotted.split(".")[-1] == base.name:
            return dotted
    return base.name
