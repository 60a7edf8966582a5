"""The store runs statements on the plain sqlite3 connection (evidence.store.statements)
as sqlite-utils' Database runs them, and reads the migrations' bookkeeping as
sqlite-utils' Migrations does: the same rows, the same refusals, the same effects."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from evidence.store import Store, opening, statements
from evidence.store.schema import MIGRATION_SET, MIGRATIONS, MIGRATIONS_TABLE, migration_set


def _connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(
        "create table t (id integer primary key, name text);"
        "insert into t (name) values ('a'), ('b');"
    )
    return conn


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("select count(*) from t").fetchone()[0])


def _outcome(run: Any, conn: sqlite3.Connection, sql: str, params: Any = ()) -> Any:
    """What running ``sql`` gave (rows or the error), and the table's rows after."""
    try:
        result: Any = list(run(sql, params))
    except (ValueError, sqlite3.Error) as exc:
        result = (type(exc).__name__, str(exc))
    return result, _count(conn), conn.in_transaction


QUERIES = [
    "select * from t order by id",
    "select t.id, u.id, t.name from t join t as u on u.id = t.id order by t.id",
    "select id, id as id_2, id from t",
    "-- a comment\nselect name from t",
    "PRAGMA table_info(t)",
    "PRAGMA user_version = 3",
    "insert into t (name) values ('c')",
    "insert into t (name) values ('c') returning id, name",
    "BEGIN",
    "  /* lead */ savepoint x",
    "VACUUM",
    "select * from no_such_table",
    "not sql at all",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_query_as_sqlite_utils_runs_it(tmp_path: Path, sql: str) -> None:
    ours = _connection(tmp_path / "ours.db")
    theirs = _connection(tmp_path / "theirs.db")
    db = sqlite_utils.Database(theirs, execute_plugins=False)
    seen: list[str] = []
    mine = _outcome(
        lambda s, p: statements.query(ours, s, p, lambda q, _: seen.append(q)), ours, sql
    )
    assert mine == _outcome(db.query, theirs, sql)
    assert (
        ours.execute("PRAGMA user_version").fetchone()
        == theirs.execute("PRAGMA user_version").fetchone()
    )
    rejected = statements.first_keyword(sql) in statements.QUERY_REJECTED
    assert seen == ([] if rejected else [sql])


@pytest.mark.parametrize("inside", [False, True])
def test_query_inside_a_transaction_keeps_it(tmp_path: Path, inside: bool) -> None:
    """A refused write is undone, a write returning rows is kept; an open transaction
    stays open either way."""
    conn = _connection(tmp_path / "e.db")
    if inside:
        conn.execute("BEGIN")
    with pytest.raises(ValueError, match="returns rows"):
        statements.query(conn, "delete from t", (), None)
    assert _count(conn) == 2
    rows = statements.query(conn, "insert into t (name) values ('c') returning name", (), None)
    assert rows == [{"name": "c"}]
    assert conn.in_transaction is inside
    if inside:
        conn.execute("ROLLBACK")
        assert _count(conn) == 2
    else:
        assert _count(conn) == 3


def test_execute_returns_the_cursor_and_tells_the_tracer(tmp_path: Path) -> None:
    conn = _connection(tmp_path / "e.db")
    seen: list[tuple[str, Any]] = []
    cursor = statements.execute(
        conn, "insert into t (name) values (?)", ["c"], lambda s, p: seen.append((s, p))
    )
    assert cursor.lastrowid == 3
    assert not conn.in_transaction
    assert seen == [("insert into t (name) values (?)", ["c"])]
    with pytest.raises(sqlite3.OperationalError):
        statements.execute(conn, "insert into nowhere values (1)", (), None)
    assert not conn.in_transaction


@pytest.mark.parametrize(
    "keys",
    [["a", "b"], ["id", "id"], ["id", "id", "id_2"], ["x", "x", "x"], []],
)
def test_repeated_columns_named_as_sqlite_utils_names_them(keys: list[str]) -> None:
    from sqlite_utils.utils import dedupe_keys

    assert statements.dedupe_keys(keys) == dedupe_keys(keys)


def test_bookkeeping_read_as_sqlite_utils_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    assert opening.applied_migrations(conn) == [] == migration_set().applied(db)
    assert opening.pending_migrations(conn) == MIGRATIONS
    conn.close()

    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    assert migration_set().migrations_table == MIGRATIONS_TABLE
    assert migration_set().name == MIGRATION_SET
    conn.execute("delete from _sqlite_migrations where name = 'm003_check_evidence'")
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('evidence', 'm003_check_evidence', '2030-01-01'), "
        "('another set', 'm099_elsewhere', '2030-01-01')"
    )
    applied = opening.applied_migrations(conn)
    assert applied == [m.name for m in migration_set().applied(db)]
    assert applied[-1] == "m003_check_evidence" and "m099_elsewhere" not in applied
    assert opening.pending_migrations(conn) == [m.name for m in migration_set().pending(db)] == []


def test_store_tracer_sees_statements_through_either_path(tmp_path: Path) -> None:
    """The tracer set before sqlite-utils is loaded also hears its statements."""
    store = Store(tmp_path / "e.db")
    seen: list[str] = []
    store.trace(lambda sql, params: seen.append(sql))
    store.query("select count(*) from studies")
    store.insert_all("studies", [{"citekey": "a"}, {"citekey": "b", "year": 2001}])
    assert seen[0] == "select count(*) from studies"
    assert any("studies" in sql and "INSERT" in sql.upper() for sql in seen[1:])
    store.trace(None)
    seen.clear()
    store.update("studies", 1, {"title": "T"})
    store.query("select 1")
    assert seen == []
    store.close()
