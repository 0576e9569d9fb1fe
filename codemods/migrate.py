"""All rules over one parsed tree: metadata resolved once, imports changed once at the end."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodCommand
from libcst.metadata import PositionProvider, QualifiedNameProvider, ScopeProvider

from codemods import RULES
from codemods.agent_analysis import ANALYSIS_KEY, analyze_module


class MigrateAgent(CodemodCommand):
    """Run every migrate-agent rule (MA001...) over a module, in order, as one codemod."""

    DESCRIPTION = "Migrate a Model Serving agent module to Databricks Apps (all rules)."
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, PositionProvider)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        # CodemodCommand.transform_module wrapped `tree` and resolved our dependencies: the
        # analysis reuses that resolution, and AddImports/RemoveImports run once afterwards.
        self.context.scratch[ANALYSIS_KEY] = analyze_module(self.context.wrapper)
        for rule in RULES:
            tree = rule(self.context).transform_module_impl(tree)
        return tree
