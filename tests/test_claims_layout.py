"""The claim template (evidence.claims_layout) writes the text json.dumps writes: for
claims of the shape evidence.claims builds, for claims whose values leave that shape,
and for claims with other keys (which go through the general layout). Stored reasons
are read as the store decodes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.claims import (
    ClaimRead,
    ClaimRow,
    LinkRow,
    MentionRow,
    claim_object,
    claim_objects_of,
    iter_claim_reads,
)
from evidence.claims_layout import (
    CLAIM_KEYS,
    EVIDENCE_KEYS,
    MENTION_KEYS,
    ClaimLayout,
)
from evidence.store import Store, decode_row

# Values of every JSON type, and the odd floats json writes its own way.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
_text = st.text(max_size=20)  # quotes, controls, surrogates-free unicode
_maybe_text = st.none() | _text


def _mention(with_candidates: bool) -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        "kind": st.sampled_from(["citekey", "doi", "journal", "vague"]) | _values,
        "text": _text | _values,
        "journal": _maybe_text,
        "institution": _maybe_text,
        "identifier": _maybe_text,
        "citekey": _maybe_text,
        "year": st.none() | st.integers(1900, 2030),
        "reference": _maybe_text | _values,
        "study": _maybe_text,
    }
    if with_candidates:
        candidate = st.fixed_dictionaries(
            {
                "study": _maybe_text,
                "score": st.floats(0, 1),
                "reasons": st.lists(_text, max_size=2),
                "accepted": st.booleans(),
            }
        )
        fields["candidates"] = st.lists(candidate, max_size=2)
    return st.fixed_dictionaries(fields).map(lambda d: _ordered(d, tuple(fields)))


def _ordered(d: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``d`` with its keys in the order the claim builder gives them."""
    return {k: d[k] for k in keys}


_link = st.fixed_dictionaries(
    {
        "study": _maybe_text,
        "stance": st.sampled_from(["supports", "contradicts", "mentions"]),
        "origin": st.sampled_from(["citation", "user", "suggested"]),
        "note": _maybe_text | _values,
    }
).map(lambda d: _ordered(d, EVIDENCE_KEYS))

_claims = st.fixed_dictionaries(
    {
        "id": _text,
        "document": _text,
        "index": st.integers(0, 10**6) | _values,
        "text": _text,
        "status": st.sampled_from(["cited", "unsourced"]) | _values,
        "checkworthiness": st.floats(allow_nan=True, allow_infinity=True) | st.none(),
        "reasons": st.lists(_text, max_size=3) | _values,
        "span": st.lists(st.integers(0, 10**7), min_size=2, max_size=2) | _values,
        "removed": st.booleans() | _values,
        "mentions": st.lists(_mention(False) | _mention(True), max_size=3) | _values,
        "evidence": st.lists(_link, max_size=3) | _values,
        "retracted_studies": st.lists(
            st.fixed_dictionaries({"study": _text, "notices": st.lists(_text, max_size=2)}),
            max_size=2,
        ),
    }
).map(lambda d: _ordered(d, CLAIM_KEYS))


