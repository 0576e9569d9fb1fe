"""Pytest fixtures for the e2e harness. Re-export them from a conftest.py:

    from tests.support.fixtures import stub, stub_workspace  # noqa: F401
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.stub_workspace import StubWorkspace


@pytest.fixture(scope="session")
def stub_workspace() -> Iterator[StubWorkspace]:
    """One stub workspace for the session (apps started for a module can keep using it)."""
    with StubWorkspace() as stub:
        yield stub


@pytest.fixture
def stub(stub_workspace: StubWorkspace) -> Iterator[StubWorkspace]:
    """The session stub, reset to defaults (no latency, echo, empty log) around each test."""
    stub_workspace.reset()
    yield stub_workspace
    stub_workspace.reset()
