"""The report model: a plain, JSON-serialisable dict built from the database with a
bounded number of queries (never one per claim), rendered by :mod:`reports`.

Its keys are documented in docs/report-model.md; `report --format json` prints it and a
user's `--template` receives it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from evidence import __version__
from evidence.claims import claim_objects, document_id
from evidence.library import study_objects
from evidence.store import Store, now
from evidence.vocab import EVIDENCE_LEVELS, LACKING_SOURCE, STATUSES, VERDICTS


def candidates_by_mention(store: Store, doc_id: int | None) -> dict[tuple[str, str], list]:
    """Candidate studies of each mention, keyed by (claim id, mention text); one query."""
    rows = store.query(
        "select m.claim_id, m.text as mention_text, c.*, s.citekey "
        "from candidates c join mentions m on m.id = c.mention_id "
        "left join studies s on s.id = c.study_id"
        + (" where m.document_id = ?" if doc_id is not None else "")
        + " order by m.id, c.rank",
        [doc_id] if doc_id is not None else [],
    )
    out: dict[tuple[str, str], list] = {}
    for r in rows:
        out.setdefault((r["claim_id"], r["mention_text"]), []).append(
            {
                "study": r["citekey"],
                "doi": r["doi"],
                "title": r["title"],
                "journal": r["journal"],
                "year": r["year"],
                "score": r["score"],
                "reasons": r["reasons"] or [],
                "accepted": bool(r["accepted"]),
            }
        )
    return out


def _legacy_fields(verification: dict[str, Any]) -> list[dict[str, Any]]:
    """A check saved before fields carried severities: its mismatches, in the fields shape."""
    return [
        {
            "field": m.get("field"),
            "cited": m.get("ours"),
            "found": m.get("theirs"),
            "severity": None,
            "kind": None,
            "note": None,
        }
        for m in verification.get("mismatches") or []
    ]


def _retraction_reason(study: dict[str, Any]) -> str:
    notices = [n for n in study["notices"] if n["kind"] == "retraction"]
    if not notices:
        return study["verification"].get("reason") or "retracted"
    return "; ".join(
        "retraction notice ("
        + ", ".join(str(part) for part in (n["source"], n.get("date")) if part)
        + ")"
        for n in notices
    )


def reference_checks(studies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The References section: the studies that do not exist, are cited wrongly or are
    retracted, each with its evidence, and the count of each verdict.

    Each study falls in one group: a retracted study is listed as retracted whatever its
    verdict (its fields, if any differ, are kept in its entry), so the counts add up.
    """
    groups: dict[str, list[dict[str, Any]]] = {"not_found": [], "mismatch": [], "retracted": []}
    counts: Counter[str] = Counter(dict.fromkeys(VERDICTS, 0))
    for key, study in studies.items():
        v = study["verification"]
        retracted = study["retracted"] or v["status"] == "retracted"
        group = "retracted" if retracted else v["status"]
        counts[group] += 1
        if group not in groups:
            continue
        fields = v.get("fields") or _legacy_fields(v)
        groups[group].append(
            {
                "study": key,
                "title": study["title"],
                "reason": _retraction_reason(study) if group == "retracted" else v.get("reason"),
                "likely": v.get("likely"),
                "fields": fields,
                "matched": v.get("matched"),
                "searched": v.get("searched") or [],
            }
        )
    checked = sum(1 for s in studies.values() if s["verification"].get("checked_at"))
    return {
        **groups,
        "counts": {"total": len(studies), "checked": checked, **counts},
    }


def build_report_model(store: Store, document: str | None = None) -> dict[str, Any]:
    doc_id = document_id(store, document)
    docs = store.query(
        "select d.id, d.name, d.format, d.ingested_at, "
        "(select count(*) from claims c where c.document_id = d.id and c.removed_at is null) "
        "as claims from documents d"
        + (" where d.id = ?" if doc_id is not None else "")
        + " order by d.name",
        [doc_id] if doc_id is not None else [],
    )
    claims = claim_objects(store, document_id=doc_id)
    candidates = candidates_by_mention(store, doc_id)
    referenced: set[str] = set()
    for claim in claims:
        for m in claim["mentions"]:
            m["candidates"] = candidates.get((claim["id"], m["text"]), [])
            referenced.update(c["study"] for c in m["candidates"] if c["study"])
            if m["study"]:
                referenced.add(m["study"])
        referenced.update(e["study"] for e in claim["evidence"] if e["study"])
    if document is None:
        rows = store.query("select * from studies order by citekey")
    else:
        # The cited studies alone, each found through the citekey index: a document's
        # report costs what the document cites, not what the library holds.
        rows = store.query(
            "select * from studies where citekey in (select value from json_each(?)) "
            "order by citekey",
            [json.dumps(sorted(referenced))],
        )
    studies = {s["id"]: s for s in study_objects(store, rows)}
    status_counts = Counter(c["status"] for c in claims)
    verdict_counts = Counter(s["verification"]["status"] for s in studies.values())
    level_counts = Counter(s["evidence_level"] or "unknown" for s in studies.values())
    attention = []
    for key, s in studies.items():
        reasons = []
        for n in s["notices"]:
            reasons.append(
                f"{n['kind'].replace('_', ' ')} ({n['source']}"
                + (f", {n['date']}" if n.get("date") else "")
                + ")"
            )
        verdict = s["verification"]["status"]
        if verdict in ("mismatch", "not_found"):
            detail = s["verification"].get("reason")
            reasons.append(verdict.replace("_", " ") + (f": {detail}" if detail else ""))
        if s["retracted"] and not any(r.startswith("retraction") for r in reasons):
            reasons.insert(0, "retracted")
        if s.get("duplicate_of"):
            reasons.append(f"probable duplicate of {s['duplicate_of']}")
        if reasons:
            attention.append({"study": key, "reasons": reasons})
    cells = [
        {"claim": c["id"], "study": e["study"], "stance": e["stance"], "origin": e["origin"]}
        for c in claims
        for e in c["evidence"]
        if e["study"] in studies
    ]
    map_claims = list(dict.fromkeys(cell["claim"] for cell in cells))
    map_studies = list(dict.fromkeys(cell["study"] for cell in cells))
    title = f"Evidence report: {document}" if document else "Evidence report"
    return {
        "generated_at": now(),
        "tool": {"name": "evidence", "version": __version__},
        "title": title,
        "documents": [
            {
                "name": d["name"],
                "format": d["format"],
                "ingested_at": d["ingested_at"],
                "claims": d["claims"],
            }
            for d in docs
        ],
        "summary": {
            "claims_total": len(claims),
            "claims_by_status": {s: status_counts.get(s, 0) for s in STATUSES},
            "studies_total": len(studies),
            "studies_by_verdict": {v: verdict_counts.get(v, 0) for v in VERDICTS},
            "evidence_levels": {level: level_counts.get(level, 0) for level in EVIDENCE_LEVELS},
            "retracted_sources": sorted(k for k, s in studies.items() if s["retracted"]),
            "mismatched_sources": sorted(
                k for k, s in studies.items() if s["verification"]["status"] == "mismatch"
            ),
        },
        "claims": claims,
        "studies": studies,
        "evidence_map": {"claims": map_claims, "studies": map_studies, "cells": cells},
        "lacking_sources": [c["id"] for c in claims if c["status"] in LACKING_SOURCE],
        "attention": attention,
        "references": reference_checks(studies),
    }
