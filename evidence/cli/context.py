"""What every command shares: settings from the global options, the store and HTTP
session they open, the consoles, one-line errors and their exit codes, JSON printing, and
the options several commands declare alike."""

from __future__ import annotations

import errno
import functools
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bib.errors import BibError
from evidence import __version__
from evidence.cli.exits import BROKEN_PIPE, INTERRUPTED
from evidence.errors import EvidenceError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


class StdoutClosed(UsageError):
    """Standard output cannot be written to (closed, or not open for writing)."""

    def __init__(self) -> None:
        super().__init__(
            "standard output is closed; nothing was printed. "
            "Redirect it to a file (or use --output where the command has it)"
        )


class _Stdout:
    """Standard output as every command writes to it (rich, JSON, plain text): looked up
    at each write, and a closed one is an error instead of output silently dropped
    (Python sets ``sys.stdout`` to None when the process starts with it closed)."""

    def _stream(self) -> Any:
        stream = sys.stdout
        if stream is None:
            raise StdoutClosed()
        return stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream().write(text))
        except OSError as exc:
            if exc.errno == errno.EBADF:
                raise StdoutClosed() from exc
            raise

    def flush(self) -> None:
        try:
            self._stream().flush()
        except OSError as exc:
            if exc.errno == errno.EBADF:
                raise StdoutClosed() from exc
            raise

    def isatty(self) -> bool:
        return sys.stdout is not None and sys.stdout.isatty()

    def __getattr__(self, name: str) -> Any:
        # encoding, fileno…: as the real stream has them (none when it is closed).
        if sys.stdout is None:
            raise AttributeError(name)
        return getattr(sys.stdout, name)


stdout = _Stdout()
# emoji=False: a ":name:" in a document or a title is printed as written.
out = Console(file=stdout, highlight=False, soft_wrap=True, emoji=False)  # type: ignore[arg-type]
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


