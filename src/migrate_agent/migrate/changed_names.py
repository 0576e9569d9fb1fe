"""Code elsewhere in the project that uses a name a migration changed.

A migrated module may turn a module-level name into something else (user state becomes a function
built per request). Other modules that import that name would break silently; each use is found
statically (``ast``, nothing imported) and reported with its path and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from codemods.analysis.syntax import ast_dotted_name, ast_imported_module, module_names
from migrate_agent.model import ManualStep


def uses_of_changed_names(
    changed: dict[str, dict[str, str]],  # migrated file -> {name: what it is now}
    sources: Iterable[tuple[str, bytes]],  # every Python file of the project
    rule: str,
) -> list[ManualStep]:
    """One manual step per import (or `module.name` use) of a changed name in another file."""
    wanted = {
        module: (path, names) for path, names in changed.items() for module in module_names(path)
    }
    if not wanted:
        return []
    stems = {module.rsplit(".", 1)[-1].encode() for module in wanted}
    all_names = {name.encode() for names in changed.values() for name in names}
    steps: list[ManualStep] = []
    for rel, data in sources:
        if not any(s in data for s in stems) or not any(n in data for n in all_names):
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, RecursionError):  # RecursionError: nested too deep for ast
            continue  # reported elsewhere if it matters; nothing to say about its imports
        aliases: dict[str, str] = {}  # local name -> module, for `import agent as a; a.NAME`
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = ast_imported_module(rel, node)
                if module in wanted and wanted[module][0] != rel:
                    origin, names = wanted[module]
                    for alias in node.names:
                        if alias.name in names:
                            steps.append(_step(rule, rel, node.lineno, origin, alias.name, names))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in wanted and wanted[alias.name][0] != rel:
                        aliases[alias.asname or alias.name] = alias.name
        if aliases:
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute):
                    module = ast_dotted_name(node.value)
                    if module in aliases:
                        origin, names = wanted[aliases[module]]
                        if node.attr in names:
                            steps.append(_step(rule, rel, node.lineno, origin, node.attr, names))
    return steps


def _step(rule: str, rel: str, line: int, origin: str, name: str, names: dict[str, str]) -> ManualStep:
    return ManualStep(
        rule,
        f"`{name}` from {origin} {names[name]} (migrate-agent does not rewrite uses in other "
        "modules yet)",
        rel,
        line,
    )
