"""MA003: agents on the older MLflow interfaces are flagged, not converted."""

from __future__ import annotations

import libcst as cst

from codemods._base import MigrationRule

GUIDANCE = {
    "ChatAgent": "port predict/predict_stream to ResponsesAgent (ResponsesAgentRequest in, "
    "ResponsesAgentResponse / ResponsesAgentStreamEvent out), then run migrate-agent again",
    "ChatModel": "port it to ResponsesAgent (ChatModel takes (self, context, messages, params)), "
    "then run migrate-agent again",
    "PythonModel": "port it to ResponsesAgent (PythonModel.predict takes (self, context, "
    "model_input, params)), then run migrate-agent again",
}


class LegacyAgentTypes(MigrationRule):
    """MA003 legacy-agent-type: a class deriving from `mlflow.pyfunc.ChatAgent`, `ChatModel` or
    `PythonModel` is not converted: the agent server speaks the Responses API, and mapping those
    interfaces' inputs and outputs is a change of behaviour a person must review. The class is
    marked with a TODO saying how to port it; the code keeps working on Model Serving."""

    RULE_ID = "MA003"
    DESCRIPTION = "Flag ChatAgent / ChatModel / PythonModel agents for a port to ResponsesAgent."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        legacy = [a for a in self.analysis.legacy if a.body_index is not None]
        if not legacy or not self.analysis.exports:
            return tree
        body = list(tree.body)
        for agent in legacy:
            message = f"`{agent.name}` is a {agent.kind}: {GUIDANCE[agent.kind]}"
            body[agent.body_index] = self.mark(body[agent.body_index], message)
        return tree.with_changes(body=body)
