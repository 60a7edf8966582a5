"""One handler per kind of identifier: its prefixes, its pattern, what is wrong with a
value (:meth:`IdentifierHandler.inspect` returns a message rather than raising, so a batch
can report every bad identifier before any network call) and its standard form
(:meth:`IdentifierHandler.standardize`). :mod:`bib.identifiers` holds the registry.

Decisions:

- DOIs are lower-cased (DOIs are case-insensitive), carry no resolver prefix and no
  trailing punctuation. ``10.48550/arXiv.…`` stays a DOI: it is what the author wrote,
  and the arXiv id can be derived from it when needed.
- arXiv ids keep their version when one is given (``2101.00001v2``): a versioned id
  names one specific text, and dropping it would silently change what was cited. Use
  :func:`arxiv_unversioned` to compare works across versions.
- PMIDs are digits without leading zeros: ``008870945`` is ``8870945``.
- ISBNs are stored as ISBN-13 digits; an ISBN-10 is converted.
- PMCIDs are ``PMC`` followed by digits; ``pmcid:123`` is read as ``PMC123``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import ClassVar
from urllib.parse import unquote, urlsplit

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


def quoted(text: str) -> str:
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
        shown = quoted(value.strip())
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
            return f"{quoted(pmid)} is not a PMID: a PMID is a number such as 8870945"
        if int(pmid) == 0:
            return f"{quoted(pmid)} is not a PMID: PMIDs start at 1"
        if len(pmid.lstrip("0")) > 9:
            return f"{quoted(pmid)} is not a PMID: PMIDs have at most 9 digits"
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
                f"{quoted(value.strip())} is not a PMCID: a PMCID is PMC followed by digits "
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
ARXIV_NEW = r"\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}(?:[vV]\d+)?"
# Old-style ids: archive[.SUBJECT-CLASS]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
ARXIV_OLD = r"[a-zA-Z]+(?:-[a-zA-Z]+)?(?:\.[A-Za-z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3}(?:[vV]\d+)?"


class ArxivHandler(IdentifierHandler):
    kind = "arxiv"
    prefixes = ("arxiv",)
    pattern = re.compile(rf"^(?:{ARXIV_NEW}|{ARXIV_OLD})$")

    def _clean(self, value: str) -> str:
        value = value.strip()
        if value[:6].lower() == "arxiv:":
            value = value[6:].strip()
        return value

    def inspect(self, value: str) -> str | None:
        if not self.pattern.match(self._clean(value)):
            return (
                f"{quoted(value.strip())} is not an arXiv id: expected YYMM.NNNNN "
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
            return f"{quoted(given)} is not an ISBN: an ISBN is 10 or 13 digits (978-0-19-929115-1)"
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
            return f"{quoted(url)} is not a web address: expected http://… or https://…"
        if any(c.isspace() or not c.isprintable() for c in url):
            return f"{quoted(url)} is not a web address: it contains spaces or control characters"
        return None

    def standardize(self, value: str) -> str:
        url = strip_trailing_punctuation(value.strip())
        parts = urlsplit(url)
        # Scheme and host are case-insensitive; the rest of a URL is not.
        head = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        return head + url[len(parts.scheme) + 3 + len(parts.netloc) :]

    def url(self, value: str) -> str | None:
        return value
