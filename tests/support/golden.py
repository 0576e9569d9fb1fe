"""The golden cases (tests/golden/<case>/input and expected/) as e2e subjects, and the ResponsesAgent
rules that relate a migrated app's two modes when the original had only one of them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
# More case folders (os.pathsep-separated), each holding <case>/input and <case>/expected like
# tests/golden: for trying a new case on the e2e suites before it becomes a golden one.
EXTRA_CASES_ENV = "MIGRATE_AGENT_E2E_EXTRA_CASES"
DONE = "response.output_item.done"
TEXT_DELTA = "response.output_text.delta"


def _case_dirs() -> dict[str, Path]:
    roots = [GOLDEN_DIR] + [Path(p) for p in os.environ.get(EXTRA_CASES_ENV, "").split(os.pathsep) if p]
    found: dict[str, Path] = {}
    for root in roots:
        if root.is_dir():
            for case in root.iterdir():
                if (case / "input").is_dir():
                    found.setdefault(case.name, case)
    return found


def golden_cases(select: Callable[[str], bool] = lambda name: True) -> list[str]:
    """Cases that have an input project and a migrated app (expected/app.yaml), sorted."""
    return sorted(
        name
        for name, case in _case_dirs().items()
        if (case / "expected" / "app.yaml").is_file() and select(name)
    )


def input_dir(case: str) -> Path:
    return _case_dirs()[case] / "input"


def expected_dir(case: str) -> Path:
    return _case_dirs()[case] / "expected"


IDENTITY_PREFIXES = ("user_", "obo_")
IDENTITY_CONTROLS = frozenset({"no_user_auth"})  # no user identity: nothing may change about that
_USER_CREDENTIALS = "ModelServingUserCredentials"


def is_identity_case(name: str) -> bool:
    """Cases about acting on behalf of the user, run by tests/e2e/test_identity_e2e.py: named
    user_* / obo_*, a control case, or any whose original uses ModelServingUserCredentials."""
    if name.startswith(IDENTITY_PREFIXES) or name in IDENTITY_CONTROLS:
        return True
    return any(
        _USER_CREDENTIALS in path.read_text(errors="replace")
        for path in [*input_dir(name).rglob("*.py"), *input_dir(name).rglob("*.ipynb")]
        if "__pycache__" not in path.parts
    )


LEGACY_PREFIX = "legacy_"


def is_legacy_case(name: str) -> bool:
    """Cases about agents on the older interfaces (ChatAgent, ChatModel, PythonModel), named
    legacy_*: the original speaks another request format; run by tests/e2e/test_legacy_e2e.py."""
    return name.startswith(LEGACY_PREFIX)


def done_items(events: list[dict]) -> list[dict]:
    """The items of a stream's `response.output_item.done` events, in order."""
    return [e["item"] for e in events if e.get("type") == DONE]


def aggregate(events: list[dict]) -> dict:
    """What invoke must answer for an agent that only streams: a ResponsesAgentResponse whose
    output is the stream's done items (as the server serialises it: exclude_none)."""
    from mlflow.types.responses import ResponsesAgentResponse

    return ResponsesAgentResponse(output=done_items(events)).model_dump(exclude_none=True)


def done_events(response: dict) -> list[dict]:
    """What a stream must carry for an agent that only has predict: one done event per item."""
    return [{"type": DONE, "item": item} for item in response.get("output", [])]
