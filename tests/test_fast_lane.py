"""The fast lane (`pytest -m "not e2e"`, which CI also runs on Python 3.10 and 3.13) starts no
server: every module of tests/e2e is marked e2e, and no other test module uses the app harness."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
# What starts a server: uvicorn apps, the stub workspace, the original agent under Model Serving.
SERVER_MODULES = ("uvicorn", "tests.support.app_runner", "tests.support.stub_workspace",
                  "tests.support.original_runner", "tests.support.fixtures")


def _imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _marked_e2e(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            return "pytest.mark.e2e" in ast.unparse(node.value)
    return False


def test_every_e2e_module_is_marked_e2e() -> None:
    modules = sorted((TESTS / "e2e").glob("test_*.py"))
    assert modules
    unmarked = [m.name for m in modules if not _marked_e2e(ast.parse(m.read_text(encoding="utf-8")))]
    assert unmarked == [], "add `pytestmark = pytest.mark.e2e`"


def test_no_fast_lane_module_starts_a_server() -> None:
    starting = []
    for module in sorted(TESTS.rglob("test_*.py")):
        if (TESTS / "e2e") in module.parents or (TESTS / "golden") in module.parents:
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        used = {name for name in _imports(tree) if name.startswith(SERVER_MODULES)}
        if used and not _marked_e2e(tree):
            starting.append(f"{module.relative_to(TESTS)}: {sorted(used)}")
    assert starting == [], "mark these e2e or move them to tests/e2e"
