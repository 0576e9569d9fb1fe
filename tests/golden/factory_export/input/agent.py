import mlflow
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

SYSTEM_PROMPT = "You answer in one word."


class Supervisor(ResponsesAgent):
    def __init__(self, prompt: str, temperature: float):
        self.prompt = prompt
        self.temperature = temperature

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = f"{self.prompt} / {self.temperature} / {request.input[-1].content}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text, "s1")])


def initialize_agent(temperature: float = 0.0) -> Supervisor:
    """Builds the supervisor the way the notebook tuned it."""
    agent = Supervisor(SYSTEM_PROMPT, temperature)
    return agent


AGENT = initialize_agent(temperature=0.2)
mlflow.models.set_model(AGENT)
