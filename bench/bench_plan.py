"""Benchmark `migrate-agent plan` against its floor. A script, not a test: run it by hand.

    .venv/bin/python bench/bench_plan.py     # 2,000 files (3 agents), one-agent repo, 200 agents
    .venv/bin/python bench/bench_plan.py --files 500 --repeat 3

The floor is what no implementation can avoid: start the interpreter, `import libcst`, read every
byte of the tree, and parse the agent files with the metadata the codemods use (qualified names,
scopes, positions). `plan` is timed as users run it (the console entry point, output to a pipe),
best of --repeat runs (x3 for the one-agent repo), the floor and plan taking turns. Goals: <= 2.5x
the floor at 2,000 files, <= 3x for a one-agent repo, <= 2.5x for 200 agents, and <= 3x the
parse+metadata cost for one large (1,200-statement) agent file, in one process (no start-up in
either). One small agent file is measured the same way and reported without a goal. Growth in
file size is checked by tests/test_scaling.py (linear).

migrate-agent's bytecode is compiled first, as `pip install` does: an editable install run with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on every run, which the floor's
libcst (installed, compiled) never does.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AGENT = REPO / "tests" / "golden" / "predict_and_stream" / "input" / "agent.py"

FLOOR = """
import sys
from pathlib import Path
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider
root = Path(sys.argv[1])
agents = set(sys.argv[2:])
for path in sorted(root.rglob("*.py")):
    data = path.read_bytes()
    if path.relative_to(root).as_posix() in agents:
        wrapper = MetadataWrapper(cst.parse_module(data), unsafe_skip_copy=True)
        wrapper.resolve_many((QualifiedNameProvider, ScopeProvider, PositionProvider))
"""


def ordinary_module(rng: random.Random, index: int) -> str:
    """A plausible non-agent module: imports, a class, functions, ~80 lines."""
    lines = [f'"""Module {index}: data helpers."""', "import json", "import os", ""]
    for f in range(rng.randint(6, 10)):
        lines += [
            f"def helper_{index}_{f}(values, scale={rng.randint(1, 9)}):",
            "    total = 0",
            "    for value in values:",
            "        if value % 2:",
            "            total += value * scale",
            "        else:",
            "            total -= value",
            "    return json.dumps({'total': total, 'cwd': os.getcwd()})",
            "",
        ]
    lines += [f"class Record{index}:", "    def __init__(self, name):", "        self.name = name", ""]
    return "\n".join(lines) + "\n"


def make_tree(root: Path, files: int, agents: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    agent_paths = []
    for i in range(files):
        package = root / f"pkg{i // 100}"
        package.mkdir(parents=True, exist_ok=True)
        if i % max(1, files // max(1, agents)) == 0 and len(agent_paths) < agents:
            directory = package / f"agent{i}"
            directory.mkdir()
            shutil.copy(AGENT, directory / "agent.py")
            agent_paths.append((directory / "agent.py").relative_to(root).as_posix())
        else:
            (package / f"module_{i}.py").write_text(ordinary_module(rng, i))
    return agent_paths


def best_of_both(floor: list[str], plan: list[str], repeat: int) -> tuple[tuple, tuple]:
    """For the floor and for plan: best and median wall time, and best CPU time (user + system,
    the process and its workers: what a loaded machine does not inflate much).

    The two commands take turns, so that a slower spell of a shared machine weighs on both."""
    runs: dict[int, tuple[list[float], list[float]]] = {0: ([], []), 1: ([], [])}
    for _ in range(repeat):
        for which, command in enumerate((floor, plan)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            runs[which][0].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs[which][1].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return tuple((min(times), statistics.median(times), min(cpu)) for times, cpu in runs.values())


def measure(label: str, files: int, agents: int, repeat: int, goal: float) -> bool:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        agent_paths = make_tree(root, files, agents)
        floor_command = [sys.executable, "-c", FLOOR, str(root), *agent_paths]
        # The console script, run by this interpreter (its shebang may name another venv's).
        plan_command = [sys.executable, str(Path(sys.executable).with_name("migrate-agent")), "plan", str(root)]
        floor, plan = best_of_both(floor_command, plan_command, repeat)
    ratio = plan[0] / floor[0]
    verdict = "ok" if ratio <= goal else "OVER GOAL"
    print(
        f"{label}: {files} files, {agents} agent(s): floor {floor[0]:.3f}s (median {floor[1]:.3f}s), "
        f"plan {plan[0]:.3f}s (median {plan[1]:.3f}s), ratio {ratio:.2f} (goal <= {goal}) {verdict}; "
        f"CPU floor {floor[2]:.3f}s, plan {plan[2]:.3f}s, ratio {plan[2] / floor[2]:.2f}"
    )
    return ratio <= goal


def per_file(label: str, data: bytes, repeat: int, goal: float | None) -> bool:
    """In one process: migrate_source on `data` against parsing it with the codemods' metadata
    (CPU time of this process, best of `repeat`)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, ScopeProvider

    from migrate_agent.migrate.engine import migrate_source

    def floor() -> None:
        wrapper = MetadataWrapper(cst.parse_module(data), unsafe_skip_copy=True)
        wrapper.resolve_many((QualifiedNameProvider, ScopeProvider, PositionProvider))

    def migrate() -> None:
        migrate_source("agent.py", data)

    migrate()  # imports and caches warm
    floor_time = min(_timed(floor) for _ in range(repeat))
    plan_time = min(_timed(migrate) for _ in range(repeat))
    ratio = plan_time / floor_time
    if goal is None:
        verdict = "(no goal)"
    else:
        verdict = f"(goal <= {goal}) " + ("ok" if ratio <= goal else "OVER GOAL")
    print(
        f"{label}: {len(data):,} bytes: parse+metadata {floor_time:.3f}s, migrate {plan_time:.3f}s, "
        f"ratio {ratio:.2f} {verdict}"
    )
    return goal is None or ratio <= goal


def _timed(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--many-agents", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    from test_scaling import big_agent

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src"), str(REPO / "codemods")], check=True)

    ok = measure("large tree", args.files, args.agents, args.repeat, 2.5)
    ok &= measure("one-agent repo", 1, 1, args.repeat * 3, 3.0)  # short runs: more of them
    ok &= measure("many agents", args.many_agents, args.many_agents, min(args.repeat, 3), 2.5)
    ok &= per_file("per agent file, small", AGENT.read_bytes(), args.repeat, None)
    ok &= per_file("per agent file, 1,200 statements", big_agent(200), min(args.repeat, 3), 3.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
