"""`--select` / `--ignore` (plan, apply, rules): a rule left out changes no code and reports no step."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migrate_agent.rule_catalog import UnknownRuleError, all_rules, select_rules

GOLDEN = Path(__file__).parent / "golden"
DEPLOY_CASE = "driver_log_model_and_deploy_marked"  # MA007 calls, an MA108 step, an MA001 step
CONFIG_CASE = "model_config_without_file"  # an MA005 marker in the agent, an MA007 one in the driver


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrate_agent", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


def project(tmp_path: Path, case: str, name: str | None = None) -> Path:
    target = tmp_path / (name or case)
    shutil.copytree(GOLDEN / case / "input", target)
    return target


def plan_json(root: Path, *options: str) -> dict:
    result = run_cli("plan", str(root), "--format", "json", *options)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def files(document: dict) -> dict[str, str]:
    return {f["path"]: f["status"] for f in document["files"]}


def rules_of(document: dict) -> set[str]:
    return {step["rule"] for step in document["manual_steps"]}


def test_an_ignored_marking_rule_leaves_its_code_and_its_steps_out(tmp_path: Path) -> None:
    everything = project(tmp_path, CONFIG_CASE, "all")
    without = project(tmp_path, CONFIG_CASE, "without")
    assert run_cli("apply", str(everything), "--allow-dirty").returncode == 1
    result = run_cli("apply", str(without), "--allow-dirty", "--ignore", "MA005")
    assert result.returncode == 1, result.stderr  # the MA007 steps are still open
    assert b"[MA005]" in (everything / "agent.py").read_bytes()
    agent = (without / "agent.py").read_bytes()
    assert b"[MA005]" not in agent and b"@invoke()" in agent  # converted, not marked
    assert "MA005" not in result.stdout and "MA007" in result.stdout
    again = plan_json(without, "--ignore", "MA005")  # a second apply with it changes nothing
    assert [f for f in again["files"] if f["diff"]] == [] and again["new_files"] == []


def test_ignoring_driver_marks_leaves_the_driver_as_it_is(tmp_path: Path) -> None:
    root = project(tmp_path, DEPLOY_CASE)
    document = plan_json(root, "--ignore", "MA007")
    assert files(document)["driver.py"] == "unchanged" and files(document)["agent.py"] == "migrated"
    assert "MA007" not in rules_of(document) and "MA108" in rules_of(document)
    assert document["deploy"]["model_serving_calls"] == []


def test_an_ignored_deployment_rule_is_reported_neither_in_the_plan_nor_in_migration_md(tmp_path: Path) -> None:
    root = project(tmp_path, DEPLOY_CASE)
    assert "MA108" in rules_of(plan_json(root))
    result = run_cli("apply", str(root), "--allow-dirty", "--ignore", "MA108", "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert "MA108" not in rules_of(document) and "MA007" in rules_of(document)
    assert [s for s in document["deploy"]["manual_steps"] if s["rule"] == "MA108"] == []
    assert "| MA108 |" not in (root / "MIGRATION.md").read_text()


def test_select_by_prefix_applies_those_rules_only(tmp_path: Path) -> None:
    root = project(tmp_path, DEPLOY_CASE)
    assert {"MA007", "MA108"} <= rules_of(plan_json(root))
    document = plan_json(root, "--select", "MA00", "--ignore", "ma007")  # the code rules but MA007
    assert not rules_of(document) & {"MA007", "MA108"}
    assert files(document)["driver.py"] == "unchanged" and files(document)["agent.py"] == "migrated"
    assert "start_server.py" in {f["path"] for f in document["new_files"]}


def test_a_selection_without_the_converting_rules_converts_nothing_and_says_so(tmp_path: Path) -> None:
    root = project(tmp_path, DEPLOY_CASE)
    only_deploy = run_cli("plan", str(root), "--select", "MA1")
    assert only_deploy.returncode == 0, only_deploy.stdout  # nothing to do
    assert "no agent is converted: MA001 and MA003 are not selected" in only_deploy.stdout
    document = plan_json(root, "--ignore", "MA004")  # MA001 would leave user clients acting as the app
    assert files(document)["agent.py"] == "unchanged" and document["new_files"] == []
    assert document["notes"][-1].startswith("MA001, MA003 convert no agent")
    assert "MA004 is not selected" in document["notes"][-1]


def test_an_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, CONFIG_CASE)
    for command in (("plan", str(root)), ("apply", str(root), "--allow-dirty"), ("rules",)):
        result = run_cli(*command, "--select", "MA001,MA9")
        assert result.returncode == 2
        assert "--select MA9: no rule id starts with it" in result.stderr
    assert not (root / "start_server.py").exists()


def test_rules_lists_each_id_once_and_follows_the_selection() -> None:
    listed = run_cli("rules")
    assert listed.returncode == 0
    ids = [line for line in listed.stdout.splitlines() if line.startswith("MA") and line[2:].isdigit()]
    assert ids == sorted(set(ids)) == [rule_id for rule_id, _ in all_rules()]
    assert {"MA001", "MA008", "MA101"} <= set(ids)
    chosen = run_cli("rules", "--select", "MA1", "--ignore", "MA10,MA117")
    shown = [line for line in chosen.stdout.splitlines() if line in ids]
    assert shown == [i for i in ids if i.startswith("MA11") and i != "MA117"] and "MA110" in shown


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        ((), (), None),  # neither option: every rule, as before
        (("MA005",), (), {"MA005"}),
        (("ma1",), ("MA108",), {i for i, _ in all_rules() if i.startswith("MA1")} - {"MA108"}),
        (("MA108",), ("MA1",), {"MA108"}),  # the more specific selector wins
        (("MA1",), ("MA1",), set()),  # a tie goes to ignore
        ((), ("ALL",), set()),
        (("MA001, MA002", "MA004"), (), {"MA001", "MA002", "MA004"}),
    ],
)
def test_selection_follows_ruff(select, ignore, expected) -> None:
    result = select_rules(select, ignore)
    assert result == (None if expected is None else frozenset(expected))


def test_a_selector_naming_no_rule_is_refused() -> None:
    with pytest.raises(UnknownRuleError, match="--ignore E501"):
        select_rules((), ("E501",))
