"""The line each node of a tree starts on, from one plain code generation.

What `PositionProvider(...).start.line` gives, for the price of printing the module once:
libcst's provider builds a range object for every node and splits every token on newlines,
which costs as much as parsing the file. Here the printer only notes, for each node, how many
tokens were written when its syntactic part began (where libcst's provider starts the node's
range too: after leading lines, indentation and parentheses); lines are counted only for the
nodes asked about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate

import libcst as cst
from libcst._nodes.internal import CodegenState


@dataclass(frozen=False)
class _MarkingState(CodegenState):
    """A printer that remembers the token count at each node's start."""

    syntactic: dict = field(default_factory=dict)  # node -> tokens before its syntactic start
    inclusive: dict = field(default_factory=dict)  # node -> tokens before it, whitespace included

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.inclusive[node] = len(self.tokens)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = len(self.tokens)
        yield
        self.syntactic[node] = self.syntactic[start_node] if start_node is not None else start


def line_finder(module: cst.Module) -> Callable[[cst.CSTNode], int]:
    """A function giving the 1-based line a node of `module` starts on (KeyError: not in it)."""
    state = _MarkingState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    text = "".join(state.tokens)
    ends = list(accumulate(map(len, state.tokens)))

    def line_of(node: cst.CSTNode) -> int:
        index = state.syntactic.get(node)
        if index is None:
            index = state.inclusive[node]
        offset = ends[min(index, len(ends)) - 1] if index and ends else 0
        # \n, \r\n and a lone \r each end a line, as libcst counts them
        return 1 + text.count("\n", 0, offset) + text.count("\r", 0, offset) - text.count("\r\n", 0, offset)

    return line_of
