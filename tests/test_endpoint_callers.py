"""The endpoint-callers stage over whole projects (issue 17 §1): which endpoint it looks for,
`--keep-callers`, acknowledged steps, the JSON report, and projects that get no app. The shapes of
each caller are in tests/rules/test_ma009_endpoint_callers.py and the golden cases `callers_*`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migrate_agent.api import apply_plan, plan_project
from migrate_agent.output.report import render_json
from migrate_agent.rule_catalog import all_rules, select_rules

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The golden project whose Python callers are rewritten, copied."""
    shutil.copytree(GOLDEN / "callers_rewritten_to_call_the_app" / "input", tmp_path / "p")
    return tmp_path / "p"


def changed(plan) -> dict[str, bytes]:
    return {r.path: r.after for r in plan.files if r.changed}


def test_keep_callers_lists_them_and_changes_none(project: Path) -> None:
    plan = plan_project(project, jobs=1, keep_callers=True)
    assert "evaluate.py" not in changed(plan)
    assert not [s for s in plan.manual_steps if s.rule == "MA009"]
    rows = [line for line in plan.deploy_markdown.splitlines() if line.startswith("| `evaluate.py:")]
    assert [row.rsplit("|", 2)[-2].strip() for row in rows] == ["kept (--keep-callers)"] * 3
    assert "3 of them still point at the endpoint" in plan.deploy_markdown


def test_ignoring_ma009_lists_the_callers_and_changes_none(project: Path) -> None:
    plan = plan_project(project, jobs=1, rules=select_rules(ignore=["MA009"]))
    assert "evaluate.py" not in changed(plan)
    assert not [s for s in plan.manual_steps if s.rule == "MA009"]
    assert "3 of them still point at the endpoint" in plan.deploy_markdown


def test_without_keep_callers_they_are_rewritten(project: Path) -> None:
    plan = plan_project(project, jobs=1)
    assert b'model="apps/answer-agent"' in changed(plan)["evaluate.py"]
    assert "Nothing in this project points at `agents_main-agents-answer_agent` any more" in plan.deploy_markdown


def test_json_report_lists_every_caller_with_its_status(project: Path) -> None:
    (project / "score.sql").write_text("SELECT ai_query('agents_main-agents-answer_agent', q) FROM t\n")
    plan = plan_project(project, jobs=1)
    retirement = json.loads(render_json(plan, exit_code=1, applied=False))["deploy"]["endpoint_retirement"]
    assert retirement["endpoint"] == "agents_main-agents-answer_agent"
    assert [(c["path"], c["line"], c["kind"], c["status"]) for c in retirement["callers"]] == [
        ("evaluate.py", 12, "OpenAI responses", "calls the app"),
        ("evaluate.py", 20, "OpenAI responses", "calls the app"),
        ("evaluate.py", 25, "OpenAI responses", "calls the app"),
        ("score.sql", 1, "ai_query (SQL)", "still calls the endpoint"),
    ]


def test_a_step_without_marker_is_acknowledged_in_the_ack_file(project: Path) -> None:
    (project / "score.sql").write_text("SELECT ai_query('agents_main-agents-answer_agent', q) FROM t\n")
    assert [s.location() for s in plan_project(project, jobs=1).manual_steps if s.rule == "MA009"] == ["score.sql:1"]
    (project / ".migrate-agent-ack").write_text("MA009 score.sql  # the dashboard moves next quarter\n")
    plan = plan_project(project, jobs=1)
    assert not [s for s in plan.manual_steps if s.rule == "MA009"]
    assert [s.location() for s in plan.acknowledged if s.rule == "MA009"] == ["score.sql:1"]


def test_an_acknowledged_marker_stays_and_is_not_counted(project: Path) -> None:
    (project / "smoke.py").write_text(
        "from databricks_langchain import ChatDatabricks\n\n"
        'llm = ChatDatabricks(endpoint="agents_main-agents-answer_agent")\n'
    )
    assert apply_plan(plan_project(project, jobs=1)) == 1
    text = (project / "smoke.py").read_text()
    assert text.count("# TODO(migrate-agent): [MA009]") == 1
    (project / "smoke.py").write_text(text.replace("# TODO(migrate-agent)", "# ACK(migrate-agent)"))
    plan = plan_project(project, jobs=1)
    assert "smoke.py" not in changed(plan)
    assert not [s for s in plan.manual_steps if s.rule == "MA009"]
    assert [s.location() for s in plan.acknowledged if s.rule == "MA009"] == ["smoke.py:3"]


