"""`migrate-agent verify`: run the original and the migrated app side by side and compare answers.

Exit 0: every answer and outbound call the same; 1: some differ; 2: verify could not run (the
reason is in the report). Both sides run from temporary copies, the project is only read; the
processes, proxies and copies are gone on every way out, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from migrate_agent.verify import compare, legacy, processes
from migrate_agent.verify.proxy import Exchange, Proxy, Recording, Upstream
from migrate_agent.verify.request_bodies import (
    OriginalFacts,
    Requests,
    load_requests,
    read_original_facts,
)
from migrate_agent.verify.sides import (
    APP_TOKEN,
    MODES,
    RESPONSES,
    SERVICE_TOKENS,
    SERVING_TOKEN,
    AppStart,
    Call,
    SideError,
    app_healthy,
    ask_app,
    read_original,
    start_app,
    start_original,
)
from migrate_agent.verify.sources import (
    Origin,
    SourceError,
    copy_project,
    extract_revision,
    find_agent_file,
    legacy_interface,
    resolve_before,
)

EQUAL, DIFFERENT, COULD_NOT_RUN = 0, 1, 2


@dataclass(frozen=True, kw_only=True)
class VerifyOptions:
    project: Path
    requests_file: Path | None = None
    before: str | None = None
    user_token: str | None = None
    workspace: str | None = None  # a stand-in workspace's URL (else the configured one, if any)
    extra_env: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0  # seconds for the sides to start, and for each request


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """An outbound call a side made, whose token it carried, and how it compares."""

    side: str
    window: str
    method: str
    path: str
    identity: str  # "user", "serving identity", "app identity", "no token", "another token (abcd...)"
    replayed: bool
    difference: str | None = None


@dataclass(frozen=True, kw_only=True)
class ModeResult:
    mode: str  # "invoke", "stream", or "responses" (the app's /responses, against the original's invoke)
    equal: bool
    diff: str
    original_error: str | None
    app_error: str | None
    note: str | None = None  # how the reference was made when the original lacks the method


@dataclass(frozen=True, kw_only=True)
class RequestResult:
    index: int
    request: dict
    modes: tuple[ModeResult, ...]
    calls: tuple[CallRecord, ...]


@dataclass(frozen=True, kw_only=True)
class VerifyReport:
    exit_code: int
    reason: str | None = None  # why verify could not run (exit 2)
    before: str = ""
    after: str = ""
    requests_source: str = ""
    workspace: str = ""
    requests: tuple[RequestResult, ...] = ()
    calls: tuple[CallRecord, ...] = ()  # every outbound call of both sides
    differences: tuple[str, ...] = ()  # outbound calls and identities that differ
    notes: tuple[str, ...] = ()  # how the run departed from Model Serving, what could not be read


class _CannotRun(Exception):
    """Verify cannot go on; the message is the reason."""


def verify(options: VerifyOptions, progress: Callable[[str], None]) -> VerifyReport:
    project = options.project.resolve()
    after = str(project)
    before = options.before or ""
    try:
        upstream = workspace_upstream(options.workspace)
        with _scratch() as scratch, _terminate_as_interrupt():
            report = _verify(options, project, upstream, scratch, progress)
        progress("both sides stopped, temporary copies removed")
        return report
    except (_CannotRun, SourceError, SideError) as error:
        return VerifyReport(exit_code=COULD_NOT_RUN, reason=str(error), before=before, after=after)


def workspace_upstream(url: str | None) -> Upstream | None:
    """--workspace URL (a stand-in: callers' tokens go through as they are), else the workspace of
    the usual Databricks configuration (environment, ~/.databrickscfg), else None (offline)."""
    if url:
        return Upstream(url=url.rstrip("/"))
    configured = os.environ.get("DATABRICKS_HOST") or os.environ.get("DATABRICKS_CONFIG_PROFILE")
    config_file = Path(os.environ.get("DATABRICKS_CONFIG_FILE") or Path.home() / ".databrickscfg")
    if not configured and not config_file.is_file():
        return None
    from databricks.sdk.core import (
        Config,  # the SDK resolves host and credentials as it always does
    )

    try:
        config = Config()
    except Exception as error:  # the SDK's own message says what is missing
        raise _CannotRun(f"the Databricks configuration cannot be used: {error}") from None
    if not config.host:
        return None
    return Upstream(url=config.host.rstrip("/"), service_headers=config.authenticate)


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    """The two copies, and what the original is loaded with and asked."""

    origin: Origin
    original_dir: Path
    app_dir: Path
    agent_file: str
    interface: str | None  # ChatAgent / ChatModel / PythonModel; None: a ResponsesAgent
    facts: OriginalFacts
    requests: Requests


def _prepare(options: VerifyOptions, project: Path, scratch: Path) -> _Prepared:
    if not project.is_dir():
        raise _CannotRun(f"{project} is not a directory")
    origin, before_dir = resolve_before(project, options.before)
    original_dir, app_dir = scratch / "original" / "project", scratch / "app" / "project"
    if before_dir is not None:
        copy_project(before_dir, original_dir)
    else:
        extract_revision(project, origin.where, original_dir)
    copy_project(project, app_dir)
    agent_file = find_agent_file(original_dir)
    facts = read_original_facts(original_dir)
    return _Prepared(
        origin=origin, original_dir=original_dir, app_dir=app_dir, agent_file=agent_file,
        interface=legacy_interface(original_dir, agent_file), facts=facts,
        requests=load_requests(options.requests_file, facts),
    )


def _verify(options: VerifyOptions, project: Path, upstream: Upstream | None, scratch: Path,
            progress: Callable[[str], None]) -> VerifyReport:
    prepared = _prepare(options, project, scratch)
    bodies = prepared.requests.bodies
    user_token = options.user_token or f"verify-user-{secrets.token_hex(8)}"
    calls = [
        _call(k, mode, {key: v for key, v in body.items() if key != "stream"}, prepared.interface)
        for k, body in enumerate(bodies, 1) for mode in (*MODES, RESPONSES)
    ]
    identity = _identities(user_token)
    recording = Recording()
    out, app_answers = _run_sides(options, prepared, scratch, upstream, recording, calls, user_token, progress)
    notes = list(prepared.facts.notes)
    if out.get("first_load_error"):
        notes.append(
            f"the original fails to load on Model Serving as written "
            f"({out['first_load_error'].splitlines()[0][:240]}); it was compared loaded with the user's token present"
        )
    live = upstream is not None and upstream.service_headers is not None
    if live and not options.user_token and any(identity(e.token) == "user" for e in recording.snapshot()[0]):
        notes.append("the user's calls carried a generated fake token, which the workspace rejects: "
                     "pass --user-token with a real user's token")
    header = {
        "before": _describe_origin(prepared.origin), "after": str(project),
        "requests_source": prepared.requests.source,
        "workspace": upstream.url if upstream else "none (offline)", "notes": tuple(notes),
    }
    answers = {entry["label"]: entry for entry in out["calls"]}
    return _report(header, bodies, calls, answers, app_answers, recording, identity, prepared.interface)


def _schema_example(prepared: _Prepared, calls: list[Call]) -> object:
    """What the original is saved with so that MLflow enforces a schema as Model Serving did: the
    driver's input example, or (a signature logged that cannot be read statically) the first
    request as the original is asked it; None when the driver logged neither."""
    if not prepared.facts.schema_logged:
        return None
    first = calls[0] if calls else None
    return prepared.facts.input_example or (first and (first.original_payload or first.payload))


def _run_sides(options: VerifyOptions, prepared: _Prepared, scratch: Path, upstream: Upstream | None,
               recording: Recording, calls: list[Call], user_token: str,
               progress: Callable[[str], None]) -> tuple[dict, dict[str, dict]]:
    """Both sides started at once, the original's calls recorded, then the app asked: (the
    original's output, the app's answers by call label). Both are stopped on every way out."""
    proxy_options = {"recording": recording, "upstream": upstream, "service_tokens": SERVICE_TOKENS}
    with Proxy(side="original", replay=False, **proxy_options) as original_proxy, \
            Proxy(side="app", replay=True, **proxy_options) as app_proxy, processes.Children() as children:
        progress(f"starting the original ({prepared.agent_file}, as Model Serving loads it) and the app "
                 f"(app.yaml's command) side by side")
        try:
            original = start_original(
                children, project=prepared.original_dir, agent_file=prepared.agent_file,
                scratch=scratch / "original", proxy_url=original_proxy.url, calls=calls, user_token=user_token,
                artifacts=prepared.facts.artifacts, model_config=prepared.facts.model_config,
                input_example=_schema_example(prepared, calls),
            )
            app = start_app(children, project=prepared.app_dir, scratch=scratch / "app", proxy_url=app_proxy.url,
                            extra_env=options.extra_env)
            out = _wait_for_both(original, app, scratch / "original", recording, options.timeout, progress)
            _check_offline(upstream, recording)
            app_answers = {}
            for call in calls:
                progress(f"request {call.index} of {len(prepared.requests.bodies)}: {call.mode} on the app")
                app_proxy.set_window(call.label)
                app_answers[call.label] = ask_app(app, call, user_token, options.timeout)
            app_proxy.set_window("end")
        finally:
            recording.complete.set()  # a replay still waiting gives up; `children` then stops both sides
    return out, app_answers


def _call(index: int, mode: str, body: dict, interface: str | None) -> Call:
    label = f"request {index} {mode}"
    if interface is None:
        return Call(index=index, label=label, mode=mode, payload=body)
    chat, responses = legacy.bodies_for(interface, body)
    return Call(index=index, label=label, mode=mode, payload=responses, original_payload=chat)


def _wait_for_both(original, app: AppStart, original_scratch: Path, recording: Recording, timeout: float,
                   progress: Callable[[str], None]) -> dict:
    """The original's output once both it has finished and the app answers /health. The
    recording is complete as soon as the original has finished: an app that calls the workspace
    while it starts gets its answers from then on."""
    started = time.monotonic()
    answers: dict | None = None
    healthy = False
    while answers is None or not healthy:
        if time.monotonic() - started > timeout:
            waiting = "the original" if answers is None else "the app's /health"
            raise _CannotRun(f"{waiting} did not finish within {timeout:g}s (--timeout)")
        if answers is None and processes.exited(original):
            answers = read_original(original_scratch, original)
            recording.complete.set()
            progress(f"the original answered {len(answers['calls'])} calls ({time.monotonic() - started:.1f}s)")
        if not healthy and app_healthy(app):
            healthy = True
            progress(f"the app is up on {app.url} ({time.monotonic() - started:.1f}s)")
        time.sleep(0.05)
    return answers


def _check_offline(upstream: Upstream | None, recording: Recording) -> None:
    if upstream is not None:
        return
    original, _ = recording.snapshot()
    made = sorted({f"{e.method} {e.path.split('?')[0]}" for e in original if not e.plumbing})
    if made:
        raise _CannotRun(
            f"the original calls the workspace ({', '.join(made)}) and no workspace is configured: "
            "set DATABRICKS_HOST and credentials (or a profile), or pass --workspace URL of a stand-in"
        )


def _identities(user_token: str) -> Callable[[str | None], str]:
    names = {user_token: "user", SERVING_TOKEN: "serving identity", APP_TOKEN: "app identity", None: "no token"}
    return lambda token: names.get(token) or f"another token ({str(token)[:4]}...)"


def _same_identity(a: str, b: str) -> bool:
    service = {"serving identity", "app identity"}
    return a == b or (a in service and b in service)


def _report(report: dict, bodies, calls: list[Call], answers: dict[str, dict], app_answers: dict[str, dict],
            recording: Recording, identity: Callable[[str | None], str], interface: str | None) -> VerifyReport:
    original_calls, app_calls = recording.snapshot()
    records: list[CallRecord] = []
    differences: list[str] = []
    for exchange in original_calls:
        if not exchange.plumbing and exchange.window not in ("end",):
            records.append(_record(exchange, identity))
    for exchange in app_calls:
        if exchange.plumbing:
            continue
        difference = _app_call_difference(exchange, original_calls, identity)
        if difference:
            differences.append(f"{exchange.window}: {difference}")
        records.append(_record(exchange, identity, difference))
    notes = list(report.pop("notes", ()))
    for missing in recording.unused():
        text = (f"{missing.window}: the original called {missing.method} {_path(missing)} as the "
                f"{identity(missing.token)}; the app never made that call")
        if missing.window == "load":
            # Made while Model Serving imported the agent (a notebook's test cell, say): not part
            # of any answer; what the app needs of it shows in its answers and its own calls.
            notes.append(text + " (while loading: not counted as a difference)")
        else:
            differences.append(text)
    results = []
    for k, body in enumerate(bodies, 1):
        modes = tuple(_compare(call, answers.get(call.label, {}), app_answers.get(call.label, {}), interface)
                      for call in calls if call.index == k)
        mine = tuple(r for r in records if r.window.startswith(f"request {k} "))
        results.append(RequestResult(index=k, request=body, modes=modes, calls=mine))
    same = all(m.equal for r in results for m in r.modes) and not differences
    return VerifyReport(
        exit_code=EQUAL if same else DIFFERENT, requests=tuple(results), calls=tuple(records),
        differences=tuple(differences), notes=tuple(notes), **report,
    )


def _record(exchange: Exchange, identity: Callable[[str | None], str], difference: str | None = None) -> CallRecord:
    return CallRecord(
        side=exchange.side, window=exchange.window, method=exchange.method, path=_path(exchange),
        identity=identity(exchange.token), replayed=exchange.replayed, difference=difference,
    )


def _app_call_difference(exchange: Exchange, original_calls: list[Exchange],
                         identity: Callable[[str | None], str]) -> str | None:
    who = identity(exchange.token)
    if exchange.matched is not None:
        was = identity(exchange.matched.token)
        if _same_identity(was, who):
            return None
        return (f"{exchange.method} {_path(exchange)}: the original called as the {was}, the app as "
                f"the {who}" + (" (it must call as the user)" if was == "user" else ""))
    text = f"the app called {exchange.method} {_path(exchange)} as the {who}; the original never made this call"
    near = [e for e in original_calls if e.method == exchange.method and e.path == exchange.path
            and e.window != "save"]
    if near:
        text += "; against the original's closest call:\n" + compare.body_diff(near[0].body, exchange.body)
    return text


def _path(exchange: Exchange) -> str:
    return exchange.path.split("?")[0]


def _compare(call: Call, original: dict, app: dict, interface: str | None) -> ModeResult:
    fallback = original.get("fallback")
    mode = "invoke" if call.mode == RESPONSES else call.mode
    if interface is not None:
        left, right, note = _legacy_views(mode, original, app, interface)
    elif mode == "invoke":
        result = original.get("result")
        note = None
        if fallback and result is not None:
            result, note = compare.aggregate(result), "the original defines only predict_stream: its done items"
        left = compare.invoke_view(result, original.get("error"))
        right = compare.invoke_view(app.get("result"), app.get("error"))
    else:
        result = original.get("result")
        note = None
        if fallback and result is not None:
            result, note = compare.stream_of_items(result), "the original defines only predict: one done event per item"
        left = compare.stream_view(result, original.get("error"))
        right = compare.stream_view(app.get("result", app.get("events")), app.get("error"))
    text = compare.diff(left, right)
    return ModeResult(mode=call.mode, equal=not text, diff=text, original_error=original.get("error"),
                      app_error=app.get("error"), note=note)


def _legacy_views(mode: str, original: dict, app: dict, interface: str) -> tuple[dict, dict, str]:
    """The original's chat answer and the app's Responses answer as the same entries (see
    verify/legacy.py)."""
    result, answer = original.get("result"), app.get("result", app.get("events"))
    note = f"a {interface}: its chat answer mapped to Responses items"
    if original.get("fallback") == "predict_stream" or (mode == "stream" and not original.get("fallback")):
        entries = legacy.chat_stream_entries(result or [])
        custom, has_ids = None, all(e.get("id") for e in entries if e["kind"] == "text")
    else:
        entries, custom, has_ids = legacy.chat_answer_entries(result) if result is not None else ([], None, True)
    if mode == "invoke":
        app_entries = legacy.item_entries((answer or {}).get("output") or [])
        app_custom = (answer or {}).get("custom_outputs")
        if original.get("fallback"):
            custom = None  # invoke aggregated from a stream carries no custom_outputs
        left = {"entries": entries, "custom_outputs": custom}
        right = {"entries": app_entries, "custom_outputs": app_custom}
    else:
        events = answer or []
        app_entries = legacy.item_entries([e["item"] for e in events if e.get("type") == compare.DONE and "item" in e])
        streamed: dict[str, str] = {}
        for event in events:
            if event.get("type") == compare.TEXT_DELTA:
                streamed[str(event.get("item_id"))] = streamed.get(str(event.get("item_id")), "") + str(event.get("delta", ""))
        expected_text = [] if original.get("fallback") else [e["text"] for e in entries if e["kind"] == "text"]
        left = {"entries": entries, "streamed text": expected_text}
        right = {"entries": app_entries, "streamed text": list(streamed.values())}
    if not has_ids:
        left["entries"], right["entries"] = legacy.without_ids(left["entries"]), legacy.without_ids(right["entries"])
    left["failed"], right["failed"] = original.get("error") is not None, app.get("error") is not None
    return compare.normalized(left), compare.normalized(right), note


def _describe_origin(origin: Origin) -> str:
    return f"git {origin.where}" if origin.kind == "git" else origin.where


@contextmanager
def _scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="migrate-agent-verify-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops what it started."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_STARTED = time.monotonic()


def progress_to_stderr(message: str) -> None:
    sys.stderr.write(f"verify: [{time.monotonic() - _STARTED:5.1f}s] {message}\n")
    sys.stderr.flush()
