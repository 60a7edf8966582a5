"""`evidence add` against the local fake services: batching, merging, per-item failures,
free-text references."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from evidence.cli import app
from tests.test_verify import RCT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


BOOK = {
    "isbn": "9780199291151",
    "title": "The Oxford Handbook of Evidence",
    "authors": [("Smith", "Jane")],
    "publisher": "Oxford University Press",
    "year": 2008,
    "type": "book",
    "services": ["openlibrary"],
}
PREPRINT = {
    "arxiv": "2101.00001",
    "doi": "10.48550/arxiv.2101.00001",
    "title": "A preprint about evidence",
    "authors": [("Lee", "Ann")],
    "year": 2021,
    "type": "posted-content",
    "services": ["s2"],
}
BY_PMID = {
    "pmid": "14736355",
    "doi": "10.1000/example.pmid",
    "title": "A trial found through its PMID",
    "authors": [("Okafor", "C")],
    "journal": "Journal of Examples",
    "year": 2004,
    "type": "journal-article",
    "publication_types": [("Meta-Analysis", "D017418")],
}


def test_add_every_kind_merges_and_reports(fake_services) -> None:  # type: ignore[no-untyped-def]
    for record in (RCT, BOOK, PREPRINT, BY_PMID):
        fake_services.add(record)
    code, out, err = run(
        "add",
        "--json",
        RCT["doi"],
        "pmid:14736355",
        "arXiv:2101.00001",
        "978-0-19-929115-1",
        "10.9999/unknown",
    )
    assert code == 1  # one item failed, the rest done
    studies = {s["title"]: s for s in json.loads(out)}
    rct = studies[RCT["title"]]
    assert rct["pmid"] == "8884390" and rct["journal"] == "International Journal of Neuroscience"
    assert rct["publication_types"] == ["Randomized Controlled Trial", "Journal Article"]
    assert studies[BY_PMID["title"]]["doi"] == "10.1000/example.pmid"
    assert studies[BOOK["title"]]["isbn"] == "9780199291151"
    assert studies[PREPRINT["title"]]["arxiv"] == "2101.00001"
    failures = [line for line in err.splitlines() if line.startswith("Error: ")]
    assert len(failures) == 1 and failures[0].startswith("Error: doi:10.9999/unknown: ")
    # batched: one Crossref call for both DOIs learned in the first round
    assert fake_services.count("crossref") <= 3


def test_add_ref_matches_and_abstains(fake_services) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(RCT)
    fake_services.add(dict(RCT, doi="10.3109/decoy", year=1999, volume="91", pages="1-9", pmid="1"))
    code, out, err = run(
        "add",
        "--json",
        "--ref",
        "Field T et al. Massage therapy reduces anxiety. Int J Neurosci 1996;86:197-205",
    )
    assert code == 0, err
    assert [s["doi"] for s in json.loads(out)] == [RCT["doi"]]
    code, out, err = run("add", "--ref", "Unknown A. Something else entirely. Nowhere 2001;1:1-2")
    assert code == 1
    assert "No confident match" in err
