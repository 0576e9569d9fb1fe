"""The module's top import block after libcst's import visitors, tidied as isort would.

``AddImportsVisitor`` merges a new name into the ``from x import ...`` of its module if the top
import block has one, and appends every other new statement after that block;
``RemoveImportsVisitor`` removes a statement with the lines above it. :func:`group_new_imports`
then puts each new statement where isort / ruff (default settings) would: sections
``__future__``, standard library, third party, first party (the project's own modules and the
generated ones), relative; ``import x`` before ``from x import y`` within a section, modules
sorted; one blank line between groups. A ``from`` statement whose names changed (or a new one)
is printed with its names sorted, wrapped one per line past 88 characters. The other
statements stay as they are, where they are, with the blank lines above a removed one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods.analysis.syntax import is_docstring

LINE_LENGTH = 88
FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, RELATIVE = range(5)


@dataclass(frozen=True, kw_only=True)
class Existing:
    """An import statement of a module's top block, before libcst changed the imports."""

    keys: frozenset[tuple]  # what identifies it (see _keys)
    names: frozenset[tuple[str, str | None]]  # (name, alias) of each name it imports
    blank_lines: int  # blank lines right above it


def top_imports(module: cst.Module) -> tuple[Existing, ...]:
    """The import statements of `module`'s top block, in order."""
    body = list(module.body)
    start, end = _top_block(body)
    return tuple(
        Existing(keys=frozenset(_keys(s)), names=_names(s), blank_lines=_blank_prefix(s)) for s in body[start:end]
    )


def group_new_imports(module: cst.Module, before: tuple[Existing, ...], first_party: set[str]) -> cst.Module:
    """`module` after libcst's import visitors, its top block tidied as isort would: the new
    statements (those that are none of `before`) in their groups, a statement whose names libcst
    changed printed as isort prints it (unless it holds a comment), and the blank lines above a
    removed statement kept for the import that follows it (libcst removes a statement with
    the lines above it)."""
    body = list(module.body)
    start, end = _top_block(body)
    matched = [  # the statement each one was, None for a new one
        next((i for i, old in enumerate(before) if old.keys & _keys(s) and old.names & _names(s)), None)
        for s in body[start:end]
    ]
    block, new = [], []
    for statement, index in zip(body[start:end], matched):
        if index is None:
            new.append(_entry(_printed(statement, module), first_party))
            continue
        if _names(statement) != before[index].names and "#" not in module.code_for_node(statement.body[0]):
            statement = statement.with_changes(body=[_printed(statement, module).body[0]])
        removed = index  # the first of the statements removed right above this one
        while removed > 0 and removed - 1 not in matched:
            removed -= 1
        if removed < index:
            statement = _at_least(statement, before[removed].blank_lines)
        block.append(_entry(statement, first_party))
    had_imports = bool(block)
    for entry in sorted(new, key=lambda e: e[:2]):
        _insert(block, entry)
    statements = [node for _, _, node in block]
    rest = list(body[end:])
    if not had_imports and statements:  # a new block: apart from the docstring and the code
        if start:
            statements[0] = statements[0].with_changes(leading_lines=[_blank()])
        if rest and isinstance(rest[0], (cst.ClassDef, cst.FunctionDef)):
            rest[0] = _at_least(rest[0], 2)  # as isort puts them between imports and a def
    return module.with_changes(body=[*body[:start], *statements, *rest])


def head_end(module: cst.Module) -> int:
    """How many statements of `module` ``AddImportsVisitor`` reads or changes: a docstring or
    ``__strict__`` flag first, the imports right after it, and the statement after those (it
    gets a blank line above it)."""
    body = module.body
    start = 1 if body and (is_docstring(body[0]) or _is_strict_flag(body[0])) else 0
    end = start
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    return end + 1


def _is_strict_flag(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == "__strict__" for t in statement.body[0].targets)
    )


def _top_block(body: list) -> tuple[int, int]:
    """Where the module's first import statements are, as ``AddImportsVisitor`` sees them:
    one import per line, right after the docstring (if any)."""
    start = 1 if body and is_docstring(body[0]) else 0
    end = start
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    return start, end


def _keys(statement: cst.SimpleStatementLine) -> set[tuple]:
    """``("from", level, module)`` for ``from module import ...``; ``("import", name, alias)``
    for each name of ``import name as alias``."""
    node = statement.body[0]
    if isinstance(node, cst.ImportFrom):
        return {("from", len(node.relative), _module_name(node))}
    return {("import", alias.evaluated_name, alias.evaluated_alias) for alias in node.names}


