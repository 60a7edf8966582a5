"""One statement on the store's connection, with the standard ``sqlite3`` module alone
(importing sqlite-utils costs a command tens of milliseconds; reading needs none of it).

The connection is in autocommit mode (``opening.connect``): a statement outside a
transaction the store began is committed by SQLite as it runs, and one that fails
leaves no transaction open. Running a statement is therefore telling the tracer and
running it. A query's rows become dicts keyed by column name; a name that appears twice
in one result (``select a.id, b.id …``) keeps its first column, the next ones gain a
number (``id_2``), so that no column hides another.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

Params = Sequence[Any] | dict[str, Any] | None
Tracer = Callable[[str, Params], None]

NOT_ROWS = "query() is for statements that return rows; use execute() for this one"


def execute(
    conn: sqlite3.Connection, sql: str, params: Params, tracer: Tracer | None
) -> sqlite3.Cursor:
    """Run one statement; its cursor."""
    if tracer is not None:
        tracer(sql, params)
    if params is None:
        return conn.execute(sql)
    return conn.execute(sql, params)


def query(
    conn: sqlite3.Connection, sql: str, params: Params, tracer: Tracer | None
) -> list[dict[str, Any]]:
    """The rows of a statement that returns rows, as dicts (a ValueError for one that
    returns none: a write meant for ``execute``, which has run all the same)."""
    cursor = execute(conn, sql, params, tracer)
    if cursor.description is None:
        raise ValueError(NOT_ROWS)
    keys = column_keys([column[0] for column in cursor.description])
    return [dict(zip(keys, row, strict=True)) for row in cursor]


def column_keys(names: list[str]) -> list[str]:
    """The keys of a result's columns: each name as it is, unless an earlier column of
    the result has it already; then the name with the first free number from 2."""
    if len(set(names)) == len(names):
        return names
    keys: list[str] = []
    for name in names:
        key, number = name, 1
        # A key must not be an earlier key, nor another column's own name.
        while key in keys or (number > 1 and key in names):
            number += 1
            key = f"{name}_{number}"
        keys.append(key)
    return keys
