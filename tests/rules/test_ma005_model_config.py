"""MA005 model-config-file (codemods.ma005_model_config.ModelConfigFile): `mlflow.models.ModelConfig()`
called without a file (no `development_config`, no positional path) reads the config logged with
the model, which an app does not have; each statement holding such a call is marked with a TODO
and listed as a manual step. Calls given a file, and other classes named ModelConfig, are left
alone. No-op cases first, then the markers."""

from __future__ import annotations

from unittest import TestCase

from libcst.codemod import (
    CodemodContext,
    CodemodTest,
    TransformSuccess,
    transform_module,
)

from codemods._base import MANUAL_STEPS_KEY
from codemods.ma005_model_config import MESSAGE, ModelConfigFile
from codemods.migrate import MigrateAgent

MARKER = f"# TODO(migrate-agent): [MA005] {MESSAGE}"


class TestModelConfigFileNoop(CodemodTest):
    TRANSFORM = ModelConfigFile

    def test_model_config_given_its_file_is_unchanged(self) -> None:
        code = """
            from mlflow.models import ModelConfig

            config = ModelConfig(development_config="model_config.yaml")
            other = ModelConfig("conf.yaml")
        """
        self.assertCodemod(code, code)

    def test_another_class_named_model_config_is_unchanged(self) -> None:
        code = """
            from myconfig import ModelConfig

            config = ModelConfig()
        """
        self.assertCodemod(code, code)

    def test_module_without_model_config_is_unchanged(self) -> None:
        code = """
            import mlflow

            mlflow.set_experiment("/Shared/agents")
        """
        self.assertCodemod(code, code)


class TestModelConfigFile(CodemodTest):
    TRANSFORM = ModelConfigFile

    def test_model_config_without_a_file_is_marked(self) -> None:
        before = """
            import mlflow

            config = mlflow.models.ModelConfig()
            endpoint = config.get("endpoint")
        """
        after = f"""
            import mlflow

            {MARKER}
            config = mlflow.models.ModelConfig()
            endpoint = config.get("endpoint")
        """
        self.assertCodemod(before, after)
        self.assertCodemod(after, after)  # marked once

    def test_each_statement_holding_a_call_is_marked_once_inside_a_class(self) -> None:
        before = """
            from mlflow.models import ModelConfig


            class A:
                def __init__(self):
                    self.endpoint = ModelConfig().get("endpoint")
                    self.config = ModelConfig()
        """
        after = f"""
            from mlflow.models import ModelConfig


            class A:
                def __init__(self):
                    {MARKER}
                    self.endpoint = ModelConfig().get("endpoint")
                    {MARKER}
                    self.config = ModelConfig()
        """
        self.assertCodemod(before, after)

    def test_the_marked_call_is_a_manual_step(self) -> None:
        context = CodemodContext(filename="agent.py")
        transform_module(ModelConfigFile(context), "import mlflow\n\nconfig = mlflow.models.ModelConfig()\n")
        steps = context.scratch[MANUAL_STEPS_KEY]
        self.assertEqual([(s.rule, s.message) for s in steps], [("MA005", MESSAGE)])


def migrated_with_all_rules(code: str) -> tuple[str, list[str]]:
    """(code, MA005 manual step messages) after every rule, as the engine runs them."""
    context = CodemodContext(filename="agent.py")
    result = transform_module(MigrateAgent(context), code)
    assert isinstance(result, TransformSuccess), result
    steps = [s.message for s in context.scratch.get(MANUAL_STEPS_KEY, []) if s.rule == "MA005"]
    return result.code, steps


def marked_statements(code: str) -> list[str]:
    """The statement below each MA005 marker."""
    lines = [line.strip() for line in code.splitlines()]
    return [lines[i + 1] for i, line in enumerate(lines) if line == MARKER]


USER_CLIENT_AGENT = """
import mlflow
from databricks.sdk import WorkspaceClient
from databricks_ai_bridge import ModelServingUserCredentials
from mlflow.pyfunc import ResponsesAgent
{imports}
{module_level}

class Agent(ResponsesAgent):
{body}

mlflow.models.set_model(Agent())
"""


class TestModelConfigBesideUserClients(TestCase):
    """MA004 runs first and rebuilds the tree where the module has user clients; the calls the
    analysis found are still marked, and only those."""

    def test_module_level_call_in_a_module_with_a_user_client(self) -> None:
        code, steps = migrated_with_all_rules(USER_CLIENT_AGENT.format(
            imports="",
            module_level='config = mlflow.models.ModelConfig()\nENDPOINT = config.get("endpoint")\n',
            body=(
                "    def predict(self, request):\n"
                "        client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())\n"
                "        return client.current_user.me()\n"
            ),
        ))
        self.assertIn("get_user_workspace_client()", code)  # MA004 did rewrite the module
        self.assertEqual(marked_statements(code), ["config = mlflow.models.ModelConfig()"])
        self.assertEqual(steps, [MESSAGE])
        self.assertEqual(migrated_with_all_rules(code)[0], code)  # a second run adds nothing

    def test_calls_in_init_split_into_request_scope_and_a_shadowed_name(self) -> None:
        code, steps = migrated_with_all_rules(USER_CLIENT_AGENT.format(
            imports="from mlflow.models import ModelConfig",
            module_level=(
                "def local_config():\n"
                "    from myconfig import ModelConfig\n"
                "    return ModelConfig()\n"
            ),
            body=(
                "    def __init__(self):\n"
                "        self.client = WorkspaceClient(credentials_strategy=ModelServingUserCredentials())\n"
                "        self.index = Index(self.client, ModelConfig().get('index'))\n"
                "        self.endpoint = ModelConfig(development_config='c.yaml').get('endpoint')\n"
                "        self.limit = ModelConfig().get('limit')\n"
                "\n"
                "    def predict(self, request):\n"
                "        return self.index.query(self.client.current_user.me())\n"
            ),
        ))
        # MA004 moved the user state (and the first call with it) below what stays per process
        scope = code.index("def init_request_scope(self):")
        self.assertGreater(code.index("self.index = Index("), scope)
        self.assertLess(code.index("self.limit = "), scope)
        self.assertEqual(
            sorted(marked_statements(code)),
            ["self.index = Index(self.client, ModelConfig().get('index'))", "self.limit = ModelConfig().get('limit')"],
        )
        self.assertEqual(steps, [MESSAGE, MESSAGE])
        self.assertEqual(migrated_with_all_rules(code)[0], code)
