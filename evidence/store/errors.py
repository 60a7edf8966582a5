"""What a failed SQLite call means for the user: one domain error per kind of failure.

SQLite says "database is locked", "attempt to write a readonly database" or "database
disk image is malformed"; the user needs to know that another process is writing, that
the file or its folder cannot be written, or that the file is damaged and how to get its
contents back. The store raises these errors itself where it can (opening, starting a
transaction) and the CLI maps any other ``sqlite3.Error`` through ``database_error``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from evidence.errors import EvidenceError, UsageError

# SQLite's primary result codes (https://sqlite.org/rescode.html).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

# The same failures by their message, for errors raised without a result code.
_BY_TEXT = (
    ("database is locked", SQLITE_BUSY),
    ("database table is locked", SQLITE_LOCKED),
    ("readonly database", SQLITE_READONLY),
    ("disk image is malformed", SQLITE_CORRUPT),
    ("disk is full", SQLITE_FULL),
    ("disk I/O", SQLITE_IOERR),
    ("unable to open database", SQLITE_CANTOPEN),
    ("file is not a database", SQLITE_NOTADB),
)


def result_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of ``exc`` (extended codes folded), if known."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc)
    return next((c for phrase, c in _BY_TEXT if phrase in text), None)


def locked_error(path: Path) -> EvidenceError:
    return EvidenceError(
        f"another process is writing to {path} and did not finish in time. Run the command "
        "again when it has finished, or wait longer with EVIDENCE_LOCK_TIMEOUT=SECONDS"
    )


def damaged_error(path: Path, detail: str, *, untouched: bool = False) -> UsageError:
    """``untouched``: found before anything was written (the check on opening)."""
    state = "; nothing was written to it" if untouched else ""
    return UsageError(
        f"{path} is damaged ({detail}){state}. Recover what it holds with "
        f"`sqlite3 {path} .recover | sqlite3 recovered.db` and use --db recovered.db, "
        "or restore a backup"
    )


def read_only_error(path: Path) -> UsageError:
    return UsageError(
        f"{path} cannot be written (the file or its folder is read-only) and this command "
        "changes it. Run it on a copy in a writable folder"
    )


def database_error(path: Path, exc: sqlite3.Error) -> EvidenceError | None:
    """The domain error ``exc`` stands for, or None when it is none of the known kinds."""
    code = result_code(exc)
    if code in (SQLITE_FULL, SQLITE_IOERR):
        return EvidenceError(
            "the disk is full; nothing of the failed step was written. "
            "Free some space and run the command again"
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return locked_error(path)
    if code == SQLITE_READONLY:
        return read_only_error(path)
    if code == SQLITE_CORRUPT:
        return damaged_error(path, str(exc))
    if code == SQLITE_NOTADB:
        return UsageError(
            f"Cannot open database {path}: {exc}. Check that it is an evidence database."
        )
    if code == SQLITE_CANTOPEN:
        return UsageError(
            f"cannot open {path}: {exc}. Check that its folder exists and can be written"
        )
    return None
