"""Identifiers of works: one handler per kind behind a registry.

Each handler knows its prefixes (``doi:``, ``pmid:``…), its pattern, how to say what is
wrong with a value (:meth:`IdentifierHandler.inspect` returns a message rather than
raising, so a batch can report every bad identifier before any network call) and how to
write a value in its standard form (:meth:`IdentifierHandler.standardize`).

:func:`parse_identifier` and :func:`inspect_identifier` turn user input into an
:class:`Identifier`: an explicit prefix (``doi:10.1234/x``), a resolver or landing-page
URL (``https://doi.org/…``, PubMed, PMC and arXiv links) or a bare identifier whose kind
is inferred from its shape. :func:`find_identifiers` finds identifiers inside prose.

Decisions:

- DOIs are lower-cased (DOIs are case-insensitive), carry no resolver prefix and no
  trailing punctuation. ``10.48550/arXiv.…`` stays a DOI: it is what the author wrote,
  and the arXiv id can be derived from it when needed.
- arXiv ids keep their version when one is given (``2101.00001v2``): a versioned id
  names one specific text, and dropping it would silently change what was cited. Use
  :func:`arxiv_unversioned` to compare works across versions.
- ISBNs are stored as ISBN-13 digits; an ISBN-10 is converted.
- PMCIDs are ``PMC`` followed by digits; ``pmcid:123`` is read as ``PMC123``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from bib.errors import IdentifierError

KINDS = ("doi", "pmid", "pmcid", "arxiv", "isbn", "url")


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


# Characters that end a sentence or wrap an identifier in prose but are never the last
# character of one. Closing brackets are handled apart: DOIs such as
# 10.1016/0140-6736(90)90001-x legitimately end in ")".
_TRAILING = ".,;:!?'\"\u2019\u201d*_"
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


def strip_trailing_punctuation(text: str) -> str:
    """Remove sentence punctuation and unbalanced closing brackets from the end."""
    while text:
        last = text[-1]
        if last in _TRAILING:
            text = text[:-1]
        elif last in _CLOSERS and text.count(last) > text.count(_CLOSERS[last]):
            text = text[:-1]
        else:
            break
    return text


def _quote(text: str) -> str:
    """The user's input as it appears in a message, shortened when very long."""
    return f'"{text if len(text) <= 80 else text[:77] + "…"}"'


class IdentifierHandler(ABC):
    """How one kind of identifier is recognised, checked and written."""

    kind: ClassVar[str]
    # Explicit prefixes, lower-case, without the colon.
    prefixes: ClassVar[tuple[str, ...]]
    # The shape of a standardised value.
    pattern: ClassVar[re.Pattern[str]]

    @abstractmethod
    def inspect(self, value: str) -> str | None:
        """What is wrong with ``value`` (the part after any prefix), or None if usable."""

    @abstractmethod
    def standardize(self, value: str) -> str:
        """The normal form of a value that :meth:`inspect` accepted."""

    def looks_like(self, text: str) -> bool:
        """Whether a bare (unprefixed) text has this kind's shape; used for inference."""
        return False

    def url(self, value: str) -> str | None:
        """A link to the work for a standardised value, when one exists."""
        return None


class DoiHandler(IdentifierHandler):
    kind = "doi"
    prefixes = ("doi",)
    # ASCII digits only: \d would also take Arabic-Indic or Devanagari look-alikes.
    pattern = re.compile(r"^10\.[0-9]{4,9}(?:\.[0-9]+)*/\S+$")
    _resolver = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/", re.IGNORECASE)
    _registrant = re.compile(r"^10\.[0-9]{4,9}(?:\.[0-9]+)*$")

    def _clean(self, value: str) -> str:
        value = value.strip()
        unprefixed = self._resolver.sub("", value)
        if unprefixed != value:
            # Resolver links are often percent-encoded (10.1002%2F…), as in _from_url.
            value = unquote(unprefixed)
        if value[:4].lower() == "doi:":
            value = value[4:].strip()
        return strip_trailing_punctuation(value)

    def inspect(self, value: str) -> str | None:
        doi = self._clean(value)
        shown = _quote(value.strip())
        if not doi.startswith("10."):
            return f'{shown} is not a DOI: a DOI starts with "10." (10.1234/…)'
        registrant, slash, suffix = doi.partition("/")
        if not self._registrant.match(registrant):
            return f'{shown} is not a DOI: "10." is followed by a registrant of 4 to 9 digits (10.1234/…)'
        if not slash or not suffix:
            return f"{shown} is not a DOI: a DOI has a suffix after the slash ({registrant}/…)"
        if any(c.isspace() or not c.isprintable() for c in suffix):
            return f"{shown} is not a DOI: a DOI contains no spaces or control characters"
        return None

    def standardize(self, value: str) -> str:
        return self._clean(value).lower()

    def looks_like(self, text: str) -> bool:
        return text.startswith("10.")

    def url(self, value: str) -> str | None:
        return f"https://doi.org/{value}"


