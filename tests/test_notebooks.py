"""Notebooks: cell splitting, magic hiding, .ipynb layout kept, writer cells, test-cell guards and
fixpoints. What is reported instead of migrated (MA008) is in tests/rules/test_ma008_notebooks.py;
the end-to-end shapes are golden cases (tests/golden/notebook_*, ipynb_*)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.model import FileStatus
from migrate_agent.notebooks import read_notebook
from migrate_agent.notebooks.masking import Masked
from migrate_agent.notebooks.source_format import split_cells, unprefix
from tests.support.notebook_projects import AGENT, GOLDEN, by_path, magic, plan_of, source_notebook


def test_cells_split_at_separators_without_title_and_blank_lines():
    text = source_notebook("x = 1\n", "# DBTITLE 1,Install\n# MAGIC %pip install a\n# MAGIC\n# MAGIC b\n")
    lines = text.splitlines(keepends=True)
    cells = split_cells(lines)
    assert [c.magic for c in cells] == [False, True]
    assert [unprefix(l) for l in cells[1].content(lines)] == ["%pip install a\n", "\n", "b\n"]
    assert cells[0].content(lines) == ["x = 1\n"]


def test_raw_magics_are_hidden_with_their_continuation_lines_and_line_numbers_kept():
    text = source_notebook("%pip install -U \\\n  mlflow \\\n  openai {extras}\n%restart_python\nx = 1\n")
    notebook = read_notebook("nb.py", text.encode())
    python = notebook.python_text
    assert len(python.splitlines()) == len(text.splitlines())
    assert python.splitlines()[5] == "x = 1"
    assert "%pip" not in python and "openai" not in python
    ast.parse(python)


def test_placeholders_lost_by_a_rewrite_are_refused():
    masked = Masked()
    masked.add("import a\n")
    masked.add("%pip install b\n", hide=True)
    masked.add("x = 1\n")
    assert masked.restore(masked.text) == "import a\n%pip install b\nx = 1\n"
    assert masked.restore("import a\nx = 1\n") is None


def test_a_prose_cell_does_not_fail_the_notebook_that_is_the_model(tmp_path: Path):
    head, tail = AGENT.split("\n\n\nAGENT")
    prose = "This cell explains the agent, in words, not Python.\n"
    notebook = source_notebook(head + "\n", prose, "AGENT" + tail)
    plan = plan_of(tmp_path, {"agent.py": notebook})
    result = by_path(plan)["agent.py"]
    assert result.status is FileStatus.MIGRATED
    assert prose in result.after.decode()
    assert "start_server.py" in by_path(plan)


def test_ipynb_keeps_every_byte_outside_the_rewritten_source(tmp_path: Path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["Café — the agent\n"]},
        {"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["x"]}, "outputs": [],
         "source": ["%%writefile agent.py\n", *AGENT.splitlines(keepends=True)]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": "print('done')"},
    ]
    document = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    plan = plan_of(tmp_path, {"nb.ipynb": text})
    after = by_path(plan)["nb.ipynb"].after.decode()
    start = text.index('"%%writefile agent.py\\n"')
    end = text.index("]", text.index("set_model(AGENT)")) + 1
    assert after.startswith(text[:start]) and after.endswith(text[end:])
    new = json.loads(after)
    assert [c for i, c in enumerate(new["cells"]) if i != 1] == [c for i, c in enumerate(cells) if i != 1]
    assert new["cells"][1]["metadata"] == {"tags": ["x"]}
    written = "".join(new["cells"][1]["source"][1:])
    assert written == by_path(plan)["agent.py"].after.decode()
    assert "@invoke()" in written


def test_writefile_append_cells_are_read_as_one_file_and_migrated_into_the_first(tmp_path: Path):
    head, tail = AGENT.split("\n\n\nAGENT")
    notebook = source_notebook(
        magic("%%writefile agent.py\n" + head + "\n"), "x = 1\n", magic("%%writefile -a agent.py\n\n\nAGENT" + tail)
    )
    plan = plan_of(tmp_path, {"driver.py": notebook})
    files = by_path(plan)
    written = files["agent.py"].after.decode()
    assert "@invoke()" in written and "set_model" not in written
    after = files["driver.py"].after.decode()
    assert after.endswith("# MAGIC %%writefile -a agent.py\n")  # its code moved into the first cell
    first = after.split("# MAGIC %%writefile agent.py\n", 1)[1].split("\n\n# COMMAND", 1)[0] + "\n"
    assert "".join(unprefix(l) for l in first.splitlines(keepends=True)) == written
    assert any("append to it" in e for e in files["driver.py"].edits)


def test_notebook_without_agent_code_is_skipped_by_the_prefilter(tmp_path: Path):
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["print(1)\n"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    plan = plan_of(tmp_path, {"explore.ipynb": text})
    assert plan.files == []
    assert any("text prefilter" in note for note in plan.notes)


def test_model_notebook_test_cells_of_any_statement_are_guarded(tmp_path: Path):
    tests = [
        'result = AGENT.predict({"input": []})\ndisplay(result)\n',
        'for event in AGENT.predict_stream({"input": []}):\n    print(event)\n',
    ]
    plan = plan_of(tmp_path, {"agent.py": source_notebook(AGENT, *tests)})
    after = by_path(plan)["agent.py"].after.decode()
    assert 'if __name__ == "__main__":\n    result = AGENT.predict({"input": []})\n    display(result)\n' in after
    assert 'if __name__ == "__main__":\n    for event in AGENT.predict_stream({"input": []}):\n        print(event)\n' in after


def test_model_notebook_test_cell_is_guarded_and_runs_only_in_the_notebook(tmp_path: Path):
    notebook = source_notebook(AGENT, "dbutils.library.restartPython()\n")
    plan = plan_of(tmp_path, {"agent.py": notebook})
    after = by_path(plan)["agent.py"].after.decode()
    assert 'if __name__ == "__main__":\n    dbutils.library.restartPython()\n' in after
    assert "@invoke()" in after


def test_apply_then_plan_again_changes_nothing(tmp_path: Path):
    notebook = source_notebook(magic("%%writefile agents/agent.py\n" + AGENT))
    plan = plan_of(tmp_path, {"driver.py": notebook})
    assert {"agents/agent.py", "agents/start_server.py"} <= set(by_path(plan))
    apply_plan(plan)
    assert plan_project(tmp_path, jobs=1).changed_files == []


def test_raw_writefile_cell_in_a_source_notebook_is_migrated_with_its_blank_lines(tmp_path: Path):
    notebook = source_notebook("%%writefile agent.py\n\n" + AGENT)
    plan = plan_of(tmp_path, {"driver.py": notebook})
    after = by_path(plan)["driver.py"].after.decode()
    assert after.startswith("# Databricks notebook source\n%%writefile agent.py\n")
    assert after.split("%%writefile agent.py\n", 1)[1] == by_path(plan)["agent.py"].after.decode()


def test_deploy_lines_refer_to_the_migrated_notebook_so_a_second_apply_changes_nothing(tmp_path: Path):
    deploy = 'from databricks import agents\n\nagents.deploy("main.agents.answer", 1)\n'
    plan = plan_of(tmp_path, {"driver.py": source_notebook(magic("%%writefile agent.py\n" + AGENT), deploy)})
    apply_plan(plan)
    line = next(n for n, text in enumerate((tmp_path / "driver.py").read_text().splitlines(), 1) if "agents.deploy(" in text)
    assert f"driver.py:{line}" in (tmp_path / "MIGRATION.md").read_text()
    assert plan_project(tmp_path, jobs=1).changed_files == []


def test_two_notebooks_writing_the_same_agent_create_it_once_and_migrate_both_cells(tmp_path: Path):
    cell = magic("%%writefile agent.py\n" + AGENT)
    plan = plan_of(tmp_path, {"a_author.py": source_notebook(cell), "b_eval.py": source_notebook(cell)})
    assert [f.path for f in plan.files].count("agent.py") == 1
    assert not any("second agent" in s.message for s in plan.manual_steps)
    files = by_path(plan)
    assert files["a_author.py"].after == files["b_eval.py"].after != files["a_author.py"].before


# -- files apply creates from writer cells are project files from the first run ---------------

ENDPOINT_AGENT = '''import mlflow
from databricks.sdk import WorkspaceClient
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

from prompts import SYSTEM_PROMPT

LLM_ENDPOINT_NAME = "databricks-claude-sonnet-4"


class AnswerAgent(ResponsesAgent):
    def __init__(self):
        self.client = WorkspaceClient().serving_endpoints.get_open_ai_client()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, *self.prep_msgs_for_cc_llm(request.input)]
        completion = self.client.chat.completions.create(model=LLM_ENDPOINT_NAME, messages=messages)
        text = completion.choices[0].message.content
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=text, id="a1")])


mlflow.models.set_model(AnswerAgent())
'''
LOG_WITH_IMPORTED_ENDPOINT = '''import mlflow
from mlflow.models.resources import DatabricksServingEndpoint

from agent import LLM_ENDPOINT_NAME

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=[DatabricksServingEndpoint(endpoint_name=LLM_ENDPOINT_NAME)],
    )
'''


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def apply_twice(tmp_path: Path, files: dict[str, str]):
    """(first plan, files after it, second plan): the second plan of a fixpoint changes nothing."""
    first = plan_of(tmp_path, files)
    apply_plan(first)
    written = files_of(tmp_path)
    second = plan_project(tmp_path, jobs=1)
    return first, written, second


def test_first_apply_reads_names_of_the_agent_a_writer_cell_creates(tmp_path: Path):
    notebook = source_notebook(magic("%%writefile agent.py\n" + ENDPOINT_AGENT), LOG_WITH_IMPORTED_ENDPOINT)
    first, written, second = apply_twice(
        tmp_path, {"driver.py": notebook, "prompts.py": 'SYSTEM_PROMPT = "Be brief."\n'}
    )
    assert by_path(first)["agent.py"].status is FileStatus.CREATED
    assert not any(s.rule == "MA101" for s in first.manual_steps), first.manual_steps
    bundle = written["databricks.yml"].decode()
    assert "serving_endpoint:\n            name: databricks-claude-sonnet-4\n" in bundle
    assert second.changed_files == []  # the first apply is the fixpoint
    apply_plan(second)
    assert files_of(tmp_path) == written


def test_a_package_written_by_cells_is_a_project_module_on_the_first_run(tmp_path: Path):
    agent = AGENT.replace("import mlflow\n", "import mlflow\n\nfrom agents.tools import PREFIX\n", 1)
    notebook = source_notebook(
        magic('%%writefile agents/tools.py\nPREFIX = "> "\n'), magic("%%writefile agents/agent.py\n" + agent)
    )
    first, written, second = apply_twice(tmp_path, {"driver.py": notebook})
    assert {"agents/tools.py", "agents/agent.py"} <= set(by_path(first))
    # `agents` is the project's package, not a distribution (openai-agents) to install
    requirements = written["requirements.txt"].decode()
    assert "mlflow>=3.10" in requirements and "agents" not in requirements
    assert second.changed_files == []


def test_an_agent_class_whose_base_a_writer_cell_creates_converts_on_the_first_run(tmp_path: Path):
    base = (
        "from mlflow.pyfunc import ResponsesAgent\n"
        "from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse\n\n\n"
        "class BaseAgent(ResponsesAgent):\n"
        "    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:\n"
        '        return ResponsesAgentResponse(output=[self.create_text_output_item(self.answer(), "b1")])\n'
    )
    agent = (
        "import mlflow\n\nfrom base import BaseAgent\n\n\n"
        'class Answer(BaseAgent):\n    def answer(self):\n        return "42"\n\n\n'
        "mlflow.models.set_model(Answer())\n"
    )
    notebook = source_notebook(magic("%%writefile base.py\n" + base), magic("%%writefile agent.py\n" + agent))
    first, written, second = apply_twice(tmp_path, {"driver.py": notebook})
    assert by_path(first)["agent.py"].status is FileStatus.CREATED
    assert "start_server.py" in written
    assert second.changed_files == []


# -- no app, no Model Serving markers ----------------------------------------------------------

ODD_AGENT = (GOLDEN / "unexpected_signature" / "input" / "agent.py").read_text()
LOG_AGENT = 'import mlflow\n\nwith mlflow.start_run():\n    mlflow.pyfunc.log_model(name="agent", python_model="agent.py")\n'


def test_notebook_driver_is_not_marked_when_no_app_is_generated(tmp_path: Path):
    plan = plan_of(tmp_path, {"driver.py": source_notebook(LOG_AGENT), "agent.py": ODD_AGENT})
    assert by_path(plan)["driver.py"].status is FileStatus.UNCHANGED
    assert not any(s.rule == "MA007" for s in plan.manual_steps)
    assert any(s.rule == "MA001" for s in plan.manual_steps)  # why there is no app


def test_writer_cell_agent_that_does_not_convert_keeps_its_step_and_the_driver_is_not_marked(tmp_path: Path):
    notebook = source_notebook(magic("%%writefile agent.py\n" + ODD_AGENT), LOG_AGENT)
    plan = plan_of(tmp_path, {"driver.py": notebook})
    assert "agent.py" not in by_path(plan)  # no app: the notebook's files are not created
    assert [s.rule for s in plan.manual_steps] == ["MA001"]
    assert plan.manual_steps[0].path == "driver.py"
    assert "TODO(migrate-agent): [MA007]" not in by_path(plan)["driver.py"].after.decode()


def test_artifacts_a_notebook_logs_reach_the_agent_its_writer_cell_creates(tmp_path: Path):
    agent = (GOLDEN / "load_context_reads_unlogged_artifacts" / "input" / "agent.py").read_text()
    log = 'import mlflow\n\nmlflow.pyfunc.log_model(name="agent", python_model="agent.py", artifacts={"faq": "faq.md"})\n'
    notebook = source_notebook(magic("%%writefile agent.py\n" + agent), log)
    first, written, second = apply_twice(tmp_path, {"driver.py": notebook, "faq.md": "Q: hours?\n"})
    assert by_path(first)["agent.py"].status is FileStatus.CREATED
    assert b'model_context(__file__, artifacts={"faq": "faq.md"})' in written["agent.py"]
    assert second.changed_files == []
