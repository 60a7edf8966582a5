"""Identifiers of works: one handler per kind behind a registry.

Each handler knows its prefixes (``doi:``, ``pmid:``…), its pattern, how to say what is
wrong with a value (:meth:`IdentifierHandler.inspect` returns a message rather than
raising, so a batch can report every bad identifier before any network call) and how to
write a value in its standard form (:meth:`IdentifierHandler.standardize`).

:func:`parse_identifier` and :func:`inspect_identifier` turn user input into an
:class:`Identifier`: an explicit prefix (``doi:10.1234/x``), a resolver or landing-page
URL (``https://doi.org/…``, PubMed, PMC and arXiv links) or a bare identifier whose kind
is inferred from its shape. :func:`standardize_identifier` reads a value that names its
kind (a bibliography's ``pmid`` field) by the same rule, and :func:`find_identifiers`
finds identifiers inside prose.

The handlers (the rule for each kind) live in :mod:`bib.identifier_handlers`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bib.errors import IdentifierError
from bib.identifier_handlers import (
    ARXIV_NEW,
    ARXIV_OLD,
    ArxivHandler,
    DoiHandler,
    IdentifierHandler,
    IsbnHandler,
    PmcidHandler,
    PmidHandler,
    UrlHandler,
    arxiv_unversioned,
    isbn10_to_13,
    isbn_check_digit,
    quoted,
    strip_trailing_punctuation,
)
from bib.work import STANDARD_IDS

# Names of bib.identifier_handlers that callers have always imported from here.
__all__ = [
    "HANDLERS",
    "KINDS",
    "PREFIX_TO_HANDLER",
    "ArxivHandler",
    "DoiHandler",
    "Identifier",
    "IdentifierHandler",
    "IsbnHandler",
    "PmcidHandler",
    "PmidHandler",
    "UrlHandler",
    "arxiv_unversioned",
    "find_identifiers",
    "get_handler",
    "identifier_url",
    "inspect_identifier",
    "isbn10_to_13",
    "isbn_check_digit",
    "parse_identifier",
    "standardize_identifier",
    "strip_trailing_punctuation",
]

KINDS = (*STANDARD_IDS, "url")


@dataclass(frozen=True)
class Identifier:
    """A standardised identifier: ``kind`` is one of KINDS, ``value`` its normal form
    (DOI lower-case without resolver prefix, PMID digits, PMCID ``PMC123``, arXiv id
    without the ``arXiv:`` prefix and with its version when one was given, ISBN-13
    digits, URL with lower-case scheme and host)."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


HANDLERS: dict[str, IdentifierHandler] = {
    handler.kind: handler
    for handler in (
        DoiHandler(),
        PmidHandler(),
        PmcidHandler(),
        ArxivHandler(),
        IsbnHandler(),
        UrlHandler(),
    )
}
PREFIX_TO_HANDLER: dict[str, IdentifierHandler] = {
    prefix: handler for handler in HANDLERS.values() for prefix in handler.prefixes
}
# Bare identifiers are tried in this order: the most distinctive shapes first.
_INFERENCE_ORDER = ("doi", "pmcid", "arxiv", "isbn", "pmid")


def get_handler(kind: str) -> IdentifierHandler:
    """The handler of one kind; raises KeyError for an unknown kind."""
    return HANDLERS[kind]


_PREFIX_RE = re.compile(r"^([A-Za-z]+)\s*:\s*(.*)$", re.DOTALL)
# Labels written with a space or a numbered ISBN label: "PMID 123", "ISBN-13: 978…".
_LABEL_RE = re.compile(
    r"^(pmid|pmcid|isbn(?:-1[03])?)\s*[:\s]\s*(\S.*)$", re.IGNORECASE | re.DOTALL
)


