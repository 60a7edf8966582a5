"""BibTeX name lists (``Doe, Jane and von Neumann, John and others``) to and from Authors.

Names are split by pybtex's ``Person``; LaTeX in them is decoded to Unicode.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pybtex.bibtex.utils import split_name_list
from pybtex.database import Person
from pybtex.exceptions import PybtexError

from bib.formats.latex import latex_to_unicode, unicode_to_latex
from bib.work import Author


def parse_names(value: str) -> tuple[list[Author], bool, list[str]]:
    """Split an author/editor field into Authors.

    Returns the authors, whether the list ends with ``and others`` (or ``et al.``) and
    messages for names that cannot be parsed (kept whole as the family name)."""
    authors, truncated, messages = _parse_names(value)
    return list(authors), truncated, list(messages)


# Author lists repeat across a large file (the same group, the same editors).
@lru_cache(maxsize=100_000)
def _parse_names(value: str) -> tuple[tuple[Author, ...], bool, tuple[str, ...]]:
    authors: list[Author] = []
    truncated = False
    messages: list[str] = []
    for name in split_name_list(value):
        if name.lower() in ("others", "et al.", "et al"):
            truncated = True
            continue
        try:
            person = Person(name)
        except PybtexError as exc:
            messages.append(f"cannot split name {name!r} ({exc}); kept whole")
            authors.append(Author(family=latex_to_unicode(name)))
            continue
        family = latex_to_unicode(" ".join(person.prelast_names + person.last_names))
        given = latex_to_unicode(" ".join(person.first_names + person.middle_names))
        if person.lineage_names:
            given = f"{given}, {latex_to_unicode(' '.join(person.lineage_names))}"
        if ", " in family and given:
            # "{Bell, II}": a suffix braced into the family name; Work keeps suffixes
            # at the end of ``given``.
            family, _, suffix = family.partition(", ")
            given = f"{given}, {suffix}"
        authors.append(Author(family=family, given=given))
    return tuple(authors), truncated, tuple(messages)


_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)


def format_name(author: Author) -> str:
    """One name as ``family, jr, given`` for an author/editor field.

    ``Work`` keeps a suffix at the end of ``given`` after a comma (``Martin Luther, Jr.``);
    a family name pybtex would split differently is protected with braces."""
    family = unicode_to_latex(author.family)
    given, _, jr = author.given.partition(", ")
    given = unicode_to_latex(given)
    if (
        "," in author.family
        or _AND_WORD.search(author.family)
        or (not author.given and " " in author.family)
        or not author.family
        or author.family.lower() in ("others", "et al.", "et al")
    ):
        family = "{" + family + "}"
    if _AND_WORD.search(given) or "," in given:
        given = "{" + given + "}"
    if jr:
        jr = unicode_to_latex(jr)
        if "," in jr or _AND_WORD.search(jr):
            jr = "{" + jr + "}"
        return f"{family}, {jr}, {given}"
    return f"{family}, {given}" if given else family


# Names formatted so far, by (family, given): an export meets the same people again and
# again. Emptied when full, so that it holds a bounded number whatever the export's size.
_FORMATTED: dict[tuple[str, str], str] = {}
_FORMATTED_MAX = 50_000


def _formatted(author: Author) -> str:
    key = (author.family, author.given)
    name = _FORMATTED.get(key)
    if name is None:
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        name = _FORMATTED[key] = format_name(author)
    return name


def format_names(authors: Iterable[Author], truncated: bool = False) -> str:
    """An author/editor field: names joined by ``and``, ``and others`` when truncated."""
    names = [_formatted(a) for a in authors]
    if truncated:
        names.append("others")
    return " and ".join(names)
