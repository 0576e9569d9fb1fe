"""migrate-agent's libcst codemods, one concern each, in the order the engine runs them.

Each rule is a libcst ``CodemodCommand`` transforming as a ``CSTTransformer`` (see
``codemods._base``) with a stable id (its docstring is its help text), and can run alone::

    python -m libcst.tool codemod ma002_responses_helpers.ResponsesHelpers agent.py

(with ``codemods`` listed in ``.libcst.codemod.yaml`` ``modules``); ``migrate.MigrateAgent`` runs
them all over one parse, as migrate-agent does.
"""

from codemods.ma001_agent_handlers import AgentToHandlers
from codemods.ma002_responses_helpers import ResponsesHelpers
from codemods.ma003_legacy_agent_types import LegacyAgentTypes
from codemods.ma004_user_credentials import UserCredentials
from codemods.ma005_model_config import ModelConfigFile
from codemods.ma006_python_version import PythonVersion
from codemods.ma007_model_serving_calls import ModelServingCalls

# Order matters. MA004 runs first: it matches nodes of the original tree (identity flow is
# tracked by node); rules that rewrite inside the class run before MA001 restructures the module
# (MA001 reads MA004's decision on how each request gets its agent).
# MA006 only adds TODO comments and keeps every top-level statement where it is, so it runs
# after the rules that match original nodes and before MA001 (which uses statement indices).
RULES = (
    UserCredentials, ModelConfigFile, ResponsesHelpers, LegacyAgentTypes, PythonVersion,
    AgentToHandlers, ModelServingCalls,
)
RULES_BY_ID = {rule.RULE_ID: rule for rule in RULES}
