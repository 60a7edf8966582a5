"""The report model with its defaults filled in: every key a template may read is
present (None, [] or {}), whatever version or hand built the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import labels as vocab

_MENTION_DEFAULTS: dict[str, Any] = {
    "kind": "vague",
    "text": "",
    "journal": None,
    "institution": None,
    "identifier": None,
    "citekey": None,
    "year": None,
    "reference": None,
    "study": None,
    "candidates": [],
}
_CLAIM_DEFAULTS: dict[str, Any] = {
    "document": None,
    "index": None,
    "text": "",
    "status": "unsourced",
    "checkworthiness": None,
    "reasons": [],
    "mentions": [],
    "evidence": [],
}
_LINK_DEFAULTS: dict[str, Any] = {"stance": "mentions", "origin": None, "note": None}
# A candidate is a study of the library (``study``) or a work found by a search that is
# not in the library yet (``doi``, ``title``, ``journal``, ``year``).
_CANDIDATE_DEFAULTS: dict[str, Any] = {
    "study": None,
    "doi": None,
    "title": None,
    "journal": None,
    "year": None,
    "score": None,
    "reasons": [],
    "accepted": False,
}
_STUDY_DEFAULTS: dict[str, Any] = {
    "doi": None,
    "pmid": None,
    "pmcid": None,
    "arxiv": None,
    "isbn": None,
    "openalex": None,
    "title": None,
    "authors": [],
    "journal": None,
    "issn": [],
    "year": None,
    "volume": None,
    "issue": None,
    "pages": None,
    "type": None,
    "publication_types": [],
    "evidence_level": "unknown",
    "retracted": False,
    "notices": [],
    "verification": {},
}
_VERIFICATION_DEFAULTS: dict[str, Any] = {
    "status": "unverified",
    "checked_at": None,
    "sources": [],
    "mismatches": [],
    "reason": None,
}
_SUMMARY_DEFAULTS: dict[str, Any] = {
    "claims_total": 0,
    "claims_by_status": {},
    "studies_total": 0,
    "studies_by_verdict": {},
    "evidence_levels": {},
    "retracted_sources": [],
    "mismatched_sources": [],
}
_NOTICE_DEFAULTS: dict[str, Any] = {"kind": "notice", "source": None, "date": None, "doi": None}
_MISMATCH_DEFAULTS: dict[str, Any] = {"field": "?", "ours": None, "theirs": None, "source": None}
_FIELD_DEFAULTS: dict[str, Any] = dict.fromkeys(("cited", "found", "severity", "kind", "note"))
_MATCHED_DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(("doi", "arxiv", "title", "venue", "year", "source")),
    "authors": [],
}
_SEARCH_DEFAULTS: dict[str, Any] = {
    "service": "?",
    "query": "",
    **dict.fromkeys(("hits", "accepted", "error")),
}
REFERENCE_GROUPS = ("not_found", "mismatch", "retracted")


def _with(defaults: Mapping[str, Any], value: Any) -> dict[str, Any]:
    return {**defaults, **value} if isinstance(value, Mapping) else dict(defaults)


def _reference_entry(raw: Any) -> dict[str, Any]:
    entry = _with({"study": "", **dict.fromkeys(("title", "reason", "likely"))}, raw)
    entry["fields"] = [_with({"field": "?", **_FIELD_DEFAULTS}, f) for f in raw.get("fields") or []]
    matched = raw.get("matched")
    entry["matched"] = _with(_MATCHED_DEFAULTS, matched) if isinstance(matched, Mapping) else None
    entry["searched"] = [_with(_SEARCH_DEFAULTS, s) for s in raw.get("searched") or []]
    return entry


def _references(raw: Any) -> dict[str, Any]:
    """The References section's groups and counts, every key present (a model built
    before the section existed has none)."""
    raw = raw if isinstance(raw, Mapping) else {}
    out: dict[str, Any] = {
        group: [_reference_entry(e) for e in raw.get(group) or [] if isinstance(e, Mapping)]
        for group in REFERENCE_GROUPS
    }
    zero = dict.fromkeys(("total", "checked", *vocab.VERDICTS), 0)
    out["counts"] = _with(zero, raw.get("counts"))
    return out


def normal_claim(raw: Any, position: int) -> dict[str, Any]:
    """A claim with every optional key present; ``position`` (from 1) names a claim
    without an id."""
    claim = _with(_CLAIM_DEFAULTS, raw)
    claim["id"] = str(claim.get("id") or f"claim-{position}")
    claim["mentions"] = [
        {
            **_with(_MENTION_DEFAULTS, m),
            "candidates": [
                _with(_CANDIDATE_DEFAULTS, c)
                for c in (m.get("candidates") or [] if isinstance(m, Mapping) else [])
            ],
        }
        for m in claim["mentions"] or []
    ]
    claim["evidence"] = [_with(_LINK_DEFAULTS, link) for link in claim["evidence"] or []]
    claim["reasons"] = claim["reasons"] or []
    return claim


def normal_study(key: Any, raw: Any) -> dict[str, Any]:
    """A study (the model's ``studies[key]``) with every optional key present."""
    study = _with(_STUDY_DEFAULTS, raw)
    study.setdefault("id", key)
    verification = _with(_VERIFICATION_DEFAULTS, study["verification"])
    verification["mismatches"] = [
        _with(_MISMATCH_DEFAULTS, m) for m in verification["mismatches"] or []
    ]
    study["verification"] = verification
    study["notices"] = [_with(_NOTICE_DEFAULTS, n) for n in study["notices"] or []]
    study["evidence_level"] = study["evidence_level"] or "unknown"
    return study


def normalise_model(model: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the model with every optional key present (None, [] or {}).

    Only the dicts that get defaults are copied; lists and values are shared.
    """
    claims = [
        normal_claim(raw, position)
        for position, raw in enumerate(model.get("claims") or [], start=1)
    ]
    studies = {
        str(key): normal_study(key, raw) for key, raw in (model.get("studies") or {}).items()
    }
    return normalise_parts(model, claims, studies)


def normalise_parts(model: Mapping[str, Any], claims: Any, studies: Any) -> dict[str, Any]:
    """The model with every optional key present, its claims and studies as given
    (already normalised, or views that normalise each one as it is read)."""
    evidence_map = _with({"claims": [], "studies": [], "cells": []}, model.get("evidence_map"))
    return {
        **model,
        "generated_at": model.get("generated_at") or "",
        "tool": _with({"name": "evidence", "version": ""}, model.get("tool")),
        "title": model.get("title") or "Evidence report",
        "documents": [
            _with({"name": "", "format": None, "ingested_at": None, "claims": None}, d)
            for d in model.get("documents") or []
        ],
        "summary": _with(_SUMMARY_DEFAULTS, model.get("summary")),
        "claims": claims,
        "studies": studies,
        "evidence_map": evidence_map,
        "lacking_sources": list(model.get("lacking_sources") or []),
        "attention": [_with({"study": "", "reasons": []}, a) for a in model.get("attention") or []],
        "references": _references(model.get("references")),
    }
