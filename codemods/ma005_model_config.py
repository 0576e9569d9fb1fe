"""MA005: `ModelConfig()` with no file reads the logged model's config, which Apps does not have."""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods._base import MigrationRule
from codemods.analysis.agent_analysis import names_config_file
from codemods.analysis.syntax import find_all

MESSAGE = (
    "ModelConfig() without development_config reads the config logged with the model, and an "
    "app has no logged model: pass development_config=\"model_config.yaml\" (migrate-agent "
    "writes that file from log_model(model_config=...) when it can read it) or another YAML file "
    "shipped with the app"
)


class ModelConfigFile(MigrationRule):
    """MA005 model-config-file: `mlflow.models.ModelConfig()` called without
    `development_config` loads the `model_config` logged with the model on Model Serving; an app
    runs from source and has no logged model, so the call fails there. The statement is marked
    with a TODO: pass the YAML file the app ships (migrate-agent writes `model_config.yaml` from
    a literal `log_model(model_config=...)`)."""

    RULE_ID = "MA005"
    DESCRIPTION = "Flag ModelConfig() calls that rely on the logged model's config."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        flagged = set(self.analysis.model_config_calls)
        self._pending = False
        if not flagged:
            return tree
        # The calls are known as nodes of the analysed tree, but a rule that ran before this one
        # (MA004, in a module with user clients) built `tree` anew: libcst makes a new node of
        # every node it visits. Rules change no ModelConfig call, so each one is found again as
        # the n-th call without a file spelled like it (`ModelConfig`, `mlflow.models.ModelConfig`,
        # an alias): whether the n-th such call of the analysed tree was flagged is kept. Only a
        # name bound to another class in one scope and to mlflow's in another spells both.
        self._flags: dict[str, list[bool]] = {get_full_name_for_node(call.func): [] for call in flagged}
        for call in find_all(self.context.wrapper.module, cst.Call):
            flags = self._flags.get(get_full_name_for_node(call.func))
            if flags is not None and not names_config_file(call):
                flags.append(call in flagged)
        self._seen = dict.fromkeys(self._flags, 0)
        return tree.visit(self)

    def visit_Call(self, node: cst.Call) -> None:  # in source order, as find_all gives them
        spelling = get_full_name_for_node(node.func)
        flags = self._flags.get(spelling)
        if flags is None or names_config_file(node):
            return
        position = self._seen[spelling]
        self._seen[spelling] += 1
        if position < len(flags) and flags[position]:
            self._pending = True

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if self._pending:
            self._pending = False
            return self.mark(updated_node, MESSAGE)
        return updated_node
