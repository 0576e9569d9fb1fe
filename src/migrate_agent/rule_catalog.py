"""Every rule id the output can cite (code rules MA0xx, deployment rules MA1xx), with its help,
and the selection of rules a run applies (`--select` / `--ignore`, as ruff selects its rules)."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from codemods import RULES
from codemods.analysis.agent_analysis import CONVERSION_RULES
from codemods.ma009_endpoint_callers import EndpointCallers
from migrate_agent.deploy.rules import DEPLOY_RULES
from migrate_agent.notebooks.notebook import NOTEBOOK_RULE, NOTEBOOK_RULE_HELP  # not a codemod

ALL = "ALL"  # the selector of every rule


class UnknownRuleError(ValueError):
    """A selector that is neither ALL nor the start of any rule id."""


def all_rules() -> list[tuple[str, str]]:
    """(id, help text) of each rule, each id once, in id order."""
    found: dict[str, str] = {}
    for rule in (*RULES, EndpointCallers):  # MA009 runs in its own stage, once the endpoint is known
        # a codemod's docstring starts with its id: shown once, as the heading
        found.setdefault(rule.RULE_ID, inspect.cleandoc(rule.__doc__ or "").removeprefix(f"{rule.RULE_ID} "))
    for rule in DEPLOY_RULES:
        found.setdefault(rule.id, f"{rule.title}: {rule.help}")
    found.setdefault(NOTEBOOK_RULE, NOTEBOOK_RULE_HELP)
    return sorted(found.items())


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> frozenset[str] | None:
    """The rule ids a run applies, or None for all of them (neither option given).

    Like ruff: each selector is `ALL`, a rule id (`MA005`) or the start of ids (`MA1`: every
    deployment rule, `MA00`), case-insensitive, comma-separated or repeated; `select` defaults to
    ALL. A rule follows the most specific selector that names it (the longest), `ignore` winning
    a tie: `--select MA1 --ignore MA108`, or `--ignore MA1 --select MA108`, apply MA108 alone of
    the MA1xx rules. Raises UnknownRuleError for a selector that names no rule."""
    chosen = [_selectors(select, "--select"), _selectors(ignore, "--ignore")]
    if not chosen[0] and not chosen[1]:
        return None
    chosen[0] = chosen[0] or [ALL]
    enabled = set()
    for rule_id, _ in all_rules():
        matches = [
            (0 if selector == ALL else len(selector), ignored)
            for ignored, selectors in enumerate(chosen)
            for selector in selectors
            if selector == ALL or rule_id.startswith(selector)
        ]
        if matches and not max(matches)[1]:
            enabled.add(rule_id)
    return frozenset(enabled)


def conversion_notes(enabled: frozenset[str] | None) -> list[str]:
    """Why a selection converts no agent (then no app is generated, and the rules about the app
    and its deployment have nothing to report): the converting rules are not selected, or the
    rules a conversion takes (codemods.analysis.agent_analysis.CONVERSION_RULES) are not."""
    if enabled is None:
        return []
    converters = sorted(CONVERSION_RULES)
    if not enabled & set(converters):
        return [
            f"no agent is converted: {' and '.join(converters)} are not selected, so no app is "
            "generated and driver calls (MA007) and the deployment (MA1xx) are not reported"
        ]
    blocked = [rule_id for rule_id in converters if rule_id in enabled and not CONVERSION_RULES[rule_id] <= enabled]
    if not blocked:
        return []
    takes = "; ".join(f"{rule_id} takes {', '.join(sorted(CONVERSION_RULES[rule_id]))}" for rule_id in blocked)
    missing = sorted(set().union(*(CONVERSION_RULES[rule_id] for rule_id in blocked)) - enabled)
    verb, be = ("converts" if len(blocked) == 1 else "convert"), ("is" if len(missing) == 1 else "are")
    return [f"{', '.join(blocked)} {verb} no agent ({takes}): {', '.join(missing)} {be} not selected"]


def _selectors(values: Iterable[str], option: str) -> list[str]:
    ids = [rule_id for rule_id, _ in all_rules()]
    found = []
    for value in values:
        for selector in (part.strip().upper() for part in value.split(",")):
            if not selector:
                continue
            if selector != ALL and not any(rule_id.startswith(selector) for rule_id in ids):
                raise UnknownRuleError(
                    f"{option} {selector}: no rule id starts with it (`migrate-agent rules` lists them)"
                )
            found.append(selector)
    return found
