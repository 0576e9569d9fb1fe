"""A PythonModel that scores a DataFrame (batch scoring): not an agent the server can serve."""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class LengthScorer(PythonModel):
    def predict(self, context, model_input, params=None):
        return pd.DataFrame({"length": model_input["text"].str.len()})


mlflow.models.set_model(LengthScorer())
