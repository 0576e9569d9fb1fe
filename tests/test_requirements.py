"""requirements.txt lines read as pip reads them (packaging), and the agent server's mlflow floor."""

from __future__ import annotations

import pytest

from migrate_agent.app.requirements import merge_requirements, requirement_pins, resolve_requirements


def floor_warnings(line: str) -> list[str]:
    return merge_requirements(f"{line}\n".encode(), ["mlflow>=3.10"])[1]


@pytest.mark.parametrize(
    "line",
    [
        "mlflow~=3.9",  # >=3.9, ==3.*: 3.10 is in
        "mlflow[databricks]~=3.0",
        "mlflow<3.10.1",  # 3.10.0 is in
        "mlflow>=3.12  # pinned by the team",
        "mlflow==3.*",
        "mlflow>3.10",
        "mlflow!=3.10.0",
        "mlflow",
        "mlflow @ https://example.com/mlflow-3.11.0-py3-none-any.whl",
        "mlflow>=3.10; python_version >= '3.10'",
    ],
)
def test_lines_that_admit_the_floor_or_later_are_not_reported(line: str) -> None:
    assert floor_warnings(line) == []


@pytest.mark.parametrize("line", ["mlflow<3.10", "mlflow==3.9.1", "mlflow~=3.9.0", "mlflow<=3.9", "MLflow>=2,<3"])
def test_lines_that_exclude_the_floor_are_reported_as_written(line: str) -> None:
    assert floor_warnings(line) == [
        f"requirements.txt pins `{line}`; the agent server needs mlflow>=3.10"
    ]


def test_existing_lines_are_kept_and_missing_ones_appended_by_canonical_name() -> None:
    existing = b"Databricks_SDK==0.60  # ours\r\n-r other.txt\r\npydantic"
    merged, warnings = merge_requirements(existing, ["mlflow>=3.10", "databricks-sdk", "pydantic>=2"])
    assert merged == existing + b"\r\nmlflow>=3.10\r\n"
    assert warnings == []


def test_pins_skip_options_paths_and_bare_urls() -> None:
    text = (
        "# the team's pins\n-e .\n--index-url https://example.com/simple\n./wheels/x.whl\n"
        "git+https://example.com/repo.git\nopenai-agents==0.2.3  # runner\n"
        "opencv_python_headless==4.10.0.84\nopenai-agents==9\n"
    )
    assert requirement_pins(text) == {
        "openai-agents": "openai-agents==0.2.3",
        "opencv-python-headless": "opencv_python_headless==4.10.0.84",
    }


def test_a_namespace_package_known_by_what_was_imported_from_it_is_resolved():
    """`from databricks import agents` names `databricks` and `databricks.agents` (issue 15, item
    3: the step it made appeared only on the run that changed the importing file). The package is
    known by what was imported from it; a namespace root alone that nothing resolves still is news."""
    lines, unresolved = resolve_requirements(["databricks", "databricks.agents"], set())
    assert "databricks-agents" in lines
    assert unresolved == []
    _, unresolved = resolve_requirements(["databricks", "databricks.nothing_known"], set())
    assert unresolved == ["databricks"]
