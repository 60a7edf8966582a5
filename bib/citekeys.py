"""Stable, human-friendly citation keys: ``field1996massage``.

A key is the first author's family name, the year and the first significant word of the
title, each folded to lower-case ASCII. The same metadata always gives the same key, so
keys survive re-imports; clashes get ``a``, ``b``, ``c``… suffixes in the order keys are
handed out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterator
from itertools import count, product
from string import ascii_lowercase

from bib.work import Work

# Words that say nothing about a work; the title word is the first word not listed here.
STOP_WORDS = frozenset(
    """
    a an the and or but nor of on in at to for from by with without into onto upon
    about as is are was were be been being its it this that these those their our
    do does did can could should would will may might must not no
    der die das den dem des ein eine und von zu im le la les un une des du de et
    el los las y en del
    """.split()
)

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)


def ascii_fold(text: str) -> str:
    """``Müller-Łukasz`` → ``Muller-Lukasz``: drop accents, spell out special letters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if c.isascii())


def _author_part(work: Work) -> str:
    for author in work.authors:
        letters = re.sub(r"[^a-z]", "", ascii_fold(author.family).lower())
        if letters:
            return letters
    return "anon"


def _title_part(title: str | None) -> str:
    if not title:
        return ""
    # Markup from BibTeX or JATS titles ({DNA}, <i>…</i>) is not part of any word.
    plain = re.sub(r"<[^>]+>", " ", title)
    for raw in re.split(r"[\s\-–—/:;,.!?()\[\]{}\"'’]+", ascii_fold(plain).lower()):
        word = re.sub(r"[^a-z0-9]", "", raw)
        if word and re.search(r"[a-z]", word) and word not in STOP_WORDS:
            return word
    return ""


def base_citekey(work: Work) -> str:
    """The key of a work before any clash suffix: author + year (or ``nd``) + title word."""
    year = str(work.year) if work.year else "nd"
    return f"{_author_part(work)}{year}{_title_part(work.title)}"


def _suffixes() -> Iterator[str]:
    """a, b, …, z, aa, ab, …: enough suffixes for any number of clashes."""
    for length in count(1):
        for letters in product(ascii_lowercase, repeat=length):
            yield "".join(letters)


def make_citekey(work: Work, taken: Container[str] = ()) -> str:
    """A citekey for ``work`` that is not in ``taken``.

    The base key is used when free; otherwise the first free of ``base + "a"``,
    ``base + "b"``… is returned.
    """
    base = base_citekey(work)
    if base not in taken:
        return base
    for suffix in _suffixes():
        candidate = base + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: the suffix generator is infinite")
