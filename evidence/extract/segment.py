"""Sentence segmentation with exact offsets, block by block.

pysbd does the splitting; sentences never cross a block (heading, list item,
paragraph), and a few repairs keep journal abbreviations ("Int. J. Neurosci.")
and citation brackets inside one sentence. Blocks with no possible boundary
skip pysbd entirely, which is most headings, list items and short paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evidence.read.document import Block, Document

SKIPPED_BLOCKS = frozenset({"reference"})


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text == document.text[start:end]``."""

    index: int
    text: str
    start: int
    end: int
    block_index: int
    block_kind: str


# A citation printed right after a full stop: "elements.[12]", "elements.[@key]",
# "elements.¹²" (see _LEADING_CITATION for the same shapes after a space).
_CITATION_AFTER_STOP = (
    r"(?:\[\s*-?@[^\[\]\n]*\]|\[\s*\d{1,3}(?:\s*[-–—,]\s*\d{1,3})*\s*\]"
    r"|[⁰¹²³⁴⁵⁶⁷⁸⁹][⁰¹²³⁴⁵⁶⁷⁸⁹⁻˒,–]*+)*+"
)
# A boundary is only possible after ., ! or ? (optionally closed by quotes or
# brackets, and citations) followed by white space.
_POSSIBLE_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*" + _CITATION_AFTER_STOP + r"\s+\S")

