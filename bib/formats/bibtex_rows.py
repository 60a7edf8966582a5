"""BibTeX entries written from records (:mod:`bib.records`): the text
:func:`bib.formats.bibtex.iter_bibtex` writes for the same Works, field by field as
:func:`bib.formats.bibtex_fields.work_to_fields` gives them, read from the record's
values with no Work built."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator
from typing import Any

from bib.citekeys import OrderedKeys
from bib.formats.bibtex import _MONTH_MACROS, entry_text
from bib.formats.bibtex_fields import (
    _PAGE_DASH,
    _YEAR,
    BOOKTITLE_TYPES,
    derived_date,
)
from bib.formats.common import first_isbn, parse_issns
from bib.formats.latex import latex_to_unicode, unicode_to_latex
from bib.formats.names import format_name, format_names
from bib.formats.types import ENTRY_TYPES, WORK_TYPES
from bib.records import (
    Record,
    keyed_batches,
    names,
    person,
    person_chunks,
    record_lists,
)
from bib.work import Author, Work

# Names formatted so far, by (family, given): an export meets the same people again and
# again. Emptied when full, so that it holds a bounded number whatever the export's size.
_FORMATTED: dict[tuple[str, str], str] = {}
_FORMATTED_MAX = 50_000


# The same, by the text of each person in the authors column (bib.records.person_chunks).
_BY_TEXT: dict[str, str] = {}


def _author_field(authors: str | None, truncated: bool) -> str | None:
    """The author field of an authors column (format_names of its Authors), None when
    there is none to write."""
    if authors is None or authors == "[]":
        return "others" if truncated else None
    chunks = person_chunks(authors)
    if chunks is not None:
        cache = _BY_TEXT
        out = []
        for chunk in chunks:
            name = cache.get(chunk)
            if name is None:
                pair = person(chunk)
                if pair is None:
                    break
                if len(cache) >= _FORMATTED_MAX:
                    cache.clear()
                name = cache[chunk] = format_name(Author(*pair))
            out.append(name)
        else:
            if truncated:
                out.append("others")
            return " and ".join(out)
    people = names(authors)
    return _people(people, truncated) if people or truncated else None


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


def _no_specials(text: str) -> bool:
    """Whether unicode_to_latex gives ``text`` back as it is: none of TeX's special
    characters, and no doubled dash or quote."""
    return not (
        "\\" in text
        or "{" in text
        or "}" in text
        or "&" in text
        or "%" in text
        or "$" in text
        or "#" in text
        or "_" in text
        or "~" in text
        or "^" in text
        or "--" in text
        or "``" in text
        or "''" in text
    )


def decodes_to(original: str, value: str) -> bool:
    """``latex_to_unicode(original) == value``, without decoding the common case: a
    value in case-protecting braces and nothing else LaTeX would change."""
    if "{" in original and not (
        "\\" in original
        or "~" in original
        or "$" in original
        or "--" in original
        or "``" in original
        or "''" in original
    ):
        # latex_to_unicode drops the braces, then makes each run of spaces, tabs and
        # line ends one space and strips spaces at either end.
        plain = original.replace("{", "").replace("}", "")
        if not ("\t" in plain or "\r" in plain or "\n" in plain or "  " in plain):
            return plain.strip(" ") == value
    return latex_to_unicode(original) == value


def record_entry(record: Record, key: str, crossrefs: Container[str] | None) -> str:
    """The entry of one record under ``key`` (without the blank line before it), as
    work_to_fields gives its fields; raises Odd for a record to be written through its
    Work."""
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
    issns, words, ext = record_lists(year, issn, keywords, extra)
    keyword = ", ".join(words) if words else ""
    # Escaping changes none of the values in most entries: one test over them all.
    same = _no_specials(
        "\n".join(
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
                keyword,
            )
        )
    )
    if ext:
        raw: dict[str, str] = ext.get("bibtex_raw") or {}
        others: dict[str, str] = ext.get("bibtex") or {}
        etype = _type(ext, kind)
        container = ext.get("bibtex_container")
        abbrev_field = ext.get("bibtex_abbrev_field")
        issue_field = ext.get("bibtex_issue_field")
    else:
        raw = others = ext
        etype = WORK_TYPES.get(kind or "", "misc")
        container = abbrev_field = issue_field = None

    plain = same and not raw  # every value written as it is

    out = [f"@{etype}{{{key},"]
    author = _author_field(authors, bool(ext.get("authors_incomplete")) if ext else False)
    if author is not None:
        out.append(f"\n  author = {{{author}}},")
    if ext:
        editors = ext.get("editors")
        if editors:
            named = [Author(family=e.get("family", ""), given=e.get("given", "")) for e in editors]
            editor = format_names(named, bool(ext.get("editors_incomplete")))
            out.append(f"\n  editor = {{{editor}}},")
    if title is not None:
        out.append(f"\n  title = {{{title if plain else _field(raw, same, 'title', title)}}},")
    if journal:
        if container:
            out.append(_line(container, _field(raw, same, container, journal)))
        else:
            name = "booktitle" if etype in BOOKTITLE_TYPES else "journal"
            out.append(
                f"\n  {name} = {{{journal if plain else _field(raw, same, name, journal)}}},"
            )
    if abbrev:
        name = abbrev_field or "shortjournal"
        out.append(_line(name, _field(raw, same, name, abbrev)))
    original = raw.get("year") if raw else None
    if year is not None:
        if original is not None:
            found = _YEAR.search(original)
            if found is None or int(found.group(1)) != year:
                original = None
        out.append(f"\n  year = {{{year if original is None else original}}},")
    elif original is not None:
        out.append(f"\n  year = {{{original}}},")
    if date:
        if others:
            derived = derived_date(year, others.get("month"), others.get("day"))
        else:
            derived = None if year is None else f"{year:04d}"
        if date != derived:
            out.append(f"\n  date = {{{date if same else unicode_to_latex(date)}}},")
    if volume:
        out.append(f"\n  volume = {{{volume if plain else _field(raw, same, 'volume', volume)}}},")
    if issue:
        name = issue_field or "number"
        out.append(_line(name, _field(raw, same, name, issue)))
    if pages:
        out.append(f"\n  pages = {{{_pages(pages) if not same else _dashes(pages)}}},")
    if publisher:
        out.append(f"\n  publisher = {{{_field(raw, same, 'publisher', publisher)}}},")
    if others:
        months = _MONTH_MACROS
        for name, value in others.items():
            if name == "month" and value in months:
                out.append(f"\n  month = {months[value]},")
            elif (
                crossrefs is None or name not in ("crossref", "xref") or value.lower() in crossrefs
            ):
                out.append(f"\n  {name} = {{{value}}},")
    if issns:
        original = raw.get("issn") if raw else None
        joined = original if original and parse_issns(original) == issns else ", ".join(issns)
        out.append(f"\n  issn = {{{joined}}},")
    if raw and "isbn" in raw:
        original = raw["isbn"]
        if isbn:
            same_isbn = original is not None and first_isbn(original) == isbn
            out.append(f"\n  isbn = {{{original if same_isbn else isbn}}},")
        else:
            out.append(f"\n  isbn = {{{original}}},")
    elif isbn:
        out.append(f"\n  isbn = {{{isbn}}},")
    if doi and not (ext and ext.get("doi_from_url")):
        out.append(f"\n  doi = {{{doi}}},")
    if pmid:
        out.append(f"\n  pmid = {{{pmid}}},")
    if pmcid:
        out.append(f"\n  pmcid = {{{pmcid}}},")
    if arxiv and not (ext and ext.get("arxiv_from_journal")):
        original = raw.get("eprint") if raw else None
        same_id = original is not None and original[6:].strip() == arxiv
        out.append(f"\n  eprint = {{{original if same_id else arxiv}}},")
        if "archiveprefix" not in others and "eprinttype" not in others:
            out.append("\n  archiveprefix = {arXiv},")
    if url:
        out.append(f"\n  url = {{{url}}},")
    if words:
        out.append(f"\n  keywords = {{{_field(raw, same, 'keywords', keyword)}}},")
    if language:
        out.append(f"\n  language = {{{_field(raw, same, 'language', language)}}},")
    if abstract:
        out.append(f"\n  abstract = {{{_field(raw, same, 'abstract', abstract)}}},")
    out.append("\n}")
    return "".join(out)


def _field(raw: dict[str, str], same: bool, name: str, value: str) -> str:
    """_plain_or_raw: the field as written when it still means ``value``, else ``value``
    escaped (``same``: escaping leaves it as it is)."""
    if raw:
        original = raw.get(name)
        if original is not None and decodes_to(original, value):
            return original
    return value if same else unicode_to_latex(value)


def _line(name: str, value: str) -> str:
    """One field whose name the record gives (a month is written as its macro)."""
    if name == "month" and value in _MONTH_MACROS:
        return f"\n  month = {_MONTH_MACROS[value]},"
    return f"\n  {name} = {{{value}}},"


def _pages(pages: str) -> str:
    pages = unicode_to_latex(pages)
    if "-" in pages:
        pages = _PAGE_DASH.sub("--", pages.replace("-{}", "-"))
    return pages


def _dashes(pages: str) -> str:
    """_pages of pages that escaping leaves as they are."""
    if "-" not in pages:
        return pages
    start, _, end = pages.partition("-")
    if start and end and "-" not in end:
        # One hyphen between two characters that are not spaces: _PAGE_DASH's case.
        if not start[-1].isspace() and not end[0].isspace():
            return f"{start}--{end}"
        return pages
    return _PAGE_DASH.sub("--", pages)


def iter_bibtex_records(
    records: Iterable[Record],
    keys: OrderedKeys,
    work_of: Callable[[Record], Work],
    crossrefs: Container[str] | None,
) -> Iterator[str]:
    """The text of :func:`bib.formats.bibtex.iter_bibtex` for the records' Works, BATCH
    entries a piece."""

    def through_work(work: Work, key: str) -> str:
        return entry_text(work, key, crossrefs)

    def write(record: Record, key: str) -> str:
        return record_entry(record, key, crossrefs)

    separator = ""
    for batch in keyed_batches(records, keys, work_of, write, through_work):
        yield separator + "\n\n".join(batch)
        separator = "\n\n"
    if separator:
        yield "\n"
