"""Imports a migration added, and whether each one resolves where the app runs.

An import the migrated code gains must find its module: a file `apply` writes or the project
ships (beside the importing file or in a folder above it, which is where `start_server.py` and
the package-parent line it writes put `sys.path`), the standard library, or an installed
distribution that the project's requirements.txt names, directly or through the requirements of
one it names (`uvicorn` comes with `mlflow`). Code that runs outside the app (a caller of the
endpoint MA009 rewrote) may import a distribution the app does not need, when MIGRATION.md
tells the user to install it where that code runs. Nothing is imported: modules are looked up as
files, distributions through their installed metadata.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from migrate_agent.app.requirements import parse_requirement
from migrate_agent.notebooks import is_notebook, read_notebook


@dataclass(frozen=True, kw_only=True)
class ImportUse:
    path: str  # the project file that imports it (a notebook's written file: the file's path)
    line: int
    module: str  # absolute dotted name (relative imports made absolute from `path`'s folder)


def python_texts(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """(path, Python text) of every Python file of a tree; a notebook gives its own code (magics
    hidden) and the code of each file its %%writefile cells write, at that file's path."""
    texts = []
    for rel, data in files.items():
        if not rel.endswith((".py", ".ipynb")):
            continue
        if is_notebook(rel, data):
            try:
                notebook = read_notebook(rel, data)
            except ValueError:
                continue
            texts.append((rel, notebook.python_text))
            texts.extend((u.app_path, u.code) for u in notebook.units if u.kind == "writefile")
        else:
            texts.append((rel, data.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")))
    return texts


def import_uses(path: str, text: str) -> list[ImportUse]:
    """Every import of `text` (module level or nested); none when it does not parse here."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    package = PurePosixPath(path).parent.parts
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            uses.extend(ImportUse(path=path, line=node.lineno, module=a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                stem = ".".join([*base, *([node.module] if node.module else [])])
                if node.module is None:  # `from . import x`: x is a module of the package
                    uses.extend(ImportUse(path=path, line=node.lineno, module=f"{stem}.{a.name}".lstrip("."))
                                for a in node.names)
                    continue
                uses.append(ImportUse(path=path, line=node.lineno, module=stem))
            else:
                uses.append(ImportUse(path=path, line=node.lineno, module=node.module))
    return uses


def added_imports(before: dict[str, bytes], after: dict[str, bytes]) -> list[ImportUse]:
    """The imports of `after` whose module no file of `before` imported."""
    known = {use.module for path, text in python_texts(before) for use in import_uses(path, text)}
    return [
        use for path, text in python_texts(after) for use in import_uses(path, text)
        if use.module not in known
    ]


def _in_tree(files: dict[str, bytes], importer: str, module: str) -> bool:
    """`module` is a file (or package folder) of `files`, beside `importer` or in a folder above it."""
    parts = module.split(".")
    folder = PurePosixPath(importer).parent
    for base in (folder, *folder.parents):
        stem = base.joinpath(*parts)
        names = {f"{stem}.py", f"{stem}/__init__.py"}
        if any(PurePosixPath(name).as_posix() in files for name in names):
            return True
        prefix = f"{stem.as_posix()}/"
        if any(rel.startswith(prefix) and rel.endswith(".py") for rel in files):  # a namespace package
            return True
    return False


@cache
def _providers() -> dict[str, frozenset[str]]:
    """Top-level import name -> canonical names of the installed distributions providing it."""
    return {name: frozenset(map(canonicalize_name, dists)) for name, dists in metadata.packages_distributions().items()}


@cache
def _with_dependencies(name: str) -> frozenset[str]:
    """An installed distribution and everything it requires (no extras), canonical names."""
    seen: set[str] = set()
    pending = [canonicalize_name(name)]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            requires = metadata.requires(current) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return frozenset(seen)


def required_distributions(files: dict[str, bytes]) -> frozenset[str]:
    """Canonical names of what the tree's requirements.txt installs, dependencies included."""
    text = files.get("requirements.txt", b"").decode("utf-8", "replace")
    named = [r.name for r in map(parse_requirement, text.splitlines()) if r is not None]
    return frozenset().union(*(_with_dependencies(name) for name in named))


def unresolved(files: dict[str, bytes], uses: list[ImportUse]) -> list[ImportUse]:
    """The uses whose module neither the tree, the standard library nor a required distribution provides."""
    installed = required_distributions(files)
    told = files.get("MIGRATION.md", b"").decode("utf-8", "replace")
    missing = []
    for use in uses:
        root = use.module.split(".")[0]
        if root == "__future__" or root in sys.stdlib_module_names:
            continue
        if _in_tree(files, use.path, use.module):
            continue
        # the distributions providing it; or one named as it is imported (`uvicorn`, `pydantic`):
        # Python 3.10's packages_distributions() misses some packages pip installs
        if _providers().get(root, frozenset()) & installed or canonicalize_name(root) in installed:
            continue
        if f"package {root.replace('_', '-')}: install it where that code runs" in told:
            continue
        missing.append(use)
    return missing
