"""The one HTTP session of the process. Only this module imports ``requests``.

Every request names the service it goes to ("crossref", "openalex", "pubmed", "s2",
"openlibrary"). The base URL, key, rate limit and concurrency come from that service's
policy (:data:`POLICIES`, see SERVICES.md in the shared docs) and from the environment
(``EVIDENCE_*_URL``, ``EVIDENCE_*_KEY``).

What a request goes through, in order:

1. the HTTP cache (requests-cache, SQLite at ``HttpConfig.cache_path``); offline mode
   answers from it alone and raises :class:`~bib.errors.OfflineMiss` on a miss;
2. the service's concurrency gate, then its rate limiter (minimum spacing between
   requests, lowered, never raised, by the rate-limit headers the service sends);
3. the network, retried a bounded number of times with exponential backoff and jitter on
   429, 500, 502, 503, 504, timeouts, dropped connections and truncated bodies, honouring
   ``Retry-After``;
4. a last look at the cache for a stale answer when the network failed.

API keys are never part of a cache key, an exception message, a log line or a repr.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from bib import __version__
from bib.errors import NotFound, OfflineMiss, ServiceError

log = logging.getLogger(__name__)


class _RedactSecrets(logging.Filter):
    """Blanks secret query parameters in log lines of the libraries we drive (urllib3
    logs every request URL at DEBUG, api_key included)."""

    _pattern = re.compile(r"((?:api_key|x-api-key|email|mailto)=)[^&\s\"']+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._pattern.sub(r"\1REDACTED", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT_FILTER = _RedactSecrets()
for _name in (
    "urllib3.connectionpool",
    "requests_cache.session",
    "requests_cache.policy.actions",
    "requests_cache.backends.base",
):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _RedactSecrets) for f in _logger.filters):
        _logger.addFilter(_REDACT_FILTER)

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0

# Parameter and header names that carry secrets or personal data. requests-cache leaves
# them out of cache keys and replaces their values with REDACTED in what it stores;
# the same list redacts URLs in logs and error messages.
SECRET_PARAMETERS: tuple[str, ...] = (
    "api_key",
    "x-api-key",
    "X-Api-Key",
    "X-API-KEY",
    "x-api-token",
    "Authorization",
    "Crossref-Plus-API-Token",
    "email",
    "mailto",
    "tool",
)
_SECRET_NAMES = {name.lower() for name in SECRET_PARAMETERS} - {"tool"}

# Status codes worth another try: rate limited, or a transient server/gateway failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# Offline answers accept cached entries of any age: stale metadata beats none.
_ANY_AGE = 100 * 365 * 24 * 3600


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


@dataclass
class HttpConfig:
    """Everything the HTTP layer needs; :meth:`from_env` reads the ``EVIDENCE_*`` variables."""

    mailto: str | None = None
    offline: bool = False
    cache_path: str | None = None  # None: no cache
    base_urls: dict[str, str] = field(default_factory=dict)
    # Never shown by repr: these are secrets.
    keys: dict[str, str] = field(default_factory=dict, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    # Retries: attempts in all, exponential backoff base and cap (seconds), and the
    # longest Retry-After we are willing to sleep (longer: give up at once).
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    retry_after_cap: float = 60.0
    # How long a cached answer counts as fresh (seconds); None: forever.
    cache_expire: float | None = 30 * 24 * 3600.0
    # Larger answers are refused (hostile or broken servers).
    max_body_bytes: int = 64 * 1024 * 1024
    # Per-service overrides of POLICIES (tests, mirrors, paid tiers); "crossref-list"
    # sets Crossref's list/search rate.
    rate_overrides: dict[str, float] = field(default_factory=dict)
    concurrency_overrides: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls,
        *,
        mailto: str | None = None,
        offline: bool | None = None,
        cache_path: str | None = None,
    ) -> HttpConfig:
        env = os.environ
        base_urls = {
            name: env.get(p.env_url, p.base_url).rstrip("/") for name, p in POLICIES.items()
        }
        keys = {
            name: env[p.env_key] for name, p in POLICIES.items() if p.env_key and env.get(p.env_key)
        }
        return cls(
            mailto=mailto or env.get("EVIDENCE_MAILTO") or None,
            offline=offline if offline is not None else env.get("EVIDENCE_OFFLINE") == "1",
            cache_path=cache_path or env.get("EVIDENCE_CACHE") or None,
            base_urls=base_urls,
            keys=keys,
        )

    def base_url(self, service: str) -> str:
        """The configured base URL, else ``EVIDENCE_*_URL``, else the public default."""
        policy = POLICIES[service]
        url = self.base_urls.get(service) or os.environ.get(policy.env_url) or policy.base_url
        return url.rstrip("/")


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: body, status, headers, and whether it came from the cache.

    ``url`` has every secret parameter redacted. ``stale`` marks a cached answer served
    because the network failed (or offline) after it had expired.
    """

    service: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    from_cache: bool
    stale: bool = False
    cache_key: str | None = field(default=None, repr=False, compare=False)

    def json(self) -> Any:
        return _decode_json(self.service, self.body)


