"""One BibTeX entry's fields to a Work, and a Work back to fields.

:mod:`bib.formats.bibtex` scans the file (macros, crossref) and writes the entries; this
module decides what each field means: LaTeX decoded to Unicode, names split, identifiers
read by :func:`bib.identifiers.standardize_identifier`, the entry type mapped to a Work
type; and, writing, which value to give back (the field as written when it still means
the Work's value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from functools import lru_cache
from typing import Any

from bib.formats.common import first_isbn, normalize_pages, parse_issns
from bib.formats.latex import latex_to_unicode, needs_escaping, unicode_to_latex
from bib.formats.names import format_names, parse_names
from bib.formats.types import ENTRY_TYPES, WORK_TYPES
from bib.identifiers import standardize_identifier
from bib.work import Author, Work

# Types whose container is a book: their container field is ``booktitle``.
BOOKTITLE_TYPES = frozenset(
    {"inproceedings", "conference", "incollection", "inbook", "bookinbook", "suppbook"}
)


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_ARXIV_IN_TEXT = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})")
_KEYWORD_SPLIT = re.compile(r"\s*[,;]\s*")


# Journals and publishers repeat across entries: each distinct value is decoded once.
_decode_cached = lru_cache(maxsize=50_000)(latex_to_unicode)


def derived_date(year: int | None, month: str | None, day: str | None) -> str | None:
    """The ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) that year/month/day give."""
    if year is None:
        return None
    if not month:
        return f"{year:04d}"
    m = month.strip().lower().rstrip(".")
    number = _MONTHS.get(m) or (int(m) if m.isdigit() and 1 <= int(m) <= 12 else None)
    if number is None:
        return f"{year:04d}"
    if day and day.strip().isdigit() and 1 <= int(day) <= 31:
        return f"{year:04d}-{number:02d}-{int(day):02d}"
    return f"{year:04d}-{number:02d}"


def _needs_raw(value: str, decoded: str) -> bool:
    """Whether export needs the field as written: escaping the decoded value would not
    give it back (braces, commands, or a bare special character such as ``%``)."""
    if decoded == value and not needs_escaping(value):
        return False
    return unicode_to_latex(decoded) != value


def fields_to_work(
    kind: str, key: str, fields: dict[str, str], report: Callable[[str], None]
) -> Work | None:
    """The Work one entry describes (``kind``: its lower-case type, ``fields``: lower-case
    names, crossref already resolved), or None when it has no title; ``report`` gets a
    message for each problem met."""
    rest = dict(fields)
    title_raw = rest.pop("title", None)
    if not title_raw:
        known = "" if kind in ENTRY_TYPES else f" (unknown entry type @{kind})"
        message = f"no title{known}; entry skipped"
        report(message)
        return None
    raw: dict[str, str] = {}
    extra: dict[str, Any] = {"bibtex_type": kind}
    work = Work(citekey=key, source="bibtex", type=ENTRY_TYPES.get(kind, "other"))
    title = latex_to_unicode(title_raw)
    if not title:
        report("empty title; entry skipped")
        return None
    work.title = title
    if _needs_raw(title_raw, title):
        raw["title"] = title_raw

    def take(name: str, decode: Any = latex_to_unicode) -> str | None:
        """Pop a field, decoded, keeping the value as written when it differs."""
        value = rest.pop(name, None)
        if value is None:
            return None
        decoded: str = decode(value)
        if _needs_raw(value, decoded):
            raw[name] = value
        return decoded or None

    container_field = "booktitle" if kind in BOOKTITLE_TYPES else "journal"
    for name in ("journal", "journaltitle", "booktitle"):
        if rest.get(name):
            work.journal = take(name, _decode_cached)
            if name != container_field:
                extra["bibtex_container"] = name
            break
    for name in ("shortjournal", "journalabbrev"):
        if rest.get(name):
            work.journal_abbrev = take(name, _decode_cached)
            if name != "shortjournal":
                extra["bibtex_abbrev_field"] = name
            break

    value = rest.pop("author", None)
    if value is not None:
        authors, truncated, messages = parse_names(value)
        work.authors = authors
        if truncated:
            extra["authors_incomplete"] = True
        for message in messages:
            report(message)
    value = rest.pop("editor", None)
    if value is not None:
        editors, truncated, messages = parse_names(value)
        extra["editors"] = [e.to_dict() for e in editors]
        if truncated:
            extra["editors_incomplete"] = True
        for message in messages:
            report(message)

    value = rest.pop("year", None)
    if value is not None:
        if value.isdigit() and len(value) == 4:
            work.year = int(value)
        else:
            found = _YEAR.search(value)
            if found:
                work.year = int(found.group(1))
            raw["year"] = value
    value = rest.pop("date", None)
    if value is not None:
        work.date = value
        match = _DATE.match(value)
        if match and work.year is None:
            work.year = int(match.group(1))
    else:
        work.date = derived_date(work.year, rest.get("month"), rest.get("day"))

    work.volume = take("volume")
    if "number" in rest:
        work.issue = take("number")
    elif "issue" in rest:
        work.issue = take("issue")
        extra["bibtex_issue_field"] = "issue"
    value = rest.pop("pages", None)
    if value is not None:
        decoded = latex_to_unicode(value) if "\\" in value or "{" in value else value
        work.pages = normalize_pages(decoded) or None
    work.publisher = take("publisher", _decode_cached)

    # An identifier its handler refuses stays a plain field (exported back as it came).
    value = rest.get("doi")
    if value is not None:
        doi = standardize_identifier("doi", value)
        if doi is not None:
            del rest["doi"]
            work.doi = doi
    value = rest.pop("url", None)
    if value is not None:
        work.url = value
        if work.doi is None and "doi.org/" in value:
            work.doi = standardize_identifier("doi", value)
            if work.doi is not None:
                extra["doi_from_url"] = True
    for name in ("pmid", "pmcid"):
        value = rest.get(name)
        standard = standardize_identifier(name, value) if value else None
        if standard is not None:
            del rest[name]
            setattr(work, name, standard)
    value = rest.get("eprint")
    if value is not None:
        archive = (rest.get("archiveprefix") or rest.get("eprinttype") or "").lower()
        arxiv = standardize_identifier("arxiv", value)
        if arxiv is not None and (archive == "arxiv" or value.lower().startswith("arxiv:")):
            del rest["eprint"]
            if value.lower().startswith("arxiv:"):
                raw["eprint"] = value
            work.arxiv = arxiv
    if work.arxiv is None and work.journal and "arXiv:" in work.journal:
        found = _ARXIV_IN_TEXT.search(work.journal)
        if found:
            work.arxiv = standardize_identifier("arxiv", found.group(1))
            if work.arxiv is not None:
                extra["arxiv_from_journal"] = True
    value = rest.pop("isbn", None)
    if value is not None:
        work.isbn = first_isbn(value)
        if work.isbn != value:
            raw["isbn"] = value
    value = rest.pop("issn", None)
    if value is not None:
        work.issn = parse_issns(value)
        if ", ".join(work.issn) != value:
            raw["issn"] = value
    work.abstract = take("abstract")
    value = take("keywords")
    if value is not None:
        work.keywords = [k for k in _KEYWORD_SPLIT.split(value) if k]
    work.language = take("language")

    if rest:
        extra["bibtex"] = rest
    if raw:
        extra["bibtex_raw"] = raw
    work.extra = extra
    return work


def _plain_or_raw(raw: dict[str, str], name: str, value: str) -> str:
    """The field as originally written when it still means ``value``, else ``value``
    escaped."""
    if raw:
        original = raw.get(name)
        if original is not None and latex_to_unicode(original) == value:
            return original
    return unicode_to_latex(value)


def entry_type_for(work: Work) -> str:
    """The BibTeX entry type to write for a work."""
    original = work.extra.get("bibtex_type")
    if isinstance(original, str) and ENTRY_TYPES.get(original, "other") == (work.type or "other"):
        return original
    return WORK_TYPES.get(work.type or "", "misc")


# A single hyphen between page numbers, written as BibTeX's en dash.
_PAGE_DASH = re.compile(r"(?<=[^-\s])-(?=[^-\s])")


def work_to_fields(
    work: Work, keys: Container[str] | None = None, kind: str | None = None
) -> list[tuple[str, str]]:
    """The (field, BibTeX value) pairs of one entry, in a stable order.

    ``keys`` (lower-case) are the citation keys written alongside: a crossref to an entry
    not among them is left out (its fields were inherited on import already). ``kind``:
    the entry type when the caller has it already (:func:`entry_type_for`)."""
    extra = work.extra
    raw: dict[str, str] = extra.get("bibtex_raw") or {}
    others: dict[str, str] = extra.get("bibtex") or {}
    if kind is None:
        kind = entry_type_for(work)
    out: list[tuple[str, str]] = []
    if work.authors or extra.get("authors_incomplete"):
        out.append(("author", format_names(work.authors, bool(extra.get("authors_incomplete")))))
    editors = extra.get("editors")
    if editors:
        people = [Author(family=e.get("family", ""), given=e.get("given", "")) for e in editors]
        out.append(("editor", format_names(people, bool(extra.get("editors_incomplete")))))
    if work.title is not None:
        out.append(("title", _plain_or_raw(raw, "title", work.title)))
    if work.journal:
        default = "booktitle" if kind in BOOKTITLE_TYPES else "journal"
        name = extra.get("bibtex_container") or default
        out.append((name, _plain_or_raw(raw, name, work.journal)))
    if work.journal_abbrev:
        name = extra.get("bibtex_abbrev_field") or "shortjournal"
        out.append((name, _plain_or_raw(raw, name, work.journal_abbrev)))
    original = raw.get("year")
    if work.year is not None:
        found = _YEAR.search(original) if original is not None else None
        same = found is not None and int(found.group(1)) == work.year
        out.append(("year", original if same and original is not None else str(work.year)))
    elif original is not None:
        out.append(("year", original))
    if work.date and work.date != derived_date(work.year, others.get("month"), others.get("day")):
        out.append(("date", unicode_to_latex(work.date)))
    if work.volume:
        out.append(("volume", _plain_or_raw(raw, "volume", work.volume)))
    if work.issue:
        name = extra.get("bibtex_issue_field") or "number"
        out.append((name, _plain_or_raw(raw, name, work.issue)))
    if work.pages:
        pages = unicode_to_latex(work.pages)
        if "-" in pages:
            pages = _PAGE_DASH.sub("--", pages.replace("-{}", "-"))
        out.append(("pages", pages))
    if work.publisher:
        out.append(("publisher", _plain_or_raw(raw, "publisher", work.publisher)))
    for name, value in others.items():
        if keys is not None and name in ("crossref", "xref") and value.lower() not in keys:
            continue
        out.append((name, value))
    if work.issn:
        joined = ", ".join(work.issn)
        original = raw.get("issn")
        out.append(
            ("issn", original if original and parse_issns(original) == work.issn else joined)
        )
    if work.isbn:
        original = raw.get("isbn")
        same = original is not None and first_isbn(original) == work.isbn
        out.append(("isbn", original if same and original is not None else work.isbn))
    elif "isbn" in raw:
        out.append(("isbn", raw["isbn"]))
    if work.doi and not extra.get("doi_from_url"):
        out.append(("doi", work.doi))
    if work.pmid:
        out.append(("pmid", work.pmid))
    if work.pmcid:
        out.append(("pmcid", work.pmcid))
    if work.arxiv and not extra.get("arxiv_from_journal"):
        original = raw.get("eprint")
        same = original is not None and original[6:].strip() == work.arxiv
        out.append(("eprint", original if same and original is not None else work.arxiv))
        if "archiveprefix" not in others and "eprinttype" not in others:
            out.append(("archiveprefix", "arXiv"))
    if work.url:
        out.append(("url", work.url))
    if work.keywords:
        out.append(("keywords", _plain_or_raw(raw, "keywords", ", ".join(work.keywords))))
    if work.language:
        out.append(("language", _plain_or_raw(raw, "language", work.language)))
    if work.abstract:
        out.append(("abstract", _plain_or_raw(raw, "abstract", work.abstract)))
    return out
