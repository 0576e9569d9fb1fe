"""What every migrate-agent rule shares: its id, the shared analysis, TODO markers, manual steps.

A rule is a libcst ``VisitorBasedCodemodCommand``. Run alone (``python -m libcst.tool codemod``)
it analyses the module itself; run by migrate-agent's engine, the analysis was computed once for
all rules, with metadata resolved once, and sits in ``context.scratch``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods.agent_analysis import ANALYSIS_KEY, ModuleAnalysis, analyze_module
from codemods.project_classes import FACTS_KEY
from codemods.model_context import MODEL_CONTEXT_KEY

MANUAL_STEPS_KEY = "migrate_agent.manual_steps"
EDITS_KEY = "migrate_agent.edits"
TODO_PREFIX = "# TODO(migrate-agent): "
# A marker the user acknowledged: TODO changed to ACK, the rest of the line kept. It is not a
# manual step any more, and no TODO is added again above it.
ACK_PREFIX = "# ACK(migrate-agent): "


def acknowledged_form(marker: str) -> str:
    return ACK_PREFIX + marker[len(TODO_PREFIX):] if marker.startswith(TODO_PREFIX) else marker


@dataclass(frozen=True)
class Finding:
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

    def on_visit(self, node: cst.CSTNode) -> bool:
        return getattr(self._rule, f"visit_{type(node).__name__}")(node) is not False

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        return getattr(self._rule, f"leave_{type(original_node).__name__}")(original_node, updated_node)


class MigrationRule(VisitorBasedCodemodCommand):
    """Base of every rule. Subclasses set RULE_ID and a docstring (their help text)."""

    RULE_ID = "MA000"
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def __init__(self, context: CodemodContext) -> None:
        # Rules walk with _PlainWalker and never use matcher decorators (@m.visit/@m.leave), so
        # the constructor skips MatcherDecoratableTransformer's scan of ~1,000 methods, which
        # cost more than running a rule. Do not add matcher decorators to a rule.
        Codemod.__init__(self, context)
        cst.CSTTransformer.__init__(self)

    @property
    def analysis(self) -> ModuleAnalysis:
        scratch = self.context.scratch
        if ANALYSIS_KEY not in scratch:  # run on its own: analyse the tree libcst wrapped for us
            wrapper = self.context.wrapper
            if wrapper is None:
                raise RuntimeError(f"{self.RULE_ID} needs the module's metadata wrapper")
            scratch[ANALYSIS_KEY] = analyze_module(
                wrapper, scratch.get(FACTS_KEY), scratch.get(MODEL_CONTEXT_KEY)
            )
        return scratch[ANALYSIS_KEY]

    def walk(self, node: cst.CSTNode) -> cst.CSTNode:
        """Visit `node` with this rule's visit_*/leave_* methods."""
        return node.visit(_PlainWalker(self))

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
