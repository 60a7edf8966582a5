"""Document files to text: size limit, decoding, and Manubot content directories."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from bib.encoding import TooLarge, Undecodable, decode_text, read_capped
from evidence.errors import DocumentError
from evidence.read.document import MAX_BYTES


def read_text_file(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The decoded text of a file (bib.encoding), read with the size limit kept while
    reading: a device or a pipe has no size to check beforehand."""
    return decode_bytes(_read(path, str(path), max_bytes), str(path))


def read_file_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a file (for binary formats), read with the size limit kept."""
    return _read(path, str(path), max_bytes)


def read_stream(stream: BinaryIO, name: str = "stdin", *, max_bytes: int = MAX_BYTES) -> str:
    """The decoded text of a binary stream such as standard input, at most ``max_bytes``."""
    return decode_bytes(_read(stream, name, max_bytes), name)


def _read(source: Path | BinaryIO, name: str, max_bytes: int) -> bytes:
    try:
        return read_capped(source, max_bytes)
    except TooLarge as exc:
        size = f" is {exc.size} bytes," if exc.size is not None else " is"
        raise DocumentError(
            f"{name}{size} over the {max_bytes}-byte limit. Split it or raise the limit."
        ) from None
    except OSError as exc:
        raise DocumentError(f"Cannot read {name}: {exc.strerror or exc}. Check the path.") from exc


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


def read_directory(
    directory: Path, max_bytes: int, allowed_roots: tuple[Path, ...] = ()
) -> tuple[str, list[str]]:
    """The Markdown files of a Manubot-style content directory, joined in name order,
    and warnings: a file that is a symbolic link to somewhere outside the directory
    (and outside ``allowed_roots``) is not read."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".md")
    if not files:
        raise DocumentError(f"{directory} holds no Markdown (.md) files. Give a document file.")
    roots = tuple(root.resolve() for root in (directory, *allowed_roots))
    parts: list[str] = []
    warnings: list[str] = []
    total = 0
    for file in files:
        if not any(file.resolve().is_relative_to(root) for root in roots):
            warnings.append(
                f"{file.name} links to a file outside {directory}; not read "
                "(ingest --allow-root DIR allows a folder)"
            )
            continue
        part = read_text_file(file, max_bytes=max_bytes)
        total += len(part)
        if total > max_bytes:
            raise DocumentError(
                f"{directory} is over the {max_bytes}-byte limit. Split it or raise the limit."
            )
        parts.append(part.strip("\n"))
    if not parts:
        raise DocumentError(
            f"{directory} holds no Markdown file of its own, only links to files elsewhere. "
            "Give a document file, or allow their folder with --allow-root"
        )
    return "\n\n".join(parts) + "\n", warnings
