"""A project with no agent: nothing to migrate."""


def handler(event):
    return {"ok": True, "event": event}
