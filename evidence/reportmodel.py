"""The report model: a plain, JSON-serialisable dict built from the database with a
bounded number of queries (never one per claim), rendered by :mod:`reports`.

Its keys are documented in docs/report-model.md; `report --format json` prints it and a
user's `--template` receives it. :mod:`evidence.reportstream` builds the same model
with its claims and studies read from the database as they are written, for reports of
any size; both share the tallies below, so they agree key for key.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Container, Iterable, Mapping
from typing import Any

from evidence import __version__
from evidence.claims import claim_objects, document_id
from evidence.library import study_objects
from evidence.store import Store, now
from evidence.vocab import EVIDENCE_LEVELS, LACKING_SOURCE, STATUSES, VERDICTS


def candidates_by_mention(
    store: Store, doc_id: int | None, claim_ids: Collection[str] | None = None
) -> dict[tuple[str, str], list]:
    """Candidate studies of each mention, keyed by (claim id, mention text); one query.
    ``claim_ids``: those claims' mentions only (a chunk of a long document)."""
    terms: list[str] = []
    params: list[Any] = []
    if doc_id is not None:
        terms.append("m.document_id = ?")
        params.append(doc_id)
    if claim_ids is not None:
        terms.append("m.claim_id in (select value from json_each(?))")
        params.append(json.dumps(list(claim_ids)))
    rows = store.query(
        "select m.claim_id, m.text as mention_text, c.*, s.citekey "
        "from candidates c join mentions m on m.id = c.mention_id "
        "left join studies s on s.id = c.study_id"
        + (" where " + " and ".join(terms) if terms else "")
        + " order by m.id, c.rank",
        params,
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


def attach_candidates(claims: Iterable[Any], candidates: Mapping[tuple[str, str], list]) -> None:
    """Give every mention of ``claims`` its candidates (an empty list when none)."""
    for claim in claims:
        for m in claim["mentions"]:
            m["candidates"] = candidates.get((claim["id"], m["text"]), [])


def _legacy_fields(verification: Mapping[str, Any]) -> list[dict[str, Any]]:
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


def _retraction_reason(study: Mapping[str, Any]) -> str:
    notices = [n for n in study["notices"] if n["kind"] == "retraction"]
    if not notices:
        return study["verification"].get("reason") or "retracted"
    return "; ".join(
        "retraction notice ("
        + ", ".join(str(part) for part in (n["source"], n.get("date")) if part)
        + ")"
        for n in notices
    )


def attention_reasons(study: Mapping[str, Any]) -> list[str]:
    """Why a study needs attention (none: it does not)."""
    reasons = []
    for n in study["notices"]:
        reasons.append(
            f"{n['kind'].replace('_', ' ')} ({n['source']}"
            + (f", {n['date']}" if n.get("date") else "")
            + ")"
        )
    verdict = study["verification"]["status"]
    if verdict in ("mismatch", "not_found"):
        detail = study["verification"].get("reason")
        reasons.append(verdict.replace("_", " ") + (f": {detail}" if detail else ""))
    if study["retracted"] and not any(r.startswith("retraction") for r in reasons):
        reasons.insert(0, "retracted")
    if study.get("duplicate_of"):
        reasons.append(f"probable duplicate of {study['duplicate_of']}")
    return reasons


class StudyTally:
    """What the report says about its studies as a whole (the summary's counts, the
    sources that need attention, the References section), gathered one study at a time
    in the report's order.

    A study with no notice, no duplicate flag, not retracted and not found wrong or
    missing contributes only its verdict, check time and design: such a study may be
    given as ``{"verification": {"status", "checked_at"}, "evidence_level", "retracted":
    False, "notices": []}`` instead of the whole study object (see ``needs_whole``).
    """

    def __init__(self) -> None:
        self.total = 0
        self.checked = 0
        self.verdicts: Counter[str] = Counter()
        self.levels: Counter[str] = Counter()
        self.retracted: list[str] = []
        self.mismatched: list[str] = []
        self.attention: list[dict[str, Any]] = []
        self.groups: dict[str, list[dict[str, Any]]] = {
            "not_found": [],
            "mismatch": [],
            "retracted": [],
        }
        # Every verdict, then any other group in the order first met.
        self.group_counts: Counter[str] = Counter(dict.fromkeys(VERDICTS, 0))

    @staticmethod
    def needs_whole(status: str | None, retracted: bool, notices: bool, duplicate: bool) -> bool:
        """Whether a study must be given whole (anything beyond its counts shows)."""
        return retracted or notices or duplicate or status in ("mismatch", "not_found", "retracted")

    def add(self, key: str, study: Mapping[str, Any]) -> None:
        v = study["verification"]
        self.total += 1
        if v.get("checked_at"):
            self.checked += 1
        self.verdicts[v["status"]] += 1
        self.levels[study["evidence_level"] or "unknown"] += 1
        if study["retracted"]:
            self.retracted.append(key)
        if v["status"] == "mismatch":
            self.mismatched.append(key)
        reasons = attention_reasons(study)
        if reasons:
            self.attention.append({"study": key, "reasons": reasons})
        retracted = study["retracted"] or v["status"] == "retracted"
        group = "retracted" if retracted else v["status"]
        self.group_counts[group] += 1
        if group not in self.groups:
            return
        fields = v.get("fields") or _legacy_fields(v)
        self.groups[group].append(
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

    def references(self) -> dict[str, Any]:
        """The References section: the studies that do not exist, are cited wrongly or
        are retracted, each with its evidence, and the count of each verdict.

        Each study falls in one group: a retracted study is listed as retracted whatever
        its verdict (its fields, if any differ, are kept in its entry), so the counts
        add up."""
        return {
            **self.groups,
            "counts": {"total": self.total, "checked": self.checked, **self.group_counts},
        }


def reference_checks(studies: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The References section of ``studies`` (see StudyTally.references)."""
    tally = StudyTally()
    for key, study in studies.items():
        tally.add(key, study)
    return tally.references()


class ClaimTally:
    """What the report says about its claims as a whole: counts by status, the evidence
    map's cells, the claims that lack sources; gathered one claim at a time."""

    def __init__(self, studies: Container[str]) -> None:
        self.studies = studies
        self.total = 0
        self.statuses: Counter[str] = Counter()
        self.cells: list[dict[str, Any]] = []
        self.lacking: list[str] = []

    def add(self, claim: Mapping[str, Any]) -> None:
        self.total += 1
        self.statuses[claim["status"]] += 1
        self.cells.extend(
            {
                "claim": claim["id"],
                "study": e["study"],
                "stance": e["stance"],
                "origin": e["origin"],
            }
            for e in claim["evidence"]
            if e["study"] in self.studies
        )
        if claim["status"] in LACKING_SOURCE:
            self.lacking.append(claim["id"])

    def evidence_map(self) -> dict[str, Any]:
        return {
            "claims": list(dict.fromkeys(cell["claim"] for cell in self.cells)),
            "studies": list(dict.fromkeys(cell["study"] for cell in self.cells)),
            "cells": self.cells,
        }


def documents_of(store: Store, doc_id: int | None) -> list[dict[str, Any]]:
    """The report's documents, each with its number of claims."""
    docs = store.query(
        "select d.id, d.name, d.format, d.ingested_at, "
        "(select count(*) from claims c where c.document_id = d.id and c.removed_at is null) "
        "as claims from documents d"
        + (" where d.id = ?" if doc_id is not None else "")
        + " order by d.name",
        [doc_id] if doc_id is not None else [],
    )
    return [
        {
            "name": d["name"],
            "format": d["format"],
            "ingested_at": d["ingested_at"],
            "claims": d["claims"],
        }
        for d in docs
    ]


def assemble(
    document: str | None,
    documents: list[dict[str, Any]],
    claims: Any,
    studies: Any,
    claim_tally: ClaimTally,
    study_tally: StudyTally,
) -> dict[str, Any]:
    """The model, its keys in their documented order."""
    title = f"Evidence report: {document}" if document else "Evidence report"
    return {
        "generated_at": now(),
        "tool": {"name": "evidence", "version": __version__},
        "title": title,
        "documents": documents,
        "summary": {
            "claims_total": claim_tally.total,
            "claims_by_status": {s: claim_tally.statuses.get(s, 0) for s in STATUSES},
            "studies_total": study_tally.total,
            "studies_by_verdict": {v: study_tally.verdicts.get(v, 0) for v in VERDICTS},
            "evidence_levels": {
                level: study_tally.levels.get(level, 0) for level in EVIDENCE_LEVELS
            },
            "retracted_sources": sorted(study_tally.retracted),
            "mismatched_sources": sorted(study_tally.mismatched),
        },
        "claims": claims,
        "studies": studies,
        "evidence_map": claim_tally.evidence_map(),
        "lacking_sources": claim_tally.lacking,
        "attention": study_tally.attention,
        "references": study_tally.references(),
    }


def build_report_model(store: Store, document: str | None = None) -> dict[str, Any]:
    """The whole model in memory (a user's template receives it)."""
    doc_id = document_id(store, document)
    documents = documents_of(store, doc_id)
    claims = claim_objects(store, document_id=doc_id)
    attach_candidates(claims, candidates_by_mention(store, doc_id))
    referenced: set[str] = set()
    for claim in claims:
        for m in claim["mentions"]:
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
    claim_tally = ClaimTally(studies)
    for claim in claims:
        claim_tally.add(claim)
    study_tally = StudyTally()
    for key, study in studies.items():
        study_tally.add(key, study)
    return assemble(document, documents, claims, studies, claim_tally, study_tally)
