"""Verify studies against the services: exists, cited correctly, retracted, what design.

Each study gets one verdict (DESIGN.md): ``verified``, ``mismatch``, ``not_found``,
``retracted`` or ``unverified`` (offline or a service failed; the reason says which),
recorded in ``checks`` with the evidence behind it: the sources asked, the field
mismatches, and the merged answer. Notices come from Crossref ``updated-by`` (publisher
and ``retraction-watch`` sources), OpenAlex ``is_retracted``, PubMed (Retracted
Publication, RetractionIn, errata) and the local copy of the Retraction Watch data;
no single source is complete, so all are combined and each notice keeps its source.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from bib import lookup
from bib.checking.search import SearchOutcome, search_citations
from bib.checking.verdict import Verification, judge, same_work
from bib.http import HttpClient
from bib.identifiers import Identifier
from bib.lookup import LookupResult
from bib.services.retractions import to_notice
from bib.work import STANDARD_IDS, Work, merge_works
from evidence.errors import Interrupted
from evidence.library import (
    fill_study,
    get_study,
    latest_checks,
    notices_by_study,
    row_to_work,
)
from evidence.progress import NO_PROGRESS, Progress
from evidence.store import Store, now

# A verdict younger than this is fresh: `verify` does not ask the services again
# unless --refresh. Unverified verdicts are never fresh.
FRESH = timedelta(days=30)
# Below these similarities a stored field disagrees with what the services say.
TITLE_AGREES = 0.9
TITLE_SAME_PAPER = 0.5


@dataclass
class VerifyReport:
    verdicts: dict[str, str] = field(default_factory=dict)  # citekey -> status
    reasons: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    skipped_fresh: int = 0
    notices: list[str] = field(default_factory=list)
    # citekey -> the verification object (verdict, reason, fields, matched, searched).
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)


def select_studies(
    store: Store, refs: Sequence[str], *, all_studies: bool, refresh: bool
) -> tuple[list[dict[str, Any]], int]:
    """Studies to verify and how many were skipped because their verdict is fresh."""
    stale, fresh = split_fresh(store, refs, all_studies=all_studies, refresh=refresh)
    return stale, len(fresh)


def split_fresh(
    store: Store, refs: Sequence[str], *, all_studies: bool, refresh: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The studies asked for, as those to verify and those whose verdict is fresh
    (none with ``refresh``)."""
    if refs:
        rows = [get_study(store, ref) for ref in refs]
    elif all_studies:
        rows = store.query("select * from studies order by id")
    else:
        rows = []
    if refresh:
        return rows, []
    latest = latest_checks(store, None if all_studies and not refs else [r["id"] for r in rows])
    cutoff = datetime.now(UTC) - FRESH
    stale: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    for row in rows:
        check = latest.get(row["id"])
        is_fresh = (
            check is not None
            and check["status"] != "unverified"
            and datetime.fromisoformat(check["checked_at"]) > cutoff
        )
        (fresh if is_fresh else stale).append(row)
    return stale, fresh


