"""Mention finding stays linear in the document: the span and reference-list lookups
answer as the passes over every span and entry they replace, and the work done grows
with the document, not with its square."""

from __future__ import annotations

import cProfile
import pstats
import random

import pytest

from bib.text import caseless
from evidence.extract import extract
from evidence.extract.citation_mentions import ReferenceIndex
from evidence.extract.spans import SpanIndex
from evidence.read import read_document
from evidence.read.document import Reference


@pytest.mark.parametrize("seed", range(20))
def test_span_index_answers_as_a_pass_over_every_span(seed: int) -> None:
    rnd = random.Random(seed)
    spans = []
    for _ in range(rnd.randint(0, 30)):
        start = rnd.randint(0, 60)
        spans.append((start, start + rnd.randint(0, 12)))  # empty spans too
    index = SpanIndex(spans)
    for position in range(-2, 80):
        assert index.holds(position) == any(s <= position < e for s, e in spans)
        for length in (0, 1, 3, 9):
            end = position + length
            assert index.meets(position, end) == any(s < end and position < e for s, e in spans)


def _references(rnd: random.Random) -> list[Reference]:
    names = ["Smith", "smith", "Jones", "Müller", "Muller", "Chen"]
    return [
        Reference(
            text=f"entry {i}",
            start=i * 10,
            end=i * 10 + 9,
            label=rnd.choice([None, str(rnd.randint(1, 6)), "smith2001", "k"]),
            surnames=tuple(rnd.sample(names, rnd.randint(0, 2))),
            year=rnd.choice([None, "2001", "2002"]),
        )
        for i in range(rnd.randint(0, 15))
    ]


@pytest.mark.parametrize("seed", range(20))
def test_reference_index_answers_as_a_pass_over_the_list(seed: int) -> None:
    rnd = random.Random(seed)
    references = _references(rnd)
    index = ReferenceIndex(references)
    assert index.numbered == {
        r.label: (i, r) for i, r in enumerate(references) if r.label and r.label.isdigit()
    }
    assert index.last_of_label == {r.label: i for i, r in enumerate(references)}
    for label in (None, "1", "3", "smith2001", "k", "absent"):
        assert index.all_of_label.get(label, []) == [
            i for i, r in enumerate(references) if r.label == label
        ]
    for name in ("smith", "SMITH", "müller", "chen", "nobody"):
        for year in ("2001", "2002", "1999"):
            first = next(
                (
                    i
                    for i, r in enumerate(references)
                    if r.year == year and r.surnames and caseless(r.surnames[0]) == caseless(name)
                ),
                None,
            )
            assert index.by_author_year.get((year, caseless(name))) == first


def _document(sentences: int) -> str:
    """Prose whose every sentence cites: keys, DOIs, links, numbers, author-year."""
    kinds = [
        "Drug {i} lowers blood pressure by 12% [@key{i}].",
        "Drug {i} reduces mortality in adults (doi:10.1000/x.{i}).",
        "Drug {i} improves sleep (Smith et al., 2001).",
        "Drug {i} halves the risk of stroke [2].",
        "Drug {i} doubles recall, see https://example.org/study/{i} for details.",
        "Drug {i} predicts anxiety ([paper](https://doi.org/10.5555/y{i})).",
    ]
    paragraphs = [
        " ".join(kinds[(p + j) % len(kinds)].format(i=p + j) for j in range(5))
        for p in range(0, sentences, 5)
    ]
    references = "\n".join(f"{n}. Smith A. Title {n}. J Med. 2001." for n in range(1, 6))
    return "\n\n".join(paragraphs) + "\n\n## References\n\n" + references + "\n"


def _calls(sentences: int) -> int:
    document = read_document(None, text=_document(sentences), fmt="markdown")
    profile = cProfile.Profile()
    profile.enable()
    found = extract(document, {"key1"})
    profile.disable()
    assert found.counts["mentions"] >= sentences
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def test_extraction_work_grows_linearly_with_the_document() -> None:
    # Ten times the sentences: about ten times the function calls. A pass over every
    # citation span per identifier (the old way) made it about forty times here.
    small, large = _calls(300), _calls(3000)
    assert large / small < 12