class PmidHandler(IdentifierHandler):
    kind = "pmid"
    prefixes = ("pmid",)
    pattern = re.compile(r"^[1-9]\d{0,8}$")

    def inspect(self, value: str) -> str | None:
        pmid = value.strip()
        if not pmid.isascii() or not pmid.isdigit():
            return f"{_quote(pmid)} is not a PMID: a PMID is a number such as 8870945"
        if int(pmid) == 0:
            return f"{_quote(pmid)} is not a PMID: PMIDs start at 1"
        if len(pmid.lstrip("0")) > 9:
            return f"{_quote(pmid)} is not a PMID: PMIDs have at most 9 digits"
        return None

    def standardize(self, value: str) -> str:
        return str(int(value.strip()))

    def looks_like(self, text: str) -> bool:
        # PMIDs have 8 digits today; 10- and 13-digit numbers are read as ISBNs.
        return text.isascii() and text.isdigit() and len(text) <= 9

    def url(self, value: str) -> str | None:
        return f"https://pubmed.ncbi.nlm.nih.gov/{value}/"


class PmcidHandler(IdentifierHandler):
    kind = "pmcid"
    prefixes = ("pmcid", "pmc")
    pattern = re.compile(r"^PMC[1-9]\d*$")

    def _digits(self, value: str) -> str:
        value = value.strip()
        return value[3:] if value[:3].upper() == "PMC" else value

    def inspect(self, value: str) -> str | None:
        digits = self._digits(value)
        if not digits.isascii() or not digits.isdigit() or int(digits) == 0:
            return (
                f"{_quote(value.strip())} is not a PMCID: a PMCID is PMC followed by digits "
                "(PMC1234567)"
            )
        return None

    def standardize(self, value: str) -> str:
        return f"PMC{int(self._digits(value))}"

    def looks_like(self, text: str) -> bool:
        return text[:3].upper() == "PMC" and text[3:].isascii() and text[3:].isdigit()

    def url(self, value: str) -> str | None:
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{value}/"


# New-style arXiv ids (April 2007 on): YYMM.NNNN (to 2014) or YYMM.NNNNN (from 2015).
_ARXIV_NEW = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}(?:[vV]\d+)?"
# Old-style ids: archive[.SUBJECT-CLASS]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_ARXIV_OLD = r"[a-zA-Z]+(?:-[a-zA-Z]+)?(?:\.[A-Za-z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3}(?:[vV]\d+)?"


class ArxivHandler(IdentifierHandler):
    kind = "arxiv"
    prefixes = ("arxiv",)
    pattern = re.compile(rf"^(?:{_ARXIV_NEW}|{_ARXIV_OLD})$")

    def _clean(self, value: str) -> str:
        value = value.strip()
        if value[:6].lower() == "arxiv:":
            value = value[6:].strip()
        return value

    def inspect(self, value: str) -> str | None:
        if not self.pattern.match(self._clean(value)):
            return (
                f"{_quote(value.strip())} is not an arXiv id: expected YYMM.NNNNN "
                "(2101.00001, optionally with a version such as v2) or archive/YYMMNNN "
                "(hep-th/9901001)"
            )
        return None

    def standardize(self, value: str) -> str:
        arxiv_id = self._clean(value)
        match = re.search(r"[vV](\d+)$", arxiv_id)
        if match:
            arxiv_id = f"{arxiv_id[: match.start()]}v{match.group(1)}"
        archive, slash, number = arxiv_id.partition("/")
        if slash:
            # Archive names are lower-case; subject classes upper-case (math.GT).
            name, dot, subject = archive.partition(".")
            arxiv_id = f"{name.lower()}{dot}{subject.upper()}/{number}"
        return arxiv_id

    def looks_like(self, text: str) -> bool:
        return bool(self.pattern.match(text))

    def url(self, value: str) -> str | None:
        return f"https://arxiv.org/abs/{value}"


