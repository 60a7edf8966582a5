"""Running one statement on the store's connection as sqlite-utils' ``Database.execute``
and ``Database.query`` run it, without importing sqlite-utils (whose import costs a
command tens of milliseconds): the reading commands need nothing else.

- ``execute`` tells the tracer, runs the statement and returns the cursor; a write that
  opened a transaction of its own is committed, one that failed is rolled back.
- ``query`` refuses transaction control (BEGIN, COMMIT, SAVEPOINT…), runs anything but
  a PRAGMA inside a savepoint so that a statement which turns out to return no rows is
  undone before the ValueError, and names repeated columns apart (``id``, ``id_2``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Params = Sequence[Any] | dict[str, Any] | None
Tracer = Callable[[str, Params], None]

TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
# Statements query() refuses: they return no rows, and they cannot run inside (or would
# break out of) its savepoint.
QUERY_REJECTED = TRANSACTION_CONTROL | {"VACUUM", "ATTACH", "DETACH"}
NOT_A_QUERY = (
    "query() can only be used with SQL that returns rows - use execute() for other statements"
)
_SAVEPOINT = '"sqlite_utils_query"'


def first_keyword(sql: str) -> str:
    """The statement's first keyword, upper-cased, past white space, ``--`` and
    ``/* */`` comments, empty statements and a byte order mark ("" when none)."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in (";", "\ufeff"):
            i += 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            if newline == -1:
                return ""
            i = newline + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                return ""
            i = end + 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


def dedupe_keys(keys: Iterable[str]) -> list[str]:
    """Column names made unique: a repeated name gains ``_2``, ``_3``… (skipping a
    suffix another column already has)."""
    keys = list(keys)
    taken = set(keys)
    if len(taken) == len(keys):
        return keys
    seen: set[str] = set()
    result = []
    for key in keys:
        if key in seen:
            new_key = key
            suffix = 2
            while new_key in seen or new_key in taken:
                new_key = f"{key}_{suffix}"
                suffix += 1
            key = new_key
        seen.add(key)
        result.append(key)
    return result


def execute(
    conn: sqlite3.Connection, sql: str, params: Params, tracer: Tracer | None
) -> sqlite3.Cursor:
    """Run one statement and return its cursor."""
    if tracer:
        tracer(sql, params)
    was_in_transaction = conn.in_transaction
    try:
        cursor = conn.execute(sql) if params is None else conn.execute(sql, params)
    except Exception:
        if not was_in_transaction and conn.in_transaction:
            # The failed statement opened a transaction nothing would ever end.
            conn.execute("ROLLBACK")
        raise
    if (
        not was_in_transaction
        and conn.in_transaction
        and cursor.description is None
        and first_keyword(sql) not in TRANSACTION_CONTROL
    ):
        conn.execute("COMMIT")
    return cursor


def query(
    conn: sqlite3.Connection, sql: str, params: Params, tracer: Tracer | None
) -> list[dict[str, Any]]:
    """The rows of one statement that returns rows, as dicts."""
    keyword = first_keyword(sql)
    if keyword in QUERY_REJECTED:
        raise ValueError(NOT_A_QUERY)
    if tracer:
        tracer(sql, params)
    args: tuple[Any, ...] = (params,) if params is not None else ()
    if keyword == "PRAGMA":
        # Some pragmas refuse to run inside a transaction: no savepoint around them.
        cursor = conn.execute(sql, *args)
        if cursor.description is None:
            raise ValueError(NOT_A_QUERY)
        keys = dedupe_keys(d[0] for d in cursor.description)
        return [dict(zip(keys, row, strict=True)) for row in cursor]
    conn.execute(f"SAVEPOINT {_SAVEPOINT}")
    released = False
    try:
        cursor = conn.execute(sql, *args)
        if cursor.description is None:
            raise ValueError(NOT_A_QUERY)
        keys = dedupe_keys(d[0] for d in cursor.description)
        # All rows first: a write that returns rows (INSERT … RETURNING) completes only
        # once they are read, and the savepoint cannot be released before.
        rows = cursor.fetchall()
        conn.execute(f"RELEASE {_SAVEPOINT}")
        released = True
        return [dict(zip(keys, row, strict=True)) for row in rows]
    finally:
        if not released and conn.in_transaction:
            # Undo what the statement changed (unless an error such as a
            # RAISE(ROLLBACK) trigger has ended the transaction already).
            conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
            conn.execute(f"RELEASE {_SAVEPOINT}")
