"""Our YAML emitter (deploy/yaml_emitter) against the PyYAML dump it replaces.

Its promise: for any data, `emit_yaml` either returns exactly the text `dump_with_pyyaml` gives,
or None (the caller then dumps with PyYAML). Checked on every short string, on many random
documents full of YAML look-alikes, and on the data of every golden app.yaml / databricks.yml /
model_config.yaml, which must take the fast path. A plan of a new project must not import PyYAML.
"""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from migrate_agent.deploy.yaml_emitter import FlowList, emit_yaml
from migrate_agent.deploy.yaml_io import dump_with_pyyaml, dump_yaml

TESTS = Path(__file__).parent

# Strings PyYAML reads as something else, quotes, escapes or folds, and ordinary ones.
TRICKY = [
    "", " ", "  ", "a ", " a", "a  b", "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON",
    "off", "Off", "OFF", "true", "True", "TRUE", "tRue", "false", "False", "FALSE", "y", "Y", "n", "N",
    "null", "Null", "NULL", "nULL", "~", "=", "<<", "<", "1e3", "1E3", "1.0e+3", "1e+3", "0x1", "0x1F",
    "0b101", "0o17", "017", "08", "09", "0", "00", "30", "-1", "+1", "1_000", "1,000", "1:20", "190:20:30",
    "1.5", ".5", "5.", "-.5", ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN", ".info",
    ".nanny", "2001-01-01", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "---", "...",
    "--- a", "... a", "-", "- a", "-a", "--a", "?", "? a", "?a", ":", ": a", ":a", "a:", "a: b", "a:b",
    "a :b", "a #b", "a#b", "#a", "*a", "*", "&a", "&", "!a", "!", "%a", "@a", "`a", "|a", "|", ">a", ">",
    "'a", "a'b", "''", '"a', 'a"b', "a\\b", "[a]", "a[b]", "{a}", "a{b}", ",a", "a,b", "a, b", "a\nb",
    "a\n", "\n", "a\tb", "\t", "a\rb", "é", "Ünïcode", "日本", "a\x85b", "a\u2028b", "\ufeffa", "a\x7fb",
    "a\x00b", "./", "../x", ".venv", "...x", "$x", "${a.b}", "${resources.apps.x.id}", "**/__pycache__",
    "https://example.com/a?b=c#d", "iam.access-control:read", "serving.serving-endpoints",
    "4b9b953939869799", "01ef9b2c3d4e5f60", "0bad", "0xzz", "1e5x", "12abc", "12e", "x" * 130,
    "word " * 30, "w" * 1500, "a " * 900 + "b", "agent-app", "CAN_QUERY", "databricks-uc", "python",
    "start_server.py", "/Workspace/Users/${workspace.current_user.userName}/.bundle/${bundle.name}",
]
ALPHABET = "aZy0159e.x-_:#? '\"*&!|>%@`,[]{}~=<+/$\\\n\té\x85"
REALISTIC_KEYS = ["name", "value", "valueFrom", "command", "env", "resources", "apps", "agent_app",
                  "source_code_path", "permission", "experiment_id", "user_api_scopes", "targets",
                  "dev", "mode", "default", "workspace", "root_path", "max_tokens", "temperature"]
REALISTIC_VALUES = ["agent-app", "CAN_QUERY", "CAN_EDIT", "databricks", "databricks-uc", "./", ".venv",
                    "**/__pycache__", "serving.serving-endpoints", "${var.warehouse_id}", "development",
                    "/Users/${workspace.current_user.userName}/${bundle.name}", "You are helpful.",
                    "https://example.cloud.databricks.com", "4b9b953939869799", "30", "", "main.sales.orders",
                    True, False, None, 0, 7, -3, 0.1, 1e-05, 2.5e17, 1024]


def check(data) -> bool:
    """The emitter's text equals PyYAML's, or it declines. True when it wrote the text itself."""
    text = emit_yaml(data)
    if text is None:
        return False
    assert text == dump_with_pyyaml(data), repr(data)
    return True


