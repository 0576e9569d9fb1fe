# Databricks notebook source
# The notebook that logged and deployed the agent on Model Serving.
import mlflow
from databricks import agents
from mlflow.models.resources import DatabricksServingEndpoint

LLM_ENDPOINT = "databricks-claude"
resources = [DatabricksServingEndpoint(endpoint_name=LLM_ENDPOINT)]

with mlflow.start_run():
    logged = mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        resources=resources,
        pip_requirements=["mlflow>=3.1", "databricks-sdk", "openai"],
        input_example={"input": [{"role": "user", "content": "What is Databricks Apps?"}]},
    )

UC_MODEL = "main.support.support_agent"
registered = mlflow.register_model(logged.model_uri, UC_MODEL)
agents.deploy(
    UC_MODEL,
    registered.version,
    endpoint_name="support-agent",
    scale_to_zero=True,
    workload_size="Small",
    environment_vars={"SUPPORT_TIER": "gold", "ZENDESK_TOKEN": "{{secrets/support/zendesk}}"},
    tags={"team": "support"},
)
