"""MA002 responses-helpers (codemods.ma002_responses_helpers.ResponsesHelpers): inside the
exported ResponsesAgent, `self.create_text_delta(...)` and the other helper methods inherited
from ResponsesAgent become the functions of `mlflow.types.responses` (the class loses that base).
Methods the class defines itself, other classes and other receivers are left alone. No-op cases
first, then the rewrites."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from codemods.ma002_responses_helpers import ResponsesHelpers


class TestResponsesHelpersNoop(CodemodTest):
    TRANSFORM = ResponsesHelpers

    def test_methods_the_class_defines_itself_are_kept(self) -> None:
        code = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def create_text_delta(self, delta, item_id):
                    return {"mine": delta}

                def predict(self, request):
                    return self.create_text_delta("x", "y")

            mlflow.models.set_model(A())
        """
        self.assertCodemod(code, code)

    def test_other_classes_and_receivers_are_untouched(self) -> None:
        code = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class Helper:
                def run(self):
                    return self.create_text_delta("x", "y")

            class A(ResponsesAgent):
                def predict(self, request):
                    return other.create_text_delta("x", "y")

            mlflow.models.set_model(A())
        """
        self.assertCodemod(code, code)

    def test_legacy_agent_keeps_its_inherited_helpers(self) -> None:
        code = """
            import mlflow


            class Old(mlflow.pyfunc.ChatAgent):
                def predict(self, messages, context=None, custom_inputs=None):
                    return self.create_text_output_item("x", "i")


            mlflow.models.set_model(Old())
        """
        self.assertCodemod(code, code)

    def test_agent_that_is_not_exported_is_untouched(self) -> None:
        code = """
            from mlflow.pyfunc import ResponsesAgent


            class A(ResponsesAgent):
                def predict(self, request):
                    return self.create_text_output_item("x", "i")
        """
        self.assertCodemod(code, code)


class TestResponsesHelpers(CodemodTest):
    TRANSFORM = ResponsesHelpers

    def test_self_helpers_become_functions(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent

            class A(ResponsesAgent):
                def predict(self, request):
                    return self.create_text_output_item(self.prep_msgs_for_cc_llm(request.input), "i")

            mlflow.models.set_model(A())
        """
        after = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent
            from mlflow.types.responses import create_text_output_item, to_chat_completions_input

            class A(ResponsesAgent):
                def predict(self, request):
                    return create_text_output_item(to_chat_completions_input(request.input), "i")

            mlflow.models.set_model(A())
        """
        self.assertCodemod(before, after)

    def test_stream_helper_in_predict_stream_becomes_a_function(self) -> None:
        before = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent


            class A(ResponsesAgent):
                def predict_stream(self, request):
                    yield self.create_text_delta(delta="hi", item_id="i")


            mlflow.models.set_model(A())
        """
        after = """
            import mlflow
            from mlflow.pyfunc import ResponsesAgent
            from mlflow.types.responses import create_text_delta


            class A(ResponsesAgent):
                def predict_stream(self, request):
                    yield create_text_delta(delta="hi", item_id="i")


            mlflow.models.set_model(A())
        """
        self.assertCodemod(before, after)
