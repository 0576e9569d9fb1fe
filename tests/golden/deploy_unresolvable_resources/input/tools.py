from unitycatalog.ai.langchain.toolkit import UCFunctionToolkit

TOOLS = UCFunctionToolkit(function_names=["main.tools.*"]).tools