def test_the_endpoint_named_by_the_bundle_is_looked_for(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(GOLDEN / "callers_rewritten_to_call_the_app" / "input" / "agent.py", project)
    (project / "databricks.yml").write_text(
        "bundle:\n  name: answers\nresources:\n  model_serving_endpoints:\n    answers:\n      name: answers-endpoint\n"
    )
    (project / "ask.py").write_text(
        "from databricks.sdk import WorkspaceClient\n\n"
        'WorkspaceClient().serving_endpoints.query(name="answers-endpoint", messages=[])\n'
    )
    plan = plan_project(project, jobs=1)
    steps = {s.location(): s.message for s in plan.manual_steps if s.rule == "MA009"}
    assert list(steps) == ["ask.py:3", "databricks.yml:6"]
    assert steps["databricks.yml:6"].startswith("the bundle still defines the Model Serving endpoint `answers-endpoint`")
    assert "| `databricks.yml:6` | the bundle's endpoint definition |" in plan.deploy_markdown


def test_a_project_without_an_app_keeps_its_callers(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "driver.py").write_text(
        "from databricks import agents\n\nagents.deploy('main.a.b', 1, endpoint_name='answers')\n"
    )
    (project / "ask.py").write_text(
        "from databricks_langchain import ChatDatabricks\n\nllm = ChatDatabricks(endpoint='answers')\n"
    )
    plan = plan_project(project, jobs=1)
    assert not changed(plan)
    assert not [s for s in plan.manual_steps if s.rule == "MA009"]


def test_rules_lists_endpoint_callers() -> None:
    rules = dict(all_rules())
    assert "ai_query" in rules["MA009"] and "--keep-callers" in rules["MA009"]


def ipynb(*cells: str) -> str:
    """A Jupyter notebook of these code cells."""
    return json.dumps({
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": cell.splitlines(keepends=True)}
            for cell in cells
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1) + "\n"


def test_a_jupyter_caller_is_rewritten_in_its_cell_and_a_shell_cell_listed(project: Path) -> None:
    (project / "ask.ipynb").write_text(ipynb(
        "%%sh\ncurl -X POST \"$HOST/serving-endpoints/agents_main-agents-answer_agent/invocations\" -d @q.json\n",
        "from databricks.sdk import WorkspaceClient\n\nw = WorkspaceClient()\n"
        "client = w.serving_endpoints.get_open_ai_client()\n",
        'reply = client.responses.create(model="agents_main-agents-answer_agent", input="hi")\nprint(reply.output_text)',
    ))
    plan = plan_project(project, jobs=1)
    cells = [cell["source"] for cell in json.loads(changed(plan)["ask.ipynb"])["cells"]]
    assert "".join(cells[2]) == (
        'reply = DatabricksOpenAI(workspace_client=w).responses.create(model="apps/answer-agent", input="hi")\n'
        "print(reply.output_text)"
    )
    assert "from databricks_openai import DatabricksOpenAI\n" in cells[1]
    steps = [(s.location(), s.message.split(":", 1)[0]) for s in plan.manual_steps if s.rule == "MA009"]
    assert steps == [("ask.ipynb", "cell 1")]
    rows = [line for line in plan.deploy_markdown.splitlines() if line.startswith("| `ask.ipynb")]
    assert [row.split("|")[1:3] for row in rows] == [
        [" `ask.ipynb (cell 1)` ", " HTTP to /serving-endpoints/.../invocations "],
        [" `ask.ipynb (cell 3)` ", " OpenAI responses "],
    ]
    assert apply_plan(plan) == 1
    again = plan_project(project, jobs=1)
    assert not changed(again)
    assert again.deploy_markdown == plan.deploy_markdown
