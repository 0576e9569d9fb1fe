from databricks import agents

agents.deploy(
    "main.support.support_agent",
    2,
    environment_vars={"OPENAI_API_KEY": "{{secrets/agent-scope/openai-key}}", "LOG_LEVEL": "INFO"},
)
