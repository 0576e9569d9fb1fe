"""MigrateAgent (codemods.migrate): every rule MA001-MA007 over one parse, as the engine runs
them. The per-rule behaviour is in the test_ma00N modules; here, what holds for all of them."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from codemods.migrate import MigrateAgent


class TestMigrateAgent(CodemodTest):
    TRANSFORM = MigrateAgent

    def test_module_without_agent_is_unchanged(self) -> None:
        code = """
            import mlflow

            def set_model(x):
                return x

            set_model(1)
        """
        self.assertCodemod(code, code)
