"""Verification and evidence commands: verify, retractions, tag, untag."""

from __future__ import annotations

import typer

from bib.encoding import TooLarge, read_capped
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
    print_json,
)
from evidence.cli.paths import given_path
from evidence.cli.progress import TerminalProgress

app = typer.Typer()

retractions_app = typer.Typer(
    help="The local copy of the Retraction Watch data.", no_args_is_help=True
)
app.add_typer(retractions_app, name="retractions")

VERDICT_STYLE = {
    "verified": "green",
    "mismatch": "yellow",
    "not_found": "red",
    "retracted": "red",
    "unverified": "dim",
}


@app.command("verify")
@handle_errors
def verify_cmd(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(None, help="Citekeys, DOIs or PMIDs (default: see --all)."),
    all_studies: bool = typer.Option(False, "--all", help="Verify every study in the library."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Ask the services again even when a verdict is fresh."
    ),
    as_json: bool = json_option("verdicts"),
) -> None:
    """Check studies against the services: existence, mismatches, retractions, design."""
    if not ids and not all_studies:
        fail("nothing to verify. Give citekeys, DOIs or PMIDs, or --all")
    with open_store(ctx) as store:
        rows, fresh = verification.select_studies(
            store, ids or [], all_studies=all_studies, refresh=refresh
        )
        report = verification.VerifyReport()
        if rows:
            with http_client(ctx) as client:
                report = verification.verify_studies(
                    store, client, rows, TerminalProgress.for_terminal(err)
                )
    report.skipped_fresh = fresh
    for line in report.notices:
        err.print(line, markup=False)
    if as_json:
        print_json(
            {
                "verdicts": report.verdicts,
                "reasons": report.reasons,
                "skipped_fresh": report.skipped_fresh,
            }
        )
    else:
        for key, status in report.verdicts.items():
            style = VERDICT_STYLE.get(status, "")
            reason = report.reasons.get(key)
            out.print(f"[{style}]{status:<10}[/] {key}", end="")
            out.print(f"  ({reason})" if reason else "", markup=False)
        if fresh:
            out.print(f"{fresh} studies have a fresh verdict (use --refresh to check again).")
    if report.failures:
        raise typer.Exit(1)


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
