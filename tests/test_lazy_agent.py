"""LazyAgent, the stand-in the migration leaves under an agent's exported name (the generated
agent_server_utils.py with its kept-name part): attributes looked up on the agent built on first
use, and `predict` / `predict_stream` taking the dicts the ResponsesAgent base took."""

from __future__ import annotations

import importlib.util

import pytest
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import ChatAgent
from mlflow.types.responses import ResponsesAgentRequest

from migrate_agent.app.scaffold import runtime_source


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    """The generated agent_server_utils.py with the kept-name part, loaded from its file."""
    path = tmp_path_factory.mktemp("runtime") / "agent_server_utils.py"
    path.write_text(runtime_source(with_identity=False, with_lazy_agent=True), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("agent_server_utils_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Migrated:
    """A ResponsesAgent after the migration: its base is gone."""

    def predict(self, request, extra=None):
        return ("predict", request, extra)

    def predict_stream(self, request):
        yield ("stream", request)


class KeptBase(ChatAgent):
    """An agent that kept its MLflow base: the base converts its input itself."""

    def predict(self, messages, context=None, custom_inputs=None):
        return messages


def test_a_dict_becomes_the_request_for_predict_and_predict_stream(runtime):
    agent = runtime.LazyAgent(lambda: Migrated())
    kind, request, extra = agent.predict({"input": [{"role": "user", "content": "hi"}]})
    assert kind == "predict" and isinstance(request, ResponsesAgentRequest)
    assert request.input[0].content == "hi" and extra is None
    [(kind, request)] = list(agent.predict_stream({"input": [{"role": "user", "content": "hi"}], "custom_inputs": {"a": 1}}))
    assert kind == "stream" and request.custom_inputs == {"a": 1}


def test_requests_and_other_arguments_pass_as_they_are(runtime):
    agent = runtime.LazyAgent(lambda: Migrated())
    request = ResponsesAgentRequest(input=[{"role": "user", "content": "hi"}])
    assert agent.predict(request)[1] is request
    assert isinstance(agent.predict({"input": []}, extra={"x": 1})[1], ResponsesAgentRequest)  # as the base
    assert agent.predict({"input": []}, {"x": 1})[1] == {"input": []}  # two positional arguments: as they are
    assert agent.predict.__name__ == "predict"


def test_an_invalid_dict_is_refused_as_the_base_refused_it(runtime):
    agent = runtime.LazyAgent(lambda: Migrated())
    with pytest.raises(MlflowException, match="Invalid dictionary input for a ResponsesAgent"):
        agent.predict({"input": "not a list"})


def test_an_agent_with_its_mlflow_base_gets_the_dict_itself(runtime):
    agent = runtime.LazyAgent(lambda: KeptBase())
    [message] = agent.predict({"messages": [{"role": "user", "content": "hi", "id": "1"}]})
    assert message.content == "hi"  # ChatAgent's own conversion, not a ResponsesAgentRequest
