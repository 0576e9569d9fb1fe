"""Shared helpers of the deployment tests: golden cases, the bundle schema, writing a plan."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from migrate_agent.deploy import AppSpec, DeploymentPlan, plan_deployment

HERE = Path(__file__).resolve().parent
GOLDEN_DIR = HERE / "golden"
REPO = HERE.parents[1]
# The bundle JSON schema, vendored (provenance in tests/data/README.md).
BUNDLE_SCHEMA = REPO / "tests" / "data" / "databricks-bundle-schema.json"
REGENERATE = os.environ.get("MIGRATE_AGENT_REGEN") == "1"
DEFAULT_APP = AppSpec(command=["python", "start_server.py"], agent_module="agent", agent_path="agent.py")


@dataclass(frozen=True)
class GoldenCase:
    name: str
    folder: Path

    @property
    def input(self) -> Path:
        return self.folder / "input"

    @property
    def expected(self) -> Path:
        return self.folder / "expected"

    def options(self) -> dict:
        path = self.folder / "options.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def golden_cases() -> list[GoldenCase]:
    return [GoldenCase(p.name, p) for p in sorted(GOLDEN_DIR.iterdir()) if (p / "input").is_dir()]


def python_sources(root: Path) -> dict[str, str]:
    """Every .py file of the project, as the CLI's prefilter would hand them over."""
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
        if ".venv" not in p.parts
    }


def run_case(case: GoldenCase, root: Path | None = None) -> DeploymentPlan:
    options = case.options()
    root = root or case.input
    app = AppSpec(
        command=options.get("command", DEFAULT_APP.command),
        agent_module=options.get("agent_module", DEFAULT_APP.agent_module),
        agent_path=options.get("agent_path", DEFAULT_APP.agent_path),
    )
    model_dir = case.folder / options["model_dir"] if "model_dir" in options else None
    return plan_deployment(root, python_sources(root), app, model_dir=model_dir, endpoint=options.get("endpoint"))


def manual_steps_text(plan: DeploymentPlan) -> str:
    return "".join(f"{s.rule} {s.location()} {s.message}\n" for s in plan.manual_steps)


def files_text(plan: DeploymentPlan) -> str:
    return "".join(f"{f.status.value} {f.path}\n" for f in plan.files)


def expected_outputs(plan: DeploymentPlan) -> dict[str, bytes]:
    """What a golden case's expected/ folder holds for this plan."""
    outputs = {f.path: f.after for f in plan.files if f.after is not None}
    outputs["manual_steps.txt"] = manual_steps_text(plan).encode("utf-8")
    outputs["files.txt"] = files_text(plan).encode("utf-8")
    return outputs


def write_expected(case: GoldenCase, outputs: dict[str, bytes]) -> None:
    if case.expected.exists():
        shutil.rmtree(case.expected)
    for path, content in outputs.items():
        target = case.expected / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def read_expected(case: GoldenCase) -> dict[str, bytes]:
    return {
        p.relative_to(case.expected).as_posix(): p.read_bytes()
        for p in sorted(case.expected.rglob("*"))
        if p.is_file()
    }


def apply_plan(root: Path, plan: DeploymentPlan) -> None:
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
