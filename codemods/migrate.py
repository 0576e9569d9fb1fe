"""All rules over one parsed tree: metadata resolved once, imports changed once at the end."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst
from libcst.codemod import CodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods import RULES
from codemods.agent_analysis import ANALYSIS_KEY, analyze_module
from codemods.project_classes import FACTS_KEY
from codemods.model_context import MODEL_CONTEXT_KEY


class MigrateAgent(CodemodCommand):
    """Run every migrate-agent rule (MA001...) over a module, in order, as one codemod."""

    DESCRIPTION = "Migrate a Model Serving agent module to Databricks Apps (all rules)."
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """As CodemodCommand.transform_module, without its deep copies of the tree.

        The tree is wrapped as it is (libcst copies it otherwise, once per wrap): parsing
        produced it for us alone. Metadata is resolved once for the analysis, and once more
        for each import pass that has work, on the rewritten tree.
        """
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        self.context = replace(self.context, wrapper=wrapper)
        analysis = analyze_module(
            wrapper, self.context.scratch.get(FACTS_KEY), self.context.scratch.get(MODEL_CONTEXT_KEY)
        )
        self.context.scratch[ANALYSIS_KEY] = analysis
        if not analysis.has_work:
            return tree
        tree = self.transform_module_impl(wrapper.module)
        for visitor in (AddImportsVisitor, RemoveImportsVisitor):
            if self.context.scratch.get(visitor.CONTEXT_KEY):
                tree = _run_on(visitor, self.context, tree)
        return tree

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        if ANALYSIS_KEY not in self.context.scratch:  # reached through libcst's own driver
            self.context.scratch[ANALYSIS_KEY] = analyze_module(
                self.context.wrapper,
                self.context.scratch.get(FACTS_KEY),
                self.context.scratch.get(MODEL_CONTEXT_KEY),
            )
        for rule in RULES:
            tree = rule(self.context).transform_module_impl(tree)
        return tree


def _run_on(visitor_class, context, tree: cst.Module) -> cst.Module:
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    visitor = visitor_class(replace(context, wrapper=wrapper))
    return wrapper.visit(visitor)
