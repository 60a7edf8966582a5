"""Commands about one item read one item: every query the hot paths make (showing a
study, adding one, a document's report, claims and check of one document) is run
through SQLite's EXPLAIN QUERY PLAN, and none may scan a table that grows with the
library; an indexed search is what keeps each the same at a thousand and a million
studies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bib.work import Author, Notice, Work
from evidence.claims import check_claims, claim_objects, document_id
from evidence.ingest import Citekeys, ingest_document
from evidence.library import (
    CitekeyRegistry,
    find_study_row,
    get_study,
    latest_checks,
    notices_by_study,
    save_work,
    study_objects,
)
from evidence.reportmodel import build_report_model
from evidence.resolve import journal_studies
from evidence.store import Store, now
from evidence.verify import Citation, Selection, select, stored_citations

# Tables whose size is the library's (or all documents'): reading one of them whole for
# one item is the cost the issue is about.
BIG_TABLES = ("studies", "checks", "notices", "claims", "mentions", "candidates", "evidence")


def _work(i: int, **extra: Any) -> Work:
    return Work(
        doi=f"10.1000/scale.{i}",
        title=f"Massage and anxiety in adults, part {i}",
        authors=[Author("Field", "T"), Author("Diego", "M")],
        journal="International Journal of Neuroscience",
        year=1990 + i,
        source="crossref",
        **extra,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "e.db")
    keys = []
    for i in range(30):
        notices = [Notice("retraction", "crossref", "2020-01-01")] if i == 3 else []
        keys.append(save_work(store, _work(i, notices=notices)).citekey)
    # A probable duplicate of study 0 (same title, year and first author; no DOI).
    save_work(store, Work(title=_work(0).title, authors=_work(0).authors, year=1990))
    with store.transaction():
        for study_id in range(1, 31):
            store.insert(
                "checks",
                {"study_id": study_id, "status": "verified", "checked_at": "2026-01-01"},
            )
    text = "\n\n".join(
        f"Massage lowered anxiety by {n} points in adults [@{key}]."
        for n, key in enumerate(keys[:10])
    )
    ingest_document(store, None, citekeys=Citekeys.of_library(store), text=text, name="doc")
    yield store
    store.close()


@contextmanager
def _traced(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []
    store.trace(lambda sql, params: seen.append((sql, params)))
    try:
        yield seen
    finally:
        store.trace(None)


_NOT_ALIASES = {"where", "on", "join", "left", "inner", "cross", "order", "group", "limit", "using"}


def _aliases(sql: str) -> set[str]:
    """The big tables and the names ``sql`` gives them (``from claims c``): a plan
    speaks of a table by its alias."""
    names = set(BIG_TABLES)
    for table, alias in re.findall(r"\b([a-z_]+)\s+(?:as\s+)?([a-z_]\w*)\b", sql.lower()):
        if table in BIG_TABLES and alias not in _NOT_ALIASES:
            names.add(alias)
    return names


def _scans(store: Store, run: Callable[[], object]) -> list[str]:
    """The full scans of big tables in the plans of the selects ``run`` makes."""
    with _traced(store) as seen:
        run()
    found = []
    for sql, params in seen:
        if not sql.lstrip().lower().startswith(("select", "with")):
            continue
        plan = store.execute(f"explain query plan {sql}", params or []).fetchall()
        names = _aliases(sql)
        for row in plan:
            detail = str(row[-1])
            words = detail.split()
            if words[:1] == ["SCAN"] and words[1] in names and "INDEX" not in words:
                found.append(f"{detail}  <- {' '.join(sql.split())[:160]}")
    return found


def test_showing_a_study_reads_only_its_rows(store: Store) -> None:
    key = store.scalar("select citekey from studies where duplicate_of is not null")
    assert _scans(store, lambda: study_objects(store, [get_study(store, key)])) == []
    assert _scans(store, lambda: study_objects(store, [get_study(store, "10.1000/scale.3")])) == []


def test_adding_a_study_probes_indexes(store: Store) -> None:
    def add() -> None:
        save_work(store, _work(500), citekeys=CitekeyRegistry(store))
        find_study_row(store, Work(openalex="W123", s2="abc", isbn="9780000000000"))

    assert _scans(store, add) == []


def test_a_documents_report_reads_what_it_cites(store: Store) -> None:
    assert _scans(store, lambda: build_report_model(store, "doc")) == []
    model = build_report_model(store, "doc")
    assert len(model["studies"]) == 10


def test_claims_and_check_of_one_document_read_that_document(store: Store) -> None:
    doc = document_id(store, "doc")
    assert _scans(store, lambda: claim_objects(store, document_id=doc)) == []
    assert _scans(store, lambda: check_claims(store, "doc")) == []


def test_checks_and_notices_of_some_studies_come_through_the_index(store: Store) -> None:
    assert _scans(store, lambda: latest_checks(store, [1, 4])) == []
    assert _scans(store, lambda: notices_by_study(store, [4])) == []
    assert set(latest_checks(store, [1, 4])) == {1, 4}
    assert latest_checks(store, [1, 4])[4] == latest_checks(store)[4]
    assert notices_by_study(store, [4]) == {4: notices_by_study(store)[4]}


def test_the_citekey_registry_sees_saved_and_claimed_keys(store: Store) -> None:
    registry = CitekeyRegistry(store)
    first = store.scalar("select citekey from studies order by id limit 1")
    assert first in registry
    assert "nobody1900x" not in registry
    work = Work(title="Massage", authors=[Author("Nobody")], year=1900)
    key = registry.claim(work)
    assert key in registry
    # A second claim of the same key (not saved yet) gets the next free one.
    assert registry.claim(work) != key
    assert registry.claim(Work(title="Other", citekey=first)) != first


def test_verify_all_scans_the_studies_once_and_reads_the_rest_by_index(store: Store) -> None:
    store.insert("checks", {"study_id": 2, "status": "verified", "checked_at": now()})
    chosen: list[Selection] = []
    scans = _scans(store, lambda: chosen.append(select(store, [], all_studies=True, refresh=False)))
    # One pass over the studies in id order (the primary key); each study's latest check
    # by the id its row holds.
    assert len(scans) == 1 and scans[0].startswith("SCAN s  <- "), scans
    assert list(chosen[0].fresh) == [2]
    assert list(chosen[0].stale) == [i for i in range(1, 32) if i != 2]
    chunks: list[list[Citation]] = []
    assert _scans(store, lambda: chunks.extend(stored_citations(store, chosen[0].stale))) == []
    assert [c.row["id"] for chunk in chunks for c in chunk] == list(chosen[0].stale)


def test_the_studies_of_an_attributed_journal_come_through_the_index(store: Store) -> None:
    found: list[dict[int, Any]] = []
    journal = "Int J Neurosci"  # an abbreviation agrees with the full name
    assert _scans(store, lambda: found.append(dict(journal_studies(store, journal)))) == []
    assert len(found[0]) == 30  # the probable duplicate has no journal


def test_listings_read_each_studys_latest_check_by_the_id_on_its_row(store: Store) -> None:
    """`studies` and `studies --json` look each study's verdict up by the check id the
    study row holds (m009), not by searching the checks of the study."""
    from evidence.listing_text import JSON_SQL, LINE_SQL

    for sql in (JSON_SQL, LINE_SQL):
        plan = " | ".join(str(r[-1]) for r in store.execute(f"explain query plan {sql}", [-1, 0]))
        assert "SEARCH c USING INTEGER PRIMARY KEY" in plan, plan
        assert "idx_checks_study_id" not in plan, plan
