"""Extraction block by block, remembered between ingests of one document.

A re-ingest after a small edit re-extracts only the blocks that changed. Each prose
block's extraction (its sentences, their scores and mentions, offsets relative to the
block) is stored in ``extraction_blocks`` under a key made of everything the extractor
reads for that block: the block's kind and text, the citations and links inside it
(and whether each cited key is known), the document's reference list and format flags,
and the extractor's version (a digest of the source of evidence.extract and the modules
it calls, so that any change of its rules invalidates every stored block).

One thing a block's extraction reads from outside it: a sentence that continues the
previous sentence's attribution ("The study also found…") inherits that sentence's
journal mention. Each stored block therefore records the journal attribution that came
into it (``in``); a stored block is used only when the one coming in now is the same,
and a block extracted afresh is checked the same way (and extracted again with the
blocks before it when it was wrong), so the result is the one ``extract`` gives for
the whole document. The document's problems (unknown keys, uncited references) are
found over all mentions, as ``extract`` finds them.

A document with invisible characters (zero-width, bidirectional controls) is extracted
as ``extract`` does it, on the visible text, block by block all the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import evidence.extract as extract_package
from evidence.extract import Claim, Extraction, Problem, extract
from evidence.extract import _problems as document_problems
from evidence.extract.mention import Mention
from evidence.extract.segment import SKIPPED_BLOCKS, Sentence
from evidence.extract.visible import INVISIBLE, VisibleText
from evidence.read.document import Block, Document
from evidence.store import Store

# Past this many rounds of checking the attributions carried between blocks, the
# document is extracted whole (a long chain of "The study also…" sentences).
MAX_ROUNDS = 6
_MENTION_FIELDS = [f.name for f in dataclasses.fields(Mention)]
_START = _MENTION_FIELDS.index("start")
_END = _MENTION_FIELDS.index("end")

Context = list[Any] | None  # the journal attribution a sentence passes on, or None


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """A digest of the source of everything a block's extraction runs: the extract
    package, the document model, the vocabulary and the identifier and text helpers,
    and pysbd's version. Changing any of them changes every block's key."""
    import bib.identifiers
    import bib.text
    import evidence.read.document
    import evidence.vocab

    digest = hashlib.sha256()
    package = Path(extract_package.__file__).parent
    files = sorted(package.glob("*.py"))
    files += [
        Path(m.__file__ or "")
        for m in (bib.identifiers, bib.text, evidence.read.document, evidence.vocab)
    ]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        from importlib.metadata import version

        digest.update(version("pysbd").encode())
    except Exception:  # noqa: BLE001 - an unknown version still gives a stable digest
        pass
    return digest.hexdigest()[:16]


@dataclass
class _Entry:
    """One block's stored extraction: the attribution that came in, its sentences as
    ``[start, end, checkworthiness, reasons, is_claim, mentions]`` relative to the
    block, each mention as its field values (``_MENTION_FIELDS``)."""

    came_in: Context
    sentences: list[list[Any]]
    fresh: bool = False
    stored: str | None = None  # the JSON it was read from

    @property
    def passes_on(self) -> Context:
        if not self.sentences:
            return self.came_in
        return _passed_on(self.sentences[-1][5])

    def to_json(self) -> str:
        if self.stored is not None:
            return self.stored
        return json.dumps({"in": self.came_in, "s": self.sentences}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> _Entry:
        data = json.loads(text)
        return cls(data["in"], data["s"], stored=text)


def _passed_on(mentions: Sequence[Sequence[Any]]) -> Context:
    """What the next sentence may inherit from a sentence with ``mentions`` (their field
    values): its first journal attribution's journal, institution and year."""
    kind, journal, institution, year = (
        _MENTION_FIELDS.index(n) for n in ("kind", "journal", "institution", "year")
    )
    for m in mentions:
        if m[kind] == "journal":
            return [m[journal], m[institution], m[year]]
    return None


@dataclass
class BlockExtraction:
    """The document's extraction (its ``counts`` left empty: ingest counts what it
    saved) and what to store for the next ingest."""

    extraction: Extraction
    keys: dict[str, str]  # block key -> stored JSON, for every block of the document
    extracted_blocks: int  # blocks extracted afresh (lead-in blocks included)
    blocks: int
    cached: bool  # False: the document was extracted whole (nothing stored)


def load_blocks(store: Store, document_id: int | None) -> dict[str, str]:
    """The stored block extractions of a document, by key (raw JSON, decoded on use)."""
    if document_id is None:
        return {}
    cursor = store.execute(
        "select key, result from extraction_blocks where document_id = ?", [document_id]
    )
    return dict(cursor.fetchall())


