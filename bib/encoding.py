"""Bytes of a text file to text, whatever its encoding: the one decoder that both
bibliography files and documents go through.

Byte-order marks decide first (UTF-32, UTF-16, UTF-8), then UTF-8, then
charset-normalizer's best guess, preferring the common Western code pages over an
equally clean Central European one. What cannot be text is refused with the reason,
for each caller to word: ``empty``, ``bad-mark`` (a byte-order mark over bytes of
another encoding), ``binary`` (NUL bytes), ``controls`` (decoded, but full of control
characters), ``unknown`` (no encoding fits).
"""

from __future__ import annotations

import unicodedata

# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


class Undecodable(ValueError):
    """Bytes that are not text; ``reason`` says why, ``codec`` names a mark's encoding."""

    def __init__(self, reason: str, codec: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.codec = codec


def decode_text(data: bytes) -> str:
    """The text of ``data``; raises Undecodable."""
    if not data.strip():
        raise Undecodable("empty")
    for mark, codec in _MARKS:
        if data.startswith(mark):
            try:
                return data.decode(codec).lstrip("\ufeff")
            except UnicodeDecodeError:
                raise Undecodable("bad-mark", codec.removesuffix("-sig").upper()) from None
    if b"\x00" in data[:65536]:
        raise Undecodable("binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise Undecodable("unknown")
    # Short Western texts are often equally plausible as cp1250 and cp1252; prefer the
    # far more common Western encoding when it is as clean.
    for candidate in results:
        if candidate.encoding in _WESTERN and candidate.chaos <= best.chaos + 0.02:
            best = candidate
            break
    decoded = str(best)
    controls = sum(1 for ch in decoded if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(decoded) // 100):
        raise Undecodable("controls")
    return decoded
