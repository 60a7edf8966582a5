"""Resolution and report commands: resolve, report, demo."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

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
    protected_files,
    stdout,
)
from evidence.cli.paths import given_path
from evidence.library_io import write_atomically

if TYPE_CHECKING:
    from evidence.store import Store
    from reports.budget import Limits

app = typer.Typer()

FORMATS = ("md", "html", "json")


@app.command()
@handle_errors
def resolve(
    ctx: typer.Context,
    document: str = document_option(),
    accept: bool = typer.Option(
        False, "--accept", help="Take the top candidate when it clears the threshold."
    ),
    as_json: bool = json_option("a summary"),
) -> None:
    """Turn mentions (identifiers, citekeys, attributions) into studies or candidates."""
    from evidence.resolve import resolve_mentions

    with open_store(ctx) as store, http_client(ctx) as client:
        report = resolve_mentions(store, client, document, accept=accept)
    if as_json:
        print_json(report.to_dict())
    else:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.by_kind.items())) or "none"
        out.print(f"Resolved {report.resolved} mentions ({kinds}).", markup=False)
        for line in report.unresolved:
            err.print(f"unresolved: {line}", markup=False)
    for line in report.failures:
        err.print(f"Error: {line}", markup=False)
    if report.failures:
        raise typer.Exit(1)


def _limits() -> Limits:
    """The limits a user's template runs within (EVIDENCE_TEMPLATE_SECONDS)."""
    from reports.budget import Limits

    limits = Limits()
    seconds = os.environ.get("EVIDENCE_TEMPLATE_SECONDS", "").strip()
    if seconds:
        try:
            limits = Limits(seconds=float(seconds))
        except ValueError:
            limits = Limits(seconds=-1.0)
        if not 0 < limits.seconds < float("inf"):
            fail(f"EVIDENCE_TEMPLATE_SECONDS={seconds!r} is not a number of seconds. Unset it")
    return limits


def _pieces(store: Store, document: str | None, fmt: str, template: Path | None) -> Iterable[str]:
    """The report in pieces: through the built-in templates read from the database as
    it is written (memory flat in the report's size), or through a user's template from
    the whole model in memory, within the template limits."""
    from reports.errors import ReportError

    limits = _limits()
    try:
        if template is None:
            from evidence.reportstream import open_report_model
            from reports.stream import iter_report

            return iter_report(open_report_model(store, document), fmt)
        from evidence.reportmodel import build_report_model
        from reports.render import render_report

        model = build_report_model(store, document)
        return [render_report(model, fmt, template, limits=limits)]
    except ReportError as exc:
        fail(f"{exc}")


def _write(pieces: Iterable[str], output: Path | None, protect: Iterable[Path]) -> None:
    """Write the report to ``output`` (replaced whole, or left as it was on an error) or
    to standard output, where it ends with a line break."""
    from reports.errors import ReportError

    try:
        if output:
            write_atomically(output, pieces, protect=protect)
            err.print(f"Wrote {output}", markup=False)
            return
        last = ""
        for piece in pieces:
            if piece:
                stdout.write(piece)
                last = piece
        if not last.endswith("\n"):
            stdout.write("\n")
        stdout.flush()
    except ReportError as exc:
        fail(f"{exc}")


@app.command()
@handle_errors
def report(
    ctx: typer.Context,
    document: str = document_option(),
    fmt: str = typer.Option("md", "--format", "-f", help="md, html or json."),
    output_file: str = typer.Option(None, "--output", "-o", help="Write to FILE, not stdout."),
    template_file: str = typer.Option(
        None, "--template", help="Your own Jinja template; it receives the report model."
    ),
) -> None:
    """Render the evidence report (Markdown, HTML or JSON)."""
    if fmt not in FORMATS:
        fail(f'unknown format "{fmt}". Use md, html or json')
    template = given_path(template_file, "--template") if template_file is not None else None
    output = given_path(output_file, "--output") if output_file is not None else None
    if template is not None and not template.is_file():
        fail(f"{template}: no such template file. Check the path")
    with open_store(ctx, create=False) as store, store.snapshot():
        _write(_pieces(store, document, fmt, template), output, protected_files(ctx))


@app.command()
@handle_errors
def demo(
    ctx: typer.Context,
    output_dir: Path = typer.Option(
        Path("demo-output"), "--output-dir", help="Where to write the reports."
    ),
) -> None:
    """Run the whole pipeline on the bundled example article, offline, and write reports."""
    from evidence.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="evidence-demo-") as tmp:
        db = Path(tmp) / "demo.db"
        summary = run_demo(db, output_dir)
        for line in summary.lines:
            out.print(line, markup=False)
        if summary.keep_db:
            shutil.copy(db, output_dir / "demo.db")
    out.print(f"HTML report:     {output_dir / 'report.html'}", markup=False)
    out.print(f"Markdown report: {output_dir / 'report.md'}", markup=False)
    out.print(f"JSON model:      {output_dir / 'report.json'}", markup=False)
