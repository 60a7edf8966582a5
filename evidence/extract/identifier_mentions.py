"""Identifier mentions: DOIs, PMIDs, PMCIDs, arXiv ids and web links, written in the
prose or as the target of a link."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bib import identifiers as bib_identifiers
from bib.identifiers import Identifier, inspect_identifier, strip_trailing_punctuation
from evidence.extract.mention import Mention
from evidence.extract.spans import SpanIndex
from evidence.extract.visible import INVISIBLE
from evidence.read.document import Link
from evidence.vocab import MENTION_KINDS

_URL = re.compile(r"\bhttps?://[^\s<>\"\]\[]+", re.I)


def find_identifiers(text: str) -> list[tuple[Identifier, int, int]]:
    """Scholarly identifiers (through ``bib.identifiers``) and other web links in
    ``text``, with their spans, in order."""
    found = list(bib_identifiers.find_identifiers(text))
    # Only the scholarly identifiers can overlap a link: the links found before it end
    # where its match starts or earlier.
    scholarly = SpanIndex((s, e) for _, s, e in found)
    for m in _URL.finditer(text):
        url = strip_trailing_punctuation(m.group(0))
        start, end = m.start(), m.start() + len(url)
        if not scholarly.meets(start, end):
            found.append((Identifier("url", url), start, end))
    found.sort(key=lambda item: item[1])
    return found


def link_mentions(links: Iterable[Link], text: str) -> list[Mention]:
    """One mention per link of the document, of its identifier's kind (else ``url``)."""
    found: list[Mention] = []
    for link in links:
        target = INVISIBLE.sub("", link.target)  # a zero-width space copied into an href
        ident, _ = inspect_identifier(target)
        if ident is None:
            ident = Identifier("url", target)
        found.append(
            Mention(
                kind=ident.kind if ident.kind in MENTION_KINDS else "url",
                text=text[link.start : link.end],
                start=link.start,
                end=link.end,
                identifier=str(ident),
            )
        )
    return found
