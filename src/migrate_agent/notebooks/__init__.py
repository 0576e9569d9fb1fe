"""Notebooks (Databricks source `.py`, Jupyter `.ipynb`): their Python and their %%writefile
cells migrated through the per-file engine, the results put back into the notebook.

The reader is imported when a name is first asked for: a project without notebooks never loads it.
"""

from __future__ import annotations

__all__ = ["NOTEBOOK_RULE", "NOTEBOOK_RULE_HELP", "Notebook", "Unit", "is_notebook", "read_notebook"]


def __getattr__(name: str):
    if name in __all__:
        from migrate_agent.notebooks import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
