"""The value of a Python expression, worked out from the source alone.

Literals, simple names (followed back through assignments, `+=`, `.append` / `.extend`,
`d[k] = v`, and `from module import NAME` of project files), string concatenation and f-strings,
`config.get("key")` on an `mlflow.models.ModelConfig` built from a project YAML file, and calls
kept as data (`CallValue`) for the caller to interpret. Anything else is an `Unresolved` saying
why: the tool never guesses and never runs the user's code.

A list that gains elements under a condition or in a loop keeps what is certain and gets an
`Unresolved` element for each uncertain addition, so one unreadable resource does not hide the
others.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst
import yaml

from migrate_agent.deploy.read.python_source import Binding, ParsedFile, dotted_name
from migrate_agent.deploy.read.serving_model import CallValue, ConfigValue, Unresolved  # noqa: F401  (re-exported)

MAX_DEPTH = 40
_ENVIRONMENT_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
_MODEL_CONFIG_CLASSES = frozenset({"mlflow.models.ModelConfig", "mlflow.models.model_config.ModelConfig"})


@dataclass(frozen=True)
class _ModuleRef:
    path: str  # project-relative path of the module's file


class StaticEvaluator:
    """Evaluates expressions of project files; files are parsed once and cached."""

    def __init__(self, root: Path, sources: Mapping[str, str]) -> None:
        self._root = root
        self._sources = sources
        self._files: dict[str, ParsedFile | None] = {}
        self._active: set[tuple] = set()

    # -- files ------------------------------------------------------------------------
    def parsed(self, path: str) -> ParsedFile | None:
        """The parsed project file, or None when it is missing or is not valid Python."""
        if path not in self._files:
            text = self._sources.get(path)
            if text is None:
                text = self.read_text(path)
            parsed = None
            if text is not None:
                try:
                    parsed = ParsedFile(path, text)
                except cst.ParserSyntaxError:
                    parsed = None
            self._files[path] = parsed
        return self._files[path]

    def read_text(self, path: str) -> str | None:
        normal = posixpath.normpath(path)
        if normal.startswith("..") or posixpath.isabs(normal):
            return None
        full = self._root / normal
        try:
            return full.read_text(encoding="utf-8") if full.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None

    def project_path(self, relative_to: str, name: str) -> str | None:
        """A path written in code (relative to the file's folder, else to the root) that exists."""
        if posixpath.isabs(name) or "://" in name or name.startswith("dbfs:"):
            return None
        for base in (posixpath.dirname(relative_to), ""):
            candidate = posixpath.normpath(posixpath.join(base, name)) if base else posixpath.normpath(name)
            if not candidate.startswith("..") and (self._root / candidate).is_file():
                return candidate
        return None

    # -- evaluation -------------------------------------------------------------------
    def evaluate(self, parsed: ParsedFile, node: cst.CSTNode) -> Any:
        value = self._eval(parsed, node, 0)
        if isinstance(value, _ModuleRef):
            return self._unresolved(parsed, node, "is a module, not a value")
        return value

    def _unresolved(self, parsed: ParsedFile, node: cst.CSTNode, reason: str) -> Unresolved:
        return Unresolved(parsed.code(node), reason, parsed.path, parsed.line(node))

    def _eval(self, parsed: ParsedFile, node: cst.CSTNode, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return self._unresolved(parsed, node, "is defined too indirectly to follow")
        handler = getattr(self, f"_eval_{type(node).__name__}", None)
        if handler is None:
            return self._unresolved(parsed, node, "is computed at run time")
        return handler(parsed, node, depth + 1)

    # literals
    def _eval_SimpleString(self, parsed, node: cst.SimpleString, depth):
        value = node.evaluated_value
        return value if isinstance(value, str) else self._unresolved(parsed, node, "is a bytes literal")

    def _eval_ConcatenatedString(self, parsed, node: cst.ConcatenatedString, depth):
        return _add(self._eval(parsed, node.left, depth), self._eval(parsed, node.right, depth), self, parsed, node)

    def _eval_FormattedString(self, parsed, node: cst.FormattedString, depth):
        pieces: list[str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
                continue
            if part.format_spec or part.conversion:
                return self._unresolved(parsed, node, "formats a value at run time")
            value = self._eval(parsed, part.expression, depth)
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                return self._unresolved(parsed, node, "formats a value that is not known statically")
            pieces.append(str(value))
        text = "".join(pieces)
        if "{{" in text or "}}" in text:
            text = text.replace("{{", "{").replace("}}", "}")
        return text

    def _eval_Integer(self, parsed, node: cst.Integer, depth):
        return node.evaluated_value

    def _eval_Float(self, parsed, node: cst.Float, depth):
        return node.evaluated_value

    def _eval_UnaryOperation(self, parsed, node: cst.UnaryOperation, depth):
        value = self._eval(parsed, node.expression, depth)
        if isinstance(node.operator, cst.Minus) and isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        if isinstance(node.operator, cst.Not) and isinstance(value, bool):
            return not value
        return self._unresolved(parsed, node, "is computed at run time")

    def _eval_List(self, parsed, node, depth):
        return self._sequence(parsed, node, depth)

    def _eval_Tuple(self, parsed, node, depth):
        return self._sequence(parsed, node, depth)

    def _eval_Set(self, parsed, node, depth):
        return self._sequence(parsed, node, depth)

    def _sequence(self, parsed, node, depth) -> list:
        items: list[Any] = []
        for element in node.elements:
            value = self._eval(parsed, element.value, depth)
            if isinstance(element, cst.StarredElement):
                items.extend(value if isinstance(value, list) else [value])
            else:
                items.append(value)
        return items

    def _eval_Dict(self, parsed, node: cst.Dict, depth):
        result: dict[Any, Any] = {}
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                spread = self._eval(parsed, element.value, depth)
                if not isinstance(spread, dict):
                    return self._unresolved(parsed, node, "merges a mapping that is not known statically")
                result.update(spread)
                continue
            key = self._eval(parsed, element.key, depth)
            if isinstance(key, (Unresolved, list, dict, CallValue)):
                return self._unresolved(parsed, node, "has a key that is not known statically")
            result[key] = self._eval(parsed, element.value, depth)
        return result

    def _eval_BinaryOperation(self, parsed, node: cst.BinaryOperation, depth):
        if not isinstance(node.operator, cst.Add):
            return self._unresolved(parsed, node, "is computed at run time")
        left = self._eval(parsed, node.left, depth)
        right = self._eval(parsed, node.right, depth)
        return _add(left, right, self, parsed, node)

    def _eval_Subscript(self, parsed, node: cst.Subscript, depth):
        if dotted_name(node.value) == "os.environ":
            return self._unresolved(parsed, node, "is read from the environment at run time")
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return self._unresolved(parsed, node, "is computed at run time")
        container = self._eval(parsed, node.value, depth)
        key = self._eval(parsed, node.slice[0].slice.value, depth)
        if isinstance(container, ConfigValue):
            container = dict(container.data)
        if isinstance(container, dict) and not isinstance(key, (list, dict, Unresolved)) and key in container:
            return container[key]
        if isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container):
            return container[key]
        if isinstance(container, Unresolved):
            return container
        return self._unresolved(parsed, node, "is computed at run time")

    # names
    def _eval_Name(self, parsed, node: cst.Name, depth):
        constants = {"True": True, "False": False, "None": None}
        if node.value in constants:
            return constants[node.value]
        statement = parsed.statement_of(node)
        return self._lookup(parsed, node.value, parsed.scope_of(node), parsed.position(statement), node, depth)

    def _eval_Attribute(self, parsed, node: cst.Attribute, depth):
        owner = self._eval(parsed, node.value, depth)
        if isinstance(owner, _ModuleRef):
            other = self.parsed(owner.path)
            if other is not None:
                return self._lookup(other, node.attr.value, other.module, None, None, depth)
        return self._unresolved(parsed, node, "is an attribute computed at run time")

    def _lookup(self, parsed: ParsedFile, name: str, scope: cst.CSTNode, before, use, depth: int) -> Any:
        """What `name` holds at `use` (or at the end of the file when `use` is None)."""
        marker = (parsed.path, id(scope), name, before)
        if marker in self._active:
            return Unresolved(name, "refers to itself", parsed.path, None)
        self._active.add(marker)
        try:
            bindings = parsed.bindings(scope, name)
            if bindings:
                if before is not None:
                    bindings = [b for b in bindings if parsed.position(b.statement) < before]
                    if not bindings:
                        line = parsed.line(use) if use is not None else None
                        return Unresolved(name, "is not assigned before it is used", parsed.path, line)
                return self._fold(parsed, name, bindings, use, depth)
            if scope is not parsed.module:
                return self._lookup(parsed, name, parsed.scope_of(scope), None, use, depth)
            line = parsed.line(use) if use is not None else None
            return Unresolved(name, "is not defined in the file", parsed.path, line)
        finally:
            self._active.discard(marker)

    def _fold(self, parsed: ParsedFile, name: str, bindings: list[Binding], use, depth: int) -> Any:
        use_regions = parsed.regions(use) if use is not None else frozenset()
        value: Any = Unresolved(name, "has no value yet", parsed.path, None)
        for binding in bindings:
            certain = parsed.regions(binding.statement) <= use_regions
            line = parsed.line(binding.statement)
            if binding.kind == "assign":
                value = self._eval(parsed, binding.value, depth)
                if not certain:
                    value = Unresolved(name, f"is assigned under a condition or in a loop (line {line})", parsed.path, line)
            elif binding.kind in ("augassign", "mutate", "setitem"):
                value = self._apply_change(parsed, name, value, binding, certain, depth)
            elif binding.kind == "import":
                value = self._imported(parsed, binding, depth)
            elif binding.kind == "module":
                value = self._module_ref(parsed, binding.detail, 0) or Unresolved(
                    name, f"is the module `{binding.detail}`", parsed.path, line
                )
            else:
                value = Unresolved(name, f"is {binding.detail}", parsed.path, line)
        return value

    def _apply_change(self, parsed, name, value, binding: Binding, certain: bool, depth) -> Any:
        line = parsed.line(binding.statement)
        uncertain = Unresolved(
            parsed.code(binding.statement), "is added under a condition or in a loop", parsed.path, line
        )
        if isinstance(value, Unresolved):
            return value
        if binding.kind == "augassign":
            if binding.detail != "AddAssign":
                return Unresolved(name, f"is changed at run time (line {line})", parsed.path, line)
            if not certain:
                return value + [uncertain] if isinstance(value, list) else uncertain
            return _add(value, self._eval(parsed, binding.value, depth), self, parsed, binding.statement)
        if binding.kind == "setitem":
            if not isinstance(value, dict):
                return Unresolved(name, f"is changed at run time (line {line})", parsed.path, line)
            if not certain:
                return Unresolved(name, f"gets keys under a condition or in a loop (line {line})", parsed.path, line)
            target: cst.Subscript = binding.value
            if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
                return Unresolved(name, f"is changed at run time (line {line})", parsed.path, line)
            key = self._eval(parsed, target.slice[0].slice.value, depth)
            if isinstance(key, (Unresolved, list, dict, CallValue)):
                return Unresolved(name, f"gets a key not known statically (line {line})", parsed.path, line)
            return {**value, key: self._eval(parsed, binding.detail, depth)}
        call: cst.Call = binding.value
        method = binding.detail
        if isinstance(value, list) and method in ("append", "extend"):
            if not certain:
                return value + [uncertain]
            if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
                return value + [uncertain]
            added = self._eval(parsed, call.args[0].value, depth)
            if method == "append":
                return value + [added]
            return value + (added if isinstance(added, list) else [added])
        if isinstance(value, dict) and method == "update" and certain and len(call.args) == 1 and not call.args[0].keyword:
            added = self._eval(parsed, call.args[0].value, depth)
            if isinstance(added, dict):
                return {**value, **added}
        return Unresolved(name, f"is changed by `.{method}(...)` (line {line})", parsed.path, line)

    # imports
    def _imported(self, parsed: ParsedFile, binding: Binding, depth: int) -> Any:
        module, level, imported = binding.detail
        line = parsed.line(binding.statement)
        target = self._module_file(parsed.path, module, level)
        if target is not None:
            other = self.parsed(target)
            if other is not None and other.bindings(other.module, imported):
                return self._lookup(other, imported, other.module, None, None, depth)
        submodule = self._module_ref(parsed, f"{module}.{imported}" if module else imported, level)
        if submodule is not None:
            return submodule
        origin = "." * level + module
        return Unresolved(imported, f"is imported from `{origin}`, outside the project", parsed.path, line)

    def _module_ref(self, parsed: ParsedFile, dotted: str, level: int) -> _ModuleRef | None:
        target = self._module_file(parsed.path, dotted, level)
        return _ModuleRef(target) if target is not None else None

    def _module_file(self, importer: str, dotted: str, level: int) -> str | None:
        for candidate in _module_candidates(importer, dotted, level):
            if candidate in self._sources or self.read_text(candidate) is not None:
                return candidate
        return None

    # calls
    def _eval_Call(self, parsed, node: cst.Call, depth):
        names = parsed.qualified_names(node.func)
        written = dotted_name(node.func) or parsed.code(node.func)
        if names & _ENVIRONMENT_READERS or written.startswith("os.environ"):
            return self._unresolved(parsed, node, "is read from the environment at run time")
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            owner = self._eval(parsed, node.func.value, depth)
            if isinstance(owner, (dict, ConfigValue)):
                return self._get(parsed, node, owner, depth)
        name = min(names) if names else written
        args: list[Any] = []
        kwargs: list[tuple[str, Any]] = []
        for arg in node.args:
            value = self._eval(parsed, arg.value, depth)
            if arg.keyword is not None:
                kwargs.append((arg.keyword.value, value))
            elif arg.star == "*":
                args.extend(value if isinstance(value, list) else [value])
            elif arg.star == "**":
                if not isinstance(value, dict):
                    return self._unresolved(parsed, node, "passes keyword arguments not known statically")
                kwargs.extend((str(k), v) for k, v in value.items())
            else:
                args.append(value)
        if name in ("dict", "builtins.dict") and not args:
            return dict(kwargs)
        if name in ("list", "tuple", "builtins.list", "builtins.tuple") and len(args) == 1 and isinstance(args[0], list):
            return list(args[0])
        call = CallValue(name, tuple(args), tuple(kwargs), parsed.code(node), parsed.path, parsed.line(node))
        if name in _MODEL_CONFIG_CLASSES or call.short_name == "ModelConfig":
            return self._model_config(parsed, node, call)
        return call

    def _get(self, parsed, node: cst.Call, owner, depth):
        if not node.args or node.args[0].keyword is not None:
            return self._unresolved(parsed, node, "is computed at run time")
        key = self._eval(parsed, node.args[0].value, depth)
        data = owner.data if isinstance(owner, ConfigValue) else owner
        if isinstance(key, str) and key in data:
            return data[key]
        if len(node.args) > 1 and not isinstance(owner, ConfigValue):
            return self._eval(parsed, node.args[1].value, depth)
        if isinstance(owner, dict) and not isinstance(key, Unresolved):
            return None
        return self._unresolved(parsed, node, "reads a key that is not in the config")

    def _model_config(self, parsed: ParsedFile, node: cst.Call, call: CallValue) -> Any:
        config = call.argument(0, "development_config")
        if isinstance(config, dict):
            return ConfigValue(config, "dict")
        if isinstance(config, str):
            path = self.project_path(parsed.path, config)
            text = self.read_text(path) if path else None
            if text is not None:
                try:
                    data = yaml.safe_load(text)
                except yaml.YAMLError:
                    data = None
                if isinstance(data, dict):
                    return ConfigValue(data, path)
            return self._unresolved(parsed, node, f"reads `{config}`, which is not a YAML mapping in the project")
        return self._unresolved(parsed, node, "reads a config chosen at run time")


def _add(left: Any, right: Any, evaluator: StaticEvaluator, parsed: ParsedFile, node: cst.CSTNode) -> Any:
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    if isinstance(left, list) and isinstance(right, Unresolved):
        return left + [right]
    if isinstance(left, Unresolved) and isinstance(right, list):
        return [left] + right
    if isinstance(left, Unresolved):
        return left
    if isinstance(right, Unresolved):
        return right
    return evaluator._unresolved(parsed, node, "is computed at run time")


def _module_candidates(importer: str, dotted: str, level: int) -> Iterator[str]:
    parts = [p for p in dotted.split(".") if p]
    if level:
        base = posixpath.dirname(importer)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        bases = [base]
    else:
        bases = [posixpath.dirname(importer), "", "src"]
    seen: set[str] = set()
    for base in bases:
        stem = posixpath.join(base, *parts) if parts else base
        options = [f"{stem}.py", posixpath.join(stem, "__init__.py")] if parts else [posixpath.join(stem, "__init__.py")]
        for option in options:
            normal = posixpath.normpath(option)
            if normal not in seen and not normal.startswith(".."):
                seen.add(normal)
                yield normal
