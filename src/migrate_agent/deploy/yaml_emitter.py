"""YAML text for the files the deployment writes from scratch, without importing PyYAML.

`import yaml` is about 10 ms of the ~200 ms a small project's plan takes, and a project without
an app.yaml or databricks.yml only needs YAML to write them. Their data is simple: mappings with
string keys, lists, inline `FlowList` commands and short ASCII scalars. `emit_yaml` writes such a
document exactly as `yaml_io`'s PyYAML dumper does (block style, list items indented under their
key, insertion order, `["python", "app.py"]` for a FlowList), byte for byte.

It never guesses. A scalar is written plain only when PyYAML certainly writes it plain (a narrow
character set, a first character that no YAML 1.1 number, bool, null or timestamp starts with, or
a shape none of them can take), and quoted only where PyYAML certainly quotes it the same way.
Anything else (an unusual string, a key that would need quotes, another type, a long line PyYAML
might fold) makes `emit_yaml` return None: the caller then dumps that document with PyYAML.
"""

from __future__ import annotations

import math
import re
from typing import Any


class FlowList(list):
    """A list of strings written inline with double quotes: `["python", "app.py"]`."""


class _Declined(Exception):
    """The document holds a value this writer cannot be sure to write as PyYAML would."""


# PyYAML folds a line only past its width (4096 in yaml_io) and writes a key as an explicit
# `? key` from 128 characters (its `!!str` tag counted); far below both, neither can happen.
MAX_LINE = 1000
MAX_KEY = 100
MAX_DEPTH = 40

# Plain when it starts with a letter, `_`, `$`, `/`, `./`, `../` or a dot and a letter (`.venv`)
# (no YAML 1.1 number, timestamp, merge key, document marker or indicator starts so; bools,
# nulls, `.inf` and `.nan` are excluded by name) and holds only characters that are no block
# indicator, with `:` checked separately (`: ` and a final `:` are indicators).
_PLAIN_WORDLIKE = re.compile(r"(?:[A-Za-z_$/]|\.\.?/|\.[A-Za-z])[A-Za-z0-9_$/.{}()@=+~%,:\- ]*")
# Plain too: a digit first, then letters and digits only, with a letter that cannot be part of a
# number (`e` can be an exponent) and no `0b` / `0x` style prefix. Ids like `4b9b953939869799`.
_PLAIN_ID = re.compile(r"[0-9][0-9A-Za-z]*[A-DF-Za-df-z][0-9A-Za-z]*")
# Any spelling of the YAML 1.1 bools, nulls and special floats: some are plain in other letter
# cases, none is trusted.
_RESERVED_ANY_CASE = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", ".inf", ".nan"}
# The spellings PyYAML reads as bool or null, so it writes them as strings in single quotes.
_RESERVED = {
    spelling
    for word in ("yes", "no", "true", "false", "on", "off", "null")
    for spelling in (word, word.capitalize(), word.upper())
} | {"~"}
# A decimal integer as text: PyYAML reads it as an int, so the string is single-quoted.
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,30}")
# A first character that is always an indicator: PyYAML single-quotes such a string.
_INDICATOR_FIRST = re.compile(r"[*&!%@`|>\[\]{},#'\"][ -~]*")
_PRINTABLE_ASCII = re.compile(r"[ -~]*")
_FLOAT_TEXT = re.compile(r"-?[0-9]+\.[0-9]+(?:e[-+][0-9]+)?")


def emit_yaml(data: Any) -> str | None:
    """`data` as yaml_io's PyYAML dumper writes it, or None where that is not certain."""
    try:
        if type(data) is not dict and type(data) is not list:
            raise _Declined
        lines = _block(data, 0, 0) if data else [_inline(data)]
    except _Declined:
        return None
    if any(len(line) > MAX_LINE for line in lines):
        return None
    return "".join(f"{line}\n" for line in lines)


def _is_block(node: Any) -> bool:
    """A non-empty mapping or (non-flow) list: written over lines of its own."""
    return (type(node) is dict or type(node) is list) and len(node) > 0


def _block(node: Any, indent: int, depth: int) -> list[str]:
    """The lines of a non-empty mapping or list whose entries start at column `indent`."""
    if depth > MAX_DEPTH:
        raise _Declined
    lines: list[str] = []
    if type(node) is dict:
        for key, value in node.items():
            head = f"{' ' * indent}{_key(key)}:"
            if _is_block(value):
                lines.append(head)
                lines.extend(_block(value, indent + 2, depth + 1))
            else:
                lines.append(f"{head} {_inline(value)}")
        return lines
    for item in node:
        dash = f"{' ' * indent}- "
        if _is_block(item):
            # The nested block's first entry follows the dash on the same line.
            first, *rest = _block(item, indent + 2, depth + 1)
            lines.append(dash + first[indent + 2:])
            lines.extend(rest)
        else:
            lines.append(dash + _inline(item))
    return lines


def _key(key: Any) -> str:
    if type(key) is not str or not 0 < len(key) <= MAX_KEY or not _is_plain(key):
        raise _Declined
    return key


def _inline(value: Any) -> str:
    """A scalar, an empty collection or a FlowList, as written after `key: ` or `- `."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int and abs(value) < 10**30:
        return str(value)
    if kind is float:
        return _float(value)
    if kind is str:
        return _string(value)
    if kind is FlowList:
        return "[" + ", ".join(_double_quoted(item) for item in value) + "]"
    if kind is dict and not value:
        return "{}"
    if kind is list and not value:
        return "[]"
    raise _Declined


def _float(value: float) -> str:
    """As PyYAML's representer: repr in lower case, `.0` added before an exponent without one."""
    if not math.isfinite(value):
        raise _Declined
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    if not _FLOAT_TEXT.fullmatch(text):
        raise _Declined
    return text


def _string(text: str) -> str:
    if _is_plain(text):
        return text
    if _is_single_quoted(text):
        return "'" + text.replace("'", "''") + "'"
    raise _Declined


def _is_plain(text: str) -> bool:
    """Whether PyYAML certainly writes `text` as a plain scalar in block context."""
    if _PLAIN_ID.fullmatch(text):
        return not (text[0] == "0" and text[1:2].isalpha())
    return (
        _PLAIN_WORDLIKE.fullmatch(text) is not None
        and not text.endswith((" ", ":"))
        and ": " not in text
        and text.lower() not in _RESERVED_ANY_CASE
    )


def _is_single_quoted(text: str) -> bool:
    """Whether PyYAML certainly writes `text` in single quotes: it would read the plain text as
    another type, or the text starts with an indicator (and needs no double quotes)."""
    if text == "" or text in _RESERVED or _DECIMAL.fullmatch(text):
        return True
    return _INDICATOR_FIRST.fullmatch(text) is not None and not text.endswith(" ")


def _double_quoted(item: Any) -> str:
    """A FlowList item: PyYAML escapes only `"` and `\\` in printable ASCII."""
    if type(item) is not str or not _PRINTABLE_ASCII.fullmatch(item):
        raise _Declined
    return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
