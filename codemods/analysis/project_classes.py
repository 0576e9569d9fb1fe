"""Which classes of a project are ResponsesAgents through another module of the project.

`from .base import BaseAgent` then `class Supervisor(BaseAgent)`: no single file says that
Supervisor is a ResponsesAgent. Before the per-file migration, a cheap pass reads the class
headers and imports of the project's modules (``ast``, nothing imported or run) and hands each
file the facts it cannot see alone (:class:`FileClassFacts`). Only files that can matter are
parsed: those naming ResponsesAgent, then those naming a class found so far, until nothing new.
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


@dataclass
class _Module:
    """A module's imports and class headers, as the pre-pass reads them."""

    imported: dict[str, str]  # local name -> qualified name
    classes: list[_Class]


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
    by_module = {name: module for rel, module in modules.items() for name in module_names(rel)}

    def mlflow_base(qualified: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The MLflow agent base `qualified` names, followed through project re-exports."""
        if qualified in MLFLOW_AGENT_BASES:
            return qualified
        module_name, _, name = qualified.rpartition(".")
        module = by_module.get(module_name)
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
    imported: dict[str, dict[str, InheritedAgent]] = {}
    exported: dict[str, set[str]] = {}
    for rel, data in sources:
        if b"set_model" not in data and b"mlflow.genai.agent_server" not in data:
            continue  # neither exports an agent nor serves one migrated before
        module = modules.get(rel) or _module_of(rel, data)
        for local in module.imported:
            cls = classes.get(module.imported[local])
            if cls is None or cls.path == rel or local.encode() not in data:
                continue
            chain = agent_chain(cls)
            if chain is None:
                continue
            methods = [m for c in chain for m in _methods(c)]
            imported.setdefault(rel, {})[local] = InheritedAgent(
                base=cls.name,
                base_origin=f"{cls.path}:{cls.line}",
                methods=tuple(methods),
                user_credentials_in=next(
                    (c.path for c in chain if USER_CREDENTIALS in data_of.get(c.path, b"")), None
                ),
            )
            exported.setdefault(cls.path, set()).add(cls.name)
    for path in set(inherited) | set(subclassed) | set(imported) | set(exported) | set(resolved):
        facts[path] = FileClassFacts(
            inherited=inherited.get(path, {}),
            subclassed=frozenset(subclassed.get(path, ())),
            imported=imported.get(path, {}),
            exported_elsewhere=frozenset(exported.get(path, ())),
            resolved_bases=resolved.get(path, {}),
        )
    return facts


def _module_of(rel: str, data: bytes) -> _Module:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
        return _Module({}, [])  # the per-file pass reports it
    imported: dict[str, str] = {}
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
    return _Module(imported, found)


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
