"""The SQLite store: the only code that touches sqlite-utils or the connection.

The schema is declared as data in :mod:`evidence.store.schema` and applied by its
numbered migrations. The database is an ordinary SQLite file in WAL mode with a busy
timeout, so several processes can write to it and tools such as Datasette or the
sqlite3 shell can open it. Lists and dicts are stored as JSON text, encoded by
``encode_value`` whichever method writes them, and decoded again by ``decode_row``.

Statements run on the plain ``sqlite3`` connection (evidence.store.statements).
sqlite-utils itself, whose import costs a command tens
of milliseconds, is imported only for what needs it: migrations and the writes done
through its tables (``insert_all``, ``update``, ``delete_where``,
``savepoint``). A command that reads an up-to-date library never imports it.
"""

from __future__ import annotations

import json
import operator
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.errors import EvidenceError, UsageError
from evidence.store import opening, statements
from evidence.store.errors import (
    SQLITE_BUSY,
    SQLITE_LOCKED,
    database_error,
    locked_error,
    read_only_error,
    result_code,
)
from evidence.store.schema import FTS, JSON_COLUMNS, SCHEMA_VERSION, migration_set, table_of

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.db import Table

__all__ = ["LOCK_TIMEOUT", "Params", "Store", "decode_row", "encode_value", "now"]

Params = Sequence[Any] | dict[str, Any]

# Seconds a write waits for another process's write to finish before giving up.
LOCK_TIMEOUT = 30.0
# Seconds of waiting for the write lock before the wait is announced.
WAIT_NOTICE = 1.0

# sqlite-utils stores lists and dicts this same way (its jsonify_if_needed), so rows
# written through any method of the store, or by sqlite-utils itself, read back alike.
_encode_json = json.JSONEncoder(ensure_ascii=False, default=repr).encode

# Bounds of a full-text query (Store.search).
MAX_SEARCH_TERMS = 24
MAX_SEARCH_CHARS = 500
_SEARCH_TERM = re.compile(r"\w+")


