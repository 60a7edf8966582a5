"""Start-up: a command imports only what it runs. `evidence --help` lists the commands
from the table in evidence.cli.application without importing any command module, and
`evidence show` starts without the HTTP stack, the services and the readers, and on an
up-to-date library without sqlite-utils (evidence.store imports it for migrations)."""

from __future__ import annotations

import inspect
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from evidence.cli import app
from evidence.cli.application import COMMANDS, FAMILIES, family_commands, root
from evidence.store import Store
from evidence.store.schema import SCHEMA_VERSION

# What `evidence show` and `--help` must not pay for at start-up.
HEAVY = (
    "requests",
    "requests_cache",
    "evidence.library_io",
    "evidence.ingest",
    "evidence.verify",
    "evidence.reportmodel",
    "bib.lookup",
    "bib.formats",
    "evidence.read",
    "evidence.extract",
    # sqlite-utils (and through it click, dateutil, pluggy): migrations only.
    "sqlite_utils",
    # Title comparison only (bib.text).
    "rapidfuzz",
    # Typer brings it from 0.29 on (pyproject.toml keeps typer below).
    "pydantic",
)

_PROBE = """
import json, sys
from evidence.cli import main
sys.argv = ["evidence", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
# A module the command imports lazily (evidence.cli.lazy) is not loaded until used.
loaded = [name for name, m in sys.modules.items() if type(m).__name__ != "_LazyModule"]
print(json.dumps(sorted(loaded)), file=sys.stderr)
"""


def _run(args: list[str], cwd: Path) -> tuple[str, set[str]]:
    """What the command printed, and the modules loaded when it ended."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def _modules_after(args: list[str], cwd: Path) -> set[str]:
    return _run(args, cwd)[1]


def test_the_command_table_is_the_families_commands() -> None:
    found: dict[str, tuple[str, str]] = {}
    for family in FAMILIES:
        for name, command in family_commands(family).items():
            first = inspect.cleandoc(command.help or "").split("\n\n")[0]
            found[name] = (family, first)
    assert list(found) == list(COMMANDS)
    assert found == COMMANDS


def test_help_lists_every_command_as_an_eager_app_would() -> None:
    eager = typer.Typer(
        name="evidence",
        help="Track the claims of a document and the studies behind them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    eager.callback()(root)
    for family in FAMILIES:
        eager.add_typer(__import__(f"evidence.cli.{family}", fromlist=["app"]).app)
    runner = CliRunner()
    lazy_help = runner.invoke(app, ["--help"], prog_name="evidence")
    eager_help = runner.invoke(eager, ["--help"], prog_name="evidence")
    assert lazy_help.exit_code == eager_help.exit_code == 0
    assert lazy_help.output == eager_help.output


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    modules = _modules_after(["--help"], tmp_path)
    assert not {f"evidence.cli.{family}" for family in FAMILIES} & modules
    assert not set(HEAVY) & modules


def test_show_imports_only_what_showing_needs(tmp_path: Path) -> None:
    store = Store(tmp_path / "evidence.db")
    store.insert("studies", {"citekey": "field1996massage", "title": "Massage"})
    store.close()
    output, modules = _run(["show", "field1996massage"], tmp_path)
    assert "field1996massage" in output and "Massage" in output
    assert "evidence.cli.library" in modules
    assert not set(HEAVY) & modules


def test_search_reads_the_index_without_sqlite_utils(tmp_path: Path) -> None:
    store = Store(tmp_path / "evidence.db")
    store.insert("studies", {"citekey": "field1996massage", "title": "Massage lowers anxiety"})
    store.insert("studies", {"citekey": "other2001", "title": "Walking and sleep"})
    store.close()
    output, modules = _run(["search", "anxiety"], tmp_path)
    assert "field1996massage" in output and "other2001" not in output
    assert not set(HEAVY) & modules
    # not FTS syntax (an unclosed quote): searched as a phrase
    output, modules = _run(["search", '"lowers anxiety'], tmp_path)
    assert "field1996massage" in output
    assert not set(HEAVY) & modules


def test_show_on_a_library_to_upgrade_migrates_it(tmp_path: Path) -> None:
    """A library saved before the retractions table (schema 0, one migration missing):
    `show` runs the migration through sqlite-utils, and the next `show` opens the
    upgraded library without it."""
    db = tmp_path / "evidence.db"
    store = Store(db)
    store.insert("studies", {"citekey": "field1996massage", "title": "Massage"})
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("drop table retractions")
    conn.execute("delete from _sqlite_migrations where name = 'm002_retractions'")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()

    output, modules = _run(["show", "field1996massage"], tmp_path)
    assert "field1996massage" in output and "Massage" in output
    assert "sqlite_utils" in modules
    store = Store(db, readonly=True)
    assert store.pending_migrations() == []
    assert store.scalar("PRAGMA user_version") == SCHEMA_VERSION
    assert store.count("retractions") == 0
    store.close()

    output, modules = _run(["show", "field1996massage"], tmp_path)
    assert "field1996massage" in output
    assert "sqlite_utils" not in modules


def test_a_command_of_each_family_still_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["claims", "--help"], ["verify", "--help"], ["report", "--help"], ["hook"]):
        result = runner.invoke(app, args, prog_name="evidence")
        assert "Usage: evidence" in result.output, args
    result = runner.invoke(app, ["nosuchcommand"], prog_name="evidence")
    assert result.exit_code == 2
    assert "No such command" in result.output
