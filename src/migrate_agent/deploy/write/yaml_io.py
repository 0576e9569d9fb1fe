"""YAML in and out for the files the deployment writes: block style, stable order, no aliases.

New files are written with PyYAML; an existing app.yaml / databricks.yml is edited in place with
ruamel.yaml's round-trip mode, so its comments, blank lines and quoting stay.
"""

from __future__ import annotations

import copy
import io
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent


class FlowList(list):
    """A list of strings written inline with double quotes: `["python", "app.py"]`."""


class _QuotedString(str):
    """A FlowList item: written in double quotes."""


class _Dumper(yaml.SafeDumper):
    """A SafeDumper that indents list items under their key and writes no aliases."""

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
    """`data` as YAML: block style, keys in insertion order, a FlowList inline."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096)


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


class RoundTrip:
    """An existing YAML file edited in place: comments, blank lines, quoting and key order kept.

    Uses ruamel.yaml's round-trip mode. Values the migration adds may be plain dicts, lists and
    FlowList; they are converted on dump. The file's indentation is kept: ruamel guesses where
    its block sequences put the dash and the item (`load_yaml_guess_indent`), and the mapping
    indent is read from the columns ruamel recorded for the first nested mapping.
    """

    def __init__(self, text: str) -> None:
        self._yaml = YAML()
        self._yaml.allow_duplicate_keys = True  # as PyYAML, which read the file first: last wins
        self._yaml.preserve_quotes = True
        self._yaml.width = 4096
        self.data, sequence, offset = load_yaml_guess_indent(text, yaml=self._yaml)
        if offset is None:  # no block sequence in the file
            sequence, offset = 4, 2
        offset = max(offset, 0)
        sequence = max(sequence or 0, offset + 2)  # None when every dash has a comment after it
        self._yaml.indent(mapping=_mapping_indent(self.data), sequence=sequence, offset=offset)
        # Blank lines and comments that end a block are attached to its last scalar; detach them
        # so entries appended to the block come before them, not after.
        self._tails: list[tuple[Any, Any, Any]] = []
        _detach_tails(self.data, self._tails)

    def dump(self) -> str:
        data = _round_trip_values(self.data)
        _attach_tails(self._tails)
        out = io.StringIO()
        self._yaml.dump(data, out)
        return out.getvalue()


def round_trip(text: str | None, data: Any) -> RoundTrip | None:
    """A RoundTrip of an existing mapping file; None (rewrite it instead) where ruamel cannot."""
    if not text or not isinstance(data, dict):
        return None
    try:
        session = RoundTrip(text)
    except Exception:  # ruamel stricter than PyYAML on some input: fall back to a rewrite
        return None
    return session if isinstance(session.data, dict) else None


class MappingEdit:
    """An existing (or new) mapping file being edited: `data` is changed in place, `result` gives
    the file's new text. A round trip keeps comments and quoting where ruamel reads the file;
    elsewhere the file is rewritten. An existing file whose data did not change keeps its text."""

    def __init__(self, text: str | None, data: Any) -> None:
        self._text = text
        self._session = round_trip(text, data)
        if self._session is not None:
            self.data = self._session.data
        else:
            self.data = copy.deepcopy(data) if isinstance(data, dict) else {}
        self._original = plain(self.data)

    def result(self, exists: bool, edits: list[str]) -> tuple[str, list[str]]:
        """(new text, edits); (the old text, no edits) when an existing file's data is unchanged."""
        if exists and plain(self.data) == self._original:
            return self._text or "", []
        if self._session is not None:
            return self._session.dump(), edits
        return rewrite_yaml(self._text, self.data, edits), edits


def plain(node: Any) -> Any:
    """Builtin dicts, lists and scalars of a (possibly round-trip) YAML tree, to compare."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _mapping_indent(data: Any) -> int:
    """How far the file indents a block mapping under its key (2 when it nests none)."""
    if isinstance(data, CommentedMap):
        for value in data.values():
            if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
                return max(2, value.lc.col - data.lc.col)
    return 2


def _is_collection(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq))


def _keys(node: Any) -> list:
    return list(node.keys()) if isinstance(node, dict) else list(range(len(node)))


_READ = object()


def entry_comment(node: Any, key: Any, token: Any = _READ) -> Any:
    """The comment token ruamel attaches after entry `key` of a round-trip mapping or sequence
    (a comment on the entry's line, then the blank and comment lines below it), or None; given
    `token`, puts that one there instead (None removes it).

    ruamel.yaml has no public API to read or move what it attaches after an entry (its
    `yaml_add_eol_comment` only adds a new comment), so this is the one place that reaches into
    its comment attribute: `node.ca.items[key]`, a list whose slot 2 (mapping) or 0 (sequence)
    holds that token. The layout is ruamel's own and may change: pyproject.toml caps
    ruamel.yaml below the next minor release, and tests/deploy/test_yaml_io.py checks it.
    """
    slot = 2 if isinstance(node, dict) else 0
    if token is _READ:
        entry = node.ca.items.get(key)
        return entry[slot] if entry and len(entry) > slot else None
    entry = node.ca.items.setdefault(key, [None] * (4 if isinstance(node, dict) else 2))
    entry[slot] = token
    return token


def _chain_end(node: Any, key: Any) -> tuple[Any, Any]:
    """The innermost last entry under node[key]: where ruamel attaches what follows it."""
    while _is_collection(node[key]) and len(node[key]) and not node[key].fa.flow_style():
        node, key = node[key], _keys(node[key])[-1]
    return node, key


def _detach_tails(node: Any, found: list) -> None:
    if not _is_collection(node):
        return
    keys = _keys(node)
    for key in keys:
        end, end_key = _chain_end(node, key)
        token = entry_comment(end, end_key)
        if token is not None:
            head, _newline, tail = token.value.partition("\n")
            if tail:  # keep a comment on the entry's own line, move the lines after it
                moved = copy.copy(token)
                moved.value = tail
                if head.strip():
                    token.value = head + "\n"
                else:
                    entry_comment(end, end_key, None)
                # What follows the last entry ends the block: it stays after whatever is last.
                found.append((node, None if key == keys[-1] else key, moved))
        _detach_tails(node[key], found)


def _attach_tails(found: list) -> None:
    for node, key, token in found:
        if key is None and len(node):
            key = _keys(node)[-1]
        if key not in _keys(node):
            continue
        end, end_key = _chain_end(node, key)
        current = entry_comment(end, end_key)
        if current is None:
            fresh = copy.copy(token)
            fresh.value = "\n" + token.value
            entry_comment(end, end_key, fresh)
        else:
            current.value += token.value


def _round_trip_values(node: Any) -> Any:
    """Plain values the migration put into a round-trip tree, as ruamel's own types."""
    if isinstance(node, FlowList):
        seq = CommentedSeq(DoubleQuotedScalarString(v) if isinstance(v, str) else v for v in node)
        seq.fa.set_flow_style()
        return seq
    if isinstance(node, CommentedMap):
        for key in list(node.keys()):
            node[key] = _round_trip_values(node[key])
        return node
    if isinstance(node, CommentedSeq):
        for index in range(len(node)):
            node[index] = _round_trip_values(node[index])
        return node
    if isinstance(node, dict):
        mapping = CommentedMap()
        for key, value in node.items():
            mapping[key] = _round_trip_values(value)
        return mapping
    if isinstance(node, list):
        return CommentedSeq(_round_trip_values(v) for v in node)
    return node
