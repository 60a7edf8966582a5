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

import json
import tempfile
from array import array
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, BinaryIO, Protocol

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


class Verdicts(Protocol):
    """Where verification puts each citation's verdict as it is made: ``add`` gets the
    verification object (DESIGN.md: citekey, verdict, reason, fields, matched,
    searched, ...) under the key the citation is reported under."""

    notices: list[str]
    skipped_fresh: int

    def add(self, key: str, check: dict[str, Any]) -> None: ...


@dataclass
class VerifyReport:
    """Every verdict in memory: for a bibliography or a library small enough to hold."""

    verdicts: dict[str, str] = field(default_factory=dict)  # citekey -> status
    reasons: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    skipped_fresh: int = 0
    notices: list[str] = field(default_factory=list)
    # citekey -> the verification object (verdict, reason, fields, matched, searched).
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, key: str, check: dict[str, Any]) -> None:
        status, reason = check["verdict"], check.get("reason")
        self.verdicts[key] = status
        self.checks[key] = check
        if reason:
            self.reasons[key] = reason
        if status == "unverified":
            self.failures.append(f"{key}: unverified ({reason})")


@dataclass
class Selection:
    """The stored studies asked for, by id in the order asked: those to check and
    those whose verdict is fresh (none with ``refresh``). Ids only, eight bytes a
    study: the rows are read a chunk at a time as they are checked."""

    stale: array[int] = field(default_factory=lambda: array("q"))
    fresh: array[int] = field(default_factory=lambda: array("q"))


# Each study's most recent check (studies.latest_check).
_LATEST = (
    "select s.id, c.status, c.checked_at from studies s left join checks c on c.id = s.latest_check"
)


def select(
    store: Store,
    refs: Sequence[str],
    *,
    all_studies: bool,
    refresh: bool,
    first: Sequence[int] = (),
) -> Selection:
    """The studies ``refs`` name, or with ``all_studies`` every study, split by the
    freshness of their latest verdict; each once. The studies ``first`` names are checked
    whatever their verdict, before the others."""
    chosen = Selection(stale=array("q", dict.fromkeys(first)))
    if first:
        done = set(chosen.stale)
        found = select(store, refs, all_studies=all_studies, refresh=refresh)
        chosen.stale.extend(i for i in found.stale if i not in done)
        chosen.fresh.extend(i for i in found.fresh if i not in done)
        return chosen
    if refs:
        ids = list(dict.fromkeys(get_study(store, ref)["id"] for ref in refs))
        if refresh:
            chosen.stale.extend(ids)
            return chosen
        latest = latest_checks(store, ids)
        rows: Iterable[tuple[int, str | None, str | None]] = [
            (i, latest[i]["status"], latest[i]["checked_at"]) if i in latest else (i, None, None)
            for i in ids
        ]
    elif all_studies:
        if refresh:
            chosen.stale.extend(i for (i,) in store.execute("select id from studies order by id"))
            return chosen
        rows = store.execute(f"{_LATEST} order by s.id")
    else:
        return chosen
    cutoff = datetime.now(UTC) - FRESH
    for study_id, status, checked_at in rows:
        is_fresh = status not in (None, "unverified") and _after(checked_at, cutoff)
        (chosen.fresh if is_fresh else chosen.stale).append(study_id)
    return chosen


def _after(stamp: str | None, cutoff: datetime) -> bool:
    """Whether a check's time is after ``cutoff`` (a time without a zone is UTC's; one
    that is not a time is not after anything)."""
    try:
        when = datetime.fromisoformat(stamp or "")
    except ValueError:
        return False
    return (when if when.tzinfo else when.replace(tzinfo=UTC)) > cutoff