def _from_url(url: str) -> tuple[str, str]:
    """(kind, value to inspect) for a link: resolver and landing pages map to their kind."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "url", url
    host = parts.netloc.lower().split("@")[-1].split(":")[0]
    host = host.removeprefix("www.")
    path = parts.path
    if host in ("doi.org", "dx.doi.org"):
        # Resolver links are often percent-encoded (10.1002%2F…); query strings are part
        # of a few DOIs' suffixes but never of a resolver link's target.
        return "doi", unquote(path.lstrip("/"))
    if host == "pubmed.ncbi.nlm.nih.gov":
        match = re.match(r"^/(\d+)/?$", path)
        if match:
            return "pmid", match.group(1)
    if host == "ncbi.nlm.nih.gov":
        match = re.match(r"^/pubmed/(\d+)/?$", path)
        if match:
            return "pmid", match.group(1)
        match = re.match(r"^/pmc/articles/(PMC\d+)/?", path, re.IGNORECASE)
        if match:
            return "pmcid", match.group(1)
    if host == "pmc.ncbi.nlm.nih.gov":
        match = re.match(r"^/articles/(PMC\d+)/?", path, re.IGNORECASE)
        if match:
            return "pmcid", match.group(1)
    if host == "europepmc.org":
        match = re.match(r"^/(?:article|abstract)/MED/(\d+)/?$", path, re.IGNORECASE)
        if match:
            return "pmid", match.group(1)
        match = re.match(r"^/(?:article|abstract)/PMC/(PMC\d+)/?$", path, re.IGNORECASE)
        if match:
            return "pmcid", match.group(1)
    if host in ("arxiv.org", "export.arxiv.org"):
        match = re.match(r"^/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$", path)
        if match:
            return "arxiv", match.group(1)
    return "url", url


def _classify(text: str) -> tuple[str | None, str]:
    """(kind, value to inspect) for user input; kind None when nothing fits."""
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return _from_url(strip_trailing_punctuation(text))
    if lowered.startswith(("doi.org/", "dx.doi.org/")):
        return _from_url("https://" + text)
    if lowered.startswith("www."):
        return _from_url("https://" + text)
    match = _PREFIX_RE.match(text)
    if match and match.group(1).lower() in PREFIX_TO_HANDLER:
        prefix, value = match.group(1).lower(), match.group(2).strip()
        if prefix == "url":
            return _from_url(strip_trailing_punctuation(value))
        kind = PREFIX_TO_HANDLER[prefix].kind
        if value[:4].lower() in ("http", "doi.", "dx.d", "www."):
            # "pmid:https://pubmed…/123/" is read as the link is: a link of the named kind.
            linked, target = _classify(value)
            if linked == kind:
                return kind, target
        return kind, value
    match = _LABEL_RE.match(text)
    if match:
        label = match.group(1).lower()
        return ("isbn" if label.startswith("isbn") else label), match.group(2).strip()
    for kind in _INFERENCE_ORDER:
        if HANDLERS[kind].looks_like(text):
            return kind, text
    return None, text


def inspect_identifier(text: str) -> tuple[Identifier | None, str | None]:
    """Read one identifier from user input without raising.

    Returns ``(identifier, None)`` when the input is usable and ``(None, message)``
    otherwise; the message names the input and says what is wrong.
    """
    given = text.strip()
    if given.startswith("<") and given.endswith(">"):
        given = given[1:-1].strip()
    if not given:
        return (
            None,
            "An empty identifier was given: expected a DOI, PMID, PMCID, arXiv id, ISBN or URL",
        )
    kind, value = _classify(given)
    if kind is None:
        return None, (
            f"{quoted(given)} is not a recognised identifier: expected a DOI (10.1234/…), "
            "a PMID (pmid:123), a PMCID (PMC123), an arXiv id (2101.00001), an ISBN "
            "or an http(s) URL"
        )
    handler = HANDLERS[kind]
    message = handler.inspect(value)
    if message is not None:
        return None, message
    return Identifier(kind, handler.standardize(value)), None


def standardize_identifier(kind: str, value: str) -> str | None:
    """The standard form of a value that names its kind (a BibTeX ``pmid`` field, a CSL
    ``DOI`` variable), or None when it is not a usable identifier of that kind.

    The one rule for every reader: the value is read exactly as ``inspect_identifier``
    reads ``f"{kind}:{value}"`` (so ``evidence add pmid:8870945`` and a BibTeX
    ``pmid = {008870945}`` name the same study).
    """
    identifier, _ = inspect_identifier(f"{kind}:{value}")
    if identifier is None or identifier.kind != kind:
        return None
    return identifier.value


def parse_identifier(text: str) -> Identifier:
    """Read one identifier from user input; raises IdentifierError saying what is wrong."""
    identifier, message = inspect_identifier(text)
    if identifier is None:
        raise IdentifierError(message or f"{quoted(text)} is not a usable identifier")
    return identifier


def identifier_url(identifier: Identifier) -> str | None:
    """A link to the work an identifier names (doi.org, PubMed, PMC, arXiv, Open Library)."""
    return HANDLERS[identifier.kind].url(identifier.value)


# Patterns for identifiers in prose. Group "id" is the identifier, the whole match is the
# span reported (label or link included). Earlier patterns win where spans overlap.
_DOI_BODY = r"10\.\d{4,9}(?:\.\d+)*/[^\s\"<>]+"
_PROSE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "link",
        re.compile(
            r"https?://(?:www\.)?(?:"
            r"(?:dx\.)?doi\.org/[^\s\"<>]+"
            r"|pubmed\.ncbi\.nlm\.nih\.gov/\d+/?"
            r"|ncbi\.nlm\.nih\.gov/pubmed/\d+/?"
            r"|ncbi\.nlm\.nih\.gov/pmc/articles/PMC\d+/?"
            r"|pmc\.ncbi\.nlm\.nih\.gov/articles/PMC\d+/?"
            r"|(?:export\.)?arxiv\.org/(?:abs|pdf)/[^\s\"<>]+)",
            re.IGNORECASE,
        ),
    ),
    ("doi", re.compile(rf"\bdoi:\s*(?P<id>{_DOI_BODY})|(?<![\w/.])(?P<id2>{_DOI_BODY})", re.I)),
    ("pmid", re.compile(r"\bPMID\s*:?\s*(?P<id>[1-9]\d{0,8})\b", re.IGNORECASE)),
    ("pmcid", re.compile(r"\b(?:PMCID\s*:?\s*)?(?P<id>PMC\d+)\b", re.IGNORECASE)),
    (
        "arxiv",
        re.compile(rf"\barXiv\s*:\s*(?P<id>{ARXIV_NEW}|{ARXIV_OLD})(?![\w.])", re.IGNORECASE),
    ),
    (
        "isbn",
        re.compile(r"\bISBN(?:-1[03])?\s*:?\s*(?P<id>\d[\d\- ]{8,15}[\dXx])\b", re.IGNORECASE),
    ),
)


# What every match of each prose pattern contains, lower-cased.
_PROSE_LABELS = {
    "link": "http",
    "doi": "10.",
    "pmid": "pmid",
    "pmcid": "pmc",
    "arxiv": "arxiv",
    "isbn": "isbn",
}
# (lower-cased, İ becomes i and a combining dot)
# Every DOI starts so (digits have no case: this holds under IGNORECASE too).
_DOI_HINT = re.compile(r"10\.\d{4}")
_FOLDED_TO_ASCII = ("ı", "ſ", "\u0307")


def _doi_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for the DOI pattern, tried only where a match can start.

    Every match holds a DOI, which starts "10." and four digits. The match starts there
    (a bare DOI), or at the "doi:" label just before it, whitespace between. So the
    pattern is tried at those places alone, leftmost first, never inside an earlier
    match: what finditer would find, without trying every position of the text.
    (A DOI starting inside another "10.dddd" cannot match: the character before it is
    a digit or a dot, which neither alternative allows there.)
    """
    starts: set[int] = set()
    for hint in _DOI_HINT.finditer(text):
        start = hint.start()
        starts.add(start)
        label_end = start
        while label_end > 0 and text[label_end - 1].isspace():
            label_end -= 1
        if label_end >= 4 and text[label_end - 1] == ":":
            starts.add(label_end - 4)
    end = 0
    for start in sorted(starts):
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            end = match.end()
            yield match


