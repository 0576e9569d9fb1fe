"""The context Model Serving handed `load_context` (and a ChatModel's / PythonModel's `predict`):
what the agent reads from it, what the driver logged, and the stand-in the app builds.

On Model Serving, `context.artifacts` maps each name given to `log_model(artifacts=...)` to a
local copy of the file, and `context.model_config` is the `model_config` given to `log_model`.
The app builds the same object with `model_context(__file__, artifacts=..., model_config=...)`
(generated runtime) from files shipped with the app. When the agent reads something the driver
code does not say statically, or that is not a file of the project, the agent is not converted
(a manual step says why): code that fails at its first request is never emitted.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field

import libcst as cst

from codemods.analysis import tree_walk
from codemods.analysis.syntax import positional_params

MODEL_CONTEXT_KEY = "migrate_agent.model_context"  # scratch key of the project's ModelContextFacts
CONTEXT_FIELDS = ("artifacts", "model_config")
# Methods that receive the context, and the position of the context parameter (self is 0).
CONTEXT_PARAMS = {"load_context": 1}
CONTEXT_PARAMS_BY_KIND = {"ChatModel": {"predict": 1, "predict_stream": 1}, "PythonModel": {"predict": 1, "predict_stream": 1}}


@dataclass(frozen=True)
class ModelContextFacts:
    """What the project's driver code logged, paths relative to the project root.

    `artifacts` / `model_config` are None when the driver does not say (no log_model found, or
    a value not readable statically / not a project file: then `*_problem` says why).
    `model_config` is the project path of a YAML file holding it."""

    logged: bool = False  # a log_model call was found
    artifacts: dict[str, str] | None = None
    artifacts_problem: str | None = None
    model_config: str | None = None
    model_config_problem: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The Databricks Apps the model was logged with when they are its only resources
    # (`resources=[DatabricksApp(...)]`), and where: an agent that forwards to one already runs
    # on Apps (see codemods.analysis.agent_analysis, `_forwarded_app`).
    only_apps: tuple[str, ...] = ()
    apps_origin: str | None = None
    # A signature or input example was logged: MLflow's schema enforcement handed a PythonModel's
    # predict a one-row pandas DataFrame, not the request's dict.
    dataframe_input: bool = False


def context_reads(node: cst.ClassDef, kind: str) -> set[str] | None:
    """Which of `artifacts` / `model_config` the class reads from its context, or None when the
    context is used in another way (passed on, stored): then it may read anything."""
    params = {**CONTEXT_PARAMS, **CONTEXT_PARAMS_BY_KIND.get(kind, {})}
    reads: set[str] = set()
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for method in body:
        if not isinstance(method, cst.FunctionDef) or method.name.value not in params:
            continue
        positional = positional_params(method)
        index = params[method.name.value]
        if len(positional) <= index:
            continue
        finder = _ContextUses(positional[index].name.value)
        tree_walk.visit(method.body, finder)
        if finder.other_use:
            return None
        reads |= finder.fields
    return reads


class _ContextUses(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.fields: set[str] = set()
        self.other_use = False
        self._seen: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.value.value == self.name:
            self._seen.add(id(node.value))
            if node.attr.value in CONTEXT_FIELDS:
                self.fields.add(node.attr.value)
            else:
                self.other_use = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self._seen:
            self.other_use = True


def context_problem(reads: set[str] | None, facts: ModelContextFacts | None) -> str | None:
    """Why the stand-in context cannot be built, or None."""
    needed = set(CONTEXT_FIELDS) if reads is None else reads
    how = "uses its `context` beyond `.artifacts` / `.model_config`, so " if reads is None else ""
    if not needed:
        return None
    if facts is None or not facts.logged:
        return (
            f"{how}it reads `context.{'` / `context.'.join(sorted(needed))}` from Model Serving, and "
            "no `log_model` call in the project says what was logged: add the driver code that logs "
            "it (project files as artifacts, a literal or file model_config), or make it read files "
            "shipped with the app"
        )
    if "artifacts" in needed and facts.artifacts is None:
        return f"{how}it reads `context.artifacts`, but {facts.artifacts_problem}"
    if "model_config" in needed and facts.model_config is None and facts.model_config_problem:
        return f"{how}it reads `context.model_config`, but {facts.model_config_problem}"
    return None


def context_call(reads: set[str] | None, facts: ModelContextFacts | None, file_path: str) -> str:
    """`model_context(__file__, ...)` with the logged values, paths relative to the agent file."""
    needed = set(CONTEXT_FIELDS) if reads is None else reads
    directory = posixpath.dirname(file_path)
    arguments = ["__file__"]
    if facts is not None and "artifacts" in needed and facts.artifacts:
        pairs = ", ".join(
            f"{json.dumps(name)}: {json.dumps(posixpath.relpath(path, directory or '.'))}"
            for name, path in sorted(facts.artifacts.items())
        )
        arguments.append(f"artifacts={{{pairs}}}")
    if facts is not None and "model_config" in needed and facts.model_config:
        arguments.append(f"model_config={json.dumps(posixpath.relpath(facts.model_config, directory or '.'))}")
    return f"model_context({', '.join(arguments)})"
