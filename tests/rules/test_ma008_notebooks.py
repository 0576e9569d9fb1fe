"""MA008 notebooks (migrate_agent.notebooks, reported by the notebook reader, not a codemod):
what a notebook holds that the tool leaves as it was is a manual step at its cell or line: a
`%%writefile -a` to a file no earlier cell starts, a writer cell whose code differs from the file
it writes, a target named at run time, a cell magic that writes agent code, a cell that is not
Python, a model notebook whose cells need the notebook (dbutils, display) or that is an .ipynb,
a test cell that calls the agent. Magics the tool knows (%pip, %sql, %md...) and cells with no
agent code are not reported. Checked through plan_project on inline notebooks. No-op cases
first, then the steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.model import FileStatus
from migrate_agent.notebooks import NOTEBOOK_RULE, read_notebook
from tests.support.notebook_projects import AGENT, by_path, magic, plan_of, source_notebook


def notebook_steps(plan) -> list[tuple[str | None, int | None, str]]:
    return [(s.path, s.line, s.message) for s in plan.manual_steps if s.rule == NOTEBOOK_RULE]


# -- no-op: what the tool reads or leaves alone without a step --------------------------------


def test_pip_magic_and_plain_driver_code_are_not_reported(tmp_path: Path):
    notebook = source_notebook(magic("%pip install -U mlflow"), 'import mlflow\n\nmlflow.set_experiment("/Shared/x")\n')
    plan = plan_of(tmp_path, {"driver.py": notebook})
    assert notebook_steps(plan) == []


def test_cell_magic_without_agent_code_is_not_reported(tmp_path: Path):
    plan = plan_of(tmp_path, {"driver.py": source_notebook(magic("%%bash\necho hi\n"), "x = 1\n")})
    assert notebook_steps(plan) == []


def test_sql_cell_that_mentions_agent_words_is_not_reported(tmp_path: Path):
    notebook = source_notebook(magic("%sql\nSELECT 'set_model' AS ResponsesAgent\n"), "x = 1\n")
    plan = plan_of(tmp_path, {"driver.py": notebook})
    assert notebook_steps(plan) == []


def test_a_language_magic_cell_is_not_read_as_python_nor_reported(tmp_path: Path):
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["%md\n", "The ResponsesAgent below answers questions.\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["%%writefile agent.py\n", *AGENT.splitlines(keepends=True)]},
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    notebook = read_notebook("nb.ipynb", text.encode())
    assert notebook.steps == []
    assert "ResponsesAgent below" not in notebook.python_text
    plan = plan_of(tmp_path, {"nb.ipynb": text})
    assert by_path(plan)["agent.py"].status is FileStatus.CREATED


# -- steps: what is left as it was ------------------------------------------------------------


def test_writefile_append_without_a_first_cell_is_reported_not_migrated(tmp_path: Path):
    head, tail = AGENT.split("\n\n\nAGENT")
    plan = plan_of(tmp_path, {"driver.py": source_notebook(magic("%%writefile -a agent.py\nAGENT" + tail))})
    assert not plan.changed_files
    assert any("%%writefile -a" in s.message and s.rule == "MA008" for s in plan.manual_steps)
    assert plan.exit_code() == 1


def test_writer_cell_that_differs_from_the_written_file_is_reported(tmp_path: Path):
    other = AGENT.replace("databricks-llama", "databricks-other")
    plan = plan_of(tmp_path, {"driver.py": source_notebook(magic("%%writefile agent.py\n" + other)), "agent.py": AGENT})
    files = by_path(plan)
    assert files["agent.py"].status is FileStatus.MIGRATED
    assert files["driver.py"].status is FileStatus.MIGRATED
    assert "databricks-other" in files["driver.py"].after.decode()
    assert any("writes other code than agent.py" in s.message for s in plan.manual_steps)
    assert not any("second agent" in s.message for s in plan.manual_steps)


def test_model_notebook_cell_whose_names_the_agent_needs_is_reported_not_guarded(tmp_path: Path):
    widget = 'ENDPOINT = dbutils.widgets.get("endpoint")\n'
    notebook = source_notebook(widget, AGENT.replace('endpoint="databricks-llama"', "endpoint=ENDPOINT"))
    plan = plan_of(tmp_path, {"agent.py": notebook})
    result = by_path(plan)["agent.py"]
    assert result.status is FileStatus.SKIPPED and "`dbutils`" in result.reason
    assert not plan.changed_files
    assert any(s.rule == "MA008" and "not migrated" in s.message for s in plan.manual_steps)


def test_ipynb_that_is_the_model_is_reported_not_migrated(tmp_path: Path):
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": AGENT}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    plan = plan_of(tmp_path, {"agent.ipynb": text})
    assert not plan.changed_files
    assert by_path(plan)["agent.ipynb"].status is FileStatus.SKIPPED
    assert any(".ipynb" in s.message for s in plan.manual_steps)


def test_writefile_to_a_path_computed_at_run_time_is_reported(tmp_path: Path):
    plan = plan_of(tmp_path, {"driver.py": source_notebook(magic("%%writefile {AGENT_PATH}\n" + AGENT))})
    assert not plan.changed_files
    assert any("at run time" in s.message and s.rule == "MA008" for s in plan.manual_steps)


def test_rules_lists_the_notebook_rule():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "migrate_agent", "rules"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "MA008\nNotebooks:" in result.stdout


def test_cell_magic_that_writes_agent_code_is_reported(tmp_path: Path):
    plan = plan_of(tmp_path, {"driver.py": source_notebook(magic("%%jinja agent.py\n" + AGENT))})
    assert not plan.changed_files
    assert notebook_steps(plan) == [(
        "driver.py", 2,
        "`%%jinja` is a cell magic this tool does not know: the agent code it writes cannot be "
        "migrated statically; migrate that code by hand, or write it with %%writefile",
    )]


def test_cell_that_is_not_python_but_holds_agent_code_is_reported(tmp_path: Path):
    cell = "from mlflow.pyfunc import ResponsesAgent\nclass A(ResponsesAgent:\n    pass\n"
    plan = plan_of(tmp_path, {"driver.py": source_notebook(cell)})
    assert notebook_steps(plan) == [(
        "driver.py", 2,
        "this cell is not valid Python (invalid syntax (cell line 2)); it was left as it is and not migrated",
    )]


def test_model_notebook_test_cell_that_calls_the_agent_is_guarded_and_reported(tmp_path: Path):
    plan = plan_of(tmp_path, {"agent.py": source_notebook(AGENT, 'result = AGENT.predict({"input": []})\n')})
    after = by_path(plan)["agent.py"].after.decode()
    assert [(path, message) for path, _, message in notebook_steps(plan)] == [(
        "agent.py",
        "this cell calls the agent; it runs only in the notebook now: check that the names it "
        "uses still exist after the migration",
    )]
    assert 'if __name__ == "__main__":\n    result = AGENT.predict({"input": []})\n' in after


def test_step_of_a_guarded_test_cell_is_at_its_line_in_the_written_notebook(tmp_path: Path):
    """The notebook reader finds the cell in the notebook before the migration; the step names
    its line in the file as written (the converted agent cell above it is longer)."""
    plan = plan_of(tmp_path, {"agent.py": source_notebook(AGENT, 'result = AGENT.predict({"input": []})\n')})
    after = by_path(plan)["agent.py"].after.decode().splitlines()
    [(_, line, _)] = notebook_steps(plan)
    assert after[line - 1 : line + 1] == ['if __name__ == "__main__":', '    result = AGENT.predict({"input": []})']


def test_a_second_run_reports_the_guarded_test_cell_as_the_first_did(tmp_path: Path):
    """Issue 15 item 3: the notebook as migrated exports no model (no set_model) and its test
    cell is under the guard already; the reader still knows it serves the agent and says what the
    first run said, at the same line, and a second apply changes nothing."""
    first = plan_of(tmp_path, {"agent.py": source_notebook(AGENT, 'result = AGENT.predict({"input": []})\n')})
    apply_plan(first)
    written = (tmp_path / "agent.py").read_bytes()
    again = plan_project(tmp_path, jobs=1)
    assert notebook_steps(again) == notebook_steps(first) != []
    assert by_path(again)["agent.py"].status is FileStatus.UNCHANGED
    apply_plan(again)
    assert (tmp_path / "agent.py").read_bytes() == written
