"""Evidence links between claims and studies: user tags, citations, suggestions.

A user's tag (origin ``user``) always wins over anything automatic: the claim's status
is derived from all non-suggested links, and a user tag for the same pair is kept
alongside (never replaced by) a ``citation`` link.
"""

from __future__ import annotations

from typing import Any

from evidence.errors import ClaimNotFound, UsageError
from evidence.library import get_study
from evidence.store import Store, now
from evidence.vocab import STANCES


def get_claim(store: Store, ref: str) -> dict[str, Any]:
    row = store.one("select * from claims where id = ?", [ref.strip()])
    if row is None:
        raise ClaimNotFound(f'No claim "{ref}". Use `evidence claims` to see the claim ids')
    return row


def tag(store: Store, claim_ref: str, study_ref: str, stance: str, note: str | None) -> dict:
    if stance not in STANCES:
        raise UsageError(f'unknown stance "{stance}". Use supports, contradicts or mentions')
    claim = get_claim(store, claim_ref)
    study = get_study(store, study_ref)
    with store.transaction():
        existing = store.one(
            "select id from evidence where claim_id = ? and study_id = ? and origin = 'user'",
            [claim["id"], study["id"]],
        )
        values = {"stance": stance, "note": note, "created_at": now()}
        if existing:
            store.update("evidence", existing["id"], values)
        else:
            store.insert(
                "evidence",
                {"claim_id": claim["id"], "study_id": study["id"], "origin": "user", **values},
            )
        # A confirmed suggestion is no longer a suggestion.
        store.delete_where(
            "evidence",
            "claim_id = ? and study_id = ? and origin = 'suggested'",
            [claim["id"], study["id"]],
        )
    return {"claim": claim["id"], "study": study["citekey"], "stance": stance}


def untag(store: Store, claim_ref: str, study_ref: str) -> bool:
    claim = get_claim(store, claim_ref)
    study = get_study(store, study_ref)
    with store.transaction():
        before = store.count("evidence")
        store.delete_where(
            "evidence",
            "claim_id = ? and study_id = ? and origin = 'user'",
            [claim["id"], study["id"]],
        )
        return store.count("evidence") < before
