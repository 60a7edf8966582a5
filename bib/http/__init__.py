"""The one HTTP session of the process. Only this package imports ``requests``.

Every request names the service it goes to ("crossref", "openalex", "pubmed", "s2",
"openlibrary", "dblp", "arxiv", "retractions"). The base URL, key, rate limit and
concurrency come from that service's policy (:data:`~bib.http.policies.POLICIES`, see
SERVICES.md in the shared docs) and from the environment (``EVIDENCE_*_URL``,
``EVIDENCE_*_KEY``).

What a request goes through, in order:

1. the HTTP cache (requests-cache, SQLite at ``HttpConfig.cache_path``); offline mode
   answers from it alone and raises :class:`~bib.errors.OfflineMiss` on a miss;
2. the service's concurrency gate, then its rate limiter (minimum spacing between
   requests, lowered, never raised, by the rate-limit headers the service sends);
3. the network, retried a bounded number of times with exponential backoff and jitter on
   429, 500, 502, 503, 504, timeouts, dropped connections and truncated bodies, honouring
   ``Retry-After``. Each attempt has a total deadline and a body limit (counted as sent
   and decompressed, while it is read); redirects are followed by hand, never to another
   host with a key; a service whose failures (or whose asked-for waits) pass their bounds
   is given up for the rest of the run;
4. a last look at the cache for a stale answer when the network failed.

Large files (the Retraction Watch CSV) are streamed to disk by :meth:`HttpClient.download`
instead, past the cache.

API keys are never part of a cache key, an exception message, a log line or a repr.

The package, by concern:

- ``__init__``: :class:`HttpClient` (the steps above);
- :mod:`~bib.http.config`: :class:`HttpConfig`, its defaults and environment variables;
- :mod:`~bib.http.call`: one prepared request, credentials added;
- :mod:`~bib.http.redirects`: which redirects are followed, and how;
- :mod:`~bib.http.transport`: the adapter: deadlines and bounded body reads;
- :mod:`~bib.http.policies`: each service's limits, policy page, and where its key goes;
- :mod:`~bib.http.throttle`: rate limiters, concurrency gates, Retry-After, backoff;
- :mod:`~bib.http.session`: the requests session, its cache and offline mode;
- :mod:`~bib.http.answer`: :class:`~bib.http.answer.Answer` and the checks of a body;
- :mod:`~bib.http.redact`: secrets out of URLs, messages and library logs;
- :mod:`~bib.http.parallel`: :func:`~bib.http.parallel.run_parallel`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, BinaryIO, Literal

import requests
from requests.structures import CaseInsensitiveDict

from bib import __version__
from bib.errors import NotFound, OfflineMiss, ServiceError
from bib.http.answer import Answer, check_xml, decode_json, error_detail
from bib.http.call import Call, Params, prepare_call
from bib.http.config import HttpConfig, offline_from_env
from bib.http.parallel import run_parallel
from bib.http.policies import POLICIES, ServiceLimits, is_list_request
from bib.http.redact import redact_library_logs
from bib.http.redirects import first_hop, next_hop
from bib.http.session import cache_of, cached_response, open_session, save_answer
from bib.http.throttle import (
    RETRY_STATUSES,
    GaveUp,
    ServiceThrottle,
    backoff_delay,
    parse_retry_after,
)
from bib.http.transport import BodyTooLarge, Deadline, DeadlinePassed, copy_body

__all__ = ["POLICIES", "Answer", "HttpClient", "HttpConfig", "offline_from_env", "run_parallel"]

log = logging.getLogger(__name__)

# urllib3 and requests-cache log request URLs, keys included, once this package is in use.
redact_library_logs()

Expect = Literal["json", "xml"] | None
# What is wrong with a decoded JSON answer, or None when it has the expected shape.
ShapeCheck = Callable[[Any], str | None] | None


class HttpClient:
    """Shared session: User-Agent, timeouts, per-service limits, retries, cache."""

    def __init__(self, config: HttpConfig | None = None) -> None:
        self.config = config or HttpConfig.from_env()
        cfg = self.config
        user_agent = f"evidence/{__version__}"
        if cfg.mailto:
            user_agent += f" (mailto:{cfg.mailto})"
        self._user_agent = user_agent
        self.session = open_session(
            cache_path=cfg.cache_path,
            cache_expire=cfg.cache_expire,
            offline=cfg.offline,
            user_agent=user_agent,
            max_body_bytes=cfg.max_body_bytes,
        )
        # A session without cache for downloads, opened at the first one.
        self._downloads: requests.Session | None = None
        self._http_cache = cache_of(self.session)
        self._lock = threading.Lock()
        # Real network requests (every attempt), by service; cache answers not counted.
        self.request_counts: dict[str, int] = {}
        self.cache_hits: dict[str, int] = {}
        self._throttles = {name: ServiceThrottle(name, self.limits(name)) for name in POLICIES}

    def close(self) -> None:
        """Close pooled connections (and the cache's database connection)."""
        self.session.close()
        if self._downloads is not None:
            self._downloads.close()

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
        return self._throttles[service].current_limits()

    # -- requests -------------------------------------------------------------------

    def _prepare(
        self,
        service: str,
        method: str,
        path: str,
        params: Params,
        data: Mapping[str, Any] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
    ) -> Call:
        """The request as sent: the service's base URL, its key where the service takes
        it, the mailto and the etiquette parameters."""
        return prepare_call(
            service,
            method,
            self.config.base_url(service) + path,
            params=params,
            data=data,
            json_body=json_body,
            headers=headers,
            key=self.config.keys.get(service),
            mailto=self.config.mailto,
        )

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
        call = self._prepare(service, method, path, params, data, json_body, headers)

        if self.config.offline:
            answer = self._from_cache(call, any_age=True)
            if answer is None:
                why = "offline and not in the HTTP cache" if self._cached else "offline"
                raise OfflineMiss(service, f"{why}: {call.safe_url()}", call.safe_url())
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

    def download(self, service: str, path: str, sink: BinaryIO) -> int:
        """Stream the answer to GET ``path`` into ``sink`` (a seekable binary file), never
        holding it whole; returns its size. Limits: ``max_download_bytes`` and
        ``download_deadline``. Not cached (the caller keeps the file); retried like any
        request, the file emptied before each new attempt."""
        cfg = self.config
        call = prepare_call(
            service,
            "GET",
            cfg.base_url(service) + path,
            params=None,
            data=None,
            json_body=None,
            headers=None,
            key=cfg.keys.get(service),
            mailto=cfg.mailto,
        )
        if cfg.offline:
            url = call.safe_url()
            raise OfflineMiss(service, f"offline: not downloading {url}", url)
        if self._downloads is None:
            self._downloads = open_session(
                cache_path=None,
                cache_expire=None,
                offline=False,
                user_agent=self._user_agent,
                max_body_bytes=cfg.max_download_bytes,
            )
        throttle = self._throttles[service]
        failure = ""
        for attempt in range(1, max(1, cfg.max_attempts) + 1):
            if throttle.gave_up:
                raise ServiceError(service, f"gave up on it for this run: {throttle.gave_up}")
            sink.seek(0)
            sink.truncate()
            try:
                with throttle.gate.slot():
                    record = throttle.limiter.start(max_wait=cfg.retry_after_cap)
                    try:
                        with Deadline(cfg.download_deadline):
                            resp = self._exchange(self._downloads, call, call.headers, stream=True)
                            with resp:
                                status = resp.status_code
                                if 200 <= status < 300:
                                    return copy_body(resp.raw, sink.write, cfg.max_download_bytes)
                    finally:
                        throttle.limiter.finished(record)
            except GaveUp as exc:
                throttle.give_up(exc.reason)
                raise ServiceError(service, f"gave up on it for this run: {exc.reason}") from None
            except BodyTooLarge as exc:
                raise ServiceError(service, str(exc)) from None
            except requests.RequestException as exc:
                failure = str(exc) if isinstance(exc, DeadlinePassed) else type(exc).__name__
            else:
                if status in (404, 410):
                    raise NotFound(service, f"not found (HTTP {status})")
                failure = f"HTTP {status}"
                if status not in RETRY_STATUSES:
                    break
            if attempt < cfg.max_attempts:
                time.sleep(backoff_delay(attempt, base=cfg.backoff_base, cap=cfg.backoff_cap))
        raise ServiceError(service, f"download failed: {failure}")

    def store_answer(
        self,
        service: str,
        method: str,
        path: str,
        body: bytes,
        *,
        params: Params = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        content_type: str = "application/json",
    ) -> None:
        """Put ``body`` in the HTTP cache as the service's 200 answer to this request (the
        same credentials and etiquette parameters added), so that it is answered from the
        cache, offline too. Needs a cache (``HttpConfig.cache_path``)."""
        call = self._prepare(service, method, path, params, data, json_body, None)
        request = requests.Request(
            call.method, call.url, params=call.query, data=call.form, json=call.json_body
        )
        save_answer(self.session, request, body, {"Content-Type": content_type})

    def forget(self, answer: Answer) -> None:
        """Drop a cached answer the caller found unusable (so it is fetched again)."""
        self._delete_cached(answer.cache_key)

    # -- internals ------------------------------------------------------------------

    @property
    def _cached(self) -> bool:
        return self._http_cache is not None

    def _delete_cached(self, cache_key: str | None) -> None:
        if self._http_cache is not None and cache_key:
            self._http_cache.delete(cache_key)

    def _from_cache(self, call: Call, *, any_age: bool) -> Answer | None:
        if not self._cached:
            return None
        resp = cached_response(
            self.session,
            call.method,
            call.url,
            headers=call.headers,
            timeout=self._timeout(),
            any_age=any_age,
            params=call.query,
            data=call.form,
            json=call.json_body,
        )
        if resp is None:
            return None
        with self._lock:
            self.cache_hits[call.service] = self.cache_hits.get(call.service, 0) + 1
        return self._answer(call, resp, from_cache=True)

    def _send(self, call: Call, refresh: bool) -> Answer:
        cfg = self.config
        throttle = self._throttles[call.service]
        limiter = throttle.limiter_for(is_list=is_list_request(call.method, call.url))
        # no-cache: skip the cached answer, store the new one.
        headers = {**call.headers, "Cache-Control": "no-cache"} if refresh else call.headers
        attempts = max(1, cfg.max_attempts)
        failure = ""
        for attempt in range(1, attempts + 1):
            if throttle.gave_up:
                failure = f"gave up on it for this run: {throttle.gave_up}"
                break
            delay: float | None = None
            resp: requests.Response | None = None
            error = ""
            with throttle.gate.slot():
                try:
                    record = limiter.start(max_wait=cfg.retry_after_cap)
                except GaveUp as exc:
                    throttle.give_up(exc.reason)
                    failure = f"gave up on it for this run: {exc.reason}"
                    break
                started = time.monotonic()
                try:
                    with Deadline(cfg.deadline):
                        try:
                            resp = self._exchange(self.session, call, headers)
                        finally:
                            limiter.finished(record)
                except BodyTooLarge as exc:
                    raise ServiceError(call.service, str(exc)) from None
                except DeadlinePassed as exc:
                    error = str(exc)
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
                    # Bad URL…: not something a retry mends.
                    failure = f"request failed ({type(exc).__name__})"
                    break
                elapsed = time.monotonic() - started
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
                throttle.follow_headers(resp.headers, pause_cap=cfg.retry_after_cap)
                status = resp.status_code
                if 200 <= status < 300:
                    return self._answer(call, resp, from_cache=False)
                if status in (404, 410):
                    raise NotFound(call.service, f"not found (HTTP {status})")
                if status not in RETRY_STATUSES:
                    detail = error_detail(resp.content, self._secrets())
                    raise ServiceError(
                        call.service, f"HTTP {status}" + (f": {detail}" if detail else "")
                    )
                error = f"HTTP {status}"
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if retry_after is not None:
                    if retry_after > cfg.retry_after_cap:
                        asked = f"HTTP {status}, asked to retry after {retry_after:.0f} s"
                        throttle.give_up(asked)
                        failure = f"{asked}; gave up on it for this run"
                        break
                    delay = retry_after
                    if status == 429:
                        # The whole service is told to wait, not just this thread.
                        limiter.pause(retry_after)
            else:
                log.debug("%s %s %s -> %s", call.service, call.method, call.safe_url(), error)
            failure = f"{error} after {attempt} attempt{'s' if attempt > 1 else ''}"
            if attempt < attempts:
                if delay is None:
                    delay = backoff_delay(attempt, base=cfg.backoff_base, cap=cfg.backoff_cap)
                throttle.spend(elapsed + delay, budget=cfg.service_budget)
                if not throttle.gave_up:
                    time.sleep(delay)
            else:
                throttle.spend(elapsed, budget=cfg.service_budget)
        stale = self._from_cache(call, any_age=True) if self._cached else None
        if stale is not None:
            log.warning("%s: %s; using the cached answer", call.service, failure)
            return replace(stale, stale=True)
        raise ServiceError(call.service, failure)

    def _exchange(
        self,
        session: requests.Session,
        call: Call,
        headers: dict[str, str],
        *,
        stream: bool = False,
    ) -> requests.Response:
        """One attempt: the request and the redirects it may follow (:mod:`redirects`).
        The caller holds the :class:`Deadline` that bounds it."""
        base_url = self.config.base_url(call.service)
        hop = first_hop(call, headers)
        hops = 0
        while True:
            resp = session.request(
                hop.method,
                hop.url,
                params=hop.query,
                data=hop.form,
                json=hop.json_body,
                headers=hop.headers,
                timeout=self._timeout(),
                allow_redirects=False,
                stream=stream,
            )
            if not resp.is_redirect:
                return resp
            resp.close()
            hop = next_hop(hop, resp, call, base_url, hops)
            hops += 1

    def _timeout(self) -> tuple[float, float]:
        return (min(self.config.connect_timeout, self.config.timeout), self.config.timeout)

    def _answer(self, call: Call, resp: requests.Response, *, from_cache: bool) -> Answer:
        body = resp.content
        if len(body) > self.config.max_body_bytes:
            self._delete_cached(getattr(resp, "cache_key", None))
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

    def _checked(self, answer: Answer, expect: Expect) -> Answer:
        if expect is None:
            return answer
        try:
            if expect == "json":
                decode_json(answer.service, answer.body)
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

    def _secrets(self) -> list[str]:
        return [v for v in self.config.keys.values() if v]
