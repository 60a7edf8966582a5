"""Claims and mentions of a read document, with the problems found on the way.

``extract`` is pure: a Document in, an Extraction out; storing it is the
store's job. Every span points into ``document.text``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from bib.text import caseless
from evidence.extract.citation_mentions import ReferenceIndex
from evidence.extract.claims import THRESHOLD, score_sentence
from evidence.extract.mention import Mention, cites_research
from evidence.extract.mentions import find_mentions
from evidence.extract.prefilter import SCREEN
from evidence.extract.segment import Sentence, segment
from evidence.extract.visible import INVISIBLE, VisibleText
from evidence.read.document import Document, Reference


@dataclass
class Claim:
    """A scored sentence; ``text == document.text[start:end]``."""

    index: int
    text: str
    start: int
    end: int
    checkworthiness: float
    reasons: list[str]
    block_kind: str
    mentions: list[Mention] = field(default_factory=list)
    is_claim: bool = False

    @property
    def sourced(self) -> bool:
        return any(cites_research(m) for m in self.mentions)


@dataclass(frozen=True)
class Problem:
    """Something wrong with the document's citations, located where it was seen."""

    kind: str
    message: str
    start: int | None = None
    end: int | None = None
    key: str | None = None


@dataclass
class Extraction:
    document: Document
    sentences: list[Sentence]
    scored: list[Claim]
    claims: list[Claim]
    mentions: list[Mention]
    problems: list[Problem]
    counts: dict[str, int]


def extract(
    document: Document,
    known_keys: Collection[str] | None = None,
    *,
    threshold: float = THRESHOLD,
) -> Extraction:
    """Sentences, claims, mentions and problems of ``document``.

    ``known_keys`` are the bibliography's citation keys; when given, citation
    keys not among them are reported (``unknown-citekey``). Invisible characters
    (zero-width, bidirectional controls) do not hide a mention: the patterns see the
    text without them (evidence.extract.visible), the spans point into ``document.text``."""
    keys = frozenset(known_keys) if known_keys is not None else None
    if not INVISIBLE.search(document.text):
        return _extract(document, keys, threshold)
    visible = VisibleText(document.text)
    found = _extract(visible.document(document), keys, threshold)
    return _in_original(found, document, visible)


def _in_original(found: Extraction, document: Document, visible: VisibleText) -> Extraction:
    """``found`` (of the visible text) with every span and text in ``document.text``."""
    mentions = {id(m): visible.spanned(m) for m in found.mentions}
    scored = [
        dataclasses.replace(
            visible.spanned(claim), mentions=[mentions[id(m)] for m in claim.mentions]
        )
        for claim in found.scored
    ]
    return Extraction(
        document,
        [visible.spanned(s) for s in found.sentences],
        scored,
        [claim for claim in scored if claim.is_claim],
        list(mentions.values()),
        [visible.spanned(p) for p in found.problems],
        found.counts,
    )


def _extract(document: Document, keys: frozenset[str] | None, threshold: float) -> Extraction:
    sentences = segment(document)
    # One scan of each sentence for the word patterns of mentions and claims alike.
    scans = [SCREEN.scan(sentence.text.lower()) for sentence in sentences]
    per_sentence = find_mentions(document, sentences, keys, scans)
    scored: list[Claim] = []
    for sentence, mentions, seen in zip(sentences, per_sentence, scans, strict=True):
        has_source = any(cites_research(m) for m in mentions)
        states_finding = has_source and sentence.block_kind != "heading"
        score = score_sentence(
            sentence.text,
            block_kind=sentence.block_kind,
            has_source=has_source,
            states_finding=states_finding and not sentence.text.rstrip().endswith("?"),
            seen=seen,
        )
        scored.append(
            Claim(
                index=sentence.index,
                text=sentence.text,
                start=sentence.start,
                end=sentence.end,
                checkworthiness=score.value,
                reasons=score.reasons,
                block_kind=sentence.block_kind,
                mentions=mentions,
                is_claim=score.value >= threshold,
            )
        )
    claims = [c for c in scored if c.is_claim]
    mentions = [m for c in scored for m in c.mentions]
    problems = _problems(document, mentions, keys)
    counts: dict[str, int] = {
        "sentences": len(sentences),
        "claims": len(claims),
        "sourced_claims": sum(1 for c in claims if c.sourced),
        "unsourced_claims": sum(1 for c in claims if not c.sourced),
        "mentions": len(mentions),
        "references": len(document.references),
        "problems": len(problems),
    }
    for kind, number in Counter(m.kind for m in mentions).items():
        counts[f"mentions.{kind}"] = number
    return Extraction(document, sentences, scored, claims, mentions, problems, counts)


