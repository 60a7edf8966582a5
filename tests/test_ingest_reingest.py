"""Re-ingest after an edit: only the changed blocks are extracted again, only the rows
that differ are written, and the result is the one a fresh ingest of the edited
document gives (same claims and mentions; unchanged text keeps its id)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import evidence.ingest as ingest_module
import evidence.ingest_cache as ingest_cache
import evidence.ingest_save as ingest_save
from evidence.extract import extract
from evidence.ingest import Citekeys, IngestReport, ingest_document
from evidence.read import read_document
from evidence.store import Store

PARAGRAPHS = [
    "# Results",
    "Heart rate fell by 12% in the treated group [@field1996]. A study published in the "
    "International Journal of Neuroscience found that massage reduces anxiety in 40 adults "
    "(Field et al., 1996).",
    # Inherits the journal attribution of the sentence before, in the paragraph before.
    "The study also found that cortisol fell by 31% after five weeks.",
    "Sleep improved by 20% in 50 patients (doi:10.1000/sleep.2). Back pain dropped by "
    "a third in 120 office workers. Researchers found that stretching lowers stiffness.",
    "- Walking lowers blood pressure by 5 mmHg in older adults.\n"
    "- Yoga reduced fatigue by 18% in a cohort of 300 nurses.",
    "Green tea lowers the risk of stroke by 20% according to a 2019 trial. "
    "Coffee raises alertness in most adults within an hour.",
    "## References",
    "Field T, Grizzle N. Massage and anxiety. Int J Neurosci. 1996;84:205-217.",
]


def _write(path: Path, paragraphs: list[str]) -> None:
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _prose(path: Path) -> list[str]:
    """The text of each block of the document that is extracted (not the reference
    entries)."""
    document = read_document(path)
    return [document.text[b.start : b.end] for b in document.blocks if b.kind != "reference"]


def _ingest(store: Store, path: Path) -> IngestReport:
    return ingest_document(store, path, citekeys=Citekeys.of_library(store))


def _library(path: Path) -> Store:
    store = Store(path)
    store.insert("studies", {"citekey": "field1996", "title": "Massage and anxiety"})
    return store


def _rows(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Claims (with ids) and mentions (with their claim's position, not row ids)."""
    claims = store.execute(
        "select id, position, text, start, [end], checkworthiness, reasons, block, removed_at "
        "from claims order by position"
    ).fetchall()
    mentions = store.execute(
        "select c.position, m.kind, m.text, m.start, m.[end], m.journal, m.institution, "
        "m.authors, m.year, m.identifier, m.citekey, m.reference, m.numbers, m.data, "
        "m.study_id from mentions m join claims c on c.id = m.claim_id "
        "order by c.position, m.start, m.[end], m.kind"
    ).fetchall()
    return claims, mentions


