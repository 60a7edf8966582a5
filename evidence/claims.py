"""Claims as the commands show them: claim objects (the JSON shape of DESIGN.md), and
`check`, which lists the claims that need attention and fails on chosen statuses.

Reads only; statuses are derived each time (evidence.status), never stored.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from evidence.errors import DocumentNotFound, UsageError
from evidence.listing import in_chunks
from evidence.shapes import CheckResult, ClaimObject
from evidence.status import derive_status
from evidence.store import Store
from evidence.vocab import DEFAULT_FAIL_ON, NEEDS_ATTENTION, STATUSES


def document_id(store: Store, name: str | None) -> int | None:
    if name is None:
        return None
    row = store.one("select id from documents where name = ?", [name])
    if row is None:
        names = [r["name"] for r in store.query("select name from documents order by name")]
        hint = f" Known documents: {', '.join(names)}" if names else " Ingest it first"
        raise DocumentNotFound(f'No document named "{name}".{hint}')
    return int(row["id"])


def study_states(
    store: Store, study_ids: Collection[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Per study (every one, or those of ``study_ids``): citekey, retracted flag, latest
    verification status (three queries)."""
    among = "" if study_ids is None else " and study_id in (select value from json_each(?))"
    params = [] if study_ids is None else [json.dumps(list(study_ids))]
    # The latest verdict alone: nothing of the check's JSON columns is read.
    last = "" if study_ids is None else " where study_id in (select value from json_each(?))"
    checks = dict(
        store.execute(
            "select c.study_id, c.status from checks c join (select study_id, max(id) as id "
            f"from checks{last} group by study_id) last on last.id = c.id",
            params,
        ).fetchall()
    )
    retraction_notices: dict[int, list[str]] = {}
    for n in store.query(
        "select study_id, source, date, doi from notices where kind = 'retraction'"
        f"{among} order by id",
        params,
    ):
        detail = ", ".join(x for x in (n["source"], n["date"], n["doi"] and f"doi:{n['doi']}") if x)
        retraction_notices.setdefault(n["study_id"], []).append(f"retraction ({detail})")
    return {
        r["id"]: {
            "citekey": r["citekey"],
            "retracted": bool(r["retracted"]) or r["id"] in retraction_notices,
            "notices": retraction_notices.get(r["id"], []),
            "verification": checks.get(r["id"], "unverified"),
        }
        for r in store.query(
            "select id, citekey, retracted from studies"
            + ("" if study_ids is None else " where id in (select value from json_each(?))"),
            params,
        )
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
            iter_claim_objects(store, document_id=document_id, include_removed=include_removed)
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
    """How many claims ``iter_claim_objects`` gives without a status filter."""
    where, params = _claims_where(document_id, include_removed)
    return int(store.scalar(f"select count(*) from claims c where {where}", params))


def iter_claim_objects(
    store: Store,
    *,
    document_id: int | None = None,
    include_removed: bool = False,
    statuses: Collection[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[ClaimObject]:
    """Claim objects in document order, CLAIM_CHUNK claims at a time: the memory held
    does not grow with the library or the documents. ``statuses`` keeps only claims of
    those statuses; ``offset`` and ``limit`` count the claims kept. Call it inside
    ``store.snapshot()`` for a consistent listing."""
    where, params = _claims_where(document_id, include_removed)
    rows = store.stream(
        "select c.*, d.name as document from claims c join documents d on d.id = c.document_id "
        f"where {where} order by d.name, c.position" + ("" if statuses else " limit ? offset ?"),
        params if statuses else [*params, -1 if limit is None else limit, offset],
    )
    skip = offset if statuses else 0
    left = limit
    for chunk in in_chunks(rows, CLAIM_CHUNK):
        for claim in _chunk_objects(store, chunk):
            if statuses and claim["status"] not in statuses:
                continue
            if skip:
                skip -= 1
                continue
            if left is not None:
                if left <= 0:
                    return
                left -= 1
            yield claim


# Claims built per round of queries: enough to make the queries few, few enough that the
# memory held stays small.
CLAIM_CHUNK = 500


# The columns a claim object shows (no JSON column among them: none is decoded).
_MENTION_COLUMNS = (
    "claim_id",
    "kind",
    "text",
    "journal",
    "institution",
    "identifier",
    "citekey",
    "year",
    "reference",
    "study_id",
)
_EVIDENCE_COLUMNS = ("claim_id", "study_id", "stance", "origin", "note")


def _by_claim(
    store: Store, table: str, columns: tuple[str, ...], ids: str, order: str
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    cursor = store.execute(
        f"select {', '.join(columns)} from {table} "
        f"where claim_id in (select value from json_each(?)) order by {order}",
        [ids],
    )
    for values in cursor:
        out.setdefault(values[0], []).append(dict(zip(columns, values, strict=True)))
    return out


def _chunk_objects(store: Store, rows: list[dict[str, Any]]) -> list[ClaimObject]:
    ids = json.dumps([r["id"] for r in rows])
    mentions = _by_claim(store, "mentions", _MENTION_COLUMNS, ids, "start, id")
    links = _by_claim(store, "evidence", _EVIDENCE_COLUMNS, ids, "id")
    cited = {m["study_id"] for ms in mentions.values() for m in ms if m["study_id"] is not None}
    cited |= {e["study_id"] for ls in links.values() for e in ls if e["study_id"] is not None}
    studies = study_states(store, sorted(cited)) if cited else {}
    out: list[ClaimObject] = []
    for r in rows:
        ms = mentions.get(r["id"], [])
        ls = links.get(r["id"], [])
        status = derive_status(ms, ls, studies)
        out.append(
            {
                "id": r["id"],
                "document": r["document"],
                "index": r["position"],
                "text": r["text"],
                "status": status,
                "checkworthiness": r["checkworthiness"],
                "reasons": r["reasons"] or [],
                "span": [r["start"], r["end"]],
                "removed": r["removed_at"] is not None,
                "mentions": [
                    {
                        "kind": m["kind"],
                        "text": m["text"],
                        "journal": m["journal"],
                        "institution": m["institution"],
                        "identifier": m["identifier"],
                        "citekey": m["citekey"],
                        "year": m["year"],
                        "reference": m["reference"],
                        "study": studies.get(m["study_id"], {}).get("citekey")
                        if m["study_id"] is not None
                        else None,
                    }
                    for m in ms
                ],
                "evidence": [
                    {
                        "study": studies.get(e["study_id"], {}).get("citekey"),
                        "stance": e["stance"],
                        "origin": e["origin"],
                        "note": e["note"],
                    }
                    for e in ls
                ],
                # which retracted studies the claim rests on, and the notices that say so
                "retracted_studies": [
                    {"study": studies[sid]["citekey"], "notices": studies[sid]["notices"]}
                    for sid in sorted(
                        {e["study_id"] for e in ls if e["stance"] != "contradicts"}
                        | {m["study_id"] for m in ms if m["study_id"] is not None}
                    )
                    if studies.get(sid, {}).get("retracted")
                ],
            }
        )
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
    claims = claim_objects(store, document_id=doc_id)
    fail_set = set(fail_on)
    counts: dict[str, int] = {s: 0 for s in STATUSES}
    for c in claims:
        counts[c["status"]] += 1
    return {
        "document": document,
        "counts": counts,
        "fail_on": sorted(fail_set),
        "failing": [c for c in claims if c["status"] in fail_set],
        "needs_attention": [c for c in claims if needs_attention(c["status"], fail_set)],
        "claims": len(claims),
    }


def needs_attention(status: str, fail_on: Collection[str]) -> bool:
    """Whether `check` lists a claim of this status: it fails, or needs attention."""
    return status in fail_on or status in NEEDS_ATTENTION
