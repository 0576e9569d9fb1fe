PREFIX = "src layout agent:"


def last_text(request) -> str:
    return str(request.input[-1].content)
