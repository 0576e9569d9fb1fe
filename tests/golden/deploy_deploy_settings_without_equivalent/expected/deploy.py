import mlflow
from databricks import agents

UC_MODEL_NAME = "main.support.support_agent"
registered = mlflow.register_model("runs:/0123456789abcdef/agent", UC_MODEL_NAME)

agents.deploy(
    UC_MODEL_NAME,
    registered.version,
    scale_to_zero=True,
    workload_size="Medium",
    tags={"team": "support", "cost_center": "cc-42"},
    instance_profile_arn="arn:aws:iam::123456789012:instance-profile/agent-profile",
)
