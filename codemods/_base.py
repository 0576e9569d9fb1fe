"""What every migrate-agent rule shares: its id, the shared analysis, TODO markers, manual steps.

A rule is a libcst codemod: a ``CodemodCommand`` that transforms as a ``CSTTransformer``, so
``python -m libcst.tool codemod`` and ``CodemodTest`` run it. It asks for imports with libcst's ``add_needed_import`` /
``remove_unused_import`` / ``remove_unused_import_by_node``; libcst's ``AddImportsVisitor`` and
``RemoveImportsVisitor`` make those changes after the transform, and
:func:`codemods._import_groups.group_new_imports` then moves each new statement into its isort
group.

Run alone, a rule analyses the module itself; run by :class:`codemods.migrate.MigrateAgent`, the
analysis was made once for all rules, with metadata resolved once, and sits in
``context.scratch``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Iterator

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods._import_groups import group_new_imports, head_end, top_imports
from codemods.analysis.agent_analysis import ANALYSIS_KEY, ModuleAnalysis, analyze_module
from codemods.analysis.model_context import MODEL_CONTEXT_KEY
from codemods.analysis.package_layout import LAYOUT_KEY, ModuleLayout
from codemods.analysis.project_classes import FACTS_KEY
from codemods.analysis.syntax import find_all

MANUAL_STEPS_KEY = "migrate_agent.manual_steps"
EDITS_KEY = "migrate_agent.edits"
TODO_PREFIX = "# TODO(migrate-agent): "
# A marker the user acknowledged: TODO changed to ACK, the rest of the line kept. It is not a
# manual step any more, and no TODO is added again above it.
ACK_PREFIX = "# ACK(migrate-agent): "
# Modules migrate-agent generates next to the agent (first party for import sorting): the
# runtime helpers every migrated agent imports, and the adapters of legacy agent types.
RUNTIME_MODULE = "agent_server_utils"
LEGACY_RUNTIME_MODULE = "legacy_agent_adapters"
GENERATED_MODULES = frozenset({RUNTIME_MODULE, LEGACY_RUNTIME_MODULE})
# Scratch key of the project's top-level module names (first party for import grouping).
FIRST_PARTY_KEY = "migrate_agent.first_party_modules"
# Scratch key set by a caller whose tree was parsed for this run and is held by no one else: its
# metadata is resolved on it, without MetadataWrapper's defensive deep copy.
FRESH_TREE_KEY = "migrate_agent.fresh_tree"
# Scratch key of (scope, code) of the nodes passed to remove_unused_import_by_node.
REMOVAL_SEEN_KEY = "migrate_agent.removal_seen"
# Scratch key of the rule ids selected to run (`--select` / `--ignore`); absent: every rule.
ENABLED_RULES_KEY = "migrate_agent.enabled_rules"
# Scratch key of the MetadataWrapper the rules' analysis was made on (its module is the tree
# the transform started from).
WRAPPER_KEY = "migrate_agent.wrapper"


def acknowledged_form(marker: str) -> str:
    return ACK_PREFIX + marker[len(TODO_PREFIX):] if marker.startswith(TODO_PREFIX) else marker


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A manual step a rule found; `marker` is the TODO comment text it placed (or found)."""

    rule: str
    message: str
    marker: str


def todo_comment(rule: str, message: str) -> str:
    return f"{TODO_PREFIX}[{rule}] {message}"


def with_todo(
    statement: cst.CSTNode, rule: str, message: str, above: Sequence[cst.EmptyLine] = ()
) -> cst.CSTNode:
    """`statement` with a TODO marker line above it, unless that exact marker (or its
    acknowledged form) is there already: in its leading lines, or in `above`, the lines right
    above it that it does not own (libcst keeps those of a module's first statement in
    `Module.header`)."""
    text = todo_comment(rule, message)
    lines = list(getattr(statement, "leading_lines", ()))
    present = {text, acknowledged_form(text)}
    if any(line.comment is not None and line.comment.value in present for line in (*above, *lines)):
        return statement
    marker = cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=cst.Comment(text))
    return statement.with_changes(leading_lines=[*lines, marker])


def with_blank_lines(statement: cst.CSTNode, count: int = 2) -> cst.CSTNode:
    """`statement` preceded by at least `count` blank lines (PEP 8 around top-level defs)."""
    lines = list(statement.leading_lines)
    blanks = 0
    for line in lines:
        if line.comment is not None:
            break
        blanks += 1
    if blanks >= count:
        return statement
    padding = [cst.EmptyLine(indent=False)] * (count - blanks)
    return statement.with_changes(leading_lines=[*padding, *lines])


