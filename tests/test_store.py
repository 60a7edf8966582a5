from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

import evidence.ingest as ingest_module
import evidence.store as store_module
from evidence.errors import EvidenceError, UsageError
from evidence.ingest import Citekeys, IngestReport, ingest_document
from evidence.store import Store, opening
from evidence.store.errors import database_error
from evidence.store.schema import (
    COLLATED_INDEXES,
    FTS,
    INDEXES,
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    collated_index_name,
)
from evidence.verify import load_retractions
from tests.helpers import damage_studies_table


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
    for table, column, collation in COLLATED_INDEXES:
        name = collated_index_name(table, column, collation)
        assert store.query(
            "select name, coll from pragma_index_xinfo(?) where cid >= 0", [name]
        ) == [{"name": column, "coll": collation}]
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.integrity_problems() == []


def test_opening_twice_applies_migrations_once(tmp_path: Path) -> None:
    Store(tmp_path / "e.db").close()
    store = Store(tmp_path / "e.db")
    assert store.applied_migrations() == [
        "m001_initial",
        "m002_retractions",
        "m003_check_evidence",
        "m004_citekey_nocase",
        "m005_extraction_blocks",
        "m006_probable_duplicate_index",
        "m007_first_page",
        "m008_journal_index",
        "m009_latest_check",
    ]
    assert store.pending_migrations() == []


def _taken_back(path: Path, version: int, migration: str, *undo: str) -> None:
    """The library at ``path`` as schema ``version`` left it: ``undo`` run, the record
    of ``migration`` gone."""
    conn = sqlite3.connect(path)
    for sql in undo:
        conn.execute(sql)
    conn.execute("delete from _sqlite_migrations where name = ?", [migration])
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def test_a_version_7_library_gains_the_journal_index(tmp_path: Path) -> None:
    Store(tmp_path / "e.db").close()
    _taken_back(
        tmp_path / "e.db", 7, "m008_journal_index", "drop index idx_studies_journal_journal_abbrev"
    )
    store = Store(tmp_path / "e.db")
    try:
        assert store.applied_migrations()[-1] == "m008_journal_index"
        plan = store.execute(
            "explain query plan select id from studies where journal is ? and journal_abbrev is ?",
            ["Pain", None],
        ).fetchall()
        assert "idx_studies_journal_journal_abbrev" in str(plan)
    finally:
        store.close()


def _latest_checks(store: Store) -> dict[str, Any]:
    """Each study's stored latest check, and the one the checks table says it is."""
    return {
        r["citekey"]: (r["latest_check"], r["newest"])
        for r in store.query(
            "select citekey, latest_check, (select max(id) from checks c "
            "where c.study_id = s.id) as newest from studies s order by id"
        )
    }


def _check(store: Store, study_id: int, status: str) -> int:
    return store.insert(
        "checks", {"study_id": study_id, "status": status, "checked_at": "2026-12-07T10:00:00Z"}
    )


