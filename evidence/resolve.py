"""Turn mentions into studies: identifiers, citekeys, reference-list entries.

Identifiers and citekeys are looked up in the library first; identifiers the library
lacks are fetched (batched through `add`). Narrative attributions are scored against
the library's studies of the named journal first, then searched in the services. A
resolved mention gets a ``citation`` link between its claim and the study.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bib.citekey_lookup import case_twins_message
from bib.errors import BibError, OfflineMiss
from bib.http import HttpClient
from bib.identifiers import Identifier, find_identifiers, inspect_identifier
from bib.journals import journal_agrees
from bib.lookup import search_crossref_bibliographic
from bib.matching.attribution import (
    AttributionResult,
    resolve_attribution,
    score_attribution,
)
from bib.matching.duplicates import candidate_keys
from bib.matching.references import choose
from bib.work import STANDARD_IDS, Work
from evidence.claims import document_id
from evidence.ingest import LibraryCitekeys, link_citation
from evidence.library import row_to_work, save_work
from evidence.library_io import add_studies
from evidence.store import Store
from evidence.vocab import MENTION_KINDS

# Mention kinds that are identifiers of a work
ID_KINDS = tuple(kind for kind in MENTION_KINDS if kind in STANDARD_IDS)
REFERENCE_KINDS = ("numbered", "author-year")
# The label of a reference-list entry: "1.", "[1]", "12)".
LABEL = re.compile(r"^\s*(?:\[\d+\]|\d+[.)])\s*")


@dataclass
class ResolveReport:
    resolved: int = 0
    unresolved: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The `resolve --json` object."""
        return {
            "resolved": self.resolved,
            "unresolved": list(self.unresolved),
            "failures": list(self.failures),
            "by_kind": dict(self.by_kind),
        }


def _study_by_identifier(store: Store, ident: Identifier) -> int | None:
    if ident.kind not in ID_KINDS:
        return None
    row = store.one(f"select id from studies where {ident.kind} = ?", [ident.value])
    return int(row["id"]) if row else None


def resolve_mentions(
    store: Store,
    client: HttpClient | None,
    document: str | None = None,
    *,
    accept: bool = False,
) -> ResolveReport:
    """Resolve the unresolved mentions of one or all documents.

    Identifiers, citekeys and reference-list entries become studies when they match.
    Narrative attributions get scored candidates: the library's studies of the named
    journal, then (with a client, when none of them is clearly right) works searched
    within that journal. With ``accept`` the top one is taken when it clears the
    threshold and clearly beats the runner-up (never one from another journal).
    """
    report = ResolveReport()
    doc_id = document_id(store, document)
    rows = store.query(
        "select * from mentions where study_id is null"
        + (" and document_id = ?" if doc_id is not None else "")
        + " order by id",
        [doc_id] if doc_id is not None else [],
    )
    # Only the keys the mentions cite are looked up (case-insensitive index), not every
    # key of the library read.
    citekeys = LibraryCitekeys(store)
    pending: dict[Identifier, list[dict[str, Any]]] = {}
    resolved: list[tuple[dict[str, Any], int]] = []
    by_reference: dict[str, list[dict[str, Any]]] = {}
    attributions = [m for m in rows if m["kind"] == "journal" and m["journal"]]
    for m in rows:
        if m["kind"] in REFERENCE_KINDS and m["reference"]:
            by_reference.setdefault(m["reference"], []).append(m)
            continue
        if m["kind"] == "citekey" and m["citekey"]:
            sid = citekeys.find(m["citekey"])
            if sid is not None:
                resolved.append((m, sid))
            elif twins := citekeys.matches(m["citekey"]):
                report.unresolved.append(
                    f"{m['claim_id']}: {case_twins_message(m['citekey'], twins)}"
                )
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
    if by_reference and client is None:
        report.unresolved.extend(
            f"{ms[0]['claim_id']}: reference not matched (offline): {ref[:60]}"
            for ref, ms in by_reference.items()
        )
    elif by_reference and client is not None:
        _match_references(store, client, by_reference, pending, report)
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
    if attributions:
        resolved.extend(_resolve_attributions(store, client, attributions, accept, report))
    with store.transaction():
        for m, sid in resolved:
            store.update("mentions", m["id"], {"study_id": sid})
            link_citation(store, m["claim_id"], sid)
            report.by_kind[m["kind"]] = report.by_kind.get(m["kind"], 0) + 1
    report.resolved = len(resolved)
    return report


