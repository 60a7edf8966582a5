"""The text as a pattern should see it: invisible characters removed, and every span
found in that text mapped back to the text as written.

A zero-width space or joiner, a soft hyphen or a bidirectional control inside
``doi:10.1000/x``, ``PMID: 123`` or ``Studies show`` looks the same to a reader but
breaks every pattern; such characters come from copying out of PDFs, web pages and
word processors. Extraction runs on the visible text; claims, mentions and problems
keep offsets into ``Document.text``.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from typing import Protocol, TypeVar

from evidence.read.document import Citation, Document, Link, Reference

INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
"""Soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space,
non-joiner and joiner, left-to-right and right-to-left marks, bidirectional embeddings,
overrides and isolates, word joiner and invisible operators, zero-width no-break space."""


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


Located = TypeVar("Located", bound=_Span)
Spanned = TypeVar("Spanned")


class VisibleText:
    """``original`` without its invisible characters, with the offsets of one mapped to
    the other."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.removed = [m.start() for m in INVISIBLE.finditer(original)]
        self.text = INVISIBLE.sub("", original)
        # Where each removed character sat in the visible text: before visible
        # character removed[i] - i.
        self._marks = [position - i for i, position in enumerate(self.removed)]

    def visible(self, position: int) -> int:
        """The visible offset of an offset of the original text."""
        return position - bisect_left(self.removed, position)

    def start(self, position: int) -> int:
        """The original offset of the visible character at ``position``."""
        return position + bisect_right(self._marks, position)

    def end(self, position: int) -> int:
        """The original offset just after the visible character before ``position``:
        invisible characters inside a span stay in it, those around it do not."""
        return self.start(position - 1) + 1 if position > 0 else 0

    def document(self, document: Document) -> Document:
        """``document`` with the visible text and every offset moved onto it."""
        return dataclasses.replace(
            document,
            text=self.text,
            blocks=[self._to_visible(b) for b in document.blocks],
            citations=[self._to_visible(c) for c in document.citations],
            references=[self._to_visible(r) for r in document.references],
            links=[self._to_visible(link) for link in document.links],
        )

    def _to_visible(self, item: Located) -> Located:
        changes: dict[str, object] = {
            "start": self.visible(item.start),
            "end": self.visible(item.end),
        }
        if isinstance(item, Citation):
            changes["group_start"] = self.visible(item.group_start)
            changes["group_end"] = self.visible(item.group_end)
        if isinstance(item, Reference):
            changes["text"] = INVISIBLE.sub("", item.text)
        if isinstance(item, Link):
            changes["target"] = INVISIBLE.sub("", item.target)
        return dataclasses.replace(item, **changes)  # type: ignore[type-var]

    def spanned(self, item: Spanned) -> Spanned:
        """A copy of ``item`` (a sentence, claim, mention or problem found in the visible
        text) with its span, and its text when it has one, in the original text."""
        start, end = getattr(item, "start", None), getattr(item, "end", None)
        if start is None or end is None:
            return item
        start, end = self.start(start), self.end(end)
        changes: dict[str, object] = {"start": start, "end": max(start, end)}
        if hasattr(item, "text"):
            changes["text"] = self.original[start : max(start, end)]
        return dataclasses.replace(item, **changes)  # type: ignore[type-var]
