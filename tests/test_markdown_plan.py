"""`plan --format markdown`: the plan as a pull-request comment / CI job summary.

The golden report is tests/golden/model_config_without_file/plan.md (regenerate it with
MIGRATE_AGENT_REGEN=1, then read its diff).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from tests.support.golden import GOLDEN_DIR, REGENERATE

CASE = "model_config_without_file"
EXPECTED = GOLDEN_DIR / CASE / "plan.md"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrate_agent", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )


def copy_case(tmp_path: Path, name: str = CASE) -> Path:
    target = tmp_path / name
    shutil.copytree(GOLDEN_DIR / name / "input", target)
    return target


def markdown_plan(project: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("plan", str(project), "--format", "markdown", *extra)


def test_markdown_plan_matches_the_golden_report(tmp_path: Path) -> None:
    result = markdown_plan(copy_case(tmp_path))
    assert result.returncode == 1, result.stderr
    if REGENERATE:
        EXPECTED.write_text(result.stdout)
    assert result.stdout == EXPECTED.read_text()


def test_markdown_plan_is_the_same_bytes_from_anywhere(tmp_path: Path) -> None:
    """Two runs on two copies of the project in different folders: the same bytes, and no
    absolute path in them."""
    first = markdown_plan(copy_case(tmp_path / "one"))
    second = markdown_plan(copy_case(tmp_path / "two"))
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout
    assert str(tmp_path) not in first.stdout


def test_markdown_structure_renders_as_github_shows_it(tmp_path: Path) -> None:
    """Parsed as CommonMark with tables: one open task per manual step (file:line and rule), a
    deploy-diff table, and each changed file's diff whole in its own ```diff block, even when
    the file holds backtick fences itself (MIGRATION.md)."""
    project = copy_case(tmp_path)
    result = markdown_plan(project)
    document = json.loads(run_cli("plan", str(project), "--format", "json").stdout)
    tokens = MarkdownIt("commonmark").enable("table").parse(result.stdout)

    inline = [t.content for t in tokens if t.type == "inline"]
    tasks = [text for text in inline if text.startswith("[ ] ")]
    expected_tasks = [f"[ ] `{s['path']}:{s['line']}` [{s['rule']}]" for s in document["manual_steps"]]
    assert len(tasks) == len(expected_tasks) == 2
    assert all(task.startswith(start) for task, start in zip(tasks, expected_tasks))

    headers = [t.content for t in tokens if t.type == "inline" and "Databricks Apps" == t.content]
    assert headers, "the deploy diff's table has a Databricks Apps column"
    rows = sum(1 for t in tokens if t.type == "tr_open")
    assert rows >= len(document["deploy"]["items"]) + 1

    blocks = [t for t in tokens if t.type == "fence" and t.info == "diff"]
    diffs = [f["diff"] for f in document["files"] if f["diff"]]
    new = [f["path"] for f in document["new_files"]]
    assert len(blocks) == len(diffs) + len(new)
    assert sorted(b.content for b in blocks if not b.content.startswith("--- /dev/null")) == sorted(diffs)
    migration = next(b.content for b in blocks if "+++ b/MIGRATION.md" in b.content)
    assert "+```bash\n" in migration and migration.endswith("+<!-- migrate-agent:deploy:end -->\n")
    html = "".join(t.content for t in tokens if t.type == "html_block")
    assert html.count("<details>") == html.count("</details>") == len(blocks) + 1  # + the deploy diff
    assert sorted(re.findall(r"<summary>(.*) \(new file\)</summary>", html)) == sorted(new)


def test_markdown_check_leaves_out_the_diffs_and_keeps_the_exit_code(tmp_path: Path) -> None:
    project = copy_case(tmp_path)
    result = markdown_plan(project, "--check")
    assert result.returncode == 1
    assert "```diff" not in result.stdout and "- [ ] `agent.py:" in result.stdout


def test_markdown_plan_exit_codes_are_the_other_formats(tmp_path: Path) -> None:
    nothing = markdown_plan(copy_case(tmp_path, "no_agent"))
    assert nothing.returncode == 0, nothing.stderr
    assert "Nothing to do" in nothing.stdout and "None open." in nothing.stdout
    failed = markdown_plan(copy_case(tmp_path, "syntax_error_beside_agent"))
    assert failed.returncode == 2
    assert "| `broken_agent.py` | failed | cannot parse" in failed.stdout
