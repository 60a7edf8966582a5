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
# is the same rule as status_of's; tests/test_status.py checks them against each other.
UNSOURCED_SQL = (
    "not exists (select 1 from mentions m where m.claim_id = c.id) "
    "and not exists (select 1 from evidence e where e.claim_id = c.id "
    "and e.origin != 'suggested')"
)


_NO_STUDY: Mapping[str, Any] = {}


def status_of(
    kinds: Collection[Any],
    cited: Iterable[int],
    links: Iterable[tuple[Any, Any, Any]],
    studies: Mapping[int, Mapping[str, Any]],
) -> ClaimStatus:
    """Status of one claim, from the kinds of its mentions, the studies they resolve to,
    and its evidence links as (study id, stance, origin). ``studies``: study id -> dict
    with ``retracted`` (bool) and ``verification`` (status)."""
    counted = [link for link in links if link[2] != "suggested"]
    leaning = {sid for sid, stance, _ in counted if stance != "contradicts"}
    leaning.update(cited)
    for sid in leaning:
        if studies.get(sid, _NO_STUDY).get("retracted"):
            return "retracted"
    for _, stance, _ in counted:
        if stance == "contradicts":
            return "disputed"
    for sid, stance, _ in counted:
        study = studies.get(sid, _NO_STUDY)
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
