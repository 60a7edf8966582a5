"""The motivating article: vague appeals, journal-only attributions, unsourced claims."""

from __future__ import annotations

import pytest

from evidence.extract import Claim, Extraction, extract
from evidence.read import read_document
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def seed() -> Extraction:
    return extract(read_document(shared_path("seed", "article.txt")))


def _sentence(extraction: Extraction, prefix: str) -> Claim:
    matches = [c for c in extraction.scored if c.text.startswith(prefix)]
    assert len(matches) == 1, prefix
    return matches[0]


def test_spans_point_into_the_text(seed: Extraction) -> None:
    text = seed.document.text
    for claim in seed.scored:
        assert text[claim.start : claim.end] == claim.text
        for mention in claim.mentions:
            assert text[mention.start : mention.end] == mention.text
            assert claim.start <= mention.start < mention.end <= claim.end


@pytest.mark.parametrize(
    ("prefix", "phrase"),
    [
        ("Investigation has shown", "Investigation has shown"),
        ("Study has presented that", "Study has presented"),
    ],
)
def test_vague_appeals_to_research(seed: Extraction, prefix: str, phrase: str) -> None:
    claim = _sentence(seed, prefix)
    assert claim.is_claim
    assert [(m.kind, m.text) for m in claim.mentions] == [("vague", phrase)]


@pytest.mark.parametrize(
    ("prefix", "journal"),
    [
        ("One research published", "Journal of Alternative and Complementary Medicine"),
        ("One more study posted", "International Journal of Therapeutic Massage & Bodywork"),
        ("A study released", "International Journal of Neuroscience"),
        ("One more research study released", "Journal of Clinical Nursing"),
    ],
)
def test_journal_attributions(seed: Extraction, prefix: str, journal: str) -> None:
    claim = _sentence(seed, prefix)
    assert claim.is_claim
    assert [m.kind for m in claim.mentions] == ["journal"]
    mention = claim.mentions[0]
    assert mention.journal == journal
    assert mention.text.endswith(journal)
    assert mention.finding and mention.finding.startswith(("massage", "attendees", "normal"))


def test_all_journal_mentions_are_the_four(seed: Extraction) -> None:
    journals = [m.journal for m in seed.mentions if m.kind == "journal"]
    assert journals == [
        "Journal of Alternative and Complementary Medicine",
        "International Journal of Therapeutic Massage & Bodywork",
        "International Journal of Neuroscience",
        "Journal of Clinical Nursing",
    ]
    assert [m.text for m in seed.mentions if m.kind == "vague"] == [
        "Investigation has shown",
        "Study has presented",
    ]


def test_unsourced_mechanism_claim(seed: Extraction) -> None:
    claim = _sentence(seed, "Waist massage therapies function through loosening up")
    assert claim.is_claim
    assert claim.mentions == []
    assert not claim.sourced


@pytest.mark.parametrize(
    "prefix",
    [
        "The Basic Principles Of Top 10 Benefits",
        "But what is the scientific research",
        "Why do they work?",
        "That's where hip massage happens in.",
        "These muscle mass include:",
        "So if you're experiencing",
    ],
)
def test_not_claims(seed: Extraction, prefix: str) -> None:
    claim = _sentence(seed, prefix)
    assert not claim.is_claim, claim.reasons
    assert claim.reasons


def test_headings_are_never_claims(seed: Extraction) -> None:
    headings = [c for c in seed.scored if c.block_kind == "heading"]
    assert headings and not any(c.is_claim for c in headings)


def test_counts(seed: Extraction) -> None:
    assert seed.counts["sentences"] == len(seed.sentences) == 31
    assert seed.counts["mentions.journal"] == 4
    assert seed.counts["mentions.vague"] == 2
    assert seed.counts["claims"] == len(seed.claims)
    assert seed.counts["sourced_claims"] == 6
    assert seed.problems == []
