import mlflow
from mlflow.models.auth_policy import AuthPolicy, SystemAuthPolicy, UserAuthPolicy
from mlflow.models.resources import DatabricksServingEndpoint

system_policy = SystemAuthPolicy(resources=[DatabricksServingEndpoint("databricks-claude-3-7-sonnet")])
user_policy = UserAuthPolicy(api_scopes=["serving.serving-endpoints", "vectorsearch.vector-search-indexes"])

with mlflow.start_run():
    mlflow.pyfunc.log_model(
        name="agent",
        python_model="agent.py",
        auth_policy=AuthPolicy(system_auth_policy=system_policy, user_auth_policy=user_policy),
    )
