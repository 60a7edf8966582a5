"""Verification and evidence commands: verify, retractions, tag, untag."""

from __future__ import annotations

from contextlib import ExitStack

import typer

from bib.encoding import TooLarge, read_capped
from bib.http import HttpClient
from evidence import linking
from evidence import verify as verification
from evidence.cli.context import (
    err,
    fail,
    handle_errors,
    http_client,
    json_option,
    open_store,
    out,
)
from evidence.cli.paths import given_path
from evidence.cli.problems import problem_line
from evidence.cli.progress import TerminalProgress
from evidence.cli.verdicts import VerdictFiles
from evidence.store import Store

app = typer.Typer()

retractions_app = typer.Typer(
    help="The local copy of the Retraction Watch data.", no_args_is_help=True
)
app.add_typer(retractions_app, name="retractions")

BIBLIOGRAPHY_SUFFIXES = (".bib", ".bibtex", ".json", ".ris")


@app.command("verify")
@handle_errors
def verify_cmd(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(
        None,
        help="Bibliography files (.bib, .json, .ris) to check entry by entry, or citekeys, "
        "DOIs or PMIDs of stored studies (default: see --all).",
    ),
    all_studies: bool = typer.Option(False, "--all", help="Verify every study in the library."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Ask the services again even when a verdict is fresh."
    ),
    as_json: bool = json_option("verdicts"),
) -> None:
    """Check references against the services: do they exist, are they cited correctly,
    are they retracted. Exit 1 when one does not exist, is cited wrongly or is retracted."""
    if not ids and not all_studies:
        fail("nothing to verify. Give a .bib file, citekeys, DOIs or PMIDs, or --all")
    files = [name for name in ids or [] if _is_bibliography(name)]
    documents = [name for name in ids or [] if name not in files and _is_document(name)]
    refs = [name for name in ids or [] if name not in files and name not in documents]
    with open_store(ctx) as store, VerdictFiles(as_json=as_json) as report:
        items: list[verification.Citation] = []
        unsaved: list[str] = []
        cited: list[int] = []
        if files:
            items.extend(_file_citations(store, files, unsaved))
        if documents:
            with http_client(ctx) as client:
                cited = _document_studies(store, client, documents)
        chosen = verification.select(
            store, refs, all_studies=all_studies, refresh=refresh, first=cited
        )
        with ExitStack() as stack:
            client = None
            if items or unsaved or chosen.stale:
                client = stack.enter_context(http_client(ctx))
            verification.verify_citations(
                store,
                client,
                items,
                TerminalProgress.for_terminal(err),
                stored=chosen.stale,
                fresh=chosen.fresh,
                unsaved=unsaved,
                report=report,
            )
        for line in report.notices:
            err.print(line, markup=False)
        if as_json:
            report.print_json()
        else:
            report.print_problems()
            summary = ", ".join(f"{n} {status}" for status, n in sorted(report.counts.items()))
            out.print(f"{report.checked} checked: {summary or 'nothing'}.", markup=False)
            if report.skipped_fresh:
                out.print(
                    f"{report.skipped_fresh} studies have a fresh verdict (use --refresh to "
                    "check again)."
                )
    if report.failed:
        raise typer.Exit(1)


def _is_bibliography(name: str) -> bool:
    from pathlib import Path

    path = Path(name)
    return path.suffix.lower() in BIBLIOGRAPHY_SUFFIXES and path.is_file()


def _is_document(name: str) -> bool:
    """A manuscript or a folder `ingest` reads (not a bibliography, not an identifier)."""
    from pathlib import Path

    from evidence.read import SUFFIXES

    path = Path(name)
    if path.is_dir():
        return True
    return path.is_file() and path.suffix.lower() in SUFFIXES


def _document_studies(store: Store, client: HttpClient, names: list[str]) -> list[int]:
    """Ingest each manuscript (as `ingest` does), resolve its mentions (as `resolve`
    does) and return the studies it cites, by id in citekey order."""
    from pathlib import Path

    from evidence import ingest as ingesting
    from evidence.resolve import resolve_mentions

    citekeys = ingesting.Citekeys.of_library(store, {})
    ids: set[int] = set()
    for name in names:
        given_path(name, "A document argument")
        report = ingesting.ingest_document(store, Path(name), citekeys=citekeys)
        for problem in report.problems:
            err.print(f"{report.document}: {problem}", markup=False)
        resolved = resolve_mentions(store, client, report.document)
        if not client.config.offline:
            # What no service knows is a reference to report, not a lookup failure.
            verification.keep_unknown_identifiers(store, report.document)
        elif resolved.failures:
            for line in resolved.failures:
                err.print(f"Error: {line}", markup=False)
        ids.update(verification.studies_cited_by(store, report.document))
    return verification.ids_by_citekey(store, ids)