def test_every_short_string_as_value_key_item_and_flow_item() -> None:
    characters = [chr(c) for c in range(0x20, 0x7F)] + ["\n", "\t", "é", "\x85", "\u2028"]
    strings = [""] + characters + ["".join(p) for p in itertools.product(characters, repeat=2)]
    strings += ["".join(p) for p in itertools.product("yYnN0159eE.x-:#? '*~", repeat=3)]
    fast = 0
    for text in strings + TRICKY:
        fast += check({"k": text})
        fast += check({text: 1})
        fast += check([text])
        fast += check({"command": FlowList([text, "x"])})
    assert fast > len(strings)  # most of them take the fast path somewhere


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_in_every_position(text: str) -> None:
    for data in ({"k": text}, {text: "v"}, [text], {"k": [text, {"n": text}]}, [[text]],
                 {"k": FlowList([text])}, FlowList([text]), text):
        check(data)


@pytest.mark.parametrize("text", ["1e3", "2001-01-01", "1_000", "0x1", "09", "1:20", "a: b", "a #b",
                                  " a", "a ", "a\nb", "é", "yEs", "-", "- a", "? a"])
def test_look_alikes_are_not_guessed(text: str) -> None:
    """These are either quoted or plain in ways the emitter does not claim to know: PyYAML writes them."""
    assert emit_yaml({"k": text}) is None
    assert emit_yaml({text: "v"}) is None


def test_a_long_key_is_left_to_pyyaml() -> None:
    """PyYAML writes a key of 128 characters or more as an explicit `? key`."""
    assert emit_yaml({"x" * 130: "v"}) is None
    assert dump_yaml({"x" * 130: "v"}).startswith("? ")


@pytest.mark.parametrize(("data", "expected"), [
    ({"a": ""}, "a: ''\n"),
    ({"a": "yes", "b": "30", "c": "~"}, "a: 'yes'\nb: '30'\nc: '~'\n"),
    ({"a": "*x'y"}, "a: '*x''y'\n"),
    ({"command": FlowList(["python", 'say "hi"\\'])}, 'command: ["python", "say \\"hi\\"\\\\"]\n'),
    ({"env": [{"name": "A", "value": "databricks"}]}, "env:\n  - name: A\n    value: databricks\n"),
    ([[1, 2], {}], "- - 1\n  - 2\n- {}\n"),
    ({}, "{}\n"),
    ({"f": 1e17, "g": -0.0, "h": None, "i": True}, "f: 1.0e+17\ng: -0.0\nh: null\ni: true\n"),
])
def test_known_texts(data, expected: str) -> None:
    assert emit_yaml(data) == expected
    assert dump_with_pyyaml(data) == expected


@pytest.mark.parametrize("data", [
    "scalar", None, 3, FlowList(["a"]), {1: "a"}, {"a": (1, 2)}, {"a": b"x"}, {"a": float("nan")},
    {"a": float("inf")}, {"a": 10**40}, {"a": FlowList([1])}, {"a": "é"}, {"a": "x" * 1200},
])
def test_declines_what_it_does_not_write(data) -> None:
    assert emit_yaml(data) is None
    assert dump_yaml(data) == dump_with_pyyaml(data)  # and the fallback writes it


def random_string(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(TRICKY)
    if roll < 0.7:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))
    return rng.choice([v for v in REALISTIC_VALUES if isinstance(v, str)] + REALISTIC_KEYS)


def random_scalar(rng: random.Random):
    return rng.choice([
        lambda: random_string(rng),
        lambda: random_string(rng),
        lambda: rng.choice([True, False, None]),
        lambda: rng.randint(-10**6, 10**6),
        lambda: rng.choice([0.1, 1e-05, 2.5e17, -3.75, 1e100, 123456789.123, float("inf"), 1.0]),
    ])()


def random_node(rng: random.Random, depth: int, key=random_string, scalar=random_scalar, string=random_string,
                odd_flow_items: float = 0.1):
    """A scalar, FlowList, dict or list, nested up to four levels; keys, scalars and FlowList
    items drawn by the given functions (a share of FlowList items are not strings)."""
    kind = rng.random() if depth < 4 else 0.0
    nested = (key, scalar, string, odd_flow_items)
    if kind < 0.45:
        return scalar(rng)
    if kind < 0.55:
        return FlowList(scalar(rng) if rng.random() < odd_flow_items else string(rng)
                        for _ in range(rng.randint(0, 3)))
    if kind < 0.78:
        return {key(rng): random_node(rng, depth + 1, *nested) for _ in range(rng.randint(0, 4))}
    return [random_node(rng, depth + 1, *nested) for _ in range(rng.randint(0, 4))]


