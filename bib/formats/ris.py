"""RIS (Research Information Systems) tagged format, as written by Zotero, EndNote, PubMed.

https://en.wikipedia.org/wiki/RIS_(file_format)

A record runs from ``TY  -`` to ``ER  -``; lines that carry no tag continue the previous
value (some exporters wrap abstracts). Tags with no Work column are kept in
``extra["ris"]`` (tag -> list of values) and written back. arXiv ids go in an ``N1`` note
line ``arXiv: <id>``, PubMed ids in ``AN`` and PMCIDs in ``C2`` (PubMed's own usage).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from bib.citekeys import iter_unique_citekeys
from bib.formats.common import (
    MAX_ENTRY_CHARS,
    EntryTooLong,
    Problem,
    ReadResult,
    SeenKeys,
    first_isbn,
    normalize_pages,
    parse_issns,
)
from bib.formats.latex import latex_to_unicode
from bib.formats.types import RIS_TYPES, WORK_TO_RIS
from bib.identifiers import standardize_identifier
from bib.work import Author, Work

_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_ARXIV_NOTE = re.compile(r"^arXiv:\s*(\S+)\s*$", re.IGNORECASE)
# Tags this module maps to Work columns (everything else goes to extra["ris"]).
_TITLE_TAGS = ("TI", "T1", "CT", "BT")
_JOURNAL_TAGS = ("JF", "JO", "T2")
_ABBREV_TAGS = ("J2", "JA", "J1")
_AUTHOR_TAGS = ("AU", "A1")
_EDITOR_TAGS = ("A2", "ED")
_BIBTEX_TO_RIS = {
    "address": "CY",
    "location": "CY",
    "edition": "ET",
    "series": "T3",
    "school": "PB",
    "institution": "PB",
}


def _author(value: str) -> Author:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) == 1:
        # RIS names are "Last, First[, Suffix]": one with no comma is a single or
        # corporate name.
        return Author(family=parts[0])
    family, given = parts[0], parts[1]
    if len(parts) > 2 and parts[2]:
        given = f"{given}, {', '.join(parts[2:])}"
    return Author(family=family, given=given)


def _records(lines: Iterable[str]) -> Iterator[tuple[int, list[tuple[str, str]], bool]]:
    """Split RIS lines into records: (line of TY, [(tag, value)], closed by ER)."""
    current: list[tuple[str, str]] | None = None
    start = 0
    size = 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip()
        match = _LINE.match(line.lstrip("\ufeff"))
        if match is None:
            if current and line.strip():
                tag, value = current[-1]
                current[-1] = (tag, f"{value} {line.strip()}".strip())
                size += len(line)
                if size > MAX_ENTRY_CHARS:
                    raise EntryTooLong("", start, MAX_ENTRY_CHARS)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if current is not None:
                yield start, current, False
            current = [(tag, value)]
            start = number
            size = 0
        elif tag == "ER":
            if current is not None:
                yield start, current, True
                current = None
            else:
                yield number, [], True
        elif current is not None:
            current.append((tag, value))
            size += len(value)
            if size > MAX_ENTRY_CHARS:
                raise EntryTooLong("", start, MAX_ENTRY_CHARS)
        else:
            yield number, [(tag, value)], False
    if current is not None:
        yield start, current, False


def record_to_work(tags: list[tuple[str, str]]) -> Work:
    """One RIS record (its (tag, value) pairs, TY first) as a Work."""
    work = Work(source="ris")
    extra: dict[str, Any] = {}
    values: dict[str, list[str]] = {}
    for tag, value in tags:
        if value:
            values.setdefault(tag, []).append(value)

    def first(*names: str) -> str | None:
        for name in names:
            found = values.pop(name, None)
            if found:
                if len(found) > 1:
                    values[name] = found[1:]
                return found[0]
        return None

    ris_type = (first("TY") or "GEN").upper()
    work.type = RIS_TYPES.get(ris_type, "other")
    if WORK_TO_RIS.get(work.type) != ris_type:
        extra["ris_type"] = ris_type
    work.citekey = first("ID")
    work.title = first(*_TITLE_TAGS)
    authors = [_author(v) for t in _AUTHOR_TAGS for v in values.pop(t, [])]
    work.authors = authors
    editors = [_author(v) for t in _EDITOR_TAGS for v in values.pop(t, [])]
    if editors:
        extra["editors"] = [e.to_dict() for e in editors]
    work.journal = first(*_JOURNAL_TAGS)
    work.journal_abbrev = first(*_ABBREV_TAGS)
    year = first("PY", "Y1")
    date = first("DA")
    if year:
        found = re.search(r"(?<!\d)\d{4}(?!\d)", year)
        work.year = int(found.group()) if found else None
        if not (year.isdigit() and len(year) == 4):
            extra.setdefault("ris", {})["PY"] = [year]
    if date:
        parts = [p for p in date.split("/") if p]
        if all(p.isdigit() for p in parts) and parts:
            work.date = "-".join(parts)
            if work.year is None:
                work.year = int(parts[0])
        else:
            extra.setdefault("ris", {})["DA"] = [date]
    work.volume = first("VL")
    work.issue = first("IS")
    start, end = first("SP"), first("EP")
    if start and end:
        work.pages = normalize_pages(f"{start}-{end}")
    elif start:
        work.pages = normalize_pages(start)
    work.publisher = first("PB")
    for value in values.pop("SN", []):
        issns = parse_issns(value)
        isbn = first_isbn(value) if not issns else None
        if issns:
            work.issn.extend(i for i in issns if i not in work.issn)
        elif isbn and work.isbn is None:
            work.isbn = isbn
        else:
            extra.setdefault("ris", {}).setdefault("SN", []).append(value)
    # An identifier its handler refuses stays a plain tag (written back as it came).
    doi = first("DO")
    if doi:
        work.doi = standardize_identifier("doi", doi)
        if work.doi is None:
            extra.setdefault("ris", {})["DO"] = [doi]
    work.url = first("UR", "L2")
    work.abstract = first("AB", "N2")
    work.keywords = values.pop("KW", [])
    work.language = first("LA")
    accession = first("AN")
    if accession:
        # AN is any accession number; PubMed's exports put the PMID there.
        pmid = standardize_identifier("pmid", accession.removeprefix("PMID:"))
        if pmid is not None:
            work.pmid = pmid
        else:
            extra.setdefault("ris", {})["AN"] = [accession]
    for value in values.pop("C2", []):
        pmcid = standardize_identifier("pmcid", value) if value[:3].upper() == "PMC" else None
        if pmcid is not None and work.pmcid is None:
            work.pmcid = pmcid
        else:
            extra.setdefault("ris", {}).setdefault("C2", []).append(value)
    notes = []
    for value in values.pop("N1", []):
        found = _ARXIV_NOTE.match(value)
        arxiv = standardize_identifier("arxiv", found.group(1)) if found else None
        if arxiv is not None and work.arxiv is None:
            work.arxiv = arxiv
        else:
            notes.append(value)
    if notes:
        values["N1"] = notes
    if values:
        ris = extra.setdefault("ris", {})
        for tag, tagged in values.items():
            ris.setdefault(tag, []).extend(tagged)
    work.extra = extra
    return work


def parse_ris(text: str, filename: str = "<string>") -> ReadResult:
    """Read RIS text into Works; each bad record becomes a Problem."""
    result = ReadResult()
    for item in iter_ris_records(text.splitlines(), filename):
        if isinstance(item, Problem):
            result.problems.append(item)
        else:
            result.works.append(item)
    return result


def iter_ris_records(lines: Iterable[str], filename: str) -> Iterator[Work | Problem]:
    """The Works and Problems of RIS lines in file order, a record at a time: a file of
    any size is read holding one record (and the keys met, see SeenKeys). Raises
    EntryTooLong for a record longer than MAX_ENTRY_CHARS."""
    seen = SeenKeys()
    try:
        for line, tags, closed in _records(lines):
            if not tags:
                yield Problem(filename, line, None, "ER with no record open")
                continue
            if tags[0][0] != "TY":
                message = f"{tags[0][0]} line outside a record (no TY before it); ignored"
                yield Problem(filename, line, None, message)
                continue
            work = record_to_work(tags)
            key = work.citekey
            if not closed:
                message = "record not closed by ER; read up to the next TY or the end"
                yield Problem(filename, line, key, message)
            if not work.title:
                yield Problem(filename, line, key, "no title; record skipped")
                continue
            if key is not None:
                first = seen.get(key)
                if first is not None:
                    message = f"duplicate ID (first at line {first}); record skipped"
                    yield Problem(filename, line, key, message)
                    continue
                seen.add(key, line)
            yield work
    except EntryTooLong as exc:
        raise EntryTooLong(filename, exc.line, exc.limit) from None
    finally:
        seen.close()


_RIS_DATE = re.compile(r"\d{4}(?:-\d{2}){0,2}")
_PAGE_RANGE = re.compile(r"([^\s-]+)-([^\s-]+)")
# A value ``' '.join(value.split())`` keeps as it is: words separated by single spaces.
_ONE_LINE = re.compile(r"(?:\S+(?: \S+)*)?").fullmatch


def _name(author: Author) -> str:
    return f"{author.family}, {author.given}" if author.given else author.family


def work_to_lines(work: Work, key: str) -> list[str]:
    """The tagged lines of one record, TY first and ER last."""
    extra = work.extra
    ris: dict[str, list[str]] = {t: list(v) for t, v in (extra.get("ris") or {}).items()}
    ris_type = extra.get("ris_type")
    if not (isinstance(ris_type, str) and RIS_TYPES.get(ris_type, "other") == work.type):
        ris_type = WORK_TO_RIS.get(work.type or "", "GEN")
    out: list[tuple[str, str]] = [("TY", ris_type), ("ID", key)]
    if work.title:
        out.append(("TI", work.title))
    out.extend(("AU", _name(a)) for a in work.authors)
    for editor in extra.get("editors") or []:
        out.append(("A2", _name(Author(editor.get("family", ""), editor.get("given", "")))))
    if work.journal:
        out.append(("T2", work.journal))
    if work.journal_abbrev:
        out.append(("J2", work.journal_abbrev))
    if "PY" in ris:
        out.append(("PY", ris.pop("PY")[0]))
    elif work.year is not None:
        out.append(("PY", str(work.year)))
    if "DA" in ris:
        out.append(("DA", ris.pop("DA")[0]))
    elif work.date and _RIS_DATE.fullmatch(work.date):
        out.append(("DA", work.date.replace("-", "/")))
    if work.volume:
        out.append(("VL", work.volume))
    if work.issue:
        out.append(("IS", work.issue))
    if work.pages:
        match = _PAGE_RANGE.fullmatch(work.pages)
        if match:
            out.extend((("SP", match.group(1)), ("EP", match.group(2))))
        else:
            out.append(("SP", work.pages))
    if work.publisher:
        out.append(("PB", work.publisher))
    out.extend(("SN", issn) for issn in work.issn)
    if work.isbn:
        out.append(("SN", work.isbn))
    if work.doi:
        out.append(("DO", work.doi))
    if work.pmid:
        out.append(("AN", work.pmid))
    if work.pmcid:
        out.append(("C2", work.pmcid))
    if work.url:
        out.append(("UR", work.url))
    out.extend(("KW", k) for k in work.keywords)
    if work.language:
        out.append(("LA", work.language))
    if work.abstract:
        out.append(("AB", work.abstract))
    # Fields kept from a BibTeX import that RIS has a tag for.
    for name, value in (extra.get("bibtex") or {}).items():
        tag = _BIBTEX_TO_RIS.get(name)
        if name == "note":
            ris.setdefault("N1", []).append(latex_to_unicode(value))
        elif tag and tag not in ris and all(t != tag for t, _ in out):
            ris[tag] = [latex_to_unicode(value)]
    if work.arxiv:
        ris.setdefault("N1", []).append(f"arXiv: {work.arxiv}")
    for tag, found in ris.items():
        out.extend((tag, v) for v in found)
    # Each value on one line, its runs of white space as one space (most values have
    # none to change: a scan says so).
    lines = [
        f"{tag}  - {value}"
        if type(value) is str and _ONE_LINE(value)
        else f"{tag}  - {' '.join(str(value).split())}"
        for tag, value in out
    ]
    lines.append("ER  - ")
    return lines


def write_ris(works: list[Work]) -> str:
    """RIS text for the works, one record each."""
    return "".join(iter_ris(works))


def iter_ris(works: Iterable[Work]) -> Iterator[str]:
    """The text of :func:`write_ris`, a record at a time."""
    first = True
    for work, key in iter_unique_citekeys(works):
        yield ("" if first else "\n\n") + "\n".join(work_to_lines(work, key))
        first = False
    if not first:
        yield "\n"
