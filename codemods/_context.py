"""The context a rule runs in: the fields of libcst's ``CodemodContext`` that rules use.

libcst's own class lives in ``libcst.codemod``, whose import pulls in ``libcst.matchers``
(~0.15 s, more than parsing a typical agent file with its metadata). migrate-agent's engine uses
this one; a rule accepts either (libcst's tool and ``CodemodTest`` pass theirs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RuleContext:
    """libcst's CodemodContext as the rules use it, without importing libcst.codemod."""

    warnings: list[str] = field(default_factory=list)
    filename: str | None = None
    full_module_name: str | None = None
    full_package_name: str | None = None
    wrapper: Any = None  # libcst.metadata.MetadataWrapper of the tree being transformed
    metadata_manager: Any = None
    scratch: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self):
        return None if self.wrapper is None else self.wrapper.module
