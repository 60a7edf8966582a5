"""Commands for pre-commit hooks (.pre-commit-hooks.yaml): `hook check` and `hook verify`.

pre-commit appends the changed files to a hook's command, and a hook's ``args`` come
before them, so each command takes its files as arguments and its database as an option
of its own. Without ``--db`` a hook works in a throwaway database made for the run: a
commit never writes to ./evidence.db or to the database EVIDENCE_DB names in the shell.
The work itself is done by the `ingest`, `check` and `verify` commands, invoked with the
hook's database, so a hook prints and fails exactly as they do.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from evidence.claims import parse_statuses
from evidence.cli.context import Settings, handle_errors, out, settings
from evidence.cli.evidence import BIBLIOGRAPHY_SUFFIXES
from evidence.cli.paths import given_path
from evidence.errors import UsageError
from evidence.vocab import DEFAULT_FAIL_ON

app = typer.Typer()

hook_app = typer.Typer(
    help="Commands for pre-commit hooks: check changed documents and bibliographies.",
    no_args_is_help=True,
)
app.add_typer(hook_app, name="hook")

DB_HELP = "Database to work in (default: a throwaway database for this run only)."


@contextmanager
def hook_database(ctx: typer.Context, db: str | None, *, offline: bool = False) -> Iterator[Path]:
    """Point the run's settings at ``db``, or at a new database in a temporary folder that
    is removed afterwards (with the HTTP cache beside it, unless EVIDENCE_CACHE says
    where)."""
    root = ctx.find_root()
    before = settings(ctx)
    with tempfile.TemporaryDirectory(prefix="evidence-hook-") as folder:
        path = given_path(db, "--db") if db is not None else Path(folder) / "evidence.db"
        root.obj = Settings(db=path, offline=before.offline or offline, mailto=before.mailto)
        try:
            yield path
        finally:
            root.obj = before


def run_command(ctx: typer.Context, args: list[str]) -> int:
    """Run the command line ``args`` (a command of this app and its arguments) as if
    typed after the global options, and return its exit code."""
    root = ctx.find_root()
    name, *rest = args
    command = root.command.get_command(root, name)  # type: ignore[attr-defined]
    try:
        with command.make_context(name, rest, parent=root) as sub:
            command.invoke(sub)
    except typer.Exit as exc:
        return int(exc.exit_code)
    return 0


@hook_app.command("check")
@handle_errors
def hook_check(
    ctx: typer.Context,
    files: list[str] = typer.Argument(..., help="Documents (.md .qmd .tex …) to check."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    bib_files: list[str] = typer.Option(
        None, "--bib", help="Bibliography whose citekeys the documents use (repeatable)."
    ),
    fail_on: str = typer.Option(
        ",".join(DEFAULT_FAIL_ON),
        "--fail-on",
        help="Statuses that fail the check (comma-separated).",
    ),
) -> None:
    """Ingest documents and check their claims, each document named by its path; exit 1
    if any claim fails."""
    parse_statuses(fail_on, "--fail-on")  # before anything is read
    for name in files:
        path = given_path(name, "A document argument")
        if not path.exists():
            raise UsageError(f"{name}: no such file. Check the path")
    worst = 0
    with hook_database(ctx, db):
        for name in files:
            bibs = [arg for bib in bib_files or () for arg in ("--bib", bib)]
            code = run_command(ctx, ["ingest", "--name", name, *bibs, "--", name])
            if code:
                raise typer.Exit(code)
        for name in files:
            out.print(f"[bold]{name}[/]")
            code = run_command(ctx, ["check", "--document", name, "--fail-on", fail_on])
            if code > 1:
                raise typer.Exit(code)
            worst = max(worst, code)
    raise typer.Exit(worst)


@hook_app.command("verify")
@handle_errors
def hook_verify(
    ctx: typer.Context,
    files: list[str] = typer.Argument(..., help="Bibliographies (.bib .json .ris) to check."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    offline: bool = typer.Option(
        False, "--offline", help="Answer lookups from the HTTP cache only; never use the network."
    ),
) -> None:
    """Check every reference of bibliographies against the services; exit 1 when one does
    not exist, is cited wrongly or is retracted."""
    for name in files:
        path = given_path(name, "A file argument")
        if path.suffix.lower() not in BIBLIOGRAPHY_SUFFIXES:
            raise UsageError(
                f"{name}: not a bibliography. Give .bib, .json or .ris files "
                "(the hook's `files` pattern decides which are passed)"
            )
        if not path.is_file():
            raise UsageError(f"{name}: no such file. Check the path")
    with hook_database(ctx, db, offline=offline):
        code = run_command(ctx, ["verify", "--", *files])
    raise typer.Exit(code)