def _problems(
    document: Document, mentions: list[Mention], keys: frozenset[str] | None
) -> list[Problem]:
    # What the reader skipped or could not follow (an include outside the document's
    # folder, a missing \input file) comes first.
    problems = [Problem("read", warning) for warning in document.warnings]
    reported: set[str] = set()
    for mention in mentions:
        if mention.kind == "citekey" and mention.known is False and mention.citekey:
            if mention.citekey in reported:
                continue
            reported.add(mention.citekey)
            what = (
                "has no definition"
                if mention.citekey.startswith("tag:")
                else "is not in the bibliography"
            )
            problems.append(
                Problem(
                    "unknown-citekey",
                    f"Citation key {mention.citekey!r} {what}",
                    mention.start,
                    mention.end,
                    mention.citekey,
                )
            )
    references = document.references
    if references:
        index = ReferenceIndex(references)
        cited: set[int] = set()
        # The nearest entry depends on the first surname and the year alone.
        nearest: dict[tuple[str, str | None], int | None] = {}
        for mention in mentions:
            if mention.kind == "author-year":
                near = None
                if mention.reference_index is None and mention.authors:
                    surname = caseless(mention.authors[0].split()[-1])
                    if (surname, mention.year) not in nearest:
                        nearest[surname, mention.year] = _nearest_reference(
                            surname, mention.year, references
                        )
                    near = nearest[surname, mention.year]
                if near is not None:
                    cited.add(near)
                    problems.append(
                        Problem(
                            "mismatched-citation",
                            f"Citation {mention.text!r} does not match its likely reference "
                            f"{references[near].text[:80]!r} (author or year differ)",
                            mention.start,
                            mention.end,
                        )
                    )
                elif mention.reference_index is None:
                    problems.append(
                        Problem(
                            "missing-reference",
                            f"Citation {mention.text!r} matches no reference list entry",
                            mention.start,
                            mention.end,
                        )
                    )
                else:
                    cited.add(mention.reference_index)
            elif mention.kind == "numbered":
                for number in mention.numbers:
                    entry = index.last_of_label.get(str(number))
                    if entry is None:
                        problems.append(
                            Problem(
                                "missing-reference",
                                f"Citation [{number}] has no reference list entry",
                                mention.start,
                                mention.end,
                            )
                        )
                    else:
                        cited.add(entry)
            elif mention.kind == "citekey" and mention.citekey:
                cited.update(index.all_of_label.get(mention.citekey, ()))
        checkable = any(m.kind in ("author-year", "numbered") for m in mentions) or any(
            r.label for r in references
        )
        if checkable:
            for position, reference in enumerate(references):
                if position not in cited:
                    problems.append(
                        Problem(
                            "uncited-reference",
                            f"Reference {reference.text[:80]!r} is never cited",
                            reference.start,
                            reference.end,
                        )
                    )
    return problems


def _nearest_reference(surname: str, year: str | None, references: list[Reference]) -> int | None:
    """The entry an unmatched author-year citation (its first surname folded, its year)
    most likely means: same first author with another year, or a near-identical surname
    (a typo)."""
    from rapidfuzz import fuzz

    best: tuple[float, int] | None = None
    for index, reference in enumerate(references):
        if not reference.surnames:
            continue
        similarity = fuzz.ratio(surname, caseless(reference.surnames[0]))
        if reference.year == year and similarity < 100:
            similarity += 5
        if similarity >= 80 and (best is None or similarity > best[0]):
            best = (similarity, index)
    return best[1] if best else None
