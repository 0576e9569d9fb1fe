SYSTEM_PROMPT = "You answer questions about the weather."
