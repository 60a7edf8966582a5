"""Claims as the commands show them: claim objects (the JSON shape of DESIGN.md), and
`check`, which lists the claims that need attention and fails on chosen statuses.

Reads only; statuses are derived each time (evidence.status), never stored.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from evidence.errors import DocumentNotFound, UsageError
from evidence.listing import in_chunks
from evidence.listing_text import decoded
from evidence.shapes import CheckResult, ClaimObject, RetractedSource
from evidence.status import status_of
from evidence.store import Store
from evidence.vocab import (
    DEFAULT_FAIL_ON,
    NEEDS_ATTENTION,
    STATUSES,
    ClaimStatus,
    MentionKind,
    Origin,
    Stance,
)


def document_id(store: Store, name: str | None) -> int | None:
    if name is None:
        return None
    row = store.one("select id from documents where name = ?", [name])
    if row is None:
        names = [r["name"] for r in store.query("select name from documents order by name")]
        hint = f" Known documents: {', '.join(names)}" if names else " Ingest it first"
        raise DocumentNotFound(f'No document named "{name}".{hint}')
    return int(row["id"])


def study_states(store: Store, study_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """Per study of ``study_ids``: citekey, retracted flag, latest verification status,
    and the retraction notices that say so."""
    # The latest verdict alone (nothing of the check's JSON columns is read); the
    # notices' details only for the studies that have a retraction notice.
    rows = store.execute(
        "select s.id, s.citekey, s.retracted, (select c.status from checks c "
        "where c.id = s.latest_check), exists (select 1 from notices n "
        "where n.study_id = s.id and n.kind = 'retraction') from studies s "
        "where s.id in (select value from json_each(?))",
        [json.dumps(list(study_ids))],
    ).fetchall()
    noticed = [r[0] for r in rows if r[4]]
    retraction_notices: dict[int, list[str]] = {}
    if noticed:
        for sid, source, date, doi in store.execute(
            "select study_id, source, date, doi from notices where kind = 'retraction' "
            "and study_id in (select value from json_each(?)) order by id",
            [json.dumps(noticed)],
        ):
            detail = ", ".join(x for x in (source, date, doi and f"doi:{doi}") if x)
            retraction_notices.setdefault(sid, []).append(f"retraction ({detail})")
    return {
        sid: {
            "citekey": citekey,
            "retracted": bool(retracted) or sid in retraction_notices,
            "notices": retraction_notices.get(sid, []),
            "verification": "unverified" if verification is None else verification,
        }
        for sid, citekey, retracted, verification, _ in rows
    }


def claim_objects(
    store: Store,
    *,
    document_id: int | None = None,
    include_removed: bool = False,
) -> list[ClaimObject]:
    """Claims in the JSON shape of DESIGN.md, built with a fixed number of queries per
    chunk of claims."""
    with store.snapshot():
        return list(
            claim_objects_of(
                iter_claim_reads(store, document_id=document_id, include_removed=include_removed)
            )
        )


def _claims_where(document_id: int | None, include_removed: bool) -> tuple[str, list[Any]]:
    where = ["1 = 1"]
    params: list[Any] = []
    if document_id is not None:
        where.append("c.document_id = ?")
        params.append(document_id)
    if not include_removed:
        where.append("c.removed_at is null")
    return " and ".join(where), params


def count_claims(
    store: Store, *, document_id: int | None = None, include_removed: bool = False
) -> int:
    """How many claims ``iter_claim_reads`` gives without a status filter."""
    where, params = _claims_where(document_id, include_removed)
    return int(store.scalar(f"select count(*) from claims c where {where}", params))


class ClaimRow(NamedTuple):
    """A claim as the claims query reads it (``reasons``: the stored JSON text)."""

    id: str
    document: str
    position: int
    text: str
    checkworthiness: float
    reasons: Any
    start: int
    end: int
    removed_at: Any


class MentionRow(NamedTuple):
    claim_id: str
    kind: MentionKind
    text: str
    journal: str | None
    institution: str | None
    identifier: str | None
    citekey: str | None
    year: int | None
    reference: str | None
    study_id: int | None


class LinkRow(NamedTuple):
    claim_id: str
    study_id: int | None
    stance: Stance
    origin: Origin
    note: str | None


class ClaimRead(NamedTuple):
    """A claim as read, before it is made an object: its status, row, mentions and
    evidence links, and the study states (``study_states``) of its chunk of claims.
    ``claim_object`` makes it the object of DESIGN.md; `claims` lays it out as text
    straight from here (evidence.claims_layout, cli.documents)."""

    status: ClaimStatus
    row: ClaimRow
    mentions: Sequence[MentionRow]
    links: Sequence[LinkRow]
    studies: dict[int, dict[str, Any]]

    def citekey(self, study_id: int | None) -> str | None:
        """The citekey of a study the claim cites (None for none)."""
        if study_id is None:
            return None
        return self.studies.get(study_id, _NO_STUDY).get("citekey")

    def retracted(self) -> list[RetractedSource]:
        """The retracted studies the claim rests on, and the notices that say so."""
        studies = self.studies
        resting = [e.study_id for e in self.links if e.stance != "contradicts"]
        resting += [m.study_id for m in self.mentions]
        flagged = {
            sid
            for sid in resting
            if sid is not None and studies.get(sid, _NO_STUDY).get("retracted")
        }
        return [
            {"study": studies[sid]["citekey"], "notices": studies[sid]["notices"]}
            for sid in sorted(flagged)
        ]


def claim_object(read: ClaimRead, reasons: Callable[[Any], Any] | None = None) -> ClaimObject:
    """The claim object of DESIGN.md. ``reasons``: decodes the stored reasons (a
    ``_Reasons``, which decodes each distinct text once)."""
    row = read.row
    cite = read.citekey
    return {
        "id": row.id,
        "document": row.document,
        "index": row.position,
        "text": row.text,
        "status": read.status,
        "checkworthiness": row.checkworthiness,
        "reasons": (reasons or _Reasons())(row.reasons),
        "span": [row.start, row.end],
        "removed": row.removed_at is not None,
        "mentions": [
            {
                "kind": m.kind,
                "text": m.text,
                "journal": m.journal,
                "institution": m.institution,
                "identifier": m.identifier,
                "citekey": m.citekey,
                "year": m.year,
                "reference": m.reference,
                "study": cite(m.study_id),
            }
            for m in read.mentions
        ],
        "evidence": [
            {"study": cite(e.study_id), "stance": e.stance, "origin": e.origin, "note": e.note}
            for e in read.links
        ],
        "retracted_studies": read.retracted(),
    }


def claim_objects_of(reads: Iterable[ClaimRead]) -> Iterator[ClaimObject]:
    """The claim objects of ``reads`` (``iter_claim_reads``), one at a time."""
    reasons = _Reasons()
    for read in reads:
        yield claim_object(read, reasons)


def iter_claim_reads(
    store: Store,
    *,
    document_id: int | None = None,
    include_removed: bool = False,
    statuses: Collection[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[ClaimRead]:
    """Claims in document order, as read (ClaimRead; ``claim_objects_of`` makes them
    objects), CLAIM_CHUNK claims at a time: the memory held does not grow with the
    library or the documents. ``statuses`` keeps only claims of those statuses;
    ``offset`` and ``limit`` count the claims kept. Call it inside ``store.snapshot()``
    for a consistent listing."""
    where, params = _claims_where(document_id, include_removed)
    rows = store.execute(
        f"{_CLAIMS_SQL} where {where} order by d.name, c.position"
        + ("" if statuses else " limit ? offset ?"),
        params if statuses else [*params, -1 if limit is None else limit, offset],
    )
    skip = offset if statuses else 0
    left = limit
    wanted = statuses.__contains__ if statuses else None
    for chunk in in_chunks(rows, CLAIM_CHUNK):
        for _, read in _chunk_reads(store, chunk, wanted):
            if read is None:
                continue
            if skip:
                skip -= 1
                continue
            if left is not None:
                if left <= 0:
                    return
                left -= 1
            yield read


def iter_claim_statuses(
    store: Store, *, document_id: int | None = None, build: Callable[[str], bool]
) -> Iterator[tuple[ClaimStatus, ClaimRead | None]]:
    """Every claim's status in document order, with the claim as read when ``build``
    says the status needs it (None otherwise): `check` counts every claim and lists a
    few."""
    where, params = _claims_where(document_id, False)
    rows = store.execute(f"{_CLAIMS_SQL} where {where} order by d.name, c.position", params)
    for chunk in in_chunks(rows, CLAIM_CHUNK):
        yield from _chunk_reads(store, chunk, build)


# Claims built per round of queries: enough to make the queries few, few enough that the
# memory held stays small.
CLAIM_CHUNK = 500


class _Reasons:
    """A claim's reasons as ``store.decode_row`` decodes them, each distinct text
    decoded once (a document's claims share a few reasons)."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._decoded: dict[str, Any] = {}

    def __call__(self, text: Any) -> Any:
        if not isinstance(text, str):
            return text or []
        value = self._decoded.get(text, self)
        if value is self:
            if len(self._decoded) >= self.LIMIT:
                self._decoded.clear()
            value = self._decoded[text] = decoded(text)
        # a fresh list each time: callers may change a claim's reasons
        return list(value) if type(value) is list else value or []


_CLAIMS_SQL = (
    "select c.id, d.name, c.position, c.text, c.checkworthiness, c.reasons, c.start, "
    "c.end, c.removed_at from claims c join documents d on d.id = c.document_id"
)
_MENTIONS_SQL = (
    "select claim_id, kind, text, journal, institution, identifier, citekey, year, "
    "reference, study_id from mentions where claim_id in (select value from json_each(?)) "
    "order by start, id"
)
_EVIDENCE_SQL = (
    "select claim_id, study_id, stance, origin, note from evidence "
    "where claim_id in (select value from json_each(?)) order by id"
)


def _by_claim(store: Store, sql: str, ids: str, make: Callable[..., Any]) -> dict[str, list]:
    out: dict[str, list] = {}
    for values in store.execute(sql, [ids]):
        got = out.get(values[0])
        if got is None:
            out[values[0]] = [make(values)]
        else:
            got.append(make(values))
    return out


_NO_STUDY: dict[str, Any] = {}


_Row = TypeVar("_Row", bound=tuple[Any, ...])


def _rows_of(kind: type[_Row]) -> Callable[[tuple[Any, ...]], _Row]:
    """A named tuple of ``kind`` from a row of its query's columns: ``tuple.__new__``
    called from C, without ``_make``'s Python frame and length check (the query gives
    exactly the fields), about 0.1 s on 300,000 rows."""
    return functools.partial(tuple.__new__, kind)  # type: ignore[return-value]


def _chunk_reads(
    store: Store, rows: list[tuple[Any, ...]], build: Callable[[str], bool] | None = None
) -> list[tuple[ClaimStatus, ClaimRead | None]]:
    """Each claim of ``rows`` with its status, and the claim as read (only when
    ``build`` wants it for that status, if given)."""
    ids = json.dumps([r[0] for r in rows])
    mentions = _by_claim(store, _MENTIONS_SQL, ids, _rows_of(MentionRow))
    links = _by_claim(store, _EVIDENCE_SQL, ids, _rows_of(LinkRow))
    cited = {m.study_id for ms in mentions.values() for m in ms if m.study_id is not None}
    cited |= {e.study_id for ls in links.values() for e in ls if e.study_id is not None}
    studies = study_states(store, sorted(cited)) if cited else {}
    out: list[tuple[ClaimStatus, ClaimRead | None]] = []
    no_rows: tuple[Any, ...] = ()  # shared by the claims without any: never changed
    for row in map(_rows_of(ClaimRow), rows):
        ms = mentions.get(row.id, no_rows)
        ls = links.get(row.id, no_rows)
        status = status_of(
            {m.kind for m in ms},
            [m.study_id for m in ms if m.study_id is not None],
            [e[1:4] for e in ls],
            studies,
        )
        if build is not None and not build(status):
            out.append((status, None))
        else:
            out.append((status, ClaimRead(status, row, ms, ls, studies)))
    return out


def parse_statuses(text: str, option: str = "--status") -> list[str]:
    """Comma-separated statuses; unknown ones and a list naming none are errors (an
    empty --fail-on would otherwise turn the gate off without a word)."""
    statuses = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise UsageError(f"unknown status {', '.join(bad)}. Use any of: {', '.join(STATUSES)}")
    if not statuses:
        raise UsageError(
            f"{option} {text!r} names no status. Give one or more of: {', '.join(STATUSES)}"
        )
    return statuses


def check_claims(
    store: Store, document: str | None, fail_on: Iterable[str] = DEFAULT_FAIL_ON
) -> CheckResult:
    """The `check --json` object: counts by status, the failing claims, and every claim
    that needs attention (evidence.vocab.NEEDS_ATTENTION) or fails."""
    doc_id = document_id(store, document)
    fail_set = set(fail_on)
    counts: dict[str, int] = {s: 0 for s in STATUSES}
    listed: list[ClaimObject] = []
    with store.snapshot():
        reasons = _Reasons()
        for status, read in iter_claim_statuses(
            store, document_id=doc_id, build=lambda st: needs_attention(st, fail_set)
        ):
            counts[status] += 1
            if read is not None:
                listed.append(claim_object(read, reasons))
    return {
        "document": document,
        "counts": counts,
        "fail_on": sorted(fail_set),
        "failing": [c for c in listed if c["status"] in fail_set],
        "needs_attention": listed,
        "claims": sum(counts.values()),
    }


def needs_attention(status: str, fail_on: Collection[str]) -> bool:
    """Whether `check` lists a claim of this status: it fails, or needs attention."""
    return status in fail_on or status in NEEDS_ATTENTION
