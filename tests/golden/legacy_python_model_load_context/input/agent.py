"""A PythonModel that answers chat messages; load_context reads a logged prompt file and the
logged model_config."""

import mlflow
from mlflow.pyfunc import PythonModel


class PromptedModel(PythonModel):
    def load_context(self, context):
        with open(context.artifacts["system_prompt"], encoding="utf-8") as file:
            self.system_prompt = file.read().strip()
        self.greeting = context.model_config["greeting"]

    def predict(self, context, model_input, params=None):
        question = model_input["messages"][-1]["content"]
        return {
            "choices": [
                {
                    "message": {
                        "role": "assistant",
                        "content": f"{self.greeting} ({self.system_prompt}) you asked: {question}",
                    }
                }
            ]
        }


mlflow.models.set_model(PromptedModel())
