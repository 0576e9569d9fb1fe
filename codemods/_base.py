"""What every migrate-agent rule shares: its id, the shared analysis, TODO markers, manual steps.

A rule is a libcst codemod command: it has libcst's ``CodemodCommand`` interface (a context,
``transform_module``, ``add_needed_import`` / ``remove_unused_import`` /
``remove_unused_import_by_node``, ``add_args``, ``DESCRIPTION``) and is registered as one, so
``python -m libcst.tool codemod`` and ``CodemodTest`` run it. It does not inherit libcst's
class: importing ``libcst.codemod`` imports ``libcst.matchers`` (~0.15 s, more than parsing a
typical agent with its metadata), which migrate-agent's own runs skip. Import changes are made
by :mod:`codemods._imports` in one edit of the module's import block (no re-walk of the tree).

Run alone, a rule analyses the module itself; run by migrate-agent's engine, the analysis was
computed once for all rules, with metadata resolved once, and sits in ``context.scratch``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods import tree_walk
from codemods._imports import (
    FIRST_PARTY_KEY,
    apply_scheduled_imports,
    schedule_add,
    schedule_remove,
    schedule_remove_by_node,
)
from codemods.agent_analysis import ANALYSIS_KEY, ModuleAnalysis, analyze_module
from codemods.project_classes import FACTS_KEY
from codemods.model_context import MODEL_CONTEXT_KEY

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


def acknowledged_form(marker: str) -> str:
    return ACK_PREFIX + marker[len(TODO_PREFIX):] if marker.startswith(TODO_PREFIX) else marker


class Finding(NamedTuple):
    """A manual step a rule found; `marker` is the TODO comment text it placed (or found)."""

    rule: str
    message: str
    marker: str


def todo_comment(rule: str, message: str) -> str:
    return f"{TODO_PREFIX}[{rule}] {message}"


def with_todo(statement: cst.CSTNode, rule: str, message: str) -> cst.CSTNode:
    """`statement` with a TODO marker line above it, unless that exact marker (or its
    acknowledged form) is there already."""
    text = todo_comment(rule, message)
    lines = list(getattr(statement, "leading_lines", ()))
    present = {text, acknowledged_form(text)}
    if any(line.comment is not None and line.comment.value in present for line in lines):
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


class _PlainWalker(cst.CSTTransformer):
    """Walks a tree calling a rule's visit_*/leave_* methods, without the matcher-decorator
    dispatch every libcst codemod command pays per node (none of our rules uses matcher
    decorators; that dispatch was most of a rule's cost)."""

    def __init__(self, rule: cst.CSTTransformer) -> None:
        super().__init__()
        self._rule = rule
        self.descend: set[int] | None = None  # ids of the nodes whose children are visited

    def on_visit(self, node: cst.CSTNode) -> bool:
        go_on = getattr(self._rule, f"visit_{type(node).__name__}")(node) is not False
        return go_on and (self.descend is None or id(node) in self.descend)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        return getattr(self._rule, f"leave_{type(original_node).__name__}")(original_node, updated_node)


def _on_paths_to(tree: cst.CSTNode, wanted) -> set[int]:
    """Ids of the nodes under `tree` that `wanted` accepts, and of every node holding one."""
    nodes, ends = tree_walk.preorder(tree)
    marked: set[int] = set()
    holding: list[int] = []  # indices of the nodes whose subtree holds the current one
    for index, node in enumerate(nodes):
        while holding and ends[holding[-1]] <= index:
            holding.pop()
        if wanted(node):
            marked.add(id(node))
            for outer in reversed(holding):
                if id(nodes[outer]) in marked:
                    break  # it and everything above it are marked already
                marked.add(id(nodes[outer]))
        holding.append(index)
    return marked


def shared_analysis(context, who: str) -> ModuleAnalysis:
    """The module's analysis in `context.scratch`, made on its metadata wrapper if no one has
    (a rule or MigrateAgent run on its own by libcst's tool); `who` is named if there is none."""
    scratch = context.scratch
    if ANALYSIS_KEY not in scratch:
        if context.wrapper is None:
            raise RuntimeError(f"{who} needs the module's metadata wrapper")
        scratch[ANALYSIS_KEY] = analyze_module(
            context.wrapper, scratch.get(FACTS_KEY), scratch.get(MODEL_CONTEXT_KEY)
        )
    return scratch[ANALYSIS_KEY]


class CodemodCommandInterface(cst.CSTTransformer):
    """libcst's ``CodemodCommand`` interface, as a transformer, without ``libcst.codemod``."""

    DESCRIPTION = ""
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def __init__(self, context, **kwargs) -> None:
        super().__init__()
        self.context = context
        self.context.scratch.update(kwargs)

    @staticmethod
    def add_args(arg_parser) -> None:
        """No command-line arguments."""

    def should_allow_multiple_passes(self) -> bool:
        return False

    def warn(self, warning: str) -> None:
        self.context.warnings.append(warning)

    @property
    def module(self) -> cst.Module:
        module = self.context.module
        if module is None:
            raise ValueError(f"{type(self).__name__}.module is only known during transform_module()")
        return module

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """Run the rule on `tree` with its metadata, then make the import changes it asked for.

        The tree is wrapped as it is (no deep copy): transforms never change a node in place.
        """
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        self.context = replace(self.context, wrapper=wrapper)
        with self.resolve(wrapper):
            tree = self.transform_module_impl(wrapper.module)
        return apply_scheduled_imports(tree, self.context)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        raise NotImplementedError

    def add_needed_import(
        self, module: str, obj: str | None = None, asname: str | None = None, relative: int = 0
    ) -> None:
        if module.split(".")[0] in GENERATED_MODULES:  # grouped with the project's own imports
            self.context.scratch.setdefault(FIRST_PARTY_KEY, set()).add(module.split(".")[0])
        schedule_add(self.context, module, obj, asname, relative)

    def remove_unused_import(self, module: str, obj: str | None = None, asname: str | None = None) -> None:
        schedule_remove(self.context, module, obj, asname)

    def remove_unused_import_by_node(self, node: cst.CSTNode) -> None:
        schedule_remove_by_node(self.context, node)


class MigrationRule(CodemodCommandInterface):
    """Base of every rule. Subclasses set RULE_ID and a docstring (their help text).

    Rules walk with :meth:`walk` (plain visit_*/leave_* dispatch); matcher decorators
    (@m.visit / @m.leave) are not supported, and ``libcst.matchers`` is best left unimported
    (see the module docstring).
    """

    RULE_ID = "MA000"

    @property
    def analysis(self) -> ModuleAnalysis:
        return shared_analysis(self.context, self.RULE_ID)

    def walk(self, node: cst.CSTNode, wanted=None) -> cst.CSTNode:
        """Visit `node` with this rule's visit_*/leave_* methods.

        `wanted`, a test of a node, says which nodes the rule may change: then only the nodes on
        the way down to those are visited with their children (libcst rebuilds every node it
        descends into); elsewhere a node's own visit_/leave_ methods run, its children are left
        as they are. Without any wanted node, `node` comes back as it was."""
        walker = _PlainWalker(self)
        if wanted is not None:
            walker.descend = _on_paths_to(node, wanted)
            if not walker.descend:
                return node
        return node.visit(walker)

    def report(self, message: str) -> Finding:
        """Record a manual step; the caller places `finding.marker` with :func:`with_todo`."""
        finding = Finding(self.RULE_ID, message, todo_comment(self.RULE_ID, message))
        self.context.scratch.setdefault(MANUAL_STEPS_KEY, []).append(finding)
        return finding

    def mark(self, statement: cst.CSTNode, message: str) -> cst.CSTNode:
        self.report(message)
        return with_todo(statement, self.RULE_ID, message)

    def note_edit(self, text: str) -> None:
        self.context.scratch.setdefault(EDITS_KEY, []).append(f"{self.RULE_ID}: {text}")


def register_with_libcst() -> None:
    """Make the rules subclasses of libcst's CodemodCommand for libcst's own tools (its `list`
    command and runner check that), once ``libcst.codemod`` is loaded: the tool loads it first."""
    codemod = sys.modules.get("libcst.codemod")
    if codemod is not None and not issubclass(CodemodCommandInterface, codemod.CodemodCommand):
        codemod.CodemodCommand.register(CodemodCommandInterface)


register_with_libcst()
