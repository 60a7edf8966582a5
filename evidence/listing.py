"""Listing the library at any size: studies read from one cursor, turned into study
objects or works a chunk at a time, so that the memory a listing or an export holds does
not grow with the library. Callers read inside ``store.snapshot()`` so a listing is one
consistent view of the database, whatever other processes write meanwhile."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from bib.work import Work
from evidence.library import notices_by_study, row_to_work, study_objects
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


def iter_library_works(store: Store) -> Iterator[Work]:
    """Every study as a Work with its notices (what an export writes), in citekey order."""
    for chunk in in_chunks(iter_study_rows(store)):
        notices = notices_by_study(store, [r["id"] for r in chunk])
        for row in chunk:
            yield row_to_work(row, notices.get(row["id"], []))
