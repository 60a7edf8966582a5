"""The `evidence` command line. Thin: each command parses its options, calls one
function of the library, prints, and maps errors to exit codes (evidence.cli.context).

The commands live by family in library.py, documents.py, evidence.py and report.py, each
on a Typer of its own; this module merges them into one app. Nothing here is imported
by the command modules, so there is no import circle.
"""

from __future__ import annotations

import typer

from evidence.cli import documents, evidence, library, report
from evidence.cli.context import root

app = typer.Typer(
    name="evidence",
    help="Track the claims of a document and the studies behind them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.callback()(root)
for _family in (documents, evidence, library, report):
    app.add_typer(_family.app)


def main() -> None:
    app(prog_name="evidence")
