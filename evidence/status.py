"""Claim status, derived from mentions, evidence links and study verdicts; never stored.

Precedence (DESIGN.md): retracted > disputed > supported > cited > attributed > vague >
unsourced. Suggested links (origin ``suggested``) never count until a user confirms them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    counted = [link for link in links if link.get("origin") != "suggested"]
    leaning = {link["study_id"] for link in counted if link.get("stance") != "contradicts"}
    leaning |= {m["study_id"] for m in mentions if m.get("study_id") is not None}
    if any(studies.get(sid, {}).get("retracted") for sid in leaning):
        return "retracted"
    if any(link.get("stance") == "contradicts" for link in counted):
        return "disputed"
    for link in counted:
        study = studies.get(link["study_id"], {})
        if (
            link.get("stance") == "supports"
            and study.get("verification") == "verified"
            and not study.get("retracted")
        ):
            return "supported"
    kinds = {m.get("kind") for m in mentions}
    if leaning or kinds & CITING_KINDS:
        return "cited"
    if "journal" in kinds:
        return "attributed"
    if "vague" in kinds:
        return "vague"
    return "unsourced"
