"""The Document model every reader returns, and what all readers share.

Every offset (``start``/``end``) points into ``Document.text``, the prose the
reader made of the file; nothing here touches the network or the database.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024
"""Default size limit of a document (files larger than this are refused)."""

BLOCK_KINDS = ("heading", "paragraph", "list_item", "quote", "reference", "table_row")


@dataclass(frozen=True)
class Block:
    """A structural unit of the prose: sentences never cross block boundaries."""

    kind: str
    start: int
    end: int
    level: int = 0
    # The item's number in an ordered list whose numbers are not in the text (HTML <ol>).
    number: int | None = None


@dataclass(frozen=True)
class Citation:
    """One cited key as written in the format's citation syntax.

    ``start``/``end`` cover the key token (``@doi:10.1/x``) in the document text,
    ``group_start``/``group_end`` the whole bracketed group or rendered command.
    ``resolved`` is the target of a Manubot ``[@tag:X]: doi:…`` definition."""

    syntax: str
    key: str
    start: int
    end: int
    group_start: int
    group_end: int
    command: str = ""
    locator: str = ""
    resolved: str | None = None
    reference: int | None = None
    """Index into ``Document.references`` when the format ties the citation to its entry
    exactly (a JATS ``<xref rid>``, a Word citation field)."""


@dataclass(frozen=True)
class Link:
    """A hyperlink: its target and the span of its visible text."""

    target: str
    start: int
    end: int


@dataclass(frozen=True)
class Reference:
    """One entry of the document's reference list, with what could be parsed from it."""

    text: str
    start: int
    end: int
    label: str | None = None
    surnames: tuple[str, ...] = ()
    year: str | None = None
    title: str | None = None
    source: str | None = None
    volume: str | None = None
    pages: str | None = None
    identifiers: tuple[str, ...] = ()
    """Identifiers the format gives for the entry, prefixed: ``doi:10.1/x``, ``pmid:1``."""


@dataclass
class Document:
    """A read document: prose text and everything located in it."""

    text: str
    format: str
    blocks: list[Block] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tag_definitions: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    exact_citations: bool = False
    """The format marks up every citation (JATS xrefs): none is looked for in the text."""


@dataclass(frozen=True)
class ReadContext:
    """What a reader may use besides the text: the path given (a file, a Manubot
    directory, or None for text alone), the known bibliography keys, the size limit,
    and the folders besides the document's own that its includes may be read from."""

    path: Path | None = None
    bib_keys: Collection[str] | None = None
    max_bytes: int = MAX_BYTES
    allowed_roots: tuple[Path, ...] = ()


Reader = Callable[[str, ReadContext], Document]
"""A reader: decoded text with newlines normalised -> Document."""

BytesReader = Callable[[bytes, ReadContext], Document]
"""A reader of a binary format (or of XML, which declares its own encoding): bytes -> Document."""


def plain_text(value: str) -> str:
    """Accent-free, case-folded text for comparing names."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
