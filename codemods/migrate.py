"""All rules over one parsed tree: metadata resolved once, imports changed once at the end."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodCommand

from codemods import RULES
from codemods._base import GroupsNewImports, shared_analysis


class MigrateAgent(GroupsNewImports, CodemodCommand):
    """Run every migrate-agent rule (MA001...) over a module, in order, as one codemod."""

    DESCRIPTION = "Migrate a Model Serving agent module to Databricks Apps (all rules)."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Analyse once (the only metadata resolution of the rules), then run each rule's
        transform on the tree the previous one made. libcst's import visitors run after this,
        once for all rules. A module in which no rule has anything to do is not walked."""
        if not shared_analysis(self.context, "MigrateAgent").has_work:
            return tree
        for rule in RULES:
            tree = rule(self.context).transform_module_impl(tree)
        return tree