def _expected(value: Any, indent: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


@settings(max_examples=300, deadline=None)
@given(_claims, st.sampled_from(["", "  ", "    "]))
def test_a_claim_is_laid_out_as_json_dumps_lays_it_out(claim: dict[str, Any], indent: str):
    assert tuple(claim) == CLAIM_KEYS
    assert ClaimLayout(indent).claim(claim) == _expected(claim, indent)


@settings(max_examples=100, deadline=None)
@given(_claims, st.data())
def test_other_keys_go_through_the_general_layout(claim: dict[str, Any], data: Any) -> None:
    # an added key, a missing key, keys in another order, a mention or link with a key more
    extra = dict(claim, added=data.draw(_values))
    missing = {k: v for k, v in claim.items() if k != "span"}
    reordered = dict(reversed(list(claim.items())))
    mention = {**dict.fromkeys(MENTION_KEYS), "extra": 1}
    link = {**dict.fromkeys(EVIDENCE_KEYS), "note": "n", "weight": 0.5}
    odd_items = dict(claim, mentions=[mention], evidence=[link, "not a link"])
    layout = ClaimLayout("  ")
    for value in (extra, missing, reordered, odd_items, [claim], "text", None):
        assert layout.claim(value) == _expected(value, "  ")


@pytest.mark.parametrize("indent", ["", "    "])
def test_a_claim_of_the_usual_shape(indent: str) -> None:
    claim = {
        "id": "doc-1a2b3c4d",
        "document": "article.txt",
        "index": 3,
        "text": 'A study published in the "Journal" found… \u2028 line',
        "status": "attributed",
        "checkworthiness": 0.95,
        "reasons": ["states a research finding", "names a journal"],
        "span": [120, 240],
        "removed": False,
        "mentions": [
            {
                "kind": "journal",
                "text": "Journal of Clinical Nursing",
                "journal": "Journal of Clinical Nursing",
                "institution": None,
                "identifier": None,
                "citekey": None,
                "year": None,
                "reference": None,
                "study": None,
                "candidates": [
                    {
                        "study": None,
                        "doi": "10.1111/jocn.1",
                        "title": "Hip massage",
                        "journal": "Journal of Clinical Nursing",
                        "year": 2019,
                        "score": 0.61,
                        "reasons": ["journal matches"],
                        "accepted": False,
                    }
                ],
            }
        ],
        "evidence": [{"study": "field1996", "stance": "supports", "origin": "user", "note": None}],
        "retracted_studies": [{"study": "x2001", "notices": ["retraction (Crossref)"]}],
    }
    assert ClaimLayout(indent).claim(claim) == _expected(claim, indent)


def test_stored_reasons_are_read_as_the_store_decodes_them(tmp_path: Path) -> None:
    """Each distinct reasons text is decoded once for a listing; every claim still gets
    its own list, and text that is not a JSON list reads as decode_row reads it."""
    store = Store(tmp_path / "evidence.db")
    doc = store.insert("documents", {"name": "d.md"})
    stored = ['["names a journal"]', '["names a journal"]', "null", "not json", None, "[]"]
    for n, reasons in enumerate(stored):
        store.insert(
            "claims",
            {
                "id": f"d-{n}",
                "document_id": doc,
                "position": n,
                "text": f"Claim {n}.",
                "start": n,
                "end": n + 1,
                "checkworthiness": 0.5,
                "reasons": reasons,
            },
        )
    with store.snapshot():
        claims = list(claim_objects_of(iter_claim_reads(store)))
    expected = [decode_row({"reasons": r})["reasons"] or [] for r in stored]
    assert [c["reasons"] for c in claims] == expected
    assert expected[0] == ["names a journal"] and expected[3] == "not json"
    claims[0]["reasons"].append("changed")
    assert claims[1]["reasons"] == ["names a journal"]
    store.close()


# Values a column of SQLite's can hold (it keeps any type in any column), bytes aside.
_column = st.none() | st.integers(-(10**12), 10**12) | st.floats() | st.text(max_size=12)
_reasons_text = st.none() | st.sampled_from(['["names a journal"]', "[]", "null", "not json"])


@st.composite
def _reads(draw: st.DrawFn) -> ClaimRead:
    """A claim as the claims query reads it, cited studies some of them retracted."""
    studies = {
        sid: {
            "citekey": draw(_maybe_text),
            "retracted": draw(st.booleans()),
            "notices": draw(st.lists(_text, max_size=2)),
            "verification": "verified",
        }
        for sid in range(draw(st.integers(0, 3)))
    }
    study_id = st.none() | st.integers(0, 4)  # 3 and 4 may be no study of the chunk
    claim_id = draw(_text)
    row = ClaimRow(
        claim_id,
        draw(_text),
        draw(_column),
        draw(_column),
        draw(_column),
        draw(_reasons_text),
        draw(_column),
        draw(_column),
        draw(st.none() | _text),
    )
    mentions = [
        MentionRow(claim_id, *draw(st.tuples(*[_column] * 8)), draw(study_id))
        for _ in range(draw(st.integers(0, 3)))
    ]
    links = [
        LinkRow(
            claim_id,
            draw(study_id),
            draw(st.sampled_from(["supports", "contradicts", "mentions"])),
            draw(st.sampled_from(["citation", "user", "suggested"])),
            draw(_column),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    status = draw(st.sampled_from(["cited", "retracted", "unsourced"]))
    return ClaimRead(status, row, mentions, links, studies)


@settings(max_examples=300, deadline=None)
@given(_reads(), st.sampled_from(["", "  "]), st.booleans(), st.data())
def test_a_claim_as_read_is_laid_out_as_its_object(
    read: ClaimRead, indent: str, with_candidates: bool, data: Any
) -> None:
    """`claims --json` lays a claim out straight from its rows: the text json.dumps
    gives its claim object, each mention with its candidates when they are asked for."""
    claim = claim_object(read)
    candidates = None
    if with_candidates:
        candidates = {
            (read.row.id, m.text): data.draw(
                st.lists(st.fixed_dictionaries({"study": _maybe_text, "score": st.floats(0, 1)}))
            )
            for m in read.mentions
        }
        for m in claim["mentions"]:
            m["candidates"] = candidates[(claim["id"], m["text"])]
    assert ClaimLayout(indent).read(read, candidates) == _expected(claim, indent)


def test_a_value_of_another_type_is_laid_out_as_the_claim_object_is() -> None:
    """A blob in a text column: the claim object's layout decides (json refuses it)."""
    row = ClaimRow("d-1", "d.md", 0, b"\x00", 0.5, None, 0, 1, None)
    read = ClaimRead("unsourced", row, [], [], {})
    with pytest.raises(TypeError, match="bytes"):
        ClaimLayout("").read(read)
    good = read._replace(row=row._replace(text="text"))
    assert ClaimLayout("").read(good) == _expected(claim_object(good), "")
