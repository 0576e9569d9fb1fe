"""Notebooks (Databricks source `.py`, Jupyter `.ipynb`): their Python and their %%writefile
cells migrated through the per-file engine, the results put back into the notebook."""

from migrate_agent.notebooks.notebook import (
    NOTEBOOK_RULE,
    NOTEBOOK_RULE_HELP,
    Notebook,
    Unit,
    is_notebook,
    read_notebook,
)

__all__ = ["NOTEBOOK_RULE", "NOTEBOOK_RULE_HELP", "Notebook", "Unit", "is_notebook", "read_notebook"]
