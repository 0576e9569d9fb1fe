"""What the driver's `log_model(artifacts=..., model_config=...)` gave Model Serving's context, as
project files the app can ship: the facts behind the `model_context(...)` stand-in (see
codemods/model_context.py). Static: the driver code is read, never run."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codemods.analysis.model_context import ModelContextFacts
from migrate_agent.deploy.map.apps_model import MODEL_CONFIG_FILE
from migrate_agent.deploy.map.apps_plan import _REMOTE_PREFIXES, _credential_key, _has_unknown
from migrate_agent.deploy.read.driver_reader import DriverReader
from migrate_agent.deploy.read.serving_model import Fact
from migrate_agent.deploy.read.static_eval import StaticEvaluator


def read_model_context(
    root: Path, sources: Mapping[str, str], texts: Mapping[str, str] | None = None
) -> ModelContextFacts:
    """The logged artifacts and model_config, as project paths, or why they cannot be, read from
    the drivers `sources` (path -> text; `texts`: where their imports are looked up first)."""
    found = DriverReader(StaticEvaluator(root, texts or sources)).read(sources.keys())
    if found.python_model is None and found.artifacts is None and found.model_config is None:
        return ModelContextFacts()
    artifacts, artifacts_problem = _artifacts(root, found.artifacts)
    model_config, config_problem = _model_config(root, found.model_config)
    resources = found.resources
    only_apps = all(r.kind == "app" and isinstance(r.identifier, str) for r in resources)
    return ModelContextFacts(
        True, artifacts, artifacts_problem, model_config, config_problem,
        only_apps=tuple(r.identifier for r in resources) if resources and only_apps else (),
        apps_origin=str(resources[0].origin) if resources and only_apps else None,
        dataframe_input=any(
            fact is not None and fact.value is not None for fact in (found.signature, found.input_example)
        ),
    )


def _artifacts(root: Path, fact: Fact | None) -> tuple[dict[str, str] | None, str | None]:
    if fact is None:
        return {}, None
    where = f"`log_model(artifacts=...)` at {fact.origin}"
    if not isinstance(fact.value, dict):
        return None, f"{where} could not be read statically: give the app the files and build the context by hand"
    paths: dict[str, str] = {}
    for name, uri in fact.value.items():
        path = _project_path(root, uri, fact.origin.path) if isinstance(uri, str) else None
        if path is None:
            return None, (
                f"artifact `{name}` ({where}) is not a file of the project (absolute, DBFS, volume "
                "or remote paths are not shipped with an app): copy it into the project and log it "
                "from there, or read it from a volume by hand"
            )
        paths[str(name)] = path
    return paths, None


def _model_config(root: Path, fact: Fact | None) -> tuple[str | None, str | None]:
    if fact is None:
        return None, None
    value: Any = fact.value
    where = f"`log_model(model_config=...)` at {fact.origin}"
    if isinstance(value, dict) and not _has_unknown(value) and _credential_key(value) is None:
        return MODEL_CONFIG_FILE, None  # the deploy side writes it (see apps_plan._model_config)
    if isinstance(value, str):
        path = _project_path(root, value, fact.origin.path)
        if path is not None:
            return path, None
    return None, f"{where} is not a literal or a project file the app can ship (see MIGRATION.md)"


def _project_path(root: Path, path: str, origin_path: str | None) -> str | None:
    """`path` as written next to the driver (or from the root), if it names a project file."""
    if "://" in path or path.startswith(_REMOTE_PREFIXES) or posixpath.isabs(path):
        return None
    bases = [posixpath.dirname(origin_path)] if origin_path else []
    for base in [*bases, ""]:
        candidate = posixpath.normpath(posixpath.join(base, path))
        if not candidate.startswith("..") and (root / candidate).exists():
            return candidate
    return None