@dataclass
class Settings:
    db: Path
    offline: bool
    mailto: str | None
    verbose: bool = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evidence {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    db: str = typer.Option(
        None, "--db", envvar="EVIDENCE_DB", help="SQLite database (default ./evidence.db)."
    ),
    offline: bool = typer.Option(
        False, "--offline", help="Answer lookups from the HTTP cache only; never use the network."
    ),
    mailto: str = typer.Option(
        None,
        "--mailto",
        envvar="EVIDENCE_MAILTO",
        help="Contact address sent to the services (Crossref polite pool, NCBI email).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(
        False,
        "--verbose",
        help="Say more in messages: the full request of each lookup the offline cache lacks.",
    ),
) -> None:
    """Track the claims of a document and the studies behind them."""
    # An unset or blank EVIDENCE_OFFLINE is "online": the HTTP package (requests and
    # its cache, a tenth of a second to import) is read only when the variable says
    # something, so that commands that never go online start without it.
    if not offline and os.environ.get("EVIDENCE_OFFLINE", "").strip():
        from bib.http import offline_from_env

        try:
            offline = offline_from_env()
        except BibError as exc:
            fail(str(exc), 2)
    if db == "":  # Path("") would be the current folder
        fail("--db is an empty path. Give the database file (is a shell variable unset?)")
    ctx.obj = Settings(
        db=Path(db or "evidence.db"), offline=offline, mailto=mailto, verbose=verbose
    )


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one `Error: …` line on stderr and exit."""
    err.print(f"Error: {_sentence(message)}", markup=False)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Map domain errors to one-line messages and exit codes; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except EvidenceError as exc:
            fail(str(exc), exc.exit_code)
        except BibError as exc:
            fail(str(exc), 2)
        except sqlite3.Error as exc:
            from evidence.store.errors import database_error

            db = _db_of(args, kwargs)
            problem = database_error(db, exc)
            if problem is not None:
                fail(str(problem), problem.exit_code)
            if not isinstance(exc, sqlite3.OperationalError):
                _unexpected(exc)  # a broken constraint is a bug, not a database problem
            fail(f"database problem with {db}: {exc}. Check the --db path", 1)
        except KeyboardInterrupt:
            fail(
                "interrupted; every item finished before the interruption is saved",
                INTERRUPTED,
            )
        except BrokenPipeError:
            reader_gone()
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 2)
        except Exception as exc:  # pragma: no cover - last line of defence
            _unexpected(exc)

    return wrapper  # type: ignore[return-value]


def reader_gone() -> NoReturn:
    """The reader of stdout left (`evidence studies | head`): stop without a message, as
    a program ended by SIGPIPE does. Stdout then points at /dev/null, so that nothing
    fails again when the interpreter flushes it at exit."""
    quiet_stdout()
    raise typer.Exit(BROKEN_PIPE)


def quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test runner's capture)


def _unexpected(exc: Exception) -> NoReturn:
    if os.environ.get("EVIDENCE_DEBUG"):
        raise exc
    fail(f"unexpected {type(exc).__name__}: {exc}. Set EVIDENCE_DEBUG=1 for details", 1)


def _db_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Path:
    """The --db of a command, from its context argument (for messages about it)."""
    for value in (*args, *kwargs.values()):
        # Typer passes its own click's Context, of which typer.Context is a subclass.
        root = value.find_root() if hasattr(value, "find_root") else None
        if root is not None and isinstance(root.obj, Settings):
            return root.obj.db
    return Path("evidence.db")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


@contextmanager
def open_store(ctx: typer.Context, *, create: bool = True) -> Iterator[Any]:
    """The database of --db. Commands that only read pass ``create=False``: a mistyped
    path is then an error, not a new empty database that passes every check, and the
    database is opened read-only (so it reads from a read-only folder or mount too)."""
    from evidence.store import Store

    db = settings(ctx).db
    if not create and not db.exists():
        raise UsageError(
            f"{db}: no such database. Check --db (or EVIDENCE_DB); "
            "`evidence ingest`, `add` or `import` create one"
        )
    store = Store(
        db,
        readonly=not create,
        lock_timeout=lock_timeout(),
        on_wait=lambda message: err.print(message, markup=False),
    )
    try:
        yield store
    except BaseException:
        store.close(sound=False)
        raise
    store.close()


def lock_timeout() -> float:
    """EVIDENCE_LOCK_TIMEOUT: seconds a write waits for another process's write."""
    from evidence.store import LOCK_TIMEOUT

    raw = os.environ.get("EVIDENCE_LOCK_TIMEOUT", "").strip()
    if not raw:
        return LOCK_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise UsageError(
            f'EVIDENCE_LOCK_TIMEOUT="{raw}" is not a number of seconds. '
            "Give one from 0 to 86400, or unset it (default 30)"
        )
    return seconds


def cache_path(ctx: typer.Context) -> Path:
    """The HTTP cache: beside the database unless EVIDENCE_CACHE says where."""
    db = settings(ctx).db
    return Path(os.environ.get("EVIDENCE_CACHE") or db.with_name(db.name + ".http-cache"))


def protected_files(ctx: typer.Context) -> list[Path]:
    """Files no --output may replace: the database, the HTTP cache, and their companions."""
    from evidence.library_io import database_files

    return [*database_files(settings(ctx).db), *database_files(cache_path(ctx))]


@contextmanager
def http_client(ctx: typer.Context) -> Iterator[Any]:
    """The process's HTTP session (cache beside the database unless EVIDENCE_CACHE)."""
    from bib.http import HttpClient, HttpConfig

    s = settings(ctx)
    cache = str(cache_path(ctx))
    with HttpClient(
        HttpConfig.from_env(mailto=s.mailto, offline=s.offline, cache_path=cache)
    ) as client:
        yield client


def print_json(data: Any) -> None:
    write_out(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_out(text: str) -> None:
    """Plain text on standard output (an export, a report), as it is."""
    stdout.write(text)
    stdout.flush()


def table(*columns: str) -> Table:
    t = Table(*columns, box=None, pad_edge=False, header_style="bold")
    return t


# --- options several commands share, declared once ---------------------------------------


def json_option(what: str) -> Any:
    """`--json`, which every listing command takes (DESIGN.md's shapes)."""
    return typer.Option(False, "--json", help=f"Print {what} as JSON.")


def document_option() -> Any:
    """`--document/-d`: limit a command to one ingested document, by name."""
    return typer.Option(None, "--document", "-d", help="Only this document.")
