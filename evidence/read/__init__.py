"""Document readers: plain text, Markdown, HTML and LaTeX to prose with structure.

Each reader turns a file into a :class:`Document`: the prose text, its blocks
(headings, paragraphs, list items, quotes, reference entries) with offsets into
that text, the citations written in the format's own syntax (pandoc ``[@key]``,
LaTeX ``\\cite{key}``), the links, and the reference list at the end if any.
Every offset points into ``Document.text``; nothing here touches the network.

One module per format; ``READERS`` below says which reader reads what, so a new
format is one module and one entry there.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from evidence.errors import DocumentError
from evidence.read.document import (
    BLOCK_KINDS,
    MAX_BYTES,
    Block,
    BytesReader,
    Citation,
    Document,
    Link,
    ReadContext,
    Reader,
    Reference,
    plain_text,
)
from evidence.read.docx import read_docx, read_docx_text
from evidence.read.files import (
    decode_bytes,
    read_directory,
    read_file_bytes,
    read_stream,
    read_text_file,
)
from evidence.read.html import read_html
from evidence.read.jats import read_jats, read_jats_bytes
from evidence.read.latex import read_latex
from evidence.read.markdown import read_markdown
from evidence.read.pdf import read_pdf, read_pdf_bytes
from evidence.read.plain import read_plain
from evidence.read.references import REFERENCE_HEADING, mark_references, parse_reference

__all__ = [
    "BLOCK_KINDS",
    "BYTES_FORMATS",
    "FORMATS",
    "MAX_BYTES",
    "READERS",
    "REFERENCE_HEADING",
    "SUFFIXES",
    "Block",
    "Citation",
    "Document",
    "DocumentFormat",
    "Link",
    "Reference",
    "ReadContext",
    "decode_bytes",
    "parse_reference",
    "plain_text",
    "read_bytes_as",
    "read_document",
    "read_stream",
    "read_text_file",
    "sniff_format",
]


@dataclass(frozen=True)
class DocumentFormat:
    """A document format: its name, the file suffixes that select it, its reader, and
    for formats read from bytes (a zip, XML with its own encoding) the bytes reader."""

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    read_bytes: BytesReader | None = None


READERS: tuple[DocumentFormat, ...] = (
    DocumentFormat("text", (".txt", ".text"), read_plain),
    DocumentFormat("markdown", (".md", ".markdown", ".qmd", ".rmd"), read_markdown),
    DocumentFormat("html", (".html", ".htm", ".xhtml"), read_html),
    DocumentFormat("latex", (".tex", ".latex"), read_latex),
    DocumentFormat("jats", (".nxml", ".xml"), read_jats, read_jats_bytes),
    DocumentFormat("pdf", (".pdf",), read_pdf, read_pdf_bytes),
    DocumentFormat("docx", (".docx",), read_docx_text, read_docx),
)
FORMATS = tuple(f.name for f in READERS)
SUFFIXES = {suffix: f.name for f in READERS for suffix in f.suffixes}
_READER = {f.name: f.read for f in READERS}
_BYTES_READER = {f.name: f.read_bytes for f in READERS if f.read_bytes is not None}
# The formats read from bytes rather than from decoded text.
BYTES_FORMATS = frozenset(_BYTES_READER)


def read_document(
    path: Path | str | None,
    *,
    text: str | None = None,
    fmt: str | None = None,
    bib_keys: Collection[str] | None = None,
    max_bytes: int = MAX_BYTES,
    allowed_roots: Collection[Path] = (),
) -> Document:
    """Read a document from ``path`` (a file, or a directory of Manubot-style
    Markdown files read in name order) or from ``text``.

    ``fmt`` is one of FORMATS; by default it follows the file suffix, and for
    ``text`` it is guessed. ``bib_keys``, when given, narrows bare Markdown
    ``@word`` citations to known keys (bracketed ones always count).
    Files are read only from inside the document's folder (symbolic links resolved):
    LaTeX includes and the files of a folder elsewhere are skipped with a warning,
    unless they lie under one of ``allowed_roots``.
    Raises DocumentError for unreadable, binary, empty or oversized input."""
    source_path = Path(path) if path is not None else None
    roots = tuple(Path(root) for root in allowed_roots)
    warnings: list[str] = []
    context = ReadContext(source_path, bib_keys, max_bytes, roots)
    if text is None and source_path is not None and not source_path.is_dir():
        by_suffix = fmt or SUFFIXES.get(source_path.suffix.lower()) or ""
        if by_suffix in BYTES_FORMATS:
            data = read_file_bytes(source_path, max_bytes=max_bytes)
            doc = read_bytes_as(by_suffix, data, context)
            doc.path = source_path
            return doc
    if text is None:
        if source_path is None:
            raise DocumentError("No document given. Pass a path or text.")
        if source_path.is_dir():
            text, warnings = read_directory(source_path, max_bytes, roots)
            fmt = fmt or "markdown"
        else:
            text = read_text_file(source_path, max_bytes=max_bytes)
            if fmt is None:
                fmt = SUFFIXES.get(source_path.suffix.lower()) or sniff_format(text)
    else:
        if len(text) > max_bytes:
            raise DocumentError(
                f"Document is larger than the {max_bytes}-byte limit. Split it or raise the limit."
            )
        if "\x00" in text:
            raise DocumentError("Document contains NUL bytes; it looks binary. Give a text file.")
        text = text.lstrip("\ufeff")
        if fmt is None:
            fmt = SUFFIXES.get(source_path.suffix.lower(), "") if source_path else ""
            fmt = fmt or sniff_format(text)
    reader = _READER.get(fmt)
    if reader is None:
        raise DocumentError(f"Unknown document format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        name = str(source_path) if source_path else "Document"
        raise DocumentError(f"{name} is empty. Give a document with some text.")
    doc = reader(text, context)
    doc.path = source_path
    doc.warnings[:0] = warnings
    mark_references(doc)
    return doc


def read_bytes_as(fmt: str, data: bytes, context: ReadContext) -> Document:
    """``data`` read by the reader of bytes of ``fmt``, one of BYTES_FORMATS (PDF, Word,
    JATS XML), its reference list marked."""
    doc = _BYTES_READER[fmt](data, context)
    mark_references(doc)
    return doc


_JATS_ROOT = re.compile(r"<!DOCTYPE article\b|<article\b[^>]*\b(?:dtd-version|article-type)=")
_HTML_TAG = re.compile(r"<(?:!doctype html|html|body|article|div|p)\b", re.IGNORECASE)
_LATEX_COMMAND = re.compile(r"\\(?:documentclass|begin\{document\}|section\*?\{|cite[pt]?\{)")
_MARKDOWN_MARK = re.compile(r"(?m)^#{1,6} |\[@[\w]")  # an ATX heading or a pandoc citation


def sniff_format(text: str) -> str:
    """Guess the format of a string by its first few kilobytes."""
    head = text[:4096]
    if _JATS_ROOT.search(head):
        return "jats"
    if _HTML_TAG.search(head):
        return "html"
    if _LATEX_COMMAND.search(head):
        return "latex"
    if head.startswith("---\n") or _MARKDOWN_MARK.search(head):
        return "markdown"
    return "text"
