"""RIS records written from records (:mod:`bib.records`): the text
:func:`bib.formats.ris.iter_ris` writes for the same Works (each record as
:func:`bib.formats.ris.work_to_lines` gives it), read from the record's values with no
Work built."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from bib.citekeys import OrderedKeys
from bib.formats.latex import latex_to_unicode
from bib.formats.ris import _BIBTEX_TO_RIS, _ONE_LINE, _PAGE_RANGE, _RIS_DATE, work_to_lines
from bib.formats.types import RIS_TYPES, WORK_TO_RIS
from bib.records import (
    Odd,
    Record,
    keyed_batches,
    names,
    person,
    person_chunks,
    record_lists,
)
from bib.work import Work

# Names as written (``family, given``), by their text in the authors column: an export
# meets the same people again and again. Emptied when full, so that it holds a bounded
# number whatever the export's size.
_NAMED: dict[str, str] = {}
_NAMED_MAX = 50_000


def _names(authors: str) -> list[str]:
    """The AU values of an authors column."""
    chunks = person_chunks(authors)
    if chunks is not None:
        cache = _NAMED
        out = []
        for chunk in chunks:
            name = cache.get(chunk)
            if name is None:
                pair = person(chunk)
                if pair is None:
                    break
                family, given = pair
                if len(cache) >= _NAMED_MAX:
                    cache.clear()
                name = cache[chunk] = f"{family}, {given}" if given else family
            out.append(name)
        else:
            return out
    return [f"{family}, {given}" if given else family for family, given in names(authors)]


def _spaced(text: str) -> bool:
    """Whether the only white space in ``text`` is the space: in ASCII, none of the
    other white space characters is there; beyond it, every character is printable."""
    if text.isascii():
        return not (
            "\t" in text
            or "\n" in text
            or "\r" in text
            or "\x0b" in text
            or "\x0c" in text
            or "\x1c" in text
            or "\x1d" in text
            or "\x1e" in text
            or "\x1f" in text
        )
    return text.isprintable()


def record_lines(record: Record, key: str) -> str:
    """The lines of one record under ``key``, TY first and ER last, joined; raises Odd
    for a record to be written through its Work."""
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
    ris_type = WORK_TO_RIS.get(kind or "", "GEN")
    ris: dict[str, list[str]] = {}
    editors = others = None
    if ext:
        ris = {t: list(v) for t, v in (ext.get("ris") or {}).items()}
        for tag, found in ris.items():
            # (each line's value starts after its two-letter tag and "  - ")
            if len(tag) != 2 or not all(type(value) is str for value in found):
                raise Odd
        original = ext.get("ris_type")
        if isinstance(original, str) and RIS_TYPES.get(original, "other") == kind:
            ris_type = original
        editors = ext.get("editors")
        others = ext.get("bibtex")
    # The lines, and the values they hold (every line is a tag, "  - " and its value).
    lines = [f"TY  - {ris_type}", f"ID  - {key}"]
    values = [ris_type, key]
    if title:
        lines.append(f"TI  - {title}")
        values.append(title)
    if authors is not None and authors != "[]":
        for name in _names(authors):
            lines.append(f"AU  - {name}")
            values.append(name)
    for editor in editors or ():
        if type(editor) is not dict:
            raise Odd
        family, given = editor.get("family", ""), editor.get("given", "")
        if type(family) is not str or type(given) is not str:
            raise Odd
        name = f"{family}, {given}" if given else family
        lines.append(f"A2  - {name}")
        values.append(name)
    if journal:
        lines.append(f"T2  - {journal}")
        values.append(journal)
    if abbrev:
        lines.append(f"J2  - {abbrev}")
        values.append(abbrev)
    if ris:
        if "PY" in ris:
            value = ris.pop("PY")[0]
            lines.append(f"PY  - {value}")
            values.append(value)
        elif year is not None:
            lines.append(f"PY  - {year}")
        if "DA" in ris:
            value = ris.pop("DA")[0]
            lines.append(f"DA  - {value}")
            values.append(value)
        elif date and _RIS_DATE.fullmatch(date):
            lines.append(f"DA  - {date.replace('-', '/')}")
    else:
        if year is not None:
            lines.append(f"PY  - {year}")
        if date and _RIS_DATE.fullmatch(date):
            lines.append(f"DA  - {date.replace('-', '/')}")
    if volume:
        lines.append(f"VL  - {volume}")
        values.append(volume)
    if issue:
        lines.append(f"IS  - {issue}")
        values.append(issue)
    if pages:
        # _PAGE_RANGE's range: two runs of digits (no space nor hyphen) need no pattern.
        start, _, end = pages.partition("-")
        if not (start.isdigit() and end.isdigit()):
            match = _PAGE_RANGE.fullmatch(pages)
            start, end = match.groups() if match else ("", "")
        if end:
            lines += (f"SP  - {start}", f"EP  - {end}")
        else:
            lines.append(f"SP  - {pages}")
            values.append(pages)
    if publisher:
        lines.append(f"PB  - {publisher}")
        values.append(publisher)
    for number in issns:
        lines.append(f"SN  - {number}")
        values.append(number)
    if isbn:
        lines.append(f"SN  - {isbn}")
        values.append(isbn)
    if doi:
        lines.append(f"DO  - {doi}")
        values.append(doi)
    if pmid:
        lines.append(f"AN  - {pmid}")
        values.append(pmid)
    if pmcid:
        lines.append(f"C2  - {pmcid}")
        values.append(pmcid)
    if url:
        lines.append(f"UR  - {url}")
        values.append(url)
    for word in words:
        lines.append(f"KW  - {word}")
        values.append(word)
    if language:
        lines.append(f"LA  - {language}")
        values.append(language)
    if abstract:
        lines.append(f"AB  - {abstract}")
        values.append(abstract)
    if others:
        # Fields kept from a BibTeX import that RIS has a tag for.
        for name, value in others.items():
            mapped = _BIBTEX_TO_RIS.get(name)
            if name == "note":
                ris.setdefault("N1", []).append(latex_to_unicode(value))
            elif mapped and mapped not in ris and not (mapped == "PB" and publisher):
                ris[mapped] = [latex_to_unicode(value)]
    if arxiv:
        ris.setdefault("N1", []).append(f"arXiv: {arxiv}")
    for tag, found in ris.items():
        for value in found:
            lines.append(f"{tag}  - {value}")
            values.append(value)
    # Each value on one line, its runs of white space as one space. Most records have
    # none to change: their values joined by single spaces hold no other white space
    # (_spaced), no doubled space and none at either end.
    joined = " ".join(values)
    if not (_spaced(joined) and "  " not in joined and joined[:1] != " " != joined[-1:]):
        lines = [
            line if _ONE_LINE(line[6:]) else f"{line[:6]}{' '.join(line[6:].split())}"
            for line in lines
        ]
    lines.append("ER  - ")
    return "\n".join(lines)


def _lines_of_work(work: Work, key: str) -> str:
    return "\n".join(work_to_lines(work, key))


def iter_ris_records(
    records: Iterable[Record], keys: OrderedKeys, work_of: Callable[[Record], Work]
) -> Iterator[str]:
    """The text of :func:`bib.formats.ris.iter_ris` for the records' Works, BATCH
    records a piece."""
    separator = ""
    for batch in keyed_batches(records, keys, work_of, record_lines, _lines_of_work):
        yield separator + "\n\n".join(batch)
        separator = "\n\n"
    if separator:
        yield "\n"
