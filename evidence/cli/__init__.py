"""The `evidence` command line. Thin: each command parses its options, calls one
function of the library, prints, and maps errors to exit codes (evidence.cli.context).

The commands live by family in library.py, documents.py, evidence.py and report.py, each
on a Typer of its own; application.py merges them into one app. This module stays light:
``main`` sets up signal handling before the heavy imports, so a Ctrl-C in the first
moments of a command ends it quietly. ``app`` is loaded on first use.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

from evidence.cli.exits import INTERRUPTED, TERMINATED


def _stop_during_start_up(signum: int, frame: FrameType | None) -> None:
    # Nothing has been read or written yet: leave without a traceback of the imports.
    if signum == signal.SIGINT:
        os.write(2, b"Error: interrupted before the command started; nothing was changed.\n")
    os._exit(INTERRUPTED if signum == signal.SIGINT else TERMINATED)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM unwinds like an exception, so that temporary files are removed and open
    # transactions roll back, instead of killing the process where it stands.
    raise SystemExit(TERMINATED)


def main() -> None:
    """The console script: signal handling first, then the commands."""
    signal.signal(signal.SIGINT, _stop_during_start_up)
    signal.signal(signal.SIGTERM, _stop_during_start_up)
    from evidence.cli.application import run

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    run()


def __getattr__(name: str) -> object:
    if name == "app":
        from evidence.cli.application import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
