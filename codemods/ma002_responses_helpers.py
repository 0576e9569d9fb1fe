"""MA002: ResponsesAgent's helper methods become the functions of `mlflow.types.responses`."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule
from codemods.analysis.syntax import receiver

# ResponsesAgent method (mlflow/pyfunc/model.py) -> function doing the same job in
# mlflow.types.responses; each method there is a staticmethod that calls exactly that function.
HELPER_FUNCTIONS = {
    "create_text_delta": "create_text_delta",
    "create_annotation_added": "create_annotation_added",
    "create_text_output_item": "create_text_output_item",
    "create_reasoning_item": "create_reasoning_item",
    "create_function_call_item": "create_function_call_item",
    "create_function_call_output_item": "create_function_call_output_item",
    "output_to_responses_items_stream": "output_to_responses_items_stream",
    "prep_msgs_for_cc_llm": "to_chat_completions_input",
    "_responses_to_cc": "responses_to_cc",
    "responses_agent_output_reducer": "responses_agent_output_reducer",
}
RESPONSES_MODULE = "mlflow.types.responses"


class ResponsesHelpers(MigrationRule):
    """MA002 responses-helpers: `self.create_text_delta(...)` and the other helper methods the
    agent inherited from ResponsesAgent (create_text_output_item, create_function_call_item,
    create_function_call_output_item, create_reasoning_item, create_annotation_added,
    output_to_responses_items_stream, prep_msgs_for_cc_llm, _responses_to_cc) become calls of the
    functions of the same job in `mlflow.types.responses`, because the migrated class no longer
    derives from ResponsesAgent. Methods the class defines itself are left alone."""

    RULE_ID = "MA002"
    DESCRIPTION = "Rewrite ResponsesAgent helper methods to mlflow.types.responses functions."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        pair = self.analysis.convertible()
        if pair is None or pair[0].kind != "ResponsesAgent":  # legacy bases keep their helpers
            return tree
        agent, _ = pair
        if agent.inherited is not None:
            return tree  # it keeps its project base, and with it the helper methods
        self._class_name = agent.name
        self._renames = {k: v for k, v in HELPER_FUNCTIONS.items() if k not in agent.methods}
        self._receivers: list[str] = []  # `self` names of the methods we are inside
        self._depth = 0  # class nesting depth
        self._inside = False
        body = list(tree.body)  # only the agent's class can call its inherited helpers
        body[agent.body_index] = body[agent.body_index].visit(self)
        return tree.with_changes(body=body)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._depth += 1
        if self._depth == 1 and node.name.value == self._class_name:
            self._inside = True

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        if self._depth == 1:
            self._inside = False
        self._depth -= 1
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._inside and self._depth == 1 and not self._receivers:
            self._receivers.append(receiver(node) or "")
        else:
            self._receivers.append(self._receivers[-1] if self._receivers else "")

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self._receivers.pop()
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if not self._inside or not isinstance(updated_node.value, cst.Name):
            return updated_node
        receiver = updated_node.value.value
        method = updated_node.attr.value
        if method not in self._renames:
            return updated_node
        own_names = {self._class_name} | ({self._receivers[-1]} if self._receivers else set())
        if receiver not in own_names:
            return updated_node
        function = self._renames[method]
        self.add_needed_import(RESPONSES_MODULE, function)
        self.note_edit(f"{receiver}.{method} -> {RESPONSES_MODULE}.{function}")
        return cst.Name(function)
