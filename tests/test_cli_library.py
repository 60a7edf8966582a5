"""CLI tests for the library commands: exit codes, exact error lines, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app
from evidence.store import Store

STUDY_KEYS = {
    "id",
    "doi",
    "pmid",
    "pmcid",
    "arxiv",
    "isbn",
    "openalex",
    "title",
    "authors",
    "journal",
    "issn",
    "year",
    "volume",
    "issue",
    "pages",
    "type",
    "publication_types",
    "retracted",
    "notices",
    "verification",
}

BIB = r"""
@string{ijn = "International Journal of Neuroscience"}
@article{field1996,
  author = {Field, Tiffany and Ironson, Gail},
  title = {Massage therapy reduces anxiety and enhances {EEG} pattern of alertness},
  journal = ijn,
  year = {1996},
  volume = {86},
  pages = {197--205},
  doi = {https://doi.org/10.3109/00207459608986710},
}
@article{broken,
  author = {Nobody},
  year = {2001},
}
@book{sackett2000,
  author = {Sackett, David L.},
  title = {Evidence-based medicine: how to practice and teach {EBM}},
  publisher = {Churchill Livingstone},
  year = {2000},
  isbn = {978-0-443-06240-7},
}
"""


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bibfile(tmp_path: Path) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


def test_malformed_identifiers_all_reported_before_any_fetch(tmp_path: Path) -> None:
    code, out, err = run(
        "add", "10.1234", "pmid:abc", "10.3109/00207459608986710", "978-0-19-929115-2"
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("Error: ") for line in lines)
    assert "10.1234" in lines[0]
    assert "978-0-19-929115-2" in lines[2]
    # nothing written: no study rows
    store = Store(tmp_path / "evidence.db")
    assert store.count("studies") == 0


def test_add_no_fetch_stores_identifiers_and_is_idempotent(tmp_path: Path) -> None:
    code, out, err = run(
        "add", "--no-fetch", "--json", "https://doi.org/10.3109/00207459608986710", "pmid:14736355"
    )
    assert code == 0, err
    studies = json.loads(out)
    assert [s["doi"] for s in studies] == ["10.3109/00207459608986710", None]
    assert [s["pmid"] for s in studies] == [None, "14736355"]
    assert STUDY_KEYS <= set(studies[0])
    assert studies[0]["verification"]["status"] == "unverified"
    code, out, err = run("add", "--no-fetch", "--json", "doi:10.3109/00207459608986710")
    assert code == 0
    assert json.loads(out)[0]["id"] == studies[0]["id"]
    code, out, _ = run("studies", "--json")
    assert len(json.loads(out)) == 2


def test_import_reports_bad_entry_and_imports_the_rest(bibfile: Path) -> None:
    code, out, err = run("import", str(bibfile))
    assert code == 1
    problem_lines = [line for line in err.splitlines() if "broken" in line]
    assert len(problem_lines) == 1
    assert problem_lines[0].startswith(f"{bibfile}:")
    code, out, _ = run("studies", "--json")
    studies = {s["id"]: s for s in json.loads(out)}
    assert set(studies) == {"field1996", "sackett2000"}
    field = studies["field1996"]
    assert field["doi"] == "10.3109/00207459608986710"
    assert field["journal"] == "International Journal of Neuroscience"
    assert field["authors"][0] == {"family": "Field", "given": "Tiffany"}
    assert studies["sackett2000"]["isbn"] == "9780443062407"


def test_show_by_citekey_doi_and_unknown(bibfile: Path) -> None:
    run("import", str(bibfile))
    code, out, _ = run("show", "10.3109/00207459608986710", "--json")
    assert code == 0
    assert json.loads(out)["id"] == "field1996"
    code, out, _ = run("show", "field1996")
    assert code == 0
    assert "Massage therapy reduces anxiety" in out
    code, out, err = run("show", "nosuchkey")
    assert code == 2
    assert err.strip() == (
        'Error: No study "nosuchkey" in the library. Use `evidence studies` to list citekeys, '
        "or `evidence add` to add it."
    )


@pytest.mark.parametrize("fmt", ["bibtex", "csl-json", "ris"])
def test_export_then_import_gives_back_the_same_studies(
    bibfile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    run("import", str(bibfile))
    out_file = tmp_path / f"export.{ {'bibtex': 'bib', 'csl-json': 'json', 'ris': 'ris'}[fmt] }"
    code, _, err = run("export", "--format", fmt, "--output", str(out_file))
    assert code == 0, err
    _, before, _ = run("studies", "--json")
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "second.db"))
    code, _, err = run("import", str(out_file))
    assert code == 0, err
    _, after, _ = run("studies", "--json")

    def essence(text: str) -> list[tuple]:
        return [
            (
                s["id"],
                s["title"],
                s["year"],
                s["doi"],
                s["isbn"],
                tuple((a["family"], a["given"]) for a in s["authors"]),
            )
            for s in json.loads(text)
        ]

    assert essence(after) == essence(before)


def test_import_missing_and_binary_files(tmp_path: Path) -> None:
    binary = tmp_path / "x.bib"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, _, err = run("import", str(tmp_path / "missing.bib"), str(binary))
    assert code == 2
    assert len(err.strip().splitlines()) == 2
    assert all(line.startswith("Error: ") for line in err.strip().splitlines())


def test_import_stops_a_file_at_an_entry_over_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file has no size limit (it is read in chunks), an entry has one: the file is
    read no further than an entry over it, with a line saying where; the entries before
    it are saved and the other files of the call are imported."""
    import bib.formats.bibtex_stream

    monkeypatch.setattr(bib.formats.bibtex_stream, "MAX_ENTRY_CHARS", 2_000_000)
    big = tmp_path / "big.bib"
    entry = "@article{{k{n}, title={{Entry {n}}}, author={{Doe{n}, Jane}}, year={{2001}}}}\n"
    huge = "@article{huge, title={" + "x" * 3_000_000 + "}}\n"
    big.write_text(entry.format(n=0) + huge + entry.format(n=2), encoding="utf-8")
    small = tmp_path / "small.bib"
    small.write_text(entry.format(n=1), encoding="utf-8")
    code, _, err = run("import", str(big), str(small))
    assert code == 1
    assert err.strip() == (
        f"Error: {big}:2: an entry longer than 2 million characters (or one never "
        "closed); the file is read no further. Check the entry, or split the file there"
    )
    _, listing, _ = run("studies", "--json")
    assert sorted(s["id"] for s in json.loads(listing)) == ["k0", "k1"]


def test_export_unknown_format() -> None:
    code, _, err = run("export", "--format", "docx")
    assert code == 2
    assert err.strip() == 'Error: unknown format "docx". Use bibtex, csl-json or ris.'


def test_user_fields_survive_fetched_metadata(bibfile: Path, tmp_path: Path) -> None:
    from bib.work import Author, Work
    from evidence.library import save_work

    run("import", str(bibfile))
    store = Store(tmp_path / "evidence.db")
    fetched = Work(
        doi="10.3109/00207459608986710",
        title="Massage therapy reduces anxiety and enhances EEG pattern of alertness and math computations",
        authors=[Author("Field", "T")],
        journal="The International journal of neuroscience",
        pmid="8884390",
        source="pubmed",
    )
    result = save_work(store, fetched)
    assert result.created is False
    row = store.one("select * from studies where citekey = 'field1996'")
    assert row is not None
    assert row["title"].startswith("Massage therapy reduces anxiety and enhances")
    assert row["title"].endswith("alertness")  # hand-set (imported) title kept
    assert row["journal"] == "International Journal of Neuroscience"
    assert row["pmid"] == "8884390"  # new information is added


def test_probable_duplicate_is_flagged_not_merged(tmp_path: Path) -> None:
    from bib.work import Author, Work
    from evidence.library import save_work

    store = Store(tmp_path / "evidence.db")
    a = Work(
        title="Massage therapy reduces anxiety",
        authors=[Author("Field", "T")],
        year=1996,
        source="bibtex",
    )
    b = Work(
        title="Massage Therapy Reduces Anxiety.",
        authors=[Author("Field", "Tiffany")],
        year=1996,
        source="ris",
    )
    first = save_work(store, a)
    second = save_work(store, b)
    assert second.created and second.study_id != first.study_id
    assert second.duplicate_of == first.citekey
    assert store.count("studies") == 2


def test_unreadable_bibliography_named_once(tmp_path: Path) -> None:
    empty = tmp_path / "empty.bib"
    empty.write_text("", encoding="utf-8")
    code, _, err = run("import", str(empty))
    assert code == 2
    assert err.strip() == f"Error: {empty}: the file is empty"
