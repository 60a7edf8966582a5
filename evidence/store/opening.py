"""Opening the database: read-only where it cannot be written, checked before writing.

- A command that only reads opens the file read-only (``PRAGMA query_only``) when it may
  be written, and through SQLite's ``mode=ro`` when the file or its folder is read-only
  (a read-only mount, another user's folder): reading never needs write access.
- A command that writes first runs ``PRAGMA quick_check`` (tens of milliseconds on a
  library of 27,000 studies, 1.6 s on a million) and refuses a damaged file instead of
  writing into it. The check is skipped when the file is as a writing command of this
  tool left it after passing the check, less than a day ago: the stamp beside the
  database (``<db>-checked``) records the size, modification time and inode of the file
  and its write-ahead log at that command's clean close. A crash, an error, another
  program's write or a day's wait brings the check back.
- Either way the schema version recorded in the file is compared with this version's:
  a database a newer evidence has changed is refused with a message to upgrade.

Everything here reads the database through the plain ``sqlite3`` connection, with SQL:
opening a library that is up to date never imports sqlite-utils.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from evidence import __version__
from evidence.errors import UsageError
from evidence.store.errors import SQLITE_BUSY, SQLITE_LOCKED, damaged_error, result_code
from evidence.store.schema import MIGRATION_SET, MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION


def use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the file in write-ahead-log mode (a setting kept in the file: after its first
    opening there is nothing to change). The change needs the file to itself, and when
    two connections ask for it at once SQLite answers one of them "database is locked"
    at once, without waiting on the busy timeout (two processes opening one new
    library). That one asks again, for up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if result_code(exc) not in (SQLITE_BUSY, SQLITE_LOCKED):
                raise
            if time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def may_write(path: Path) -> bool:
    """Whether this process may change the file and create its companions (-wal, -shm)
    beside it. ``os.access`` also says no on a read-only mount, even to root."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def connect(path: Path, *, read_only: bool, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode (the store begins its own transactions)."""
    if not read_only:
        return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        # A database in WAL mode needs its -shm file, which a read-only folder cannot
        # hold. With no write-ahead log to read, the file alone is the whole database:
        # SQLite reads it as immutable (no locks, no -shm). Nobody can write it here.
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise UsageError(
                f"cannot read {path} in a read-only folder: its write-ahead log {wal.name} "
                "holds changes not yet in the file. Open it once where its folder can be "
                "written (any evidence command does), then it reads anywhere"
            ) from None
        return sqlite3.connect(
            f"{uri}?immutable=1", uri=True, timeout=timeout, isolation_level=None
        )


def refuse_damaged(db: sqlite3.Connection, path: Path) -> None:
    """Raise unless SQLite's quick check finds the file sound."""
    try:
        found = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise damaged_error(path, str(exc), untouched=True) from None
    if found != ["ok"]:
        # One finding may span lines ("*** in database main ***\nPage 22: …").
        lines = [line for f in found for line in f.splitlines() if not line.startswith("***")]
        more = f" and {len(lines) - 1} more" if len(lines) > 1 else ""
        raise damaged_error(path, f"quick check: {(lines or found)[0]}{more}", untouched=True)


STAMP_SUFFIX = "-checked"
# A file left as this tool left it is checked again after this many seconds anyway.
RECHECK_AFTER = 86400.0


def stamp_path(path: Path) -> Path:
    return path.with_name(path.name + STAMP_SUFFIX)


def _file_state(path: Path) -> list[list[int]]:
    """Size, modification time and inode of the database file and its write-ahead log."""
    state: list[list[int]] = []
    for file in (path, path.with_name(path.name + "-wal")):
        try:
            st = file.stat()
        except OSError:
            state.append([])
            continue
        state.append([st.st_size, st.st_mtime_ns, st.st_ino])
    return state


def checked_as_left(path: Path) -> float | None:
    """When the file last passed the quick check, if it is as a command of this tool
    left it since and that was less than RECHECK_AFTER seconds ago; else None."""
    try:
        stamp = json.loads(stamp_path(path).read_text(encoding="utf-8"))
        checked_at = float(stamp["checked_at"])
        fresh = 0 <= time.time() - checked_at < RECHECK_AFTER
        return checked_at if fresh and stamp["state"] == _file_state(path) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_checked(path: Path, checked_at: float) -> None:
    """Record the file's state after a clean close (best effort: a stamp that cannot be
    written only means the next command checks again)."""
    stamp = stamp_path(path)
    try:
        body = json.dumps({"checked_at": checked_at, "state": _file_state(path)})
        partial = stamp.with_name(stamp.name + ".tmp")
        partial.write_text(body, encoding="utf-8")
        os.replace(partial, stamp)
    except OSError:
        pass


def forget_checked(path: Path) -> None:
    try:
        stamp_path(path).unlink(missing_ok=True)
    except OSError:
        pass


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations applied to the database, in the order they were applied:
    what sqlite-utils' ``Migrations.applied`` reads, read with plain SQL."""
    found = db.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    if found is None:
        return []
    return [
        row[0]
        for row in db.execute(
            f"select name from [{MIGRATIONS_TABLE}] where migration_set = ? order by rowid",
            [MIGRATION_SET],
        )
    ]


def pending_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of this version's migrations not applied to the database yet, in order."""
    applied = set(applied_migrations(db))
    return [name for name in MIGRATIONS if name not in applied]


def refuse_newer(db: sqlite3.Connection, path: Path) -> None:
    """Raise when a newer evidence has changed the database: a schema version above
    this one's, or a migration this version does not know."""
    theirs = schema_version(db)
    unknown = [name for name in applied_migrations(db) if name not in MIGRATIONS]
    if theirs > SCHEMA_VERSION or unknown:
        shown = theirs if theirs > SCHEMA_VERSION else f"with {', '.join(unknown)}"
        raise UsageError(
            f"{path} was written by a newer version of evidence (database schema {shown}; "
            f"evidence {__version__} reads schema {SCHEMA_VERSION} and older). Upgrade "
            "evidence (pip install --upgrade evidence) to use it"
        )


def older_read_only(path: Path, pending: list[str]) -> UsageError:
    return UsageError(
        f"{path} was made by an older version of evidence and needs an upgrade "
        f"({', '.join(pending)}), which cannot be written here (the file or its folder is "
        "read-only). Run any evidence command on it once where it can be written"
    )
