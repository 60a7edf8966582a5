"""Document commands: ingest, claims, check."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evidence import claims as claim_list
from evidence.claims_layout import ClaimLayout
from evidence.cli.context import (
    document_option,
    err,
    fail,
    handle_errors,
    http_client,
    json_option,
    open_store,
    out,
    print_json,
    stdout,
)
from evidence.cli.listing import (
    ArrayFile,
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
from evidence.errors import UsageError
from evidence.reportmodel import candidates_by_mention
from evidence.shapes import CheckResult, ClaimObject
from evidence.store import Store
from evidence.vocab import DEFAULT_FAIL_ON, STATUSES

if TYPE_CHECKING:
    from bib.http import HttpClient
    from evidence import ingest as ingesting
    from evidence.read.web import WebPage

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
        ...,
        help="Files (.txt .md .qmd .html .tex .pdf .docx, JATS .nxml/.xml), a folder of "
        "Markdown files, - for stdin, or http(s) addresses of web pages.",
    ),
    name: str = typer.Option(
        None, "--name", help="Document name (default: the file name, or the address of a web page)."
    ),
    bib_files: list[str] = typer.Option(
        None, "--bib", help="Bibliography whose citekeys the document uses (repeatable)."
    ),
    fmt: str = typer.Option(
        None,
        "--format",
        help="Force the format: txt, md, html, tex, jats, docx or pdf (default: by extension).",
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
    # The reading and extracting code is imported by the command that uses it, not by
    # the listings beside it (claims, check).
    from evidence import ingest as ingesting
    from evidence.library_io import import_files
    from evidence.read import read_stream
    from evidence.read.web import looks_like_address

    if name and len(docs) > 1:
        fail("--name works with one document at a time. Ingest the documents separately")
    addresses = {doc for doc in docs if looks_like_address(doc) and not Path(doc).exists()}
    for doc in docs:
        if doc in addresses:
            _check_address(doc)
        else:
            given_path(doc, "A document argument")
    bib = [given_path(b, "--bib") for b in bib_files or ()]
    roots = [given_path(r, "--allow-root") for r in allow_roots or ()]
    for root in roots:
        if not root.is_dir():
            raise UsageError(f"--allow-root {root}: no such folder. Check the path")
    exit_code = 0
    reports = []
    with open_store(ctx) as store, ExitStack() as web:
        bib_keys: dict[str, int] = {}
        if bib:
            imported = import_files(store, bib)
            for problem in imported.problems:
                err.print(problem_line(problem), markup=False)
            if imported.unreadable:
                raise typer.Exit(2)
            bib_keys = imported.keys
        citekeys = ingesting.Citekeys.of_library(store, bib_keys)
        client = None
        for doc in docs:
            page = None
            if doc in addresses:
                client = client or web.enter_context(http_client(ctx))
                page = _fetch_page(client, doc)
            path = None if doc == "-" or page is not None else Path(doc)
            if page is None and path is not None and not path.exists():
                raise UsageError(f"{doc}: no such file. Check the path")
            report = ingesting.ingest_document(
                store,
                path,
                text=read_stream(sys.stdin.buffer) if doc == "-" else None,
                name=name or (None if path is not None or page is not None else "stdin"),
                fmt=fmt,
                citekeys=citekeys,
                allowed_roots=roots,
                page=page,
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


def _check_address(url: str) -> None:
    """Refuse an address that is not http(s) before anything is opened."""
    from bib.http.pages import check_web_address

    check_web_address(url)


def _fetch_page(client: HttpClient, url: str) -> WebPage:
    """The page at ``url`` through the process's HTTP session (bib.http.pages)."""
    from bib.http.pages import fetch_page
    from evidence.read.web import WebPage

    answer = fetch_page(client, url)
    if answer.stale:
        err.print(f"{url}: the network failed; read the copy in the HTTP cache.", markup=False)
    return WebPage(url, answer.body, answer.headers.get("Content-Type"), answer.url)


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


def _print_claims(claims: Iterable[claim_list.ClaimRead]) -> int:
    """Print the claims; how many. Piped, the lines are written as they are (the same
    text as on a terminal, without colour), not one console call each."""
    if not stdout.isatty():
        return _write_claim_lines(claims)
    n = 0
    for c in claims:
        style = STATUS_STYLE.get(c.status, "")
        out.print(f"[{style}]{c.status:<10}[/] [dim]{c.row.id}[/]", end=" ")
        out.print(c.row.text, markup=False)
        for line in _detail_lines(c):
            out.print(line, markup=False)
        n += 1
    return n


