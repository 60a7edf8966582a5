"""Sentence segmentation: abbreviations, decimals, blocks, exact offsets, speed."""

from __future__ import annotations

import pytest

from evidence.extract.segment import segment, split_text
from evidence.read import read_document
from tests.conftest import shared_path


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Smith et al. found that pain fell. The effect held.",
            ["Smith et al. found that pain fell.", "The effect held."],
        ),
        (
            "A study in Int. J. Neurosci. reported a drop of 3.5 points vs. placebo. Others disagreed.",
            [
                "A study in Int. J. Neurosci. reported a drop of 3.5 points vs. placebo.",
                "Others disagreed.",
            ],
        ),
        (
            "Some foods, e.g. apples, help. Others, i.e. sweets, do not. A 2.5-fold rise was seen (p = 0.03).",
            [
                "Some foods, e.g. apples, help.",
                "Others, i.e. sweets, do not.",
                "A 2.5-fold rise was seen (p = 0.03).",
            ],
        ),
        (
            "Deep nets work [@doi:10.1038/nature14539]. Then [@tag:Abe; @arxiv:1409.0473] showed more.",
            [
                "Deep nets work [@doi:10.1038/nature14539].",
                "Then [@tag:Abe; @arxiv:1409.0473] showed more.",
            ],
        ),
        (
            "Dr. Smith of the U.S. Food and Drug Administration agreed. It was 5 p.m. on Monday.",
            [
                "Dr. Smith of the U.S. Food and Drug Administration agreed.",
                "It was 5 p.m. on Monday.",
            ],
        ),
    ],
)
def test_hard_cases(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_never_across_blocks_and_offsets_exact() -> None:
    text = (
        "# A heading without stop\n\nFirst para ends here\n\n- item one. item two\n- second item\n"
    )
    doc = read_document(None, text=text, fmt="markdown")
    sentences = segment(doc)
    assert [s.text for s in sentences] == [
        "A heading without stop",
        "First para ends here",
        "item one. item two",
        "second item",
    ]
    for s in sentences:
        assert doc.text[s.start : s.end] == s.text
        block = doc.blocks[s.block_index]
        assert block.start <= s.start < s.end <= block.end
        assert s.block_kind == block.kind


def test_reference_entries_are_not_sentences() -> None:
    doc = read_document(
        None, text="Claim here (Lee, 2020).\n\nReferences\nLee, A. (2020). T. J, 1.\n", fmt="text"
    )
    assert [s.text for s in segment(doc)] == ["Claim here (Lee, 2020).", "References"]


def test_a_long_manuscript_splits_about_as_pysbd_splits_it() -> None:
    """Segmenting block by block, skipping blocks with no possible boundary, finds about
    as many sentences as pysbd on the whole text at once (fewer: pysbd also cuts at the
    block boundaries of headings and list items, which blocks already are). Its speed is
    measured in bench/bench_ingest.py."""
    import pysbd

    doc = read_document(shared_path("data", "corpora", "manuscripts", "deep-review", "content"))
    sample = doc.text[:60000]
    sub = read_document(None, text=sample, fmt="text")
    ours = segment(sub)
    theirs = pysbd.Segmenter(language="en", clean=False).segment(sample)
    assert 0.85 * len(theirs) <= len(ours) <= len(theirs)
