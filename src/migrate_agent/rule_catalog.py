"""Every rule id the output can cite (code rules MA0xx, deployment rules MA1xx), with its help."""

from __future__ import annotations

import inspect

from codemods import RULES
from codemods.ma009_endpoint_callers import EndpointCallers
from migrate_agent.deploy.rules import DEPLOY_RULES
from migrate_agent.notebooks.notebook import NOTEBOOK_RULE, NOTEBOOK_RULE_HELP  # not a codemod


def all_rules() -> list[tuple[str, str]]:
    """(id, help text) of each rule, each id once, in id order."""
    found: dict[str, str] = {}
    for rule in (*RULES, EndpointCallers):  # MA009 runs in its own stage, once the endpoint is known
        found.setdefault(rule.RULE_ID, inspect.cleandoc(rule.__doc__ or ""))
    for rule in DEPLOY_RULES:
        found.setdefault(rule.id, f"{rule.title}: {rule.help}")
    found.setdefault(NOTEBOOK_RULE, NOTEBOOK_RULE_HELP)
    return sorted(found.items())