def shared_analysis(context: CodemodContext, who: str) -> ModuleAnalysis:
    """The module's analysis in `context.scratch`, made on its metadata wrapper if no one has
    (a rule or MigrateAgent run on its own by libcst's tool); `who` is named if there is none."""
    scratch = context.scratch
    if ANALYSIS_KEY not in scratch:
        if context.wrapper is None:
            raise RuntimeError(f"{who} needs the module's metadata wrapper")
        scratch[ANALYSIS_KEY] = analyze_module(
            context.wrapper, scratch.get(FACTS_KEY), scratch.get(MODEL_CONTEXT_KEY), scratch.get(ENABLED_RULES_KEY)
        )
    return scratch[ANALYSIS_KEY]


class GroupsNewImports:
    """For a libcst ``CodemodCommand``: its transform, then libcst's ``AddImportsVisitor`` and
    ``RemoveImportsVisitor``, then the placement of the import statements it added in their
    isort groups.

    What ``CodemodCommand.transform_module`` does, with two differences. A tree the caller
    parsed for this run alone (``FRESH_TREE_KEY`` in the scratch) gets its metadata without the
    deep copy ``MetadataWrapper`` makes by default; the import visitors run on the tree the
    transform built, which shares no node with itself, so they resolve what they need on it
    without a copy too (``AddImportsVisitor`` needs no metadata at all). Each visitor runs only
    when an import was scheduled for it. The wrapper of the analysed tree stays in the scratch
    (``WRAPPER_KEY``) for readers of the same tree."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def transform_module(self, tree: cst.Module) -> cst.Module:
        scratch = self.context.scratch
        scratch.pop(ANALYSIS_KEY, None)  # this tree's, not an earlier one's
        scratch.pop(REMOVAL_SEEN_KEY, None)
        before = top_imports(tree)
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=bool(scratch.pop(FRESH_TREE_KEY, False)))
        scratch[WRAPPER_KEY] = wrapper
        outer = self.context.wrapper
        with _recursion_room(len(tree.body)):
            with self.resolve(wrapper):
                self.context = replace(self.context, wrapper=wrapper)
                try:
                    tree = self.transform_module_impl(wrapper.module)
                finally:
                    self.context = replace(self.context, wrapper=outer)
            tree = run_import_visitors(self.context, tree)
        original = wrapper.module
        tree = relative_generated_imports(tree, before, self.context)
        first_party = {*scratch.get(FIRST_PARTY_KEY, ()), *GENERATED_MODULES}
        return _starts_as_before(group_new_imports(tree, before, first_party), original)


def _starts_as_before(tree: cst.Module, original: cst.Module) -> cst.Module:
    """A module that began with a statement still does: when its first statement (`import mlflow`)
    was removed, the blank lines that separated the next one from it go too."""
    if original.header or not original.body or not tree.body or tree.header:
        return tree
    first = tree.body[0]
    if getattr(original.body[0], "leading_lines", ()) or not getattr(first, "leading_lines", ()):
        return tree
    if any(line.comment is not None for line in first.leading_lines):
        return tree
    return tree.with_changes(body=[first.with_changes(leading_lines=()), *tree.body[1:]])


def run_import_visitors(context: CodemodContext, tree: cst.Module) -> cst.Module:
    """libcst's AddImportsVisitor, then RemoveImportsVisitor, each only if something was
    scheduled for it in `context`, on `tree` itself: a tree our transforms built, in which no
    node appears twice but blank lines of padding (no names, no scope), so it needs no copy."""
    scratch = context.scratch
    if scratch.get(AddImportsVisitor.CONTEXT_KEY):
        tree = _add_imports(context, tree)
    if scratch.get(RemoveImportsVisitor.CONTEXT_KEY):
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        tree = wrapper.visit(RemoveImportsVisitor(replace(context, wrapper=wrapper)))
    return tree


def _add_imports(context: CodemodContext, tree: cst.Module) -> cst.Module:
    """libcst's AddImportsVisitor on the head of `tree` (its docstring or ``__strict__`` flag,
    its top import block and the statement after it), the rest put back as it was.

    The visitor reads and changes only that block, by its documented contract: it adds imports
    after the imports that come before any other statement and merges names into a ``from``
    import of that block only; a module of the head alone is therefore changed exactly as the
    whole module would be, without walking every node of a large file."""
    end = head_end(tree)
    head = tree.with_changes(body=tree.body[:end]).visit(AddImportsVisitor(context))  # no metadata
    return head.with_changes(body=[*head.body, *tree.body[end:]])


def generated_import(context: CodemodContext, module: str) -> tuple[str, int]:
    """(module, relative level) under which the file being migrated imports the generated
    `module` (RUNTIME_MODULE...), written beside it: the way it imports its own siblings
    (codemods.analysis.package_layout; top-level when no layout was given)."""
    layout = context.scratch.get(LAYOUT_KEY) or ModuleLayout()
    return layout.generated(module)


def relative_generated_imports(tree: cst.Module, before, context: CodemodContext) -> cst.Module:
    """libcst's AddImportsVisitor makes a relative import absolute against the file's package
    (`.agent_server_utils` in `pkg/agent.py` is written `from pkg.agent_server_utils import`, and
    an existing `from .agent_server_utils import` is recognised as that module): each new
    statement importing a generated module of a file that imports it relatively is put back in
    the relative form it was asked in."""
    layout = context.scratch.get(LAYOUT_KEY)
    package = context.full_package_name
    if layout is None or not package or layout.generated(RUNTIME_MODULE)[1] == 0:
        return tree
    absolute = {f"{package}.{name}": name for name in GENERATED_MODULES}
    old = {key for existing in before for key in existing.keys}
    body = list(tree.body)
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        node = statement.body[0]
        if not isinstance(node, cst.ImportFrom) or node.relative or node.module is None:
            continue
        name = absolute.get(get_full_name_for_node(node.module) or "")
        if name is None or ("from", 0, get_full_name_for_node(node.module)) in old:
            continue
        body[index] = statement.with_changes(
            body=[node.with_changes(relative=[cst.Dot()], module=cst.Name(name))]
        )
    return tree.with_changes(body=body)


@contextmanager
def _recursion_room(statements: int) -> Iterator[None]:
    """Room on the stack for libcst's AddImportsVisitor (libcst 1.x, pinned <2): it matches the
    module's body with ``m.ZeroOrMore()``, a sequence matcher that recurses once per top-level
    statement, so a module of ~1,000 statements exceeds Python's default recursion limit
    (tests/test_scaling.py). The limit is raised by that much while the codemod runs."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 2 * statements)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


