import os

import mlflow.deployments
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import ChatMessage, ChatMessageRole
from databricks_langchain import ChatDatabricks
from openai import OpenAI

ENDPOINT = "agents_main-agents-answer_agent"
HOST = os.environ["DATABRICKS_HOST"]

w = WorkspaceClient()
answer = w.serving_endpoints.query(
    name=ENDPOINT, messages=[ChatMessage(role=ChatMessageRole.USER, content="Hello")]
)
print(answer.choices[0].message.content, answer.usage)

deploy_client = mlflow.deployments.get_deploy_client("databricks")
print(deploy_client.predict(endpoint=ENDPOINT, inputs={"input": [{"role": "user", "content": "Hello"}]}))

llm = ChatDatabricks(endpoint=ENDPOINT)

pat_client = OpenAI(api_key=os.environ["DATABRICKS_TOKEN"], base_url=f"{HOST}/serving-endpoints")
print(pat_client.responses.create(model=ENDPOINT, input="Hello").output_text)

reply = requests.post(
    f"{HOST}/serving-endpoints/{ENDPOINT}/invocations",
    headers={"Authorization": f"Bearer {os.environ['DATABRICKS_TOKEN']}"},
    json={"input": [{"role": "user", "content": "Hello"}]},
)
