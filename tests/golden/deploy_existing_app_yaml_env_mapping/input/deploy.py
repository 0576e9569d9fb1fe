from databricks import agents

agents.deploy("main.support.support_agent", 3, environment_vars={"SUPPORT_TIER": "standard", "REGION": "eu"})
