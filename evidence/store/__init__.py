"""The SQLite store. Only this module imports ``sqlite_utils``.

The schema is declared as data (TABLES, INDEXES, FTS) and applied idempotently by
numbered migrations (sqlite-utils ``Migrations``). The database is an ordinary SQLite
file in WAL mode with a busy timeout, so several processes can write to it and tools
such as Datasette or the sqlite3 shell can open it.
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import NotFoundError, Table
from sqlite_utils.migrations import Migrations

from evidence.errors import EvidenceError, UsageError

# Columns whose value is stored as JSON text.
JSON_COLUMNS = {
    "authors",
    "issn",
    "publication_types",
    "keywords",
    "extra",
    "provenance",
    "user_fields",
    "reasons",
    "mismatches",
    "response",
    "sources",
    "data",
    "numbers",
    "work",
}

# Schema as data: table -> (columns, primary key, foreign keys).
TABLES: dict[str, dict[str, Any]] = {
    "studies": {
        "columns": {
            "id": int,
            "citekey": str,
            "doi": str,
            "pmid": str,
            "pmcid": str,
            "arxiv": str,
            "isbn": str,
            "openalex": str,
            "s2": str,
            "title": str,
            "authors": str,
            "journal": str,
            "journal_abbrev": str,
            "issn": str,
            "publisher": str,
            "year": int,
            "date": str,
            "volume": str,
            "issue": str,
            "pages": str,
            "type": str,
            "publication_types": str,
            "evidence_level": str,
            "abstract": str,
            "url": str,
            "language": str,
            "keywords": str,
            "retracted": int,
            "extra": str,
            "provenance": str,
            # fields a user set by hand: fetched metadata never overwrites them
            "user_fields": str,
            # probable duplicate of another study (fuzzy title + year + first author)
            "duplicate_of": int,
            # first author (folded) and year: narrows probable-duplicate searches
            "dedup_key": str,
            "source": str,
            "added_at": str,
            "updated_at": str,
            "fetched_at": str,
        },
        "pk": "id",
        "foreign_keys": [],
        "not_null": {"citekey"},
    },
    "notices": {
        "columns": {
            "id": int,
            "study_id": int,
            "kind": str,
            "source": str,
            "date": str,
            "doi": str,
            "pmid": str,
            "reason": str,
        },
        "pk": "id",
        "foreign_keys": [("study_id", "studies", "id")],
        "not_null": {"study_id", "kind", "source"},
    },
    "checks": {
        "columns": {
            "id": int,
            "study_id": int,
            "checked_at": str,
            "status": str,
            "sources": str,
            "mismatches": str,
            "reason": str,
            "response": str,
        },
        "pk": "id",
        "foreign_keys": [("study_id", "studies", "id")],
        "not_null": {"study_id", "status"},
    },
    "documents": {
        "columns": {
            "id": int,
            "name": str,
            "path": str,
            "sha256": str,
            "format": str,
            "ingested_at": str,
            "data": str,
        },
        "pk": "id",
        "foreign_keys": [],
        "not_null": {"name"},
    },
    "claims": {
        "columns": {
            "id": str,
            "document_id": int,
            "position": int,
            "text": str,
            "start": int,
            "end": int,
            "checkworthiness": float,
            "reasons": str,
            "block": str,
            # set when an edited document no longer has this claim but tags still point at it
            "removed_at": str,
        },
        "pk": "id",
        "foreign_keys": [("document_id", "documents", "id")],
        "not_null": {"document_id", "text"},
    },
    "mentions": {
        "columns": {
            "id": int,
            "claim_id": str,
            "document_id": int,
            "kind": str,
            "text": str,
            "start": int,
            "end": int,
            "journal": str,
            "institution": str,
            "authors": str,
            "year": int,
            "identifier": str,
            "citekey": str,
            "reference": str,
            "numbers": str,
            "data": str,
            "study_id": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("claim_id", "claims", "id"),
            ("document_id", "documents", "id"),
            ("study_id", "studies", "id"),
        ],
        "not_null": {"claim_id", "document_id", "kind"},
    },
    # Candidate works for a mention (reference string or narrative attribution), scored.
    # A candidate is not a study of the library until it is accepted (then study_id).
    "candidates": {
        "columns": {
            "id": int,
            "mention_id": int,
            "study_id": int,
            "doi": str,
            "title": str,
            "journal": str,
            "year": int,
            "work": str,
            "score": float,
            "reasons": str,
            "rank": int,
            "accepted": int,
        },
        "pk": "id",
        "foreign_keys": [("mention_id", "mentions", "id"), ("study_id", "studies", "id")],
        "not_null": {"mention_id"},
    },
    # Retraction Watch data (Crossref's open CSV), loaded by `evidence retractions update`.
    "retractions": {
        "columns": {
            "id": int,
            "record_id": str,
            "original_doi": str,
            "original_pmid": str,
            "notice_doi": str,
            "notice_pmid": str,
            "kind": str,
            "date": str,
            "reason": str,
            "title": str,
            "journal": str,
        },
        "pk": "id",
        "foreign_keys": [],
        "not_null": {"kind"},
    },
    "evidence": {
        "columns": {
            "id": int,
            "claim_id": str,
            "study_id": int,
            "stance": str,
            "origin": str,
            "note": str,
            "created_at": str,
        },
        "pk": "id",
        "foreign_keys": [("claim_id", "claims", "id"), ("study_id", "studies", "id")],
        "not_null": {"claim_id", "study_id", "stance", "origin"},
    },
}

# (table, columns, unique)
INDEXES: list[tuple[str, list[str], bool]] = [
    ("studies", ["citekey"], True),
    ("studies", ["doi"], True),
    ("studies", ["pmid"], True),
    ("studies", ["pmcid"], False),
    ("studies", ["arxiv"], False),
    ("studies", ["isbn"], False),
    ("studies", ["dedup_key"], False),
    ("notices", ["study_id", "kind", "source", "doi"], True),
    ("checks", ["study_id"], False),
    ("documents", ["name"], True),
    ("claims", ["document_id", "position"], False),
    ("mentions", ["claim_id"], False),
    ("mentions", ["document_id"], False),
    ("candidates", ["mention_id"], False),
    ("evidence", ["claim_id", "study_id", "origin"], True),
    ("evidence", ["study_id"], False),
    ("retractions", ["original_doi"], False),
    ("retractions", ["original_pmid"], False),
]

FTS: dict[str, list[str]] = {
    "studies": ["title", "abstract", "journal", "authors", "citekey"],
    "claims": ["text"],
}

migrations = Migrations("evidence")


def ensure_declared(db: sqlite_utils.Database) -> None:
    """Create what TABLES, INDEXES and FTS declare and the database lacks (idempotent)."""
    for name, spec in TABLES.items():
        table = _table(db, name)
        if not table.exists():
            table.create(
                spec["columns"],
                pk=spec["pk"],
                foreign_keys=spec["foreign_keys"],
                not_null=spec["not_null"],
            )
        else:
            have = set(table.columns_dict)
            for column, kind in spec["columns"].items():
                if column not in have:
                    table.add_column(column, kind)
    for name, columns, unique in INDEXES:
        _table(db, name).create_index(columns, unique=unique, if_not_exists=True)
    for name, columns in FTS.items():
        table = _table(db, name)
        if not db[f"{name}_fts"].exists():
            table.enable_fts(columns, create_triggers=True, tokenize="porter")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    ensure_declared(db)


@migrations()
def m002_retractions(db: sqlite_utils.Database) -> None:
    ensure_declared(db)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _table(db: sqlite_utils.Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


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


class Store:
    """The evidence database."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise UsageError(f"Database path {self.path} is a directory. Give a file path.")
        try:
            conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            self.db = sqlite_utils.Database(conn)
            # Wait rather than fail when another process writes (DESIGN: two processes can write).
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self.ensure_shape()
        except sqlite3.DatabaseError as exc:
            raise UsageError(
                f"Cannot open database {self.path}: {exc}. Check that it is an evidence database."
            ) from None

    def ensure_shape(self) -> None:
        if migrations.pending(self.db):
            with self.transaction():
                migrations.apply(self.db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Take SQLite's write lock up front (BEGIN IMMEDIATE) so concurrent writers
        queue on the busy timeout instead of failing with "database is locked" when a
        read transaction tries to upgrade."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextmanager
    def indexing_after(self, table: str) -> Iterator[None]:
        """Insert many rows into ``table`` and add them to its full-text index in one
        statement at the end, instead of one trigger run per row (several times faster).

        Only for inserts, inside a transaction: the insert trigger is dropped and created
        again within it, so no other connection, and no crash, ever sees the table
        without its trigger or a row missing from the index.
        """
        conn = self.db.conn
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

    def close(self) -> None:
        self.db.conn.close()

    # --- generic helpers -------------------------------------------------------------

    def table(self, name: str) -> Table:
        return _table(self.db, name)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return [decode_row(r) for r in self.db.query(sql, params)]

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    def insert(self, table: str, row: dict[str, Any]) -> int:
        t = self.table(table).insert(row)
        assert t.last_pk is not None
        return int(t.last_pk)

    def insert_all(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        self.table(table).insert_all(rows)

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys with one prepared statement (lists
        and dicts stored as JSON text, as sqlite-utils stores them) and add them to the
        table's full-text index in one statement. Needs a transaction."""
        if not rows:
            return
        columns = list(rows[0])
        sql = (
            f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
            f"values ({', '.join('?' for _ in columns)})"
        )
        encode = json.JSONEncoder(ensure_ascii=False, default=repr).encode
        take = operator.itemgetter(*columns)
        values: list[Any] = [take(row) for row in rows]
        if len(columns) == 1:
            values = [(value,) for value in values]
        # Lists and dicts go in the JSON columns: look at those alone.
        json_at = [
            i
            for i, c in enumerate(columns)
            if c in JSON_COLUMNS or isinstance(rows[0][c], (dict, list))
        ]
        if json_at:
            for n, row_values in enumerate(values):
                if any(isinstance(row_values[i], (dict, list)) for i in json_at):
                    row_values = list(row_values)
                    for i in json_at:
                        if isinstance(row_values[i], (dict, list)):
                            row_values[i] = encode(row_values[i])
                    values[n] = row_values
        with self.indexing_after(table):
            self.db.conn.executemany(sql, values)

    def update(self, table: str, pk: Any, values: dict[str, Any]) -> None:
        try:
            self.table(table).update(pk, values)
        except NotFoundError:
            raise EvidenceError(f"No row {pk} in {table}.") from None

    def delete_where(self, table: str, where: str, params: Iterable[Any]) -> None:
        self.table(table).delete_where(where, list(params))

    def count(self, table: str) -> int:
        return int(self.scalar(f"select count(*) from [{table}]"))

    def integrity_problems(self) -> list[str]:
        """``PRAGMA integrity_check`` and ``foreign_key_check`` findings (empty when sound)."""
        problems = [
            r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"
        ]
        problems += [
            f"foreign key: {r[0]} row {r[1]} -> {r[2]}"
            for r in self.db.execute("PRAGMA foreign_key_check").fetchall()
        ]
        return problems

    def search(self, table: str, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search (FTS5, porter stemming) over studies or claims."""
        try:
            rows = self.table(table).search(query, limit=limit)
            return [decode_row(r) for r in rows]
        except sqlite3.OperationalError:
            # A query that is not valid FTS syntax: search it as a quoted phrase instead.
            quoted = '"' + query.replace('"', '""') + '"'
            return [decode_row(r) for r in self.table(table).search(quoted, limit=limit)]
