"""Resolution and report commands: resolve, report, demo."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

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
    write_out,
)
from evidence.cli.paths import given_path
from evidence.library_io import write_atomically

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


def _render(store: object, document: str | None, fmt: str, template: Path | None) -> str:
    from evidence.reportmodel import build_report_model
    from evidence.store import Store
    from reports.budget import Limits
    from reports.errors import ReportError
    from reports.render import render_report

    assert isinstance(store, Store)
    limits = Limits()
    seconds = os.environ.get("EVIDENCE_TEMPLATE_SECONDS", "").strip()
    if seconds:
        try:
            limits = Limits(seconds=float(seconds))
        except ValueError:
            limits = Limits(seconds=-1.0)
        if not 0 < limits.seconds < float("inf"):
            fail(f"EVIDENCE_TEMPLATE_SECONDS={seconds!r} is not a number of seconds. Unset it")
    model = build_report_model(store, document)
    try:
        return render_report(model, fmt, template, limits=limits)
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
    with open_store(ctx, create=False) as store:
        text = _render(store, document, fmt, template)
    if output:
        write_atomically(output, text, protect=protected_files(ctx))
        err.print(f"Wrote {output}", markup=False)
    else:
        write_out(text if text.endswith("\n") else text + "\n")


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
