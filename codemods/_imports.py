"""Import additions and removals the rules ask for, made in one targeted edit of the module's
top-level statements: no extra walk of the tree, no metadata resolved again.

Rules ask with libcst's ``CodemodCommand`` API (``self.add_needed_import(module, name,
asname=...)``, ``self.remove_unused_import(...)``, ``self.remove_unused_import_by_node(node)``),
which keep the requests under the scratch keys of libcst's ``AddImportsVisitor`` /
``RemoveImportsVisitor``; :func:`apply_scheduled_imports` carries them out:

- **Removals.** An import a rule asked to remove goes when the name it binds is no longer used
  in the rewritten module. Only the statements that mention the name are looked at closely (a
  text search finds them); a name in an annotation string or ``__all__`` counts as a use. A
  statement that keeps other names loses only the removed one; the others stay as written.
- **Additions.** A name the module already imports is not imported again. New statements are
  placed as isort / ruff (default settings) would: in the first block of imports, in the group
  of their section (``__future__``, standard library, third party, first party, relative),
  sorted within it (``import x`` before ``from x import y``, modules case-insensitively, names
  constants / classes / functions), a new group separated by one blank line, lines longer than
  88 characters wrapped one name per line. Existing statements are never rewritten to add a
  name, the module docstring and leading comments stay on top.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import NamedTuple

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods import tree_walk

ADD_KEY = "AddImportsVisitor"  # = libcst.codemod.visitors.AddImportsVisitor.CONTEXT_KEY
REMOVE_KEY = "RemoveImportsVisitor"  # = libcst.codemod.visitors.RemoveImportsVisitor.CONTEXT_KEY
FIRST_PARTY_KEY = "migrate_agent.first_party_modules"  # module roots local to the project
LINE_LENGTH = 88

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)


class ImportRequest(NamedTuple):
    """An import to add; the attributes of libcst's ``ImportItem``, which is accepted too."""

    module_name: str
    obj_name: str | None = None
    alias: str | None = None
    relative: int = 0


# -- scheduling (what CodemodCommand's methods do, without importing libcst.codemod) --------------


def schedule_add(context, module: str, obj: str | None = None, asname: str | None = None, relative: int = 0) -> None:
    if module == "__future__" and obj is None:
        raise ValueError("Cannot import __future__ directly!")
    stripped = module.lstrip(".")
    relative += len(module) - len(stripped)
    context.scratch.setdefault(ADD_KEY, []).append(ImportRequest(stripped, obj, asname, relative))


def schedule_remove(context, module: str, obj: str | None = None, asname: str | None = None) -> None:
    context.scratch.setdefault(REMOVE_KEY, []).append((module, obj, asname))


def schedule_remove_by_node(context, node: cst.CSTNode) -> None:
    """Schedule the removal of every import a name in `node` refers to (`node` is going away).

    `node` belongs to the tree the context's metadata wrapper was built on; its scopes say which
    import statement bound each name.
    """
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        for key in _alias_keys(node, context):
            schedule_remove(context, *key)
        return
    if context.wrapper is None:
        raise ValueError("Cannot look up import, metadata is not computed for node!")
    from libcst.metadata import Assignment, ScopeProvider

    scopes = context.wrapper.resolve(ScopeProvider)
    finder = _NameNodes()
    tree_walk.visit(node, finder)
    for name_node in finder.nodes:
        local_name = get_full_name_for_node(name_node)
        scope = scopes.get(name_node)
        if local_name is None or scope is None:
            continue
        while True:
            for assignment in scope.assignments[name_node] or ():
                statement = assignment.node if isinstance(assignment, Assignment) else None
                if isinstance(statement, (cst.Import, cst.ImportFrom)):
                    for key, bound in zip(_alias_keys(statement, context), _bound_prefixes(statement)):
                        if local_name == bound or local_name.startswith(f"{bound}."):
                            schedule_remove(context, *key)
            if scope is scope.parent:
                break
            scope = scope.parent


