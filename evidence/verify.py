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

from bib.errors import OfflineMiss
from bib.http import HttpClient
from bib.identifiers import Identifier
from bib.journals import journal_agrees
from bib.lookup import LookupResult, fetch_works_in_chunks
from bib.services.retractions import to_notice
from bib.text import family_key, title_similarity
from bib.work import STANDARD_IDS, Work
from evidence.errors import Interrupted
from evidence.library import get_study, latest_checks, row_to_work, save_work
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


def select_studies(
    store: Store, refs: Sequence[str], *, all_studies: bool, refresh: bool
) -> tuple[list[dict[str, Any]], int]:
    """Studies to verify and how many were skipped because their verdict is fresh."""
    if refs:
        rows = [get_study(store, ref) for ref in refs]
    elif all_studies:
        rows = store.query("select * from studies order by id")
    else:
        rows = []
    if refresh:
        return rows, 0
    latest = latest_checks(store)
    cutoff = datetime.now(UTC) - FRESH
    stale = []
    for row in rows:
        check = latest.get(row["id"])
        if (
            check
            and check["status"] != "unverified"
            and datetime.fromisoformat(check["checked_at"]) > cutoff
        ):
            continue
        stale.append(row)
    return stale, len(rows) - len(stale)


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


def compare(ours: Work, theirs: Work, source: str, fields: set[str]) -> list[dict[str, Any]]:
    """Fields where the stored record (as given by a user or a bibliography) disagrees
    with what the services say. Only fields present on both sides are compared."""
    out: list[dict[str, Any]] = []

    def add(name: str, a: Any, b: Any) -> None:
        out.append({"field": name, "ours": a, "theirs": b, "source": source})

    if "title" in fields and ours.title and theirs.title:
        similarity = title_similarity(ours.title, theirs.title)
        if similarity < TITLE_SAME_PAPER and ours.doi:
            add("doi", ours.doi, f"resolves to a different paper: {theirs.title}")
        elif similarity < TITLE_AGREES:
            add("title", ours.title, theirs.title)
    if "year" in fields and ours.year and theirs.year and int(ours.year) != int(theirs.year):
        add("year", ours.year, theirs.year)
    if "journal" in fields and ours.journal and (theirs.journal or theirs.journal_abbrev):
        if not journal_agrees(ours.journal, theirs):
            add("journal", ours.journal, theirs.journal or theirs.journal_abbrev)
    if "authors" in fields and ours.authors and theirs.authors:
        a, b = family_key(ours.authors[0].family), family_key(theirs.authors[0].family)
        if a and b and a != b:
            add("first_author", ours.authors[0].family, theirs.authors[0].family)
    if "volume" in fields and ours.volume and theirs.volume and ours.volume != theirs.volume:
        add("volume", ours.volume, theirs.volume)
    if "pages" in fields and ours.pages and theirs.pages:
        first_ours = ours.pages.replace("–", "-").split("-")[0].strip()
        first_theirs = theirs.pages.replace("–", "-").split("-")[0].strip()
        if first_ours and first_theirs and first_ours != first_theirs:
            add("pages", ours.pages, theirs.pages)
    return out


def verdict_for(
    result: LookupResult | None,
    offline_reason: str | None,
    mismatches: list[dict[str, Any]],
    retracted: bool,
) -> tuple[str, str | None]:
    if retracted:
        return "retracted", None
    if result is None:
        return "unverified", offline_reason or "no identifier to look up"
    if result.work is None:
        if result.errors:
            if all(isinstance(e, OfflineMiss) for e in result.errors.values()):
                return "unverified", "offline: not in the HTTP cache"
            reasons = "; ".join(
                f"{s}: {'offline' if isinstance(e, OfflineMiss) else e.reason}"
                for s, e in result.errors.items()
            )
            return "unverified", reasons
        if result.not_found:
            return "not_found", "not found in " + ", ".join(
                f"{s} ({w})" for s, w in result.not_found.items()
            )
        return "unverified", result.reason()
    if mismatches:
        return "mismatch", ", ".join(sorted({m["field"] for m in mismatches}))
    return "verified", None


