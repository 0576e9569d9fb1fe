"""MA007 model-serving-calls (codemods.ma007_model_serving_calls.ModelServingCalls): driver code
that logs the agent from code (`mlflow.<flavor>.log_model(python_model="agent.py")`), registers
it, deploys it with `databricks.agents.deploy` or creates a serving endpoint through the SDK gets a
TODO naming the bundle commands to use instead, and is listed in MIGRATION.md at its line.
Evaluation code, other models, calls already marked, and projects that get no app are left alone.
No-op cases first, then the markers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from libcst.codemod import CodemodContext, CodemodTest

from codemods.ma007_model_serving_calls import NO_APP_KEY, ModelServingCalls
from migrate_agent.discover.discovery import may_hold_agent, text_markers

BUNDLE = "deploy with `databricks bundle deploy`, then `databricks bundle run <app key>` (MIGRATION.md, Deploy)"
GOLDEN = Path(__file__).parents[1] / "golden"


class TestModelServingCallsNoop(CodemodTest):
    TRANSFORM = ModelServingCalls

    def test_evaluation_and_other_models_are_left_alone(self) -> None:
        code = """
            import mlflow
            from agent import AGENT

            mlflow.genai.evaluate(data=[], predict_fn=lambda input: AGENT.predict({"input": input}))
            mlflow.sklearn.log_model(classifier, name="classifier")
        """
        self.assertCodemod(code, code)

    def test_marking_twice_adds_nothing(self) -> None:
        code = f"""
            from databricks import agents

            # TODO(migrate-agent): [MA007] `agents.deploy("main.a.b", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
            agents.deploy("main.a.b", 1)
        """
        self.assertCodemod(code, code)

    def test_calls_stay_unmarked_when_the_project_gets_no_app(self) -> None:
        code = """
            import mlflow
            from databricks import agents

            info = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
            agents.deploy("main.a.b", 1)
        """
        self.assertCodemod(code, code, context_override=CodemodContext(scratch={NO_APP_KEY: True}))

    def test_another_flavor_logging_an_object_is_left_alone(self) -> None:
        code = """
            import mlflow

            mlflow.langchain.log_model(chain, name="chain")
        """
        self.assertCodemod(code, code)


class TestModelServingCalls(CodemodTest):
    TRANSFORM = ModelServingCalls

    def test_log_model_from_code_register_and_deploy_are_marked(self) -> None:
        before = """
            import mlflow
            from databricks.agents import deploy

            with mlflow.start_run():
                info = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
            version = mlflow.register_model(info.model_uri, "main.a.b")
            deploy("main.a.b", version.version)
        """
        after = f"""
            import mlflow
            from databricks.agents import deploy

            with mlflow.start_run():
                # TODO(migrate-agent): [MA007] `mlflow.pyfunc.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: {BUNDLE} and remove this call
                info = mlflow.pyfunc.log_model(name="agent", python_model="agent.py")
            # TODO(migrate-agent): [MA007] `mlflow.register_model(info.model_uri, ...)` registers the Model Serving model, which the app does not use (it runs from source): {BUNDLE} and remove this call
            version = mlflow.register_model(info.model_uri, "main.a.b")
            # TODO(migrate-agent): [MA007] `agents.deploy("main.a.b", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
            deploy("main.a.b", version.version)
        """
        self.assertCodemod(before, after)

    def test_sdk_endpoint_creation_is_marked(self) -> None:
        before = """
            w.serving_endpoints.create_and_wait(name="agent", config=config)
        """
        after = f"""
            # TODO(migrate-agent): [MA007] `w.serving_endpoints.create_and_wait(name="agent", ...)` configures a Model Serving endpoint, which the Databricks App replaces: {BUNDLE} and remove this call
            w.serving_endpoints.create_and_wait(name="agent", config=config)
        """
        self.assertCodemod(before, after)

    def test_other_flavor_logging_the_agent_file_positionally_is_marked(self) -> None:
        before = """
            import mlflow

            mlflow.langchain.log_model("agent.py", name="agent")
        """
        after = f"""
            import mlflow

            # TODO(migrate-agent): [MA007] `mlflow.langchain.log_model` logs `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the logged model would not load: {BUNDLE} and remove this call
            mlflow.langchain.log_model("agent.py", name="agent")
        """
        self.assertCodemod(before, after)

    def test_save_model_of_the_agent_file_is_marked_like_log_model(self) -> None:
        before = """
            import mlflow

            mlflow.pyfunc.save_model(path="model", python_model="agent.py")
        """
        after = f"""
            import mlflow

            # TODO(migrate-agent): [MA007] `mlflow.pyfunc.save_model` saves `agent.py` (model from code), which after the migration serves a Databricks App and no longer calls set_model, so the saved model would not load: {BUNDLE} and remove this call
            mlflow.pyfunc.save_model(path="model", python_model="agent.py")
        """
        self.assertCodemod(before, after)
        self.assertCodemod(after, after)  # a second run adds nothing

    def test_call_in_a_compound_statements_header_marks_that_statement(self) -> None:
        before = """
            from databricks import agents

            if agents.deploy("main.a.b", 1):
                print("deployed")
        """
        after = f"""
            from databricks import agents

            # TODO(migrate-agent): [MA007] `agents.deploy("main.a.b", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
            if agents.deploy("main.a.b", 1):
                print("deployed")
        """
        self.assertCodemod(before, after)
        self.assertCodemod(after, after)

    def test_calls_in_nested_headers_and_bodies_each_mark_their_own_statement(self) -> None:
        before = """
            from databricks import agents

            def release():
                while agents.deploy("main.a.b", 1):
                    agents.deploy("main.a.c", 2)
                return 1
        """
        after = f"""
            from databricks import agents

            def release():
                # TODO(migrate-agent): [MA007] `agents.deploy("main.a.b", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
                while agents.deploy("main.a.b", 1):
                    # TODO(migrate-agent): [MA007] `agents.deploy("main.a.c", ...)` deploys to Model Serving, which the Databricks App replaces: {BUNDLE} and remove this call
                    agents.deploy("main.a.c", 2)
                return 1
        """
        self.assertCodemod(before, after)


def test_driver_files_pass_the_prefilter_and_plain_code_does_not() -> None:
    assert may_hold_agent(b"from databricks import agents\nagents.deploy('m', 1)\n")
    assert may_hold_agent(b"mlflow.pyfunc.log_model(python_model='agent.py')\n")
    assert may_hold_agent(b"w = get_user_workspace_client()\n")
    assert text_markers(b"import mlflow\nmlflow.pyfunc.save_model('m', python_model='agent.py')\n") == (True, True)
    assert not may_hold_agent(b"import mlflow\nfrom agent import AGENT\nmlflow.genai.evaluate(predict_fn=AGENT.predict)\n")


def test_each_model_serving_call_is_listed_at_its_line_in_migration_md(tmp_path: Path) -> None:
    from migrate_agent.api import plan_project

    (tmp_path / "agent.py").write_text((GOLDEN / "predict_only/input/agent.py").read_text())
    (tmp_path / "deploy.py").write_text(textwrap.dedent("""
        from databricks import agents

        agents.deploy("main.a.agent", 1)
        agents.deploy("main.a.agent_staging", 1)
    """))
    plan = plan_project(tmp_path, jobs=1)
    calls = plan.deploy_json["model_serving_calls"]
    assert [(c["path"], c["line"]) for c in calls] == [("deploy.py", 4), ("deploy.py", 6)]
    written = next(f for f in plan.files if f.path == "deploy.py").after.decode().splitlines()
    assert [written[c["line"] - 1].strip() for c in calls] == [
        f"# TODO(migrate-agent): [MA007] {c['message']}" for c in calls
    ]
    assert "| `deploy.py:6` |" in plan.deploy_markdown


def test_a_driver_that_only_saves_the_model_is_read_and_marked(tmp_path: Path) -> None:
    from migrate_agent.api import plan_project

    (tmp_path / "agent.py").write_text((GOLDEN / "predict_only/input/agent.py").read_text())
    (tmp_path / "save.py").write_text(textwrap.dedent("""
        import mlflow

        mlflow.pyfunc.save_model(path="model", python_model="agent.py")
    """))
    plan = plan_project(tmp_path, jobs=1)
    steps = [(s.path, s.line, s.message) for s in plan.manual_steps if s.rule == "MA007"]
    assert [(path, line) for path, line, _ in steps] == [("save.py", 4)]
    assert steps[0][2].startswith("`mlflow.pyfunc.save_model` saves `agent.py` (model from code)")
    assert [(c["path"], c["line"]) for c in plan.deploy_json["model_serving_calls"]] == [("save.py", 4)]
