"""The Mention record shared by every finder, and the kinds of mention.

Every mention carries the exact span it was found at (offsets into the document text)
and the fields parsed from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidence.vocab import RESEARCH_KINDS


@dataclass
class Mention:
    """One way a sentence refers to its evidence; ``text`` is ``document.text[start:end]``."""

    kind: str
    text: str
    start: int
    end: int
    identifier: str | None = None
    citekey: str | None = None
    journal: str | None = None
    institution: str | None = None
    authors: list[str] = field(default_factory=list)
    year: str | None = None
    numbers: list[int] = field(default_factory=list)
    reference: str | None = None
    reference_index: int | None = None
    finding: str | None = None
    known: bool | None = None
    inherited: bool = False


def cites_research(mention: Mention) -> bool:
    """Whether ``mention`` points at research: any kind of RESEARCH_KINDS, and a web
    address the author cited in the format's citation syntax (``[@url:…]``), which
    is a citation like any other, unlike a bare link in the prose."""
    return mention.kind in RESEARCH_KINDS or (mention.kind == "url" and mention.citekey is not None)


# "… found that X": the finding an attribution reports is what follows such a verb.
_FINDING = re.compile(
    r"\b(?:found|find|finds|showed|shows|shown|show|located|discovered|discovers|reported|reports|"
    r"suggests|suggested|suggest|concluded|concludes|demonstrated|demonstrates|revealed|reveals|"
    r"indicates|indicated|confirmed|confirms|presented|observed|noted|determined|established)"
    r"\b(?:\s+that\b)?[,:]?\s*"
)


def finding_after(sentence_text: str, position: int) -> str | None:
    """What the sentence reports as found, after ``position`` (or, failing that, after a
    finding verb before it)."""
    m = _FINDING.search(sentence_text, position)
    if m is None:
        m = _FINDING.search(sentence_text)
        if m is None or m.start() > position:
            return None
    finding = sentence_text[m.end() :].strip().rstrip(".!;")
    return finding or None
