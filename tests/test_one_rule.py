"""One identifier rule: a study imported from a bibliography and the same study added by
its identifier are one study, whatever way each writes the identifier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("field", "identifier"),
    [
        ("pmid = {008870945}", "pmid:8870945"),
        ("pmcid = {pmc1234567}", "PMC1234567"),
        ("doi = {https://doi.org/10.1002%2FABC.123}", "doi:10.1002/abc.123"),
        ("isbn = {0-306-40615-2}", "isbn:978-0-306-40615-7"),
    ],
)
def test_imported_entry_and_added_identifier_are_one_study(
    tmp_path: Path, field: str, identifier: str
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{field1996,\n"
        "  author = {Field, Tiffany},\n"
        "  title = {Massage therapy reduces anxiety},\n"
        "  year = {1996},\n"
        f"  {field},\n"
        "}\n",
        encoding="utf-8",
    )
    code, _, err = run("import", str(bib))
    assert code == 0, err
    code, _, err = run("add", "--no-fetch", identifier)
    assert code == 0, err
    code, out, err = run("studies", "--json")
    assert code == 0, err
    assert len(json.loads(out)) == 1


def test_a_short_registrant_doi_is_refused_by_import_and_add(tmp_path: Path) -> None:
    """``10.12/abc`` is not a DOI for ``add``, nor for a BibTeX doi field."""
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{k, title = {T}, doi = {10.12/abc}}\n", encoding="utf-8")
    code, _, err = run("import", str(bib))
    assert code == 0, err
    code, out, _ = run("studies", "--json")
    assert [s["doi"] for s in json.loads(out)] == [None]
    code, _, err = run("add", "--no-fetch", "10.12/abc")
    assert code == 2
    assert err.startswith("Error: ") and "10.12/abc" in err
