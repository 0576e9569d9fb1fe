"""Reads the Model Serving deployment facts stored in a downloaded model's `MLmodel` file.

MLmodel keeps what `log_model` was given: top-level `resources`, or
`auth_policy.system_auth_policy.resources` and `auth_policy.user_auth_policy.api_scopes`; the
`python_function` flavor's `config` (the model_config); and, beside the file, the saved input
example named by `saved_input_example_info.artifact_path`.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path

import yaml

from migrate_agent.deploy.read.mlmodel_format import auth_policy_from_dict, resources_from_dict
from migrate_agent.deploy.read.serving_model import Fact, Origin, Problem, ServingDeployment

MLMODEL_FILE = "MLmodel"
# Virtualenvs, caches, and local MLflow tracking stores (old runs' models: pass --model-dir instead).
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env", "mlruns", "mlartifacts"})


def find_mlmodel_files(root: Path) -> list[Path]:
    """MLmodel files under the project (hidden folders and virtualenvs skipped), sorted."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        if MLMODEL_FILE in files:
            found.append(Path(folder) / MLMODEL_FILE)
    return sorted(found)


def project_relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def read_mlmodel(mlmodel: Path, root: Path) -> ServingDeployment:
    relative = project_relative(mlmodel, root)
    # Outside the project only the folder name is shown, so output does not depend on where it is.
    label = relative or f"{mlmodel.parent.name}/{mlmodel.name}"
    origin = Origin(label=label, path=relative)
    found = ServingDeployment()
    try:
        data = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        found.problems.append(Problem(rule="MA101", message=f"MLmodel could not be read: {error}", origin=origin))
        return found
    if not isinstance(data, dict):
        found.problems.append(Problem(rule="MA101", message="MLmodel is not a YAML mapping", origin=origin))
        return found
    found.sources.append((label, "logged model"))

    resources, problems = resources_from_dict(data.get("resources"), origin)
    policy_resources, scopes, policy_problems = auth_policy_from_dict(data.get("auth_policy"), origin)
    found.resources = resources + policy_resources
    found.api_scopes = [Fact(value=scope, origin=origin) for scope in scopes]
    found.problems.extend(problems + policy_problems)

    flavor = (data.get("flavors") or {}).get("python_function") or {}
    if isinstance(flavor, dict):
        if flavor.get("config") is not None:
            found.model_config = Fact(value=flavor["config"], origin=origin)
        code = flavor.get("model_code_path")  # models from code: where the agent file was logged from
        if isinstance(code, str):
            found.python_model = Fact(value=posixpath.basename(code.replace("\\", "/")), origin=origin)

    example_info = data.get("saved_input_example_info")
    if isinstance(example_info, dict) and isinstance(example_info.get("artifact_path"), str):
        example_file = mlmodel.parent / example_info["artifact_path"]
        try:
            found.input_example = Fact(value=json.loads(example_file.read_text(encoding="utf-8")), origin=origin)
        except (OSError, ValueError):
            pass
    return found
