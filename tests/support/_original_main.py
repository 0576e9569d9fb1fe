"""Child process of original_runner: load an ORIGINAL Model Serving agent, call it, write JSON.

    python _original_main.py SPEC.json OUT.json

SPEC: {"project_dir", "agent_file", "run_id", "mark_url", "shim_dir", "load_user_token",
"retry_load_user_token", "serving_context" (optional; {"artifacts", "model_config",
"signature_example"}), "calls": [{"mode": "predict" | "predict_stream", "payload": {...},
"user_token": str | null}]}.
OUT: {"implements": {"predict": bool, "predict_stream": bool}, "load_error": str | null,
"first_load_error": str (if the first load failed), "calls": [{"mode", "result" | "error"}]}:
"result" is predict's dict or the list of predict_stream's event dicts, "error" a
"Type: message" string.

Loading and calling go the way Model Serving does it, through MLflow's own pieces where they
exist: the agent file is loaded as a models-from-code model (`_load_model_code_path`),
`load_context` runs with an empty context, and requests go through the ResponsesAgent pyfunc
wrapper (dict in, `model_dump(exclude_none=True)` dicts out). Before each call, the invoking
user's token is put where the Databricks SDK's ModelServingUserCredentials reads it,
`threading.main_thread().invokers_token`, and the call runs on the main thread.

Before loading and before each call a marker is POSTed to the stub workspace (label "load",
"call-<i>", and "end" at the end), so the parent can cut the stub's log into per-call windows.
Kept free of test imports: it runs in the agent's own environment with cwd = the project dir.
"""

import json
import os
import sys
import threading
import traceback
import urllib.request
from pathlib import Path


