"""The store runs statements on the plain sqlite3 connection (evidence.store.statements):
rows as dicts, every column kept, writes committed as they run outside a transaction;
and it reads the migrations' bookkeeping as sqlite-utils' Migrations reads it."""

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


def test_query_gives_rows_as_dicts_and_tells_the_tracer(tmp_path: Path) -> None:
    conn = _connection(tmp_path / "e.db")
    seen: list[tuple[str, Any]] = []
    rows = statements.query(
        conn, "select * from t where id > ? order by id", [0], lambda s, p: seen.append((s, p))
    )
    assert rows == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert seen == [("select * from t where id > ? order by id", [0])]
    assert statements.query(
        conn, "-- a comment\nselect name from t where id = :n", {"n": 2}, None
    ) == [{"name": "b"}]
    assert [r["name"] for r in statements.query(conn, "PRAGMA table_info(t)", None, None)] == [
        "id",
        "name",
    ]


def test_a_column_named_twice_keeps_both(tmp_path: Path) -> None:
    conn = _connection(tmp_path / "e.db")
    rows = statements.query(
        conn,
        "select t.id, u.id, t.name from t join t as u on u.id = 3 - t.id order by t.id",
        (),
        None,
    )
    assert rows == [{"id": 1, "id_2": 2, "name": "a"}, {"id": 2, "id_2": 1, "name": "b"}]
    # a number another column already has as its name is skipped
    rows = statements.query(conn, "select id, id, id as id_2 from t where id = 1", (), None)
    assert rows == [{"id": 1, "id_3": 1, "id_2": 1}]


@pytest.mark.parametrize(
    ("names", "keys"),
    [
        (["a", "b"], ["a", "b"]),
        (["id", "id"], ["id", "id_2"]),
        (["id", "id", "id_2"], ["id", "id_3", "id_2"]),
        (["x", "x", "x"], ["x", "x_2", "x_3"]),
        (["x_2", "x", "x"], ["x_2", "x", "x_3"]),
        ([], []),
    ],
)
def test_column_keys(names: list[str], keys: list[str]) -> None:
    assert statements.column_keys(names) == keys
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("inside", [False, True])
def test_writes_commit_at_once_outside_a_transaction(tmp_path: Path, inside: bool) -> None:
    """Outside a transaction each statement is committed as it runs, and a failed one
    leaves none open; inside one, everything waits for it."""
    conn = _connection(tmp_path / "e.db")
    other = sqlite3.connect(tmp_path / "e.db", isolation_level=None)
    if inside:
        conn.execute("BEGIN")
    rows = statements.query(conn, "insert into t (name) values ('c') returning name", (), None)
    assert rows == [{"name": "c"}]
    with pytest.raises(ValueError, match="returns rows|return rows"):
        statements.query(conn, "delete from t where name = 'a'", (), None)
    with pytest.raises(sqlite3.OperationalError):
        statements.execute(conn, "insert into nowhere values (1)", (), None)
    assert conn.in_transaction is inside
    seen_elsewhere = int(other.execute("select count(*) from t").fetchone()[0])
    if inside:
        assert seen_elsewhere == 2
        conn.execute("ROLLBACK")
        assert _count(conn) == 2
    else:
        # the insert stays; the delete meant for execute() ran all the same
        assert seen_elsewhere == 2 == _count(conn)
        assert [r[0] for r in conn.execute("select name from t order by id")] == ["b", "c"]
    other.close()


def test_execute_returns_the_cursor_and_tells_the_tracer(tmp_path: Path) -> None:
    conn = _connection(tmp_path / "e.db")
    seen: list[tuple[str, Any]] = []
    cursor = statements.execute(
        conn, "insert into t (name) values (?)", ["c"], lambda s, p: seen.append((s, p))
    )
    assert cursor.lastrowid == 3
    assert not conn.in_transaction
    assert seen == [("insert into t (name) values (?)", ["c"])]
    assert statements.execute(conn, "select count(*) from t", None, None).fetchone() == (3,)


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