# Tokens that end with a period without ending the sentence.
_ABBREVIATIONS = frozenset(
    """al e.g i.e vs v cf ca approx fig figs eq eqs no nos vol vols pp p ed eds
    dr prof mr mrs ms st jr sr inc ltd co corp dept univ
    int j am med sci proc natl acad res rev clin neurosci psychol psychiatry biol chem
    phys soc assoc ann arch eur br engl gen intern nutr pediatr epidemiol oncol cardiol
    immunol microbiol pharmacol physiol surg ther trans lett rep bull natl.acad
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
_LAST_TOKEN = re.compile(r"([A-Za-z][A-Za-z.]*)\.[\"'”’)\]]*\s*$")

# Citations set after the full stop, as Nature and many LaTeX styles print them:
# "…elements.[12] Next", "…elements. [@key; @other] Next", "…elements.¹² Next". They
# belong to the sentence before.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s*\Z")
_LEADING_CITATION = re.compile(
    r"""
    \s*
    (?:
        \[ \s* -?@ [^\[\]\n]* \]                      # a pandoc group [@key; @other]
      | \[ \s* \d{1,3} (?:\s* [-–—,] \s* \d{1,3})* \s* \]  # numbers [12], [3–5, 9]
      | [⁰¹²³⁴⁵⁶⁷⁸⁹] [⁰¹²³⁴⁵⁶⁷⁸⁹⁻˒,–]*+               # superscript numbers ¹²˒¹³
    )++
    """,
    re.VERBOSE,
)
# What may follow such a citation: the end of the block, or a new sentence (a capital,
# a quote or bracket and a capital, a digit); not a lower-case word, which would make
# the citation the subject of its own sentence ("[12] showed that …").
_CLOSES_SENTENCE = re.compile(r"\s*(?:\Z|[\"“‘(\[]?[A-Z0-9])")


# A cheap first split at boundaries nothing can dispute: a lower-case word of
# three or more letters (not an abbreviation) ending in . ! or ?, then space
# and a capital. pysbd refines only the pieces that still hold a possible
# boundary, which keeps its guarantees at a fraction of its cost.
_SAFE_BOUNDARY = re.compile(
    r"\b([a-z]{3,})[.!?][\"'”’)\]]*" + _CITATION_AFTER_STOP + r"\s+(?=[\"“(]?[A-Z])"
)


def _safe_pieces(chunk: str) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _SAFE_BOUNDARY.finditer(chunk):
        if m.group(1) in _ABBREVIATIONS or m.group(1) in ("etc", "al"):
            continue
        before = chunk[start : m.end()]
        if before.count("(") > before.count(")") or before.count("[") > before.count("]"):
            continue
        pieces.append((start, m.end()))
        start = m.end()
    pieces.append((start, len(chunk)))
    return pieces


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def segment(document: Document) -> list[Sentence]:
    """Sentences of every prose block of ``document`` (reference entries skipped)."""
    sentences: list[Sentence] = []
    for block_index, block in enumerate(document.blocks):
        if block.kind in SKIPPED_BLOCKS:
            continue
        for start, end in segment_block(document.text, block):
            sentences.append(
                Sentence(
                    index=len(sentences),
                    text=document.text[start:end],
                    start=start,
                    end=end,
                    block_index=block_index,
                    block_kind=block.kind,
                )
            )
    return sentences


def segment_block(text: str, block: Block) -> list[tuple[int, int]]:
    """Sentence spans inside one block, as absolute offsets into ``text``."""
    chunk = text[block.start : block.end]
    if not chunk.strip():
        return []
    if block.kind in ("heading", "table_row") or not _POSSIBLE_BOUNDARY.search(chunk):
        spans = [(0, len(chunk))]
    else:
        spans = []
        for piece_start, piece_end in _safe_pieces(chunk):
            piece = chunk[piece_start:piece_end]
            if _POSSIBLE_BOUNDARY.search(piece):
                spans.extend((piece_start + a, piece_start + b) for a, b in _pysbd_spans(piece))
            else:
                spans.append((piece_start, piece_end))
        spans = _merge(chunk, spans)
    result = []
    for start, end in spans:
        piece = chunk[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            result.append((block.start + start + lead, block.start + start + trail))
    return result


def split_text(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a bare string treated as one paragraph."""
    return segment_block(text, Block("paragraph", 0, len(text)))


def _pysbd_spans(chunk: str) -> list[tuple[int, int]]:
    """pysbd's sentences located back in ``chunk`` in order, covering it whole."""
    # pysbd's own span recovery re-searches the whole text for every sentence
    # (quadratic); its processor output is located here in one forward pass.
    segmenter = _segmenter()
    segmenter.original_text = chunk
    pieces = segmenter.processor(chunk).process()
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        stripped = piece.strip()
        if not stripped:
            continue
        found = chunk.find(stripped, cursor)
        if found < 0:
            # pysbd altered the text; fall back to the remaining chunk as one sentence
            break
        if spans:
            spans[-1] = (spans[-1][0], found)
        elif found > 0:
            found = 0
        spans.append((found, found + len(stripped)))
        cursor = found + len(stripped)
    if not spans:
        return [(0, len(chunk))]
    spans[-1] = (spans[-1][0], len(chunk))
    return spans


def _merge(chunk: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join pieces split after an abbreviation, an initial or inside brackets, and give
    a citation set after the full stop back to the sentence it closes."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _continues(chunk[merged[-1][0] : merged[-1][1]], chunk[start:end]):
            merged[-1] = (merged[-1][0], end)
            continue
        if merged and _SENTENCE_END.search(chunk, merged[-1][0], merged[-1][1]):
            cited = _LEADING_CITATION.match(chunk, start, end)
            if cited and _CLOSES_SENTENCE.match(chunk, cited.end(), end):
                merged[-1] = (merged[-1][0], cited.end())
                if cited.end() >= end or not chunk[cited.end() : end].strip():
                    continue
                start = cited.end()
        merged.append((start, end))
    return merged


def _continues(previous: str, current: str) -> bool:
    head = current.lstrip()
    if not any(ch.isalnum() for ch in head):
        return True  # a stray closing quote or bracket belongs to the sentence before
    if head[0].islower() or head[0] in ",;:)]":
        return True
    if previous.count("(") > previous.count(")") or previous.count("[") > previous.count("]"):
        return True
    if not previous.rstrip().endswith("."):
        return False
    m = _LAST_TOKEN.search(previous.rstrip())
    if m is None:
        return False
    token = m.group(1)
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Smith", "Int. J. Neurosci."
    if token.lower() == "al" and previous.rstrip().lower().endswith("et al."):
        # "et al." ends a sentence only before a capitalised sentence start that is
        # not a year or a bracket; pysbd already splits those correctly.
        return head[:1] in "([" or head[:1].isdigit()
    return token.lower() in _ABBREVIATIONS and token.lower() not in {"al"}
