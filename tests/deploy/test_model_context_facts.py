"""What the driver's log_model tells the app about Model Serving's context and input: a
signature or input example means MLflow's schema enforcement handed a PythonModel's predict a
one-row DataFrame (issue 14, defect 5)."""

from __future__ import annotations

import pytest

from migrate_agent.deploy.read.model_context_facts import read_model_context

EXAMPLE = '{"messages": [{"role": "user", "content": "hi"}]}'


@pytest.mark.parametrize(
    ("arguments", "dataframe"),
    [
        (f"input_example={EXAMPLE}", True),
        (f"signature=infer_signature({EXAMPLE})", True),
        ("signature=None, input_example=None", False),
        ("", False),
    ],
)
def test_signature_or_input_example_means_dataframe_input(tmp_path, arguments, dataframe):
    driver = (
        "import mlflow\nfrom mlflow.models import infer_signature\n\n"
        f'mlflow.pyfunc.log_model(name="agent", python_model="agent.py", {arguments})\n'
    )
    (tmp_path / "driver.py").write_text(driver, encoding="utf-8")
    facts = read_model_context(tmp_path, {"driver.py": driver})
    assert facts.logged
    assert facts.dataframe_input is dataframe
