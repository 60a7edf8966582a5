"""JSON laid out as ``json.dumps(data, indent=2, ensure_ascii=False)`` lays it out.

json's C encoder does not lay out (indent) JSON in this Python: its pure-Python encoder
then costs more than building the objects. ``layout`` writes the same text through the
C string encoder, several times faster (tests/test_listing.py compares the two). Every
listing and export that writes indented JSON goes through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def dump(data: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps`` with the layout every command prints."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=default)


_encode_string = json.encoder.encode_basestring


def layout(data: Any, indent: str = "") -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, each line after the first
    starting with ``indent``."""
    parts: list[str] = []
    _layout(data, "\n" + indent, parts)
    return "".join(parts)


_INFINITY = float("inf")


def scalar(value: Any) -> str | None:
    """The JSON of a string, None, boolean, int or finite float, as json writes it;
    None for anything else (containers, NaN and the infinities, other types)."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and value == value and value != _INFINITY and value != -_INFINITY:
        return float.__repr__(value)
    return None


def _layout(value: Any, newline: str, parts: list[str]) -> None:
    # The common types by identity first (their scalar items inline), anything else as
    # before.
    kind = type(value)
    if kind is str:
        parts.append(_encode_string(value))
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        start = len(parts)
        inner = newline + "  "
        opening = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                del parts[start:]
                _layout_other(value, newline, parts)
                return
            if type(item) is str:
                parts.append(f"{opening}{_encode_string(key)}: {_encode_string(item)}")
            elif (text := scalar(item)) is not None:
                parts.append(f"{opening}{_encode_string(key)}: {text}")
            else:
                parts.append(f"{opening}{_encode_string(key)}: ")
                _layout(item, inner, parts)
            opening = "," + inner
        parts.append(newline + "}")
    elif kind is list:
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        opening = "[" + inner
        for item in value:
            text = scalar(item)
            if text is not None:
                parts.append(opening + text)
            else:
                parts.append(opening)
                _layout(item, inner, parts)
            opening = "," + inner
        parts.append(newline + "]")
    else:
        text = scalar(value)
        if text is not None:
            parts.append(text)
        else:
            _layout_other(value, newline, parts)


def _layout_other(value: Any, newline: str, parts: list[str]) -> None:
    if isinstance(value, str):
        parts.append(_encode_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif type(value) is int:
        parts.append(int.__repr__(value))
    elif isinstance(value, dict) and all(type(k) is str for k in value):
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        opening = "{" + inner
        for key, item in value.items():
            parts.append(opening + _encode_string(key) + ": ")
            _layout(item, inner, parts)
            opening = "," + inner
        parts.append(newline + "}")
    elif isinstance(value, list):
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        opening = "[" + inner
        for item in value:
            parts.append(opening)
            _layout(item, inner, parts)
            opening = "," + inner
        parts.append(newline + "]")
    else:  # floats (NaN…), tuples, other keys: as json lays them out
        parts.append(dump(value).replace("\n", newline))
