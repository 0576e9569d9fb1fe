"""MA007: driver calls that log, register or deploy the agent for Model Serving get a TODO."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule

# Set in the context's scratch when the project gets no app (no agent converts): the driver's
# Model Serving calls are then still the way it deploys, and stay unmarked.
NO_APP_KEY = "migrate_agent.no_app"


class ModelServingCalls(MigrationRule):
    """MA007 model-serving-calls: driver code (scripts, notebooks) that logs the agent with
    `mlflow.<flavor>.log_model(python_model="agent.py")` (or saves it with `save_model`), registers it with
    `mlflow.register_model`, deploys it with `databricks.agents.deploy(...)` or creates a serving
    endpoint through the SDK targets Model Serving. After the migration the agent module serves
    a Databricks App (no `set_model`), so a logged model would not load, and the deployment goes
    through the bundle instead: `databricks bundle deploy`, then `databricks bundle run <app key>`
    (the key is in databricks.yml and MIGRATION.md). Each call is marked with a TODO and listed
    as a manual step; the code is left as it was, so the driver still runs as before until you
    remove the calls. Evaluation code (`mlflow.genai.evaluate(predict_fn=AGENT.predict)`,
    `from agent import AGENT`) is not touched: the agent module keeps that name."""

    RULE_ID = "MA007"
    DESCRIPTION = "Mark Model Serving log/register/deploy calls with the bundle commands to use instead."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        self._calls = {call.node: call for call in self.analysis.driver_calls}
        self._pending: list[str] = []
        self._outer: list[list[str]] = []  # pending marks of the enclosing statements' headers
        if not self._calls or self.context.scratch.get(NO_APP_KEY):
            return tree
        return tree.visit(self)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        call = self._calls.get(original_node)
        if call is not None:
            self._pending.append(call.message)
            self.note_edit(f"line {call.line}: Model Serving `{call.kind}` call marked (deploy the app with the bundle)")
        return updated_node

    # A call in the header of a compound statement (`if agents.deploy(...):`) is left before its
    # body: its mark waits outside the body and goes to that statement, not the body's first line.
    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self._outer.append(self._pending)
        self._pending = []
        return True

    def leave_IndentedBlock(self, original_node, updated_node):
        self._pending = self._outer.pop() + self._pending
        return updated_node

    def _attach(self, statement):
        while self._pending:
            statement = self.mark(statement, self._pending.pop(0))
        return statement

    def leave_SimpleStatementLine(self, original_node, updated_node):
        return self._attach(updated_node)

    def leave_If(self, original_node, updated_node):
        return self._attach(updated_node)

    def leave_While(self, original_node, updated_node):
        return self._attach(updated_node)

    def leave_For(self, original_node, updated_node):
        return self._attach(updated_node)

    def leave_With(self, original_node, updated_node):
        return self._attach(updated_node)

    def leave_FunctionDef(self, original_node, updated_node):
        return self._attach(updated_node)

    def leave_ClassDef(self, original_node, updated_node):
        return self._attach(updated_node)
