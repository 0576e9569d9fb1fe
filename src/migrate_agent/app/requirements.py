"""The dependency file Databricks Apps installs: requirements.txt, merged, never clobbered.

Requirements name distributions (what pip installs), not the modules the code imports. A module
is resolved, in order: by a pin of the project itself (its requirements.txt, the logged model's
requirements.txt / conda.yaml, `pip_requirements=` of the driver) when that pin names the same
distribution the map below gives or the module's own name; else by the map. A module neither
resolves is not guessed (a same-named package on PyPI may be something else entirely): it is
reported as a manual step.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from codemods._base import GENERATED_MODULES
from migrate_agent.discover.fileio import newline_of

AGENT_SERVER_REQUIREMENT = "mlflow>=3.10"  # first release with mlflow.genai.agent_server
AGENT_SERVER_FLOOR = Version("3.10")

# Import (a dotted prefix: the longest one that matches wins) -> the distribution providing it
# (None: a namespace several distributions share); the data file says where each comes from.
DISTRIBUTIONS: dict[str, str | None] = yaml.safe_load(
    files("migrate_agent.app").joinpath("distributions.yaml").read_text("utf-8")
)
# Other distributions that provide the same module: a project pinning one of them keeps it.
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "opencv-python": ("opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "psycopg2": ("psycopg2-binary",),
    "psycopg": ("psycopg-binary",),
    "pillow": ("pillow-simd",),
    "duckduckgo-search": ("ddgs",),
}
# Calls that need a package the module never imports (databricks-sdk imports it lazily).
HIDDEN_REQUIREMENTS = {
    b"get_open_ai_client": "openai",  # WorkspaceClient().serving_endpoints.get_open_ai_client()
    b"get_langchain_chat_open_ai_client": "langchain-openai",
}
# Not looked up as distributions: mlflow (it has its own floor), __future__, the generated modules.
PROVIDED = frozenset({"mlflow", "__future__", *GENERATED_MODULES})

# A comment in a requirements file, as pip reads one: `#` at the start or after whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")


def parse_requirement(line: str) -> Requirement | None:
    """The requirement a requirements.txt line states; None for blank lines, comments, options
    (`-r`, `-e`, `--index-url`) and what is no PEP 508 requirement (a path, a bare URL)."""
    text = _COMMENT.sub("", line).strip()
    if not text or text.startswith("-"):
        return None
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def distribution_of(module: str) -> str | None:
    """The distribution the map gives for a dotted module (longest prefix), None if unknown."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in DISTRIBUTIONS:
            return DISTRIBUTIONS[prefix]
    return None


