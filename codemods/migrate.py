"""All rules over one parsed tree: metadata resolved once, imports changed once at the end."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodCommand

from codemods import RULES
from codemods._base import ENABLED_RULES_KEY, GroupsNewImports, shared_analysis


class MigrateAgent(GroupsNewImports, CodemodCommand):
    """Run every migrate-agent rule (MA001...) over a module, in order, as one codemod."""

    DESCRIPTION = "Migrate a Model Serving agent module to Databricks Apps (all rules)."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Analyse once (the only metadata resolution of the rules), then run each rule's
        transform on the tree the previous one made. libcst's import visitors run after this,
        once for all rules. A module in which no rule has anything to do is not walked. Only
        the rules selected (``ENABLED_RULES_KEY`` in the scratch, if set) run."""
        if not shared_analysis(self.context, "MigrateAgent").has_work:
            return tree
        enabled = self.context.scratch.get(ENABLED_RULES_KEY)
        for rule in RULES:
            if enabled is None or rule.RULE_ID in enabled:
                tree = rule(self.context).transform_module_impl(tree)
        return tree
