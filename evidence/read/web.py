"""A web page's bytes to a Document: the reader chosen by the page's Content-Type, the
text decoded by the charset the server names.

Nothing here fetches: reading stays pure. The command fetches the page through the
process's HTTP session (``bib.http.pages``) and hands its address, bytes and Content-Type
over as a :class:`WebPage`. The reader is that of a file of the same format (see
``evidence.read.READERS``): an HTML page gives what an HTML file gives.

The reader follows the Content-Type (``text/html`` and ``application/xhtml+xml``: HTML;
``text/plain``: text; ``text/markdown``: Markdown; ``application/pdf``: PDF; JATS and
other XML: JATS; Word; LaTeX). A type that says nothing (none, ``application/octet-stream``)
leaves the choice to the address's suffix, then to the first bytes (``%PDF-``, a zip),
then to the text itself as for standard input. A type that is no document (an image, a
zip archive) is refused.

This module reads through the registry of ``evidence.read``; that package's
``__init__`` does not import it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from evidence.errors import DocumentError
from evidence.read import (
    BYTES_FORMATS,
    FORMATS,
    SUFFIXES,
    read_bytes_as,
    read_document,
    sniff_format,
)
from evidence.read.document import MAX_BYTES, Document, ReadContext
from evidence.read.files import decode_bytes

# An address with an authority ("scheme://…"), and schemes that go without one. A Windows
# drive ("C:\…") is one letter and never matches.
_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_BARE_SCHEMES = re.compile(r"^(?:data|javascript|mailto|about|blob|urn|tel):", re.IGNORECASE)

# Content-Types and the format each one names.
TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/jats+xml": "jats",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/x-tex": "latex",
    "application/x-tex": "latex",
    "application/x-latex": "latex",
}
# XML of no particular kind: JATS unless the text says HTML.
_XML_TYPES = frozenset({"application/xml", "text/xml"})
# Types that say nothing about the format: the address and the bytes decide.
_GENERIC_TYPES = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/download",
        "application/force-download",
        "application/x-download",
        "application/unknown",
    }
)
# What browsers read for these labels (the WHATWG Encoding standard): Windows-1252.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_ONE_BYTE_WESTERN = frozenset({"cp1252", "windows-1252", "iso-8859-15", "iso8859-15"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class WebPage:
    """A fetched page: the address asked for (the document's name and path in the store),
    its bytes, its Content-Type as the server sent it, and where it was found after
    redirects."""

    url: str
    body: bytes
    content_type: str | None = None
    final_url: str | None = None

    @property
    def sha256(self) -> str:
        """The page's fingerprint: its bytes and the type they were served as."""
        digest = hashlib.sha256((self.content_type or "").encode("utf-8") + b"\0")
        digest.update(self.body)
        return digest.hexdigest()


def looks_like_address(value: str) -> bool:
    """Whether a command-line argument is an address (``scheme://…``, ``data:…``) rather
    than a file path. Which schemes are fetched is ``bib.http.pages``'s to say."""
    return bool(_ADDRESS.match(value) or _BARE_SCHEMES.match(value))


def media_type(content_type: str | None) -> str:
    """``text/html`` of ``text/HTML; charset=UTF-8``; "" when there is none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type, or None."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'").strip().lower()
            return value or None
    return None


def page_format(page: WebPage) -> str:
    """The format to read ``page`` as (one of ``evidence.read.FORMATS``): by its
    Content-Type; for a generic type by the address's suffix, then by its first bytes and
    text. DocumentError for a type that is no document."""
    kind = media_type(page.content_type)
    if kind in TYPES:
        return TYPES[kind]
    if kind in _XML_TYPES or kind.endswith("+xml"):
        return "html" if sniff_format(_head_text(page.body)) == "html" else "jats"
    if kind in _GENERIC_TYPES or kind.startswith("text/"):
        by_suffix = SUFFIXES.get(_suffix(page.final_url or page.url))
        if by_suffix:
            return by_suffix
        if page.body.startswith(b"%PDF-"):
            return "pdf"
        if page.body.startswith(b"PK\x03\x04"):
            return "docx"
        return sniff_format(_head_text(page.body))
    raise DocumentError(
        f"{page.url[:80]}: the server sent {kind}, not a document evidence reads "
        "(HTML, text, Markdown, PDF, JATS XML, Word, LaTeX). "
        "If it is one of these, give --format"
    )


def page_text(page: WebPage) -> str:
    """The page's text, decoded by the charset of its Content-Type (an HTML page: else of
    its ``<meta charset>``); a byte-order mark, an unknown or wrong charset, or none at all
    leave the decoding to ``evidence.read.files.decode_bytes``."""
    body = page.body
    if not body.startswith(_BOMS):
        label = charset(page.content_type)
        if label is None and media_type(page.content_type) in ("text/html", ""):
            found = _META_CHARSET.search(body[:4096])
            label = found.group(1).decode("ascii").lower() if found else None
        if label:
            codec = _CHARSET_ALIASES.get(label, label)
            # Servers often label UTF-8 as Latin-1: bytes that are valid UTF-8 (which
            # Western text in a one-byte encoding almost never is) are read as UTF-8.
            codecs = ("utf-8", codec) if codec in _ONE_BYTE_WESTERN else (codec,)
            for name in codecs:
                try:
                    return body.decode(name)
                except (LookupError, UnicodeDecodeError):
                    continue
    return decode_bytes(body, page.url)


def read_web_page(page: WebPage, *, fmt: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Read ``page`` as the format ``fmt`` (default: :func:`page_format`). Raises
    DocumentError for an empty or oversized page and for what its reader refuses."""
    if not page.body.strip():
        raise DocumentError(f"{page.url[:80]}: the page is empty. Check the address")
    if len(page.body) > max_bytes:
        raise DocumentError(
            f"{page.url[:80]}: the page is over the {max_bytes}-byte limit of a document"
        )
    fmt = fmt or page_format(page)
    if fmt not in FORMATS:
        raise DocumentError(f"Unknown document format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    if fmt in BYTES_FORMATS:
        doc = read_bytes_as(fmt, page.body, ReadContext(None, None, max_bytes, ()))
    else:
        doc = read_document(None, text=page_text(page), fmt=fmt, max_bytes=max_bytes)
    doc.path = None
    return doc


def _suffix(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()


def _head_text(body: bytes) -> str:
    return body[:4096].decode("utf-8", "replace")