def _match_references(
    store: Store,
    client: HttpClient,
    by_reference: dict[str, list[dict[str, Any]]],
    pending: dict[Identifier, list[dict[str, Any]]],
    report: ResolveReport,
) -> None:
    """Match each reference-list entry to a DOI (query.bibliographic + validation); the
    ones that clear the threshold join ``pending``; the others keep their candidates."""
    for reference, mentions in by_reference.items():
        found = find_identifiers(reference)
        if found:
            pending.setdefault(found[0][0], []).extend(mentions)
            continue
        query = LABEL.sub("", reference).strip()
        try:
            candidates = search_crossref_bibliographic(client, query, rows=5)
        except OfflineMiss:
            report.failures.append(f"reference {query[:60]!r}: offline and not in the HTTP cache")
            continue
        except BibError as exc:
            report.failures.append(f"reference {query[:60]!r}: {exc}")
            continue
        result = choose(query, candidates)
        if result.best is not None and result.best.doi:
            pending.setdefault(Identifier("doi", result.best.doi), []).extend(mentions)
            continue
        report.unresolved.append(
            f"{mentions[0]['claim_id']}: no confident match for reference {reference[:60]!r}"
        )
        ranked = sorted((s for s in result.scores if s.work is not None), key=lambda s: -s.score)
        for m in mentions:
            save_candidates(
                store, m["id"], [(s.work, s.score, s.reasons) for s in ranked if s.work]
            )


# Candidates kept for a mention: the best ones. An attribution to a journal the library
# holds thousands of studies of scores each one that shares a key term; a report or a
# listing of them all would bury the few worth reading.
CANDIDATES_KEPT = 10


def save_candidates(
    store: Store,
    mention_id: int,
    scored: list[tuple[Work, float, list[str]]],
    study_ids: Mapping[int, int] | None = None,
) -> None:
    """Replace the stored candidates of a mention with the best CANDIDATES_KEPT of
    ``scored`` (best first). ``study_ids`` maps ``id(work)`` of a library study's work
    to its study id."""
    known = study_ids or {}
    scored = scored[:CANDIDATES_KEPT]
    with store.transaction():
        store.delete_where("candidates", "mention_id = ?", [mention_id])
        store.insert_all(
            "candidates",
            [
                {
                    "mention_id": mention_id,
                    "study_id": known.get(id(work)),
                    "doi": work.doi,
                    "title": work.title,
                    "journal": work.journal,
                    "year": work.year,
                    "work": work.to_dict(),
                    "score": round(score, 3),
                    "reasons": reasons,
                    "rank": rank,
                    "accepted": 0,
                }
                for rank, (work, score, reasons) in enumerate(scored, 1)
            ],
        )


def journal_studies(store: Store, journal: str) -> Iterator[tuple[int, Work]]:
    """The library's studies that appeared in the named journal, as (study id, work),
    one at a time: the studies of each agreeing name in turn, by id (journal names
    compared by :func:`bib.journals.journal_agrees`, once per name)."""
    names = store.query(
        "select distinct journal, journal_abbrev from studies "
        "where journal is not null or journal_abbrev is not null"
    )
    agreeing = [
        n
        for n in names
        if journal_agrees(journal, Work(journal=n["journal"], journal_abbrev=n["journal_abbrev"]))
    ]
    for name in agreeing:
        for row in store.stream(
            "select * from studies where journal is ? and journal_abbrev is ? "
            "and duplicate_of is null order by id",
            [name["journal"], name["journal_abbrev"]],
        ):
            yield int(row["id"]), row_to_work(row)


# Studies of the named journal an attribution is ranked among: the best-scoring ones.
# Scoring every study of the journal is what an attribution costs; holding them all is
# not (a journal can hold a fifth of a million-study library).
KNOWN_KEPT = 200


