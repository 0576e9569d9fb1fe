"""The golden cases (tests/golden/<case>/, described in tests/golden/README.md): running one as
tests/test_golden.py does, the generated runtime files the expected trees leave out, each case as
an e2e subject (a complete app), and the ResponsesAgent rules that relate a migrated app's two
modes when the original had only one of them."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Callable

from migrate_agent.app.scaffold import LEGACY_RUNTIME_FILE, RUNTIME_FILE, encoded, runtime_source, template
from migrate_agent.deploy import AppSpec, DeploymentPlan, plan_deployment

TESTS = Path(__file__).resolve().parents[1]
GOLDEN_DIR = TESTS / "golden"
# The bundle JSON schema, vendored (provenance in tests/data/README.md).
BUNDLE_SCHEMA = TESTS / "data" / "databricks-bundle-schema.json"
REGENERATE = os.environ.get("MIGRATE_AGENT_REGEN") == "1"
# More case folders (os.pathsep-separated), each holding <case>/input and <case>/expected like
# tests/golden: for trying a new case on the e2e suites before it becomes a golden one.
EXTRA_CASES_ENV = "MIGRATE_AGENT_E2E_EXTRA_CASES"
DONE = "response.output_item.done"
TEXT_DELTA = "response.output_text.delta"

# Cases named deploy_* run the deployment planner alone (`plan_deployment` over every .py file of
# input/, with the AppSpec and readers' options of an optional options.json), not `plan`/`apply`.
DEPLOY_PREFIX = "deploy_"
DEFAULT_APP = AppSpec(command=["python", "start_server.py"], agent_module="agent", agent_path="agent.py")
# Generated runtime files are not kept in expected/: runtime.txt names each one and its render.
RUNTIME_MANIFEST = "runtime.txt"
_NEWLINES = {"LF": b"\n", "CRLF": b"\r\n"}
_MANIFEST_LINE = re.compile(r"^(?P<path>.+?): (?P<render>.+) \((?P<newline>LF|CRLF)\)$")


def is_deploy_case(name: str) -> bool:
    return name.startswith(DEPLOY_PREFIX)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative POSIX path (bytecode caches aside)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Make `root` hold exactly `files`."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


# --- the generated runtime files -------------------------------------------------------------


def runtime_renders() -> dict[str, tuple[str, str]]:
    """Every runtime file `apply` writes as a verbatim template render: a label naming the
    templates it is made of -> (file name, text with LF line endings)."""
    renders = {}
    for identity in (False, True):
        for lazy in (False, True):
            parts = [RUNTIME_FILE, *(["lazy_agent.py.tmpl"] if lazy else []),
                     *(["user_identity.py.tmpl"] if identity else [])]
            renders[" + ".join(parts)] = (RUNTIME_FILE, runtime_source(identity, lazy))
    renders[LEGACY_RUNTIME_FILE] = (LEGACY_RUNTIME_FILE, template(LEGACY_RUNTIME_FILE))
    return renders


RUNTIME_NAMES = frozenset(name for name, _ in runtime_renders().values())


def render(label: str, newline: str) -> bytes:
    """The bytes of the runtime file `label` (a key of runtime_renders) with `newline` (LF, CRLF)."""
    return encoded(runtime_renders()[label][1], _NEWLINES[newline])


def split_runtime(files: dict[str, bytes]) -> tuple[dict[str, bytes], str]:
    """`files` without the ones that are a verbatim runtime render, and runtime.txt's text naming
    those (one `path: render (newline)` line each)."""
    known = {
        (name, render(label, newline)): f"{label} ({newline})"
        for label, (name, _) in runtime_renders().items()
        for newline in _NEWLINES
    }
    kept, lines = {}, []
    for rel, data in files.items():
        found = known.get((PurePosixPath(rel).name, data))
        if found:
            lines.append(f"{rel}: {found}\n")
        else:
            kept[rel] = data
    return kept, "".join(lines)


def runtime_files(case_dir: Path) -> dict[str, bytes]:
    """The runtime files a case's runtime.txt names, rendered from the templates."""
    path = case_dir / RUNTIME_MANIFEST
    files = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        match = _MANIFEST_LINE.match(line)
        assert match, f"{path}: not `path: render (LF|CRLF)`: {line!r}"
        files[match["path"]] = render(match["render"], match["newline"])
    return files


