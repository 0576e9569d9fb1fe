def reply(name: str, text) -> str:
    return f"{name}: {text}"
