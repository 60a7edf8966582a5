"""What a sentence cites and how, for a whole document: the finders of the sibling
modules run sentence by sentence (identifier_mentions, citation_mentions,
attribution_mentions, vague_mentions), each mention with its exact span in the document
text. Extraction is rule-based: each pattern is compiled once and named after what it
recognises.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from evidence.extract.attribution_mentions import (
    PREFILTERED_PATTERNS as _ATTRIBUTION_PATTERNS,
)
from evidence.extract.attribution_mentions import inherited_mention, journal_mentions
from evidence.extract.citation_mentions import (
    ReferenceIndex,
    author_year_mentions,
    citation_mention,
    numbered_mentions,
    numbered_style,
    tied_mention,
)
from evidence.extract.identifier_mentions import find_identifiers, link_mentions
from evidence.extract.mention import Mention, cites_research
from evidence.extract.prefilter import SCREEN, Opened
from evidence.extract.segment import Sentence
from evidence.extract.spans import SpanIndex
from evidence.extract.vague_mentions import PREFILTERED_PATTERNS as _VAGUE_PATTERNS
from evidence.extract.vague_mentions import vague_mentions
from evidence.read.document import Document
from evidence.vocab import MENTION_KINDS

# Every pattern that the mention finders run behind the prefilter (tests/test_prefilter.py
# compares each with its plain search).
PREFILTERED_PATTERNS = _ATTRIBUTION_PATTERNS + _VAGUE_PATTERNS


def find_mentions(
    document: Document,
    sentences: Sequence[Sentence],
    known_keys: set[str] | frozenset[str] | None = None,
    scans: Sequence[Opened] | None = None,
) -> list[list[Mention]]:
    """Mentions per sentence (same order as ``sentences``), each sorted by position.
    ``scans``: ``prefilter.SCREEN.scan`` of each sentence's lower-cased text, when known."""
    text = document.text
    result: list[list[Mention]] = [[] for _ in sentences]
    starts = [s.start for s in sentences]

    def owner(position: int) -> int | None:
        index = bisect_right(starts, position) - 1
        if index >= 0 and sentences[index].start <= position < sentences[index].end:
            return index
        return None

    cited_spans: list[tuple[int, int]] = []
    tied_spans: list[tuple[int, int]] = []
    for citation in document.citations:
        index = owner(citation.start)
        if index is None:
            continue
        if citation.reference is not None:
            # The format tied it to its entry: no text pattern finds it again.
            result[index].append(tied_mention(citation, text, document.references))
            tied_spans.append((citation.group_start, citation.group_end))
        else:
            result[index].append(citation_mention(citation, text, known_keys))
        cited_spans.append((citation.group_start, citation.group_end))
    tied = SpanIndex(tied_spans)
    for mention in link_mentions(document.links, text):
        index = owner(mention.start)
        if index is not None:
            result[index].append(mention)
            cited_spans.append((mention.start, mention.end))
    cited = SpanIndex(cited_spans)
    for ident, start, end in find_identifiers(text):
        index = owner(start)
        if index is None or cited.holds(start):
            continue
        end = min(end, sentences[index].end)
        result[index].append(
            Mention(
                kind=ident.kind if ident.kind in MENTION_KINDS else "url",
                text=text[start:end],
                start=start,
                end=end,
                identifier=str(ident),
            )
        )
    references = ReferenceIndex(document.references)
    style = None if document.exact_citations else numbered_style(sentences)
    for index, sentence in enumerate(sentences):
        if sentence.block_kind == "heading":
            continue
        mentions = result[index]
        if not document.exact_citations:
            mentions.extend(
                m
                for m in numbered_mentions(sentence, text, references, style=style)
                if not cited.holds(m.start)
            )
            mentions.extend(
                m
                for m in author_year_mentions(sentence, text, references)
                if not tied.holds(m.start)
            )
        seen = scans[index] if scans is not None else SCREEN.scan(sentence.text.lower())
        mentions.extend(journal_mentions(sentence, text, seen))
        if index > 0 and not any(m.kind == "journal" for m in mentions):
            inherited = inherited_mention(sentence, result[index - 1])
            if inherited is not None:
                mentions.append(inherited)
        if not any(cites_research(m) for m in mentions):
            mentions.extend(vague_mentions(sentence, text, seen))
        mentions.sort(key=lambda mention: (mention.start, mention.end))
    return result