def mark(spec: dict, label: str) -> None:
    """Tell the stub workspace where we are; direct, never through a proxy."""
    body = json.dumps({"run": spec["run_id"], "label": label}).encode()
    request = urllib.request.Request(
        spec["mark_url"], data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        response.read()


def prepare_sys_path(project_dir: Path, shim_dir: str | None, agent_file: str = "") -> None:
    """The agent's directory first (as code_paths would provide), not this harness directory
    (which `python _original_main.py` put first and could shadow the agent's imports); shims of
    packages missing from the test environment last, so a real install always wins. An agent of
    a src layout (`src/pkg/agent.py` importing `pkg.x`) gets src/ too: Model Serving had its
    package from `code_paths=["src/pkg"]`."""
    here = Path(__file__).resolve().parent
    first = [str(project_dir)]
    if agent_file.startswith("src/"):
        first.append(str(project_dir / "src"))
    sys.path[:] = first + [p for p in sys.path if p and Path(p).resolve() != here]
    if shim_dir:
        sys.path.append(shim_dir)


def load_agent(project_dir: Path, agent_file: str, serving_context: dict | None = None):
    """The object the agent file passed to mlflow.models.set_model, with load_context run.

    `serving_context`: {"artifacts": {name: project-relative path}, "model_config": {...}}, what
    log_model gave Model Serving (artifact paths become absolute, as Serving's local copies)."""
    from mlflow.pyfunc.model import PythonModelContext

    try:
        from mlflow.models.utils import _load_model_code_path
    except ImportError:  # private helper moved: do what it does
        _load_model_code_path = None
    if _load_model_code_path is not None:
        model = _load_model_code_path(str(project_dir / agent_file), None)
    else:
        import importlib.util

        spec = importlib.util.spec_from_file_location("original_agent_code", project_dir / agent_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        model = importlib.import_module("mlflow.models.model").__mlflow_model__
        if model is None:
            raise RuntimeError(f"{agent_file} never called mlflow.models.set_model(...)")
    serving_context = serving_context or {}
    artifacts = {
        name: str((project_dir / path).resolve())
        for name, path in (serving_context.get("artifacts") or {}).items()
    }
    context = PythonModelContext(artifacts=artifacts, model_config=serving_context.get("model_config"))
    if hasattr(model, "load_context"):
        model.load_context(context=context)
    return model, context


def implements(model) -> dict:
    """Which of predict / predict_stream the agent's class defines itself (the MLflow base's own
    predict is abstract and its predict_stream raises NotImplementedError)."""
    base = _mlflow_base(model)
    out = {}
    for name in ("predict", "predict_stream"):
        own = getattr(type(model), name, None)
        out[name] = own is not None and own is not getattr(base, name, None)
    return out


def _mlflow_base(model):
    """The MLflow interface the agent implements: ResponsesAgent, ChatAgent, ChatModel or
    PythonModel (most specific first)."""
    from mlflow.pyfunc import ChatAgent, ChatModel, PythonModel, ResponsesAgent

    for base in (ResponsesAgent, ChatAgent, ChatModel, PythonModel):
        if isinstance(model, base):
            return base
    return ResponsesAgent


def pyfunc(model, context, signature_example=None):
    """What Model Serving calls: MLflow's pyfunc wrapper for the agent's interface (for a
    ResponsesAgent, the same by hand if that wrapper moved). `signature_example`: the input
    example a PythonModel's signature was inferred from when it was logged with one."""
    from mlflow.pyfunc import ChatAgent, ChatModel, ResponsesAgent

    base = _mlflow_base(model)
    if base is ChatAgent:
        from mlflow.pyfunc.loaders.chat_agent import _ChatAgentPyfuncWrapper

        return _ChatAgentPyfuncWrapper(model)
    if base is ChatModel:
        from mlflow.pyfunc.loaders.chat_model import _ChatModelPyfuncWrapper

        return _ChatModelPyfuncWrapper(model, context, None)
    if base is not ResponsesAgent:
        from mlflow.pyfunc.model import _PythonModelPyfuncWrapper

        wrapper = _PythonModelPyfuncWrapper(model, context, None)
        if signature_example is None:
            return wrapper
        # Logged with a signature (or an input example MLflow inferred one from): requests go
        # through PyFuncModel's schema enforcement first, as on Model Serving.
        from mlflow.models import Model, infer_signature
        from mlflow.pyfunc import PyFuncModel

        signature = infer_signature(signature_example)
        wrapper.signature = signature
        stream = "predict_stream" if implements(model).get("predict_stream") else None
        return PyFuncModel(model_meta=Model(signature=signature), model_impl=wrapper, predict_stream_fn=stream)
    try:
        from mlflow.pyfunc.loaders.responses_agent import _ResponsesAgentPyfuncWrapper

        return _ResponsesAgentPyfuncWrapper(model, context)
    except ImportError:
        return _ByHand(model)


class _ByHand:
    def __init__(self, model):
        self.model = model

    @staticmethod
    def _as_dict(result, pydantic_class):
        if isinstance(result, pydantic_class):
            return result.model_dump(exclude_none=True)
        pydantic_class(**result)
        return result

    def predict(self, payload):
        from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

        return self._as_dict(self.model.predict(ResponsesAgentRequest(**payload)), ResponsesAgentResponse)

    def predict_stream(self, payload):
        from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentStreamEvent

        for event in self.model.predict_stream(ResponsesAgentRequest(**payload)):
            yield self._as_dict(event, ResponsesAgentStreamEvent)


def set_invoker(token) -> None:
    main = threading.main_thread()
    if token is None:
        main.__dict__.pop("invokers_token", None)
    else:
        main.invokers_token = token


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    out = {"implements": {}, "load_error": None, "calls": []}
    project_dir = Path(spec["project_dir"])
    prepare_sys_path(project_dir, spec.get("shim_dir"), spec["agent_file"])
    mark(spec, "load")
    model = None
    # Model Serving has no invoker while it loads (None); then, if asked, once more with one.
    for attempt, token in enumerate([spec.get("load_user_token"), spec.get("retry_load_user_token")]):
        if attempt and (model is not None or token is None):
            break
        set_invoker(token)
        try:
            model, context = load_agent(project_dir, spec["agent_file"], spec.get("serving_context"))
            out["load_error"] = None
        except BaseException as error:  # reported to the parent, which decides what it means
            traceback.print_exc()
            out["load_error"] = describe(error)
            if attempt == 0:
                out["first_load_error"] = out["load_error"]
        finally:
            set_invoker(None)
    if model is not None:
        out["implements"] = implements(model)
        served = pyfunc(model, context, (spec.get("serving_context") or {}).get("signature_example"))
        for i, call in enumerate(spec["calls"]):
            mark(spec, f"call-{i}")
            set_invoker(call.get("user_token"))
            entry = {"mode": call["mode"]}
            try:
                if not out["implements"].get(call["mode"]):
                    raise NotImplementedError(f"the agent class does not define {call['mode']}")
                if call["mode"] == "predict":
                    entry["result"] = served.predict(call["payload"])
                else:
                    entry["result"] = list(served.predict_stream(call["payload"]))
            except Exception as error:
                traceback.print_exc()
                entry["error"] = describe(error)
            finally:
                set_invoker(None)
            out["calls"].append(entry)
    mark(spec, "end")
    Path(sys.argv[2]).write_text(json.dumps(out))
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter shutdown: atexit hooks (MLflow flushing trace exports, for one) only cost
    # time here, and everything the parent needs is written.
    os._exit(0)


if __name__ == "__main__":
    main()
