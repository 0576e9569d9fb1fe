import os

import mlflow
from mlflow.models.resources import DatabricksFunction, DatabricksServingEndpoint

from agent import LLM_ENDPOINT_NAME
from tools import TOOLS

resources = [DatabricksServingEndpoint(endpoint_name=LLM_ENDPOINT_NAME)]
for tool in TOOLS:
    resources.append(DatabricksFunction(function_name=tool.uc_function_name))
resources.append(DatabricksServingEndpoint(endpoint_name=os.environ["RERANKER_ENDPOINT"]))

with mlflow.start_run():
    mlflow.pyfunc.log_model(name="agent", python_model="agent.py", resources=resources)
