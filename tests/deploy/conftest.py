import pytest
from deploy_test_support import bundle_schema_validator


@pytest.fixture(scope="session")
def bundle_validator():
    return bundle_schema_validator()
