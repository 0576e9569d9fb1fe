"""Shared helpers of the deployment tests; the golden cases' runner lives in tests/support/golden.py
(the deploy_* cases of tests/golden are run by tests/test_golden.py)."""

from __future__ import annotations

from tests.support.golden import (  # noqa: F401  (re-exported for the deploy tests)
    DEFAULT_APP,
    bundle_schema_validator,
    python_sources,
    write_deployment as apply_plan,
)
