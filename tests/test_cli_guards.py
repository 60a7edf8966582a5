"""Guards of the command line, in process: output files (the user's path in every
message, long names, the mode kept, symlinks written through, no temporary file left),
a closed standard output, option values that would quietly do the wrong thing, and the
bounds on a user's template, BibTeX macros and search queries."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app, context
from evidence.errors import EvidenceError
from evidence.library_io import write_atomically

ARTICLE = "Massage therapy reduced anxiety in 50 adults.\n\nStudies show that it helps.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def library(tmp_path: Path) -> Path:
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    assert run("add", "--no-fetch", "pmid:8870945")[0] == 0
    return tmp_path


def only_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def litter(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


# --- output files ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [["export"], ["report"]])
def test_output_into_a_missing_folder_or_onto_a_folder_names_the_users_path(
    library: Path, command: list[str]
) -> None:
    missing = library / "no-such-folder" / "out.txt"
    code, _, err = run(*command, "--output", str(missing))
    line = only_error_line(err)
    assert code == 2 and str(missing) in line and "does not exist" in line
    folder = library / "a-folder"
    folder.mkdir()
    code, _, err = run(*command, "--output", str(folder))
    line = only_error_line(err)
    assert code == 2 and str(folder) in line and "folder" in line
    assert ".evidence-" not in err and litter(library) == []


def test_the_longest_file_names_can_be_written(library: Path) -> None:
    for length in (247, 255):
        target = library / ("r" * (length - 3) + ".md")
        code, _, err = run("report", "--output", str(target))
        assert code == 0, err
        assert target.read_text(encoding="utf-8").startswith("# ")
    assert litter(library) == []


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umasks(library: Path) -> None:
    kept = library / "kept.bib"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o644)
    assert run("export", "--output", str(kept))[0] == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644 and "@" in kept.read_text()
    previous = os.umask(0o027)
    try:
        new = library / "new.bib"
        assert run("export", "--output", str(new))[0] == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(new.stat().st_mode) == 0o640


def test_a_symlink_is_written_through(library: Path) -> None:
    real = library / "real.md"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = library / "link.md"
    link.symlink_to(real.name)
    assert run("report", "--output", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text(encoding="utf-8").startswith("# ")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def interrupted(*args: object) -> None:
        raise SystemExit(143)  # what SIGTERM raises in the CLI

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(SystemExit):
        write_atomically(target, "new" * 1000)
    assert target.read_text(encoding="utf-8") == "old"
    assert litter(tmp_path) == []


def test_a_full_disk_names_the_users_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "out.txt"
    with pytest.raises(EvidenceError) as caught:
        write_atomically(target, "text")
    assert str(target) in str(caught.value) and ".evidence-" not in str(caught.value)
    assert litter(tmp_path) == [] and not target.exists()


# --- a closed standard output ---------------------------------------------------------


def test_printing_to_a_closed_stdout_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    for write in (
        lambda: context.print_json([1]),
        lambda: context.write_out("text"),
        lambda: context.out.print("text"),
    ):
        with pytest.raises(context.StdoutClosed) as caught:
            write()
        assert caught.value.exit_code == 2


# --- options --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [",,,", "", " , "])
def test_a_fail_on_naming_no_status_is_an_error(library: Path, value: str) -> None:
    code, _, err = run("check", "--fail-on", value)
    assert code == 2 and "--fail-on" in only_error_line(err)


@pytest.mark.parametrize("limit", ["99999999999999999999", "-1", "0"])
def test_search_limits_out_of_range_are_errors(library: Path, limit: str) -> None:
    code, _, err = run("search", "--limit", limit, "massage")
    assert code == 2 and "--limit" in only_error_line(err)
    assert run("search", "--limit", "5", "massage")[0] == 0


@pytest.mark.parametrize("ref", ["", "   "])
def test_an_empty_reference_is_an_error(ref: str) -> None:
    code, _, err = run("add", "--ref", ref)
    assert code == 2 and "--ref" in only_error_line(err)


# --- a user's template: time and size -------------------------------------------------

MODEL = {"title": "T", "claims": [], "studies": {}}

BOMBS = {
    "repeat": "{{ 'y' * 1000000000 }}",
    "doubling": (
        "{% set ns = namespace(s='y') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}"
    ),
    "macro": (
        "{% macro f(n, s) %}{% if n %}{{ f(n - 1, s ~ s) }}{% endif %}{% endmacro %}"
        "{{ f(60, 'y') }}"
    ),
    "center": "{{ 'y' | center(1000000000) }}",
    "method": "{{ 'y'.ljust(1000000000) }}",
    "format": "{{ '{:>999999999}'.format('y') }}",
    "percent": "{{ '%*s' % (999999999, 'y') }}",
    "power": "{{ 7 ** 999999999 }}",
    "replace": "{{ ('y' * 1000) | replace('', 'y' * 100000) }}",
    "batch": "{{ [1] | batch(1000000000, 'x') | list | length }}",
    "output": "{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}",
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_template_cannot_build_more_than_its_output_bound(tmp_path: Path, name: str) -> None:
    from reports import TemplateError, render_report
    from reports.budget import Limits

    template = tmp_path / f"{name}.j2"
    template.write_text(BOMBS[name], encoding="utf-8")
    with pytest.raises(TemplateError, match=r"1,000,000 characters\. Make the template"):
        render_report(MODEL, "md", template, limits=Limits(seconds=20, output=1_000_000))


def test_a_template_runs_within_its_time_bound(tmp_path: Path) -> None:
    from reports import TemplateError, render_report
    from reports.budget import Limits

    template = tmp_path / "loops.j2"
    template.write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match=r"more than 0\.2 seconds\. Make its loops smaller"):
        render_report(MODEL, "md", template, limits=Limits(seconds=0.2))


def test_the_bounds_leave_ordinary_templates_alone(tmp_path: Path) -> None:
    from reports import render_report
    from reports.budget import Limits

    template = tmp_path / "ok.j2"
    template.write_text(
        "{{ title }} {{ '{}'.format('99999999999') }} {{ '%s' % 12345678901234 }} "
        "{{ 'a-b' | replace('-', '+') }} {{ ', '.join(['x', 'y']) }} {{ 'x' | center(9) }}",
        encoding="utf-8",
    )
    out = render_report(MODEL, "md", template, limits=Limits(seconds=20, output=1000))
    assert out.split() == ["T", "99999999999", "12345678901234", "a+b", "x,", "y", "x"]


# --- BibTeX macros and search queries --------------------------------------------------


def test_doubling_string_macros_are_bounded() -> None:
    from bib.formats.bibtex import parse_bibtex

    lines = ['@string{s0 = "yyyyyyyy"}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 48)]
    lines.append("@article{bomb, title = s47, doi = {10.1000/bomb}}")
    lines.append("@article{fine, title = {Fine}, doi = {10.1000/fine}}")
    result = parse_bibtex("\n".join(lines), "bomb.bib")
    assert [w.title for w in result.works] == ["Fine"]
    assert any("@string macros are expanded" in str(p) for p in result.problems)


def test_many_uses_of_a_long_macro_are_bounded() -> None:
    from bib.formats.bibtex import MAX_EXPANSION, parse_bibtex

    text = '@string{big = "' + "y" * 900_000 + '"}\n'
    text += "\n".join(f"@article{{k{i}, title = big, doi = {{10.1/{i}}}}}" for i in range(200))
    result = parse_bibtex(text, "many.bib")
    assert sum(len(w.title or "") for w in result.works) <= MAX_EXPANSION
    assert "expand to more than" in str(result.problems[-1])


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(" + " ".join(["a"] * 3000) + ", 10)",
        " ".join(['"a*"'] * 3000),
        "a" * 600,
    ],
)
def test_search_queries_are_bounded(library: Path, query: str) -> None:
    for args in (["search", query], ["search", "--claims", query]):
        code, _, err = run(*args)
        assert code == 2 and "search query is too long" in only_error_line(err)
