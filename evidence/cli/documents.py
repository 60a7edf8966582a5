"""Document commands: ingest, claims, check."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from evidence import claims as claim_list
from evidence import ingest as ingesting
from evidence.cli.context import (
    document_option,
    err,
    fail,
    handle_errors,
    json_option,
    open_store,
    out,
    print_json,
)
from evidence.cli.paths import given_path
from evidence.cli.problems import problem_line
from evidence.errors import UsageError
from evidence.library_io import import_files
from evidence.read import read_stream
from evidence.shapes import ClaimObject
from evidence.vocab import DEFAULT_FAIL_ON, STATUSES

app = typer.Typer()

STATUS_STYLE = {
    "supported": "green",
    "disputed": "magenta",
    "retracted": "red",
    "cited": "cyan",
    "attributed": "yellow",
    "vague": "yellow",
    "unsourced": "red",
}


@app.command()
@handle_errors
def ingest(
    ctx: typer.Context,
    docs: list[str] = typer.Argument(
        ..., help="Files (.txt .md .qmd .html .tex), a folder of Markdown files, or - for stdin."
    ),
    name: str = typer.Option(None, "--name", help="Document name (default: the file name)."),
    bib_files: list[str] = typer.Option(
        None, "--bib", help="Bibliography whose citekeys the document uses (repeatable)."
    ),
    fmt: str = typer.Option(
        None, "--format", help="Force the format: txt, md, html or tex (default: by extension)."
    ),
    allow_roots: list[str] = typer.Option(
        None,
        "--allow-root",
        help="A folder besides the document's own that its LaTeX \\input files and a "
        "folder's linked Markdown files may be read from (repeatable).",
    ),
    as_json: bool = json_option("the summary"),
) -> None:
    """Read documents, find their claims and what each one cites.

    Only files inside a document's folder are read: a LaTeX \\input or \\include of
    a file elsewhere (an absolute path, ../, a symbolic link) and a folder's links to
    Markdown files elsewhere are skipped, each with a line saying so, unless
    --allow-root names their folder."""
    if name and len(docs) > 1:
        fail("--name works with one document at a time. Ingest the documents separately")
    for doc in docs:
        given_path(doc, "A document argument")
    bib = [given_path(b, "--bib") for b in bib_files or ()]
    roots = [given_path(r, "--allow-root") for r in allow_roots or ()]
    for root in roots:
        if not root.is_dir():
            raise UsageError(f"--allow-root {root}: no such folder. Check the path")
    exit_code = 0
    reports = []
    with open_store(ctx) as store:
        bib_keys: dict[str, int] = {}
        if bib:
            imported = import_files(store, bib)
            for problem in imported.problems:
                err.print(problem_line(problem), markup=False)
            if imported.unreadable:
                raise typer.Exit(2)
            bib_keys = imported.keys
        citekeys = ingesting.Citekeys.of_library(store, bib_keys)
        for doc in docs:
            path = None if doc == "-" else Path(doc)
            if path is not None and not path.exists():
                raise UsageError(f"{doc}: no such file. Check the path")
            report = ingesting.ingest_document(
                store,
                path,
                text=read_stream(sys.stdin.buffer) if path is None else None,
                name=name or (None if path is not None else "stdin"),
                fmt=fmt,
                citekeys=citekeys,
                allowed_roots=roots,
            )
            reports.append(report)
            for p in report.problems:
                err.print(f"{report.document}: {p}", markup=False)
            if report.claims == 0:
                err.print(f"{report.document}: no claims found.", markup=False)
    if as_json:
        print_json([r.to_dict() for r in reports])
    else:
        for r in reports:
            _print_ingest(r)
    raise typer.Exit(exit_code)


def _print_ingest(r: ingesting.IngestReport) -> None:
    if r.unchanged:
        out.print(f"{r.document}: unchanged since the last ingest.", markup=False)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(r.mentions_by_kind.items())) or "none"
    out.print(f"{r.document}: {r.claims} claims; mentions: {kinds}; {r.unsourced} unsourced.")
    if not r.unchanged and (r.kept_claims or r.removed_claims):
        out.print(
            f"  {r.kept_claims} claims kept their ids, {r.new_claims} new, "
            f"{r.removed_claims} removed.",
            markup=False,
        )
    for o in r.orphaned:
        err.print(
            f"  orphaned: claim {o['id']} is gone from the document but has tags: {o['text'][:80]}",
            markup=False,
        )


def _print_claims(claims: list[ClaimObject]) -> None:
    for c in claims:
        style = STATUS_STYLE.get(c["status"], "")
        out.print(f"[{style}]{c['status']:<10}[/] [dim]{c['id']}[/]", end=" ")
        out.print(c["text"], markup=False)
        for m in c["mentions"]:
            detail = m["journal"] or m["identifier"] or m["citekey"] or ""
            study = f" -> {m['study']}" if m["study"] else ""
            out.print(f"{'':>11}{m['kind']}: {m['text']!r} {detail}{study}".rstrip(), markup=False)
        for e in c["evidence"]:
            out.print(f"{'':>11}{e['stance']} {e['study']} ({e['origin']})", markup=False)


@app.command()
@handle_errors
def claims(
    ctx: typer.Context,
    document: str = document_option(),
    status: str = typer.Option(
        None,
        "--status",
        "-s",
        help=f"Only these statuses (comma-separated: {', '.join(STATUSES)}).",
    ),
    as_json: bool = json_option("claim objects"),
) -> None:
    """List claims with their status, mentions and evidence."""
    wanted = set(claim_list.parse_statuses(status)) if status is not None else None
    with open_store(ctx, create=False) as store:
        doc_id = claim_list.document_id(store, document)
        items = claim_list.claim_objects(store, document_id=doc_id)
    if wanted:
        items = [c for c in items if c["status"] in wanted]
    if as_json:
        print_json(items)
    elif not items:
        err.print("No claims. Ingest a document with `evidence ingest FILE`.")
    else:
        _print_claims(items)


@app.command()
@handle_errors
def check(
    ctx: typer.Context,
    document: str = document_option(),
    fail_on: str = typer.Option(
        ",".join(DEFAULT_FAIL_ON),
        "--fail-on",
        help="Statuses that fail the check (comma-separated).",
    ),
    as_json: bool = json_option("the result"),
) -> None:
    """Show the claims that lack sources or rest on bad ones; exit 1 if any fail."""
    statuses = claim_list.parse_statuses(fail_on, "--fail-on")
    with open_store(ctx, create=False) as store:
        result = claim_list.check_claims(store, document, statuses)
    if as_json:
        print_json(result)
    else:
        failing = result["failing"]
        by_status: dict[str, list[ClaimObject]] = {}
        for c in result["needs_attention"]:
            by_status.setdefault(c["status"], []).append(c)
        for st in STATUSES:
            group = by_status.get(st)
            if not group:
                continue
            mark = "" if st in result["fail_on"] else " (not failing)"
            out.print(f"[bold]{st}[/] ({len(group)}){mark}")
            for c in group:
                out.print(f"  [dim]{c['id']}[/] ", end="")
                out.print(c["text"], markup=False)
                for m in c["mentions"]:
                    if m["kind"] == "journal":
                        what = m["journal"] or m["institution"] or m["text"]
                        out.print(f"      attributed to: {what}", markup=False)
                    elif m["kind"] == "vague":
                        out.print(f"      vague appeal: {m['text']}", markup=False)
                for r in c.get("retracted_studies") or []:
                    notices = "; ".join(r["notices"]) or "marked retracted by a service"
                    out.print(
                        f"      rests on retracted study {r['study']}: {notices}", markup=False
                    )
        counts = ", ".join(f"{n} {s}" for s, n in result["counts"].items() if n)
        out.print(
            f"{result['claims']} claims: {counts or 'none'}. "
            f"{len(failing)} failing ({', '.join(result['fail_on']) or 'nothing'})."
        )
    if result["failing"]:
        raise typer.Exit(1)
