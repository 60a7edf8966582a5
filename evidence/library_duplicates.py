"""The probable-duplicate search of the library: which saved studies a new work may
duplicate, found through the partial index of schema.EXPRESSION_INDEXES, then compared by
bib.matching.duplicates.probable_duplicate.

A study is a candidate when it has the work's first author and year (``dedup_key``), is
not flagged itself, gives the same first page, volume and issue where both give them,
and, for a work with a DOI, has none (two DOIs are two works; identifiers are stored in
their standard form, so one shared by both would have found the study itself). The
first page narrows exactly as probable_duplicate compares it (the stored ``first_page``
is the same reading of ``pages``, and a study without one stored is a candidate for
every page), so it changes what is read, never what is flagged. A work without pages is
still compared with every study of its author and year whose volume and issue agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from bib.text import family_key
from bib.work import Author, Work
from evidence.store import Store

# What probable_duplicate compares: identifiers, title, year and first author.
DUPLICATE_COLUMNS = (
    "id",
    "citekey",
    "doi",
    "pmid",
    "pmcid",
    "arxiv",
    "isbn",
    "title",
    "year",
    "volume",
    "issue",
    "pages",
)

Candidate = tuple[dict[str, Any], str | None]


def dedup_key(work: Work) -> str | None:
    if not work.authors or not work.year:
        return None
    return f"{family_key(work.authors[0].family)}|{work.year}"


def study_first_page(pages: str | None) -> str | None:
    """The first page stored beside ``pages`` (the studies' ``first_page`` column): the
    first page probable_duplicate compares, so the search can narrow by it."""
    if not pages:
        return None
    # Imported here: see find_probable_duplicate.
    from bib.matching.duplicates import first_page

    return first_page(pages)


def _terms(*, doi: bool, page: bool, volume: bool, issue: bool, s: str, q: str) -> list[str]:
    """The search's terms for a work that gives a DOI, first page, volume and issue or
    not: the study's columns named with the prefix ``s``, the work's values with ``q``
    (``:`` for parameters, a table's name and a dot for a table of works)."""
    terms = [f"{s}dedup_key = {q}key", f"{s}duplicate_of is null"]
    terms.append(f"({s}doi is null) = 1" if doi else f"({s}doi is null) in (0, 1)")
    if page:
        # A study whose first page is unknown (null) may still be this work.
        terms.append(f"ifnull({s}first_page, '') in ({q}page, '')")
    for column, given in (("volume", volume), ("issue", issue)):
        if given:
            if not page:
                # Read off the index's entries of the author and year, before any study
                # is: without a first page to seek, the range is all of them. (With one,
                # its range holds a few studies, fewer than the searches these terms
                # would add.)
                terms.append(f"ifnull(lower({s}{column}), '') in (lower({q}{column}), '')")
            # What decides (an empty volume is not a missing one).
            terms.append(f"({s}{column} is null or lower({s}{column}) = lower({q}{column}))")
    return terms


def _question(work: Work) -> tuple[tuple[bool, bool, bool, bool], list[Any]] | None:
    """The shape of a work's search (which terms it has) and its values (key, first
    page, volume, issue); None for a work the search does not compare."""
    key = dedup_key(work)
    if not key or not work.title:
        return None
    page = study_first_page(work.pages)
    shape = (bool(work.doi), page is not None, work.volume is not None, work.issue is not None)
    return shape, [key, page, work.volume, work.issue]


def duplicate_candidates(store: Store, work: Work) -> Iterator[Candidate]:
    """The studies ``work`` may probably duplicate (see the module), in id order, each
    with its first author's family name. One search of the probable-duplicate index,
    however many studies share the author and year."""
    question = _question(work)
    if question is None:
        return
    (doi, page, volume, issue), (key, first, vol, iss) = question
    terms = _terms(doi=doi, page=page, volume=volume, issue=issue, s="", q=":")
    cursor = store.execute(
        f"select {', '.join(DUPLICATE_COLUMNS)}, json_extract(authors, '$[0].family') "
        f"from studies where {' and '.join(terms)} order by id",
        {"key": key, "page": first, "volume": vol, "issue": iss},
    )
    for values in cursor.fetchall():
        yield dict(zip(DUPLICATE_COLUMNS, values[:-1], strict=True)), values[-1]


def duplicate_candidates_many(store: Store, works: Sequence[Work]) -> list[list[Candidate]]:
    """``duplicate_candidates`` of each work, the same studies in the same order, asked
    with one statement per shape of search (which of DOI, first page, volume and issue
    the works give) instead of one per work: the works' values go in as one JSON table,
    each of its rows one search of the index."""
    found: list[list[Candidate]] = [[] for _ in works]
    by_shape: dict[tuple[bool, bool, bool, bool], list[tuple[int, list[Any]]]] = {}
    for n, work in enumerate(works):
        question = _question(work)
        if question is not None:
            by_shape.setdefault(question[0], []).append((n, question[1]))
    columns = ", ".join(f"s.{c}" for c in DUPLICATE_COLUMNS)
    for (doi, page, volume, issue), asked in by_shape.items():
        terms = _terms(doi=doi, page=page, volume=volume, issue=issue, s="s.", q="q.")
        cursor = store.execute(
            "with q(n, key, page, volume, issue) as (select key, "
            "json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]') from json_each(?)) "
            f"select q.n, {columns}, json_extract(s.authors, '$[0].family') "
            f"from q join studies s on {' and '.join(terms)} order by q.n, s.id",
            [json.dumps([values for _, values in asked])],
        )
        for values in cursor.fetchall():
            row = dict(zip(DUPLICATE_COLUMNS, values[1:-1], strict=True))
            found[asked[values[0]][0]].append((row, values[-1]))
    return found


def find_probable_duplicate(store: Store, work: Work) -> dict[str, Any] | None:
    """The first study with the same first author and year that probably is this work
    (see duplicate_candidates)."""
    # Imported here: the matching rules (journals, venues) are only needed to save a
    # study, and commands that only read start without them.
    from bib.matching.duplicates import probable_duplicate

    for row, family in duplicate_candidates(store, work):
        candidate = Work(
            **{c: row[c] for c in DUPLICATE_COLUMNS[2:]},
            authors=[Author(family or "")] if family is not None else [],
        )
        if probable_duplicate(work, candidate):
            return row
    return None
