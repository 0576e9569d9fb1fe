"""All rules over one parsed tree: metadata resolved once, import changes made once at the end."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst
from libcst.metadata import MetadataWrapper

from codemods import RULES
from codemods._base import CodemodCommandInterface, shared_analysis
from codemods._imports import apply_scheduled_imports
from codemods.agent_analysis import ANALYSIS_KEY


class MigrateAgent(CodemodCommandInterface):
    """Run every migrate-agent rule (MA001...) over a module, in order, as one codemod."""

    DESCRIPTION = "Migrate a Model Serving agent module to Databricks Apps (all rules)."

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """Analyse once (the only metadata resolution), run the rules, edit the imports once.

        The tree is wrapped as it is (libcst copies it otherwise): parsing produced it for us.
        A module in which no rule has anything to do comes back as it was.
        """
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        self.context = replace(self.context, wrapper=wrapper)
        self.context.scratch.pop(ANALYSIS_KEY, None)  # this tree's, not an earlier one's
        if not shared_analysis(self.context, "MigrateAgent").has_work:
            return tree
        tree = self.transform_module_impl(wrapper.module)
        return apply_scheduled_imports(tree, self.context)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        shared_analysis(self.context, "MigrateAgent")  # reached through libcst's own driver: made here
        for rule in RULES:
            tree = rule(self.context).transform_module_impl(tree)
        return tree
