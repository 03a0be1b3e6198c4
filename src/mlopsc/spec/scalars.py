"""Scalar resolution by the YAML 1.2 core schema: `yes`, `on`, `1:30` and dates stay text."""

from __future__ import annotations

import math
import re

from mlopsc.spec.nodes import YFloat, YInt

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

# YAML 1.1 spellings that other tools read as booleans; we keep them as text and flag them
# where a boolean is expected (see models/grammar.py).
YAML11_BOOLS = frozenset("y Y yes Yes YES n N no No NO on On ON off Off OFF".split())

_TAG = "tag:yaml.org,2002:"


class ScalarError(ValueError):
    """A scalar whose explicit tag does not fit its text."""


def resolve_scalar(text: str, plain: bool, tag: str | None) -> object:
    """The value of one scalar: plain scalars by the core schema, quoted ones as text."""
    if tag and tag.startswith(_TAG):
        return _resolve_tagged(text, tag[len(_TAG):])
    if not plain:
        return text
    return _resolve_plain(text)


_MAYBE_SPECIAL = frozenset("~nNtTfF0123456789+-.")


def _resolve_plain(text: str) -> object:
    if text and text[0] not in _MAYBE_SPECIAL:  # fast path: most scalars are words
        return text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if len(text) > 64:  # no spec number is this long; keep it as text (and int() has a digit limit)
        return text
    if _INT.match(text):
        return YInt(int(text, 10), text)
    if _OCT.match(text):
        return YInt(int(text[2:], 8), text)
    if _HEX.match(text):
        return YInt(int(text[2:], 16), text)
    if _FLOAT.match(text):
        return YFloat(float(text), text)
    if _INF.match(text):
        return YFloat(-math.inf if text.startswith("-") else math.inf, text)
    if _NAN.match(text):
        return YFloat(math.nan, text)
    return text


resolve_plain = _resolve_plain  # an untagged plain scalar: resolve_scalar's common case, for the tree builder's loop


def _resolve_tagged(text: str, kind: str) -> object:
    if kind == "str":
        return text
    value = _resolve_plain(text.strip())
    if kind == "null" and value is None:
        return None
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return YFloat(float(value), text)
    raise ScalarError(f"'{text}' is not a valid !!{kind}")
