"""A PythonModel that scores a DataFrame (batch scoring): not an agent the server can serve."""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


# TODO(migrate-agent): [MA003] `LengthScorer` is a PythonModel whose predict reads no chat messages from its input (`model_input["messages"]`, `.get("messages")`, `.messages`, directly, after `to_dict(...)` / `iloc[0]`, or in a helper method it hands the input to): batch scoring has no agent-server equivalent; keep it on Model Serving (or port it to ResponsesAgent by hand); it keeps running on Model Serving as it is (see README, 'ChatAgent, ChatModel, PythonModel')
class LengthScorer(PythonModel):
    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"length": model_input["text"].str.len()})


mlflow.models.set_model(LengthScorer())
