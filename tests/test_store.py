from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from evidence.errors import UsageError
from evidence.store import Store
from evidence.store.schema import FTS, INDEXES, TABLES


def test_schema_created_from_declaration(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    names = {r["name"] for r in store.query("select name from sqlite_master where type = 'table'")}
    assert set(TABLES) <= names
    for table in FTS:
        assert f"{table}_fts" in names
    for table, spec in TABLES.items():
        assert set(_columns(store, table)) == set(spec["columns"])
    index_columns = {
        (t, tuple(c["name"] for c in store.query("select name from pragma_index_info(?)", [i])))
        for t in TABLES
        for i in (r["name"] for r in store.query("select name from pragma_index_list(?)", [t]))
    }
    for table, columns, _unique in INDEXES:
        assert (table, tuple(columns)) in index_columns
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.integrity_problems() == []


def test_opening_twice_applies_migrations_once(tmp_path: Path) -> None:
    Store(tmp_path / "e.db").close()
    store = Store(tmp_path / "e.db")
    assert store.applied_migrations() == ["m001_initial", "m002_retractions"]
    assert store.pending_migrations() == []


def test_transaction_rolls_back_everything_on_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("studies", {"citekey": "a2020x", "title": "A"})
        raise RuntimeError("boom")
    assert store.count("studies") == 0


def test_foreign_keys_enforced(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    with pytest.raises(sqlite3.IntegrityError):
        store.insert("notices", {"study_id": 999, "kind": "retraction", "source": "crossref"})


def test_fts_search_and_bad_syntax(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    store.insert(
        "studies", {"citekey": "field1996massage", "title": "Massage therapy reduces anxiety"}
    )
    store.insert("studies", {"citekey": "smith2020sleep", "title": "Sleep and memory"})
    hits = store.search("studies", "massage")
    assert [h["citekey"] for h in hits] == ["field1996massage"]
    # porter stemming: "reduce" finds "reduces"
    assert [h["citekey"] for h in store.search("studies", "reduce")] == ["field1996massage"]
    # an unbalanced quote is not valid FTS5 syntax: searched as a phrase instead of failing
    assert [h["citekey"] for h in store.search("studies", 'anxiety"')] == ["field1996massage"]


def test_directory_as_database_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        Store(tmp_path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UsageError, match="Cannot open database"):
        Store(path)


def test_migration_adds_tables_declared_later(tmp_path: Path) -> None:
    """A database made before the retractions table existed gains it on open."""
    store = Store(tmp_path / "e.db")
    store.execute("drop table retractions")
    store.execute("delete from _sqlite_migrations where name = 'm002_retractions'")
    store.close()
    store = Store(tmp_path / "e.db")
    assert "original_doi" in _columns(store, "retractions")


def _columns(store: Store, table: str) -> list[str]:
    return [r["name"] for r in store.query("select name from pragma_table_info(?)", [table])]


def test_every_write_stores_json_columns_alike(tmp_path: Path) -> None:
    """insert, insert_rows, insert_all and update all store lists and dicts as the same
    JSON text (non-ASCII kept as it is), and reads give the values back."""
    store = Store(tmp_path / "e.db")
    authors = [{"family": "Müller", "given": "Jörg"}]
    extra = {"note": "→ see", "n": [1, 2]}
    store.insert("studies", {"citekey": "a", "authors": authors, "extra": extra})
    with store.transaction():
        store.insert_rows("studies", [{"citekey": "b", "authors": authors, "extra": extra}])
    store.insert_all("studies", [{"citekey": "c", "authors": authors, "extra": extra}])
    d = store.insert("studies", {"citekey": "d"})
    store.update("studies", d, {"authors": authors, "extra": extra})
    raw = store.execute("select authors, extra from studies order by citekey").fetchall()
    assert len(set(raw)) == 1
    assert raw[0][0] == '[{"family": "Müller", "given": "Jörg"}]'
    for row in store.query("select * from studies"):
        assert (row["authors"], row["extra"]) == (authors, extra)


def test_savepoint_undoes_only_its_own_writes(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    with store.transaction():
        store.insert("studies", {"citekey": "kept"})
        with pytest.raises(sqlite3.IntegrityError), store.savepoint():
            store.insert("studies", {"citekey": "undone"})
            store.insert("studies", {"citekey": "kept"})
    assert [r["citekey"] for r in store.query("select citekey from studies")] == ["kept"]
    # Outside a transaction a savepoint is a transaction of its own.
    with pytest.raises(RuntimeError), store.savepoint():
        store.insert("studies", {"citekey": "gone"})
        raise RuntimeError("boom")
    assert store.count("studies") == 1


def test_insert_ignore_and_trace(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    seen: list[str] = []
    store.trace(lambda sql, params: seen.append(sql))
    store.insert_ignore("studies", {"citekey": "a"})
    store.insert_ignore("studies", {"citekey": "a"})
    store.trace(None)
    store.count("studies")
    assert store.count("studies") == 1
    assert seen == ["insert or ignore into [studies] ([citekey]) values (?)"] * 2
