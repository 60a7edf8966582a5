from __future__ import annotations

import pytest

from evidence.status import status_of
from evidence.vocab import STATUSES

STUDIES = {
    1: {"retracted": False, "verification": "verified"},
    2: {"retracted": True, "verification": "retracted"},
    3: {"retracted": False, "verification": "unverified"},
}


def derive_status(mentions: list, links: list, studies: dict) -> str:
    """status_of for mentions and links given as rows (dicts)."""
    return status_of(
        {m["kind"] for m in mentions},
        [m["study_id"] for m in mentions if m["study_id"] is not None],
        [(link["study_id"], link["stance"], link["origin"]) for link in links],
        studies,
    )


@pytest.mark.parametrize(
    ("mentions", "links", "expected"),
    [
        ([], [], "unsourced"),
        ([{"kind": "vague", "study_id": None}], [], "vague"),
        (
            [{"kind": "journal", "study_id": None}, {"kind": "vague", "study_id": None}],
            [],
            "attributed",
        ),
        ([{"kind": "doi", "study_id": None}], [], "cited"),
        ([{"kind": "journal", "study_id": 3}], [], "cited"),
        ([], [{"study_id": 1, "stance": "supports", "origin": "user"}], "supported"),
        # unverified study: reviewed support is not yet "supported"
        ([], [{"study_id": 3, "stance": "supports", "origin": "user"}], "cited"),
        ([], [{"study_id": 1, "stance": "contradicts", "origin": "user"}], "disputed"),
        ([{"kind": "doi", "study_id": 2}], [], "retracted"),
        ([], [{"study_id": 2, "stance": "supports", "origin": "user"}], "retracted"),
        # contradicting a retracted study does not make the claim rest on it
        ([], [{"study_id": 2, "stance": "contradicts", "origin": "user"}], "disputed"),
        # suggestions never count until confirmed
        ([], [{"study_id": 1, "stance": "supports", "origin": "suggested"}], "unsourced"),
    ],
)
def test_derive_status(mentions: list, links: list, expected: str) -> None:
    assert expected in STATUSES
    assert derive_status(mentions, links, STUDIES) == expected


def test_ingest_counts_unsourced_by_the_same_rule_as_claim_status(tmp_path) -> None:
    """Ingest's summary counts `unsourced` in SQL (evidence.status.UNSOURCED_SQL); claims
    get their status from status_of. Both must agree whatever the mentions and links:
    every kind of mention, a reviewer's tag, a contradicting tag and a suggestion."""
    import json

    from typer.testing import CliRunner

    from evidence.cli import app
    from evidence.store import Store

    doc = tmp_path / "doc.md"
    doc.write_text(
        "Massage lowers blood pressure in older adults by ten points.\n\n"
        "Massage reduces cortisol levels in nurses after night shifts.\n\n"
        "Massage improves sleep in infants born before term.\n\n"
        "Massage shortens hospital stays for preterm infants by days.\n\n"
        "Studies show that massage improves mood in most adults.\n\n"
        "A study published in the Journal of Clinical Nursing found that massage halves pain.\n\n"
        "Massage therapy reduced anxiety in adults (doi:10.3109/00207459608986710).\n\n"
        "Massage helps athletes recover, as https://example.org/massage explains.\n\n"
        "Massage therapy reduced anxiety in adults [@field1996].\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    db = tmp_path / "e.db"
    assert runner.invoke(app, ["--db", str(db), "add", "--no-fetch", "pmid:8870945"]).exit_code == 0
    assert runner.invoke(app, ["--db", str(db), "ingest", str(doc)]).exit_code == 0
    claims = json.loads(runner.invoke(app, ["--db", str(db), "claims", "--json"]).stdout)
    bare = [c["id"] for c in claims if not c["mentions"]]
    assert len(bare) == 4
    store = Store(db)
    try:
        study = store.scalar("select id from studies")
        for claim, stance, origin in (
            (bare[0], "supports", "user"),
            (bare[1], "contradicts", "user"),
            (bare[2], "supports", "suggested"),  # counts for nothing until confirmed
        ):
            store.insert(
                "evidence",
                {
                    "claim_id": claim,
                    "study_id": study,
                    "stance": stance,
                    "origin": origin,
                    "note": None,
                    "created_at": "2026-01-01T00:00:00Z",
                },
            )
    finally:
        store.close()
    claims = json.loads(runner.invoke(app, ["--db", str(db), "claims", "--json"]).stdout)
    by_status = [c["status"] for c in claims]
    summary = json.loads(runner.invoke(app, ["--db", str(db), "ingest", str(doc), "--json"]).stdout)
    assert summary[0]["unchanged"] is True
    assert summary[0]["unsourced"] == by_status.count("unsourced") == 2
    assert {"cited", "disputed", "vague", "attributed"} <= set(by_status)
