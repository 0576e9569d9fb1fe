"""YAML in and out for the files the deployment writes: block style, stable order, no aliases."""

from __future__ import annotations

from typing import Any

import yaml


class FlowList(list):
    """A list of strings written inline with double quotes: `["python", "app.py"]`."""


class _QuotedString(str):
    pass


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as databricks.yml and app.yaml examples do.
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_flow_list(dumper: yaml.SafeDumper, data: FlowList) -> yaml.Node:
    items = [_QuotedString(item) if isinstance(item, str) else item for item in data]
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True)


def _represent_quoted(dumper: yaml.SafeDumper, data: _QuotedString) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


_Dumper.add_representer(FlowList, _represent_flow_list)
_Dumper.add_representer(_QuotedString, _represent_quoted)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)


def load_yaml(text: str) -> Any:
    """Parsed YAML; raises yaml.YAMLError when it is not valid YAML."""
    return yaml.safe_load(text)


def header_comments(text: str | None) -> str:
    """The comment lines a YAML file starts with, kept when the file is rewritten."""
    kept: list[str] = []
    for line in (text or "").splitlines():
        if line.lstrip().startswith("#") or (kept and not line.strip()):
            kept.append(line)
        else:
            break
    while kept and not kept[-1].strip():
        kept.pop()
    return "".join(f"{line}\n" for line in kept)


def has_inner_comments(text: str | None) -> bool:
    """Whether comments other than the leading ones exist (they are lost when rewriting)."""
    body = (text or "").splitlines()[len(header_comments(text).splitlines()):]
    return any(line.lstrip().startswith("#") or " #" in line for line in body)


def rewrite_yaml(original: str | None, data: Any, edits: list[str]) -> str:
    """`data` as YAML, after the original file's leading comments; says when others are lost."""
    if has_inner_comments(original):
        edits.append("comments inside the file could not be kept (YAML rewritten)")
    return header_comments(original) + dump_yaml(data)