def now() -> str:
    """The time stamp every table uses: UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def encode_value(value: Any) -> Any:
    """A value as stored: lists, tuples and dicts as JSON text, anything else as it is."""
    return _encode_json(value) if isinstance(value, (dict, list, tuple)) else value


def _encode_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: encode_value(value) for key, value in row.items()}


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    """Turn JSON text columns back into Python values."""
    out = dict(row)
    for key in JSON_COLUMNS & out.keys():
        value = out[key]
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError:
                pass
    return out


def _insert_sql(table: str, columns: Sequence[str], verb: str = "insert") -> str:
    return (
        f"{verb} into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
        f"values ({', '.join('?' for _ in columns)})"
    )


class Store:
    """The evidence database."""

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool = False,
        lock_timeout: float = LOCK_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Open (or create) the database at ``path``.

        ``readonly``: for commands that only read; nothing can be written through this
        store, and a file or folder that cannot be written is fine. ``lock_timeout``:
        how long a write waits for another process's write to finish; ``on_wait`` is
        told, once, when that wait has lasted a second, and before a library saved by an
        older version is upgraded.
        """
        self.path = Path(path)
        self.readonly = readonly
        self.lock_timeout = lock_timeout
        self._on_wait = on_wait
        # When the file last passed the quick check (writable stores only).
        self._checked_at: float | None = None
        # Told of each statement (Store.trace).
        self._tracer: statements.Tracer | None = None
        # sqlite-utils' view of the same connection, made when first needed (_utils).
        self._utils_db: sqlite_utils.Database | None = None
        if self.path.exists() and self.path.is_dir():
            raise UsageError(f"Database path {self.path} is a directory. Give a file path.")
        # Read-only through SQLite when this process may not write the file or its folder.
        sqlite_read_only = readonly and not opening.may_write(self.path)
        # Read before connecting: reading a WAL database makes its -wal file.
        checked_at = None if readonly else opening.checked_as_left(self.path)
        conn: sqlite3.Connection | None = None
        try:
            conn = opening.connect(self.path, read_only=sqlite_read_only, timeout=lock_timeout)
            self._conn = conn
            # As sqlite-utils sets it: a REPLACE's deletions fire the delete triggers.
            self.execute("PRAGMA recursive_triggers=on;")
            # Wait rather than fail when another process writes (DESIGN: two processes can write).
            self.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
            self.execute("PRAGMA foreign_keys = ON")
            opening.refuse_newer(conn, self.path)
            if not readonly:
                self._checked_at = checked_at
                if self._checked_at is None:
                    opening.forget_checked(self.path)
                    opening.refuse_damaged(conn, self.path)
                    self._checked_at = time.time()
                opening.use_wal(conn, lock_timeout)
                self.execute("PRAGMA synchronous = NORMAL")
            pending = self.pending_migrations()
            if sqlite_read_only and pending:
                raise opening.older_read_only(self.path, pending)
            if not sqlite_read_only:
                self.ensure_shape()
            if readonly and not sqlite_read_only:
                self.execute("PRAGMA query_only = ON")
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                if not readonly and not opening.may_write(self.path):
                    raise read_only_error(self.path) from None
                raise database_error(self.path, exc) or UsageError(
                    f"Cannot open database {self.path}: {exc}. "
                    "Check that it is an evidence database."
                ) from None
            raise

    def ensure_shape(self) -> None:
        """Apply pending migrations and record the schema version (never into a damaged
        file, nor into one a newer version has changed)."""
        if self.pending_migrations() or opening.schema_version(self._conn) < SCHEMA_VERSION:
            if self.readonly:
                opening.refuse_damaged(self._conn, self.path)
            older = opening.schema_version(self._conn)
            if older and self._on_wait is not None:
                # A library saved by an older version: its upgrade may rewrite every
                # study (m007 reads each one's pages), so say why the command waits.
                self._on_wait(
                    f"Upgrading {self.path} from schema {older} to {SCHEMA_VERSION} "
                    "(once; a large library takes a minute)."
                )
            with self.transaction():
                opening.refuse_newer(self._conn, self.path)
                migration_set().apply(self._utils())
                self.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def pending_migrations(self) -> list[str]:
        """Names of the migrations not applied to this database yet."""
        return opening.pending_migrations(self._conn)

    def applied_migrations(self) -> list[str]:
        return opening.applied_migrations(self._conn)

    def _utils(self) -> sqlite_utils.Database:
        """sqlite-utils' Database on this store's connection (imported and made on
        first use), telling the same tracer."""
        if self._utils_db is None:
            import sqlite_utils

            # recursive_triggers is on already (set at opening).
            self._utils_db = sqlite_utils.Database(self._conn, recursive_triggers=False)
            self._utils_db._tracer = self._tracer
        return self._utils_db

    # --- transactions ----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Take SQLite's write lock up front (BEGIN IMMEDIATE) so concurrent writers
        queue on the busy timeout instead of failing with "database is locked" when a
        read transaction tries to upgrade. Inside a transaction, joins it."""
        conn = self._conn
        if conn.in_transaction:
            yield
            return
        self._begin()
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, saying so after a second of waiting for another writer."""
        conn = self._conn
        if self._on_wait is not None:
            # First without waiting: the notice's timer is only needed when another
            # process holds the lock (a thread per write would slow small writes down).
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if result_code(exc) not in (SQLITE_BUSY, SQLITE_LOCKED):
                    raise
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        notice = None
        if self._on_wait is not None:
            notice = threading.Timer(
                WAIT_NOTICE,
                self._on_wait,
                [
                    f"Another process is writing to {self.path}; waiting for it to finish "
                    f"(up to {self.lock_timeout:g} s)..."
                ],
            )
            notice.daemon = True
            notice.start()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if result_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED):
                raise locked_error(self.path) from None
            raise
        finally:
            if notice is not None:
                notice.cancel()

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not undone it already (it does after
        some errors, such as a full disk): the error that brought us here is the one to
        report, not a failed ROLLBACK."""
        conn = self._conn
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: on error only its own writes are undone and the
        enclosing transaction goes on. Opens a transaction (as ``transaction``) when
        none is open."""
        with self.transaction(), self._utils().atomic():
            yield

    @contextmanager
    def indexing_after(self, table: str) -> Iterator[None]:
        """Insert many rows into ``table`` and add them to its full-text index in one
        statement at the end, instead of one trigger run per row (several times faster).

        Only for inserts, inside a transaction: the insert trigger is dropped and created
        again within it, so no other connection, and no crash, ever sees the table
        without its trigger or a row missing from the index.
        """
        conn = self._conn
        if not conn.in_transaction:
            raise RuntimeError("indexing_after needs a transaction")
        trigger = f"{table}_ai"
        found = conn.execute(
            "select sql from sqlite_master where type = 'trigger' and name = ?", [trigger]
        ).fetchone()
        if found is None or table not in FTS:
            yield
            return
        columns = ", ".join(f"[{c}]" for c in FTS[table])
        first = conn.execute(f"select coalesce(max(rowid), 0) + 1 from [{table}]").fetchone()[0]
        conn.execute(f"drop trigger [{trigger}]")
        try:
            yield
        finally:
            conn.execute(
                f"insert into [{table}_fts] (rowid, {columns}) "
                f"select rowid, {columns} from [{table}] where rowid >= ?",
                [first],
            )
            conn.execute(found[0])

    def close(self, *, sound: bool = True) -> None:
        """Close the connection. ``sound``: the command ended without an error, so the
        file may be stamped as checked (evidence.store.opening); after an error the next
        writing command checks the file again."""
        self._conn.close()
        if self._checked_at is not None:
            if sound:
                opening.remember_checked(self.path, self._checked_at)
            else:
                opening.forget_checked(self.path)

    def trace(self, callback: Callable[[str, Any], None] | None) -> None:
        """Call ``callback(sql, params)`` before each statement the store runs (through
        evidence.store.statements or sqlite-utils; None stops tracing); for tests that
        count queries."""
        self._tracer = callback
        if self._utils_db is not None:
            self._utils_db._tracer = callback

    # --- reading ---------------------------------------------------------------------

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one statement and return its cursor (raw tuples: nothing decoded). A
        write outside a transaction is committed at once."""
        return statements.execute(self._conn, sql, params, self._tracer)

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        return [decode_row(r) for r in statements.query(self._conn, sql, params, self._tracer)]

    def stream(self, sql: str, params: Params = ()) -> Iterator[dict[str, Any]]:
        """The rows of ``sql`` one at a time, decoded as ``query`` decodes them: a
        listing of any size holds one row at a time."""
        cursor = self.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        for values in cursor:
            yield decode_row(dict(zip(columns, values, strict=True)))

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the database as it was at the
        first one, whatever other processes write meanwhile (WAL). Inside a transaction,
        joins it."""
        conn = self._conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    def one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    def count(self, table: str) -> int:
        return int(self.scalar(f"select count(*) from [{table}]"))

    def search(self, table: str, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search (FTS5, porter stemming) over studies or claims.

        The query is bounded: FTS5's cost grows with the square of its terms (NEAR of
        thousands of words, thousands of prefixes run for minutes).
        """
        terms = len(_SEARCH_TERM.findall(query))
        if len(query) > MAX_SEARCH_CHARS or terms > MAX_SEARCH_TERMS:
            raise UsageError(
                f"the search query is too long ({terms} words, {len(query)} characters). "
                f"Search with at most {MAX_SEARCH_TERMS} words and {MAX_SEARCH_CHARS} characters"
            )
        if table not in FTS:
            raise ValueError(f"{table} has no full-text index")
        # The table's rows whose index entry matches, best first (FTS5's bm25 rank).
        sql = (
            f"select t.* from [{table}] t join [{table}_fts] f on f.rowid = t.rowid "
            f"where [{table}_fts] match ? order by f.rank limit ?"
        )
        try:
            return self.query(sql, [query, limit])
        except sqlite3.OperationalError:
            # A query that is not valid FTS syntax: search it as a quoted phrase instead.
            quoted = '"' + query.replace('"', '""') + '"'
            return self.query(sql, [quoted, limit])

    def integrity_problems(self) -> list[str]:
        """``PRAGMA integrity_check`` and ``foreign_key_check`` findings (empty when sound)."""
        problems = [r[0] for r in self.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        problems += [
            f"foreign key: {r[0]} row {r[1]} -> {r[2]}"
            for r in self.execute("PRAGMA foreign_key_check").fetchall()
        ]
        return problems

    # --- writing ---------------------------------------------------------------------
    # Each write outside a transaction is a transaction of its own (BEGIN IMMEDIATE):
    # a wait for another writer is announced and a lock that outlasts it is reported.

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row with one prepared statement; its rowid."""
        values = [encode_value(v) for v in row.values()]
        with self.transaction():
            cursor = self.execute(_insert_sql(table, list(row)), values)
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def insert_ignore(self, table: str, row: dict[str, Any]) -> None:
        """Insert one row unless it breaks a unique index (then nothing happens)."""
        values = [encode_value(v) for v in row.values()]
        with self.transaction():
            self.execute(_insert_sql(table, list(row), "insert or ignore"), values)

    def insert_all(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Insert rows that may differ in their keys (sqlite-utils batches them)."""
        with self.transaction():
            self._table(table).insert_all(_encode_row(row) for row in rows)

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys with one prepared statement and add
        them to the table's full-text index in one statement. Needs a transaction."""
        if not rows:
            return
        columns = list(rows[0])
        take = operator.itemgetter(*columns)
        values: list[Any] = [take(row) for row in rows]
        if len(columns) == 1:
            values = [(value,) for value in values]
        # Lists and dicts go in the JSON columns: look at those alone.
        json_at = [
            i
            for i, c in enumerate(columns)
            if c in JSON_COLUMNS or isinstance(rows[0][c], (dict, list, tuple))
        ]
        if json_at:
            for n, row_values in enumerate(values):
                if any(isinstance(row_values[i], (dict, list, tuple)) for i in json_at):
                    row_values = list(row_values)
                    for i in json_at:
                        row_values[i] = encode_value(row_values[i])
                    values[n] = row_values
        with self.indexing_after(table):
            self._conn.executemany(_insert_sql(table, columns), values)

    def update(self, table: str, pk: Any, values: dict[str, Any]) -> None:
        from sqlite_utils.db import NotFoundError

        try:
            with self.transaction():
                self._table(table).update(pk, _encode_row(values))
        except NotFoundError:
            raise EvidenceError(f"No row {pk} in {table}.") from None

    def delete_where(self, table: str, where: str, params: Iterable[Any]) -> None:
        with self.transaction():
            self._table(table).delete_where(where, list(params))

    def _table(self, name: str) -> Table:
        return table_of(self._utils(), name)
