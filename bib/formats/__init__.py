"""Bibliography files: BibTeX, CSL-JSON and RIS, read into and written from Works.

Reading never stops at a bad entry: every entry that can be understood becomes a
:class:`~bib.work.Work`, and every one that cannot (or that has something wrong with it)
becomes a :class:`Problem` that names the file, the line where the entry starts and its
key. Only a file that cannot be read at all (empty, binary, undecodable, unknown format)
raises :class:`~bib.errors.FormatError`.

Round trips: each reader keeps the fields that have no column of their own in
``Work.extra`` (``extra["bibtex"]``, ``extra["csl"]``, ``extra["ris"]``) and its writer
gives them back, so import then export loses nothing the target format can hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bib.encoding import Undecodable, decode_text
from bib.errors import FormatError
from bib.work import Work

FORMATS = ("bibtex", "csl-json", "ris")

# File extensions of each format (lower-case, with the dot).
EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".json": "csl-json",
    ".csl": "csl-json",
    ".ris": "ris",
}


@dataclass(frozen=True)
class Problem:
    """Something wrong with one entry of a bibliography file.

    ``line`` is the line where the entry starts (1-based), ``key`` its citation key when
    it has one. Renders as ``file:line: key: what is wrong``.
    """

    file: str
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key or '(no key)'}: {self.message}"


@dataclass
class ReadResult:
    """The works read from a file and the problems met on the way."""

    works: list[Work] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_bibliography(path: str | Path, fmt: str | None = None) -> ReadResult:
    """Read a BibTeX, CSL-JSON or RIS file; the format comes from ``fmt``, the extension,
    or (for an unknown extension) the content."""
    path = Path(path)
    text = read_text(path)
    if fmt is None:
        fmt = EXTENSIONS.get(path.suffix.lower()) or sniff_format(text)
        if fmt is None:
            raise FormatError(
                f"{path}: unrecognised bibliography format; "
                "use a .bib (BibTeX), .json (CSL-JSON) or .ris (RIS) file"
            )
    return parse_bibliography(text, fmt, str(path))


def parse_bibliography(text: str, fmt: str, filename: str = "<string>") -> ReadResult:
    """Parse bibliography text already in memory (``fmt``: one of FORMATS)."""
    if fmt == "bibtex":
        from bib.formats.bibtex import parse_bibtex

        return parse_bibtex(text, filename)
    if fmt == "csl-json":
        from bib.formats.csljson import parse_csl_json

        return parse_csl_json(text, filename)
    if fmt == "ris":
        from bib.formats.ris import parse_ris

        return parse_ris(text, filename)
    raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_bibliography(works: list[Work], fmt: str) -> str:
    """Serialise works as ``bibtex``, ``csl-json`` or ``ris`` text."""
    if fmt == "bibtex":
        from bib.formats.bibtex import write_bibtex

        return write_bibtex(works)
    if fmt == "csl-json":
        from bib.formats.csljson import write_csl_json

        return write_csl_json(works)
    if fmt == "ris":
        from bib.formats.ris import write_ris

        return write_ris(works)
    raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")


_RIS_START = re.compile(r"^\s*TY  -", re.MULTILINE)
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def sniff_format(text: str) -> str | None:
    """Guess the format of bibliography text from its content, or None."""
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        return "csl-json"
    if _RIS_START.search(text, 0, 20000):
        return "ris"
    if _BIBTEX_START.search(text):
        return "bibtex"
    return None


# Larger files are refused before they are read: parsing holds every entry in memory
# (about ten times the file's size), and such a file is better imported in parts.
MAX_BYTES = 200 * 1024 * 1024


def read_text(path: Path) -> str:
    """The text of a bibliography file, whatever its encoding.

    Decoded by bib.encoding.decode_text. Raises FormatError for a missing, oversized,
    empty, binary or undecodable file.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FormatError(
                f"{path}: the file is {size / 1e6:,.0f} MB, more than the "
                f"{MAX_BYTES / 1e6:,.0f} MB a bibliography may hold here; split it into "
                "smaller files and import them together"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        return decode_text(data)
    except Undecodable as exc:
        raise FormatError(f"{path}: {_UNDECODABLE[exc.reason].format(codec=exc.codec)}") from None


_UNDECODABLE = {
    "empty": "the file is empty",
    "bad-mark": "not valid {codec} text",
    "binary": "binary file, not a bibliography",
    "controls": "binary file, not a bibliography",
    "unknown": "cannot decode the text (not UTF-8, no other encoding fits)",
}


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


# "10.", an ASCII-digit registrant, "/", and a suffix without spaces or control characters.
_DOI_SHAPE = re.compile(r"^10\.[0-9]+(?:\.[0-9]+)*/\S+$")


def normalize_doi(value: str) -> str | None:
    """A DOI in normal form (lower-case, no resolver or ``doi:`` prefix), or None when the
    value is not a well-formed DOI (``10.1234/`` alone, spaces, look-alike digits)."""
    doi = _DOI_PREFIX.sub("", value.strip()).strip()
    if not _DOI_SHAPE.match(doi) or not doi.isprintable():
        return None
    return doi.lower()


def normalize_pmid(value: str) -> str | None:
    """A PMID as ASCII digits, or None when the value is not one."""
    pmid = value.strip()
    return pmid if pmid.isascii() and pmid.isdigit() and len(pmid) <= 9 else None


def normalize_pmcid(value: str) -> str | None:
    """A PMCID (``PMC`` and ASCII digits) as written, or None when the value is not one."""
    pmcid = value.strip()
    return pmcid if re.fullmatch(r"(?:PMC)?[0-9]{1,10}", pmcid, re.IGNORECASE) else None


def normalize_pages(value: str) -> str:
    """Page ranges with a plain hyphen: ``1109--1112`` and ``1–6`` become ``1109-1112``."""
    return value.replace("--", "-").replace("\u2013", "-").replace("\u2014", "-")


_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")


def parse_issns(value: str) -> list[str]:
    """ISSNs found in a field, as ``1234-567X``."""
    return [f"{a}-{b.upper()}" for a, b in _ISSN.findall(value)]


def normalize_isbn(value: str) -> str | None:
    """The first valid ISBN in a field as ISBN-13 digits, or None when there is none."""
    compact = re.sub(r"(?<=[\dXx])[\s-](?=[\dXx])", "", value)
    for token in re.findall(r"(?<![\dXx])(?:\d{13}|\d{9}[\dXx])(?![\dXx])", compact):
        token = token.upper()
        if len(token) == 13:
            total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(token))
            if token[:3] in ("978", "979") and total % 10 == 0:
                return token
            continue
        check = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(token))
        if check % 11 == 0 and token[:9] != "000000000":
            core = "978" + token[:9]
            total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
            return core + str((10 - total % 10) % 10)
    return None