def _detail_lines(c: claim_list.ClaimRead) -> Iterator[str]:
    """The lines under a claim: its mentions, then its evidence links."""
    for m in c.mentions:
        detail = m.journal or m.identifier or m.citekey or ""
        study = c.citekey(m.study_id)
        to = f" -> {study}" if study else ""
        yield f"{'':>11}{m.kind}: {m.text!r} {detail}{to}".rstrip()
    for e in c.links:
        yield f"{'':>11}{e.stance} {c.citekey(e.study_id)} ({e.origin})"


def _strip_control_codes() -> Callable[[str], str]:
    """rich's ``strip_control_codes`` (the few ASCII control characters the console
    drops) as one regular expression: a line without any is scanned, not translated
    character by character."""
    from rich.control import strip_control_codes

    dropped = [chr(c) for c in range(256) if not strip_control_codes(chr(c))]
    codes = re.compile("[" + "".join(re.escape(c) for c in dropped) + "]")
    return functools.partial(codes.sub, "")


def _write_claim_lines(claims: Iterable[claim_list.ClaimRead]) -> int:
    # The console's text of each line: control characters that move the cursor dropped.
    _plain = _strip_control_codes()
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for c in claims:
            count += 1
            yield f"{c.status:<10} {c.row.id} {_plain(c.row.text)}\n"
            for line in _detail_lines(c):
                yield _plain(line) + "\n"

    write_pieces(lines())
    return count


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
    limit: int = limit_option(),
    offset: int = offset_option(),
    show_all: bool = all_option(),
) -> None:
    """List claims with their status, mentions and evidence.

    On a terminal the first 50 (--limit, --offset, --all for others); piped or with
    --json, all of them. --json: claim objects, each mention with its candidate studies."""
    wanted = set(claim_list.parse_statuses(status)) if status is not None else None
    page = Page.of(limit, offset, show_all, as_json=as_json)
    with open_store(ctx, create=False) as store, store.snapshot():
        doc_id = claim_list.document_id(store, document)
        items = claim_list.iter_claim_reads(
            store, document_id=doc_id, statuses=wanted, offset=page.offset
        )
        if as_json:
            listed = islice(items, page.limit)
            candidates = candidates_by_mention(store, doc_id)
            write_json(
                Streamed(
                    laid=lambda indent: map(
                        functools.partial(ClaimLayout(indent).read, candidates=candidates),
                        listed,
                    )
                )
            )
            return
        shown = _print_claims(islice(items, page.limit))
        if page.terminal:
            # Unfiltered, SQLite counts the rest; a status filter has to derive them.
            total = (
                page.offset + shown + sum(1 for _ in items)
                if wanted
                else claim_list.count_claims(store, document_id=doc_id)
            )
            page.footer(shown, total, "Claims", "claims")
    if not shown:
        if offset:
            err.print(f"No claims after --offset {offset}.", markup=False)
        else:
            err.print("No claims. Ingest a document with `evidence ingest FILE`.")


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
    if as_json:
        with open_store(ctx, create=False) as store, store.snapshot():
            failing = _write_check_json(store, document, statuses)
        if failing:
            raise typer.Exit(1)
        return
    with open_store(ctx, create=False) as store:
        result = claim_list.check_claims(store, document, statuses)
    _print_check(result)
    if result["failing"]:
        raise typer.Exit(1)


def _print_check(result: CheckResult) -> None:
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
                out.print(f"      rests on retracted study {r['study']}: {notices}", markup=False)
    counts = ", ".join(f"{n} {s}" for s, n in result["counts"].items() if n)
    out.print(
        f"{result['claims']} claims: {counts or 'none'}. "
        f"{len(result['failing'])} failing ({', '.join(result['fail_on']) or 'nothing'})."
    )


def _claim_layout(indent: str) -> Callable[[claim_list.ClaimRead], str]:
    return ClaimLayout(indent).read


def _write_check_json(store: Store, document: str | None, fail_on: list[str]) -> int:
    """Print `check --json` (claim_list.check_claims's object) reading the claims once:
    the failing and needing-attention arrays wait in temporary files until the counts
    before them are known. How many claims fail."""
    doc_id = claim_list.document_id(store, document)
    fail_set = set(fail_on)
    counts = dict.fromkeys(STATUSES, 0)
    failing, attention = ArrayFile(1, _claim_layout), ArrayFile(1, _claim_layout)
    total = n_failing = 0
    with failing.file, attention.file:
        for status, c in claim_list.iter_claim_statuses(
            store,
            document_id=doc_id,
            build=lambda st: claim_list.needs_attention(st, fail_set),
        ):
            total += 1
            counts[status] += 1
            if c is None:
                continue
            if status in fail_set:
                failing.add(c)
                n_failing += 1
            attention.add(c)
        write_json(
            {
                "document": document,
                "counts": counts,
                "fail_on": sorted(fail_set),
                "failing": failing.streamed(),
                "needs_attention": attention.streamed(),
                "claims": total,
            }
        )
    return n_failing
