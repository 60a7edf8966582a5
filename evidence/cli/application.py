"""The Typer application: the command families merged into one app, and how a run of
it ends (interrupted runs leave at once, whatever threads still wait).

A command's module (and whatever it imports: the store, the services, the readers) is
imported only when that command runs: `evidence --help` and `evidence show X` start in
a fraction of the time importing every family would take. COMMANDS names each command's
family and the first paragraph of its help, which `--help` lists without importing the
family; tests/test_startup.py checks the table against the families themselves.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from evidence.cli.context import root
from evidence.cli.exits import BROKEN_PIPE, INTERRUPTED, TERMINATED

# The command families, modules of evidence.cli, in the order `--help` lists them.
FAMILIES = ("documents", "evidence", "library", "report", "hooks")

# Each command: its family, and the first paragraph of its help (as `--help` shows it).
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("documents", "Read documents, find their claims and what each one cites."),
    "claims": ("documents", "List claims with their status, mentions and evidence."),
    "check": (
        "documents",
        "Show the claims that lack sources or rest on bad ones; exit 1 if any fail.",
    ),
    "verify": (
        "evidence",
        "Check references against the services: do they exist, are they cited correctly,\n"
        "are they retracted. Exit 1 when one does not exist, is cited wrongly or is retracted.",
    ),
    "tag": ("evidence", "Record that a study supports, contradicts or merely mentions a claim."),
    "untag": ("evidence", "Remove a user's evidence link between a claim and a study."),
    "retractions": ("evidence", "The local copy of the Retraction Watch data."),
    "add": (
        "library",
        "Add studies by identifier or free-text reference, with metadata from the services.",
    ),
    "import": ("library", "Import studies from bibliography files (BibTeX, CSL-JSON, RIS)."),
    "export": ("library", "Export the library as BibTeX, CSL-JSON or RIS."),
    "studies": ("library", "List the studies in the library."),
    "show": ("library", "Show one study: metadata, identifiers, notices and verification."),
    "search": ("library", "Full-text search of the local library (or of claims with --claims)."),
    "resolve": (
        "report",
        "Turn mentions (identifiers, citekeys, attributions) into studies or candidates.",
    ),
    "report": ("report", "Render the evidence report (Markdown, HTML or JSON)."),
    "demo": (
        "report",
        "Run the whole pipeline on the bundled example article, offline, and write reports.",
    ),
    "hook": (
        "hooks",
        "Commands for pre-commit hooks: check changed documents and bibliographies.",
    ),
}


def family_commands(family: str) -> dict[str, Any]:
    """The click commands of one family module, by name (importing the module)."""
    module = importlib.import_module(f"evidence.cli.{family}")
    command = typer.main.get_command(module.app)
    if isinstance(command, TyperGroup):
        return dict(command.commands)
    return {command.name or family: command}


class _Commands(MutableMapping[str, Any]):
    """The app's commands by name; a family is imported when one of its commands is
    first looked up."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}
        self._families: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in COMMANDS:
            family = COMMANDS[name][0]
            if family not in self._families:
                self._families.add(family)
                for key, command in family_commands(family).items():
                    self._loaded.setdefault(key, command)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._loaded]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._loaded))


class LazyGroup(TyperGroup):
    """The root group: commands loaded on use, the command list of `--help` from
    COMMANDS."""

    def __init__(self, **attrs: Any) -> None:
        commands = attrs.pop("commands", None) or {}
        super().__init__(**attrs)
        self.commands = _Commands()
        for name, command in dict(commands).items():
            self.commands[name] = command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        placeholders = {
            name: TyperCommand(name=name, help=text) for name, (_, text) in COMMANDS.items()
        }
        real = self.commands
        self.commands = placeholders  # type: ignore[assignment]
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.commands = real


app = typer.Typer(
    name="evidence",
    help="Track the claims of a document and the studies behind them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=LazyGroup,
)
app.callback()(root)


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
    try:
        if sys.stdout is not None:
            sys.stdout.flush()  # the last of the output: its reader may have left by now
    except BrokenPipeError:
        from evidence.cli.context import quiet_stdout

        quiet_stdout()
        code = BROKEN_PIPE
    sys.exit(code)