def resolve_requirements(
    imported_modules: Iterable[str],
    local_modules: set[str],
    source: bytes = b"",
    pins: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """(requirement lines, modules that resolve to no distribution) for what an agent imports.

    `imported_modules`: dotted names of absolute imports (`from a.b import c` gives `a.b.c`).
    `pins`: canonical distribution name -> the project's requirement line for it.
    Standard library, project modules and mlflow (added with its floor) are left out.
    """
    pins = pins or {}
    wanted: dict[str, str] = {}
    unresolved: list[str] = []

    def want(dist: str) -> None:
        wanted.setdefault(canonicalize_name(dist), pins.get(canonicalize_name(dist), dist))

    for call, dist in HIDDEN_REQUIREMENTS.items():
        if call in source:
            want(dist)
    by_root: dict[str, list[str]] = {}
    for module in sorted(set(imported_modules)):
        root = module.split(".")[0]
        if root in PROVIDED or root in local_modules or root in sys.stdlib_module_names:
            continue
        by_root.setdefault(root, []).append(module)
    for root, modules in sorted(by_root.items()):
        by_module = {module: distribution_of(module) for module in modules}
        # `from databricks import agents` names `databricks` and `databricks.agents`: the package
        # is known by what was imported from it, so a bare prefix of a resolved module is not news.
        unknown = [
            module for module, dist in by_module.items()
            if dist is None and not any(other.startswith(f"{module}.") and by_module[other] for other in modules)
        ]
        resolved = {dist for dist in by_module.values() if dist} | ({None} if unknown else set())
        if None in resolved and canonicalize_name(root) in pins:
            resolved = (resolved - {None}) | {canonicalize_name(root)}  # the project pins it by that name
        for dist in sorted(d for d in resolved if d):
            pinned = [alt for alt in ALTERNATIVES.get(dist, ()) if canonicalize_name(alt) in pins]
            want(dist if canonicalize_name(dist) in pins or not pinned else pinned[0])
        if None in resolved:
            unresolved.append(min(unknown, key=len))
    # mlflow gets the agent server's floor, not a logged model's pin (the version it was logged
    # with, usually older); a requirements.txt of the project keeps its own line (merge).
    lines = [AGENT_SERVER_REQUIREMENT, *sorted(wanted.values(), key=canonicalize_name)]
    return lines, unresolved


def requirement_pins(*texts: str | None) -> dict[str, str]:
    """canonical name -> requirement line, from requirements.txt-style texts (first one wins)."""
    pins: dict[str, str] = {}
    for text in texts:
        for line in (text or "").splitlines():
            requirement = parse_requirement(line)
            if requirement is not None:
                pins.setdefault(canonicalize_name(requirement.name), _COMMENT.sub("", line).strip())
    return pins


def logged_model_requirements(model_dir: Path | None) -> str:
    """The pip requirements a downloaded model recorded: requirements.txt, else conda.yaml's pip."""
    if model_dir is None:
        return ""
    folder = model_dir.parent if model_dir.is_file() else model_dir
    requirements = folder / "requirements.txt"
    if requirements.is_file():
        return requirements.read_text(encoding="utf-8", errors="replace")
    conda = folder / "conda.yaml"
    if not conda.is_file():
        return ""
    try:
        data = yaml.safe_load(conda.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError:
        return ""
    lines: list[str] = []
    for dependency in (data or {}).get("dependencies", []) if isinstance(data, dict) else []:
        if isinstance(dependency, dict) and isinstance(dependency.get("pip"), list):
            lines += [str(item) for item in dependency["pip"]]
    return "\n".join(lines)


def merge_requirements(existing: bytes | None, wanted: list[str]) -> tuple[bytes, list[str]]:
    """`existing` with the wanted requirements it lacks appended; and warnings on conflicts.

    Lines already there are kept byte for byte (the user's pins win); an mlflow pinned below
    the agent server's floor is reported, not rewritten.
    """
    text = (existing or b"").decode("utf-8")
    present: dict[str, str] = {}
    for line in text.splitlines():
        requirement = parse_requirement(line)
        if requirement is not None:
            present[canonicalize_name(requirement.name)] = line.strip()
    warnings = []
    mlflow_line = present.get("mlflow")
    if mlflow_line and not _satisfies_floor(mlflow_line):
        warnings.append(
            f"requirements.txt pins `{mlflow_line}`; the agent server needs {AGENT_SERVER_REQUIREMENT}"
        )
    missing = [req for req in wanted if canonicalize_name(Requirement(req).name) not in present]
    if not missing:
        return existing or b"", warnings
    newline = newline_of(existing or b"").decode()
    if text and not text.endswith(("\n", "\r")):
        text += newline
    text += "".join(req + newline for req in missing)
    return text.encode("utf-8"), warnings


def _satisfies_floor(line: str) -> bool:
    """Whether a requirement line for mlflow admits the agent server's floor or a later release.

    A specifier set is an intersection of intervals whose ends are the versions it names, so it
    admits some release at or above the floor exactly when it admits the floor, one of the
    versions it names at or above it, or the release just after one of those (for `>`, `!=`).
    A line that is no requirement, or names no version, admits it."""
    requirement = parse_requirement(line)
    if requirement is None:
        return True
    candidates = {AGENT_SERVER_FLOOR}
    for spec in requirement.specifier:
        try:
            named = Version(spec.version.removesuffix(".*"))
        except InvalidVersion:  # `===` with an arbitrary string
            continue
        if named >= AGENT_SERVER_FLOOR:
            release = named.release + (0,) * (3 - len(named.release))
            after = ".".join(map(str, (*release[:-1], release[-1] + 1)))
            candidates |= {named, Version(after)}
    return any(requirement.specifier.contains(v, prereleases=True) for v in candidates)
