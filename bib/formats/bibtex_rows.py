"""BibTeX entries written from records (:mod:`bib.records`): the text
:func:`bib.formats.bibtex.iter_bibtex` writes for the same Works, field by field as
:func:`bib.formats.bibtex_fields.work_to_fields` gives them, read from the record's
values with no Work built."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from typing import Any

from bib.citekeys import OrderedKeys, key_breakers
from bib.formats.bibtex import _MONTH_MACROS, entry_text
from bib.formats.bibtex_fields import (
    _PAGE_DASH,
    _YEAR,
    BOOKTITLE_TYPES,
    _plain_or_raw,
    derived_date,
)
from bib.formats.common import first_isbn, parse_issns
from bib.formats.latex import unicode_to_latex
from bib.formats.names import format_name, format_names
from bib.formats.types import ENTRY_TYPES, WORK_TYPES
from bib.records import BATCH, Odd, Record, extra_of, names, strings
from bib.work import Author, Work

# Names formatted so far, by (family, given): an export meets the same people again and
# again. Emptied when full, so that it holds a bounded number whatever the export's size.
_FORMATTED: dict[tuple[str, str], str] = {}
_FORMATTED_MAX = 50_000


def _people(pairs: list[tuple[str, str]], truncated: bool) -> str:
    """format_names of the Authors ``pairs`` name."""
    cache = _FORMATTED
    out = []
    for pair in pairs:
        name = cache.get(pair)
        if name is None:
            if len(cache) >= _FORMATTED_MAX:
                cache.clear()
            name = cache[pair] = format_name(Author(*pair))
        out.append(name)
    if truncated:
        out.append("others")
    return " and ".join(out)


def _type(extra: dict[str, Any], kind: str | None) -> str:
    """entry_type_for: the entry type read, when it still means the Work's type."""
    original = extra.get("bibtex_type")
    if isinstance(original, str) and ENTRY_TYPES.get(original, "other") == (kind or "other"):
        return original
    return WORK_TYPES.get(kind or "", "misc")


def record_entry(record: Record, key: str, crossrefs: Container[str] | None) -> str:
    """The entry of one record under ``key`` (without the blank line before it); raises
    Odd for a record to be written through its Work."""
    (
        _,
        doi,
        pmid,
        pmcid,
        arxiv,
        isbn,
        title,
        authors,
        journal,
        abbrev,
        issn,
        publisher,
        year,
        date,
        volume,
        issue,
        pages,
        kind,
        abstract,
        url,
        language,
        keywords,
        extra,
    ) = record
    if year is not None and type(year) is not int:
        raise Odd
    people = names(authors)
    issns = strings(issn)
    words = strings(keywords)
    ext = extra_of(extra)
    if ext:
        return _full_entry(record, key, crossrefs, people, issns, words, ext)
    # No extra, and (the common case) no value that escaping would change: the fields
    # as they are. Otherwise, work_to_fields step by step.
    joined = "\n".join(
        (
            title or "",
            journal or "",
            abbrev or "",
            date or "",
            volume or "",
            issue or "",
            publisher or "",
            language or "",
            abstract or "",
            pages or "",
            *words,
        )
    )
    if (
        "\\" in joined
        or "{" in joined
        or "}" in joined
        or "&" in joined
        or "%" in joined
        or "$" in joined
        or "#" in joined
        or "_" in joined
        or "~" in joined
        or "^" in joined
        or "--" in joined
        or "``" in joined
        or "''" in joined
    ):
        return _full_entry(record, key, crossrefs, people, issns, words, ext)
    etype = WORK_TYPES.get(kind or "", "misc")
    out = [f"@{etype}{{{key},"]
    if people:
        out.append(f"\n  author = {{{_people(people, False)}}},")
    if title is not None:
        out.append(f"\n  title = {{{title}}},")
    if journal:
        name = "booktitle" if etype in BOOKTITLE_TYPES else "journal"
        out.append(f"\n  {name} = {{{journal}}},")
    if abbrev:
        out.append(f"\n  shortjournal = {{{abbrev}}},")
    if year is not None:
        out.append(f"\n  year = {{{year}}},")
        if date and date != f"{year:04d}":
            out.append(f"\n  date = {{{date}}},")
    elif date:
        out.append(f"\n  date = {{{date}}},")
    if volume:
        out.append(f"\n  volume = {{{volume}}},")
    if issue:
        out.append(f"\n  number = {{{issue}}},")
    if pages:
        if "-" in pages:
            # One hyphen between two characters that are not spaces: _PAGE_DASH's case.
            start, _, end = pages.partition("-")
            if start and end and "-" not in end:
                if not start[-1].isspace() and not end[0].isspace():
                    pages = f"{start}--{end}"
            else:
                pages = _PAGE_DASH.sub("--", pages)
        out.append(f"\n  pages = {{{pages}}},")
    if publisher:
        out.append(f"\n  publisher = {{{publisher}}},")
    if issns:
        out.append(f"\n  issn = {{{', '.join(issns)}}},")
    if isbn:
        out.append(f"\n  isbn = {{{isbn}}},")
    if doi:
        out.append(f"\n  doi = {{{doi}}},")
    if pmid:
        out.append(f"\n  pmid = {{{pmid}}},")
    if pmcid:
        out.append(f"\n  pmcid = {{{pmcid}}},")
    if arxiv:
        out.append(f"\n  eprint = {{{arxiv}}},\n  archiveprefix = {{arXiv}},")
    if url:
        out.append(f"\n  url = {{{url}}},")
    if words:
        out.append(f"\n  keywords = {{{', '.join(words)}}},")
    if language:
        out.append(f"\n  language = {{{language}}},")
    if abstract:
        out.append(f"\n  abstract = {{{abstract}}},")
    out.append("\n}")
    return "".join(out)


