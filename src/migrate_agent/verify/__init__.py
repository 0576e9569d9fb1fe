"""`migrate-agent verify`: the migrated app answers like the Model Serving endpoint did.

Both sides run for real in subprocesses, from temporary copies: the original as Model Serving
loads it (`serving_child.py`), the app as Databricks Apps starts it (`sides.py`), each talking to
the workspace through a loopback proxy that records the original's calls and replays them to the
app (`proxy.py`); answers, outbound calls and the identity each call carried are compared
(`compare.py`, `run.py`) and reported (`report.py`).
"""

from migrate_agent.verify.run import (
    VerifyOptions,
    VerifyReport,
    progress_to_stderr,
    verify,
)

__all__ = ["VerifyOptions", "VerifyReport", "progress_to_stderr", "verify"]
