"""JSON text as ``json.dumps(value, indent=2, ensure_ascii=False, default=...)`` writes it,
at any depth of indentation, without the standard library's generators.

``json.dumps`` with an indent runs the pure-Python encoder, a chain of generators that
yields every bracket and separator on its own; a report of 100,000 claims spends most of
its JSON time there. This encoder makes the same text (the same escapes, number forms,
key conversions and errors for values JSON cannot hold) by appending to one list. Like
``json.dumps(check_circular=False)`` it does not look for a value that contains itself.
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

_INFINITY = float("inf")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def key_text(key: Any) -> str:
    """An object key as json.dumps writes it (a number or a constant as text)."""
    if isinstance(key, str):
        return encode_basestring(key)  # type: ignore[no-any-return]
    if isinstance(key, float):
        text = _float(key)
    elif key is True:
        text = "true"
    elif key is False:
        text = "false"
    elif key is None:
        text = "null"
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return encode_basestring(text)  # type: ignore[no-any-return]


def json_text(value: Any, level: int, default: Callable[[Any], Any]) -> str:
    """``value`` as indented JSON whose lines after the first are indented as if the
    value sat ``level`` levels deep (two spaces a level)."""
    parts: list[str] = []
    _encode(value, level, parts.append, default)
    return "".join(parts)


def _encode(
    value: Any,
    level: int,
    emit: Callable[[str], None],
    default: Callable[[Any], Any],
    quote: Callable[[str], str] = encode_basestring,
) -> None:
    kind = type(value)
    if kind is str:
        emit(quote(value))
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif kind is int:
        emit(int.__repr__(value))
    elif kind is float:
        emit(_float(value))
    elif kind is dict:
        if not value:
            emit("{}")
            return
        inner = "\n" + "  " * (level + 1)
        separator = "{" + inner
        for key, item in value.items():
            name = separator + (quote(key) if type(key) is str else key_text(key)) + ": "
            separator = "," + inner
            # the commonest values written here, without a call
            if type(item) is str:
                emit(name + quote(item))
            elif item is None:
                emit(name + "null")
            else:
                emit(name)
                _encode(item, level + 1, emit, default)
        emit("\n" + "  " * level + "}")
    elif kind is list or kind is tuple:
        if not value:
            emit("[]")
            return
        inner = "\n" + "  " * (level + 1)
        separator = "[" + inner
        for item in value:
            if type(item) is str:
                emit(separator + quote(item))
            else:
                emit(separator)
                _encode(item, level + 1, emit, default)
            separator = "," + inner
        emit("\n" + "  " * level + "]")
    elif isinstance(value, str):
        emit(quote(value))
    elif isinstance(value, int):
        emit(int.__repr__(value))
    elif isinstance(value, float):
        emit(_float(value))
    elif isinstance(value, list | tuple):
        _encode(list(value), level, emit, default)
    elif isinstance(value, dict):
        _encode(dict(value), level, emit, default)
    else:
        _encode(default(value), level, emit, default)