def _fresh_verdicts(store: Store, ids: Sequence[int]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The stored verdicts of studies not checked again (fresh), a chunk at a time, so
    that a problem found last week still fails `verify` today."""
    for start in range(0, len(ids), FRESH_CHUNK):
        part = list(ids[start : start + FRESH_CHUNK])
        latest = latest_checks(store, part)
        keys = dict(
            store.execute(
                "select id, citekey from studies where id in (select value from json_each(?))",
                [json.dumps(part)],
            ).fetchall()
        )
        for study_id in part:
            check = latest.get(study_id)
            key = keys.get(study_id)
            if check is None or key is None:
                continue
            evidence = check.get("verification") or {}
            yield (
                key,
                {
                    "citekey": key,
                    "verdict": check["status"],
                    "reason": check.get("reason"),
                    "likely": evidence.get("likely"),
                    "fields": evidence.get("fields") or [],
                    "matched": evidence.get("matched"),
                    "searched": evidence.get("searched") or [],
                    "sources": check.get("sources") or [],
                    "fresh": True,
                },
            )


# Fresh verdicts read a query at a time.
FRESH_CHUNK = 500


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
    store: Store, client: HttpClient, ids: Sequence[int], progress: Progress | None = None
) -> VerifyReport:
    """Check stored studies (each as its bibliography or user gave it), every verdict
    kept in memory."""
    report = VerifyReport()
    verify_citations(store, client, [], progress, stored=ids, report=report)
    return report


def stored_citations(store: Store, ids: Sequence[int]) -> Iterator[list[Citation]]:
    """Stored studies as citations (the fields a user or file gave, under their
    citekeys), read a lookup chunk at a time."""
    for start in range(0, len(ids), lookup.LOOKUP_CHUNK):
        part = ids[start : start + lookup.LOOKUP_CHUNK]
        rows = rows_by_id(store, set(part))
        notices = notices_by_study(store, list(rows))
        yield [
            Citation(
                row["citekey"], row, cited_work(row, notices.get(i, [])), primary_identifier(row)
            )
            for i in part
            if (row := rows.get(i)) is not None
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


def ids_by_citekey(store: Store, ids: Collection[int]) -> list[int]:
    """The studies of ``ids`` that exist, in citekey order (their rows are read later,
    a chunk at a time, as they are checked)."""
    return [
        i
        for (i,) in store.execute(
            "select id from studies where id in (select value from json_each(?)) order by citekey",
            [json.dumps(sorted(ids))],
        )
    ]


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
    client: HttpClient | None,
    items: Sequence[Citation],
    progress: Progress | None = None,
    *,
    stored: Sequence[int] = (),
    fresh: Sequence[int] = (),
    unsaved: Sequence[str] = (),
    report: Verdicts | None = None,
) -> Verdicts:
    """Check every citation: ``items`` (entries of a bibliography, each with its study),
    then the stored studies ``stored`` (by id, read a chunk at a time). Each is looked
    up by identifier (batched across services), searched by title and authors where no
    identifier leads to the work, judged, and given one check on its study. Then the
    verdicts of ``unsaved`` (entries of a bibliography that held nothing to save:
    unverified) and of the ``fresh`` studies (their latest stored verdict) are reported.

    Checks are saved chunk by chunk: after a Ctrl-C every citation checked so far keeps
    its verdict, and the Interrupted error says how many. A check never adds a study; it
    fills in the study it checks from an accepted match only. A key is reported once:
    an entry of ``items`` comes before a stored study of the same key.
    """
    progress = progress or NO_PROGRESS
    report = report if report is not None else VerifyReport()
    # One citation a key (the last given), in the order the keys first came.
    given = list({item.key: item for item in items}.values())
    keys = {item.key for item in given}
    total = len(given) + len(stored)

    def look_up(chunk: Sequence[Citation]) -> list[Looked]:
        if client is None:
            raise ValueError("checking citations needs an HTTP client")
        return _look_up(client, chunk)

    chunks = chain(
        (given[n : n + lookup.LOOKUP_CHUNK] for n in range(0, len(given), lookup.LOOKUP_CHUNK)),
        stored_citations(store, stored),
    )
    done = 0
    try:
        with progress.task("Checking references", total) as advance:
            for chunk in chunks:
                local = local_retractions(store, [item.row for item in chunk])
                for item, result, search in look_up(chunk):
                    check = _record_check(store, item, result, search, local)
                    is_given = done < len(given)
                    if is_given or item.key not in keys:
                        report.add(item.key, check)
                    done += 1
                    advance()
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; {done} of {total} studies were checked and their verdicts "
            "saved (run the command again for the rest)"
        ) from None
    for key in unsaved:
        reason = "the entry holds nothing to check (no title and no identifier)"
        report.add(key, {"citekey": key, **Verification("unverified", reason).to_dict()})
    report.skipped_fresh = len(fresh)
    for key, check in _fresh_verdicts(store, fresh):
        if key not in keys:
            report.add(key, check)
    if total and client is not None and not client.has_key("openalex"):
        if not client.config.offline:
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
) -> dict[str, Any]:
    """Judge one citation and save the verdict on its study (one transaction: the check
    and what an accepted match fills in are saved together); the verification object."""
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
    return {"citekey": item.key, **check.to_dict(), "verdict": status}


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
