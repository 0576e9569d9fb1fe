from databricks import agents

UC_MODEL_NAME = "main.support.support_agent"

agents.deploy(
    UC_MODEL_NAME,
    3,
    endpoint_name="support-agent",
    environment_vars={
        "OPENAI_API_KEY": "{{secrets/agent-scope/openai-key}}",
        "LOG_LEVEL": "INFO",
        "ENABLE_MLFLOW_TRACING": "true",
        "DATABRICKS_TOKEN": "{{secrets/agent-scope/pat}}",
        "DATABRICKS_HOST": "https://example.cloud.databricks.com",
        "SERVICE_PASSWORD": "not-a-real-password",
    },
)
