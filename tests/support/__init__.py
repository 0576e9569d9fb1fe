"""Test-harness helpers: stub Databricks workspace, app and original-agent runners."""