class _Counting:
    """``extract`` that remembers the prose blocks it was given (reference entries are
    never extracted)."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def __call__(self, document: Any, *args: Any, **kwargs: Any) -> Any:
        self.blocks += [
            document.text[b.start : b.end] for b in document.blocks if b.kind != "reference"
        ]
        return extract(document, *args, **kwargs)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    counter = _Counting()
    monkeypatch.setattr(ingest_module, "extract", counter)
    return counter


def test_an_edit_of_one_block_extracts_that_block_alone(
    tmp_path: Path, counting: _Counting
) -> None:
    doc = tmp_path / "article.md"
    _write(doc, PARAGRAPHS)
    store = _library(tmp_path / "e.db")
    first = _ingest(store, doc)
    assert counting.blocks == _prose(doc)
    edited = list(PARAGRAPHS)
    edited[5] = edited[5].replace("most adults", "most healthy adults")
    _write(doc, edited)
    counting.blocks.clear()
    again = _ingest(store, doc)
    assert counting.blocks == [edited[5]]
    assert (again.claims, again.kept_claims, again.new_claims) == (first.claims, first.claims, 0)
    assert store.count("extraction_blocks") == len(_prose(doc))


def test_reingest_after_edits_equals_a_fresh_ingest(tmp_path: Path) -> None:
    doc = tmp_path / "article.md"
    _write(doc, PARAGRAPHS)
    store = _library(tmp_path / "e.db")
    _ingest(store, doc)
    before = {row[2]: row[0] for row in _rows(store)[0]}
    edited = list(PARAGRAPHS)
    edited[1] = edited[1].replace("anxiety in 40", "anxiety in 44")  # lightly edited
    edited[3] = edited[3].replace(" Back pain dropped by a third in 120 office workers.", "")
    edited.insert(6, "Tai chi improved balance by 25% in 200 older adults.")  # a new block
    _write(doc, edited)
    report = _ingest(store, doc)
    assert report.new_claims == 1 and report.removed_claims == 1
    fresh = _library(tmp_path / "fresh.db")
    _ingest(fresh, doc)
    claims, mentions = _rows(store)
    fresh_claims, fresh_mentions = _rows(fresh)
    assert mentions == fresh_mentions
    assert [c[1:] for c in claims] == [c[1:] for c in fresh_claims]
    for cid, _, text, *_ in claims:
        if text in before:  # unchanged text keeps its id, the one a fresh ingest gives
            assert cid == before[text]
            assert cid in {c[0] for c in fresh_claims}
    edited_text = next(c for c in claims if "anxiety in 44" in c[2])
    assert edited_text[0] in before.values()  # the lightly edited claim kept its id
    # The full-text index follows the text: the edited claim is found by its new words.
    assert [r["id"] for r in store.search("claims", "44")] == [edited_text[0]]
    assert store.integrity_problems() == []


def test_an_edit_above_moves_the_inherited_attribution(tmp_path: Path, counting: _Counting) -> None:
    """The paragraph that continues an attribution is extracted again when the
    attribution before it changes, though its own text did not."""
    doc = tmp_path / "article.md"
    _write(doc, PARAGRAPHS)
    store = _library(tmp_path / "e.db")
    _ingest(store, doc)
    inherited = (
        "select m.kind, m.journal from mentions m join claims c on c.id = m.claim_id "
        "where c.text like 'The study also found%'"
    )
    assert store.query(inherited) == [
        {"kind": "journal", "journal": "International Journal of Neuroscience"}
    ]
    edited = list(PARAGRAPHS)
    edited[1] = edited[1].replace(
        "A study published in the International Journal of Neuroscience found", "We saw"
    )
    _write(doc, edited)
    counting.blocks.clear()
    _ingest(store, doc)
    assert edited[2] in counting.blocks and edited[1] in counting.blocks
    fresh = _library(tmp_path / "fresh.db")
    _ingest(fresh, doc)
    assert _rows(store)[1] == _rows(fresh)[1]
    assert store.query(inherited) == []


def test_extracting_by_block_gives_what_extract_gives(tmp_path: Path) -> None:
    """Block by block, with and without stored blocks, and with invisible characters."""
    text = "\n\n".join(PARAGRAPHS).replace("Heart rate", "Heart\u200b rate")
    document = read_document(None, text=text, fmt="markdown")
    whole = extract(document, {"field1996"})
    first = ingest_cache.extract_by_block(document, {"field1996"}, {})
    again = ingest_cache.extract_by_block(document, {"field1996"}, first.keys)
    assert again.extracted_blocks == 0
    for found in (first.extraction, again.extraction):
        assert found.claims == whole.claims
        assert found.sentences == whole.sentences
        assert [p.message for p in found.problems] == [p.message for p in whole.problems]


def test_a_changed_extractor_extracts_every_block_again(
    tmp_path: Path, counting: _Counting, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "article.md"
    _write(doc, PARAGRAPHS)
    store = _library(tmp_path / "e.db")
    _ingest(store, doc)
    monkeypatch.setattr(ingest_cache, "extractor_version", lambda: "rules changed")
    _write(
        doc, [*PARAGRAPHS[:-2], "A last sentence reports that 30% of adults nap.", *PARAGRAPHS[-2:]]
    )
    counting.blocks.clear()
    _ingest(store, doc)
    assert counting.blocks == _prose(doc)  # every block, the new one too
    keys = {r[0] for r in store.execute("select key from extraction_blocks")}
    assert len(keys) == len(_prose(doc))  # the blocks stored under the old rules are gone


def test_mentions_of_kept_claims_keep_their_rows(tmp_path: Path) -> None:
    """An unchanged claim's mention rows are not written again (their ids stay, and
    what points at them); a vanished mention's candidate works go with it."""
    doc = tmp_path / "article.md"
    _write(doc, PARAGRAPHS)
    store = _library(tmp_path / "e.db")
    _ingest(store, doc)
    ids = {r[0]: r[1] for r in store.execute("select id, text from mentions")}
    doi = next(i for i, t in ids.items() if "10.1000/sleep.2" in t)
    store.insert("candidates", {"mention_id": doi, "title": "Sleep", "score": 0.9, "rank": 1})
    edited = list(PARAGRAPHS)
    edited[3] = edited[3].replace(" (doi:10.1000/sleep.2)", "")
    _write(doc, edited)
    _ingest(store, doc)
    after = {r[0]: r[1] for r in store.execute("select id, text from mentions")}
    assert doi not in after and store.count("candidates") == 0
    assert {i: t for i, t in ids.items() if i != doi} == after


def test_matching_between_neighbours_agrees_with_matching_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the pair budget, edited claims are matched among the vanished claims between
    the same unchanged neighbours: for edits in place, the same ids."""
    old = [
        (f"c{n}", f"sentence number {n} says that massage helps {n % 7} adults") for n in range(60)
    ]
    new = [text for _, text in old]
    for n in (3, 4, 20, 41, 59):
        new[n] = new[n].replace("massage", "gentle massage")
    del new[30]
    new.insert(10, "an entirely new sentence about tea")
    everything = ingest_save.match_claims(old, new)
    monkeypatch.setattr(ingest_save, "PAIR_BUDGET", 0)
    assert ingest_save.match_claims(old, new) == everything
    assert len(everything) == 59


def test_a_mention_keeps_its_row_when_another_of_its_claim_goes(tmp_path: Path) -> None:
    """Mentions are the same mention by kind and text, not by their place in the claim:
    the candidates found for one stay with it when the mention before it is deleted."""
    doc = tmp_path / "article.md"
    sentence = "Heart rate fell by 12% in 40 adults (doi:10.1000/heart.1) [@field1996]."
    doc.write_text(sentence + "\n", encoding="utf-8")
    store = _library(tmp_path / "e.db")
    _ingest(store, doc)
    rows = {r[1]: r[0] for r in store.execute("select id, kind from mentions")}
    assert set(rows) == {"doi", "citekey"}
    store.insert(
        "candidates", {"mention_id": rows["citekey"], "title": "Heart", "score": 0.8, "rank": 1}
    )
    doc.write_text(sentence.replace(" (doi:10.1000/heart.1)", "") + "\n", encoding="utf-8")
    _ingest(store, doc)
    assert store.execute("select id, kind from mentions").fetchall() == [
        (rows["citekey"], "citekey")
    ]
    assert store.scalar("select mention_id from candidates") == rows["citekey"]