def find_identifiers(text: str) -> list[tuple[Identifier, int, int]]:
    """Identifiers named in prose, with the span of the text naming each, in order.

    Finds DOIs (bare, ``doi:``, doi.org links), ``PMID: 123``, PMCIDs, ``arXiv:…`` ids,
    ISBNs after an ``ISBN`` label, and PubMed, PMC and arXiv links. Trailing sentence
    punctuation is trimmed from the span; candidates that fail their handler's checks
    are left out.
    """
    found: list[tuple[Identifier, int, int]] = []
    # The spans found so far, sorted. No two overlap, so the last one starting before a
    # candidate's end reaches furthest: one bisection tells whether the candidate
    # overlaps any (a pass over all of them made long texts quadratic).
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    # A pattern whose label is nowhere in the text is not run over it (most prose names
    # no identifier). Characters that re's IGNORECASE reads as ASCII letters but that
    # str.lower() keeps apart switch this shortcut off.
    shortcut = not any(c in lowered for c in _FOLDED_TO_ASCII)
    for kind, pattern in _PROSE_PATTERNS:
        if shortcut and _PROSE_LABELS[kind] not in lowered:
            continue
        matches = _doi_matches(pattern, text) if kind == "doi" else pattern.finditer(text)
        for match in matches:
            start, end = match.span()
            raw = match.group(0)
            trimmed = strip_trailing_punctuation(raw)
            end = start + len(trimmed)
            before = bisect_left(taken, (end,)) - 1
            if before >= 0 and taken[before][1] > start:
                continue
            if kind == "link":
                identifier, _ = inspect_identifier(trimmed)
            else:
                value = match.groupdict().get("id") or match.groupdict().get("id2") or ""
                value = strip_trailing_punctuation(value)
                handler = HANDLERS[kind]
                identifier = (
                    Identifier(kind, handler.standardize(value))
                    if handler.inspect(value) is None
                    else None
                )
            if identifier is None or identifier.kind == "url":
                continue
            found.append((identifier, start, end))
            insort(taken, (start, end))
    found.sort(key=lambda item: item[1])
    return found
