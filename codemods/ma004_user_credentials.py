"""MA004: on-behalf-of-user clients become per-request clients of the calling user."""

from __future__ import annotations

import libcst as cst

from codemods._base import RUNTIME_MODULE, MigrationRule, with_blank_lines
from codemods.analysis.syntax import is_docstring, receiver

USER_CLIENT_FACTORY = "get_user_workspace_client"
REQUEST_SCOPE_METHOD = "init_request_scope"
REQUEST_SCOPE_KEY = "migrate_agent.request_scope"  # how MA001 must build the agent per request
CACHE_DECORATORS = frozenset({"cache", "lru_cache"})


class UserCredentials(MigrationRule):
    """MA004 user-credentials: `WorkspaceClient(credentials_strategy=ModelServingUserCredentials())`
    acted as whoever invoked the Model Serving endpoint. On Apps the user's token comes with each
    request (`x-forwarded-access-token`), so every such client becomes
    `get_user_workspace_client()`, which builds a client from that header and fails closed when it
    is missing. Whatever is built from a user client (tools, LLM clients, graphs) moves into
    request scope: statements of `__init__` that build user state move to `init_request_scope()`,
    run on a per-request copy of the agent; module-level user state becomes a function called per
    request. State that does not depend on the user stays built once per process. State the
    agent's handlers keep on `self` between requests (`self.n += 1`, `self.history.append(...)`
    on attributes `__init__` sets) cannot persist on an agent built per request for its user: a
    TODO names it (on Model Serving every caller shared it; keep it in a store keyed by user or
    conversation if it is needed)."""

    RULE_ID = "MA004"
    DESCRIPTION = "Replace ModelServingUserCredentials clients with per-request user clients."

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        identity = self.analysis.identity
        pair = self.analysis.convertible()
        self._agent_name = pair[0].name if pair else None
        self._split = identity.init_split if pair else None
        self._calls = {c.node: c for c in identity.user_calls}
        # An agent here that is not converted keeps the whole module as it is (TODOs only).
        self._frozen = self.analysis.agent_left_unconverted()
        self._accesses = {} if self._frozen else {
            node: name for name, nodes in identity.global_accesses.items() for node in nodes
        }
        self._pending: list[str] = []  # TODO messages for the statement being left
        self._function_stack: list[cst.FunctionDef] = []
        self._class_depth = 0
        self._scope_mode = self._decide_mode(identity) if pair else None
        if not identity.user_calls and not self._scope_mode:
            return tree
        tree = tree.visit(self)
        if self._scope_mode:
            self.context.scratch[REQUEST_SCOPE_KEY] = self._scope_mode
        return tree

    # -- deciding ---------------------------------------------------------------------------

    def _decide_mode(self, identity) -> str | None:
        """shared | copy | split | per_request: how each request gets its agent."""
        split = identity.init_split
        if split is not None and split.moved:
            return "per_request" if split.blocker else "split"
        if identity.request_local and not identity.carried:
            return "copy"  # a copy would lose what the handlers carry over: shared, as on Serving
        return None

    def _explain(self) -> None:
        split = self._split
        identity = self.analysis.identity
        if split is not None:
            for attribute, why in split.request_attributes.items():
                self.note_edit(f"per request: self.{attribute} ({why})")
            for attribute, why in split.process_attributes.items():
                if attribute in identity.request_local:
                    continue  # reassigned per request on the request's copy: listed below
                self.note_edit(f"per process: self.{attribute} ({why})")
        for attribute, why in identity.request_local.items():
            self.note_edit(f"per request: self.{attribute} ({why}; each request has its own copy)")
        for name in identity.module_user_globals:
            self.note_edit(f"per request: {name} (module-level user state, now built per request)")

    # -- calls --------------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth += 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_stack.append(node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        call = self._calls.get(original_node)
        if call is None:
            return updated_node
        if self._frozen:
            self._pending.append(
                "the agent in this module is not converted (see its manual step), so this "
                "on-behalf-of-user client is left as it is; once the agent converts, it becomes "
                "a per-request client of the calling user (run migrate-agent again)"
            )
            return updated_node
        if not call.replaceable:
            self._pending.append(
                f"{call.reason}: build it per request from the user's token "
                f"({USER_CLIENT_FACTORY}() in agent_server_utils shows how)"
            )
            return updated_node
        cached = [
            f.name.value
            for f in self._function_stack
            if any(_decorator_name(d) in CACHE_DECORATORS for d in f.decorators)
        ]
        if cached:
            self._pending.append(
                f"`{cached[-1]}` is cached, so its user client would be shared by every request: "
                "remove the cache (the client is per request now)"
            )
        self.add_generated_import(RUNTIME_MODULE, USER_CLIENT_FACTORY)
        self.remove_unused_import_by_node(original_node)
        self.note_edit(
            f"line {call.line}: ModelServingUserCredentials client -> {USER_CLIENT_FACTORY}() "
            "(the calling user's token, per request; fails closed without it)"
        )
        return cst.Call(func=cst.Name(USER_CLIENT_FACTORY))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if original_node in self._accesses:
            return cst.Call(func=updated_node)
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Module-level user state becomes a function built once per request, on first use."""
        user_globals = self.analysis.identity.module_user_globals
        if not user_globals or self._frozen:
            return updated_node
        body = list(updated_node.body)
        for name, index in user_globals.items():
            statement = body[index]
            value = updated_node.code_for_node(statement.body[0].value)
            code = (
                f"@request_scoped\ndef {name}():\n"
                f'    """Per request: built from the calling user\'s identity."""\n'
                f"    return {value}\n"
            ).replace("\n", updated_node.default_newline)
            function = cst.parse_statement(code, config=updated_node.config_for_parsing)
            body[index] = with_blank_lines(function.with_changes(leading_lines=statement.leading_lines))
            if index + 1 < len(body) and index + 1 not in user_globals.values():
                body[index + 1] = with_blank_lines(body[index + 1])
        self.add_generated_import(RUNTIME_MODULE, "request_scoped")
        return updated_node.with_changes(body=body)

    def leave_SimpleStatementLine(self, original_node, updated_node):
        return self._attach_pending(updated_node)

    def _attach_pending(self, statement):
        while self._pending:
            message = self._pending.pop(0)
            statement = self.mark(statement, message)
        return statement

    # -- __init__ split -----------------------------------------------------------------------

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
        self._function_stack.pop()
        updated_node = self._attach_pending(updated_node)
        return updated_node

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef):
        self._class_depth -= 1
        if self._class_depth or original_node.name.value != self._agent_name:
            return self._attach_pending(updated_node)
        self._explain()
        split = self._split
        if self._scope_mode in ("per_request", "split") and self.analysis.identity.handler_state:
            updated_node = self._mark_lost_state(updated_node)
        if self._scope_mode == "per_request":
            message = (
                f"{split.blocker}, so the whole agent is now built per request (correct, but "
                "slower): move what does not depend on the user out of it"
            )
            return self.mark(updated_node, message)
        if self._scope_mode != "split":
            return updated_node
        body = list(updated_node.body.body)
        for position, statement in enumerate(body):
            if isinstance(statement, cst.FunctionDef) and statement.name.value == split.method:
                kept, scope_method = self._split_method(statement, split)
                body[position] = kept
                body.insert(position + 1, scope_method)
                break
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    def _mark_lost_state(self, classdef: cst.ClassDef) -> cst.ClassDef:
        """State the handlers keep on the agent: on Model Serving one instance carried it from
        request to request (for every caller); here each request has its own agent."""
        attributes = ", ".join(f"self.{a}" for a in self.analysis.identity.handler_state)
        message = (
            f"{attributes}: state kept on the agent between requests no longer persists (the "
            "agent is built per request for the calling user); on Model Serving it was shared "
            "by every caller. If it is needed, keep it in a store keyed by user / conversation"
        )
        return self.mark(classdef, message)

    def _split_method(self, method: cst.FunctionDef, split) -> tuple[cst.FunctionDef, cst.FunctionDef]:
        statements = list(method.body.body)
        moved = set(split.moved)
        kept = [s for i, s in enumerate(statements) if i not in moved]
        taken = [s for i, s in enumerate(statements) if i in moved or i in split.copied]
        if not kept or all(is_docstring(s) for s in kept):
            kept.append(cst.SimpleStatementLine(body=[cst.Pass()]))
        self_name = receiver(method) or "self"
        docstring = cst.SimpleStatementLine(
            body=[
                cst.Expr(
                    cst.SimpleString(
                        '"""State built from the calling user\'s identity: runs once per request, '
                        'on this request\'s copy of the agent."""'
                    )
                )
            ]
        )
        scope_method = cst.FunctionDef(
            name=cst.Name(REQUEST_SCOPE_METHOD),
            params=cst.Parameters(params=[cst.Param(cst.Name(self_name))]),
            body=cst.IndentedBlock(body=[docstring, *taken]),
            leading_lines=[cst.EmptyLine(indent=False)],
        )
        return method.with_changes(body=method.body.with_changes(body=kept)), scope_method


def _decorator_name(decorator: cst.Decorator) -> str:
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return target.value if isinstance(target, cst.Name) else ""


