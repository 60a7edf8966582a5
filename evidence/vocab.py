"""The words of evidence's data, each defined here once.

Claim statuses, verification verdicts, stances, link origins, mention kinds and the named
groups of statuses that commands and reports act on. DESIGN.md fixes the values; the JSON
shapes, the CLI's `--status`/`--fail-on` checks and the report all read them from here.
`reports/labels.py` keeps its own copy (reports never imports evidence) and
tests/test_vocab.py fails when the two drift apart.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from bib.design import LEVELS

ClaimStatus = Literal[
    "supported", "disputed", "retracted", "cited", "attributed", "vague", "unsourced"
]
Verdict = Literal["verified", "mismatch", "not_found", "retracted", "unverified"]
Stance = Literal["supports", "contradicts", "mentions"]
Origin = Literal["user", "citation", "suggested"]
MentionKind = Literal[
    "doi",
    "pmid",
    "pmcid",
    "arxiv",
    "url",
    "citekey",
    "numbered",
    "author-year",
    "journal",
    "vague",
]

# Claim statuses in display order. Which one a claim gets is decided by
# evidence.status.status_of (precedence: retracted > disputed > supported > cited >
# attributed > vague > unsourced).
STATUSES: Final[tuple[ClaimStatus, ...]] = get_args(ClaimStatus)
# Verification verdicts of a study (the `verification.status` of a study object).
VERDICTS: Final[tuple[Verdict, ...]] = get_args(Verdict)
STANCES: Final[tuple[Stance, ...]] = get_args(Stance)
# Who made an evidence link: a reviewer (`tag`), the document's own citation, or a
# suggestion that counts for nothing until confirmed.
ORIGINS: Final[tuple[Origin, ...]] = get_args(Origin)
MENTION_KINDS: Final[tuple[MentionKind, ...]] = get_args(MentionKind)
# Mention kinds that point at one specific study (a claim with one is at least `cited`).
CITING_KINDS: Final[frozenset[MentionKind]] = frozenset(MENTION_KINDS) - {"journal", "vague"}
# Mention kinds that point at research, for extraction: a claim with one is "sourced" in
# extraction's counts and scoring, and no vague appeal is looked for in it. A bare web
# link is not research; for a claim's status it still counts as citing (`cited`).
RESEARCH_KINDS: Final[frozenset[MentionKind]] = frozenset(MENTION_KINDS) - {"url"}
# Study designs, strongest first, as bib.design grades them, then "unknown".
EVIDENCE_LEVELS: Final[tuple[str, ...]] = (*LEVELS, "unknown")

# --- named groups of claim statuses (each name has one meaning) -------------------------

# No specific study behind the claim: it names none (`unsourced`), appeals to unnamed
# research (`vague`) or names only a journal or institution (`attributed`). The report's
# "lacking sources" list.
LACKING_SOURCE: Final[tuple[ClaimStatus, ...]] = ("unsourced", "vague", "attributed")
# The evidence named is bad: a retracted study, or evidence on record against the claim.
BAD_SOURCE: Final[tuple[ClaimStatus, ...]] = ("retracted", "disputed")
# What a reader should act on, worst first: `check` lists these whatever --fail-on says,
# and the report's "at a glance" line counts them.
NEEDS_ATTENTION: Final[tuple[ClaimStatus, ...]] = (
    "retracted",
    "disputed",
    "unsourced",
    "vague",
    "attributed",
)
# What `check` fails on unless --fail-on says otherwise.
DEFAULT_FAIL_ON: Final[tuple[ClaimStatus, ...]] = ("unsourced", "vague", "retracted")
