"""Start-up: a command imports only what it runs. `evidence --help` lists the commands
from the table in evidence.cli.application without importing any command module, and
`evidence show` starts without the HTTP stack, the services and the readers."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from evidence.cli import app
from evidence.cli.application import COMMANDS, FAMILIES, family_commands, root
from evidence.store import Store

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


def _modules_after(args: list[str], cwd: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


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
    modules = _modules_after(["show", "field1996massage"], tmp_path)
    assert "evidence.cli.library" in modules
    assert not set(HEAVY) & modules


def test_a_command_of_each_family_still_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["claims", "--help"], ["verify", "--help"], ["report", "--help"], ["hook"]):
        result = runner.invoke(app, args, prog_name="evidence")
        assert "Usage: evidence" in result.output, args
    result = runner.invoke(app, ["nosuchcommand"], prog_name="evidence")
    assert result.exit_code == 2
    assert "No such command" in result.output
