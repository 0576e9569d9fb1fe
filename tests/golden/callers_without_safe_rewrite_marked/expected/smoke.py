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
# TODO(migrate-agent): [MA009] `w.serving_endpoints.query(name=ENDPOINT, messages=[ChatMe...` queries the endpoint `agents_main-agents-answer_agent` (its answer is a QueryEndpointResponse; only `messages=[ChatMessage(role=..., content=...)]` read as `.choices[0].message.content` is rewritten): call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/answer-agent", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
answer = w.serving_endpoints.query(
    name=ENDPOINT, messages=[ChatMessage(role=ChatMessageRole.USER, content="Hello")]
)
print(answer.choices[0].message.content, answer.usage)

deploy_client = mlflow.deployments.get_deploy_client("databricks")
# TODO(migrate-agent): [MA009] `deploy_client.predict(endpoint=ENDPOINT, inputs={"input":...` calls the endpoint `agents_main-agents-answer_agent` through MLflow's deployment client (a dict answer), which cannot call an app: call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/answer-agent", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
print(deploy_client.predict(endpoint=ENDPOINT, inputs={"input": [{"role": "user", "content": "Hello"}]}))

# TODO(migrate-agent): [MA009] `ChatDatabricks(endpoint=ENDPOINT)` wraps the endpoint `agents_main-agents-answer_agent` (the wrapper speaks to serving endpoints, not apps): call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/answer-agent", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
llm = ChatDatabricks(endpoint=ENDPOINT)

pat_client = OpenAI(api_key=os.environ["DATABRICKS_TOKEN"], base_url=f"{HOST}/serving-endpoints")
# TODO(migrate-agent): [MA009] `pat_client.responses.create(model=ENDPOINT, input="Hello")` calls the endpoint `agents_main-agents-answer_agent`; this OpenAI client authenticates with its own `api_key` (a personal access token, which Apps refuse): call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/answer-agent", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
print(pat_client.responses.create(model=ENDPOINT, input="Hello").output_text)

# TODO(migrate-agent): [MA009] posts to the invocations URL of the endpoint `agents_main-agents-answer_agent`: post a Responses body (`{"input": [...]}`) to `$APP_URL/invocations` (`databricks apps get answer-agent`) with an OAuth token, or call the app with `DatabricksOpenAI(workspace_client=WorkspaceClient()).responses.create(model="apps/answer-agent", input=...)` (package databricks-openai; answer text in `.output_text`; Apps accept OAuth tokens only, not personal access tokens)
reply = requests.post(
    f"{HOST}/serving-endpoints/{ENDPOINT}/invocations",
    headers={"Authorization": f"Bearer {os.environ['DATABRICKS_TOKEN']}"},
    json={"input": [{"role": "user", "content": "Hello"}]},
)
