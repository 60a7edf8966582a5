"""Stable, human-friendly citation keys: ``field1996massage``.

A key is the first author's family name, the year and the first significant word of the
title, each folded to lower-case ASCII. The same metadata always gives the same key, so
keys survive re-imports; clashes get ``a``, ``b``, ``c``… suffixes in the order keys are
handed out. The library (:func:`make_citekey`, one key at a time) and the writers of
bibliography files (:func:`unique_citekeys`, the keys of one file) follow this one rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Iterator
from itertools import count, product
from string import ascii_lowercase

from bib.text import ascii_fold
from bib.work import Work


def normal_citekey(key: str) -> str:
    """A citekey as every reader and the library keep it: in Unicode normal form C
    (``müller2020`` typed on macOS arrives decomposed, ``mu`` + combining diaeresis),
    without invisible format characters (zero-width spaces, joiners, bidi controls).
    Keys that print the same are the same key."""
    if key.isascii():
        return key
    composed = unicodedata.normalize("NFC", key)
    return "".join(ch for ch in composed if unicodedata.category(ch) != "Cf")


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


def make_citekey(work: Work, taken: Container[str] = (), base: str | None = None) -> str:
    """A citekey for ``work`` that is not in ``taken``.

    The base key (``base``, else :func:`base_citekey`) is used when free; otherwise the
    first free of ``base + "a"``, ``base + "b"``… is returned.
    """
    if base is None:
        base = base_citekey(work)
    return _first_free(base, taken)


def _first_free(base: str, taken: Container[str]) -> str:
    """``base``, else the first of ``base + "a"``, ``base + "b"``… not in ``taken``."""
    if base not in taken:
        return base
    for suffix in _suffixes():
        candidate = base + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: the suffix generator is infinite")


# Characters that end a key in BibTeX (and that no CSL id or RIS ID needs).
_KEY_BREAKERS = re.compile(r"[\s,{}()\"#%'=]")


class _FoldedKeys:
    """Keys taken in one file, compared case-insensitively as BibTeX compares them."""

    def __init__(self) -> None:
        self._folded: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._folded

    def add(self, key: str) -> None:
        self._folded.add(key.lower())


def unique_citekeys(works: Iterable[Work]) -> list[str]:
    """The keys to write works under in one bibliography file, in order.

    Each work keeps its own citekey (without the characters that would end a BibTeX key)
    or gets :func:`base_citekey`; a key already used in the file, in any case, gets the
    suffix :func:`make_citekey` gives.
    """
    return [key for _, key in iter_unique_citekeys(works)]


def iter_unique_citekeys(works: Iterable[Work]) -> Iterator[tuple[Work, str]]:
    """Each work with the key :func:`unique_citekeys` gives it, one at a time (a file
    written as it is read holds only the keys handed out so far)."""
    taken = _FoldedKeys()
    for work in works:
        own = _KEY_BREAKERS.sub("", work.citekey or "")
        key = make_citekey(work, taken, base=own or None)
        taken.add(key)
        yield work, key


# The first character of a key that the keys of a file leave out (None: there is none).
KEY_BREAKS = _KEY_BREAKERS.search


class OrderedKeys:
    """The keys :func:`iter_unique_citekeys` gives, for works that come in the order of
    their own citekeys (code point order, SQLite's ``order by citekey``), each citekey held
    by one work only: a library's studies as an export reads them.

    It keeps only the keys that are not a work's own citekey as it is, and those with
    characters beyond ASCII (``held``, lower-case), not every key handed out. That is
    enough: a work whose citekey needs no change either writes it or finds its lower-case
    form taken already, so every earlier citekey without breaking characters is taken in
    lower case. A key is therefore taken when it is held, or when an earlier ASCII citekey
    equals it but for the case of ASCII letters, which ``earlier`` answers
    (``earlier(lower, citekey)``: whether a citekey before ``citekey`` equals ``lower``
    so compared; SQLite's ``collate nocase``). ``twins`` names the citekeys that equal
    another citekey so compared: any other citekey of plain ASCII without breaking
    characters that is not held is its own key, with no question asked.
    """

    def __init__(self, twins: Container[str], earlier: Callable[[str, str], bool]) -> None:
        self.twins = twins
        self.held: set[str] = set()
        self._earlier = earlier

    def plain(self, citekey: str | None) -> bool:
        """Whether ``citekey`` is its own key with no question asked (the writers test
        this inline, then call :meth:`key` for the others)."""
        return bool(
            citekey
            and citekey.isascii()
            and _KEY_BREAKERS.search(citekey) is None
            and citekey not in self.twins
            and citekey.lower() not in self.held
        )

    def key(self, citekey: str | None, work: Callable[[], Work]) -> str:
        """The key of the work whose own citekey is ``citekey`` (the next in order);
        ``work`` gives the Work, read only when a key is made from its metadata."""
        own = _KEY_BREAKERS.sub("", citekey or "")
        key = _first_free(own or base_citekey(work()), _Taken(self, citekey or ""))
        if key != citekey or not key.isascii():
            self.held.add(key.lower())
        return key


class _Taken:
    """The keys handed out before the work whose citekey is ``current``."""

    def __init__(self, keys: OrderedKeys, current: str) -> None:
        self._keys = keys
        self._current = current

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        lower = key.lower()
        if lower in self._keys.held:
            return True
        return lower.isascii() and self._keys._earlier(lower, self._current)
