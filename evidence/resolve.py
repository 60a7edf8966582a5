"""Turn mentions into studies: identifiers, citekeys, reference-list entries.

Identifiers and citekeys are looked up in the library first; identifiers the library
lacks are fetched (batched through `add`). A resolved mention gets a ``citation`` link
between its claim and the study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bib.http import HttpClient
from bib.identifiers import Identifier, inspect_identifier
from evidence.documents import document_id, link_citation
from evidence.operations import add_studies
from evidence.store import Store

ID_KINDS = ("doi", "pmid", "pmcid", "arxiv")


@dataclass
class ResolveReport:
    resolved: int = 0
    unresolved: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)


def _study_by_identifier(store: Store, ident: Identifier) -> int | None:
    if ident.kind not in ID_KINDS:
        return None
    row = store.one(f"select id from studies where {ident.kind} = ?", [ident.value])
    return int(row["id"]) if row else None


def resolve_mentions(
    store: Store, client: HttpClient | None, document: str | None = None
) -> ResolveReport:
    """Resolve the unresolved identifier and citekey mentions of one or all documents."""
    report = ResolveReport()
    doc_id = document_id(store, document)
    rows = store.query(
        "select * from mentions where study_id is null"
        + (" and document_id = ?" if doc_id is not None else "")
        + " order by id",
        [doc_id] if doc_id is not None else [],
    )
    citekeys = {r["citekey"]: r["id"] for r in store.query("select id, citekey from studies")}
    pending: dict[Identifier, list[dict[str, Any]]] = {}
    resolved: list[tuple[dict[str, Any], int]] = []
    for m in rows:
        if m["kind"] == "citekey" and m["citekey"]:
            sid = citekeys.get(m["citekey"])
            if sid is not None:
                resolved.append((m, sid))
            else:
                report.unresolved.append(f"{m['claim_id']}: unknown citekey @{m['citekey']}")
        elif m["kind"] in ID_KINDS and m["identifier"]:
            ident, _problem = inspect_identifier(m["identifier"])
            if ident is None:
                report.unresolved.append(f"{m['claim_id']}: bad identifier {m['identifier']}")
                continue
            sid = _study_by_identifier(store, ident)
            if sid is not None:
                resolved.append((m, sid))
            else:
                pending.setdefault(ident, []).append(m)
    if pending and client is not None:
        added = add_studies(store, client, list(pending))
        report.failures.extend(added.failures)
        for ident, mentions in pending.items():
            sid = _study_by_identifier(store, ident)
            if sid is None:
                continue
            resolved.extend((m, sid) for m in mentions)
    elif pending:
        report.unresolved.extend(
            f"{m['claim_id']}: {ident} is not in the library (offline)"
            for ident, ms in pending.items()
            for m in ms
        )
    with store.transaction():
        for m, sid in resolved:
            store.update("mentions", m["id"], {"study_id": sid})
            link_citation(store, m["claim_id"], sid)
            report.by_kind[m["kind"]] = report.by_kind.get(m["kind"], 0) + 1
    report.resolved = len(resolved)
    return report
