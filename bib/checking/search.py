"""Finding the work a citation names by its title and authors.

Used when a citation has no identifier, when its identifier is unknown to every service,
and when the identifier leads to another work. Each service is searched by title (with
the first author's family name where the service ranks by both): Crossref
``query.bibliographic``, Semantic Scholar ``/paper/search/match``, DBLP, OpenAlex
``title.search`` (with a key) and arXiv, in stages by cost (:data:`STAGES`): a later
stage only for the citations no earlier one found. A candidate is accepted only after
validation (:func:`accept`): a title this close alone, or a near title with the cited
authors; a search that returns works is not evidence that the cited one exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bib.checking.compare import TITLE_MINOR, match_authors
from bib.errors import ServiceError
from bib.http import HttpClient, run_parallel
from bib.services import arxiv, crossref, dblp, openalex, semanticscholar
from bib.text import normalize_title, title_similarity
from bib.work import Work

# A title at least this close names the work whatever the authors (wrong authors are then
# a mismatch to report, not a reason to look elsewhere).
TITLE_ALONE = 0.92
# Searched in stages, cheapest first, each stage only for the citations no earlier stage
# found: OpenAlex (10 requests a second, with a key; it holds journal and conference
# papers and preprints alike), then Crossref (3 list requests a second), Semantic Scholar
# and DBLP (1 a second each) together, then arXiv (one request every three seconds).
STAGES: tuple[tuple[str, ...], ...] = (("openalex",), ("crossref", "s2", "dblp"), ("arxiv",))
# Threads for all searches of a run; the HttpClient keeps each service within its limits.
WORKERS = 16


@dataclass
class Searched:
    """One search: the service, what it was asked, and what came of it."""

    service: str
    query: str
    hits: int = 0
    accepted: str | None = None  # the title (and DOI) of the accepted candidate
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "query": self.query,
            "hits": self.hits,
            "accepted": self.accepted,
            "error": self.error,
        }


@dataclass
class SearchOutcome:
    """What the searches for one citation found: the accepted candidate of each service
    (versions of one work) and every search made."""

    found: dict[str, Work] = field(default_factory=dict)
    searched: list[Searched] = field(default_factory=list)
    errors: dict[str, ServiceError] = field(default_factory=dict)

    @property
    def best(self) -> Work | None:
        return next(iter(self.found.values()), None)

    def complete(self) -> bool:
        """Whether every service asked answered (a failed search leaves doubt)."""
        return not self.errors


def searchable(cited: Work) -> bool:
    """Whether a title search can decide anything: three words of title at least."""
    return len(normalize_title(cited.title).split()) >= 3


def accept(cited: Work, candidate: Work) -> float | None:
    """The candidate's score when it is the cited work, else None."""
    if not candidate.title or not cited.title:
        return None
    similarity = title_similarity(cited.title, candidate.title)
    if similarity >= TITLE_ALONE and len(normalize_title(cited.title).split()) >= 4:
        return similarity
    people = [a for a in cited.authors if a.family.lower() not in ("others", "et al.")]
    if similarity >= TITLE_MINOR and people and candidate.authors:
        hits = sum(m is not None for m in match_authors(people, candidate.authors))
        if hits * 2 >= len(people):
            return similarity
    return None


def _query(cited: Work, with_author: bool) -> str:
    title = " ".join((cited.title or "").split())
    if with_author and cited.authors and cited.authors[0].family.lower() != "others":
        return f"{title} {cited.authors[0].family}"
    return title


def _searcher(
    client: HttpClient, service: str, cited: Work
) -> tuple[str, Callable[[], list[Work]]]:
    """The query shown to the user and the call that makes it."""
    title = _query(cited, False)
    first = [cited.authors[0]] if cited.authors else []
    if service == "crossref":
        query = _query(cited, True)
        return query, lambda: crossref.search_title(client, title, first, rows=5)
    if service == "s2":
        return title, lambda: semanticscholar.search_match(client, title)
    if service == "dblp":
        # DBLP wants every word to match: a wrong first author would hide the work.
        return title, lambda: dblp.search_title(client, title, None, hits=10)
    if service == "openalex":
        return title, lambda: openalex.search_title(client, title, rows=5)
    if service == "arxiv":
        return title, lambda: arxiv.search_title(client, title, max_results=5)
    raise ValueError(f"no title search for {service}")


def _usable(client: HttpClient, services: Sequence[str]) -> list[str]:
    return [s for s in services if s != "openalex" or client.has_key("openalex")]


def _one(client: HttpClient, service: str, cited: Work) -> tuple[Searched, Work | None, Any]:
    query, call = _searcher(client, service, cited)
    record = Searched(service, query)
    try:
        works = call()
    except ServiceError as exc:
        record.error = exc.reason
        return record, None, exc
    record.hits = len(works)
    scored = [(score, w) for w in works if (score := accept(cited, w)) is not None]
    if not scored:
        return record, None, None
    best = max(scored, key=lambda pair: pair[0])[1]
    record.accepted = (best.title or "") + (f" ({best.doi})" if best.doi else "")
    return record, best, None


def search_citations(
    client: HttpClient,
    citations: Sequence[Work],
    *,
    stages: Sequence[Sequence[str]] = STAGES,
) -> list[SearchOutcome]:
    """Search every citation (in threads; each service paced by the HttpClient); one
    outcome per citation, in order."""
    outcomes = [SearchOutcome() for _ in citations]
    todo = [i for i, c in enumerate(citations) if searchable(c)]
    for services in (_usable(client, stage) for stage in stages):
        jobs = [(i, s) for i in todo for s in services]
        if not jobs:
            continue
        results = run_parallel([_bind(client, s, citations[i]) for i, s in jobs], WORKERS)
        for (i, service), result in zip(jobs, results, strict=True):
            outcome = outcomes[i]
            if isinstance(result, BaseException):
                error = ServiceError(service, f"{type(result).__name__}: {result}")
                outcome.searched.append(
                    Searched(service, _query(citations[i], False), error=error.reason)
                )
                outcome.errors[service] = error
                continue
            record, work, error = result
            outcome.searched.append(record)
            if error is not None:
                outcome.errors[service] = error
            elif work is not None:
                outcome.found[service] = work
        todo = [i for i in todo if not outcomes[i].found]
    return outcomes


def _bind(
    client: HttpClient, service: str, cited: Work
) -> Callable[[], tuple[Searched, Work | None, Any]]:
    return lambda: _one(client, service, cited)
