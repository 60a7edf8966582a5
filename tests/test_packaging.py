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


# --- what the code imports is what pyproject.toml declares ---------------------------------


def _declared() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def _closure_without_extras(requirements: list[str]) -> set[str]:
    """Distributions an installer that drops every extra would install: the declared
    requirements and, recursively, theirs, with every `extra == …` requirement left out.
    (pip before 23.3 does not match `lxml[html_clean]` with lxml's `html-clean` extra, so
    such a requirement may be silently skipped on a fresh machine.)"""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo.extend(Requirement(r) for r in metadata.requires(req.name) or [])
        except metadata.PackageNotFoundError:
            continue
    return seen


def test_modules_loaded_by_every_reader_come_from_declared_requirements() -> None:
    """Run the CLI on every document format in a fresh interpreter, list the third-party
    modules it loaded, and require each one's distribution to be installed by the declared
    requirements without relying on extras."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    script = (
        "import sys, tempfile, pathlib\n"
        "from typer.testing import CliRunner\n"
        "from evidence.cli import app\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "docs = {'a.html': '<html><body><article><p>Studies show that massage helps '\n"
        "        '(Field 1996). It was a trial.</p></article></body></html>',\n"
        "        'b.md': 'Massage helps [@field1996].', 'c.tex': 'Massage helps \\\\cite{x}.',\n"
        "        'd.txt': 'Research has shown that massage helps.'}\n"
        "for name, text in docs.items():\n"
        "    (d / name).write_text(text)\n"
        "    r = CliRunner().invoke(app, ['--db', str(d / 'e.db'), 'ingest', str(d / name)])\n"
        "    assert r.exit_code == 0, r.output\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout.split()
    at_startup = subprocess.run(
        [sys.executable, "-c", "import sys; print('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    owners = metadata.packages_distributions()
    # Imported by a dependency only when it happens to be installed (cattrs, under
    # requests-cache, tries `import tomlkit` and carries on without it).
    optional = {"tomlkit"}
    ours = {"evidence", "bib", "reports"}
    third_party = {
        m
        for m in set(loaded) - set(at_startup) - optional - ours
        if m in owners and m not in sys.stdlib_module_names
    }
    installed = _closure_without_extras(_declared())
    missing = {
        m: owners[m]
        for m in third_party
        if not any(canonicalize_name(d) in installed for d in owners[m])
    }
    assert "lxml" in third_party  # the HTML reader really ran
    assert not missing, f"loaded but not declared (add to [project] dependencies): {missing}"


def test_benchmarks_import_what_exists() -> None:
    """`make bench` is not part of the tests, so a moved module would break it unseen:
    import every benchmark, and run the import lines of the scripts it hands to its
    subprocesses."""
    import importlib

    sys.path.insert(0, str(ROOT))
    try:
        for path in sorted((ROOT / "bench").glob("bench_*.py")):
            module = importlib.import_module(f"bench.{path.stem}")
            for value in vars(module).values():
                if isinstance(value, str) and "import " in value and "\n" in value:
                    lines = [
                        line
                        for line in value.splitlines()
                        if re.match(r"from (bib|evidence|reports)[\w.]* import [\w, ]+$", line)
                    ]
                    exec("\n".join(lines), {})
    finally:
        sys.path.remove(str(ROOT))
