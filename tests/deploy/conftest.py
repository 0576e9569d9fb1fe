import pytest

from deploy_test_support import BUNDLE_SCHEMA, bundle_schema_validator


@pytest.fixture(scope="session")
def bundle_validator():
    validator = bundle_schema_validator()
    if validator is None:
        pytest.skip(f"Databricks bundle JSON schema not found at {BUNDLE_SCHEMA} (shared/reference is absent)")
    return validator
