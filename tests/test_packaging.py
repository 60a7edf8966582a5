"""The wheel carries the templates and runs outside the repository; docs cover every command."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import typer

from evidence.cli import app

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_into_fresh_venv_and_runs_demo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("evidence-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The fresh venv sees the dependencies already installed for the tests (a path line
    # in a .pth file), but not the editable install of this checkout.
    purelib = Path(sysconfig.get_paths()["purelib"])
    (site,) = (venv / "lib").glob("python3*/site-packages")
    (site / "deps.pth").write_text(str(purelib) + "\n", encoding="utf-8")
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import reports, evidence; print(reports.__file__, evidence.__file__)",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert str(ROOT) not in where  # the installed package, not this checkout
    result = subprocess.run(
        [str(venv / "bin" / "evidence"), "demo", "--output-dir", "out"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    html = (work / "out" / "report.html").read_text(encoding="utf-8")
    assert "wakefield1998ileallymphoidnodular" in html
    assert (work / "out" / "report.md").stat().st_size > 1000


def _commands() -> list[str]:
    click_app = typer.main.get_command(app)
    names = []
    for name, command in click_app.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            names.extend(f"{name} {s}" for s in sub)
        else:
            names.append(name)
    return sorted(names)


def test_every_command_has_help_and_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    click_app = typer.main.get_command(app)
    commands = _commands()
    assert {
        "add",
        "import",
        "export",
        "studies",
        "show",
        "ingest",
        "claims",
        "check",
        "resolve",
        "verify",
        "tag",
        "untag",
        "report",
        "search",
        "demo",
        "retractions update",
    } <= set(commands)
    for name in commands:
        parts = name.split()
        command = click_app.commands[parts[0]]  # type: ignore[attr-defined]
        if len(parts) == 2:
            command = command.commands[parts[1]]
        assert command.help and command.help.strip(), f"{name} has no help text"
        assert re.search(rf"`{re.escape(name)}\b", readme), f"{name} is not in README.md"
