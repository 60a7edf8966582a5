"""Text files to text, whatever their encoding: the one capped reader and the one
decoder that bibliography files, documents and data files go through.

``read_capped`` reads at most a limit of bytes from a file, a device or a stream: a
size from ``stat`` says nothing for ``/dev/zero``, a pipe or standard input, so the
limit is kept while reading.

Byte-order marks decide first (UTF-32, UTF-16, UTF-8), then UTF-16 without a mark
told by its pattern of NUL bytes, then UTF-8, then a file of UTF-8 lines mixed with
lines of one legacy encoding (decoded line by line), then charset-normalizer's best guess,
preferring the common Western code pages over an equally clean Central European one.
What cannot be text is refused with the reason, for each caller to word: ``empty``,
``bad-mark`` (a byte-order mark over bytes of another encoding), ``binary`` (NUL
bytes), ``controls`` (decoded, but full of control characters), ``unknown`` (no
encoding fits).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import BinaryIO

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


class TooLarge(ValueError):
    """More bytes than the limit; ``size`` is the file's size when ``stat`` knew it."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit
        self.size = size


_CHUNK = 1 << 20


def read_capped(source: str | Path | BinaryIO, limit: int) -> bytes:
    """The bytes of a file (by path) or of a binary stream, at most ``limit`` of them.

    Raises TooLarge as soon as one byte more arrives (a regular file whose ``stat`` size
    is over the limit is refused before any reading), OSError when it cannot be read."""
    if isinstance(source, str | Path):
        size = os.stat(source).st_size
        if size > limit:
            raise TooLarge(limit, size)
        with open(source, "rb") as stream:
            return read_capped(stream, limit)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = source.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise TooLarge(limit)


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
    utf16 = _utf16_without_mark(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data[:65536]:
        raise Undecodable("binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _mixed_lines(data)
    if mixed is not None:
        return mixed
    decoded = _detected(data)[1]
    controls = sum(1 for ch in decoded if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(8, len(decoded) // 100):
        raise Undecodable("controls")
    return decoded


def _detected(data: bytes) -> tuple[str, str]:
    """The encoding charset-normalizer finds best for ``data``, and the text decoded in
    it; raises Undecodable."""
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
    return best.encoding, str(best)


def _utf16_without_mark(data: bytes) -> str | None:
    """The text of UTF-16 without a byte-order mark, told by its NUL bytes: in text
    that is mostly Latin script, every other byte is NUL (the odd ones in little-endian,
    the even ones in big-endian) and the others almost never are."""
    sample = data[:65536]
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    even_nul = sample[0 : pairs * 2 : 2].count(0)
    odd_nul = sample[1 : pairs * 2 : 2].count(0)
    if odd_nul >= pairs * 0.6 and even_nul <= pairs * 0.02:
        codec = "utf-16-le"
    elif even_nul >= pairs * 0.6 and odd_nul <= pairs * 0.02:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data[: len(data) // 2 * 2].decode(codec)
    except UnicodeDecodeError:
        return None


def _mixed_lines(data: bytes) -> str | None:
    """The text of a file whose lines are partly UTF-8 and partly in one legacy encoding
    (an edit made in another editor): the UTF-8 lines as they are, the others in the
    encoding found for them together. None unless both kinds occur; a file in one legacy
    encoding has no valid multi-byte UTF-8 line and goes to the detector whole."""
    lines = data.splitlines(keepends=True)
    legacy: set[int] = set()
    utf8 = 0
    for index, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            legacy.add(index)
    if not (utf8 and legacy):
        return None
    try:
        codec = _detected(b"".join(lines[i] for i in legacy))[0]
    except Undecodable:
        return None
    return "".join(
        line.decode(codec, errors="replace") if index in legacy else line.decode("utf-8")
        for index, line in enumerate(lines)
    )
