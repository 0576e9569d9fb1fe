"""Local modules the app imports that Python 3.11 (the Databricks Apps runtime) cannot parse.

The agent's own file and every candidate file are checked on their libcst tree (MA006). Helper
modules the agent imports are not parsed by the rules; they are checked here with Python's own
parser, `ast.parse(..., feature_version=(3, 11))` (nothing runs). On a 3.11 interpreter that
rejects everything 3.11 cannot run; on 3.12+ it still rejects PEP 695 syntax but accepts PEP 701
f-strings (CPython does not check those against feature_version).
"""

from __future__ import annotations

import ast
import posixpath

from migrate_agent.model import ManualStep

RULE = "MA006"


def newer_syntax_in_helpers(agent, outcomes, sources, local_modules) -> list[ManualStep]:
    """A manual step per local module imported by the agent that does not parse as 3.11."""
    checked = {o.path for o in outcomes}  # parsed by the rules already
    wanted = set(agent.imported_roots) & set(local_modules)
    folder = posixpath.dirname(agent.path)
    prefix = f"{folder}/" if folder else ""
    steps = []
    for rel, data in sources:  # project-relative posix paths (no pathlib: thousands of files)
        if rel in checked or not rel.startswith(prefix):
            continue
        top = rel[len(prefix) :].split("/", 1)[0].removesuffix(".py")
        if top not in wanted:
            continue
        try:
            ast.parse(data, feature_version=(3, 11))
        except SyntaxError as error:
            steps.append(
                ManualStep(
                    RULE,
                    f"does not parse as Python 3.11, which Databricks Apps runs ({error.msg}); "
                    "the agent imports it: rewrite it for 3.11",
                    rel,
                    error.lineno,
                )
            )
        except ValueError:
            continue
    return steps