def arxiv_unversioned(arxiv_id: str) -> str:
    """An arXiv id without its version suffix: ``2101.00001v2`` → ``2101.00001``."""
    return re.sub(r"v\d+$", "", arxiv_id)


def isbn_check_digit(digits: str) -> str:
    """The check digit of the first 9 (ISBN-10) or 12 (ISBN-13) digits of an ISBN."""
    if len(digits) == 9:
        total = sum((10 - i) * int(d) for i, d in enumerate(digits))
        check = (11 - total % 11) % 11
        return "X" if check == 10 else str(check)
    total = sum((3 if i % 2 else 1) * int(d) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def isbn10_to_13(isbn10: str) -> str:
    """The ISBN-13 (978 prefix) of a valid ISBN-10 given as 10 characters."""
    body = "978" + isbn10[:9]
    return body + isbn_check_digit(body)


class IsbnHandler(IdentifierHandler):
    kind = "isbn"
    prefixes = ("isbn",)
    pattern = re.compile(r"^97[89]\d{10}$")
    # Digits with optional hyphens or spaces between them; an ISBN-10 may end in X.
    _shape = re.compile(r"^\d(?:[\d\- ]*\d)?(?:[\- ]?[Xx])?$")

    def _compact(self, value: str) -> str:
        return value.strip().replace("-", "").replace(" ", "").upper()

    def inspect(self, value: str) -> str | None:
        given = value.strip()
        if not self._shape.match(given) or not given.isascii():
            return f"{_quote(given)} is not an ISBN: an ISBN is 10 or 13 digits (978-0-19-929115-1)"
        digits = self._compact(given)
        if len(digits) not in (10, 13):
            return f"ISBN {given} has {len(digits)} digits: an ISBN has 10 or 13"
        if "X" in digits[:-1] or (len(digits) == 13 and digits.endswith("X")):
            return f'ISBN {given} is malformed: only the last digit of an ISBN-10 may be "X"'
        if len(digits) == 13 and not digits.startswith(("978", "979")):
            return f"ISBN {given} is not an ISBN-13: an ISBN-13 starts with 978 or 979"
        expected = isbn_check_digit(digits[:-1])
        if digits[-1] != expected:
            return f"ISBN {given} has a wrong check digit (expected {expected})"
        if len(digits) == 10 and not digits[:9].strip("0"):
            # 0000000000 passes the check but is a placeholder, never a book's number.
            return f"ISBN {given} is a placeholder (all zeros), not a book's ISBN"
        return None

    def standardize(self, value: str) -> str:
        digits = self._compact(value)
        return isbn10_to_13(digits) if len(digits) == 10 else digits

    def looks_like(self, text: str) -> bool:
        if not self._shape.match(text) or not text.isascii():
            return False
        digits = self._compact(text)
        return len(digits) in (10, 13) and (
            len(digits) == 10 or digits.startswith(("978", "979")) or "-" in text
        )

    def url(self, value: str) -> str | None:
        return f"https://openlibrary.org/isbn/{value}"


class UrlHandler(IdentifierHandler):
    """Any other http(s) link: a web page cited as a source."""

    kind = "url"
    prefixes = ("url",)
    pattern = re.compile(r"^https?://[^\s/?#]+\S*$")

    def inspect(self, value: str) -> str | None:
        url = strip_trailing_punctuation(value.strip())
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return f"{_quote(url)} is not a web address: expected http://… or https://…"
        if any(c.isspace() or not c.isprintable() for c in url):
            return f"{_quote(url)} is not a web address: it contains spaces or control characters"
        return None

    def standardize(self, value: str) -> str:
        url = strip_trailing_punctuation(value.strip())
        parts = urlsplit(url)
        # Scheme and host are case-insensitive; the rest of a URL is not.
        head = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        return head + url[len(parts.scheme) + 3 + len(parts.netloc) :]

    def url(self, value: str) -> str | None:
        return value


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
            f"{_quote(given)} is not a recognised identifier: expected a DOI (10.1234/…), "
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
        raise IdentifierError(message or f"{_quote(text)} is not a usable identifier")
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
        re.compile(rf"\barXiv\s*:\s*(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?![\w.])", re.IGNORECASE),
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
            if any(start < t_end and t_start < end for t_start, t_end in taken):
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
            taken.append((start, end))
    found.sort(key=lambda item: item[1])
    return found
