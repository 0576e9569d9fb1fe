"""Tries the agent locally, as a notebook or a test would."""

from mlflow.types.responses import ResponsesAgentRequest

from agent import AGENT

request = ResponsesAgentRequest(input=[{"role": "user", "content": "hello"}])
for _ in range(2):
    response = AGENT.predict(request)
    print(response.output[0].content[0]["text"], response.output[0].id)
print("calls", AGENT.calls)
