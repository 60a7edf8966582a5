"""evidence.extract.prefilter answers exactly what the patterns themselves answer, only faster.

Every pattern that claim scoring and mention finding put behind the prefilter is compared
with its plain regular expression on material inside the repository (the labelled
sentences, the bundled demo article, and strings built to sit on the edges: case, digits,
list markers, the characters re folds to ASCII) and, when ../shared is present, on real
material too (the seed article, manuscripts, health news).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import conftest
import pytest

from evidence.extract import claims, mentions
from evidence.extract.prefilter import AllMatches, AnyMatch, Screen, _needs_of

ROOT = Path(__file__).resolve().parent.parent


def _local_texts() -> list[str]:
    """Material that every clone has."""
    texts = [
        json.loads(line)["text"]
        for line in (conftest.TEST_DATA / "claims_labelled.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    texts.append((ROOT / "evidence" / "data" / "demo_article.md").read_text("utf-8"))
    return texts


def _shared_texts() -> list[str]:
    """Real material from ../shared, looked up through conftest.SHARED when called (an
    empty list when it is absent)."""
    shared = conftest.SHARED
    texts: list[str] = []
    for extra in (
        shared / "seed" / "article.txt",
        shared
        / "data"
        / "corpora"
        / "claims"
        / "health-news-fakehealth"
        / "health_news_with_study_attributions.jsonl",
    ):
        if extra.exists():
            texts.append(extra.read_text("utf-8")[:300_000])
    manuscripts = shared / "data" / "corpora" / "manuscripts" / "deep-review" / "content"
    if manuscripts.is_dir():
        texts += [p.read_text("utf-8") for p in sorted(manuscripts.glob("*.md"))]
    return texts


def _split(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        out += [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
        # Sentence splitting cuts "1. Item" after its number: list items are kept whole too.
        out += [
            line
            for line in text.splitlines()
            if line.lstrip()[:1] in ("-", "*", "•") or line.lstrip()[:1].isdigit()
        ]
    return out


def _edges() -> list[str]:
    return [
        "",
        "Studies show it.",
        "STUDIES SHOW IT WORKS.",
        "Research has ſhown benefits.",  # long s: re's IGNORECASE reads it as s
        "Studıes show it.",  # dotless i
        "İt is well known that it works.",
        "Revenue rose 12% in 2020 (p < 0.05).",
        "The results include:",
        "Think about trying a hip massage.",
        "A study published in the Journal of Clinical Nursing found that it helps.",
        "Researchers at Harvard University found a link.",
        "It's important to know this.",
        "we searched pubmed and were randomly assigned",
        "- Take 2 pills daily.",
        "• Massage eases back pain.",
        "3) Walk every day.",
        "12. Researchers found a link.",
        "-not a list item",
        "1.5 million people slept less.",
    ]


@functools.cache
def _sentences() -> tuple[str, ...]:
    return tuple(_split(_local_texts() + _shared_texts()) + _edges())


def test_the_repository_alone_is_enough_material() -> None:
    """Without ../shared the comparisons still run on a few hundred sentences."""
    assert len(_split(_local_texts()) + _edges()) > 200


def test_real_material_joins_when_present() -> None:
    seed = conftest.shared_path("seed", "article.txt")
    assert set(_split([seed.read_text("utf-8")[:300_000]])) <= set(_sentences())


def _claim_patterns() -> list[re.Pattern[str]]:
    return [v for v in vars(claims).values() if isinstance(v, re.Pattern)]


@pytest.mark.parametrize("pattern", _claim_patterns(), ids=lambda p: p.pattern[:40])
def test_any_match_answers_as_search(pattern: re.Pattern[str]) -> None:
    screen = Screen()
    check = AnyMatch(pattern, screen)
    hits = 0
    for sentence in _sentences():
        for text in (sentence, sentence.lower()):
            want = pattern.search(text) is not None
            assert check(text, screen.scan(text.lower())) is want, (pattern.pattern, text)
            hits += want
    # Each pattern is exercised both ways on this material, not only "no match".
    assert 0 < hits < 2 * len(_sentences())


@pytest.mark.parametrize("pattern", mentions.PREFILTERED_PATTERNS, ids=lambda p: p.pattern[:40])
def test_all_matches_finds_what_finditer_finds(pattern: re.Pattern[str]) -> None:
    screen = Screen()
    search = AllMatches(pattern, screen)
    for sentence in _sentences():
        want = [m.span() for m in pattern.finditer(sentence)]
        got = [m.span() for m in search.finditer(sentence, screen.scan(sentence.lower()))]
        assert got == want, (pattern.pattern, sentence)


def test_needs_are_what_every_match_contains() -> None:
    needs = _needs_of(re.compile(r"\b(?:studies|research)\s+(?:show|shows|found)\b"))
    assert set(needs) == {
        frozenset({"studies", "research"}),
        frozenset({"show", "shows", "found"}),
    }
    # Optional parts and short literals need nothing; digits are a need of their own.
    assert _needs_of(re.compile(r"(?:very\s+)?ok")) == ()
    assert _needs_of(re.compile(r"\d+\s*%")) == (frozenset({"\\d"}),)
    # Case-insensitive literals are needed in lower case.
    assert _needs_of(re.compile(r"(?i:Lancet)")) == (frozenset({"lancet"}),)


def test_a_gate_stays_shut_without_its_literals_and_opens_with_them() -> None:
    screen = Screen()
    check = AnyMatch(re.compile(r"\bclinically\s+proven\b|^let\s+us\b"), screen)
    assert check("this was clinically proven", screen.scan("this was clinically proven"))
    assert not check("this was proven", screen.scan("this was proven"))
    assert check("let us go", screen.scan("let us go"))  # the anchored alternative
    # Text with a character that re folds to ASCII opens every gate.
    assert screen.scan("clinıcally") is None


def test_score_with_the_sentence_scan_is_the_score_without_it() -> None:
    """extract scans each whole sentence once for mentions and scoring alike; scoring
    matches its patterns on the sentence without its list marker, whose literals are a
    subset of the whole sentence's, so the shared scan changes no score."""
    from evidence.extract.prefilter import SCREEN

    samples = list(_sentences()[:3000]) + ["1. Studies show a 20% drop.", "- Take 2 pills daily."]
    for sentence in samples:
        for kind in ("paragraph", "list_item"):
            alone = claims.score_sentence(sentence, block_kind=kind)
            shared = claims.score_sentence(
                sentence, block_kind=kind, seen=SCREEN.scan(sentence.lower())
            )
            assert shared == alone, sentence