class MigrationRule(GroupsNewImports, CodemodCommand, cst.CSTTransformer):
    """Base of every rule. Subclasses set RULE_ID and a docstring (their help text), and
    transform with visit_* / leave_* methods (``tree.visit(self)``, libcst's own dispatch).

    A ``CodemodCommand`` that is a plain ``CSTTransformer``: what ``VisitorBasedCodemodCommand``
    is without its matcher decorators, which no rule uses and which cost a scan of the class at
    each instantiation and a check at each node visited."""

    RULE_ID = "MA000"

    def __init__(self, context: CodemodContext) -> None:
        CodemodCommand.__init__(self, context)
        cst.CSTTransformer.__init__(self)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        return tree.visit(self)

    @property
    def analysis(self) -> ModuleAnalysis:
        return shared_analysis(self.context, self.RULE_ID)

    def remove_unused_import_by_node(self, node: cst.CSTNode) -> None:
        """libcst's; where it meets a name bound by a relative import it cannot make absolute (a
        file with no package), name by name: that import stays, the others still go.

        libcst builds a visitor per call (a matcher-decoratable one, whose set-up costs more than
        the lookup); a node whose code and scope are those of a node already passed schedules
        what that one scheduled (the imports its names resolve to in that scope), so it is
        passed once (a module building a user client in 200 places)."""
        wrapper = self.context.wrapper
        if wrapper is not None:
            scope = wrapper.resolve(ScopeProvider).get(node)
            if scope is not None:
                seen = self.context.scratch.setdefault(REMOVAL_SEEN_KEY, set())
                key = (id(scope), wrapper.module.code_for_node(node))
                if key in seen:
                    return
                seen.add(key)
        try:
            super().remove_unused_import_by_node(node)
        except ValueError:  # "Cannot look up absolute module from relative import!"
            for name in find_all(node, (cst.Name, cst.Attribute)):
                try:
                    super().remove_unused_import_by_node(name)
                except ValueError:
                    continue

    def add_generated_import(self, module: str, name: str) -> None:
        """Import `name` from the generated `module` (RUNTIME_MODULE...) written beside this file,
        as the file imports its siblings (see :func:`generated_import`)."""
        target, level = generated_import(self.context, module)
        self.add_needed_import(target, name, relative=level)

    def report(self, message: str) -> Finding:
        """Record a manual step; the caller places `finding.marker` with :func:`with_todo`."""
        finding = Finding(rule=self.RULE_ID, message=message, marker=todo_comment(self.RULE_ID, message))
        self.context.scratch.setdefault(MANUAL_STEPS_KEY, []).append(finding)
        return finding

    def mark(self, statement: cst.CSTNode, message: str) -> cst.CSTNode:
        self.report(message)
        return with_todo(statement, self.RULE_ID, message)

    def mark_in(self, body: list, index: int | None, message: str) -> None:
        """Mark the statement at `index` of the module's `body` (changed in place); a class not
        at module level (no index) only reports the step."""
        if index is None:
            self.report(message)
        else:
            body[index] = self.mark(body[index], message)

    def note_edit(self, text: str) -> None:
        self.context.scratch.setdefault(EDITS_KEY, []).append(f"{self.RULE_ID}: {text}")
