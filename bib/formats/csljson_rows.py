"""CSL-JSON items written from records (:mod:`bib.records`): the text
:func:`bib.formats.csljson.iter_csl_json` writes for the same Works (each item as
:func:`bib.formats.csljson.work_to_item` gives it, laid out by :func:`bib.jsonlayout.layout`),
read from the record's values with no Work built. A record whose ``extra`` holds CSL
variables of its own (``extra["csl"]``) is written through its Work."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator

from bib.citekeys import OrderedKeys
from bib.formats.csljson import _BIBTEX_TO_CSL, _csl_names, work_to_item
from bib.formats.latex import latex_to_unicode
from bib.formats.types import CSL_TO_WORK, WORK_TO_CSL
from bib.jsonlayout import layout
from bib.records import (
    Odd,
    Record,
    keyed_batches,
    names,
    person,
    person_chunks,
    record_lists,
)
from bib.work import Author, Work

_encode = json.encoder.encode_basestring
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

# Top-level variables of an item start a line 4 deep (items are 2 deep in the array).
_NEXT = ',\n    "'
_PERSON_OPEN = '\n      {\n        "family": '
_PERSON_GIVEN = ',\n        "given": '
_PERSON_SUFFIX = ',\n        "suffix": '
_PERSON_CLOSE = "\n      }"

# People laid out so far, by their text in the authors column: an export meets the same
# people again and again. Emptied when full, so that it holds a bounded number whatever
# the export's size.
_LAID_OUT: dict[str, str] = {}
_LAID_OUT_MAX = 50_000


def _person(family: str, given: str) -> str:
    """The layout of one of _csl_names's people, in an item's author list."""
    given, _, suffix = given.partition(", ")
    text = _PERSON_OPEN + _encode(family)
    if given:
        text += _PERSON_GIVEN + _encode(given)
    if suffix:
        text += _PERSON_SUFFIX + _encode(suffix)
    return text + _PERSON_CLOSE


def _authors(authors: str | None) -> str | None:
    """The layout of an authors column's people as an item's variable, None when it
    names none; each person laid out once by the text the column gives it."""
    if authors is None or authors == "[]":
        return None
    cache = _LAID_OUT
    chunks = person_chunks(authors)
    if chunks is not None:
        out = []
        for chunk in chunks:
            text = cache.get(chunk)
            if text is None:
                pair = person(chunk)
                if pair is None:
                    break
                if len(cache) >= _LAID_OUT_MAX:
                    cache.clear()
                text = cache[chunk] = _person(*pair)
            out.append(text)
        else:
            return "[" + ",".join(out) + "\n    ]"
    people = names(authors)
    if not people:
        return None
    return "[" + ",".join([_person(*pair) for pair in people]) + "\n    ]"


def _date_parts(numbers: list[int]) -> str:
    inner = ",\n          ".join([int.__repr__(n) for n in numbers])
    return '{\n      "date-parts": [\n        [\n          ' + inner + "\n        ]\n      ]\n    }"


# The layout of a year alone, by year.
_YEARS: dict[int, str] = {}


def _issued(year: int | None, date: str | None) -> str | None:
    """The layout of csljson._issued for a Work with this year and date."""
    if not date and year is not None:
        text = _YEARS.get(year)
        if text is None:
            if len(_YEARS) >= 10_000:
                _YEARS.clear()
            text = _YEARS[year] = _date_parts([year])
        return text
    if date:
        match = _DATE.match(date)
        if match:
            return _date_parts([int(p) for p in match.groups() if p])
        if year is not None and str(year) not in date:
            return _date_parts([year])
        return '{\n      "raw": ' + _encode(date) + "\n    }"
    if year is not None:
        return _date_parts([year])
    return None


def record_item(record: Record, key: str) -> str:
    """The layout of one record's item under ``key``; raises Odd for a record to be
    written through its Work."""
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
    people = _authors(authors)
    editors = others = None
    csl_type = WORK_TO_CSL.get(kind or "", "document")
    if ext:
        if ext.get("csl"):
            raise Odd
        original = ext.get("csl_type")
        if isinstance(original, str) and CSL_TO_WORK.get(original, "other") == kind:
            csl_type = original
        editors = ext.get("editors")
        others = ext.get("bibtex")
    out = ['{\n    "id": ' + _encode(key) + ',\n    "type": ' + _encode(csl_type)]
    if title is not None:
        out.append(',\n    "title": ' + _encode(title))
    if people:
        out.append(',\n    "author": ' + people)
    if editors:
        named = _csl_names([Author(e.get("family", ""), e.get("given", "")) for e in editors])
        out.append(',\n    "editor": ' + layout(named, "    "))
    if journal:
        out.append(',\n    "container-title": ' + _encode(journal))
    if abbrev:
        out.append(',\n    "container-title-short": ' + _encode(abbrev))
    if publisher:
        out.append(',\n    "publisher": ' + _encode(publisher))
    issued = _issued(year, date)
    if issued:
        out.append(',\n    "issued": ' + issued)
    if volume:
        out.append(',\n    "volume": ' + _encode(volume))
    if issue:
        out.append(',\n    "issue": ' + _encode(issue))
    if pages:
        out.append(',\n    "page": ' + _encode(pages))
    if doi:
        out.append(',\n    "DOI": ' + _encode(doi))
    if pmid:
        out.append(',\n    "PMID": ' + _encode(pmid))
    if pmcid:
        out.append(',\n    "PMCID": ' + _encode(pmcid))
    if isbn:
        out.append(',\n    "ISBN": ' + _encode(isbn))
    if url:
        out.append(',\n    "URL": ' + _encode(url))
    if abstract:
        out.append(',\n    "abstract": ' + _encode(abstract))
    if language:
        out.append(',\n    "language": ' + _encode(language))
    if issns:
        out.append(',\n    "ISSN": ' + _encode(", ".join(issns)))
    if words:
        out.append(',\n    "keyword": ' + _encode(", ".join(words)))
    notes = []
    if others:
        # Fields kept from a BibTeX import that CSL has a variable for.
        present = {"publisher"} if publisher else set()
        for name, value in others.items():
            variable = _BIBTEX_TO_CSL.get(name)
            if variable == "note":
                notes.append(latex_to_unicode(value))
            elif variable and variable not in present:
                present.add(variable)
                out.append(f'{_NEXT}{variable}": {_encode(latex_to_unicode(value))}')
    if arxiv:
        notes.append(f"arXiv: {arxiv}")
    if notes:
        out.append(',\n    "note": ' + _encode("\n".join(notes)))
    out.append("\n  }")
    return "".join(out)


def _item_of_work(work: Work, key: str) -> str:
    return layout(work_to_item(work, key), "  ")


def iter_csl_json_records(
    records: Iterable[Record], keys: OrderedKeys, work_of: Callable[[Record], Work]
) -> Iterator[str]:
    """The text of :func:`bib.formats.csljson.iter_csl_json` for the records' Works,
    BATCH items a piece."""
    opening = "[\n  "
    for batch in keyed_batches(records, keys, work_of, record_item, _item_of_work):
        yield opening + ",\n  ".join(batch)
        opening = ",\n  "
    yield "[]\n" if opening == "[\n  " else "\n]\n"
