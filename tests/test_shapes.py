"""The JSON the commands print has exactly the keys evidence.shapes declares, and the
declarations keep every key DESIGN.md promises (these may be extended, never renamed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bib.checking.compare import compare_citation
from bib.work import Author, Work
from evidence import shapes
from evidence.cli import app
from evidence.store import Store

# The key lists of DESIGN.md's "JSON shapes", as that document states them.
DESIGN_CLAIM = {"id", "document", "index", "text", "status", "checkworthiness", "mentions"}
DESIGN_CLAIM |= {"evidence"}
DESIGN_MENTION = {"kind", "text", "journal", "identifier", "citekey", "study"}
DESIGN_EVIDENCE = {"study", "stance", "origin", "note"}
DESIGN_CHECK = {"document", "counts", "failing"}
DESIGN_STUDY = {
    "id", "doi", "pmid", "pmcid", "arxiv", "isbn", "openalex", "title", "authors",
    "journal", "issn", "year", "volume", "issue", "pages", "type", "publication_types",
    "retracted", "notices", "verification",
}  # fmt: skip
DESIGN_NOTICE = {"kind", "source", "date", "doi"}
DESIGN_VERIFICATION = {"status", "checked_at", "sources", "mismatches"}
DESIGN_MISMATCH = {"field", "ours", "theirs", "source"}


def keys(shape: Any, *, with_optional: bool = True) -> set[str]:
    required = set(shape.__required_keys__)
    return required | set(shape.__optional_keys__) if with_optional else required


def test_declarations_keep_the_keys_of_design_md() -> None:
    assert DESIGN_CLAIM <= keys(shapes.ClaimObject)
    assert DESIGN_MENTION <= keys(shapes.MentionObject)
    assert DESIGN_EVIDENCE <= keys(shapes.EvidenceObject)
    assert DESIGN_CHECK <= keys(shapes.CheckResult)
    assert DESIGN_STUDY <= keys(shapes.StudyObject)
    assert DESIGN_NOTICE <= keys(shapes.NoticeObject)
    assert DESIGN_VERIFICATION <= keys(shapes.Verification)
    assert DESIGN_MISMATCH <= keys(shapes.Mismatch)


def run_json(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_printed_objects_have_exactly_the_declared_keys(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Massage therapy reduced anxiety in adults [@field1996].\n\n"
        "A study published in the Journal of Clinical Nursing found that massage helps.\n",
        encoding="utf-8",
    )
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{field1996,\n  title = {Massage therapy reduces anxiety},\n"
        "  author = {Field, Tiffany and Morrow, C.},\n  journal = {Int J Neurosci},\n"
        "  year = {1996},\n  doi = {10.3109/00207459608986710},\n  pmid = {8870945}\n}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(doc), "--bib", str(bib)]).exit_code == 0
    assert (
        runner.invoke(app, ["tag", claim_id(), "field1996", "--stance", "supports"]).exit_code == 0
    )

    store = Store(tmp_path / "evidence.db")  # EVIDENCE_DB (tests/conftest.py)
    attribution = store.one("select id from mentions where kind = 'journal'")
    assert attribution is not None
    store.insert("candidates", {**CANDIDATE, "mention_id": attribution["id"]})
    store.close()

    claims = run_json("claims")
    assert len(claims) == 2
    for claim in claims:
        assert set(claim) == keys(shapes.ClaimObject)
        for mention in claim["mentions"]:
            # claims --json gives each mention its candidates (the report's objects)
            assert set(mention) == keys(shapes.MentionObject)
            for candidate in mention["candidates"]:
                assert set(candidate) == keys(shapes.Candidate)
        for link in claim["evidence"]:
            assert set(link) == keys(shapes.EvidenceObject)
    assert {m["kind"] for c in claims for m in c["mentions"]} == {"citekey", "journal"}
    assert any(c["evidence"] for c in claims)
    (found,) = [m["candidates"] for c in claims for m in c["mentions"] if m["candidates"]]
    assert found == [
        {
            "study": None,
            "doi": CANDIDATE["doi"],
            "title": CANDIDATE["title"],
            "journal": CANDIDATE["journal"],
            "year": CANDIDATE["year"],
            "score": CANDIDATE["score"],
            "reasons": CANDIDATE["reasons"],
            "accepted": False,
        }
    ]

    check = run_json("check")
    assert set(check) == keys(shapes.CheckResult)
    for claim in check["needs_attention"]:
        for mention in claim["mentions"]:
            assert set(mention) == keys(shapes.MentionObject, with_optional=False)

    (study,) = run_json("studies")
    assert set(study) == keys(shapes.StudyObject)
    assert set(study["verification"]) == keys(shapes.Verification)
    assert set(study["authors"][0]) == keys(shapes.AuthorObject)


# A candidate row as `resolve` saves it for a narrative attribution (evidence/resolve.py).
CANDIDATE: dict[str, Any] = {
    "study_id": None,
    "doi": "10.1111/jocn.99999",
    "title": "Massage in nursing care",
    "journal": "Journal of Clinical Nursing",
    "year": 2019,
    "score": 0.42,
    "reasons": ["journal matches", "key terms: massage"],
    "rank": 1,
    "accepted": 0,
}


def claim_id() -> str:
    result = CliRunner().invoke(app, ["claims", "--json", "--status", "cited"])
    return str(json.loads(result.stdout)[0]["id"])


def test_mismatch_objects_have_the_declared_keys() -> None:
    ours = Work(title="Massage therapy reduces anxiety", year=1996, authors=[Author("Field")])
    theirs = Work(title="Massage therapy reduces anxiety", year=1997, authors=[Author("Smith")])
    found = [f.to_dict() for f in compare_citation(ours, [theirs], this_year=2026)]
    assert [m["field"] for m in found] == ["authors", "year"]
    for finding in found:
        assert set(finding) == keys(shapes.FieldFinding)