class RateLimiter:
    """Minimum spacing between request starts, shared by threads; can be paused."""

    def __init__(self, rate: float) -> None:
        self._lock = threading.Lock()
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0

    @property
    def rate(self) -> float:
        with self._lock:
            return 1.0 / self._interval if self._interval else math.inf

    def lower_to(self, rate: float) -> None:
        """Slow down to ``rate`` requests per second (never speeds up)."""
        if rate <= 0:
            return
        with self._lock:
            self._interval = max(self._interval, 1.0 / rate)

    def pause(self, seconds: float) -> None:
        """Hold every request of this service for ``seconds`` (Retry-After, quota spent)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next, self._paused_until)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


class ConcurrencyGate:
    """A semaphore whose limit can be lowered while in use."""

    def __init__(self, limit: int) -> None:
        self._cond = threading.Condition()
        self._limit = max(1, limit)
        self._active = 0

    @property
    def limit(self) -> int:
        return self._limit

    def lower_to(self, limit: int) -> None:
        with self._cond:
            self._limit = max(1, min(self._limit, limit))

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._cond:
            while self._active >= self._limit:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify()


class _ServiceState:
    def __init__(self, limits: ServiceLimits) -> None:
        self.limiter = RateLimiter(limits.rate)
        self.list_limiter = RateLimiter(limits.list_rate) if limits.list_rate else None
        self.gate = ConcurrencyGate(limits.concurrency)


class _RedactingSQLiteCache(requests_cache.SQLiteCache):
    """SQLite cache that also drops redirect history, which requests-cache would store
    with its secret query parameters unredacted."""

    def save_response(
        self, response: Any, cache_key: str | None = None, expires: Any = None
    ) -> None:
        response.history = []
        super().save_response(response, cache_key, expires)


class _NoNetworkAdapter(HTTPAdapter):
    """Mounted in offline mode: anything that gets past the cache fails here."""

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError("offline: network disabled")


Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None
Expect = Literal["json", "xml"] | None
# What is wrong with a decoded JSON answer, or None when it has the expected shape.
ShapeCheck = Callable[[Any], str | None] | None


class HttpClient:
    """Shared session: User-Agent, timeouts, per-service limits, retries, cache."""

    def __init__(self, config: HttpConfig | None = None) -> None:
        self.config = config or HttpConfig.from_env()
        cfg = self.config
        self.session: requests.Session
        if cfg.cache_path:
            backend = _RedactingSQLiteCache(cfg.cache_path)
            self.session = requests_cache.CachedSession(
                backend=backend,
                expire_after=(
                    -1 if cfg.cache_expire is None else timedelta(seconds=cfg.cache_expire)
                ),
                allowable_codes=(200,),
                allowable_methods=("GET", "POST"),
                ignored_parameters=list(SECRET_PARAMETERS),
                match_headers=False,
                # Our expiry decides, not the services' Cache-Control headers.
                cache_control=False,
            )
        else:
            self.session = requests.Session()
        adapter: HTTPAdapter = (
            _NoNetworkAdapter() if cfg.offline else HTTPAdapter(pool_connections=8, pool_maxsize=16)
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        ua = f"evidence/{__version__}"
        if cfg.mailto:
            ua += f" (mailto:{cfg.mailto})"
        self.session.headers["User-Agent"] = ua
        self._lock = threading.Lock()
        # Real network requests (every attempt), by service; cache answers not counted.
        self.request_counts: dict[str, int] = {}
        self.cache_hits: dict[str, int] = {}
        self._states: dict[str, _ServiceState] = {
            name: _ServiceState(self.limits(name)) for name in POLICIES
        }

    def close(self) -> None:
        """Close pooled connections (and the cache's database connection)."""
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"HttpClient(offline={self.config.offline}, cache={self.config.cache_path!r}, "
            f"keys for {sorted(self.config.keys)})"
        )

    # -- policy ---------------------------------------------------------------------

    def has_key(self, service: str) -> bool:
        return service in self.config.keys

    def limits(self, service: str) -> ServiceLimits:
        """The limits this client starts with for ``service`` (before header adjustments)."""
        base = POLICIES[service].limits(
            has_key=self.has_key(service), has_mailto=bool(self.config.mailto)
        )
        rate = self.config.rate_overrides.get(service, base.rate)
        concurrency = self.config.concurrency_overrides.get(service, base.concurrency)
        list_rate = base.list_rate
        if list_rate is not None:
            list_rate = self.config.rate_overrides.get(f"{service}-list", list_rate)
        return ServiceLimits(rate, concurrency, list_rate)

    def current_limits(self, service: str) -> ServiceLimits:
        """The limits in force now, after any lowering by response headers."""
        state = self._states[service]
        list_rate = state.list_limiter.rate if state.list_limiter else None
        return ServiceLimits(state.limiter.rate, state.gate.limit, list_rate)

    # -- requests -------------------------------------------------------------------

    def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: Params = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        refresh: bool = False,
    ) -> bytes:
        """Send one request and return the body; raise NotFound/ServiceError/OfflineMiss."""
        return self.request_answer(
            service,
            method,
            path,
            params=params,
            json_body=json_body,
            data=data,
            headers=headers,
            refresh=refresh,
        ).body

    def request_answer(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: Params = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        refresh: bool = False,
        expect: Expect = None,
    ) -> Answer:
        """Send one request and return the whole :class:`Answer`.

        ``refresh`` skips a fresh cached answer (the new one replaces it). ``expect``
        checks the body is well-formed JSON or (safe) XML before it is returned; a bad
        body raises ServiceError and is dropped from the cache.
        """
        if service not in POLICIES:
            raise ValueError(f"unknown service {service!r}")
        method = method.upper()
        url = self.config.base_url(service) + path
        query, form, req_headers = self._authenticate(service, params, data, headers)
        call = _Call(service, method, url, query, form, json_body, req_headers)

        if self.config.offline:
            answer = self._from_cache(call, any_age=True)
            if answer is None:
                why = "offline and not in the HTTP cache" if self._cached else "offline"
                raise OfflineMiss(service, f"{why}: {call.safe_url()}")
            return self._checked(answer, expect)
        if self._cached and not refresh:
            answer = self._from_cache(call, any_age=False)
            if answer is not None:
                return self._checked(answer, expect)
        return self._checked(self._send(call, refresh), expect)

    def get_json(
        self, service: str, path: str, params: Params = None, *, shape: ShapeCheck = None
    ) -> Any:
        """Decoded JSON. ``shape`` names what is wrong with a decoded answer (or None): a
        wrong-shaped answer raises ServiceError and is dropped from the cache, so a rerun
        asks again instead of meeting the same bad answer."""
        answer = self.request_answer(service, "GET", path, params=params)
        return self._json_of(answer, shape)

    def post_json(
        self,
        service: str,
        path: str,
        params: Params = None,
        json_body: Any = None,
        *,
        shape: ShapeCheck = None,
    ) -> Any:
        answer = self.request_answer(service, "POST", path, params=params, json_body=json_body)
        return self._json_of(answer, shape)

    def get_bytes(
        self, service: str, path: str, params: Params = None, *, expect: Expect = None
    ) -> bytes:
        return self.request_answer(service, "GET", path, params=params, expect=expect).body

    def post_form(
        self, service: str, path: str, data: Mapping[str, Any], *, expect: Expect = None
    ) -> bytes:
        return self.request_answer(service, "POST", path, data=data, expect=expect).body

    def forget(self, answer: Answer) -> None:
        """Drop a cached answer the caller found unusable (so it is fetched again)."""
        if self._cached and answer.cache_key:
            self._cache().delete(answer.cache_key)

    # -- internals ------------------------------------------------------------------

    @property
    def _cached(self) -> bool:
        return isinstance(self.session, requests_cache.CachedSession)

    def _cache(self) -> requests_cache.BaseCache:
        assert isinstance(self.session, requests_cache.CachedSession)
        return self.session.cache

    def _authenticate(
        self,
        service: str,
        params: Params,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]] | None, dict[str, str]]:
        """Add each service's key and etiquette parameters."""
        query = _pairs(params)
        form = _pairs(data) if data is not None else None
        hdrs = dict(headers or {})
        key = self.config.keys.get(service)
        if service == "pubmed":
            # E-utilities want tool= and email= on every request, and api_key= when we
            # have one; on a POST they travel in the form body with the other parameters.
            extra = [("tool", "evidence")]
            if self.config.mailto:
                extra.append(("email", self.config.mailto))
            if key:
                extra.append(("api_key", key))
            target = form if form is not None else query
            names = {k for k, _ in target}
            target.extend((k, v) for k, v in extra if k not in names)
        elif service == "openalex" and key:
            query.append(("api_key", key))
        elif service == "s2" and key:
            hdrs["x-api-key"] = key
        return query, form, hdrs

    def _from_cache(self, call: _Call, *, any_age: bool) -> Answer | None:
        if not self._cached:
            return None
        cache_control = "only-if-cached"
        if any_age:
            cache_control += f",max-stale={_ANY_AGE}"  # no space: requests-cache splits on ","
        try:
            resp = self.session.request(
                call.method,
                call.url,
                params=call.query,
                data=call.form,
                json=call.json_body,
                headers={**call.headers, "Cache-Control": cache_control},
                timeout=self._timeout(),
            )
        except requests.RequestException:
            return None
        if not getattr(resp, "from_cache", False) or resp.status_code != 200:
            return None
        with self._lock:
            self.cache_hits[call.service] = self.cache_hits.get(call.service, 0) + 1
        return self._answer(call, resp, from_cache=True)

    def _send(self, call: _Call, refresh: bool) -> Answer:
        cfg = self.config
        state = self._states[call.service]
        limiter = state.limiter
        if state.list_limiter is not None and _is_list_request(call):
            limiter = state.list_limiter
        attempts = max(1, cfg.max_attempts)
        failure = ""
        for attempt in range(1, attempts + 1):
            delay: float | None = None
            resp: requests.Response | None = None
            error = ""
            with state.gate.slot():
                limiter.wait()
                try:
                    resp = self.session.request(
                        call.method,
                        call.url,
                        params=call.query,
                        data=call.form,
                        json=call.json_body,
                        # no-cache: skip the cached answer, store the new one.
                        headers={**call.headers, "Cache-Control": "no-cache"}
                        if refresh
                        else call.headers,
                        timeout=self._timeout(),
                    )
                except requests.Timeout:
                    error = "timed out"
                except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
                    # urllib3 reports a body shorter than its Content-Length as a broken
                    # chunked/protocol read: retry it like a dropped connection.
                    error = (
                        "truncated body"
                        if "IncompleteRead" in repr(exc)
                        or isinstance(exc, requests.exceptions.ChunkedEncodingError)
                        else "connection failed"
                    )
                except requests.exceptions.ContentDecodingError:
                    error = "undecodable body"
                except requests.RequestException as exc:
                    # Bad URL, too many redirects…: not something a retry mends.
                    failure = f"request failed ({type(exc).__name__})"
                    break
            if resp is not None and getattr(resp, "from_cache", False):
                # Another thread stored this answer meanwhile: no request was sent.
                with self._lock:
                    self.cache_hits[call.service] = self.cache_hits.get(call.service, 0) + 1
                return self._answer(call, resp, from_cache=True)
            with self._lock:
                self.request_counts[call.service] = self.request_counts.get(call.service, 0) + 1
            if resp is not None:
                log.debug(
                    "%s %s %s -> %s", call.service, call.method, call.safe_url(), resp.status_code
                )
                self._adjust_limits(call.service, resp.headers)
                status = resp.status_code
                if 200 <= status < 300:
                    return self._answer(call, resp, from_cache=False)
                if status in (404, 410):
                    raise NotFound(call.service, f"not found (HTTP {status})")
                if status not in RETRY_STATUSES:
                    detail = _error_detail(resp.content, self._secrets())
                    raise ServiceError(
                        call.service, f"HTTP {status}" + (f": {detail}" if detail else "")
                    )
                error = f"HTTP {status}"
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if retry_after is not None:
                    if retry_after > cfg.retry_after_cap:
                        failure = f"HTTP {status}, asked to retry after {retry_after:.0f} s"
                        break
                    delay = retry_after
                    if status == 429:
                        # The whole service is told to wait, not just this thread.
                        limiter.pause(retry_after)
            else:
                log.debug("%s %s %s -> %s", call.service, call.method, call.safe_url(), error)
            failure = f"{error} after {attempt} attempt{'s' if attempt > 1 else ''}"
            if attempt < attempts:
                time.sleep(delay if delay is not None else self._backoff(attempt))
        stale = self._from_cache(call, any_age=True) if self._cached else None
        if stale is not None:
            log.warning("%s: %s; using the cached answer", call.service, failure)
            return replace(stale, stale=True)
        raise ServiceError(call.service, failure)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random."""
        cfg = self.config
        ceiling = min(cfg.backoff_cap, cfg.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _timeout(self) -> tuple[float, float]:
        return (min(self.config.connect_timeout, self.config.timeout), self.config.timeout)

    def _answer(self, call: _Call, resp: requests.Response, *, from_cache: bool) -> Answer:
        body = resp.content
        if len(body) > self.config.max_body_bytes:
            self._drop(resp)
            raise ServiceError(
                call.service, f"answer larger than {self.config.max_body_bytes} bytes"
            )
        return Answer(
            service=call.service,
            url=call.safe_url(),
            status=resp.status_code,
            headers=CaseInsensitiveDict(resp.headers),
            body=body,
            from_cache=from_cache,
            cache_key=getattr(resp, "cache_key", None) or None,
        )

    def _drop(self, resp: requests.Response) -> None:
        key = getattr(resp, "cache_key", None)
        if self._cached and key:
            self._cache().delete(key)

    def _checked(self, answer: Answer, expect: Expect) -> Answer:
        if expect is None:
            return answer
        try:
            if expect == "json":
                _decode_json(answer.service, answer.body)
            else:
                check_xml(answer.service, answer.body)
        except ServiceError:
            self.forget(answer)
            raise
        return answer

    def _json_of(self, answer: Answer, shape: ShapeCheck = None) -> Any:
        """Decode a JSON answer; an undecodable or wrong-shaped one is dropped from the cache."""
        try:
            data = answer.json()
            problem = shape(data) if shape is not None else None
            if problem:
                raise ServiceError(answer.service, problem)
            return data
        except ServiceError:
            self.forget(answer)
            raise

    def _adjust_limits(self, service: str, headers: Mapping[str, str]) -> None:
        """Lower (never raise) the limits to what the service announces."""
        state = self._states[service]
        # Crossref: x-rate-limit-limit requests per x-rate-limit-interval ("1s"), and
        # x-concurrency-limit.
        limit = _to_float(headers.get("x-rate-limit-limit"))
        interval = _parse_interval(headers.get("x-rate-limit-interval"))
        if limit and interval:
            state.limiter.lower_to(limit / interval)
            if state.list_limiter is not None:
                state.list_limiter.lower_to(limit / interval)
        concurrency = _to_float(headers.get("x-concurrency-limit"))
        if concurrency:
            state.gate.lower_to(int(concurrency))
        # OpenAlex: RateLimit-Limit per second; RateLimit-Remaining 0 means wait
        # RateLimit-Reset seconds.
        rl_limit = _to_float(headers.get("RateLimit-Limit"))
        if rl_limit and service == "openalex":
            state.limiter.lower_to(rl_limit)
        remaining = _to_float(headers.get("RateLimit-Remaining"))
        reset = _to_float(headers.get("RateLimit-Reset"))
        if remaining is not None and remaining <= 0 and reset:
            state.limiter.pause(min(reset, self.config.retry_after_cap))

    def _secrets(self) -> list[str]:
        return [v for v in self.config.keys.values() if v]


@dataclass
class _Call:
    service: str
    method: str
    url: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]] | None
    json_body: Any
    headers: dict[str, str]

    def safe_url(self) -> str:
        return redact_url(self.url + ("?" + urlencode(self.query) if self.query else ""))


def _is_list_request(call: _Call) -> bool:
    """Crossref list/search requests (``/works?query…``, ``/works?filter=…``)."""
    path = urlsplit(call.url).path.rstrip("/")
    return path.endswith("/works") and call.method == "GET"


def _pairs(params: Params | Mapping[str, Any]) -> list[tuple[str, str]]:
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str]] = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            out.extend((key, str(v)) for v in value)
        else:
            out.append((key, str(value)))
    return out


def redact_url(url: str) -> str:
    """The URL with the values of secret parameters replaced by REDACTED."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, "REDACTED" if k.lower() in _SECRET_NAMES else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def _to_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _parse_interval(value: str | None) -> float | None:
    """Crossref's x-rate-limit-interval: "1s", "60s", "1m"."""
    if not value:
        return None
    value = value.strip().lower()
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for suffix in ("ms", "s", "m", "h"):
        if value.endswith(suffix):
            number = _to_float(value[: -len(suffix)])
            return number * scale[suffix] if number and number > 0 else None
    number = _to_float(value)
    return number if number and number > 0 else None


