"""Input guards, run through the installed command as a user would type it:

- a device, a pipe or an endless standard input is read with a cap, not trusted by its
  ``stat`` size (0 for all of them): ``ingest /dev/zero``, ``import /dev/zero``,
  ``retractions update --file /dev/zero`` and an endless ``ingest -`` end at once with
  one line;
- a LaTeX document's includes outside its folder (an absolute path, ../, a symbolic
  link) and a Markdown folder's links to files elsewhere are not read unless
  ``--allow-root`` names their folder, and each skipped file gets a line;
- a "diamond" of LaTeX inputs (each file inputs the next twice) is refused at a count of
  includes instead of doubling the work per level;
- an empty path (an unset shell variable) is an error naming the argument, never the
  current folder.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    Run,
    assert_clean_failure,
    child_env,
    evidence_command,
    run_child,
)

pytestmark = pytest.mark.reliability

# Generous: each run below ends in a second or two; unbounded, they read until memory
# runs out.
DEADLINE = 60


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"EVIDENCE_DB": str(tmp_path / "evidence.db"), "EVIDENCE_OFFLINE": "1"}


def one_error(run: Run, *fragments: str) -> None:
    assert_clean_failure(run, 2)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.output
    for fragment in fragments:
        assert fragment in lines[0], run.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["ingest", "/dev/zero"], "over the 52428800-byte limit"),
        (["import", "/dev/zero"], "more than the 210 MB a bibliography may hold"),
        (["retractions", "update", "--file", "/dev/zero"], "more than 512 MB"),
    ],
)
def test_a_device_is_read_with_a_cap(args: list[str], said: str, env: dict[str, str]) -> None:
    one_error(run_child(args, env, timeout=DEADLINE), "/dev/zero", said)


@pytest.mark.parametrize("source", ["zeros", "endless text"])
def test_endless_standard_input_is_read_with_a_cap(source: str, env: dict[str, str]) -> None:
    feeder = None
    if source == "zeros":
        stdin = open("/dev/zero", "rb")  # noqa: SIM115 - closed below
    else:
        feeder = subprocess.Popen(
            ["yes", "Studies show that massage lowers blood pressure in adults."],
            stdout=subprocess.PIPE,
        )
        stdin = feeder.stdout  # type: ignore[assignment]
    try:
        proc = subprocess.run(
            [*evidence_command(), "ingest", "-"],
            stdin=stdin,
            env=child_env(env),
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
    finally:
        stdin.close()
        if feeder is not None:
            feeder.kill()
            feeder.wait()
    one_error(Run(proc.returncode, proc.stdout, proc.stderr), "stdin", "limit")


def test_latex_reads_includes_only_inside_its_folder(tmp_path: Path, env: dict[str, str]) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "notes.tex").write_text(
        "Private notes say that the drug cured every patient in 2019.\n", encoding="utf-8"
    )
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "link.tex").symlink_to(secret / "notes.tex")
    (paper / "main.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n"
        "Studies show that massage lowers blood pressure in older adults.\n\n"
        "\\input{/etc/passwd}\n\\input{../secret/notes}\n\\include{link}\n"
        "\\end{document}\n",
        encoding="utf-8",
    )
    run = run_child(["ingest", "--json", str(paper / "main.tex")], env, timeout=DEADLINE)
    assert run.code == 0, run.output
    assert "Private notes" not in run.stdout and "root:" not in run.stdout
    skipped = [line for line in run.stderr.splitlines() if "outside the document's folder" in line]
    assert [line.split("'")[1] for line in skipped] == ["/etc/passwd", "../secret/notes", "link"]
    assert all(line.startswith("main.tex: LaTeX include ") for line in skipped)
    claims = run_child(["claims", "--json"], env).json()
    assert not any("Private" in c["text"] for c in claims)
    assert any("massage" in c["text"] for c in claims)

    allowed = run_child(
        ["ingest", "--allow-root", str(secret), str(paper / "main.tex")], env, timeout=DEADLINE
    )
    assert allowed.code == 0, allowed.output
    claims = run_child(["claims", "--json"], env).json()
    assert any("Private notes" in c["text"] for c in claims)
    assert "/etc/passwd" in allowed.stderr  # still outside every allowed folder


def test_a_markdown_folder_reads_no_linked_file_from_elsewhere(
    tmp_path: Path, env: dict[str, str]
) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "private.md").write_text(
        "Private notes say that the drug cured every patient in 2019.\n", encoding="utf-8"
    )
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "01.md").write_text(
        "Studies show that massage lowers blood pressure in older adults.\n", encoding="utf-8"
    )
    (folder / "02.md").symlink_to(secret / "private.md")
    run = run_child(["ingest", str(folder)], env, timeout=DEADLINE)
    assert run.code == 0, run.output
    assert "content: 02.md links to a file outside" in run.stderr
    claims = run_child(["claims", "--json"], env).json()
    assert not any("Private" in c["text"] for c in claims)


def test_a_diamond_of_latex_inputs_ends_at_once(tmp_path: Path, env: dict[str, str]) -> None:
    levels = 28  # 2**28 includes when each is followed
    for level in range(levels):
        body = f"Level {level} of the diamond says that naps restore attention.\n"
        if level + 1 < levels:
            body += f"\\input{{f{level + 1}}}\n\\input{{f{level + 1}}}\n"
        (tmp_path / f"f{level}.tex").write_text(body, encoding="utf-8")
    run = run_child(["ingest", str(tmp_path / "f0.tex")], env, timeout=DEADLINE)
    one_error(run, "more than 1000 files")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["ingest", ""], "A document argument"),
        (["ingest", "--bib", "", "doc.md"], "--bib"),
        (["ingest", "--allow-root", "", "doc.md"], "--allow-root"),
        (["import", ""], "A file argument"),
        (["report", "--template", ""], "--template"),
        (["report", "--output", ""], "--output"),
        (["export", "--output", ""], "--output"),
        (["retractions", "update", "--file", ""], "--file"),
        (["--db", "", "studies"], "--db"),
    ],
)
def test_an_empty_path_is_an_error_naming_the_argument(
    args: list[str], named: str, tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "doc.md").write_text("Studies show that naps help.\n", encoding="utf-8")
    run = run_child(args, env)
    one_error(run, named, "empty path")
    assert "'.'" not in run.stderr and " . " not in run.stderr
    assert not Path(env["EVIDENCE_DB"]).exists()


def test_an_empty_path_ingests_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    """Before: `ingest ''` read the current folder as a document named ""."""
    (tmp_path / "notes.md").write_text("Studies show that naps help memory.\n", encoding="utf-8")
    proc = subprocess.run(
        [*evidence_command(), "ingest", ""],
        cwd=tmp_path,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    one_error(Run(proc.returncode, proc.stdout, proc.stderr), "empty path")
    assert not Path(env["EVIDENCE_DB"]).exists()


def test_a_doi_with_a_zero_width_space_is_not_unsourced(
    tmp_path: Path, env: dict[str, str]
) -> None:
    doc = tmp_path / "article.md"
    doc.write_text(
        "Massage reduced anxiety in 50 adults (doi:10.1000/\u200babc.123).\n\n"
        "Green tea lowered blood pressure in 40 adults (PMID: 1234\u200d5678).\n",
        encoding="utf-8",
    )
    assert run_child(["ingest", str(doc)], env).code == 0
    claims = run_child(["claims", "--json"], env).json()
    assert [c["status"] for c in claims] == ["cited", "cited"]
    assert [m["identifier"] for c in claims for m in c["mentions"]] == [
        "doi:10.1000/abc.123",
        "pmid:12345678",
    ]


def test_citekeys_in_two_unicode_forms_are_one_key(tmp_path: Path, env: dict[str, str]) -> None:
    """``müller2020`` composed (NFC) and decomposed (NFD, as macOS types it) print the
    same: one study, and a Markdown citation in either form finds it."""
    entry = "@article{{{key}, title={{Naps and memory}}, author={{M\u00fcller, Anna}}, year={{2020}}}}\n"
    (tmp_path / "composed.bib").write_text(entry.format(key="m\u00fcller2020"), encoding="utf-8")
    (tmp_path / "decomposed.bib").write_text(entry.format(key="mu\u0308ller2020"), encoding="utf-8")
    for name in ("composed.bib", "decomposed.bib"):
        run = run_child(["import", str(tmp_path / name)], env)
        assert run.code == 0, run.output
    studies = run_child(["studies", "--json"], env).json()
    assert [s["id"] for s in studies] == ["m\u00fcller2020"]
    doc = tmp_path / "article.md"
    doc.write_text(
        "Naps improved memory in 40 adults [@mu\u0308ller2020].\n\n"
        "Short naps improved recall in older adults [@m\u00fcller2020].\n",
        encoding="utf-8",
    )
    run = run_child(["ingest", str(doc)], env)
    assert run.code == 0 and "not in the bibliography" not in run.stderr, run.output
    claims = run_child(["claims", "--json"], env).json()
    assert [m["citekey"] for c in claims for m in c["mentions"]] == ["m\u00fcller2020"] * 2
    assert all(c["status"] == "cited" for c in claims)
    assert [m["study"] for c in claims for m in c["mentions"]] == ["m\u00fcller2020"] * 2