def _names(statement: cst.SimpleStatementLine) -> frozenset[tuple[str, str | None]]:
    names = statement.body[0].names
    if isinstance(names, cst.ImportStar):
        return frozenset({("*", None)})
    return frozenset((alias.evaluated_name, alias.evaluated_alias) for alias in names)


def _entry(statement: cst.SimpleStatementLine, first_party: set[str]) -> tuple[int, tuple, cst.SimpleStatementLine]:
    """(isort section, sort key within it, statement)."""
    node = statement.body[0]
    first = min(map(_name_key, _names(statement)))
    if isinstance(node, cst.Import):
        name = node.names[0].evaluated_name
        return _section(name, 0, first_party), (0, 0, name.lower(), name, first), statement
    level, name = len(node.relative), _module_name(node)
    return _section(name, level, first_party), (1, -level, name.lower(), name, first), statement


def _section(name: str, level: int, first_party: set[str]) -> int:
    root = name.split(".")[0]
    if level:
        return RELATIVE
    if root == "__future__":
        return FUTURE
    if root in sys.stdlib_module_names:
        return STDLIB
    return FIRST_PARTY if root in first_party else THIRD_PARTY


def _insert(block: list, entry: tuple) -> None:
    """Put `entry` in its section, sorted; a section of its own goes one blank line apart."""
    section, key, _ = entry
    same = [k for k, (s, _, _) in enumerate(block) if s == section]
    if same:
        later = next((k for k in same if block[k][1] > key), None)
        if later is None:
            block.insert(same[-1] + 1, entry)
        else:  # it heads what was above block[later], blank lines included
            entry, block[later] = _move_blank_lines(block[later], entry)
            block.insert(later, entry)
        return
    earlier = [k for k, (s, _, _) in enumerate(block) if s < section]
    if earlier:
        position = earlier[-1] + 1
        entry = _with_lines(entry, [_blank()])
        if position < len(block) and not _blank_prefix(block[position][2]):
            block[position] = _with_lines(block[position], [_blank(), *block[position][2].leading_lines])
        block.insert(position, entry)
    elif block:
        entry, first = _move_blank_lines(block[0], entry)
        block[0] = _with_lines(first, [_blank(), *first[2].leading_lines])
        block.insert(0, entry)
    else:
        block.append(entry)


def _move_blank_lines(following: tuple, entry: tuple) -> tuple[tuple, tuple]:
    """`entry` takes the blank lines above `following`, which goes right below it."""
    lines = list(following[2].leading_lines)
    cut = _blank_prefix(following[2])
    return _with_lines(entry, lines[:cut]), _with_lines(following, lines[cut:])


def _with_lines(entry: tuple, lines: list) -> tuple:
    section, key, statement = entry
    return section, key, statement.with_changes(leading_lines=lines)


def _at_least(statement: cst.CSTNode, blank_lines: int) -> cst.CSTNode:
    """`statement` with at least `blank_lines` blank lines right above it."""
    missing = blank_lines - _blank_prefix(statement)
    if missing <= 0:
        return statement
    return statement.with_changes(leading_lines=[*[_blank()] * missing, *statement.leading_lines])


def _blank_prefix(statement: cst.CSTNode) -> int:
    count = 0
    for line in statement.leading_lines:
        if line.comment is not None:
            break
        count += 1
    return count


def _printed(statement: cst.SimpleStatementLine, module: cst.Module) -> cst.SimpleStatementLine:
    """A ``from`` import as isort prints it: names constants, classes, then the rest, one line,
    or one name per line when longer than the line length. Leading lines are kept."""
    node = statement.body[0]
    if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return statement
    newline, indent = module.default_newline, module.default_indent
    names = [f"{name} as {alias}" if alias else name for name, alias in sorted(_names(statement), key=_name_key)]
    head = f"from {'.' * len(node.relative)}{_module_name(node)} import "
    text = head + ", ".join(names)
    if len(text) > LINE_LENGTH:
        text = head + "(" + newline + "".join(f"{indent}{name},{newline}" for name in names) + ")"
    printed = cst.parse_statement(text + newline, config=module.config_for_parsing)
    return printed.with_changes(leading_lines=statement.leading_lines)


def _name_key(name_alias: tuple[str, str | None]) -> tuple:
    """isort's order by type: CONSTANTS, Classes, then the rest, case-insensitively."""
    name, alias = name_alias
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name, alias or ""


def _module_name(node: cst.ImportFrom) -> str:
    return "" if node.module is None else get_full_name_for_node(node.module) or ""


def _blank() -> cst.EmptyLine:
    return cst.EmptyLine(indent=False)


def _is_import_line(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )


