"""`isinstance` checks of the agent's kept name, which the migration turns False.

`AGENT = Cls(); set_model(AGENT)` becomes `AGENT = LazyAgent(get_agent)` (MA001): every attribute
is looked up on the agent, built on first use, but the object is not an instance of `Cls`. A
check such as `isinstance(AGENT, Cls)`, in the agent module or in a module that imports the name
(a driver, a test), is then False without an error. Each one is found statically (``ast``,
nothing imported) in the code as apply leaves it, and reported with its path and line, on every
run (the kept name is read from the agent module as migrated).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from codemods.analysis.syntax import ast_dotted_name, ast_imported_module, module_names
from migrate_agent.model import ManualStep

LAZY_AGENT = "LazyAgent"
RULE = "MA001"


def isinstance_checks_of_kept_names(
    agent_path: str, agent_code: bytes, sources: Iterable[tuple[str, bytes]]
) -> list[ManualStep]:
    """One manual step per `isinstance(NAME, ...)` whose NAME is a kept name of the agent module
    at `agent_path` (`agent_code`: that module as apply leaves it); `sources`: the project's
    Python files as apply leaves them (the agent module's own entry is replaced by `agent_code`)."""
    kept = _kept_names(agent_code)
    if not kept:
        return []
    modules = module_names(agent_path)
    steps: list[ManualStep] = []
    for rel, data in sources:
        if rel == agent_path:
            data = agent_code
        if b"isinstance" not in data or not any(name.encode() in data for name in kept):
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError):  # reported elsewhere if it matters
            continue
        names = {name: name for name in kept} if rel == agent_path else {}  # local name -> kept name
        prefixes: set[str] = set()  # `agent` of `import agent` (then `agent.AGENT`)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and ast_imported_module(rel, node) in modules:
                for alias in node.names:
                    if alias.name in kept:
                        names[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        prefixes.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance"):
                continue
            if not node.args:
                continue
            checked = ast_dotted_name(node.args[0])
            if checked is None:
                continue
            head, _, attribute = checked.rpartition(".")
            name = names.get(checked) if not head else (attribute if head in prefixes and attribute in kept else None)
            if name:
                steps.append(_step(rel, node.lineno, checked, name, kept[name]))
    return steps


def _kept_names(code: bytes) -> dict[str, str]:
    """`NAME -> getter` of each module-level `NAME = LazyAgent(getter)` of the agent module."""
    if LAZY_AGENT.encode() not in code:
        return {}
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    kept: dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Call)
            and (ast_dotted_name(value.func) or "").rpartition(".")[2] == LAZY_AGENT
            and len(value.args) == 1
            and isinstance(value.args[0], ast.Name)
        ):
            kept[target.id] = value.args[0].id
    return kept


def _step(rel: str, line: int, checked: str, name: str, getter: str) -> ManualStep:
    return ManualStep(
        RULE,
        f"`isinstance({checked}, ...)` is False once migrated: `{name}` is now `{LAZY_AGENT}({getter})`, "
        f"which builds the agent on first use and is not an instance of its class; check the agent "
        f"itself, `{getter}()`, instead",
        rel,
        line,
    )
