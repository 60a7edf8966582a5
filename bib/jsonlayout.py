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


def _layout(value: Any, newline: str, parts: list[str]) -> None:
    # The common types by identity first (their items inline where they are strings),
    # anything else as before.
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
            if type(item) is str:
                parts.append(opening + _encode_string(item))
            else:
                parts.append(opening)
                _layout(item, inner, parts)
            opening = "," + inner
        parts.append(newline + "]")
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
