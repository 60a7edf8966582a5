"""Listing the library at any size: studies read from one cursor, turned into study
objects or works a chunk at a time, so that the memory a listing or an export holds does
not grow with the library. Callers read inside ``store.snapshot()`` so a listing is one
consistent view of the database, whatever other processes write meanwhile."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from bib.records import RECORD_FIELDS, Record
from bib.work import Author, Work
from evidence.library import study_objects
from evidence.listing_text import PERSON, PLAIN_AUTHORS, decoded
from evidence.store import Store

# Rows turned into objects per round of queries (their notices, checks, originals): enough
# to make the queries few, few enough that the memory held stays small.
CHUNK = 500

T = TypeVar("T")


def in_chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` as lists of ``size`` (the last one shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def count_studies(store: Store) -> int:
    return store.count("studies")


# The columns library.study_object reads: a listing decodes no other JSON column.
OBJECT_COLUMNS = (
    "id, citekey, doi, pmid, pmcid, arxiv, isbn, openalex, title, authors, journal, issn, "
    "year, volume, issue, pages, type, publication_types, evidence_level, retracted, "
    "duplicate_of, abstract, url, added_at"
)


def iter_study_rows(
    store: Store, *, offset: int = 0, limit: int | None = None, columns: str = "*"
) -> Iterator[dict[str, Any]]:
    """Study rows in citekey order (the order of every listing and export), read from one
    cursor; ``offset`` and ``limit`` pick a page of them, ``columns`` what each holds
    (``OBJECT_COLUMNS``: enough for study objects)."""
    return store.stream(
        f"select {columns} from studies order by citekey limit ? offset ?",
        [-1 if limit is None else limit, offset],
    )


def iter_study_objects(store: Store, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The study objects of ``rows``, CHUNK rows at a time."""
    for chunk in in_chunks(rows):
        yield from study_objects(store, chunk)


def _list(text: Any) -> list[Any]:
    if text is None or text == "[]":
        return []
    return list(decoded(text) or [])


def _dict(text: Any) -> dict[str, Any]:
    if text is None or text == "{}":
        return {}
    return dict(decoded(text) or {})


def _authors(text: Any) -> list[Author]:
    if text is None or text == "[]":
        return []
    if PLAIN_AUTHORS.fullmatch(text):
        return [Author(family, given) for family, given in PERSON.findall(text)]
    return [Author(a.get("family") or "", a.get("given") or "") for a in decoded(text) or []]


# What an export writes: the records of bib.records, in citekey order.
EXPORT_SQL = f"select {', '.join(RECORD_FIELDS)} from studies order by citekey"


def iter_export_records(store: Store) -> Iterator[Record]:
    """Every study as an export's record (bib.records), in citekey order, read from
    one cursor (call it inside ``store.snapshot()``)."""
    return iter(store.execute(EXPORT_SQL))


def record_work(record: Record) -> Work:
    """A record's Work, its values decoded as ``library.row_to_work`` decodes a study
    row's (with no notices, publication types or provenance: no writer reads those)."""
    citekey, doi, pmid, pmcid, arxiv, isbn, title, authors, journal, abbrev = record[:10]
    issn, publisher, year, date, volume, issue, pages, kind, abstract = record[10:19]
    url, language, keywords, extra = record[19:]
    return Work(
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        arxiv=arxiv,
        isbn=isbn,
        title=title,
        authors=_authors(authors),
        journal=journal,
        journal_abbrev=abbrev,
        issn=_list(issn),
        publisher=publisher,
        year=year,
        date=date,
        volume=volume,
        issue=issue,
        pages=pages,
        type=kind,
        abstract=abstract,
        url=url,
        language=language,
        keywords=_list(keywords),
        citekey=citekey,
        extra=_dict(extra),
    )
