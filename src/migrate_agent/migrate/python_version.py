"""Local modules the app imports that Python 3.11 (the Databricks Apps runtime) cannot parse.

The agent's own file and every candidate file are checked by the rules (MA006). Helper modules
the agent imports are not parsed by the rules; they are parsed here with libcst (nothing runs)
and checked with the same verdict, `codemods.analysis.python_version.newer_syntax`, so the result is the
same on every interpreter (`ast.parse(..., feature_version=(3, 11))` accepts PEP 701 f-strings
on Python 3.12+).
"""

from __future__ import annotations

import posixpath

import libcst as cst

from codemods.analysis.python_version import first_newer_syntax, verdict
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
            module = cst.parse_module(data)
        except cst.ParserSyntaxError as error:  # not even libcst parses it, nor does Python 3.11
            message = (
                f"does not parse as Python 3.11, which Databricks Apps runs ({error.message}); "
                "the agent imports it: rewrite it for 3.11"
            )
            steps.append(ManualStep(RULE, message, rel, error.raw_line))
            continue
        except ValueError:  # not text (an undecodable file): nothing Python reads
            continue
        found = first_newer_syntax(module)
        if found is not None:
            problem, line = found
            message = f"{verdict([problem])} (the agent imports this module)"
            steps.append(ManualStep(RULE, message, rel, line))
    return steps
