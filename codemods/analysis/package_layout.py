"""How a project file is imported: as a top-level module, or as a module of its package.

The generated runtime modules (`agent_server_utils.py`, `legacy_agent_adapters.py`) are written
beside the agent, and the migrated agent imports them the way it imports its own siblings:

- a file at the project root, or one in a folder that is no package and imports its siblings as
  top-level modules (`from helpers import x`: its folder is on `sys.path`): `agent_server_utils`;
- a module of a package (a folder with `__init__.py`, or a namespace package the file's relative
  imports imply: `from .helpers import x` in a folder without one): `.agent_server_utils`;
- one that imports its siblings through its package's name (`from pkg.helpers import x`, as in
  a `src/` layout): `pkg.agent_server_utils`.

A helper module in another folder than the agent (known once the app's agent is chosen) imports
them absolutely from the agent's package (`pkg.agent_server_utils`, or top-level).

The same facts say what `start_server.py` imports (`pkg.agent`) and which folder it puts on
`sys.path` (the outermost package's parent). Read from the file's own import statements and the
project's file names; nothing is imported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst
from libcst.helpers import get_full_name_for_node

LAYOUT_KEY = "migrate_agent.module_layout"
TOP_LEVEL, RELATIVE, ABSOLUTE = "top-level", "relative", "absolute"


@dataclass(frozen=True, kw_only=True)
class ModuleLayout:
    """Where a project file sits among packages, and how it imports the modules beside it."""

    package: tuple[str, ...] = ()  # the packages it is a module of, outermost first
    name: str = ""  # its module name within them (the file's stem)
    style: str = TOP_LEVEL  # how it imports its siblings: TOP_LEVEL, RELATIVE or ABSOLUTE
    # The package of the generated modules when they are not beside this file (a helper module
    # in another folder than the agent): imported absolutely from there (() = top-level).
    runtime_package: tuple[str, ...] | None = None
    # Why it cannot be imported as its relative imports need (a folder name that is not an
    # identifier, a relative import above the project root); None when it can.
    problem: str | None = None

    @property
    def module(self) -> str:
        """The dotted name it is imported as (`pkg.agent`, `agent`)."""
        return ".".join((*self.package, self.name))

    def generated(self, name: str) -> tuple[str, int]:
        """(module, relative level) under which this file imports the generated module `name`,
        in the form of libcst's ``add_needed_import``: as a sibling, unless it is elsewhere."""
        if self.runtime_package is not None:
            return ".".join((*self.runtime_package, name)), 0
        if not self.package or self.style == TOP_LEVEL:
            return name, 0
        if self.style == RELATIVE:
            return name, 1
        return ".".join((*self.package, name)), 0


def module_imports(module: cst.Module) -> list[tuple[str, int]]:
    """(dotted module, relative level) of each module-level import statement: `from a import b`
    gives `a` and `a.b` (b may be a module), `from . import b` gives `b` at level 1."""
    found: list[tuple[str, int]] = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                found.extend((alias.evaluated_name, 0) for alias in small.names)
            elif isinstance(small, cst.ImportFrom):
                level = len(small.relative)
                base = "" if small.module is None else get_full_name_for_node(small.module) or ""
                if base:
                    found.append((base, level))
                if not isinstance(small.names, cst.ImportStar):
                    found.extend(
                        (f"{base}.{alias.evaluated_name}" if base else alias.evaluated_name, level)
                        for alias in small.names
                    )
    return found


@dataclass(frozen=True, kw_only=True)
class ProjectFiles:
    """The project's Python files (project-relative, POSIX) and the folders among them that hold
    an `__init__.py` (regular packages)."""

    files: frozenset[str] = frozenset()
    package_dirs: frozenset[str] = frozenset()
    # Where the generated modules go (the agent's folder, "" for the project root) and the
    # package they are modules of, once the app's agent is known; None: beside each file.
    runtime_dir: str | None = None
    runtime_package: tuple[str, ...] = ()

    @classmethod
    def of(cls, paths: Iterable[str]) -> ProjectFiles:
        files = frozenset(p for p in paths if p.endswith(".py"))
        inits = (PurePosixPath(f) for f in files if f.endswith("__init__.py"))
        return cls(files=files, package_dirs=frozenset(str(p.parent) for p in inits if p.name == "__init__.py"))


def module_layout(path: str, imports: Iterable[tuple[str, int]], project: ProjectFiles) -> ModuleLayout:
    """The layout of the project file `path` (project-relative, POSIX), given its module-level
    `imports` (see :func:`module_imports`) and the project's files.

    Its package reaches up through the folders holding an `__init__.py`, and further where the
    file's relative imports (`from ..x import`) or its absolute imports of a sibling through the
    folders' names (`from pkg.helpers import` in `src/pkg/`) say so. Folders whose names are not
    identifiers end it (they cannot be imported as packages)."""
    parts = PurePosixPath(path).with_suffix("").parts
    folders, name = parts[:-1], parts[-1]
    imports = list(imports)
    package_dirs, files = project.package_dirs, project.files
    regular = 0
    while regular < len(folders) and "/".join(folders[: len(folders) - regular]) in package_dirs:
        regular += 1
    relative = max((level for _, level in imports), default=0)
    absolute = max(
        (k for k in range(1, len(folders) + 1)
         if any(_names_sibling(module, folders, k, files) for module, level in imports if not level)),
        default=0,
    )
    depth = min(max(regular, relative, absolute), len(folders))
    while depth and not all(part.isidentifier() for part in folders[len(folders) - depth:]):
        depth -= 1
    problem = None
    if relative > len(folders):
        problem = f"`from {'.' * relative}` reaches above the project's root"
    elif relative > depth:
        bad = next(part for part in reversed(folders) if not part.isidentifier())
        problem = f"its folder `{bad}` is not a valid package name"
    elsewhere = project.runtime_dir is not None and "/".join(folders) != project.runtime_dir
    runtime = project.runtime_package if elsewhere else None
    if not depth:
        return ModuleLayout(name=name, runtime_package=runtime, problem=problem)
    style = ABSOLUTE if absolute and not relative else RELATIVE
    return ModuleLayout(
        package=folders[len(folders) - depth:], name=name, style=style, runtime_package=runtime, problem=problem
    )


def _names_sibling(module: str, folders: tuple[str, ...], k: int, files: Collection[str]) -> bool:
    """Whether `module` is a module beside the file named through its `k` innermost folders
    (`pkg.helpers` for `src/pkg/agent.py`, k=1), a file or folder the project holds."""
    prefix = folders[len(folders) - k:]
    dotted = module.split(".")
    if len(dotted) <= k or tuple(dotted[:k]) != prefix:
        return False
    beside = "/".join((*folders, dotted[k]))
    return f"{beside}.py" in files or any(f.startswith(beside + "/") for f in files)