def test_alternatives_split_at_the_top_level_only() -> None:
    from evidence.extract.prefilter import _alternatives, _closing, _split_top

    assert _split_top(r"a|(b|c)|[|]|\|x") == ["a", "(b|c)", "[|]", r"\|x"]
    assert _split_top(r"[]|]|[^]|]") == ["[]|]", "[^]|]"]
    assert _closing(r"\b(?:a|(b))\b", 2) == 10
    assert _closing(r"(a", 0) == -1
    # A whole-alternative \b(?:…) group is opened up; one followed by more is not.
    assert _alternatives(r"\b(?:ab|cd)\b|x") == [r"\b(?:ab)\b", r"\b(?:cd)\b", "x"]
    assert _alternatives(r"\b(?:ab|cd)\s+than") == [r"\b(?:ab|cd)\s+than"]


def test_plain_source_drops_only_the_layout_of_a_verbose_pattern() -> None:
    from evidence.extract.prefilter import plain_source

    verbose = re.compile(
        r"""
        \bstudies \s+ show   # a comment (with | and ( in it)
        | [ #]x \  y \# z    # a class keeps its space and #; escapes stay escaped
        """,
        re.X,
    )
    assert plain_source(verbose) == r"\bstudies\s+show|[ #]x\ y\#z"
    plain = re.compile(r"a b # c")
    assert plain_source(plain) == "a b # c"
    check = AnyMatch(verbose, Screen())
    for text in ("studies show", "#x y#z", " x y#z", "studies  shown", "xy#z"):
        assert check(text, None) is (verbose.search(text) is not None), text


def _verbose_patterns() -> list[re.Pattern[str]]:
    from evidence.extract import attribution_mentions, citation_mentions, vague_mentions

    found: dict[int, re.Pattern[str]] = {}
    for module in (claims, citation_mentions, attribution_mentions, vague_mentions):
        for value in vars(module).values():
            values = value if isinstance(value, list) else [value]
            found |= {id(v): v for v in values if isinstance(v, re.Pattern) and v.flags & re.X}
    return list(found.values())


@pytest.mark.parametrize("pattern", _verbose_patterns(), ids=lambda p: p.pattern[:40].strip())
def test_plain_source_of_each_verbose_pattern_is_the_same_pattern(
    pattern: re.Pattern[str],
) -> None:
    from re import _parser  # type: ignore[attr-defined]

    from evidence.extract.prefilter import plain_source

    flags = pattern.flags & ~re.X
    plain = _parser.parse(plain_source(pattern), flags)
    assert repr(plain.data) == repr(_parser.parse(pattern.pattern, pattern.flags).data)
    assert re.compile(plain_source(pattern), flags).groupindex == pattern.groupindex
