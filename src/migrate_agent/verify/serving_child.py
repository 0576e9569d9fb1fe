"""The before side's process: the original agent loaded and called as Model Serving does it.

    python serving_child.py SPEC.json OUT.json

Run by :mod:`migrate_agent.verify.before` in the agent's environment (cwd = a copy of the original
project), never imported by migrate-agent itself: it imports only the standard library and MLflow.

The agent file is saved as a models-from-code pyfunc model (``mlflow.pyfunc.save_model(
python_model=<file>, artifacts=..., model_config=...)``, what the driver's ``log_model`` does) and
loaded back with ``mlflow.pyfunc.load_model``, which runs the file and ``load_context`` as Model
Serving's scoring server does; requests go to the loaded model's ``predict`` / ``predict_stream``
as the dicts Model Serving passes. Before each call the invoking user's token is put where
databricks-sdk's ``ModelServingUserCredentials`` reads it (``threading.main_thread().invokers_token``)
and the call runs on the main thread. The environment (``IS_IN_DB_MODEL_SERVING_ENV``,
``SERVING_CREDENTIALS_DIR``, ``DB_MODEL_SERVING_HOST_URL``) is set by the parent.

Before each phase a marker is POSTed to the recording proxy (``window_url``) so it can tell which
outbound call belongs to which request.

SPEC: {"agent_file", "model_dir", "artifacts", "model_config", "window_url", "save_token",
"calls": [{"label", "mode", "payload", "user_token"}]}
OUT: {"load_error", "first_load_error" (the load without an invoker failed), "missing_module", "calls": [{"label", "mode", "fallback"?, "result" | "error"}]}
("fallback": the agent does not define `mode`, so the other method was called in its place)
"""

import json
import os
import sys
import threading
import traceback
import urllib.request
from pathlib import Path


def window(spec, label):
    """Tell the proxy which phase the calls that follow belong to (never through a proxy)."""
    request = urllib.request.Request(
        spec["window_url"], data=json.dumps({"label": label}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        response.read()


def set_invoker(token):
    main = threading.main_thread()
    if token is None:
        main.__dict__.pop("invokers_token", None)
    else:
        main.invokers_token = token


def describe(error):
    return f"{type(error).__name__}: {error}"


def missing_module(error):
    """The name of a module that could not be imported, following the cause chain."""
    while error is not None:
        if isinstance(error, ModuleNotFoundError):
            return error.name
        error = error.__cause__ or error.__context__
    return None


def not_implemented(error):
    """True when the call failed because the agent does not define that method (MLflow's base
    class raises NotImplementedError; a PythonModel without predict_stream is not streamable),
    following the cause chain."""
    while error is not None:
        if isinstance(error, NotImplementedError) or "does not support predict_stream" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def call_model(model, mode, payload):
    if mode == "predict":
        return model.predict(payload)
    return list(model.predict_stream(payload))


def load(spec):
    import mlflow.pyfunc

    # The driver logs the model from a notebook or a job with the user's credentials; the token
    # is there so an agent that builds user clients while being logged can be logged at all.
    set_invoker(spec.get("save_token"))
    window(spec, "save")
    try:
        mlflow.pyfunc.save_model(
            path=spec["model_dir"],
            python_model=str(Path(spec["agent_file"]).resolve()),
            artifacts=spec.get("artifacts") or None,
            model_config=spec.get("model_config"),
            # a schema as the driver logged one (its input example): MLflow enforces it at predict
            input_example=spec.get("input_example"),
            pip_requirements=[],
        )
    finally:
        set_invoker(None)
    window(spec, "load")  # Model Serving loads the model with no invoking user
    try:
        return mlflow.pyfunc.load_model(spec["model_dir"]), None
    except Exception as error:
        traceback.print_exc()
        first_error = describe(error)
    # An agent that builds user clients while loading fails so on Model Serving; loaded once more
    # with the invoker's token present, it shows what it does per request (such clients read the
    # token again on every call).
    set_invoker(spec.get("save_token"))
    try:
        return mlflow.pyfunc.load_model(spec["model_dir"]), first_error
    finally:
        set_invoker(None)


def main():
    spec = json.loads(Path(sys.argv[1]).read_text())
    # The project first (Model Serving puts the model's code there), never this script's folder,
    # whose modules could shadow the agent's imports.
    here = Path(__file__).resolve().parent
    sys.path[:] = [os.getcwd()] + [p for p in sys.path if p and Path(p).resolve() != here]
    out = {"load_error": None, "first_load_error": None, "missing_module": None, "calls": []}
    try:
        model, out["first_load_error"] = load(spec)
    except BaseException as error:
        traceback.print_exc()
        out["load_error"] = describe(error)
        out["missing_module"] = missing_module(error)
        model = None
    if model is not None:
        for call in spec["calls"]:
            window(spec, call["label"])
            set_invoker(call.get("user_token"))
            entry = {"label": call["label"], "mode": call["mode"]}
            try:
                try:
                    entry["result"] = call_model(model, call["mode"], call["payload"])
                except Exception as error:
                    if not not_implemented(error):
                        raise
                    # The agent defines only the other method: what the app's handler for this
                    # mode is made from (a stream of its output items, or the stream aggregated).
                    entry["fallback"] = "predict" if call["mode"] == "predict_stream" else "predict_stream"
                    entry["result"] = call_model(model, entry["fallback"], call["payload"])
                json.dumps(entry["result"])
            except Exception as error:
                traceback.print_exc()
                entry.pop("result", None)
                entry["error"] = describe(error)
            finally:
                set_invoker(None)
            out["calls"].append(entry)
    window(spec, "end")
    Path(sys.argv[2]).write_text(json.dumps(out, default=str))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # everything the parent needs is written; skip MLflow's exit hooks


if __name__ == "__main__":
    main()