def save_blocks(
    store: Store, document_id: int, before: Mapping[str, str], after: Mapping[str, str]
) -> None:
    """Keep the stored blocks in step with the document: drop the keys it no longer
    has, write the new ones. Needs a transaction."""
    stale = [key for key, text in before.items() if after.get(key) != text]
    if stale:
        store.execute(
            "delete from extraction_blocks where document_id = ? "
            "and key in (select value from json_each(?))",
            [document_id, json.dumps(stale)],
        )
    store.insert_rows(
        "extraction_blocks",
        [
            {"document_id": document_id, "key": key, "result": text}
            for key, text in after.items()
            if before.get(key) != text
        ],
    )


def extract_by_block(
    document: Document,
    known_keys: Collection[str],
    stored: Mapping[str, str],
    *,
    extract: Callable[..., Extraction] = extract,
) -> BlockExtraction:
    """``extract(document, known_keys)``, re-using the ``stored`` extraction of every
    block whose key is unchanged (``extract``: the function that extracts the rest)."""
    keys_set = frozenset(known_keys)
    prose = [i for i, b in enumerate(document.blocks) if b.kind not in SKIPPED_BLOCKS]
    keys = _block_keys(document, prose, keys_set)
    entries: dict[int, _Entry] = {}
    for i, key in zip(prose, keys, strict=True):
        if key in stored:
            entries[i] = _Entry.from_json(stored[key])
    if not entries:
        # Nothing to re-use (a first ingest): the whole document, as extract gives it.
        found = extract(document, keys_set)
        _keep_entries(found, document, lambda index: index, set(prose), entries)
        out = {key: entries[i].to_json() for i, key in zip(prose, keys, strict=True)}
        return BlockExtraction(found, out, len(prose), len(prose), True)
    depth: dict[int, int] = {}
    extracted = 0
    for _ in range(MAX_ROUNDS):
        dirty = _dirty(prose, entries)
        if not dirty:
            break
        for i in dirty:
            if i in entries and entries[i].fresh:
                depth[i] = depth.get(i, 0) + 1  # extracted with a wrong lead-in
        extracted += _extract_some(extract, document, keys_set, prose, dirty, depth, entries)
    else:
        return BlockExtraction(extract(document, keys_set), {}, len(prose), len(prose), False)
    result = _assemble(document, keys_set, prose, entries)
    out = {key: entries[i].to_json() for i, key in zip(prose, keys, strict=True)}
    return BlockExtraction(result, out, extracted, len(prose), True)


def _dirty(prose: Sequence[int], entries: Mapping[int, _Entry]) -> list[int]:
    """Blocks with no extraction, or one made with another attribution coming in than
    the one that comes in now."""
    dirty: list[int] = []
    came_in: Context = None
    for i in prose:
        entry = entries.get(i)
        if entry is None:
            dirty.append(i)
            came_in = None
            continue
        if entry.sentences and entry.came_in != came_in:
            dirty.append(i)
        came_in = entry.passes_on if entry.sentences else came_in
    return dirty


def _extract_some(
    extract: Callable[..., Extraction],
    document: Document,
    known: frozenset[str],
    prose: Sequence[int],
    dirty: Sequence[int],
    depth: Mapping[int, int],
    entries: dict[int, _Entry],
) -> int:
    """Extract the ``dirty`` blocks (each after ``depth`` blocks before it) in one
    call of ``extract``; store their entries. The number of blocks extracted."""
    where = {block: n for n, block in enumerate(prose)}
    chosen: set[int] = set()
    for i in dirty:
        n = where[i]
        chosen.update(prose[max(0, n - depth.get(i, 0)) : n + 1])
    order = sorted(chosen)
    blocks = [document.blocks[i] for i in order]
    part = dataclasses.replace(
        document, text=_blocks_only(document.text, blocks), blocks=blocks, warnings=[]
    )
    _keep_entries(extract(part, known), document, order.__getitem__, set(dirty), entries)
    return len(order)


def _keep_entries(
    found: Extraction,
    document: Document,
    block_of: Callable[[int], int],
    wanted: set[int],
    entries: dict[int, _Entry],
) -> None:
    """Store the entries of the ``wanted`` blocks of ``found`` (``block_of``: the index
    in ``document.blocks`` of a sentence's ``block_index``)."""
    by_block: dict[int, list[list[Any]]] = {i: [] for i in wanted}
    came_in: dict[int, Context] = {}
    previous: Context = None
    for sentence, claim in zip(found.sentences, found.scored, strict=True):
        block_index = block_of(sentence.block_index)
        base = document.blocks[block_index].start
        rows = by_block.setdefault(block_index, [])
        if not rows:
            came_in[block_index] = previous
        mentions = [_mention_row(m, base) for m in claim.mentions]
        rows.append(
            [
                claim.start - base,
                claim.end - base,
                claim.checkworthiness,
                list(claim.reasons),
                claim.is_claim,
                mentions,
            ]
        )
        previous = _passed_on(mentions)
    for i in wanted:
        entries[i] = _Entry(came_in.get(i), by_block[i], fresh=True)


