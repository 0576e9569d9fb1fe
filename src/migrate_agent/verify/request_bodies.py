"""What the original is loaded with and asked: read statically from its driver code.

The driver's `log_model(python_model=..., artifacts=..., model_config=..., input_example=...)`
says which artifacts and model_config Model Serving gave `load_context`, and what a request looks
like. Nothing of the project is imported or run here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate_agent.deploy.map.apps_plan import _has_unknown
from migrate_agent.deploy.read.driver_reader import DriverReader
from migrate_agent.deploy.read.model_context_facts import read_model_context
from migrate_agent.deploy.read.static_eval import StaticEvaluator
from migrate_agent.verify.sources import SourceError

DEFAULT_REQUEST = {"input": [{"role": "user", "content": "What can you help me with?"}]}
_SKIPPED = (".git", "__pycache__", ".venv", "venv", "node_modules")


@dataclass(frozen=True, kw_only=True)
class OriginalFacts:
    """What the driver code logged for Model Serving (absolute paths in the original's copy)."""

    artifacts: dict[str, str]
    model_config: dict | str | None
    input_example: Any  # None: not readable statically
    # A signature or input example was logged: Model Serving enforced its schema, so a
    # PythonModel's predict was handed a one-row DataFrame, not the request's dict.
    schema_logged: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Requests:
    bodies: tuple[dict, ...]
    source: str  # where they come from, for the report


def read_original_facts(project: Path) -> OriginalFacts:
    sources = {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(project.rglob("*.py"))
        if not any(part in _SKIPPED for part in path.relative_to(project).parts)
    }
    found = DriverReader(StaticEvaluator(project, sources)).read(sources.keys())
    context = read_model_context(project, sources)
    notes = [p for p in (context.artifacts_problem, context.model_config_problem) if p]
    artifacts = {name: str(project / path) for name, path in (context.artifacts or {}).items()}
    model_config: dict | str | None = None
    if found.model_config is not None:
        value = found.model_config.value
        if isinstance(value, dict) and not _has_unknown(value):
            model_config = value
        elif isinstance(value, str) and context.model_config:
            model_config = str(project / context.model_config)
    example = found.input_example.value if found.input_example is not None else None
    if example is not None and (_has_unknown(example) or not isinstance(example, dict)):
        example = None
    return OriginalFacts(
        artifacts=artifacts, model_config=model_config, input_example=example,
        schema_logged=context.dataframe_input, notes=tuple(notes),
    )


def load_requests(requests_file: Path | None, facts: OriginalFacts) -> Requests:
    """`--requests FILE` (a JSON list of request bodies, or one body), else the logged
    input_example, else one plain question."""
    if requests_file is not None:
        try:
            data = json.loads(requests_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SourceError(f"--requests {requests_file}: not a readable JSON file ({error})") from None
        bodies = data if isinstance(data, list) else [data]
        if not bodies:
            raise SourceError(f"--requests {requests_file}: no requests in the file")
        bad = [i + 1 for i, body in enumerate(bodies) if not isinstance(body, dict)]
        if bad:
            raise SourceError(f"--requests {requests_file}: request {bad[0]} is not a JSON object")
        return Requests(bodies=tuple(bodies), source=str(requests_file))
    if facts.input_example is not None:
        return Requests(bodies=(facts.input_example,), source="the input_example the driver logs")
    return Requests(bodies=(DEFAULT_REQUEST,), source="one plain question (no --requests, no readable input_example)")
