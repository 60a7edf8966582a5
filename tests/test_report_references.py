"""The report's References section: references that do not exist, references cited
wrongly, retracted ones and the count of each verdict, in the model, Markdown and HTML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from evidence.reportmodel import build_report_model
from evidence.store import Store
from reports import render_report

CHECKED_AT = "2026-03-01T10:00:00+00:00"

# Each check's `verification` is the object `evidence verify` saves
# (bib.checking.verdict.Verification.to_dict: verdict, reason, likely, fields, matched,
# searched, sources); `mismatches` is the older per-field list kept beside it.
STUDIES: list[dict[str, Any]] = [
    {
        "row": {
            "citekey": "vaswani2017attention",
            "title": "Attention is all you need",
            "authors": [{"family": "Vaswani", "given": "Ashish"}],
            "journal": "Advances in Neural Information Processing Systems",
            "year": 2017,
        },
        "check": {
            "status": "verified",
            "sources": ["dblp", "s2"],
            "mismatches": [],
            "reason": "found in dblp, s2; the citation agrees",
            "verification": {
                "verdict": "verified",
                "reason": "found in dblp, s2; the citation agrees",
                "likely": None,
                "fields": [],
                "matched": {
                    "doi": None,
                    "arxiv": "1706.03762",
                    "title": "Attention is All you Need",
                    "authors": ["Vaswani", "Shazeer"],
                    "venue": "NeurIPS",
                    "year": 2017,
                    "source": "dblp",
                },
                "searched": [],
                "sources": ["dblp", "s2"],
            },
        },
    },
    {
        "row": {
            "citekey": "quill2024neural",
            "title": "Neural lattice folding for sparse retrieval",
            "authors": [{"family": "Quill", "given": "Ada"}],
            "journal": "International Conference on Learning Representations",
            "year": 2024,
        },
        "check": {
            "status": "not_found",
            "sources": [],
            "mismatches": [],
            "reason": "no work with this title and these authors in crossref, s2, dblp, arxiv",
            "verification": {
                "verdict": "not_found",
                "reason": "no work with this title and these authors in crossref, s2, dblp, arxiv",
                "likely": "fabricated",
                "fields": [],
                "matched": None,
                "searched": [
                    {
                        "service": "crossref",
                        "query": "Neural lattice folding for sparse retrieval Quill",
                        "hits": 5,
                        "accepted": None,
                        "error": None,
                    },
                    {
                        "service": "dblp",
                        "query": "Neural lattice folding for sparse retrieval",
                        "hits": 0,
                        "accepted": None,
                        "error": None,
                    },
                ],
                "sources": [],
            },
        },
    },
    {
        "row": {
            "citekey": "devlin2019bert",
            "title": "BERT: Pre-training of deep bidirectional transformers for understanding",
            "authors": [{"family": "Smith", "given": "John"}],
            "journal": "NAACL",
            "year": 2018,
            "doi": "10.18653/v1/N19-1423",
        },
        "check": {
            "status": "mismatch",
            "sources": ["crossref"],
            "mismatches": [
                {"field": "authors", "ours": "Smith", "theirs": "Devlin", "source": "crossref"},
                {"field": "year", "ours": 2018, "theirs": 2019, "source": "crossref"},
            ],
            "reason": "authors, year (major); found in crossref",
            "verification": {
                "verdict": "mismatch",
                "reason": "authors, year (major); found in crossref",
                "likely": "fabricated",
                "fields": [
                    {
                        "field": "authors",
                        "cited": "Smith",
                        "found": "Devlin, Chang, Lee, Toutanova",
                        "severity": "major",
                        "kind": "other-authors",
                        "note": "none of the cited authors is an author of the work",
                    },
                    {
                        "field": "year",
                        "cited": 2018,
                        "found": 2019,
                        "severity": "minor",
                        "kind": "year-off-by-one",
                        "note": "the preprint's year",
                    },
                ],
                "matched": {
                    "doi": "10.18653/v1/N19-1423",
                    "arxiv": None,
                    "title": "BERT: Pre-training of Deep Bidirectional Transformers "
                    "for Language Understanding",
                    "authors": ["Devlin", "Chang", "Lee", "Toutanova"],
                    "venue": "Proceedings of NAACL",
                    "year": 2019,
                    "source": "crossref",
                },
                "searched": [
                    {
                        "service": "crossref",
                        "query": "doi:10.18653/v1/N19-1423",
                        "hits": 1,
                        "accepted": "doi:10.18653/v1/N19-1423",
                    }
                ],
                "sources": ["crossref"],
            },
        },
    },
    {
        "row": {
            "citekey": "wakefield1998ileal",
            "title": "Ileal-lymphoid-nodular hyperplasia, non-specific colitis, and pervasive "
            "developmental disorder in children",
            "authors": [{"family": "Wakefield", "given": "A J"}],
            "journal": "The Lancet",
            "year": 1998,
            "doi": "10.1016/S0140-6736(97)11096-0",
            "retracted": 1,
        },
        "notice": {"kind": "retraction", "source": "retraction-watch", "date": "2010-02-06"},
        "check": {
            "status": "retracted",
            "sources": ["crossref", "retraction-watch (local)"],
            "mismatches": [],
            "reason": None,
            "verification": {
                "verdict": "verified",
                "reason": "found in crossref; the citation agrees",
                "likely": None,
                "fields": [],
                "matched": None,
                "searched": [],
                "sources": ["crossref"],
            },
        },
    },
]


def build_store(path: Path, studies: list[dict[str, Any]]) -> Store:
    store = Store(path)
    for spec in studies:
        study_id = store.insert("studies", {**spec["row"], "added_at": CHECKED_AT})
        if "notice" in spec:
            store.insert("notices", {"study_id": study_id, **spec["notice"]})
        if "check" in spec:
            store.insert(
                "checks", {"study_id": study_id, "checked_at": CHECKED_AT, **spec["check"]}
            )
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = build_store(tmp_path / "evidence.db", STUDIES)
    yield store
    store.close()


def test_model_carries_the_references(store: Store) -> None:
    refs = build_report_model(store)["references"]
    assert refs["counts"] == {
        "total": 4,
        "checked": 4,
        "verified": 1,
        "mismatch": 1,
        "not_found": 1,
        "retracted": 1,
        "unverified": 0,
    }
    (missing,) = refs["not_found"]
    assert missing["study"] == "quill2024neural"
    assert missing["likely"] == "fabricated"
    assert missing["reason"].startswith("no work with this title and these authors in crossref")
    assert [s["service"] for s in missing["searched"]] == ["crossref", "dblp"]
    assert missing["matched"] is None
    (wrong,) = refs["mismatch"]
    assert wrong["study"] == "devlin2019bert"
    assert wrong["title"].startswith("BERT: Pre-training")
    assert wrong["likely"] == "fabricated"
    assert [(f["field"], f["severity"]) for f in wrong["fields"]] == [
        ("authors", "major"),
        ("year", "minor"),
    ]
    assert wrong["matched"]["doi"] == "10.18653/v1/N19-1423"
    assert wrong["matched"]["source"] == "crossref"
    (retracted,) = refs["retracted"]
    assert retracted["study"] == "wakefield1998ileal"
    assert retracted["reason"] == "retraction notice (retraction-watch, 2010-02-06)"
    # The keys the report had before are all still there.
    model = build_report_model(store)
    assert model["summary"]["mismatched_sources"] == ["devlin2019bert"]
    assert model["summary"]["retracted_sources"] == ["wakefield1998ileal"]
    json.dumps(model)


def test_markdown_section(store: Store) -> None:
    md = render_report(build_report_model(store), "md")
    assert "## References" in md.splitlines()
    assert (
        "**4 references, 4 checked:** 1 verified, 1 details differ, 1 not found, 1 retracted, "
        "0 unverified." in md
    )
    section = md[md.index("\n## References\n") : md.index("\n## Studies\n")]
    assert (
        "- [quill2024neural](#study-2): “Neural lattice folding for sparse retrieval”, "
        "**likely fabricated** — no work with this title and these authors in crossref, s2, "
        "dblp, arxiv\n" in section
    )
    assert (
        "  - Searched crossref for “Neural lattice folding for sparse retrieval Quill”: 5 hits"
        in section
    )
    assert "  - Searched dblp for “Neural lattice folding for sparse retrieval”: 0 hits" in section
    assert "### References cited wrongly" in section
    assert (
        "  - authors (**major**): cited “Smith”, found “Devlin, Chang, Lee, Toutanova”; "
        "none of the cited authors is an author of the work" in section
    )
    assert "  - year (**minor**): cited 2018, found 2019; the preprint's year" in section
    assert (
        "  - Matched: “BERT: Pre-training of Deep Bidirectional Transformers for Language "
        "Understanding”, Devlin, Chang, Lee, Toutanova (Proceedings of NAACL 2019), "
        "doi:10.18653/v1/N19-1423, from crossref" in section
    )
    assert "### Retracted references" in section
    assert "[wakefield1998ileal](#study-4)" in section
    assert (
        "- [wakefield1998ileal](#study-4): “Ileal-lymphoid-nodular hyperplasia, non-specific "
        "colitis, and pervasive developmental disorder in children” — retraction notice "
        "(retraction-watch, 2010-02-06)" in section
    )
    assert "vaswani2017attention" not in section


def test_html_section(store: Store) -> None:
    page = render_report(build_report_model(store), "html")
    assert '<a href="#references">References</a>' in page
    section = page[
        page.index('<section id="references"') : page.index(
            "</section>", page.index('<section id="references"')
        )
    ]
    assert 'data-reference="quill2024neural" data-group="not_found"' in section
    assert 'data-reference="devlin2019bert" data-group="mismatch"' in section
    assert 'data-reference="wakefield1998ileal" data-group="retracted"' in section
    assert "vaswani2017attention" not in section
    assert "likely fabricated" in section
    assert (
        '<tr data-field="authors" data-severity="major"><td>authors</td><td>Smith</td>'
        "<td>Devlin, Chang, Lee, Toutanova</td>"
    ) in section
    assert (
        '<tr data-field="year" data-severity="minor"><td>year</td><td>2018</td><td>2019</td>'
        in section
    )
    assert 'href="https://doi.org/10.18653/v1/N19-1423"' in section
    assert "crossref for “Neural lattice folding for sparse retrieval Quill”: 5 hits" in section
    assert "4 references, 4 checked" in section


def test_empty_library_has_no_section(tmp_path: Path) -> None:
    store = Store(tmp_path / "evidence.db")
    try:
        model = build_report_model(store)
    finally:
        store.close()
    assert model["references"] == {
        "not_found": [],
        "mismatch": [],
        "retracted": [],
        "counts": {
            "total": 0,
            "checked": 0,
            "verified": 0,
            "mismatch": 0,
            "not_found": 0,
            "retracted": 0,
            "unverified": 0,
        },
    }
    assert "## References" not in render_report(model, "md")
    assert 'id="references"' not in render_report(model, "html")


def test_old_checks_and_unchecked_studies(tmp_path: Path) -> None:
    """A check saved before severities existed lists its mismatches; a study never checked
    counts as unverified and not checked."""
    old = {
        "row": {"citekey": "old2001", "title": "An old check", "year": 2001},
        "check": {
            "status": "mismatch",
            "sources": ["crossref"],
            "mismatches": [{"field": "year", "ours": 2001, "theirs": 2002, "source": "crossref"}],
            "reason": None,
        },
    }
    never = {"row": {"citekey": "never2020", "title": "Never checked", "year": 2020}}
    store = build_store(tmp_path / "evidence.db", [old, never])
    try:
        model = build_report_model(store)
    finally:
        store.close()
    refs = model["references"]
    assert refs["counts"]["total"] == 2 and refs["counts"]["checked"] == 1
    assert refs["counts"]["unverified"] == 1 and refs["counts"]["mismatch"] == 1
    (entry,) = refs["mismatch"]
    assert entry["likely"] is None and entry["matched"] is None
    assert entry["fields"] == [
        {
            "field": "year",
            "cited": 2001,
            "found": 2002,
            "severity": None,
            "kind": None,
            "note": None,
        }
    ]
    md = render_report(model, "md")
    assert "  - year: cited 2001, found 2002" in md
    assert "**2 references, 1 checked:**" in md


def test_hostile_text_in_the_section_is_inert(store: Store) -> None:
    model = build_report_model(store)
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) {{ 7*7 }}"
    entry = model["references"]["mismatch"][0]
    entry["title"] = evil
    entry["fields"][0]["cited"] = evil
    entry["matched"]["title"] = evil
    model["references"]["not_found"][0]["searched"][0]["query"] = evil
    md = render_report(model, "md")
    assert "<script" not in md and "{{" not in md
    # Rendered as GitHub would (raw HTML allowed): no tag and no link come from the text.
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<script" not in rendered and "javascript:alert(1))" in rendered
    assert 'href="javascript' not in rendered
    page = render_report(model, "html")
    section = page[page.index('<section id="references"') :]
    assert "<script>alert" not in section and "&lt;script&gt;alert(1)&lt;/script&gt;" in section


def test_a_model_without_references_still_renders() -> None:
    """Models saved by earlier versions (and hand-made ones) lack the key."""
    model: dict[str, Any] = {"studies": {"a": {"title": "A"}}, "claims": []}
    assert "## References" not in render_report(model, "md")
    model["references"] = {"mismatch": [{"study": "a", "fields": [{"field": "year"}]}]}
    md = render_report(model, "md")
    # Entries without counts: the section, without a count line.
    assert "## References" in md and "checked:**" not in md
    assert "- [a](#study-1)\n  - year: cited nothing, found nothing" in md