def add_fresh_verdicts(report: VerifyReport, store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Put the stored verdicts of studies not checked again (fresh) into the report, so
    that a problem found last week still fails `verify` today."""
    latest = latest_checks(store, [r["id"] for r in rows])
    for row in rows:
        key = row["citekey"]
        check = latest.get(row["id"])
        if key in report.verdicts or check is None:
            continue
        evidence = check.get("verification") or {}
        report.verdicts[key] = check["status"]
        if check.get("reason"):
            report.reasons[key] = check["reason"]
        report.checks[key] = {
            "citekey": key,
            "verdict": check["status"],
            "reason": check.get("reason"),
            "likely": evidence.get("likely"),
            "fields": evidence.get("fields") or [],
            "matched": evidence.get("matched"),
            "searched": evidence.get("searched") or [],
            "sources": check.get("sources") or [],
            "fresh": True,
        }


def primary_identifier(row: dict[str, Any]) -> Identifier | None:
    for kind in STANDARD_IDS:
        if row.get(kind):
            return Identifier(kind, str(row[kind]))
    return None


def local_retractions(store: Store, rows: Sequence[dict[str, Any]]) -> dict[int, list[dict]]:
    """Retraction Watch rows (from `retractions update`) for each study, by DOI or PMID."""
    dois = {r["doi"]: r["id"] for r in rows if r.get("doi")}
    pmids = {r["pmid"]: r["id"] for r in rows if r.get("pmid")}
    found: dict[int, list[dict]] = {}
    if not dois and not pmids:
        return found
    for chunk_start in range(0, max(len(dois), len(pmids)), 500):
        d = list(dois)[chunk_start : chunk_start + 500]
        p = list(pmids)[chunk_start : chunk_start + 500]
        marks_d = ",".join("?" for _ in d) or "null"
        marks_p = ",".join("?" for _ in p) or "null"
        for hit in store.query(
            f"select * from retractions where original_doi in ({marks_d}) "
            f"or original_pmid in ({marks_p})",
            [*d, *p],
        ):
            sid = dois.get(hit["original_doi"]) or pmids.get(hit["original_pmid"])
            if sid is not None and hit not in found.setdefault(sid, []):
                found[sid].append(hit)
    return found


def cited_work(row: dict[str, Any], notices: Sequence[dict[str, Any]] = ()) -> Work:
    """The study as cited: the fields its bibliography or user gave. Fields filled in by
    an earlier lookup are left out, so that the services are never compared with
    themselves."""
    work = row_to_work(row, notices)
    given = set(row.get("user_fields") or [])
    for name in CITED_FIELDS:
        if name not in given:
            setattr(work, name, [] if name == "authors" else None)
    return work


# The fields of a citation compared with the work found (when a user or file gave them).
CITED_FIELDS = ("title", "authors", "journal", "journal_abbrev", "year", "volume", "pages")


def _needs_search(cited: Work, result: LookupResult | None) -> bool:
    if result is None or not result.works:
        return True
    return not same_work(cited, list(result.works.values()))


@dataclass
class Citation:
    """One citation to check: the study it is stored as, the citation as given (the
    bibliography's entry, or the study's own fields set by a user or file), and the key
    it is reported under."""

    key: str
    row: dict[str, Any]
    cited: Work
    ident: Identifier | None


def verify_studies(
    store: Store,
    client: HttpClient,
    rows: Sequence[dict[str, Any]],
    progress: Progress | None = None,
) -> VerifyReport:
    """Check stored studies (each as its bibliography or user gave it)."""
    return verify_citations(store, client, citations_of_rows(store, rows), progress)


def citations_of_rows(store: Store, rows: Sequence[dict[str, Any]]) -> list[Citation]:
    """Stored studies as citations: the fields a user or file gave, under their citekeys."""
    notice_rows = notices_by_study(store)
    return [
        Citation(
            row["citekey"],
            row,
            cited_work(row, notice_rows.get(row["id"], [])),
            primary_identifier(row),
        )
        for row in rows
    ]


def keep_unknown_identifiers(store: Store, document: str) -> None:
    """Store the identifiers a document cites that no service knew (as `add --no-fetch`
    would), tied to their claims, so that checking the document reports each of them
    (``not_found``) instead of passing over it."""
    from bib.identifiers import inspect_identifier
    from evidence.ingest import link_citation
    from evidence.library import save_work

    rows = store.query(
        "select m.* from mentions m join documents d on d.id = m.document_id "
        "where d.name = ? and m.study_id is null and m.identifier is not null "
        "and m.kind in ('doi', 'pmid', 'pmcid', 'arxiv', 'isbn')",
        [document],
    )
    with store.transaction():
        for m in rows:
            ident, _ = inspect_identifier(m["identifier"])
            if ident is None or ident.kind not in STANDARD_IDS:
                continue
            work = Work(source="user")
            setattr(work, ident.kind, ident.value)
            study_id = save_work(store, work, by_user=True).study_id
            store.update("mentions", m["id"], {"study_id": study_id})
            link_citation(store, m["claim_id"], study_id)


def studies_cited_by(store: Store, document: str) -> set[int]:
    """The studies a document's mentions were resolved to."""
    return {
        r["study_id"]
        for r in store.query(
            "select distinct m.study_id from mentions m join documents d "
            "on d.id = m.document_id where d.name = ? and m.study_id is not null",
            [document],
        )
    }


def rows_by_id(store: Store, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Study rows by id, read in batches."""
    out: dict[int, dict[str, Any]] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        marks = ",".join("?" for _ in part)
        for row in store.query(f"select * from studies where id in ({marks})", part):
            out[row["id"]] = row
    return out


def citations_of(works: Sequence[Work], rows_by_key: dict[str, dict[str, Any]]) -> list[Citation]:
    """The entries of a bibliography as citations, each with the study it was saved as."""
    items = []
    for work in works:
        row = rows_by_key.get(work.citekey or "")
        if row is None:
            continue
        ident = next(
            (Identifier(k, str(getattr(work, k))) for k in STANDARD_IDS if getattr(work, k)),
            None,
        )
        items.append(Citation(work.citekey or row["citekey"], row, work, ident))
    return items


def verify_citations(
    store: Store,
    client: HttpClient,
    items: Sequence[Citation],
    progress: Progress | None = None,
    *,
    unsaved: Sequence[str] = (),
) -> VerifyReport:
    """Check every citation: look its identifier up (batched across services), search by
    title and authors where no identifier leads to the work, judge, and record one check
    on its study.

    Checks are saved chunk by chunk: after a Ctrl-C every citation checked so far keeps
    its verdict, and the Interrupted error says how many. A check never adds a study; it
    fills in the study it checks from an accepted match only. ``unsaved`` names entries of
    a bibliography that held nothing to save: reported unverified.
    """
    progress = progress or NO_PROGRESS
    report = VerifyReport()
    local = local_retractions(store, [item.row for item in items])
    done = 0
    try:
        with progress.task("Checking references", len(items)) as advance:
            for start in range(0, len(items), lookup.LOOKUP_CHUNK):
                chunk = items[start : start + lookup.LOOKUP_CHUNK]
                for item, result, search in _look_up(client, chunk):
                    _record_check(store, item, result, search, local, report)
                    done += 1
                    advance()
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; {done} of {len(items)} studies were checked and their verdicts "
            "saved (run the command again for the rest)"
        ) from None
    report.verdicts = {i.key: report.verdicts[i.key] for i in items if i.key in report.verdicts}
    for key in unsaved:
        reason = "the entry holds nothing to check (no title and no identifier)"
        report.verdicts[key] = "unverified"
        report.reasons[key] = reason
        report.checks[key] = {
            "citekey": key,
            **Verification("unverified", reason).to_dict(),
        }
        report.failures.append(f"{key}: unverified ({reason})")
    if items and not client.has_key("openalex") and not client.config.offline:
        report.notices.append(
            "Notice: OpenAlex skipped (set EVIDENCE_OPENALEX_KEY to use it; a free key works)."
        )
    return report


Looked = tuple[Citation, LookupResult | None, SearchOutcome | None]


def _look_up(client: HttpClient, items: Sequence[Citation]) -> list[Looked]:
    """Identifier lookups for the chunk, then title searches for the citations no
    identifier led to."""
    also_known: dict[Identifier, dict[str, Any]] = {}
    for item in items:
        if item.ident is not None and item.ident.value == str(item.row.get(item.ident.kind)):
            also_known[item.ident] = _ids_of(item.row)
    idents = list(dict.fromkeys(i.ident for i in items if i.ident is not None))
    results = lookup.fetch_works(client, idents, also_known=also_known) if idents else {}
    lookups = [results.get(i.ident) if i.ident is not None else None for i in items]
    wanted = [n for n, item in enumerate(items) if _needs_search(item.cited, lookups[n])]
    found = search_citations(client, [_searchable(items[n]) for n in wanted])
    searches: dict[int, SearchOutcome] = dict(zip(wanted, found, strict=True))
    return [(item, lookups[n], searches.get(n)) for n, item in enumerate(items)]


def _searchable(item: Citation) -> Work:
    """What a title search uses: the cited fields, or the stored ones when the study was
    added by identifier alone (its title came from a service)."""
    if item.cited.title:
        return item.cited
    return row_to_work(item.row)


def _record_check(
    store: Store,
    item: Citation,
    result: LookupResult | None,
    search: SearchOutcome | None,
    local: dict[int, list[dict[str, Any]]],
    report: VerifyReport,
) -> None:
    """Judge one citation and save the verdict on its study (one transaction: the check
    and what an accepted match fills in are saved together)."""
    row, cited = item.row, item.cited
    check = judge(cited, result, search)
    rw_notices = [to_notice(r) for r in local.get(row["id"], [])]
    accepted: list[Work] = []
    if check.matched is not None:
        # Only records of the work judged: an identifier of another work brings nothing.
        if result is not None and result.works and same_work(cited, list(result.works.values())):
            accepted.extend(result.works.values())
        if search is not None:
            accepted.extend(search.found.values())
    theirs = merge_works(accepted) if accepted else None
    notices = [*cited.notices, *(theirs.notices if theirs else []), *rw_notices]
    retracted = any(n.kind == "retraction" for n in notices) or bool(theirs and theirs.retracted)
    status = "retracted" if retracted else check.verdict
    reason = check.reason
    with store.transaction():
        if theirs is not None:
            theirs.notices = [*theirs.notices, *rw_notices]
            fill_study(store, row, theirs)
        elif rw_notices:
            fill_study(store, row, Work(notices=rw_notices, source="crossref"))
        store.insert(
            "checks",
            {
                "study_id": row["id"],
                "checked_at": now(),
                "status": status,
                "sources": check.sources + (["retraction-watch (local)"] if rw_notices else []),
                "mismatches": [
                    {
                        "field": f.field,
                        "ours": f.cited,
                        "theirs": f.found,
                        "source": check.matched.source if check.matched else "",
                    }
                    for f in check.fields
                ],
                "reason": reason,
                "response": theirs.to_dict() if theirs else None,
                "verification": check.to_dict(),
            },
        )
    report.verdicts[item.key] = status
    report.checks[item.key] = {"citekey": item.key, **check.to_dict(), "verdict": status}
    if reason:
        report.reasons[item.key] = reason
    if status == "unverified":
        report.failures.append(f"{item.key}: unverified ({reason})")


def _ids_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in STANDARD_IDS if row.get(k)}


@contextmanager
def fetch_retraction_data(client: HttpClient, url: str | None = None) -> Iterator[BinaryIO]:
    """The Retraction Watch data as a temporary file (gone when the block ends), streamed
    to disk from ``url`` when given, else from the "retractions" service
    (EVIDENCE_RETRACTIONS_URL, or Crossref's copy): the file grows every month and is
    never held in memory."""
    with tempfile.TemporaryFile(prefix="evidence-retractions-") as data:
        if not url:
            client.download("retractions", "", data)
        else:
            # The service's base URL is the file itself: a client of the same settings
            # (mailto, offline, limits) aimed at ``url``, leaving the caller's client as
            # it was.
            config = replace(
                client.config, base_urls={**client.config.base_urls, "retractions": url}
            )
            with HttpClient(config) as aimed:
                aimed.download("retractions", "", data)
        data.seek(0)
        yield data


def load_retractions(store: Store, rows: Any) -> int:
    """Replace the local Retraction Watch table with ``rows`` in one transaction."""
    count = 0
    with store.transaction():
        store.delete_where("retractions", "1 = 1", [])
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                store.insert_all("retractions", batch)
                count += len(batch)
                batch = []
        if batch:
            store.insert_all("retractions", batch)
            count += len(batch)
    return count
