"""Claim detection quality on a labelled set written for this project, and
recall on held-out real sentences (skipped when ../shared is absent).

Run ``.venv/bin/pytest -q tests/test_claims_quality.py -s`` to print the figures."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from evidence.extract import extract
from evidence.read import read_document
from tests.conftest import TEST_DATA, shared_path


@dataclass
class Figures:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    findings: int = 0
    findings_found: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn)

    @property
    def finding_recall(self) -> float:
        return self.findings_found / self.findings


def _format(text: str) -> str:
    if "\\cite" in text:
        return "latex"
    return "markdown" if "[@" in text else "text"


def _is_claim(text: str) -> bool:
    result = extract(read_document(None, text=text, fmt=_format(text)))
    return any(claim.is_claim for claim in result.scored)


def _load() -> list[dict[str, object]]:
    with (TEST_DATA / "claims_labelled.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _measure(rows: list[dict[str, object]]) -> Figures:
    figures = Figures()
    for row in rows:
        predicted = _is_claim(str(row["text"]))
        if row["is_claim"]:
            if predicted:
                figures.tp += 1
            else:
                figures.fn += 1
        elif predicted:
            figures.fp += 1
        else:
            figures.tn += 1
        if row["states_research_finding"]:
            figures.findings += 1
            figures.findings_found += predicted
    return figures


def test_labelled_set_shape() -> None:
    rows = _load()
    assert len(rows) >= 200
    assert {str(r["genre"]) for r in rows} == {"news", "health-marketing", "abstract", "manuscript"}
    assert len({str(r["text"]) for r in rows}) == len(rows)
    for row in rows:
        assert set(row) == {"text", "genre", "is_claim", "states_research_finding"}
        # A sentence stating a research finding is a claim by definition.
        assert not row["states_research_finding"] or row["is_claim"]


def test_precision_and_recall() -> None:
    figures = _measure(_load())
    print(
        f"\nlabelled set: precision {figures.precision:.3f}, recall {figures.recall:.3f}, "
        f"research-finding recall {figures.finding_recall:.3f} "
        f"(tp {figures.tp}, fp {figures.fp}, fn {figures.fn}, tn {figures.tn})"
    )
    assert figures.finding_recall >= 0.9
    assert figures.recall >= 0.85
    assert figures.precision >= 0.85


@pytest.mark.parametrize("genre", ["news", "health-marketing", "abstract", "manuscript"])
def test_each_genre_is_sensible(genre: str) -> None:
    figures = _measure([r for r in _load() if r["genre"] == genre])
    assert figures.finding_recall >= 0.9
    assert figures.precision >= 0.8 and figures.recall >= 0.75


def test_held_out_news_attributions_are_claims() -> None:
    path = shared_path(
        "data",
        "corpora",
        "claims",
        "health-news-fakehealth",
        "health_news_with_study_attributions.jsonl",
    )
    with path.open(encoding="utf-8") as handle:
        sentences = [s for line in handle for s in json.loads(line)["study_attribution_sentences"]]
    found = sum(_is_claim(s) for s in sentences)
    print(f"\nhealth-news study attributions: {found}/{len(sentences)} claims")
    assert found / len(sentences) >= 0.95


def test_held_out_scientific_claims() -> None:
    path = shared_path("data", "corpora", "claims", "scifact", "claims_dev.jsonl")
    with path.open(encoding="utf-8") as handle:
        claims = [json.loads(line)["claim"] for line in handle]
    found = sum(_is_claim(c) for c in claims)
    print(f"\nSciFact dev claims: {found}/{len(claims)} claims")
    assert found / len(claims) >= 0.8
