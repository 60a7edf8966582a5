"""Document files to text: size limit, decoding, and Manubot content directories."""

from __future__ import annotations

from pathlib import Path

from bib.encoding import Undecodable, decode_text
from evidence.errors import DocumentError
from evidence.read.document import MAX_BYTES


def read_text_file(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The decoded text of a file: UTF-8 (with or without BOM), UTF-16 with BOM,
    else what charset-normalizer detects."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror}. Check the path.") from exc
    if size > max_bytes:
        raise DocumentError(
            f"{path} is {size} bytes, over the {max_bytes}-byte limit. Split it or raise the limit."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror}. Check the path.") from exc
    return decode_bytes(data, str(path))


def decode_bytes(data: bytes, name: str = "Document") -> str:
    """The text of a document's bytes (bib.encoding.decode_text), or a DocumentError
    saying what is wrong with them."""
    try:
        return decode_text(data)
    except Undecodable as exc:
        message = _UNDECODABLE[exc.reason].format(name=name, codec=exc.codec)
        raise DocumentError(message) from None


_UNDECODABLE = {
    "empty": "{name} is empty. Give a document with some text.",
    "bad-mark": "{name} has a {codec} mark but is not {codec}. Re-save it.",
    "binary": "{name} is a binary file, not text. Give a text document.",
    "controls": "{name} looks binary, not text. Give a text document.",
    "unknown": "Cannot tell the encoding of {name}. Re-save it as UTF-8.",
}


def read_directory(directory: Path, max_bytes: int) -> str:
    """The Markdown files of a Manubot-style content directory, joined in name order."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".md")
    if not files:
        raise DocumentError(f"{directory} holds no Markdown (.md) files. Give a document file.")
    parts: list[str] = []
    total = 0
    for file in files:
        part = read_text_file(file, max_bytes=max_bytes)
        total += len(part)
        if total > max_bytes:
            raise DocumentError(
                f"{directory} is over the {max_bytes}-byte limit. Split it or raise the limit."
            )
        parts.append(part.strip("\n"))
    return "\n\n".join(parts) + "\n"