def _file_citations(
    store: Store, names: list[str], unsaved: list[str]
) -> list[verification.Citation]:
    """Import what the files hold (new entries become studies) and return each entry as
    cited, with the study it was saved as; the keys of entries that held nothing to save
    go to ``unsaved``."""
    from evidence import library_io

    paths = [given_path(name, "A file argument") for name in names]
    imported = library_io.import_files(store, paths)
    for p in imported.problems:
        err.print(problem_line(p), markup=False)
    if imported.unreadable and not imported.any_read:
        raise typer.Exit(2)
    rows = verification.rows_by_id(store, set(imported.keys.values()))
    by_key = {key: rows[i] for key, i in imported.keys.items() if i in rows}
    unsaved.extend(w.citekey for w in imported.entries if w.citekey and w.citekey not in by_key)
    return verification.citations_of(imported.entries, by_key)


# The Retraction Watch CSV is about 60 MB and grows by a few MB a year; a file read
# with --file is held in memory, so a device or an endless pipe is stopped here.
RETRACTIONS_MAX_BYTES = 512 * 2**20


@retractions_app.command("update")
@handle_errors
def retractions_update(
    ctx: typer.Context,
    file_name: str = typer.Option(
        None, "--file", help="Load a downloaded Retraction Watch CSV instead of fetching it."
    ),
    url: str = typer.Option(
        None,
        "--url",
        help="Where to download the CSV (default: EVIDENCE_RETRACTIONS_URL or Crossref's copy).",
    ),
) -> None:
    """Download the Retraction Watch data into the database for offline checks."""
    from bib.services.retractions import parse_retraction_data

    if file_name is not None:
        file = given_path(file_name, "--file")
        try:
            body = read_capped(file, RETRACTIONS_MAX_BYTES)
        except TooLarge:
            fail(
                f"{file} holds more than {RETRACTIONS_MAX_BYTES // 2**20} MB, far more than the "
                "Retraction Watch data. Give the downloaded CSV file"
            )
        with open_store(ctx) as store:
            count = verification.load_retractions(store, parse_retraction_data(body))
    else:
        with http_client(ctx) as client, verification.fetch_retraction_data(client, url) as data:
            with open_store(ctx) as store:
                count = verification.load_retractions(store, parse_retraction_data(data))
    out.print(f"Loaded {count} Retraction Watch notices.")


@retractions_app.command("status")
@handle_errors
def retractions_status(ctx: typer.Context) -> None:
    """How many Retraction Watch notices the database holds."""
    with open_store(ctx, create=False) as store:
        n = store.count("retractions")
        latest = store.scalar("select max(date) from retractions")
    out.print(f"{n} notices" + (f", latest dated {latest}" if latest else "") + ".")


@app.command()
@handle_errors
def tag(
    ctx: typer.Context,
    claim: str = typer.Argument(..., help="Claim id (as `evidence claims` prints it)."),
    study: str = typer.Argument(..., help="Study citekey, DOI or PMID."),
    stance: str = typer.Option(..., "--stance", help="supports, contradicts or mentions."),
    note: str = typer.Option(None, "--note", help="A note kept with the link."),
) -> None:
    """Record that a study supports, contradicts or merely mentions a claim."""
    with open_store(ctx) as store:
        link = linking.tag(store, claim, study, stance, note)
    out.print(f"{link['claim']} {link['stance']} {link['study']} (user)", markup=False)


@app.command()
@handle_errors
def untag(
    ctx: typer.Context,
    claim: str = typer.Argument(..., help="Claim id."),
    study: str = typer.Argument(..., help="Study citekey, DOI or PMID."),
) -> None:
    """Remove a user's evidence link between a claim and a study."""
    with open_store(ctx) as store:
        removed = linking.untag(store, claim, study)
    if not removed:
        fail(f"claim {claim} has no user tag for {study}. See `evidence claims`", 1)
    out.print(f"Removed the tag of {claim} for {study}.", markup=False)
