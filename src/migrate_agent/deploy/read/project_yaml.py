"""A YAML file of the project (app.yaml, databricks.yml...) as found before the migration.

A file the migration cannot merge without losing what the user wrote (not valid YAML, or a value
of another shape than the one it would edit: `env: "A=1"`, `resources: [...]`) is read with the
reason and the line it is at; the deploy stage then writes nothing (see
:func:`migrate_agent.deploy.planner.write_deployment`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migrate_agent.deploy.write.yaml_io import load_yaml

# What is wrong with a parsed file's shape: (the keys leading to the value, why), or None.
ShapeCheck = Callable[[Any], "tuple[tuple, str] | None"]


@dataclass(frozen=True, kw_only=True)
class ProjectYaml:
    """A YAML file of the project (app.yaml, databricks.yml), as read."""

    path: str  # project-relative; the first candidate name when the file does not exist
    text: str | None  # None: no such file
    data: Any = None  # parsed content (None when absent or invalid)
    error: str | None = None  # why it cannot be merged
    line: int | None = None  # where (1-based), when known

    @property
    def exists(self) -> bool:
        return self.text is not None

    @property
    def usable(self) -> bool:
        """Absent, or a YAML mapping (an empty file counts as an empty mapping) of the expected shape."""
        return self.text is None or (self.error is None and isinstance(self.data, (dict, type(None))))

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def read_project_yaml(root: Path, names: tuple[str, ...], shape: ShapeCheck | None = None) -> ProjectYaml:
    """The first of `names` that exists under `root`, parsed, and checked by `shape`."""
    for name in names:
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8")  # bytes as on disk: no newline translation
        except (OSError, UnicodeDecodeError) as error:
            return ProjectYaml(path=name, text="", error=f"cannot be read: {error}")
        try:
            data = load_yaml(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            return ProjectYaml(path=name, text=text, error=f"is not valid YAML: {str(error).splitlines()[0]}",
                               line=mark.line + 1 if mark is not None else None)
        if data is not None and not isinstance(data, dict):
            return ProjectYaml(path=name, text=text, data=data, error="is not a YAML mapping", line=1)
        problem = shape(data or {}) if shape is not None else None
        if problem is not None:
            keys, why = problem
            return ProjectYaml(path=name, text=text, data=data, error=why, line=line_of(text, keys))
        return ProjectYaml(path=name, text=text, data=data)
    return ProjectYaml(path=names[0], text=None)


def line_of(text: str, keys: tuple) -> int | None:
    """The 1-based line where the value at `keys` (mapping keys, sequence indexes) of a YAML text
    is named: its key's line, or the item's own line in a sequence."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            pairs = [(name, value) for name, value in node.value if isinstance(name, yaml.ScalarNode) and name.value == key]
            if not pairs:
                return line
            name, node = pairs[-1]  # the last one wins, as when loading
            line = name.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line