class _NameNodes(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.nodes.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.nodes.append(node)


# -- applying -------------------------------------------------------------------------------------


def apply_scheduled_imports(module: cst.Module, context) -> cst.Module:
    """Carry out (and clear) the scheduled additions and removals on `module`."""
    additions = context.scratch.pop(ADD_KEY, None) or []
    removals = context.scratch.pop(REMOVE_KEY, None) or []
    if not additions and not removals:
        return module
    body = list(module.body)
    if removals:
        body = _remove(module, body, removals, context)
    if additions:
        first_party = set(context.scratch.get(FIRST_PARTY_KEY, ()))
        body = _add(module, body, additions, first_party, context)
    return module.with_changes(body=body)


# -- removals -------------------------------------------------------------------------------------


def _remove(module: cst.Module, body: list, removals, context) -> list:
    wanted = {tuple(r) for r in removals}
    drops: dict[tuple[int, int, int], str] = {}  # (statement, small statement, alias) -> bound name
    for i, statement in enumerate(body):
        for j, small in enumerate(_imports_of(statement)):
            if isinstance(small.names, cst.ImportStar):
                continue
            for k, (key, bound) in enumerate(zip(_alias_keys(small, context), _bound_names(small))):
                if key in wanted:
                    drops[(i, j, k)] = bound
    if not drops:
        return body
    used = _names_used(body, set(drops.values()))
    removed = {position for position, name in drops.items() if name not in used}
    if not removed:
        return body
    touched_lines = {key[0] for key in removed}
    new_body: list = []
    carried: list[cst.EmptyLine] | None = None  # leading lines of a statement that went away
    for i, statement in enumerate(body):
        smalls = []
        for j, small in enumerate(_imports_of(statement) or ()):
            keep = [k for k in range(len(small.names)) if (i, j, k) not in removed]
            if len(keep) == len(small.names):
                smalls.append(small)
            elif keep:
                smalls.append(small.with_changes(names=_kept_aliases(small.names, keep)))
        touched = i in touched_lines
        if touched and not smalls and _is_import_line(statement):
            carried = _merge_leading(carried, statement.leading_lines) if carried else list(statement.leading_lines)
            continue
        if touched:
            statement = statement.with_changes(body=[*smalls, *statement.body[len(_imports_of(statement)):]])
        if carried is not None:
            statement = statement.with_changes(leading_lines=_merge_leading(carried, statement.leading_lines))
            carried = None
        new_body.append(statement)
    return new_body


def _kept_aliases(names, keep: list[int]) -> list[cst.ImportAlias]:
    """The aliases at `keep`; the new last one takes the old last one's comma (and whitespace)."""
    kept = [names[k] for k in keep]
    if keep[-1] != len(names) - 1:
        kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
    return kept


def _merge_leading(removed: list, following) -> list:
    """Leading lines for the statement after a removed one: the removed statement's comments
    stay, and the blank lines above the two count once."""
    following = list(following)
    if any(line.comment is not None for line in removed):
        return [*removed, *following]
    blanks = len(removed)
    own = _blank_prefix(following)
    if own >= blanks:
        return following
    return [*removed[: blanks - own], *following]


def _blank_prefix(lines) -> int:
    count = 0
    for line in lines:
        if line.comment is not None:
            break
        count += 1
    return count


_STRING_NAMES = re.compile(r"[\w.\[\]]+(?:(?:, | \| |,)[\w.\[\]]+)*")  # "A", "list[A] | None"


def _names_used(body: list, names: set[str]) -> set[str]:
    """Which of `names` the module still uses, import statements aside."""
    used: set[str] = set()
    for statement in body:
        if _is_import_line(statement):  # binds names, uses none
            continue
        finder = _Uses(names)
        tree_walk.visit(statement, finder)
        used |= finder.found
        if used == names:
            break
    return used


class _Uses(cst.CSTVisitor):
    """Uses of some names: loads and stores of a Name, not attribute names, keywords or import
    aliases; strings that look like an annotation or an `__all__` entry count too."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        tree_walk.visit(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        tree_walk.visit(node.value, self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        for part in (node.annotation, node.default):
            if part is not None:
                tree_walk.visit(part, self)
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        text = node.raw_value.strip()
        if _STRING_NAMES.fullmatch(text):
            self.found |= set(re.findall(r"[A-Za-z_]\w*", text)) & self.names


# -- additions ------------------------------------------------------------------------------------


@dataclass
class _Entry:
    """One import statement of the block being sorted: its isort section and sort key."""

    section: int
    key: tuple
    node: cst.SimpleStatementLine


def _add(module: cst.Module, body: list, additions, first_party: set[str], context) -> list:
    present = _present_imports(body, context)
    straight: dict[tuple, None] = {}
    plain_from: dict[tuple[int, str], dict[str, None]] = {}
    aliased_from: dict[tuple, None] = {}
    for item in additions:
        name, obj, alias, level = item.module_name or "", item.obj_name, item.alias, item.relative
        if level and obj is None:  # `import ..a` means `from .. import a`
            name, obj = "", name
        if not level and name and name == context.full_module_name:
            continue
        if obj is None:
            if ("import", name, alias) not in present:
                straight[(name, alias)] = None
        elif ("from", level, name, obj, alias) not in present and ("star", level, name) not in present:
            if alias is None or alias == obj:
                plain_from.setdefault((level, name), {})[obj] = None
            else:
                aliased_from[(level, name, obj, alias)] = None
    new: list[_Entry] = []
    for name, alias in straight:
        text = f"import {name}" + (f" as {alias}" if alias else "")
        new.append(_Entry(_section(name, 0, first_party), _straight_key(name, alias), _parse(text, module)))
    for (level, name), objs in plain_from.items():
        members = sorted(objs, key=_member_key)
        text = _from_text(level, name, members, module.default_indent, module.default_newline)
        new.append(_Entry(_section(name, level, first_party), _from_key(level, name, members[0], None), _parse(text, module)))
    for level, name, obj, alias in aliased_from:
        text = _from_text(level, name, [f"{obj} as {alias}"], module.default_indent, module.default_newline)
        new.append(_Entry(_section(name, level, first_party), _from_key(level, name, obj, alias), _parse(text, module)))
    if not new:
        return body
    return _place(body, sorted(new, key=lambda e: (e.section, e.key)), first_party)


def _place(body: list, new: list[_Entry], first_party: set[str]) -> list:
    start = next((i for i, s in enumerate(body) if _is_import_line(s)), None)
    if start is None:
        return _place_without_block(body, new)
    end = start
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    block = [_Entry(*_classify(s, first_party), s) for s in body[start:end]]
    for entry in new:
        same = [k for k, e in enumerate(block) if e.section == entry.section]
        if same:
            later = next((k for k in same if block[k].key > entry.key), None)
            if later is None:
                block.insert(same[-1] + 1, entry)
            else:
                _take_blank_prefix(entry, block[later], whole=start == 0 and later == 0)
                block.insert(later, entry)
            continue
        earlier = [k for k, e in enumerate(block) if e.section < entry.section]
        if earlier:
            position = earlier[-1] + 1
            entry.node = entry.node.with_changes(leading_lines=[_blank()])
            if position < len(block) and _blank_prefix(block[position].node.leading_lines) == 0:
                following = block[position]
                following.node = following.node.with_changes(
                    leading_lines=[_blank(), *following.node.leading_lines]
                )
            block.insert(position, entry)
        else:
            first = block[0]
            _take_blank_prefix(entry, first, whole=start == 0)
            first.node = first.node.with_changes(leading_lines=[_blank(), *first.node.leading_lines])
            block.insert(0, entry)
    return [*body[:start], *(e.node for e in block), *body[end:]]


def _place_without_block(body: list, new: list[_Entry]) -> list:
    """A module without imports: the new ones go after the docstring, groups apart."""
    position = 1 if body and _is_docstring(body[0]) else 0
    nodes = []
    for n, entry in enumerate(new):
        node = entry.node
        if n == 0 and position == 0 and body:  # comments atop the file stay atop
            lines = list(body[0].leading_lines)
            if any(line.comment is not None for line in lines):
                node = node.with_changes(leading_lines=lines)
        elif n == 0 and position == 1:
            node = node.with_changes(leading_lines=[_blank()])
        elif n > 0 and new[n - 1].section != entry.section:
            node = node.with_changes(leading_lines=[_blank()])
        nodes.append(node)
    rest = list(body[position:])
    if rest:
        first = rest[0]
        lines = list(first.leading_lines) if position else [
            line for line in first.leading_lines if line.comment is None
        ]
        wanted = 2 if isinstance(first, (cst.ClassDef, cst.FunctionDef)) else 1
        missing = wanted - _blank_prefix(lines)
        rest[0] = first.with_changes(leading_lines=[*([_blank()] * max(0, missing)), *lines])
    return [*body[:position], *nodes, *rest]


def _take_blank_prefix(entry: _Entry, following: _Entry, whole: bool) -> None:
    """`entry` goes right above `following`: it takes the blank lines above `following` (all
    its leading lines when `following` is the module's first statement: file header comments)."""
    lines = list(following.node.leading_lines)
    cut = len(lines) if whole else _blank_prefix(lines)
    entry.node = entry.node.with_changes(leading_lines=lines[:cut])
    following.node = following.node.with_changes(leading_lines=lines[cut:])


def _blank() -> cst.EmptyLine:
    return cst.EmptyLine(indent=False)


def _parse(text: str, module: cst.Module) -> cst.SimpleStatementLine:
    return cst.parse_statement(text + module.default_newline, config=module.config_for_parsing)


def _from_text(level: int, name: str, members: list[str], indent: str, newline: str) -> str:
    head = f"from {'.' * level}{name} import "
    one_line = head + ", ".join(members)
    if len(one_line) <= LINE_LENGTH:
        return one_line
    return head + "(" + newline + "".join(f"{indent}{m},{newline}" for m in members) + ")"


# -- classification and order (isort / ruff defaults) --------------------------------------------


def _section(name: str, level: int, first_party: set[str]) -> int:
    if level:
        return LOCAL
    root = name.split(".")[0]
    if root == "__future__":
        return FUTURE
    if root in sys.stdlib_module_names:
        return STDLIB
    if root in first_party:
        return FIRST_PARTY
    return THIRD_PARTY


def _member_key(name: str) -> tuple:
    """Constants, then classes, then the rest; case-insensitive within each (order-by-type)."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (kind, name.lower(), name)


def _straight_key(name: str, alias: str | None) -> tuple:
    return (0, 0, name.lower(), name, (), alias or "")


def _from_key(level: int, name: str, first_member: str, alias: str | None) -> tuple:
    return (1, -level, name.lower(), name, _member_key(first_member), alias or "")


def _classify(statement: cst.SimpleStatementLine, first_party: set[str]) -> tuple[int, tuple]:
    node = statement.body[0]
    if isinstance(node, cst.Import):
        alias = node.names[0]
        name = get_full_name_for_node(alias.name) or ""
        asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
        return _section(name, 0, first_party), _straight_key(name, asname)
    level = len(node.relative)
    name = get_full_name_for_node(node.module) if node.module is not None else ""
    if isinstance(node.names, cst.ImportStar):
        first, alias = "*", None
    else:
        first, alias = node.names[0].evaluated_name, node.names[0].evaluated_alias
    return _section(name or "", level, first_party), _from_key(level, name or "", first, alias)


# -- reading import statements --------------------------------------------------------------------


def _imports_of(statement) -> list:
    """The leading import small statements of a simple statement line (usually all of it)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    found = []
    for small in statement.body:
        if not isinstance(small, (cst.Import, cst.ImportFrom)):
            break
        found.append(small)
    return found


def _is_import_line(statement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _module_of(node: cst.ImportFrom, context) -> str:
    name = get_full_name_for_node(node.module) if node.module is not None else ""
    level = len(node.relative)
    if not level:
        return name or ""
    package = getattr(context, "full_package_name", None)
    if package:
        from libcst.helpers import get_absolute_module_from_package_for_import

        absolute = get_absolute_module_from_package_for_import(package, node)
        if absolute:
            return absolute
    return "." * level + (name or "")


def _alias_keys(node, context) -> list[tuple]:
    """(module, name, asname) of each alias, as removals are scheduled."""
    if isinstance(node, cst.Import):
        return [(alias.evaluated_name, None, alias.evaluated_alias) for alias in node.names]
    if isinstance(node.names, cst.ImportStar):
        return []
    module = _module_of(node, context)
    return [(module, alias.evaluated_name, alias.evaluated_alias) for alias in node.names]


def _bound_prefixes(node) -> list[str]:
    """What each alias makes available: `a.b` for `import a.b`, else the bound name."""
    if isinstance(node, cst.Import):
        return [alias.evaluated_alias or alias.evaluated_name for alias in node.names]
    if isinstance(node.names, cst.ImportStar):
        return []
    return [alias.evaluated_alias or alias.evaluated_name for alias in node.names]


def _bound_names(node) -> list[str]:
    """The name each alias binds in the module (`a` for `import a.b`)."""
    if isinstance(node, cst.Import):
        return [alias.evaluated_alias or alias.evaluated_name.split(".")[0] for alias in node.names]
    return [alias.evaluated_alias or alias.evaluated_name for alias in node.names]


def _present_imports(body: list, context) -> set[tuple]:
    present: set[tuple] = set()
    for statement in body:
        for small in _imports_of(statement):
            if isinstance(small, cst.Import):
                for alias in small.names:
                    present.add(("import", alias.evaluated_name, alias.evaluated_alias))
                continue
            level = len(small.relative)
            name = get_full_name_for_node(small.module) if small.module is not None else ""
            if isinstance(small.names, cst.ImportStar):
                present.add(("star", level, name or ""))
                continue
            for alias in small.names:
                asname = alias.evaluated_alias
                present.add(("from", level, name or "", alias.evaluated_name, asname))
                if asname == alias.evaluated_name:
                    present.add(("from", level, name or "", alias.evaluated_name, None))
    return present
