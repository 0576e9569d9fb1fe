"""A YAML file of the project (app.yaml, databricks.yml...) as found before the migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

from migrate_agent.deploy.write.yaml_io import load_yaml


class ProjectYaml(NamedTuple):
    """A YAML file of the project (app.yaml, databricks.yml), as read."""

    path: str  # project-relative; the first candidate name when the file does not exist
    text: str | None  # None: no such file
    data: Any = None  # parsed content (None when absent or invalid)
    error: str | None = None  # why it could not be parsed

    @property
    def exists(self) -> bool:
        return self.text is not None

    @property
    def usable(self) -> bool:
        """Absent, or a YAML mapping (an empty file counts as an empty mapping)."""
        return self.text is None or (self.error is None and isinstance(self.data, (dict, type(None))))


def read_project_yaml(root: Path, names: tuple[str, ...]) -> ProjectYaml:
    """The first of `names` that exists under `root`, parsed."""
    for name in names:
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8")  # bytes as on disk: no newline translation
        except (OSError, UnicodeDecodeError) as error:
            return ProjectYaml(name, "", None, f"cannot be read: {error}")
        try:
            data = load_yaml(text)
        except yaml.YAMLError as error:
            return ProjectYaml(name, text, None, f"is not valid YAML: {str(error).splitlines()[0]}")
        if data is not None and not isinstance(data, dict):
            return ProjectYaml(name, text, data, "is not a YAML mapping")
        return ProjectYaml(name, text, data)
    return ProjectYaml(names[0], None)
