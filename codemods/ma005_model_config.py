"""MA005: `ModelConfig()` with no file reads the logged model's config, which Apps does not have."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule

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
        self._calls = set(self.analysis.model_config_calls)
        self._pending = False
        if not self._calls:
            return tree
        return tree.visit(self)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if original_node in self._calls:
            self._pending = True
        return updated_node

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if self._pending:
            self._pending = False
            return self.mark(updated_node, MESSAGE)
        return updated_node
