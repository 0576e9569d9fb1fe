"""Cells of a notebook that is itself the model which can only run in the notebook (display,
dbutils, spark, calls of the agent): the app imports the notebook, so they would run there too.

Such a cell (`display(x)`, `for e in AGENT.predict_stream(...): print(e)`,
`dbutils.library.restartPython()`) is put under `if __name__ == "__main__":`, true when the
notebook runs, false when the app imports it, unless a name it binds is used by a cell that
stays (the agent's code would lose it) or a string spans lines (indenting would change it).
Such cells are reported instead.
"""

from __future__ import annotations

import ast

NOTEBOOK_ONLY_NAMES = ("display", "displayHTML", "dbutils", "spark")
AGENT_CALLS = ("predict", "predict_stream")
GUARD = 'if __name__ == "__main__":'


def _module_level_nodes(tree: ast.Module):
    """Every node that runs when the cell runs (function and class bodies left out)."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending.extend(getattr(node, "decorator_list", []))
            continue
        if isinstance(node, ast.ClassDef):
            pending.extend(node.decorator_list + node.bases)
            continue
        pending.extend(ast.iter_child_nodes(node))


def notebook_only_uses(code: str) -> tuple[list[str], bool]:
    """(names of the notebook's runtime the cell uses when it runs, whether it calls .predict)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
        return [], False
    names: list[str] = []
    calls_agent = False
    for node in _module_level_nodes(tree):
        if isinstance(node, ast.Name) and node.id in NOTEBOOK_ONLY_NAMES and node.id not in names:
            names.append(node.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in AGENT_CALLS:
            calls_agent = True
    return names, calls_agent


def is_guarded(code: str) -> bool:
    """Whether the cell is one `if __name__ == "__main__":` block (a test cell put, or written,
    under the guard): it runs only in the notebook already."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
        return False
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.If) or tree.body[0].orelse:
        return False
    return ast.unparse(tree.body[0].test) in ("__name__ == '__main__'", "'__main__' == __name__")


def bound_and_loaded(code: str) -> tuple[set[str], set[str]]:
    """(names the cell binds when it runs, names it reads anywhere, functions included)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
        return set(), set()
    bound: set[str] = set()
    for node in _module_level_nodes(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bound, loaded


def guarded(lines: list[str]) -> str | None:
    """The cell under `if __name__ == "__main__":`, or None if a string spans lines (indenting
    would change it)."""
    code = "".join(lines)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
        return None
    if not tree.body:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Constant, ast.JoinedStr)) and getattr(node, "end_lineno", None) != getattr(
            node, "lineno", None
        ):
            return None
    newline = next((l[len(l.rstrip("\r\n")) :] for l in lines if l.rstrip("\r\n") != l), "\n")
    body = "".join(("    " + l if l.strip() else l) for l in lines)
    return GUARD + newline + body
