"""The dependency file Databricks Apps installs: requirements.txt, merged, never clobbered."""

from __future__ import annotations

import re
import sys

from migrate_agent.fileio import newline_of

AGENT_SERVER_REQUIREMENT = "mlflow>=3.10"  # first release with mlflow.genai.agent_server

# Import name -> distribution name, where they differ (PyPI metadata of each package).
DISTRIBUTIONS = {
    "databricks": "databricks-sdk",  # `databricks.sdk`; databricks.agents is Model Serving only
    "databricks_langchain": "databricks-langchain",
    "databricks_openai": "databricks-openai",
    "databricks_ai_bridge": "databricks-ai-bridge",
    "databricks_mcp": "databricks-mcp",
    "unitycatalog": "unitycatalog-ai",
    "yaml": "pyyaml",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "dotenv": "python-dotenv",
    "google": "google-genai",
    "PIL": "pillow",
}
# Calls that need a package the module never imports (databricks-sdk imports it lazily).
HIDDEN_REQUIREMENTS = {
    b"get_open_ai_client": "openai",  # WorkspaceClient().serving_endpoints.get_open_ai_client()
    b"get_langchain_chat_open_ai_client": "langchain-openai",
}
PROVIDED = {"mlflow", "__future__", "agent_server_utils", "legacy_agent_adapters"}  # generated; mlflow has its own floor


def distributions_for(
    imported_roots: list[str], local_modules: set[str], source: bytes = b""
) -> list[str]:
    """Requirements for the modules an agent imports, stdlib and project modules left out."""
    names = [dist for call, dist in HIDDEN_REQUIREMENTS.items() if call in source]
    for root in sorted(imported_roots):
        if root in PROVIDED or root in local_modules or root in sys.stdlib_module_names:
            continue
        names.append(DISTRIBUTIONS.get(root, root.replace("_", "-")))
    return [AGENT_SERVER_REQUIREMENT, *sorted(set(names))]


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def merge_requirements(existing: bytes | None, wanted: list[str]) -> tuple[bytes, list[str]]:
    """`existing` with the wanted requirements it lacks appended; and warnings on conflicts.

    Lines already there are kept byte for byte (the user's pins win); an mlflow pinned below
    the agent server's floor is reported, not rewritten.
    """
    text = (existing or b"").decode("utf-8")
    present: dict[str, str] = {}
    for line in text.splitlines():
        match = _NAME.match(line.split("#", 1)[0])
        if match and not line.lstrip().startswith("-"):
            present[_canonical(match.group(1))] = line.strip()
    warnings = []
    mlflow_line = present.get("mlflow")
    if mlflow_line and not _satisfies_floor(mlflow_line):
        warnings.append(
            f"requirements.txt pins `{mlflow_line}`; the agent server needs {AGENT_SERVER_REQUIREMENT}"
        )
    missing = [req for req in wanted if _canonical(_NAME.match(req).group(1)) not in present]
    if not missing:
        return existing or b"", warnings
    newline = newline_of(existing or b"").decode()
    if text and not text.endswith(("\n", "\r")):
        text += newline
    text += "".join(req + newline for req in missing)
    return text.encode("utf-8"), warnings


def _satisfies_floor(line: str) -> bool:
    """Whether a requirement line for mlflow admits 3.10 or later (a cheap, common-case check)."""
    pins = re.findall(r"(==|<=|<|~=)\s*(\d+)(?:\.(\d+))?", line)
    for operator, major, minor in pins:
        version = (int(major), int(minor or 0))
        if operator in ("==", "~=", "<=") and version < (3, 10):
            return False
        if operator == "<" and version <= (3, 10):
            return False
    return True
