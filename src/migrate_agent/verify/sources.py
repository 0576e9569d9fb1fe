"""The two projects a verify run compares, as temporary copies (the user's tree is only read).

The migrated project is PATH itself. The original is `--before DIR`, or `--before REV` (a git
revision of PATH's repository, default HEAD while the migration is still uncommitted), extracted
with `git archive` (the repository is never changed: no checkout, no worktree).
"""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from migrate_agent.notebooks import is_notebook, read_notebook

_SKIPPED = (".git", "__pycache__", ".venv", "venv", "node_modules", "mlruns", ".mypy_cache", ".pytest_cache")


class SourceError(RuntimeError):
    """The original or the migrated project cannot be had; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where the original came from, for the report."""

    kind: str  # "git" or "dir"
    where: str  # the revision, or the directory


def copy_project(source: Path, target: Path) -> None:
    """`source` into `target`, without VCS data, caches and virtual environments."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*_SKIPPED), symlinks=True)


def resolve_before(project: Path, before: str | None) -> tuple[Origin, Path | None]:
    """What `--before` names: (origin, directory) for a directory, (origin, None) for a git
    revision (extracted later by `extract_revision`)."""
    if before is not None and Path(before).is_dir():
        return Origin(kind="dir", where=str(Path(before).resolve())), Path(before).resolve()
    root = _git_root(project)
    if root is None:
        raise SourceError(
            f"{project} is not in a git work tree, so the original cannot be read from git: "
            "pass --before DIR (a copy of the project before the migration)"
        )
    if before is None:
        if not _git(root, "status", "--porcelain", "--", str(project.resolve())).strip():
            raise SourceError(
                "the project has no uncommitted changes, so HEAD is not the original: pass --before "
                "REV (the commit before the migration) or --before DIR"
            )
        before = "HEAD"
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{before}^{{commit}}")
    except SourceError:
        raise SourceError(f"--before {before}: neither a directory nor a revision of {root}") from None
    return Origin(kind="git", where=before), None


def extract_revision(project: Path, revision: str, target: Path) -> None:
    """The project's folder as it is at `revision`, into `target` (`git archive`, read-only)."""
    root = _git_root(project)
    assert root is not None
    inside = project.resolve().relative_to(root).as_posix()
    treeish = revision if inside == "." else f"{revision}:{inside}"
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", treeish],
        capture_output=True, check=False,
    )
    if archive.returncode != 0:
        raise SourceError(f"git archive {treeish} failed: {archive.stderr.decode(errors='replace').strip()}")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="data")
        else:  # Python before 3.10.12 / 3.11.4: git's own archive, members checked by hand
            for member in tar.getmembers():
                if member.name.startswith(("/", "..")) or "/../" in member.name:
                    raise SourceError(f"git archive holds an unsafe path: {member.name}")
            tar.extractall(target)


def find_agent_file(project: Path) -> str:
    """The file that calls `set_model` in code (the models-from-code file Model Serving loads).

    When no file does, the files the project's notebooks write with `%%writefile` cells are
    written into `project` (a copy), as running those cells would, and looked at too."""
    found, unparsable = _set_model_files(project)
    if not found and _write_notebook_targets(project):
        found, unparsable = _set_model_files(project)
    if len(found) == 1:
        return found[0]
    if "agent.py" in found:
        return "agent.py"
    if found:
        raise SourceError(f"several files of the original call set_model ({', '.join(found)}): cannot tell which is the agent")
    if unparsable:
        raise SourceError(unparsable[0])
    raise SourceError("no file of the original calls mlflow.models.set_model(...): nothing to load as Model Serving does")


def _write_notebook_targets(project: Path) -> bool:
    """Write the files the notebooks' `%%writefile` cells write (a target outside the project
    beside its notebook, where the migrated app keeps its copy); True if there were any."""
    wrote = False
    for path in sorted([*project.rglob("*.py"), *project.rglob("*.ipynb")]):
        relative = path.relative_to(project).as_posix()
        data = path.read_bytes()
        if any(part in _SKIPPED for part in path.relative_to(project).parts) or not is_notebook(relative, data):
            continue
        for unit in read_notebook(relative, data).units:
            if unit.kind == "writefile" and unit.app_path:
                target = project / unit.app_path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(unit.code, encoding="utf-8")
                wrote = True
    return wrote


def _set_model_files(project: Path) -> tuple[list[str], list[str]]:
    """The files calling set_model in code, and why each file that mentions set_model but does not
    parse on this Python (a notebook with raw magics, newer syntax) could not be read."""
    found, unparsable = [], []
    for path in sorted(project.rglob("*.py")):
        if any(part in _SKIPPED for part in path.relative_to(project).parts):
            continue
        data = path.read_bytes()
        try:
            tree = ast.parse(data)
        except SyntaxError as error:
            if b"set_model" in data:
                unparsable.append(
                    f"{path.relative_to(project).as_posix()}:{error.lineno}: the original does not parse on this "
                    f"Python ({sys.version.split()[0]}): {error.msg}"
                )
            continue
        except ValueError:
            continue
        if any(_calls_set_model(node) for node in ast.walk(tree)):
            found.append(path.relative_to(project).as_posix())
    return found, unparsable


LEGACY_INTERFACES = ("ChatAgent", "ChatModel", "PythonModel")


def legacy_interface(project: Path, agent_file: str) -> str | None:
    """The older MLflow interface (ChatAgent, ChatModel, PythonModel) the exported class of the
    agent file derives from, if any: those answer chat bodies, the app the Responses API. The
    exported class is the one `set_model` is given an instance of (directly, or through a
    module-level name); when that cannot be told, any class of the file decides."""
    tree = ast.parse((project / agent_file).read_bytes())
    bases: dict[str, list[str | None]] = {
        node.name: [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", None) for b in node.bases]
        for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
    }
    exported = _exported_class(tree)
    if exported in bases:
        return next((name for name in bases[exported] if name in LEGACY_INTERFACES), None)
    return next((name for names in bases.values() for name in names if name in LEGACY_INTERFACES), None)


def _exported_class(tree: ast.Module) -> str | None:
    """The class `set_model(Cls(...))` or `NAME = Cls(...); set_model(NAME)` exports, if either."""
    built = {
        target.id: node.value.func.id
        for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        for target in node.targets if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if _calls_set_model(node) and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name):
                return argument.func.id
            if isinstance(argument, ast.Name):
                return built.get(argument.id)
    return None


def _calls_set_model(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == "set_model"


def _git_root(path: Path) -> Path | None:
    folder = path if path.is_dir() else path.parent
    try:
        out = _git(folder, "rev-parse", "--show-toplevel")
    except SourceError:
        return None
    return Path(out.strip()).resolve()


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SourceError("git is not installed") from None
    if done.returncode != 0:
        raise SourceError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout
