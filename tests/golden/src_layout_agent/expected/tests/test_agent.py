"""Run with src/ on sys.path (pytest's `pythonpath = src`)."""

from pkg.agent import AGENT


def test_agent_answers():
    answer = AGENT.predict({"input": [{"role": "user", "content": "hi"}]})
    assert answer.output
