"""StaticEvaluator: values worked out from source text, never by running it."""

from __future__ import annotations

import libcst as cst
import pytest

from migrate_agent.deploy.read.serving_model import Unresolved
from migrate_agent.deploy.read.static_eval import CallValue, StaticEvaluator


def value_of(tmp_path, files: dict[str, str], name: str, path: str = "driver.py"):
    """The value `name` holds where the last statement of `path` reads it (`probe(name)`)."""
    for relative, text in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    evaluator = StaticEvaluator(tmp_path, {})
    parsed = evaluator.parsed(path)
    probes = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node):
            if isinstance(node.func, cst.Name) and node.func.value == "probe":
                probes.append(node.args[0].value)

    parsed.module.visit(Finder())
    return evaluator.evaluate(parsed, probes[-1])


def test_literals_and_constants(tmp_path):
    code = 'A = "x"\nB = A + "-y"\nC = f"{B}.z"\nD = {"k": [1, -2.5, True, None], **{"m": C}}\nprobe(D)\n'
    assert value_of(tmp_path, {"driver.py": code}, "D") == {"k": [1, -2.5, True, None], "m": "x-y.z"}


def test_list_built_step_by_step(tmp_path):
    code = "r = [1]\nr.append(2)\nr.extend([3, 4])\nr += [5]\nprobe(r)\n"
    assert value_of(tmp_path, {"driver.py": code}, "r") == [1, 2, 3, 4, 5]


def test_dict_item_assignment(tmp_path):
    code = 'env = {"A": "1"}\nenv["B"] = "2"\nenv.update({"C": "3"})\nprobe(env)\n'
    assert value_of(tmp_path, {"driver.py": code}, "env") == {"A": "1", "B": "2", "C": "3"}


def test_additions_in_a_loop_stay_visible_as_unresolved(tmp_path):
    code = "r = [1]\nfor t in tools:\n    r.append(t)\nr.append(3)\nprobe(r)\n"
    value = value_of(tmp_path, {"driver.py": code}, "r")
    assert value[0] == 1 and value[2] == 3
    assert isinstance(value[1], Unresolved) and value[1].line == 3


def test_assignment_under_a_condition_is_unresolved(tmp_path):
    code = 'x = "a"\nif flag:\n    x = "b"\nprobe(x)\n'
    value = value_of(tmp_path, {"driver.py": code}, "x")
    assert isinstance(value, Unresolved) and "condition" in value.reason


def test_assignment_in_the_same_branch_as_the_use_is_certain(tmp_path):
    code = 'if flag:\n    x = "b"\n    probe(x)\n'
    assert value_of(tmp_path, {"driver.py": code}, "x") == "b"


def test_with_block_is_straight_line(tmp_path):
    code = 'import mlflow\nwith mlflow.start_run():\n    x = "in"\n    probe(x)\n'
    assert value_of(tmp_path, {"driver.py": code}, "x") == "in"


def test_later_assignment_is_not_seen(tmp_path):
    code = 'x = "early"\nprobe(x)\nx = "late"\n'
    assert value_of(tmp_path, {"driver.py": code}, "x") == "early"


def test_environment_is_unresolved(tmp_path):
    code = 'import os\na = os.environ["X"]\nb = os.getenv("Y")\nprobe([a, b])\n'
    a, b = value_of(tmp_path, {"driver.py": code}, "x")
    assert isinstance(a, Unresolved) and isinstance(b, Unresolved)
    assert "environment" in a.reason and "environment" in b.reason


def test_function_parameter_is_unresolved(tmp_path):
    code = "def log(endpoint):\n    probe(endpoint)\n"
    value = value_of(tmp_path, {"driver.py": code}, "endpoint")
    assert isinstance(value, Unresolved) and "parameter" in value.reason


def test_module_constant_seen_from_a_function(tmp_path):
    code = 'NAME = "ep"\ndef log():\n    probe(NAME)\n'
    assert value_of(tmp_path, {"driver.py": code}, "NAME") == "ep"


def test_import_from_project_file(tmp_path):
    files = {
        "pkg/settings.py": 'ENDPOINT = "databricks-claude"\n',
        "notebooks/driver.py": "from pkg.settings import ENDPOINT\nfrom pkg import settings as s\nprobe([ENDPOINT])\n",
    }
    assert value_of(tmp_path, files, "ENDPOINT", "notebooks/driver.py") == ["databricks-claude"]


def test_relative_import_and_module_attribute(tmp_path):
    files = {
        "app/config.py": 'INDEX = "main.docs.idx"\n',
        "app/__init__.py": "",
        "app/driver.py": "from . import config\nfrom .config import INDEX\nprobe([config.INDEX, INDEX])\n",
    }
    assert value_of(tmp_path, files, "x", "app/driver.py") == ["main.docs.idx", "main.docs.idx"]


def test_import_from_outside_the_project_is_unresolved(tmp_path):
    value = value_of(tmp_path, {"driver.py": "from somewhere import NAME\nprobe(NAME)\n"}, "NAME")
    assert isinstance(value, Unresolved) and "outside the project" in value.reason


def test_model_config_from_yaml(tmp_path):
    files = {
        "config.yml": "llm_endpoint: databricks-llama\nnested:\n  index: main.a.b\n",
        "driver.py": (
            "from mlflow.models import ModelConfig\n"
            'config = ModelConfig(development_config="config.yml")\n'
            'probe([config.get("llm_endpoint"), config.get("nested")["index"]])\n'
        ),
    }
    assert value_of(tmp_path, files, "x") == ["databricks-llama", "main.a.b"]


def test_model_config_missing_key_is_unresolved(tmp_path):
    files = {
        "config.yml": "a: 1\n",
        "driver.py": 'import mlflow\nc = mlflow.models.ModelConfig(development_config="config.yml")\nprobe(c.get("b"))\n',
    }
    assert isinstance(value_of(tmp_path, files, "x"), Unresolved)


def test_calls_are_kept_as_data_with_qualified_names(tmp_path):
    code = (
        "from mlflow.models.resources import DatabricksTable as T\n"
        'probe(T("main.a.t", on_behalf_of_user=True))\n'
    )
    value = value_of(tmp_path, {"driver.py": code}, "x")
    assert isinstance(value, CallValue)
    assert value.name == "mlflow.models.resources.DatabricksTable"
    assert value.argument(0, "table_name") == "main.a.t"
    assert value.argument(1, "on_behalf_of_user") is True


def test_self_reference_does_not_loop(tmp_path):
    value = value_of(tmp_path, {"driver.py": "x = x + [1]\nprobe(x)\n"}, "x")
    assert isinstance(value, list) and isinstance(value[0], Unresolved)


@pytest.mark.parametrize("code", ["probe(a.b.c())", "probe(x if y else z)", "probe(lambda: 1)", "probe(b'raw')"])
def test_anything_else_is_unresolved(tmp_path, code):
    assert isinstance(value_of(tmp_path, {"driver.py": code + "\n"}, "x"), (Unresolved, CallValue))


def test_syntax_error_file_is_skipped(tmp_path):
    (tmp_path / "broken.py").write_text("def (:\n", encoding="utf-8")
    assert StaticEvaluator(tmp_path, {}).parsed("broken.py") is None
