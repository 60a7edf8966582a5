"""What each service allows: base URL, key, rate limit and concurrency, and where the key goes.

Every request names one of the services of :data:`POLICIES`. The numbers are the services'
published etiquette (each entry links its policy page); the client starts from them and
lets the rate-limit headers a service sends lower them (see :mod:`bib.http.throttle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ServiceLimits:
    """Effective limits for one service: requests per second and concurrent requests.

    ``list_rate`` applies to list/search requests where the service limits them apart
    (Crossref ``/works?query…``); None means the same as ``rate``.
    """

    rate: float
    concurrency: int
    list_rate: float | None = None


@dataclass(frozen=True)
class ServicePolicy:
    """Base URL, environment variables and published etiquette of one service."""

    name: str
    base_url: str
    env_url: str
    rate: float  # requests per second (polite pool / without key)
    concurrency: int
    env_key: str | None = None
    policy_url: str = ""
    rate_with_key: float | None = None
    # Crossref only: the public pool (no mailto) is slower than the polite pool.
    rate_without_mailto: float | None = None
    concurrency_without_mailto: int | None = None
    list_rate: float | None = None
    list_rate_without_mailto: float | None = None

    def limits(self, *, has_key: bool, has_mailto: bool) -> ServiceLimits:
        rate = self.rate_with_key if has_key and self.rate_with_key else self.rate
        concurrency = self.concurrency
        list_rate = self.list_rate
        if not has_mailto:
            rate = self.rate_without_mailto or rate
            concurrency = self.concurrency_without_mailto or concurrency
            list_rate = self.list_rate_without_mailto or list_rate
        return ServiceLimits(rate, concurrency, list_rate)


POLICIES: dict[str, ServicePolicy] = {
    # Polite pool (mailto in the User-Agent) 10 req/s and 3 concurrent, public pool 5 req/s
    # and 1 concurrent since 1 Dec 2025; list queries about 3 req/s (the public-pool list
    # rate is not published: 1 req/s is a cautious guess). The x-rate-limit-* and
    # x-concurrency-limit headers lower these at run time.
    # https://www.crossref.org/documentation/retrieve-metadata/rest-api/access-and-authentication/
    # https://www.crossref.org/blog/announcing-changes-to-rest-api-rate-limits/
    "crossref": ServicePolicy(
        "crossref",
        "https://api.crossref.org",
        "EVIDENCE_CROSSREF_URL",
        rate=10.0,
        concurrency=3,
        policy_url="https://www.crossref.org/documentation/retrieve-metadata/rest-api/access-and-authentication/",
        rate_without_mailto=5.0,
        concurrency_without_mailto=1,
        list_rate=3.0,
        list_rate_without_mailto=1.0,
    ),
    # Key required since 13 Feb 2026; everyone capped at 100 req/s. We stay at 10 req/s;
    # RateLimit-Limit/Remaining/Reset headers lower it further.
    # https://developers.openalex.org/guides/authentication
    "openalex": ServicePolicy(
        "openalex",
        "https://api.openalex.org",
        "EVIDENCE_OPENALEX_URL",
        rate=10.0,
        concurrency=5,
        env_key="EVIDENCE_OPENALEX_KEY",
        policy_url="https://developers.openalex.org/guides/authentication",
    ),
    # 3 req/s without a key, 10 with api_key=; tool= and email= on every request.
    # https://www.ncbi.nlm.nih.gov/books/NBK25497/ ("Usage Guidelines and Requirements")
    "pubmed": ServicePolicy(
        "pubmed",
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
        "EVIDENCE_PUBMED_URL",
        rate=3.0,
        concurrency=3,
        env_key="EVIDENCE_NCBI_KEY",
        policy_url="https://www.ncbi.nlm.nih.gov/books/NBK25497/",
        rate_with_key=10.0,
    ),
    # A free key gets 1 req/s on all endpoints; unauthenticated callers share a pool.
    # https://www.semanticscholar.org/product/api#api-key
    "s2": ServicePolicy(
        "s2",
        "https://api.semanticscholar.org/graph/v1",
        "EVIDENCE_S2_URL",
        rate=1.0,
        concurrency=1,
        env_key="EVIDENCE_S2_KEY",
        policy_url="https://www.semanticscholar.org/product/api#api-key",
    ),
    # No published number; stay gentle. https://openlibrary.org/developers/api
    "openlibrary": ServicePolicy(
        "openlibrary",
        "https://openlibrary.org",
        "EVIDENCE_OPENLIBRARY_URL",
        rate=3.0,
        concurrency=1,
        policy_url="https://openlibrary.org/developers/api",
    ),
    # DBLP publishes no number: it answers 429 with Retry-After when overloaded and asks
    # for "at least one or two seconds between two consecutive requests". One request a
    # second, one at a time. https://dblp.org/faq/1474706.html
    "dblp": ServicePolicy(
        "dblp",
        "https://dblp.org",
        "EVIDENCE_DBLP_URL",
        rate=1.0,
        concurrency=1,
        policy_url="https://dblp.org/faq/1474706.html",
    ),
    # arXiv's API terms: "no more than one request every three seconds", one connection
    # at a time. https://info.arxiv.org/help/api/tou.html
    "arxiv": ServicePolicy(
        "arxiv",
        "http://export.arxiv.org/api",
        "EVIDENCE_ARXIV_URL",
        rate=1.0 / 3.0,
        concurrency=1,
        policy_url="https://info.arxiv.org/help/api/tou.html",
    ),
    # The Retraction Watch CSV that Crossref publishes openly: one large download, so
    # one request at a time. The base URL is the file itself.
    # https://crossref.gitlab.io/tutorials/get-rw-metadata/
    "retractions": ServicePolicy(
        "retractions",
        "https://gitlab.com/crossref/retraction-watch-data/-/raw/main/retraction_watch.csv",
        "EVIDENCE_RETRACTIONS_URL",
        rate=1.0,
        concurrency=1,
        policy_url="https://crossref.gitlab.io/tutorials/get-rw-metadata/",
    ),
}


def is_list_request(method: str, url: str) -> bool:
    """Crossref list/search requests (``/works?query…``, ``/works?filter=…``), which
    Crossref limits apart from single-work lookups."""
    path = urlsplit(url).path.rstrip("/")
    return path.endswith("/works") and method == "GET"


def add_credentials(
    service: str,
    *,
    key: str | None,
    mailto: str | None,
    query: list[tuple[str, str]],
    form: list[tuple[str, str]] | None,
    headers: dict[str, str],
) -> bool:
    """Add the service's key and etiquette parameters to ``query``/``form``/``headers``
    (in place), where that service wants them. True when something personal went in
    (a key, an e-mail address): such a request must never be sent to another host."""
    if service == "pubmed":
        # E-utilities want tool= and email= on every request, and api_key= when we
        # have one; on a POST they travel in the form body with the other parameters.
        extra = [("tool", "evidence")]
        if mailto:
            extra.append(("email", mailto))
        if key:
            extra.append(("api_key", key))
        target = form if form is not None else query
        names = {k for k, _ in target}
        target.extend((k, v) for k, v in extra if k not in names)
        return bool(key or mailto)
    if service == "openalex" and key:
        query.append(("api_key", key))
        return True
    if service == "s2" and key:
        headers["x-api-key"] = key
        return True
    return False
