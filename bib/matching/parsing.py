"""Read the fields of a free-text reference: authors, year, title, journal, volume,
issue, pages and DOI, in Vancouver, APA, Harvard, IEEE, MLA, Chicago or Nature style.

Heuristics only: every field may be missing, and a wrong guess costs little because
:mod:`bib.matching.references` validates each field against the candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bib.identifiers import find_identifiers


@dataclass
class ParsedReference:
    """What heuristics could read from a reference string; every field may be missing."""

    text: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    doi: str | None = None


_NUMBERING = re.compile(r"^\s*(?:\[\d+\]|\(\d+\)|\d{1,4}[.)])\s+")
_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_PAGE = r"[A-Za-z]?\d+[A-Za-z]?"
_DASH = r"\s*[-–—]+\s*"
# Volume/issue/page blocks of the common styles, most specific first.
_LOCATORS = (
    # Vancouver: 1996;86:197-205, 1996 Jan;86(3-4):197-205
    re.compile(
        rf"""
        (?P<year>{_YEAR}) [^;:\d]{{0,12}} ;                # year, an optional month, ";"
        \s* (?P<volume>\d+) \s* (?:\((?P<issue>[^)]{{1,15}})\))?
        \s* : \s* (?P<first>{_PAGE}) (?:{_DASH}(?P<last>{_PAGE}))?
        """,
        re.VERBOSE,
    ),
    # IEEE / MLA: vol. 86, no. 3, pp. 197-205
    re.compile(
        rf"""
        vol(?:ume)?\.? \s* (?P<volume>\d+)
        (?: \s*,?\s* (?:no|issue|iss)\.? \s* (?P<issue>[\w\-–]+) )?
        (?: [^\d]{{0,20}}? pp?\. \s* (?P<first>{_PAGE}) (?:{_DASH}(?P<last>{_PAGE}))? )?
        """,
        re.IGNORECASE | re.VERBOSE,
    ),
    # APA and others: 86(3-4), 197–205 or 86(3):197
    re.compile(
        rf"""
        (?<![\d.]) (?P<volume>\d{{1,5}}) \s* \((?P<issue>[^()]{{1,15}})\)
        \s* [,:] \s* (?:pp?\.\s*)?
        (?P<first>{_PAGE}) (?:{_DASH}(?P<last>{_PAGE}))?
        """,
        re.VERBOSE,
    ),
    # Nature with a single page or article number: 316, 2402 (2016)
    re.compile(
        rf"""
        (?<![\d.]) (?P<volume>\d{{1,5}}) , \s* (?P<first>{_PAGE}) (?:{_DASH}(?P<last>{_PAGE}))?
        \s* \((?P<year>{_YEAR})\)
        """,
        re.VERBOSE,
    ),
    # Nature / plain: 86, 197–205 or 86:197-205
    re.compile(
        rf"""
        (?<![\d.]) (?P<volume>\d{{1,5}}) \s* [,:] \s* (?:pp?\.\s*)?
        (?P<first>{_PAGE}) {_DASH} (?P<last>{_PAGE})
        """,
        re.VERBOSE,
    ),
)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_NAME_WORD = r"[A-Z][\w'’\-]*"
# One name in an author list: "Field T", "Field, T.", "T. Field", "Field TM", "van der Berg J".
_AUTHORISH = re.compile(
    rf"""
    ^(?:
        (?:[a-z]+\ ){{0,2}} {_NAME_WORD} (?:\ {_NAME_WORD})? ,?\ (?:[A-Z]\.?\s?-?){{1,4}}
                                                   # family name(s), then initials
      | (?:[A-Z]\.\s?-?){{1,4}} \s? (?:[a-z]+\ ){{0,2}} {_NAME_WORD}
                                                   # initials, then the family name
      | (?:[a-z]+\ ){{0,2}} {_NAME_WORD}            # a family name alone
      | (?:[A-Z]\.?\s?){{1,4}}                     # initials alone
      | et\ al\.? | others
    )$
    """,
    re.VERBOSE,
)
# A full name, "Yoshua Bengio" or "David M. Blei": only trusted in a list of several.
_FULL_NAME = re.compile(rf"^{_NAME_WORD}(?: [A-Z]\.)?(?: [a-z]+){{0,2}} {_NAME_WORD}$")


def _author_parts(segment: str) -> list[str]:
    segment = re.sub(r",?\s+et\.? al\b\.?", ", et al", segment)
    parts = [p.strip() for p in re.split(r",|;|\s+(?:and|&)\s+|^\s*(?:and|&)\s+", segment)]
    return [p for p in parts if p]


def _is_author_segment(segment: str) -> bool:
    parts = _author_parts(segment)
    if not parts:
        return False
    if all(_AUTHORISH.match(p) for p in parts):
        return True
    names = [p for p in parts if p not in ("et al", "others")]
    return len(names) >= 2 and all(_FULL_NAME.match(p) or _AUTHORISH.match(p) for p in names)


def _family_names(segment: str) -> list[str]:
    names: list[str] = []
    for part in re.split(r",|;|\s+(?:and|&)\s+|&", segment):
        words = [
            w
            for w in part.replace(".", ". ").split()
            if not _INITIALS.match(w) and w.lower().strip(".") not in ("et", "al", "and", "others")
        ]
        if words:
            names.append(" ".join(words))
    return names


# The start of a piece that continues an author list after an initial's period.
_CONTINUES_AUTHORS = re.compile(
    rf"""
    ^(?:
        (?:[A-Z]\.\s?)+ (?:,|$|\s{_NAME_WORD})      # more initials
      | et\.?\ al\b | and\s | &\s                  # the end of the list
      | {_NAME_WORD},\s                            # the next family name
    )
    """,
    re.VERBOSE,
)
# "…, David M." followed by "Blei. Title…": the family name after a middle initial.
_ENDS_WITH_MIDDLE_INITIAL = re.compile(rf",.*{_NAME_WORD} [A-Z]\.$")


def _split_sentences(text: str) -> list[str]:
    # A period ends a segment unless it follows a lone capital (an initial: "T. Field").
    pieces = re.split(r"(?<=[.?!])\s+(?=\S)", text)
    merged: list[str] = []
    for piece in pieces:
        if merged and (
            (
                re.search(r"(?:^|[\s,])[A-Z]\.$", merged[-1])
                and _CONTINUES_AUTHORS.match(piece)
                and _is_author_segment(merged[-1].rstrip("."))
            )
            or (
                _ENDS_WITH_MIDDLE_INITIAL.search(merged[-1])
                and any(_FULL_NAME.match(p) for p in _author_parts(merged[-1]))
                and re.match(rf"^{_NAME_WORD}\.(?:\s|$)", piece)
            )
        ):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def parse_reference(text: str) -> ParsedReference:
    """Best-effort fields of a reference string in Vancouver, APA, Harvard, IEEE, MLA,
    Chicago or Nature style. Missing or unrecognised parts are left None."""
    ref = ParsedReference(text=text)
    s = " ".join(text.split())
    s = _NUMBERING.sub("", s)
    for identifier, _start, _end in find_identifiers(s):
        if identifier.kind == "doi" and ref.doi is None:
            ref.doi = identifier.value
    # Links and identifiers carry digits that would confuse the locator patterns.
    s = re.sub(r"\b(?:doi|pmid|pmcid|arxiv)\s*:\s*\S+|https?://\S+", " ", s, flags=re.I)
    s = re.sub(r"\b(?:Available from|Accessed|Retrieved)\b.*$", "", s).strip(" .")

    locator_start = len(s)
    for pattern in _LOCATORS:
        match = pattern.search(s)
        if not match:
            continue
        groups = match.groupdict()
        volume = groups.get("volume")
        if volume and re.fullmatch(_YEAR, volume) and not groups.get("issue"):
            continue  # "1996, 12-15" is a year and pages, not a volume
        ref.volume = volume
        ref.issue = groups.get("issue")
        ref.first_page = groups.get("first")
        ref.last_page = groups.get("last")
        if groups.get("year"):
            ref.year = int(groups["year"])
        locator_start = match.start()
        break
    if ref.first_page is None:
        pages = re.search(rf"\bpp?\.\s*(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE}))?", s)
        if pages:
            ref.first_page, ref.last_page = pages.group("first"), pages.group("last")

    paren_year = re.search(rf"\((?P<year>{_YEAR})[a-z]?(?:,[^)]*)?\)", s)
    if ref.year is None:
        if paren_year:
            ref.year = int(paren_year.group("year"))
        else:
            years = re.findall(rf"(?<![\d\-–])({_YEAR})[a-z]?(?![\d\-–])", s)
            if years:
                ref.year = int(years[0])

    quoted = re.search(r"[\"“”]([^\"“”]{8,})[\"“”]", s)
    if quoted:
        # IEEE, MLA, Chicago: the title is in quotes, authors before, journal after.
        ref.title = quoted.group(1).strip().rstrip(",.")
        author_part = s[: quoted.start()]
        author_part = re.sub(rf"\(?{_YEAR}[a-z]?\)?\.?\s*$", "", author_part.strip())
        ref.authors = _family_names(author_part)
        after = s[quoted.end() :].lstrip(" ,.")
        journal = re.split(r",|\bvol\b|\d", after, maxsplit=1)[0]
        ref.journal = journal.strip(" .,;") or None
        return ref

    if paren_year and (
        paren_year.start() < len(s) // 2 or _is_author_segment(s[: paren_year.start()])
    ):
        # APA / Harvard: Authors (Year). Title. Journal, vol(issue), pages.
        ref.authors = _family_names(s[: paren_year.start()])
        rest = s[paren_year.end() :].lstrip(" .,")
        pieces = _split_sentences(rest)
        if pieces:
            ref.title = pieces[0].rstrip(".")
            tail = " ".join(pieces[1:])
            ref.journal = re.split(r",|\d", tail, maxsplit=1)[0].strip(" .,;") or None
        return ref

    # Vancouver, Nature and other period-separated styles.
    head = s[:locator_start]
    pieces = _split_sentences(head)
    index = 0
    author_pieces: list[str] = []
    while index < len(pieces) and _is_author_segment(pieces[index].rstrip(".")):
        piece = pieces[index].rstrip(".")
        # After the first piece, a lone capitalised word is a one-word title
        # ("MapReduce."), and nothing follows "et al".
        if author_pieces and (
            author_pieces[-1].endswith("et al") or (" " not in piece and "," not in piece)
        ):
            break
        author_pieces.append(piece)
        index += 1
    ref.authors = _family_names(", ".join(author_pieces))
    if index < len(pieces):
        ref.title = pieces[index].rstrip(".").strip() or None
        index += 1
    if index < len(pieces):
        journal = " ".join(pieces[index:])
        journal = re.split(rf"\b{_YEAR}\b|\d|;", journal, maxsplit=1)[0]
        ref.journal = journal.strip(" .,;") or None
    return ref
