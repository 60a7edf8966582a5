"""The Typer application: the command families merged into one app, and how a run of
it ends (interrupted runs leave at once, whatever threads still wait)."""

from __future__ import annotations

import os
import sys
import threading

import typer

from evidence.cli import documents, evidence, hooks, library, report
from evidence.cli.context import root
from evidence.cli.exits import INTERRUPTED, TERMINATED

app = typer.Typer(
    name="evidence",
    help="Track the claims of a document and the studies behind them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.callback()(root)
for _family in (documents, evidence, library, report, hooks):
    app.add_typer(_family.app)


def run() -> None:
    """Run the command of ``sys.argv`` and exit with its code.

    After an interruption the command has already saved what finished and said so; a
    lookup thread may still be waiting for a slow server, and the interpreter would join
    it before exiting. Such a run leaves at once instead (nothing of it is left to save).
    """
    try:
        app(prog_name="evidence")
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if code in (INTERRUPTED, TERMINATED) and threading.active_count() > 1:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
        os._exit(int(code))  # type: ignore[arg-type]
    sys.exit(code)
