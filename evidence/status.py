"""Claim status, derived from mentions, evidence links and study verdicts; never stored.

Precedence (DESIGN.md): retracted > disputed > supported > cited > attributed > vague >
unsourced. Suggested links (origin ``suggested``) never count until a user confirms them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from evidence.vocab import CITING_KINDS, ClaimStatus

# The `unsourced` rule as SQL, for counts made without building every claim (ingest's
# summary): a claim `c` with no mention of any kind and no evidence link that counts.
# Every mention kind gives a claim another status (evidence.vocab.MENTION_KINDS), so this
# is the same rule as derive_status's; tests/test_status.py checks them against each other.
UNSOURCED_SQL = (
    "not exists (select 1 from mentions m where m.claim_id = c.id) "
    "and not exists (select 1 from evidence e where e.claim_id = c.id "
    "and e.origin != 'suggested')"
)


def derive_status(
    mentions: Iterable[Mapping[str, Any]],
    links: Iterable[Mapping[str, Any]],
    studies: Mapping[int, Mapping[str, Any]],
) -> ClaimStatus:
    """Status of one claim.

    ``mentions``: dicts with ``kind`` and ``study_id`` (resolved study or None);
    ``links``: evidence rows with ``study_id``, ``stance``, ``origin``;
    ``studies``: study id -> dict with ``retracted`` (bool) and ``verification`` (status).
    """
    mentions = list(mentions)
    return status_of(
        {m.get("kind") for m in mentions},
        [m["study_id"] for m in mentions if m.get("study_id") is not None],
        [(link["study_id"], link.get("stance"), link.get("origin")) for link in links],
        studies,
    )


def status_of(
    kinds: Collection[Any],
    cited: Iterable[int],
    links: Iterable[tuple[Any, Any, Any]],
    studies: Mapping[int, Mapping[str, Any]],
) -> ClaimStatus:
    """``derive_status`` from plain values: the kinds of the claim's mentions, the
    studies they resolve to, and its links as (study id, stance, origin)."""
    counted = [link for link in links if link[2] != "suggested"]
    leaning = {sid for sid, stance, _ in counted if stance != "contradicts"}
    leaning.update(cited)
    if any(studies.get(sid, {}).get("retracted") for sid in leaning):
        return "retracted"
    if any(stance == "contradicts" for _, stance, _ in counted):
        return "disputed"
    for sid, stance, _ in counted:
        study = studies.get(sid, {})
        if (
            stance == "supports"
            and study.get("verification") == "verified"
            and not study.get("retracted")
        ):
            return "supported"
    if leaning or not CITING_KINDS.isdisjoint(kinds):
        return "cited"
    if "journal" in kinds:
        return "attributed"
    if "vague" in kinds:
        return "vague"
    return "unsourced"