def test_random_documents_match_or_decline() -> None:
    rng = random.Random(20240607)
    documents = [random_node(rng, 0) for _ in range(4000)]
    documents = [d for d in documents if isinstance(d, (dict, list))]
    fast = sum(check(d) for d in documents)
    # Both paths are exercised: many documents are written by the emitter, many fall back.
    assert 0.15 * len(documents) < fast < 0.95 * len(documents), (fast, len(documents))


def test_realistic_documents_take_the_fast_path() -> None:
    rng = random.Random(7)

    def key(r: random.Random) -> str:
        return r.choice(REALISTIC_KEYS)

    def string(r: random.Random) -> str:
        return r.choice([value for value in REALISTIC_VALUES if isinstance(value, str)])

    def scalar(r: random.Random):
        return r.choice(REALISTIC_VALUES)

    for _ in range(1500):
        data = {key(rng): random_node(rng, 1, key, scalar, string, 0.0) for _ in range(rng.randint(1, 5))}
        assert check(data), repr(data)


def _with_flow_commands(node, key=None):
    """What the renderers pass: the `command` list is a FlowList (safe_load gives a plain list)."""
    if isinstance(node, dict):
        return {k: _with_flow_commands(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return FlowList(node) if key == "command" else [_with_flow_commands(v) for v in node]
    return node


GOLDEN_YAML = sorted(
    path
    for pattern in ("golden/*/expected/**/*.yaml", "golden/*/expected/**/*.yml",
                    "deploy/golden/*/expected/**/*.yaml", "deploy/golden/*/expected/**/*.yml")
    for path in TESTS.glob(pattern)
)


def test_golden_yaml_files_are_found() -> None:
    names = {path.name for path in GOLDEN_YAML}
    assert {"app.yaml", "databricks.yml", "model_config.yaml"} <= names
    assert len(GOLDEN_YAML) > 100


@pytest.mark.parametrize("path", GOLDEN_YAML, ids=lambda p: p.relative_to(TESTS).as_posix())
def test_golden_yaml_data_takes_the_fast_path(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = _with_flow_commands(yaml.safe_load(text))
    emitted = emit_yaml(data)
    assert emitted is not None, "the emitter declined data the deployment writes"
    assert emitted == dump_with_pyyaml(data)
    case, relative = str(path).split("/expected/")
    if not (Path(case) / "input" / relative).exists():  # written from scratch (not merged into a user's file)
        assert emitted == text


def _fresh_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(TESTS / "golden" / "predict_and_stream" / "input", project)
    return project


def _run(args: list[str]) -> subprocess.CompletedProcess:
    """A fresh interpreter: nothing the test process imported counts."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120)


def test_plan_of_a_new_project_does_not_import_pyyaml(tmp_path: Path) -> None:
    project = _fresh_project(tmp_path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from migrate_agent.api import plan_project\n"
        f"plan = plan_project(Path({str(project)!r}), jobs=1)\n"
        "print(sorted(f.path for f in plan.files))\n"
        "print(sorted(m for m in sys.modules if m == 'yaml' or m.startswith(('yaml.', 'ruamel'))))\n"
    )
    result = _run(["-c", script])
    assert result.returncode == 0, result.stderr
    files, yaml_modules = result.stdout.strip().splitlines()[-2:]
    assert "app.yaml" in files and "databricks.yml" in files  # the YAML files were written
    assert yaml_modules == "[]"


def test_plan_command_does_not_import_pyyaml(tmp_path: Path) -> None:
    project = _fresh_project(tmp_path)
    result = _run(["-X", "importtime", "-m", "migrate_agent", "plan", str(project)])
    assert result.returncode in (0, 1), result.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")]
    assert "migrate_agent.deploy.planner" in imported  # the deployment was planned
    assert not [name for name in imported if name == "yaml" or name.startswith(("yaml.", "ruamel"))]
