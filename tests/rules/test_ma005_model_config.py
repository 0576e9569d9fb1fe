"""MA005 model-config-file (codemods.ma005_model_config.ModelConfigFile): `mlflow.models.ModelConfig()`
called without a file (no `development_config`, no positional path) reads the config logged with
the model, which an app does not have; each statement holding such a call is marked with a TODO
and listed as a manual step. Calls given a file, and other classes named ModelConfig, are left
alone. No-op cases first, then the markers."""

from __future__ import annotations

from libcst.codemod import CodemodContext, CodemodTest, transform_module

from codemods._base import MANUAL_STEPS_KEY
from codemods.ma005_model_config import MESSAGE, ModelConfigFile

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
