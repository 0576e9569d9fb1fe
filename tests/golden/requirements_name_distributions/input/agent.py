"""Imports whose distributions have other names than the modules (and one nobody knows)."""

import acme_internal_sdk
import cv2
import google.generativeai as genai
import mlflow
from agents import Agent, Runner
from databricks.sdk import WorkspaceClient
from databricks.vector_search.client import VectorSearchClient
from dateutil import parser as date_parser
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class ToolAgent(ResponsesAgent):
    def __init__(self):
        self.search = VectorSearchClient()
        self.client = WorkspaceClient()

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        when = date_parser.parse("2026-01-01").isoformat()
        text = f"{when} {cv2.__name__} {genai.__name__} {Agent.__name__} {Runner.__name__} {acme_internal_sdk}"
        return ResponsesAgentResponse(output=[self.create_text_output_item(text=text, id="a1")])


mlflow.models.set_model(ToolAgent())
