"""Deploy stage 3: write app.yaml, databricks.yml and MIGRATION.md (the deploy diff)."""
