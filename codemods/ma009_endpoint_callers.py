"""MA009: callers of the retired Model Serving endpoint call the app, or get a TODO."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule, with_todo
from codemods.analysis.endpoint_callers import DATABRICKS_OPENAI, CallerSite, find_callers

# Scratch keys the callers stage sets: the endpoint's name and the app that replaces it.
ENDPOINT_KEY = "migrate_agent.endpoint_name"
APP_KEY = "migrate_agent.app_name"
# Scratch key where the rule leaves the callers it found (CallerSite, lines of the tree it read).
CALLERS_KEY = "migrate_agent.endpoint_callers"


class EndpointCallers(MigrationRule):
    """MA009 endpoint-callers: code that calls the Model Serving endpoint the app replaces, found
    by the endpoint's name (from `agents.deploy`, the endpoint config, `--endpoint` or the
    bundle) in the project's Python files, notebooks (SQL and shell cells too), .sql files and
    job / bundle / config files. A Responses call through an OpenAI-compatible client made from
    a workspace client (`w.serving_endpoints.get_open_ai_client()`, `DatabricksOpenAI(...)`)
    becomes `DatabricksOpenAI(workspace_client=w).responses.create(model="apps/<app>", ...)`
    (package databricks-openai); a `chat.completions.create(model=..., messages=...)` call, or a
    `w.serving_endpoints.query(name=..., messages=[ChatMessage(role=..., content=...)])`, whose
    answer is only read as `.choices[0].message.content` becomes the same Responses call, read
    as `.output_text`. Apps accept OAuth tokens only: run rewritten callers with OAuth
    (`databricks auth login`, a service principal's OAuth secret), not a personal access token.
    Every other caller is left working and gets a TODO (Python) and a manual step with
    file:line: other `serving_endpoints.query` calls, MLflow's deployment client
    `predict(endpoint=...)`, `ChatDatabricks(endpoint=...)` and other wrappers, an `OpenAI`
    client given its own token, raw HTTP to `/serving-endpoints/<name>/invocations`,
    `ai_query('<name>', ...)` (it serves Model Serving agents only), the name as a plain value
    (job parameters, widgets, config files). MIGRATION.md lists every caller under "Endpoint
    retirement", with when the endpoint can be deleted; `--keep-callers` lists them and changes
    none."""

    RULE_ID = "MA009"
    DESCRIPTION = "Point callers of the retired serving endpoint at the app, or mark them."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        scratch = self.context.scratch
        endpoint, app = scratch.get(ENDPOINT_KEY), scratch.get(APP_KEY)
        if not endpoint or not app or endpoint not in tree.code and f"apps/{app}" not in tree.code:
            scratch[CALLERS_KEY] = []
            return tree
        sites = find_callers(self.context.wrapper, endpoint, app)
        scratch[CALLERS_KEY] = sites
        self._replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        self._marks: dict[cst.CSTNode, list[str]] = {}
        for site in sites:
            if site.rewrite is not None:
                self._replacements.update(site.rewrite.replacements)
                self.note_edit(f"line {site.line}: {site.rewrite.note}")
                self.add_needed_import(*DATABRICKS_OPENAI)
                for module, name in site.rewrite.unused_imports:
                    self.remove_unused_import(module, name)
            elif not site.calls_app:
                self._marks.setdefault(site.statement, []).append(site.message)
        if not self._replacements and not self._marks:
            return tree
        self._header = tree.header
        self._first = tree.body[0] if tree.body else None
        return tree.visit(self)

    def on_leave(self, original_node, updated_node):
        updated_node = super().on_leave(original_node, updated_node)
        replaced = self._replacements.get(original_node)
        if replaced is not None:
            return replaced
        for message in self._marks.get(original_node, ()):
            self.report(message)
            above = self._header if original_node is self._first else ()
            updated_node = with_todo(updated_node, self.RULE_ID, message, above)
        return updated_node


def caller_sites(context) -> list[CallerSite]:
    """The callers the rule found in the last module it read."""
    return list(context.scratch.get(CALLERS_KEY, ()))