# --- deploy_* cases: the deployment planner alone ----------------------------------------------


def case_options(case_dir: Path) -> dict:
    path = case_dir / "options.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def python_sources(root: Path) -> dict[str, str]:
    """Every .py file of the project, as the CLI's prefilter would hand them over."""
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
        if ".venv" not in p.parts
    }


def plan_deploy_case(case_dir: Path, root: Path) -> DeploymentPlan:
    """plan_deployment on `root` (a copy of the case's input/) with the case's options.json:
    `model_dir` (relative to the case folder), `endpoint`, AppSpec fields (`command`,
    `agent_module`, `agent_path`)."""
    options = case_options(case_dir)
    app = AppSpec(
        command=options.get("command", DEFAULT_APP.command),
        agent_module=options.get("agent_module", DEFAULT_APP.agent_module),
        agent_path=options.get("agent_path", DEFAULT_APP.agent_path),
    )
    model_dir = case_dir / options["model_dir"] if "model_dir" in options else None
    return plan_deployment(root, python_sources(root), app, model_dir=model_dir, endpoint=options.get("endpoint"))


def manual_steps_text(plan: DeploymentPlan) -> str:
    return "".join(f"{s.rule} {s.location()} {s.message}\n" for s in plan.manual_steps)


def deploy_report(plan: DeploymentPlan) -> str:
    """A deploy_* case's plan.txt: each file's status, then the manual steps."""
    files = "".join(f"{f.status.value} {f.path}\n" for f in plan.files)
    return f"Files\n{files}\nManual steps\n{manual_steps_text(plan)}"


def write_deployment(root: Path, plan: DeploymentPlan) -> None:
    """Write the plan's files the way `apply` does."""
    for result in plan.files:
        if result.after is not None and result.after != result.before:
            target = root / result.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(result.after)


def bundle_schema_validator():
    """A Draft 7 validator for databricks.yml (the schema is part of the repository)."""
    import jsonschema

    text = BUNDLE_SCHEMA.read_text(encoding="utf-8")
    # Go's \p{L} / \p{N} are not Python `re` syntax. Inside a class first (a nested set would change
    # the meaning), then alone: [\p{L}\p{N}] -> [^\W_], \p{L} -> [^\W\d_], \p{N} -> \d.
    text = text.replace(r"[\\p{L}\\p{N}]", r"[^\\W_]")
    text = text.replace(r"\\p{L}", r"[^\\W\\d_]").replace(r"\\p{N}", r"\\d")
    return jsonschema.Draft7Validator(json.loads(text))


# --- cases as e2e subjects -----------------------------------------------------------------------


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
    """Cases that have an input project and a migrated app (expected/app.yaml), sorted; deploy_*
    cases aside (the deployment planner alone makes no app)."""
    return sorted(
        name
        for name, case in _case_dirs().items()
        if not is_deploy_case(name) and (case / "expected" / "app.yaml").is_file() and select(name)
    )


def input_dir(case: str) -> Path:
    return _case_dirs()[case] / "input"


_COMPLETE: dict[str, Path] = {}


def expected_dir(case: str) -> Path:
    """The tree `apply` makes of the case, complete: a copy of its expected/ with the runtime files
    runtime.txt names rendered from their templates. Made once per process, removed at exit."""
    if case not in _COMPLETE:
        scratch = Path(tempfile.mkdtemp(prefix=f"golden-{case}-"))
        atexit.register(shutil.rmtree, scratch, True)
        case_dir = _case_dirs()[case]
        write_tree(scratch / "app", {**tree(case_dir / "expected"), **runtime_files(case_dir)})
        _COMPLETE[case] = scratch / "app"
    return _COMPLETE[case]


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