def _pages(pages: str) -> str:
    pages = unicode_to_latex(pages)
    if "-" in pages:
        pages = _PAGE_DASH.sub("--", pages.replace("-{}", "-"))
    return pages


def _full_entry(
    record: Record,
    key: str,
    crossrefs: Container[str] | None,
    people: list[tuple[str, str]],
    issns: list[str],
    words: list[str],
    extra: dict[str, Any],
) -> str:
    """An entry whose ``extra`` holds something: work_to_fields step by step."""
    (
        _,
        doi,
        pmid,
        pmcid,
        arxiv,
        isbn,
        title,
        _,
        journal,
        abbrev,
        _,
        publisher,
        year,
        date,
        volume,
        issue,
        pages,
        kind,
        abstract,
        url,
        language,
        _,
        _,
    ) = record
    raw: dict[str, str] = extra.get("bibtex_raw") or {}
    others: dict[str, str] = extra.get("bibtex") or {}
    etype = _type(extra, kind)
    out: list[tuple[str, str]] = []
    incomplete = extra.get("authors_incomplete")
    if people or incomplete:
        out.append(("author", _people(people, bool(incomplete))))
    editors = extra.get("editors")
    if editors:
        named = [Author(family=e.get("family", ""), given=e.get("given", "")) for e in editors]
        out.append(("editor", format_names(named, bool(extra.get("editors_incomplete")))))
    if title is not None:
        out.append(("title", _plain_or_raw(raw, "title", title)))
    if journal:
        default = "booktitle" if etype in BOOKTITLE_TYPES else "journal"
        name = extra.get("bibtex_container") or default
        out.append((name, _plain_or_raw(raw, name, journal)))
    if abbrev:
        name = extra.get("bibtex_abbrev_field") or "shortjournal"
        out.append((name, _plain_or_raw(raw, name, abbrev)))
    original = raw.get("year")
    if year is not None:
        found = _YEAR.search(original) if original is not None else None
        same = found is not None and int(found.group(1)) == year
        out.append(("year", original if same and original is not None else str(year)))
    elif original is not None:
        out.append(("year", original))
    if date and date != derived_date(year, others.get("month"), others.get("day")):
        out.append(("date", unicode_to_latex(date)))
    if volume:
        out.append(("volume", _plain_or_raw(raw, "volume", volume)))
    if issue:
        name = extra.get("bibtex_issue_field") or "number"
        out.append((name, _plain_or_raw(raw, name, issue)))
    if pages:
        out.append(("pages", _pages(pages)))
    if publisher:
        out.append(("publisher", _plain_or_raw(raw, "publisher", publisher)))
    for name, value in others.items():
        if (
            crossrefs is not None
            and name in ("crossref", "xref")
            and value.lower() not in crossrefs
        ):
            continue
        out.append((name, value))
    if issns:
        joined = ", ".join(issns)
        original = raw.get("issn")
        out.append(("issn", original if original and parse_issns(original) == issns else joined))
    if isbn:
        original = raw.get("isbn")
        same = original is not None and first_isbn(original) == isbn
        out.append(("isbn", original if same and original is not None else isbn))
    elif "isbn" in raw:
        out.append(("isbn", raw["isbn"]))
    if doi and not extra.get("doi_from_url"):
        out.append(("doi", doi))
    if pmid:
        out.append(("pmid", pmid))
    if pmcid:
        out.append(("pmcid", pmcid))
    if arxiv and not extra.get("arxiv_from_journal"):
        original = raw.get("eprint")
        same = original is not None and original[6:].strip() == arxiv
        out.append(("eprint", original if same and original is not None else arxiv))
        if "archiveprefix" not in others and "eprinttype" not in others:
            out.append(("archiveprefix", "arXiv"))
    if url:
        out.append(("url", url))
    if words:
        out.append(("keywords", _plain_or_raw(raw, "keywords", ", ".join(words))))
    if language:
        out.append(("language", _plain_or_raw(raw, "language", language)))
    if abstract:
        out.append(("abstract", _plain_or_raw(raw, "abstract", abstract)))
    months = _MONTH_MACROS
    body = "".join(
        [
            f"\n  {name} = {months[value]},"
            if name == "month" and value in months
            else f"\n  {name} = {{{value}}},"
            for name, value in out
        ]
    )
    return f"@{etype}{{{key},{body}\n}}"


def iter_bibtex_records(
    records: Iterable[Record],
    keys: OrderedKeys,
    work_of: Callable[[Record], Work],
    crossrefs: Container[str] | None,
) -> Iterator[str]:
    """The text of :func:`bib.formats.bibtex.iter_bibtex` for the records' Works, BATCH
    entries a piece."""
    twins, held = keys.twins, keys.held
    batch: list[str] = []
    separator = ""
    for record in records:
        citekey = record[0]
        if (
            citekey
            and citekey.isascii()
            and not key_breakers(citekey)
            and citekey not in twins
            and citekey.lower() not in held
        ):
            key = citekey
        else:
            key = keys.key(citekey, lambda: work_of(record))  # noqa: B023 (called at once)
        try:
            text = record_entry(record, key, crossrefs)
        except Odd:
            text = entry_text(work_of(record), key, crossrefs)
        batch.append(separator + text)
        separator = "\n\n"
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch.clear()
    if separator:
        batch.append("\n")
    if batch:
        yield "".join(batch)