def _error_detail(body: bytes, secrets: Sequence[str]) -> str:
    """A short reason from an error body (Crossref/S2/OpenAlex JSON), secrets removed."""
    text = ""
    try:
        data = json.loads(body[:20000])
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        msg = data.get("message") if "message" in data else data.get("error")
        if isinstance(msg, list) and msg and isinstance(msg[0], dict):
            msg = msg[0].get("message")
        if isinstance(msg, str):
            text = msg
    text = " ".join(text.split())[:160]
    for secret in secrets:
        text = text.replace(secret, "REDACTED")
    return text


def _decode_json(service: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise ServiceError(service, "answered with a body that is not JSON") from None


def check_xml(service: str, body: bytes) -> None:
    """Raise ServiceError unless ``body`` is well-formed XML free of entity tricks.

    Entity declarations (billion laughs) and external entities are refused, as
    defusedxml does; a DOCTYPE that only names a public DTD is fine (PubMed sends one).
    """
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        safe_et.fromstring(body)
    except DefusedXmlException:
        raise ServiceError(service, "answered with unsafe XML (entity declarations)") from None
    except (safe_et.ParseError, ValueError, RecursionError):
        raise ServiceError(service, "answered with a body that is not XML") from None


T = TypeVar("T")


def run_parallel(calls: Sequence[Callable[[], T]], max_workers: int = 8) -> list[T | Exception]:
    """Run independent calls in threads; return each result or exception, in order.

    Meant for fetching batches from several services at once: the per-service gates and
    rate limiters of the shared :class:`HttpClient` bound the real concurrency.
    """
    if not calls:
        return []

    def guarded(call: Callable[[], T]) -> T | Exception:
        try:
            return call()
        except Exception as exc:  # one failure must not stop the others
            return exc

    if len(calls) == 1 or max_workers <= 1:
        return [guarded(c) for c in calls]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(calls))) as pool:
        return list(pool.map(guarded, calls))
