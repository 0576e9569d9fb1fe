"""Checks run before a deploy."""
import agent
from agent import AGENT as served, Echo

assert isinstance(served, Echo)
assert isinstance(agent.AGENT, agent.Echo)
