"""The JSON shapes of DESIGN.md as types: what `--json` prints and the report model holds.

Keys may be added to these shapes, never renamed (outside checks rely on them).
tests/test_shapes.py compares what the commands really print with these declarations,
and these declarations with the keys DESIGN.md lists.
"""

from __future__ import annotations

from typing import Any, TypedDict

from evidence.vocab import ClaimStatus, MentionKind, Origin, Stance, Verdict


class Candidate(TypedDict):
    """A study that a narrative attribution may describe, as `resolve` scored it."""

    study: str | None
    doi: str | None
    title: str | None
    journal: str | None
    year: int | None
    score: float
    reasons: list[str]
    accepted: bool


class _Mention(TypedDict):
    kind: MentionKind
    text: str
    journal: str | None
    institution: str | None
    identifier: str | None
    citekey: str | None
    year: int | None
    reference: str | None
    study: str | None  # citekey of the resolved study


class MentionObject(_Mention, total=False):
    # (a base class, not NotRequired: postponed annotations hide NotRequired from TypedDict)
    # `claims --json` and the report model give them; `check --json` leaves them out.
    candidates: list[Candidate]


class EvidenceObject(TypedDict):
    study: str | None
    stance: Stance
    origin: Origin
    note: str | None


class RetractedSource(TypedDict):
    study: str
    notices: list[str]


class ClaimObject(TypedDict):
    id: str
    document: str
    index: int
    text: str
    status: ClaimStatus
    checkworthiness: float
    reasons: list[str]
    span: list[int]
    removed: bool
    mentions: list[MentionObject]
    evidence: list[EvidenceObject]
    retracted_studies: list[RetractedSource]


class CheckResult(TypedDict):
    """`check --json`."""

    document: str | None
    counts: dict[str, int]
    fail_on: list[str]
    failing: list[ClaimObject]
    # failing, or in evidence.vocab.NEEDS_ATTENTION: what `check` lists
    needs_attention: list[ClaimObject]
    claims: int


class AuthorObject(TypedDict):
    family: str
    given: str


class NoticeObject(TypedDict):
    kind: str
    source: str
    date: str | None
    doi: str | None
    pmid: str | None


class Mismatch(TypedDict):
    field: str
    ours: Any
    theirs: Any
    source: str


class FieldFinding(TypedDict):
    """A cited field that disagrees with the work found (bib.checking.compare)."""

    field: str
    cited: Any
    found: Any
    severity: str  # minor | major
    kind: str
    note: str


class MatchedRecord(TypedDict):
    doi: str | None
    arxiv: str | None
    title: str | None
    authors: list[str]
    venue: str | None
    year: int | None
    source: str


class SearchRecord(TypedDict, total=False):
    service: str
    query: str
    hits: int
    accepted: str | None
    error: str | None


class Verification(TypedDict):
    status: Verdict
    checked_at: str | None
    sources: list[str]
    mismatches: list[Mismatch]
    reason: str | None
    # The same verdict as status, with its evidence (issue: reference checking).
    verdict: Verdict
    likely: str | None  # fabricated | miscited, for flagged citations
    fields: list[FieldFinding]
    matched: MatchedRecord | None
    searched: list[SearchRecord]


class StudyObject(TypedDict):
    id: str
    citekey: str
    doi: str | None
    pmid: str | None
    pmcid: str | None
    arxiv: str | None
    isbn: str | None
    openalex: str | None
    title: str | None
    authors: list[AuthorObject]
    journal: str | None
    issn: list[str]
    year: int | None
    volume: str | None
    issue: str | None
    pages: str | None
    type: str | None
    publication_types: list[str]
    evidence_level: str | None
    retracted: bool
    notices: list[NoticeObject]
    verification: Verification
    duplicate_of: str | None
    abstract: str | None
    url: str | None
    added_at: str | None
