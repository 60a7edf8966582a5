"""Claims as the commands show them: claim objects (the JSON shape of DESIGN.md), and
`check`, which lists the claims that need attention and fails on chosen statuses.

Reads only; statuses are derived each time (evidence.status), never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evidence.errors import DocumentNotFound, UsageError
from evidence.library import latest_checks
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


def study_states(store: Store) -> dict[int, dict[str, Any]]:
    """Per study: citekey, retracted flag, latest verification status (two queries)."""
    checks = {sid: check["status"] for sid, check in latest_checks(store).items()}
    retraction_notices: dict[int, list[str]] = {}
    for n in store.query(
        "select study_id, source, date, doi from notices where kind = 'retraction' order by id"
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
        for r in store.query("select id, citekey, retracted from studies")
    }


def claim_objects(
    store: Store,
    *,
    document_id: int | None = None,
    include_removed: bool = False,
) -> list[ClaimObject]:
    """Claims in the JSON shape of DESIGN.md, built with a fixed number of queries."""
    where = ["1 = 1"]
    params: list[Any] = []
    if document_id is not None:
        where.append("c.document_id = ?")
        params.append(document_id)
    if not include_removed:
        where.append("c.removed_at is null")
    rows = store.query(
        "select c.*, d.name as document from claims c join documents d on d.id = c.document_id "
        f"where {' and '.join(where)} order by d.name, c.position",
        params,
    )
    ids = {r["id"] for r in rows}
    mentions: dict[str, list[dict[str, Any]]] = {}
    for m in store.query(
        "select * from mentions"
        + (" where document_id = ?" if document_id is not None else "")
        + " order by start",
        [document_id] if document_id is not None else [],
    ):
        if m["claim_id"] in ids:
            mentions.setdefault(m["claim_id"], []).append(m)
    links: dict[str, list[dict[str, Any]]] = {}
    for e in store.query("select * from evidence order by id"):
        if e["claim_id"] in ids:
            links.setdefault(e["claim_id"], []).append(e)
    studies = study_states(store)
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
        "needs_attention": [
            c for c in claims if c["status"] in fail_set or c["status"] in NEEDS_ATTENTION
        ],
        "claims": len(claims),
    }
