# `tests.support` is importable because pyproject.toml's pytest settings put the repo root on
# sys.path (pythonpath = ["."]), with `python -m pytest` and plain `pytest` alike.
from tests.support.fixtures import stub, stub_workspace  # noqa: F401