def _blocks_only(text: str, blocks: Sequence[Block]) -> str:
    """``text`` with everything but ``blocks`` (and the character either side of each)
    blanked out, every offset kept: the patterns that scan the whole text (identifiers)
    cost what the blocks cost."""
    pieces: list[str] = []
    done = 0
    for block in blocks:
        start, end = max(done, block.start - 1), min(len(text), block.end + 1)
        if start >= end:
            continue
        pieces += [" " * (start - done), text[start:end]]
        done = end
    pieces.append(" " * (len(text) - done))
    return "".join(pieces)


def _mention_row(mention: Mention, base: int) -> list[Any]:
    row = [getattr(mention, name) for name in _MENTION_FIELDS]
    row[_START] -= base
    row[_END] -= base
    return row


def _assemble(
    document: Document,
    known: frozenset[str],
    prose: Sequence[int],
    entries: Mapping[int, _Entry],
) -> Extraction:
    text = document.text
    sentences: list[Sentence] = []
    scored: list[Claim] = []
    mentions: list[Mention] = []
    for i in prose:
        block = document.blocks[i]
        base = block.start
        for start, end, value, reasons, is_claim, rows in entries[i].sentences:
            start, end = base + start, base + end
            found = [_mention(row, base) for row in rows]
            sentence_text = text[start:end]
            sentences.append(Sentence(len(sentences), sentence_text, start, end, i, block.kind))
            scored.append(
                Claim(
                    index=len(scored),
                    text=sentence_text,
                    start=start,
                    end=end,
                    checkworthiness=value,
                    reasons=list(reasons),
                    block_kind=block.kind,
                    mentions=found,
                    is_claim=is_claim,
                )
            )
            mentions.extend(found)
    claims = [c for c in scored if c.is_claim]
    return Extraction(
        document, sentences, scored, claims, mentions, _problems(document, mentions, known), {}
    )


def _problems(document: Document, mentions: list[Mention], known: frozenset[str]) -> list[Problem]:
    """The document's problems, found as ``extract`` finds them: in the visible text
    when the document has invisible characters (a message quotes the visible text)."""
    if not INVISIBLE.search(document.text):
        return document_problems(document, mentions, known)
    visible = VisibleText(document.text)
    seen = [
        dataclasses.replace(
            m,
            start=visible.visible(m.start),
            end=visible.visible(m.end),
            text=INVISIBLE.sub("", m.text),
        )
        for m in mentions
    ]
    found = document_problems(visible.document(document), seen, known)
    return [visible.spanned(p) for p in found]


def _mention(row: Sequence[Any], base: int) -> Mention:
    values = dict(zip(_MENTION_FIELDS, row, strict=True))
    values["start"] += base
    values["end"] += base
    return Mention(**values)


def _block_keys(document: Document, prose: Sequence[int], known: frozenset[str]) -> list[str]:
    """Each prose block's key: a digest of all that its extraction reads."""
    shared = json.dumps(
        [
            extractor_version(),
            document.exact_citations,
            # The entries' offsets are left out: nothing found in a block depends on
            # where the reference list sits, and an edit above it moves it.
            [
                {k: v for k, v in dataclasses.asdict(r).items() if k not in ("start", "end")}
                for r in document.references
            ],
        ],
        ensure_ascii=False,
        default=str,
    )
    citations = sorted(document.citations, key=lambda c: c.start)
    citation_starts = [c.start for c in citations]
    links = sorted(document.links, key=lambda link: link.start)
    link_starts = [link.start for link in links]
    keys: list[str] = []
    for i in prose:
        block = document.blocks[i]
        base = block.start
        inside = [
            [
                c.syntax,
                c.key,
                c.start - base,
                c.end - base,
                c.group_start - base,
                c.group_end - base,
                c.command,
                c.locator,
                c.resolved,
                c.reference,
                c.key in known,
            ]
            for c in _within(citations, citation_starts, block)
        ]
        linked = [
            [k.target, k.start - base, k.end - base] for k in _within(links, link_starts, block)
        ]
        digest = hashlib.sha1(shared.encode("utf-8"))
        digest.update(
            json.dumps(
                [block.kind, document.text[block.start : block.end], inside, linked],
                ensure_ascii=False,
            ).encode("utf-8")
        )
        keys.append(digest.hexdigest())
    return keys


def _within(items: Sequence[Any], starts: Sequence[int], block: Block) -> Iterator[Any]:
    for n in range(bisect_left(starts, block.start), bisect_left(starts, block.end)):
        yield items[n]
