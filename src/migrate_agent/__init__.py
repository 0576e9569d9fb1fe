"""migrate-agent: move Databricks agents from Model Serving to Databricks Apps.

The library API lives in :mod:`migrate_agent.api` (``plan_project``, ``apply_plan``); the CLI in
:mod:`migrate_agent.cli` is a thin layer over it. Nothing here imports mlflow.
"""

__version__ = "0.1.0"
