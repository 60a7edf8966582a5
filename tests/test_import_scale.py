"""The probable-duplicate search of an import reads one index range, not every study of
an author and year: its query plan, the migration that adds its index, and the
answers it gives (the same as comparing every study of the author and year)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bib.work import Author, Work
from evidence.library import CitekeyRegistry, save_work
from evidence.library_bulk import save_new_works
from evidence.library_duplicates import duplicate_candidates
from evidence.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "e.db")
    yield store
    store.close()


def _work(**fields: Any) -> Work:
    base: dict[str, Any] = {
        "title": "Massage therapy lowers anxiety in adults with chronic pain",
        "authors": [Author("Field", "T")],
        "year": 2001,
        "source": "user",
    }
    return Work(**{**base, **fields})


@pytest.mark.parametrize(
    ("doi", "volume", "issue"),
    list(itertools.product([None, "10.1/x"], [None, "", "12"], [None, "3"])),
)
def test_the_search_is_one_index_range(
    store: Store, doi: str | None, volume: str | None, issue: str | None
) -> None:
    seen: list[tuple[str, Any]] = []
    store.trace(lambda sql, params: seen.append((sql, params)))
    list(duplicate_candidates(store, _work(doi=doi, volume=volume, issue=issue)))
    store.trace(None)
    ((sql, params),) = [s for s in seen if "dedup_key" in s[0]]
    plan = [r["detail"] for r in store.query(f"explain query plan {sql}", params)]
    assert plan[0].startswith("SEARCH studies USING INDEX idx_studies_probable_duplicates")
    assert not any(step.startswith("SCAN") for step in plan)


def test_version_4_database_gains_the_index(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    store = Store(path)
    store.execute("drop index idx_studies_probable_duplicates")
    store.execute("create index idx_studies_dedup_key on studies (dedup_key)")
    store.execute("delete from _sqlite_migrations where name = 'm006_probable_duplicate_index'")
    store.execute("PRAGMA user_version = 4")
    store.close()
    store = Store(path)
    names = {r["name"] for r in store.query("select name from sqlite_master where type='index'")}
    assert "idx_studies_probable_duplicates" in names
    assert "idx_studies_dedup_key" not in names
    store.close()


class _Undo(Exception):
    pass


def _flagged(store: Store, work: Work, *, bulk: bool) -> str | None:
    """The study ``work`` would be flagged a probable duplicate of (saved, then undone)."""
    with pytest.raises(_Undo), store.transaction():
        if bulk:
            (result,) = save_new_works(store, [work], by_user=True, citekeys=CitekeyRegistry(store))
        else:
            result = save_work(store, work)
        assert not isinstance(result, Exception)
        flagged = result.duplicate_of
        raise _Undo
    return flagged


@pytest.mark.parametrize("bulk", [False, True], ids=["save_work", "import"])
def test_what_is_flagged_is_unchanged(store: Store, bulk: bool) -> None:
    plain = save_work(store, _work(volume="12", issue="3")).citekey
    with_doi = save_work(store, _work(doi="10.1/a", title="Another title of its own")).citekey
    # no DOI on the study: an entry with a DOI is its probable duplicate
    assert _flagged(store, _work(doi="10.1/b"), bulk=bulk) == plain
    # two DOIs are two works, however alike the rest
    assert _flagged(store, _work(doi="10.1/c", title="Another title of its own"), bulk=bulk) is None
    # without a DOI, a study with one is compared too
    assert _flagged(store, _work(title="Another title of its own"), bulk=bulk) == with_doi
    # volume and issue: the same where both are given (case aside), or missing
    assert _flagged(store, _work(volume="12", issue="3"), bulk=bulk) == plain
    assert _flagged(store, _work(volume="13"), bulk=bulk) is None
    assert _flagged(store, _work(issue="4"), bulk=bulk) is None
    assert _flagged(store, _work(year=2002), bulk=bulk) is None


def test_resolve_looks_up_only_the_keys_cited(store: Store) -> None:
    """Citekey mentions left unresolved by an ingest are resolved later through the
    citekey index: no query reads the whole studies table."""
    from evidence.ingest import Citekeys, ingest_document
    from evidence.resolve import resolve_mentions

    text = "Massage lowered anxiety [@Field2001a].\n\nIt also helped sleep [@nobody1999]."
    ingest_document(store, None, citekeys=Citekeys.of_library(store), text=text, name="d")
    for n in range(20):
        save_work(store, _work(title=f"Study number {n} of massage", year=1990 + n))
    save_work(store, Work(title="Massage and anxiety", citekey="field2001a", source="user"))
    seen: list[tuple[str, Any]] = []
    store.trace(lambda sql, params: seen.append((sql, params)))
    report = resolve_mentions(store, None, "d")
    store.trace(None)
    assert report.resolved == 1
    assert any("unknown citekey @nobody1999" in line for line in report.unresolved)
    for sql, params in seen:
        if "studies" not in sql or not sql.lstrip().lower().startswith("select"):
            continue
        plan = [str(r[-1]) for r in store.execute(f"explain query plan {sql}", params or [])]
        assert not any(step.split()[:2] == ["SCAN", "studies"] for step in plan), sql
