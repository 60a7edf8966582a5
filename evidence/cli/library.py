"""Library commands: add, import, export, studies, show, search."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from typing import TYPE_CHECKING

import typer

from evidence import library, listing, listing_text
from evidence.cli.context import (
    err,
    fail,
    handle_errors,
    http_client,
    json_option,
    open_store,
    out,
    print_json,
    protected_files,
    settings,
    stdout,
    table,
)
from evidence.cli.lazy import lazy_module
from evidence.cli.listing import (
    Page,
    Streamed,
    all_option,
    limit_option,
    offset_option,
    write_json,
    write_pieces,
)
from evidence.cli.paths import given_path
from evidence.cli.problems import problem_line
from evidence.cli.progress import TerminalProgress

if TYPE_CHECKING:
    from evidence import library_io as operations
else:
    # Only add, import and export need it (and the services and readers it imports).
    operations = lazy_module("evidence.library_io")

app = typer.Typer()

# Beyond this, a listing is an export: `evidence export` or `studies --json`.
MAX_SEARCH_LIMIT = 10_000


def _ids(s: dict) -> str:
    return " ".join(f"{k}:{s[k]}" for k in ("doi", "pmid", "arxiv", "isbn") if s.get(k))


def _first_author(s: dict) -> str:
    return str(s["authors"][0]["family"]) if s["authors"] else ""


def _flags(s: dict) -> list[str]:
    flags = ["retracted"] if s["retracted"] else []
    if s.get("duplicate_of"):
        flags.append(f"probable duplicate of {s['duplicate_of']}")
    return flags


def _print_studies(objs: Iterable[dict], *, header: bool = True) -> None:
    t = table("citekey", "year", "first author", "title", "journal", "ids")
    t.show_header = header
    for s in objs:
        flags = "".join(f" [{f}]" for f in _flags(s))
        t.add_row(
            s["id"],
            str(s["year"] or ""),
            _first_author(s),
            (s["title"] or "") + flags,
            s["journal"] or "",
            _ids(s),
        )
    out.print(t)


# One line per study when the listing is not for a terminal (see `studies`).
TSV_COLUMNS = ("citekey", "year", "first author", "title", "journal", "ids", "verdict", "flags")


@app.command()
@handle_errors
def add(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(None, help="DOIs, pmid:…, PMCIDs, arXiv ids, ISBNs, or URLs."),
    ref: list[str] = typer.Option(
        None, "--ref", help="A free-text reference to match to a DOI (repeatable)."
    ),
    no_fetch: bool = typer.Option(
        False, "--no-fetch", help="Store the identifiers only; fetch no metadata."
    ),
    as_json: bool = json_option("the added studies"),
) -> None:
    """Add studies by identifier or free-text reference, with metadata from the services."""
    ids = ids or []
    refs = ref or []
    if any(not r.strip() for r in refs):
        fail("--ref is empty. Give the reference as text, e.g. --ref 'Field T. Massage 2016'")
    if not ids and not refs:
        fail("nothing to add. Give identifiers (e.g. 10.1000/xyz, pmid:123) or --ref TEXT")
    idents, problems = operations.inspect_identifiers(ids)
    if problems:
        for p in problems:
            err.print(f"Error: {p}", markup=False)
        raise typer.Exit(2)
    with open_store(ctx) as store, nullcontext(None) if no_fetch else http_client(ctx) as client:
        report = operations.add_studies(
            store, client, idents, refs, progress=_progress(), verbose=settings(ctx).verbose
        )
        for line in report.notices:
            err.print(line, markup=False)
        for line in report.failures:
            err.print(f"Error: {line}", markup=False)
        objs = library.study_objects(store, report.rows(store))
        if as_json:
            print_json(objs)
        elif objs:
            _print_studies(objs)
        for cand in report.abstained:
            err.print(cand, markup=False)
    if report.failures or report.abstained:
        raise typer.Exit(1)


def _progress() -> TerminalProgress:
    return TerminalProgress.for_terminal(err)


@app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., help="BibTeX (.bib), CSL-JSON (.json) or RIS (.ris)."),
    as_json: bool = json_option("a summary"),
) -> None:
    """Import studies from bibliography files (BibTeX, CSL-JSON, RIS)."""
    files = [given_path(name, "A file argument") for name in names]
    with open_store(ctx) as store:
        report = operations.import_files(store, files, progress=_progress(), keep_entries=False)
    for p in report.problems:
        err.print(problem_line(p), markup=False)
    if as_json:
        print_json({"files": report.files, "problems": [problem_line(p) for p in report.problems]})
    else:
        for f in report.files:
            out.print(
                f"{f['file']}: {f['added']} added, {f['updated']} updated, "
                f"{f['duplicates']} probable duplicates, {f['problems']} problems",
                markup=False,
            )
    if report.unreadable and not report.any_read:
        raise typer.Exit(2)
    if report.problems:
        raise typer.Exit(1)


@app.command()
@handle_errors
def export(
    ctx: typer.Context,
    fmt: str = typer.Option("bibtex", "--format", help="bibtex, csl-json or ris."),
    output_file: str = typer.Option(
        None, "--output", "-o", help="Write to FILE instead of stdout."
    ),
) -> None:
    """Export the library as BibTeX, CSL-JSON or RIS."""
    output = given_path(output_file, "--output") if output_file is not None else None
    if fmt not in ("bibtex", "csl-json", "ris"):
        fail(f'unknown format "{fmt}". Use bibtex, csl-json or ris')
    with open_store(ctx, create=False) as store, store.snapshot():
        pieces = operations.iter_export(store, fmt)
        if output:
            operations.write_atomically(output, pieces, protect=protected_files(ctx))
            err.print(f"Wrote {output}", markup=False)
        else:
            write_pieces(pieces)
            stdout.flush()


@app.command()
@handle_errors
def studies(
    ctx: typer.Context,
    as_json: bool = json_option("study objects"),
    limit: int = limit_option(),
    offset: int = offset_option(),
    show_all: bool = all_option(),
) -> None:
    """List the studies in the library.

    On a terminal: a table of the first 50 (--limit, --offset, --all for others).
    Piped or redirected: one line per study, tab-separated, no header: citekey, year,
    first author, title, journal, identifiers, verdict, flags (retracted, probable
    duplicate of another study). --json: study objects. Citekey order throughout."""
    page = Page.of(limit, offset, show_all, as_json=as_json)
    with open_store(ctx, create=False) as store, store.snapshot():
        if as_json:
            write_json(
                Streamed(
                    laid=lambda indent: listing_text.iter_study_json(
                        store, offset=page.offset, limit=page.limit, indent=indent
                    )
                )
            )
            return
        total = listing.count_studies(store)
        if not total:
            err.print("The library is empty. Add studies with `evidence add` or `evidence import`.")
            return
        shown = 0
        if page.terminal:
            rows = listing.iter_study_rows(
                store, offset=page.offset, limit=page.limit, columns=listing.OBJECT_COLUMNS
            )
            # A table measures its rows before printing them: one table per chunk.
            for chunk in listing.in_chunks(listing.iter_study_objects(store, rows)):
                _print_studies(chunk, header=not shown)
                shown += len(chunk)
        else:
            lines = listing_text.iter_study_lines(store, offset=page.offset, limit=page.limit)
            shown = write_pieces(lines)
            stdout.flush()
        if not shown:
            err.print(f"No studies after --offset {page.offset}; the library holds {total:,}.")
        page.footer(shown, total, "Studies", "studies")


@app.command()
@handle_errors
def show(
    ctx: typer.Context,
    study: str = typer.Argument(..., help="Citekey, DOI or PMID."),
    as_json: bool = json_option("the study object"),
) -> None:
    """Show one study: metadata, identifiers, notices and verification."""
    with open_store(ctx, create=False) as store:
        row = library.get_study(store, study)
        obj = library.study_objects(store, [row])[0]
    if as_json:
        print_json(obj)
        return
    authors = "; ".join(f"{a['family']}, {a['given']}".rstrip(", ") for a in obj["authors"])
    lines = [
        ("citekey", obj["id"]),
        ("title", obj["title"]),
        ("authors", authors),
        ("journal", obj["journal"]),
        ("year", obj["year"]),
        ("volume", obj["volume"]),
        ("issue", obj["issue"]),
        ("pages", obj["pages"]),
        ("type", obj["type"]),
        ("doi", obj["doi"]),
        ("pmid", obj["pmid"]),
        ("pmcid", obj["pmcid"]),
        ("arxiv", obj["arxiv"]),
        ("isbn", obj["isbn"]),
        ("publication types", ", ".join(obj["publication_types"])),
        ("evidence level", obj["evidence_level"]),
        ("retracted", "yes" if obj["retracted"] else "no"),
        ("verification", obj["verification"]["status"]),
        ("probable duplicate of", obj.get("duplicate_of")),
    ]
    for key, value in lines:
        if value not in (None, ""):
            out.print(f"{key:>22}: {value}", markup=False)
    for n in obj["notices"]:
        out.print(
            f"{'notice':>22}: {n['kind']} ({n['source']}) {n.get('date') or ''} "
            f"{n.get('doi') or ''}".rstrip(),
            markup=False,
        )


@app.command()
@handle_errors
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Words to look for (SQLite FTS5 syntax)."),
    claims: bool = typer.Option(False, "--claims", help="Search claims instead of studies."),
    limit: int = typer.Option(
        20, "--limit", help=f"At most this many results (1 to {MAX_SEARCH_LIMIT})."
    ),
    as_json: bool = json_option("results"),
) -> None:
    """Full-text search of the local library (or of claims with --claims)."""
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        fail(f"--limit {limit} is out of range. Give a number from 1 to {MAX_SEARCH_LIMIT}")
    with open_store(ctx, create=False) as store:
        if claims:
            rows = store.search("claims", query, limit=limit)
            if as_json:
                print_json([{"id": r["id"], "text": r["text"]} for r in rows])
            else:
                for r in rows:
                    out.print(f"{r['id']}  {r['text']}", markup=False)
            return
        rows = store.search("studies", query, limit=limit)
        objs = listing.iter_study_objects(store, rows)
        if as_json:
            write_json(Streamed(objs))
        elif rows:
            _print_studies(objs)
        else:
            err.print(f'No study matches "{query}".', markup=False)
