"""Look up many identifiers across the services, batched, concurrent, item by item.

``fetch_works`` is what ``add`` and ``verify`` call. Each service is asked in as few
requests as its batch limits allow (SERVICES.md): Crossref ``filter=doi:…`` (50 a call),
PubMed one ORed ``[aid]`` esearch per 200 DOIs then efetch of 200 PMIDs a call,
OpenAlex ``filter=doi:a|b`` (100 a call, only with an API key), Semantic Scholar
``POST /paper/batch`` (500 a call) for arXiv ids, PMCIDs and works no other service
knows, Open Library for ISBNs, arXiv itself (``id_list``, 100 a call) for arXiv ids so
that a preprint is confirmed by its own server. The services run concurrently; the
HttpClient bounds each service's rate and concurrency. Identifiers learned in one round
(the DOI of a PMID, the PMID of a DOI) feed a further round. A failed batch marks its
own items failed and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from bib.errors import NotFound, OfflineMiss, ServiceError
from bib.http import HttpClient, run_parallel
from bib.identifier_handlers import ARXIV_NEW, ARXIV_OLD
from bib.identifiers import Identifier, arxiv_unversioned
from bib.services import arxiv, crossref, openalex, openlibrary, pubmed, semanticscholar
from bib.work import STANDARD_IDS, Work, merge_works

SERVICES = ("crossref", "pubmed", "openalex", "s2", "openlibrary", "arxiv")
# Rounds of lookups: the input identifiers, then identifiers learned from the answers,
# then (rarely) identifiers learned from those.
MAX_ROUNDS = 3
# Threads across all services; the HttpClient keeps each service within its own limit.
MAX_WORKERS = 8

# Identifiers looked up together by fetch_works_in_chunks: a multiple of every service's
# batch size (50, 100, 200, 500), so chunking costs no extra request for full chunks.
LOOKUP_CHUNK = 1000

OPENALEX_NO_KEY = "skipped: no API key (set EVIDENCE_OPENALEX_KEY; a free key works)"

# DataCite DOIs of arXiv preprints: 10.48550/arXiv.2312.07559 is arXiv 2312.07559.
ARXIV_DOI_PREFIX = "10.48550/arxiv."
_ARXIV_ID = re.compile(f"(?:{ARXIV_NEW}|{ARXIV_OLD})")

Key = tuple[str, str]  # (identifier kind, value)
T = TypeVar("T")


@dataclass
class LookupResult:
    """What the services said about one requested identifier."""

    identifier: Identifier
    # merge_works of every per-source Work; None when no service knew the identifier.
    work: Work | None = None
    # source ("crossref", "pubmed", …) -> the Work that service returned.
    works: dict[str, Work] = field(default_factory=dict)
    # service -> the error of the request that should have answered (no answer known).
    errors: dict[str, ServiceError] = field(default_factory=dict)
    # service -> where it looked and found nothing ("GET /works?filter=doi:…").
    not_found: dict[str, str] = field(default_factory=dict)
    # service -> why it was not asked (one line).
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.work is not None

    @property
    def sources(self) -> list[str]:
        return list(self.works)

    def reason(self, *, verbose: bool = False) -> str:
        """One line: where it was found, or why not (every service's answer). A request
        the offline cache lacks is one short clause; ``verbose`` adds its URL."""
        parts: list[str] = []
        if self.works:
            parts.append("found in " + ", ".join(self.works))
        for service, where in self.not_found.items():
            parts.append(f"not found in {service} ({where})")
        for service, error in self.errors.items():
            if isinstance(error, OfflineMiss):
                url = f" ({error.url})" if verbose and error.url else ""
                parts.append(f"{service} not in the offline cache{url}")
            else:
                parts.append(f"{service} failed: {error.reason}")
        if not self.works:
            for service, why in self.skipped.items():
                parts.append(f"{service} {why}")
        return "; ".join(parts) if parts else "no service can look up this identifier"


@dataclass
class _Outcome:
    """One service's answers for the keys it was asked in one round."""

    found: dict[Key, Work] = field(default_factory=dict)
    missing: dict[Key, str] = field(default_factory=dict)
    errors: dict[Key, ServiceError] = field(default_factory=dict)

    def update(self, other: _Outcome) -> None:
        self.found.update(other.found)
        self.missing.update(other.missing)
        self.errors.update(other.errors)


# What one service answered for one key: the Work, where it looked in vain, or the error.
_Answer = Work | str | ServiceError
# (service, kind, value): the same key is asked once per lookup, whichever items share it.
_AskKey = tuple[str, str, str]


@dataclass
class _Item:
    result: LookupResult
    known: dict[str, str] = field(default_factory=dict)
    asked: set[_AskKey] = field(default_factory=set)
    # Keys asked this round whose answers are still to come.
    pending: list[_AskKey] = field(default_factory=list)


# ---------------------------------------------------------------------------- public


def fetch_works(
    client: HttpClient,
    identifiers: list[Identifier],
    services: Iterable[str] = SERVICES,
    *,
    also_known: Mapping[Identifier, Mapping[str, str]] | None = None,
) -> dict[Identifier, LookupResult]:
    """Look up every identifier in every useful service; one result per identifier.

    ``also_known`` gives other identifiers already known for the same work (a stored
    study's PMID beside its DOI), so each service is asked by the key that costs it
    least: PubMed by PMID needs no DOI search.

    Never raises for a service failure: each LookupResult records per-service errors,
    "not found" answers (with where it looked) and skipped services.
    """
    wanted = [s for s in services if s in SERVICES]
    items: dict[Identifier, _Item] = {}
    for ident in identifiers:
        if ident in items:
            continue
        item = _Item(LookupResult(ident))
        if ident.kind in STANDARD_IDS:
            value = ident.value.lower() if ident.kind == "doi" else ident.value
            item.known[ident.kind] = value
            if ident.kind == "doi" and value.startswith(ARXIV_DOI_PREFIX):
                item.known["arxiv"] = value[len(ARXIV_DOI_PREFIX) :]
        for kind, other in (also_known or {}).get(ident, {}).items():
            if kind in STANDARD_IDS and other:
                item.known.setdefault(kind, other.lower() if kind == "doi" else other)
        if "openalex" in wanted and not client.has_key("openalex"):
            item.result.skipped["openalex"] = OPENALEX_NO_KEY
        items[ident] = item
    memo: dict[_AskKey, _Answer] = {}
    for round_no in range(1, MAX_ROUNDS + 1):
        plan = _plan(items.values(), wanted, client, round_no, memo)
        if not any(plan.values()):
            break
        runners: list[tuple[str, Callable[[], _Outcome]]] = []
        for service, keys in plan.items():
            if keys:
                runners.append((service, _runner(client, service, sorted(keys))))
        outcomes = _parallel([run for _, run in runners])
        for (service, _), outcome in zip(runners, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                outcome = _fail_all(service, plan[service], outcome)
            for kind, value in plan[service]:
                memo[(service, kind, value)] = _answer_of(outcome, (kind, value))
        for item in items.values():
            for ask_key in item.pending:
                _apply(item, ask_key, memo[ask_key])
            item.pending.clear()
    for item in items.values():
        works = item.result.works
        item.result.work = merge_works(list(works.values())) if works else None
        if item.result.identifier.kind not in STANDARD_IDS:
            item.result.skipped.setdefault(
                "all", f"{item.result.identifier.kind} identifiers are not looked up"
            )
    return {ident: item.result for ident, item in items.items()}


def fetch_works_in_chunks(
    client: HttpClient,
    identifiers: list[Identifier],
    services: Iterable[str] = SERVICES,
    *,
    also_known: Mapping[Identifier, Mapping[str, str]] | None = None,
    chunk_size: int | None = None,
) -> Iterator[dict[Identifier, LookupResult]]:
    """``fetch_works`` a chunk at a time, in order, so that the caller can save each
    chunk's results before the next arrives: an interruption loses at most the chunks in
    flight, and memory follows the chunk, not the whole list. The next chunk is looked up
    while the caller saves this one, so the services never wait for the saving.
    ``chunk_size`` defaults to LOOKUP_CHUNK."""
    unique = list(dict.fromkeys(identifiers))
    wanted = list(services)
    chunks = _chunks(unique, max(1, chunk_size or LOOKUP_CHUNK))
    if len(chunks) <= 1:
        if chunks:
            yield fetch_works(client, chunks[0], wanted, also_known=also_known)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lookup-ahead")

    def start(chunk: list[Identifier]) -> Future[dict[Identifier, LookupResult]]:
        return pool.submit(fetch_works, client, chunk, wanted, also_known=also_known)

    try:
        ahead = start(chunks[0])
        for following in [*chunks[1:], None]:
            results = ahead.result()
            if following is not None:
                ahead = start(following)
            yield results
    finally:
        # Interrupted or abandoned: do not wait for a lookup still in flight.
        pool.shutdown(wait=False, cancel_futures=True)


def search_crossref_bibliographic(client: HttpClient, reference: str, rows: int = 5) -> list[Work]:
    """Crossref candidates for a free-text reference, best first; ``extra["score"]`` is
    Crossref's relevance score."""
    return crossref.search_bibliographic(client, reference, rows)


# ---------------------------------------------------------------------------- planning


def _plan(
    items: Iterable[_Item],
    wanted: list[str],
    client: HttpClient,
    round_no: int,
    memo: dict[_AskKey, _Answer],
) -> dict[str, set[Key]]:
    """Which keys each service is asked this round. A key some item already asked is
    answered from ``memo`` at once, without a request."""
    plan: dict[str, set[Key]] = {s: set() for s in wanted}
    openalex_ok = client.has_key("openalex")

    def ask(item: _Item, service: str, kind: str) -> bool:
        value = item.known.get(kind)
        if service not in plan or value is None or service in item.result.works:
            return False
        ask_key = (service, kind, value)
        if ask_key in item.asked:
            return False
        item.asked.add(ask_key)
        if ask_key in memo:
            _apply(item, ask_key, memo[ask_key])
        else:
            plan[service].add((kind, value))
            item.pending.append(ask_key)
        return True

    for item in items:
        ask(item, "crossref", "doi")
        # A PMID saves the esearch; a DOI goes through esearch ([aid]) first.
        if not ask(item, "pubmed", "pmid"):
            ask(item, "pubmed", "doi")
        if openalex_ok:
            ask(item, "openalex", "doi")
        ask(item, "openlibrary", "isbn")
        # Semantic Scholar: arXiv ids and bare PMCIDs from the start (it takes ARXIV: and
        # PMCID: ids; its answer brings the DOI and PMID the others need); anything else
        # only once every other service has had its say and none knew the work (e.g.
        # DataCite DOIs).
        asked_s2 = ask(item, "s2", "arxiv")
        # arXiv confirms its own preprints, in the first round beside S2 (whose answer,
        # applied first, still brings the DOI and PMID the others need).
        if round_no == 1:
            ask(item, "arxiv", "arxiv")
        if asked_s2:
            continue
        if "doi" not in item.known and "pmid" not in item.known and ask(item, "s2", "pmcid"):
            continue
        if round_no > 1 and not item.result.works:
            for kind in ("doi", "pmid", "pmcid"):
                if ask(item, "s2", kind):
                    break
    return plan


def _answer_of(outcome: _Outcome, key: Key) -> _Answer:
    if key in outcome.found:
        return outcome.found[key]
    if key in outcome.errors:
        return outcome.errors[key]
    return outcome.missing.get(key, "no answer")


def _apply(item: _Item, ask_key: _AskKey, answer: _Answer) -> None:
    """Record one service's answer for one of the item's keys."""
    service = ask_key[0]
    result = item.result
    if isinstance(answer, Work):
        result.works[service] = answer
        result.not_found.pop(service, None)
        result.errors.pop(service, None)
        for kind, value in answer.identifiers().items():
            if kind in STANDARD_IDS:
                item.known.setdefault(kind, value)
    elif service in result.works:
        return
    elif isinstance(answer, ServiceError):
        result.errors[service] = answer
    else:
        before = result.not_found.get(service)
        result.not_found[service] = f"{before}; {answer}" if before else answer


# ---------------------------------------------------------------------------- running


def _parallel(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Run the calls in threads (the HttpClient bounds each service); each result or the
    exception it raised, in order."""
    return run_parallel(calls, max_workers=MAX_WORKERS)


def _as_service_error(service: str, exc: BaseException) -> ServiceError:
    if isinstance(exc, ServiceError):
        return exc
    # A parser meeting a shape it does not know must not stop the other items.
    return ServiceError(service, f"unreadable answer ({type(exc).__name__}: {exc})")


def _fail_all(service: str, keys: Iterable[Key], exc: BaseException) -> _Outcome:
    error = _as_service_error(service, exc)
    return _Outcome(errors=dict.fromkeys(keys, error))


def _chunks(values: list[T], size: int) -> list[list[T]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _batched(
    service: str,
    keys: list[Key],
    size: int,
    fetch: Callable[[list[Key]], _Outcome],
) -> _Outcome:
    """Run ``fetch`` on chunks of ``size`` keys concurrently; a failed chunk fails only
    its own keys."""
    chunks = _chunks(keys, size)
    outcome = _Outcome()
    for chunk, answer in zip(chunks, _parallel([_bind(fetch, c) for c in chunks]), strict=True):
        if isinstance(answer, BaseException):
            outcome.update(_fail_all(service, chunk, answer))
        else:
            outcome.update(answer)
    return outcome


def _bind(fetch: Callable[[list[Key]], _Outcome], chunk: list[Key]) -> Callable[[], _Outcome]:
    return lambda: fetch(chunk)


def _runner(client: HttpClient, service: str, keys: list[Key]) -> Callable[[], _Outcome]:
    table: dict[str, Callable[[HttpClient, list[Key]], _Outcome]] = {
        "crossref": _run_crossref,
        "pubmed": _run_pubmed,
        "openalex": _run_openalex,
        "s2": _run_s2,
        "openlibrary": _run_openlibrary,
        "arxiv": _run_arxiv,
    }
    run = table[service]
    return lambda: run(client, keys)


def _by_doi(works: list[Work], keys: list[Key], where: str) -> _Outcome:
    by_doi = {w.doi: w for w in works if w.doi}
    outcome = _Outcome()
    for key in keys:
        work = by_doi.get(key[1])
        if work is not None:
            outcome.found[key] = work
        else:
            outcome.missing[key] = where
    return outcome


# --- Crossref


def _run_crossref(client: HttpClient, keys: list[Key]) -> _Outcome:
    # A comma would split the filter value; such DOIs go through the single-work route.
    single = [k for k in keys if "," in k[1]]
    listed = [k for k in keys if "," not in k[1]]

    def batch(chunk: list[Key]) -> _Outcome:
        payload = crossref.fetch_works_by_doi(client, [v for _, v in chunk])
        return _by_doi(crossref.parse_work_list(payload), chunk, "GET /works?filter=doi:…")

    outcome = _batched("crossref", listed, crossref.BATCH_SIZE, batch)
    for key in single:
        outcome.update(
            _single(
                "crossref",
                key,
                lambda d: crossref.parse_work(crossref.fetch_work(client, d)),
                f"GET /works/{key[1]}",
            )
        )
    return outcome


def _single(service: str, key: Key, fetch: Callable[[str], Work], where: str) -> _Outcome:
    try:
        return _Outcome(found={key: fetch(key[1])})
    except NotFound:
        return _Outcome(missing={key: where})
    except Exception as exc:
        return _Outcome(errors={key: _as_service_error(service, exc)})


# --- OpenAlex


def _run_openalex(client: HttpClient, keys: list[Key]) -> _Outcome:
    single = [k for k in keys if "|" in k[1] or "," in k[1]]
    listed = [k for k in keys if k not in single]

    def batch(chunk: list[Key]) -> _Outcome:
        payload = openalex.fetch_works_by_doi(client, [v for _, v in chunk])
        return _by_doi(openalex.parse_work_list(payload), chunk, "GET /works?filter=doi:…")

    outcome = _batched("openalex", listed, openalex.BATCH_SIZE, batch)
    for key in single:
        outcome.update(
            _single(
                "openalex",
                key,
                lambda d: openalex.to_work(openalex.fetch_work(client, d)),
                f"GET /works/doi:{key[1]}",
            )
        )
    return outcome


# --- Semantic Scholar


def _run_s2(client: HttpClient, keys: list[Key]) -> _Outcome:
    def batch(chunk: list[Key]) -> _Outcome:
        ids = [semanticscholar.paper_id(kind, value) for kind, value in chunk]
        works = semanticscholar.parse_batch(semanticscholar.fetch_batch(client, ids))
        if len(works) != len(chunk):
            raise ServiceError("s2", f"batch answered {len(works)} entries for {len(chunk)} ids")
        outcome = _Outcome()
        for key, s2_id, work in zip(chunk, ids, works, strict=True):
            if work is None:
                outcome.missing[key] = f"POST /paper/batch {s2_id}"
            else:
                outcome.found[key] = work
        return outcome

    return _batched("s2", keys, semanticscholar.BATCH_SIZE, batch)


# --- Open Library


def _run_openlibrary(client: HttpClient, keys: list[Key]) -> _Outcome:
    def batch(chunk: list[Key]) -> _Outcome:
        books = openlibrary.parse_books(openlibrary.fetch_books(client, [v for _, v in chunk]))
        outcome = _Outcome()
        for key in chunk:
            if key[1] in books:
                outcome.found[key] = books[key[1]]
            else:
                outcome.missing[key] = f"GET /api/books?bibkeys=ISBN:{key[1]}"
        return outcome

    return _batched("openlibrary", keys, openlibrary.BATCH_SIZE, batch)


# --- arXiv


def _run_arxiv(client: HttpClient, keys: list[Key]) -> _Outcome:
    def batch(chunk: list[Key]) -> _Outcome:
        works = arxiv.fetch_works(client, [v for _, v in chunk])
        # Entries carry the id without its version; a key may name one (2101.00001v2).
        by_id = {w.arxiv.lower(): w for w in works if w.arxiv}
        outcome = _Outcome()
        for key in chunk:
            work = by_id.get(arxiv_unversioned(key[1]).lower())
            if work is not None:
                outcome.found[key] = work
            else:
                outcome.missing[key] = f"GET /query?id_list={key[1]}"
        return outcome

    # One malformed id makes arXiv refuse the whole id_list: such ids are not asked.
    well_formed = [k for k in keys if _ARXIV_ID.fullmatch(k[1])]
    outcome = _batched("arxiv", well_formed, arxiv.BATCH_SIZE, batch)
    for key in keys:
        if key not in well_formed:
            outcome.missing[key] = f"not an arXiv identifier: {key[1]}"
    return outcome


# --- PubMed


def _run_pubmed(client: HttpClient, keys: list[Key]) -> _Outcome:
    """esearch the DOIs (one ORed ``[aid]`` query per batch), then one efetch per 200 of
    all PMIDs (given and found), then map the articles back through their ArticleIdList."""
    outcome = _Outcome()
    direct = [v for k, v in keys if k == "pmid"]
    dois = [k for k in keys if k[0] == "doi"]
    search_chunks = _chunks(dois, pubmed.ESEARCH_BATCH)
    searches = _parallel(
        [_bind_search(client, pubmed.doi_term([v for _, v in c]), len(c)) for c in search_chunks]
    )
    found_pmids: list[str] = []
    # Each searched DOI with the PMIDs its esearch batch returned.
    searched: list[tuple[Key, list[str]]] = []
    for chunk, answer in zip(search_chunks, searches, strict=True):
        if isinstance(answer, BaseException):
            outcome.update(_fail_all("pubmed", chunk, answer))
        else:
            found_pmids.extend(answer)
            searched.extend((key, answer) for key in chunk)

    pmids = list(dict.fromkeys(direct + found_pmids))
    fetched: list[Work] = []
    fetch_error: ServiceError | None = None
    failed_pmids: set[str] = set()
    fetch_chunks = _chunks(pmids, pubmed.EFETCH_BATCH)
    articles = _parallel([_bind_efetch(client, c) for c in fetch_chunks])
    for chunk_ids, batch in zip(fetch_chunks, articles, strict=True):
        if isinstance(batch, BaseException):
            fetch_error = _as_service_error("pubmed", batch)
            failed_pmids.update(chunk_ids)
        else:
            fetched.extend(batch)

    by_pmid = {w.pmid: w for w in fetched if w.pmid}
    by_doi = {w.doi: w for w in fetched if w.doi}
    for pmid in direct:
        key = ("pmid", pmid)
        if pmid in by_pmid:
            outcome.found[key] = by_pmid[pmid]
        elif pmid in failed_pmids and fetch_error is not None:
            outcome.errors[key] = fetch_error
        else:
            outcome.missing[key] = f"efetch id={pmid}"
    for key, batch_pmids in searched:
        work = by_doi.get(key[1])
        if work is not None:
            outcome.found[key] = work
        elif fetch_error is not None and failed_pmids.intersection(batch_pmids):
            # The article may have been in the efetch batch that failed.
            outcome.errors[key] = fetch_error
        else:
            outcome.missing[key] = f'esearch "{key[1]}"[aid]'
    return outcome


def _bind_search(client: HttpClient, query: str, expected: int) -> Callable[[], list[str]]:
    return lambda: pubmed.search_pmids(client, query, expected)


def _bind_efetch(client: HttpClient, pmids: list[str]) -> Callable[[], list[Work]]:
    return lambda: pubmed.fetch_works(client, pmids)
