"""Stand-in for the `databricks-ai-bridge` package, used only by the original-agent runner when
the real package is not installed (it is not a test dependency). Agents import
`ModelServingUserCredentials` from it; the real package's strategy reads the invoker's token
from `threading.main_thread().invokers_token` in Model Serving exactly as the Databricks SDK's
own class does, which is what this re-exports. The runner appends this folder to the END of
sys.path, so an installed databricks-ai-bridge always wins.
"""

from databricks.sdk.credentials_provider import ModelServingUserCredentials

__all__ = ["ModelServingUserCredentials"]
