"""All rules over one parsed tree: metadata resolved once, imports changed once at the end."""

from __future__ import annotations

import threading

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext

from codemods import RULES
from codemods._base import GroupsNewImports, MigrationRule, shared_analysis

# Each rule instance, made once per thread: building a libcst matcher-decoratable transformer
# scans every attribute of its class for matcher decorators, which costs more than running a
# rule. A rule sets up its per-module state in transform_module_impl; `context` is given each time.
_instances = threading.local()


def rule_instances(context: CodemodContext) -> tuple[MigrationRule, ...]:
    """The rules, in order, each with `context` (the module's, with its metadata wrapper)."""
    rules = getattr(_instances, "rules", None)
    if rules is None:
        rules = _instances.rules = tuple(rule(context) for rule in RULES)
    for rule in rules:
        rule.context = context
    return rules


class MigrateAgent(GroupsNewImports, CodemodCommand):
    """Run every migrate-agent rule (MA001...) over a module, in order, as one codemod."""

    DESCRIPTION = "Migrate a Model Serving agent module to Databricks Apps (all rules)."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Analyse once (the only metadata resolution of the rules), then run each rule's
        transform on the tree the previous one made. libcst's import visitors run after this,
        once for all rules. A module in which no rule has anything to do is not walked."""
        if not shared_analysis(self.context, "MigrateAgent").has_work:
            return tree
        for rule in rule_instances(self.context):
            tree = rule.transform_module_impl(tree)
        return tree