def test_a_study_row_holds_its_latest_check_whatever_writes_the_checks(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    try:
        a = store.insert("studies", {"citekey": "a2020"})
        b = store.insert("studies", {"citekey": "b2021"})
        store.insert("studies", {"citekey": "c2022"})
        first = _check(store, a, "verified")
        second = _check(store, a, "mismatch")
        moved = _check(store, b, "not_found")
        assert _latest_checks(store) == {
            "a2020": (second, second),
            "b2021": (moved, moved),
            "c2022": (None, None),
        }
        store.execute("delete from checks where id = ?", [second])  # the newest goes
        assert _latest_checks(store)["a2020"] == (first, first)
        store.execute("update checks set study_id = ? where id = ?", [a, moved])
        assert _latest_checks(store) == {
            "a2020": (moved, moved),
            "b2021": (None, None),
            "c2022": (None, None),
        }
        store.execute("delete from checks where study_id = ?", [a])
        assert {k: v[0] for k, v in _latest_checks(store).items()} == dict.fromkeys(
            ("a2020", "b2021", "c2022")
        )
    finally:
        store.close()


def test_a_version_8_library_gains_its_studies_latest_checks(tmp_path: Path) -> None:
    store = Store(tmp_path / "e.db")
    ids = [store.insert("studies", {"citekey": f"k{n}"}) for n in range(5)]
    for n, study in enumerate(ids[:4]):
        for _ in range(n + 1):
            _check(store, study, "verified")
    store.close()
    _taken_back(
        tmp_path / "e.db",
        8,
        "m009_latest_check",
        *(
            f"drop trigger {t}"
            for t in ("checks_latest_ai", "checks_latest_ad", "checks_latest_au")
        ),
        "alter table studies drop column latest_check",
    )
    store = Store(tmp_path / "e.db")
    try:
        assert store.applied_migrations()[-1] == "m009_latest_check"
        latest = _latest_checks(store)
        assert [v[0] for v in latest.values()] == [1, 3, 6, 10, None]
        assert all(stored == newest for stored, newest in latest.values())
        _check(store, ids[4], "verified")  # the triggers are there too
        assert _latest_checks(store)["k4"] == (11, 11)
    finally:
        store.close()


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


# --- guards: ids, concurrent ingests, versions, damage, read-only, locks, full disk -----


def _ingest(store: Store, path: Path) -> IngestReport:
    return ingest_document(store, path, citekeys=Citekeys.of_library(store))


SENTENCES = (
    "Massage therapy reduced anxiety by 30% in 50 adults.\n\n"
    "Sleep improved in most patients after four weeks of treatment.\n"
)


def test_claim_ids_unique_across_documents(tmp_path: Path) -> None:
    """Two documents whose names give the same slug and that share sentences each get
    their own claims; ids already given never change."""
    first, second = tmp_path / "article.txt", tmp_path / "article.md"
    first.write_text(SENTENCES, encoding="utf-8")
    second.write_text(SENTENCES + "\nA third sentence says that pain fell by half.\n")
    store = Store(tmp_path / "e.db")
    _ingest(store, first)
    before = {r["id"] for r in store.query("select id from claims")}
    assert _ingest(store, second).new_claims == 3
    ids = [r["id"] for r in store.query("select id from claims")]
    assert len(ids) == len(set(ids)) == 5
    first.write_text(SENTENCES + "\nAnother claim appears: cortisol fell by 20% in 30 adults.\n")
    assert _ingest(store, first).kept_claims == 2
    rows = store.query("select id from claims where document_id = 1")
    assert before <= {r["id"] for r in rows}


def test_ingest_finds_a_document_saved_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process saves the same new document between this ingest's first look and
    its write: the ingest sees it under the write lock instead of inserting it twice."""
    doc = tmp_path / "article.md"
    doc.write_text(SENTENCES, encoding="utf-8")
    real_extract = ingest_module.extract
    other: list[IngestReport] = []

    def extract_while_another_ingests(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(ingest_module, "extract", real_extract)
        other.append(_ingest(Store(tmp_path / "e.db"), doc))
        return real_extract(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "extract", extract_while_another_ingests)
    report = _ingest(Store(tmp_path / "e.db"), doc)
    assert other[0].new_claims == 2
    assert report.unchanged and report.claims == 2
    assert Store(tmp_path / "e.db").count("documents") == 1


def test_schema_version_recorded_and_newer_database_refused(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    store = Store(path)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION == len(MIGRATIONS)
    store.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store.close()
    for readonly in (False, True):
        with pytest.raises(UsageError, match="newer version of evidence.*Upgrade evidence"):
            Store(path, readonly=readonly)
    # A migration this version does not know says the same.
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('evidence', 'm099_claims_text_renamed', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(UsageError, match="m099_claims_text_renamed.*Upgrade evidence"):
        Store(path)


def test_older_database_migrated_and_versioned(tmp_path: Path) -> None:
    """A database of a version before the schema version was recorded (user_version 0)
    and before the retractions table: a reading open migrates it where it may write."""
    path = tmp_path / "e.db"
    store = Store(path)
    store.execute("drop table retractions")
    store.execute("delete from _sqlite_migrations where name = 'm002_retractions'")
    store.execute("PRAGMA user_version = 0")
    store.close()
    store = Store(path, readonly=True)
    assert store.pending_migrations() == []
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert store.count("retractions") == 0


def test_version_3_database_gains_the_citekey_index(tmp_path: Path) -> None:
    """A database of schema version 3 gets the case-insensitive citekey index, and a
    citekey in any case is then found through it in one step."""
    path = tmp_path / "e.db"
    store = Store(path)
    store.execute("drop index idx_studies_citekey_nocase")
    store.execute("delete from _sqlite_migrations where name = 'm004_citekey_nocase'")
    store.execute("PRAGMA user_version = 3")
    store.close()
    store = Store(path)
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    plan = store.query(
        "explain query plan select * from studies where citekey = ? collate nocase", ["x"]
    )
    assert [p["detail"] for p in plan] == [
        "SEARCH studies USING INDEX idx_studies_citekey_nocase (citekey=?)"
    ]


def test_damaged_database_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    store = Store(path)
    with store.transaction():
        for i in range(1500):
            store.insert("studies", {"citekey": f"k{i}", "title": f"Massage and sleep {i} " * 5})
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    damage_studies_table(path)
    damaged = path.read_bytes()
    with pytest.raises(UsageError, match=r"is damaged \(.*\); nothing was written.*\.recover"):
        Store(path)
    assert path.read_bytes() == damaged
    # Reading opens without the check; a damaged page read says the same kind of thing.
    reader = Store(path, readonly=True)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        reader.query("select count(*), max(title) from studies")
    problem = database_error(path, caught.value)
    assert problem is not None and "is damaged" in str(problem) and ".recover" in str(problem)


def test_reading_store_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    Store(path).close()
    reader = Store(path, readonly=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        reader.insert("studies", {"citekey": "a"})
    problem = database_error(path, caught.value)
    assert problem is not None and "cannot be written" in str(problem)
    assert reader.count("studies") == 0


def test_reading_store_without_write_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file or folder cannot be written, SQLite opens the file read-only."""
    path = tmp_path / "e.db"
    store = Store(path)
    store.insert("studies", {"citekey": "a"})
    store.close()
    monkeypatch.setattr(opening, "may_write", lambda p: False)
    reader = Store(path, readonly=True)
    assert reader.count("studies") == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("insert into studies (citekey) values ('b')")


def test_a_locked_database_is_announced_then_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "e.db"
    Store(path).close()
    monkeypatch.setattr(store_module, "WAIT_NOTICE", 0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    told: list[str] = []
    store = Store(path, lock_timeout=0.5, on_wait=told.append)
    with pytest.raises(EvidenceError, match="another process is writing to .*e.db"):
        store.insert("studies", {"citekey": "a"})
    assert told and "waiting" in told[0]
    holder.execute("ROLLBACK")
    store.insert("studies", {"citekey": "a"})
    assert store.count("studies") == 1


def test_a_full_disk_is_reported_as_such(tmp_path: Path) -> None:
    """SQLite undoes the transaction itself when the disk fills: the error that reaches
    the caller is the full disk, not a failed ROLLBACK."""
    store = Store(tmp_path / "e.db")
    store.insert("retractions", {"kind": "retraction", "original_doi": "10.5555/kept"})
    store.execute("PRAGMA max_page_count = 80")
    rows = (
        {"kind": "retraction", "original_doi": f"10.5555/r.{i}", "title": "A title " * 20}
        for i in range(20000)
    )
    with pytest.raises(sqlite3.Error) as caught:
        load_retractions(store, rows)
    assert "full" in str(caught.value)
    problem = database_error(store.path, caught.value)
    assert problem is not None and "the disk is full" in str(problem)
    assert store.scalar("select original_doi from retractions") == "10.5555/kept"


def test_a_transaction_sqlite_already_undid_reports_the_cause(tmp_path: Path) -> None:
    """Some errors (a full disk, a conflict resolved by ROLLBACK) end the transaction
    inside SQLite; the caller gets that error, not "cannot rollback"."""
    store = Store(tmp_path / "e.db")
    store.insert("studies", {"citekey": "kept"})
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"), store.transaction():
        store.insert("studies", {"citekey": "undone"})
        store.execute("insert or rollback into studies (citekey) values ('kept')")
    assert [r["citekey"] for r in store.query("select citekey from studies")] == ["kept"]
    with store.transaction():
        store.insert("studies", {"citekey": "after"})
    assert store.count("studies") == 2


class _LockedAtFirst:
    """A connection whose journal-mode change is refused ``times`` times, as SQLite
    refuses the second of two connections changing it at once."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.asked = 0

    def execute(self, sql: str) -> None:
        assert sql == "PRAGMA journal_mode = WAL"
        self.asked += 1
        if self.left:
            self.left -= 1
            raise sqlite3.OperationalError("database is locked")


def test_the_change_to_wal_is_asked_again_while_another_connection_makes_it() -> None:
    conn = _LockedAtFirst(3)
    opening.use_wal(conn, timeout=5)  # type: ignore[arg-type]
    assert conn.asked == 4


def test_the_change_to_wal_gives_up_after_the_lock_timeout() -> None:
    conn = _LockedAtFirst(10**6)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        opening.use_wal(conn, timeout=0.05)  # type: ignore[arg-type]
    assert 1 < conn.asked < 50


def test_other_errors_of_the_change_to_wal_are_not_asked_again() -> None:
    class Broken(_LockedAtFirst):
        def execute(self, sql: str) -> None:
            self.asked += 1
            raise sqlite3.OperationalError("disk I/O error")

    conn = Broken(0)
    with pytest.raises(sqlite3.OperationalError, match="I/O"):
        opening.use_wal(conn, timeout=5)  # type: ignore[arg-type]
    assert conn.asked == 1