def verify_studies(
    store: Store,
    client: HttpClient,
    rows: Sequence[dict[str, Any]],
    progress: Progress | None = None,
) -> VerifyReport:
    """Look every study up (batched across services), then record one check each.

    Checks are saved chunk by chunk as the lookups finish: after a Ctrl-C every study
    checked so far keeps its verdict, and the Interrupted error says how many.
    """
    progress = progress or NO_PROGRESS
    report = VerifyReport()
    idents: dict[int, Identifier] = {}
    for row in rows:
        ident = primary_identifier(row)
        if ident is not None:
            idents[row["id"]] = ident
    local = local_retractions(store, rows)
    notice_rows: dict[int, list[dict[str, Any]]] = {}
    for n in store.query("select * from notices"):
        notice_rows.setdefault(n["study_id"], []).append(n)
    by_ident: dict[Identifier, list[dict[str, Any]]] = {}
    for row in rows:
        ident = idents.get(row["id"])
        if ident is not None:
            by_ident.setdefault(ident, []).append(row)
    also_known = {idents[row["id"]]: _ids_of(row) for row in rows if row["id"] in idents}
    done = 0
    looked_up = False
    try:
        with progress.task("Checking studies", len(rows)) as advance:
            # Studies with nothing to look up get their verdict first.
            for row in rows:
                if row["id"] not in idents:
                    _record_check(store, row, None, local, notice_rows, report)
                    done += 1
                    advance()
            for results in fetch_works_in_chunks(client, list(by_ident), also_known=also_known):
                looked_up = True
                for ident, result in results.items():
                    for row in by_ident[ident]:
                        _record_check(store, row, result, local, notice_rows, report)
                        done += 1
                        advance()
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; {done} of {len(rows)} studies were checked and their verdicts "
            "saved (run the command again for the rest)"
        ) from None
    # In the order asked for, whatever order the lookups finished in.
    report.verdicts = {
        r["citekey"]: report.verdicts[r["citekey"]] for r in rows if r["citekey"] in report.verdicts
    }
    if looked_up and not client.has_key("openalex") and not client.config.offline:
        report.notices.append(
            "Notice: OpenAlex skipped (set EVIDENCE_OPENALEX_KEY to use it; a free key works)."
        )
    return report


def _record_check(
    store: Store,
    row: dict[str, Any],
    result: LookupResult | None,
    local: dict[int, list[dict[str, Any]]],
    notice_rows: dict[int, list[dict[str, Any]]],
    report: VerifyReport,
) -> None:
    """Compare one study with what the services said and save the verdict (one
    transaction: the check and the metadata it brought are saved together)."""
    stored = row_to_work(row, notice_rows.get(row["id"], []))
    theirs = result.work if result is not None else None
    mismatches: list[dict[str, Any]] = []
    if theirs is not None:
        by_hand = set(row.get("user_fields") or [])
        for source, work in (result.works if result else {}).items():
            mismatches.extend(compare(stored, work, source, by_hand))
    rw_notices = [to_notice(r) for r in local.get(row["id"], [])]
    notices = [*stored.notices, *(theirs.notices if theirs else []), *rw_notices]
    retracted = any(n.kind == "retraction" for n in notices) or bool(
        theirs is not None and theirs.retracted
    )
    status, reason = verdict_for(result, None, mismatches, retracted)
    with store.transaction():
        if theirs is not None:
            theirs.notices = [*theirs.notices, *rw_notices]
            # The merged answer fills in what the study lacks; save_work never
            # overwrites fields set by hand (imports, user edits).
            save_work(store, _same_ids(theirs, row))
        elif rw_notices:
            save_work(store, Work(**_ids_of(row), notices=rw_notices, source="crossref"))
        store.insert(
            "checks",
            {
                "study_id": row["id"],
                "checked_at": now(),
                "status": status,
                "sources": (result.sources if result else [])
                + (["retraction-watch (local)"] if rw_notices else []),
                "mismatches": mismatches,
                "reason": reason,
                "response": theirs.to_dict() if theirs else None,
            },
        )
    report.verdicts[row["citekey"]] = status
    if reason:
        report.reasons[row["citekey"]] = reason
    if status == "unverified":
        report.failures.append(f"{row['citekey']}: unverified ({reason})")


def _ids_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in STANDARD_IDS if row.get(k)}


def _same_ids(work: Work, row: dict[str, Any]) -> Work:
    """Make sure the fetched work is saved onto this study (by its own identifier)."""
    for key, value in _ids_of(row).items():
        if not getattr(work, key):
            setattr(work, key, value)
    return work


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