@dataclass
class _Library:
    """What the library holds for one attribution."""

    best: dict[int, Work]  # the KNOWN_KEPT best-scoring studies of the journal, by id
    # (kind, value) of every study of the journal -> (its place, its id), first one kept
    keys: dict[tuple[str, str], tuple[int, int]]
    related: int  # studies of the journal that share something with the finding


def _score_journal(
    store: Store, journal: str, finding: str, year: int | None, institution: str | None
) -> _Library:
    """Score each study of the journal once against the finding, keeping the
    max(KNOWN_KEPT, CANDIDATES_KEPT) best (ties to the earlier) and the identifiers of
    all."""
    keep = max(KNOWN_KEPT, CANDIDATES_KEPT)
    # A min-heap of (score, -place, id, work): its top is the worst kept.
    heap: list[tuple[float, int, int, Work]] = []
    keys: dict[tuple[str, str], tuple[int, int]] = {}
    related = 0
    for place, (sid, work) in enumerate(journal_studies(store, journal)):
        for key in candidate_keys(work):
            keys.setdefault(key, (place, sid))
        score = score_attribution(journal, finding, year, institution, work).score
        if score <= 0:
            continue
        related += 1
        item = (score, -place, sid, work)
        if len(heap) < keep:
            heapq.heappush(heap, item)
        else:
            heapq.heappushpop(heap, item)
    best = {sid: work for _, _, sid, work in sorted(heap, key=lambda t: -t[1])}
    return _Library(best, keys, related)


def _candidates(n: int) -> str:
    if n <= CANDIDATES_KEPT:
        return f"{n} candidate{'s' if n != 1 else ''}"
    return f"{n:,} candidates, the best {CANDIDATES_KEPT} kept"


def _resolve_attributions(
    store: Store,
    client: HttpClient | None,
    mentions: list[dict[str, Any]],
    accept: bool,
    report: ResolveReport,
) -> list[tuple[dict[str, Any], int]]:
    """Score the library's studies of each attribution's journal, then (when none is
    accepted and there is a client) search the journal; store the candidates; accept the
    top one only when asked and when it is clearly right."""
    accepted: list[tuple[dict[str, Any], int]] = []
    last: dict[str, tuple[AttributionResult, dict[int, int], int]] = {}
    for m in mentions:
        data = m.get("data") or {}
        journal = m["journal"]
        # "The study also found…" continues the previous attribution: same study.
        if data.get("inherited") and journal in last:
            result, study_ids, unranked = last[journal]
        else:
            finding = data.get("finding")
            if not finding:
                claim = store.one("select text from claims where id = ?", [m["claim_id"]])
                finding = claim["text"] if claim else m["text"]
            library = _score_journal(store, journal, finding, m["year"], m["institution"])
            study_ids = {id(work): sid for sid, work in library.best.items()}
            try:
                result = resolve_attribution(
                    client,
                    journal,
                    finding,
                    year=m["year"],
                    institution=m["institution"],
                    known=list(library.best.values()),
                )
            except BibError as exc:
                report.failures.append(f"{m['claim_id']}: attribution to {journal}: {exc}")
                continue
            # A service's record of a library study is that study (the first such study).
            for work, _score, _reasons in result.candidates:
                if id(work) not in study_ids:
                    places = [library.keys[k] for k in candidate_keys(work) if k in library.keys]
                    if places:
                        study_ids[id(work)] = min(places)[1]
            # Studies of the journal that scored but were not ranked count as candidates.
            unranked = library.related - len(library.best)
            last[journal] = (result, study_ids, unranked)
        save_candidates(store, m["id"], list(result.candidates), study_ids)
        if accept and result.accepted and result.best is not None:
            sid = study_ids.get(id(result.best))
            if sid is None:
                sid = save_work(store, result.best).study_id
            with store.transaction():
                store.execute(
                    "update candidates set accepted = 1, study_id = ? where mention_id = ? "
                    "and rank = 1",
                    [sid, m["id"]],
                )
            accepted.append((m, sid))
        else:
            report.unresolved.append(
                f"{m['claim_id']}: attributed to {journal}: {result.reason}"
                + (
                    f" ({_candidates(len(result.candidates) + unranked)})"
                    if result.candidates
                    else ""
                )
            )
    return accepted
