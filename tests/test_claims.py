"""Check-worthiness rules: what is and is not a claim, and why."""

from __future__ import annotations

import pytest

from evidence.extract.claims import THRESHOLD, score_sentence


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Why do they work?", "question"),
        ("Think about trying a hip massage.", "imperative"),
        ("So if you're feeling sore, consider a warm bath.", "advice"),
        ("But it's not simply physical benefits that make massage pleasing.", "transition"),
        ("That's where massage comes in.", "transition"),
        ("These muscles include:", "introduces a list"),
        ("You should drink more water before bed.", "advice"),
    ],
)
def test_not_claims(sentence: str, reason: str) -> None:
    score = score_sentence(sentence)
    assert not score.is_claim
    assert score.reasons == [reason]


def test_heading_is_never_a_claim() -> None:
    score = score_sentence("Massage lowers blood pressure by 10 percent", block_kind="heading")
    assert (score.value, score.reasons) == (0.0, ["heading"])


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Smoking causes lung cancer in most heavy smokers.", "causal or effect language"),
        ("About 40 percent of adults sleep less than seven hours.", "statistic"),
        ("Walking is better than running for older knees.", "comparison"),
        ("The hip joint is one of the largest joints in the body.", "factual assertion"),
    ],
)
def test_claims(sentence: str, reason: str) -> None:
    score = score_sentence(sentence)
    assert score.is_claim and 0.0 <= score.value <= 1.0
    assert reason in score.reasons


def test_a_stated_finding_is_always_a_claim() -> None:
    score = score_sentence("Studies show it.", has_source=True, states_finding=True)
    assert score.value >= THRESHOLD and score.reasons == ["states a research finding"]


def test_a_source_raises_the_score() -> None:
    plain = score_sentence("Tea drinkers had fewer colds.")
    sourced = score_sentence("Tea drinkers had fewer colds.", has_source=True)
    assert sourced.value > plain.value
    assert "attributes to a source" in sourced.reasons


def test_opinion_and_methods_lower_the_score() -> None:
    assert not score_sentence("In my opinion this is the best massage chair.").is_claim
    assert not score_sentence("We randomly assigned 50 scientists to two groups.").is_claim


def test_case_insensitive_patterns_are_written_in_lower_case() -> None:
    """score_sentence matches the word patterns against lower-cased text."""
    import re

    import evidence.extract.claims as claims
    from evidence.extract.prefilter import plain_source

    for name, value in vars(claims).items():
        if isinstance(value, re.Pattern) and name != "_REPORTED_SPEECH":
            # (plain_source drops a verbose pattern's comments, which may say "Dr Smith")
            literal = re.sub(r"\\[A-Za-z]", "", plain_source(value))
            assert not re.search(r"[A-Z]", literal), name
