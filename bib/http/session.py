"""The requests session under :class:`~bib.http.HttpClient`: HTTP cache and offline mode.

The cache is requests-cache on SQLite. Secret parameters (:data:`SECRET_PARAMETERS`) are
left out of its keys and stored as ``REDACTED``; redirect history is not stored at all.
Offline, a session answers from the cache alone: anything that gets past it fails.
A cache file SQLite cannot read is set aside (:func:`set_aside_if_damaged`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests_cache import CachedRequest, CachedResponse, CachedSession
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache

from bib.errors import ConfigError
from bib.http.redact import SECRET_PARAMETERS
from bib.http.transport import GuardedAdapter

log = logging.getLogger(__name__)

# Offline answers accept cached entries of any age: stale metadata beats none.
_ANY_AGE = 100 * 365 * 24 * 3600


class _RedactingSQLiteCache(SQLiteCache):
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


def open_session(
    *,
    cache_path: str | None,
    cache_expire: float | None,
    offline: bool,
    user_agent: str,
    max_body_bytes: int,
) -> requests.Session:
    """A session with the cache at ``cache_path`` (None: no cache); entries count as fresh
    for ``cache_expire`` seconds (None: forever). Bodies over ``max_body_bytes`` (as sent
    or decompressed) are refused while they are read (:mod:`bib.http.transport`)."""
    session: requests.Session
    if cache_path:
        set_aside_if_damaged(cache_path)
        session = CachedSession(
            backend=_RedactingSQLiteCache(cache_path),
            expire_after=(-1 if cache_expire is None else timedelta(seconds=cache_expire)),
            allowable_codes=(200,),
            allowable_methods=("GET", "POST"),
            ignored_parameters=list(SECRET_PARAMETERS),
            match_headers=False,
            # Our expiry decides, not the services' Cache-Control headers.
            cache_control=False,
        )
    else:
        session = requests.Session()
    adapter: HTTPAdapter = (
        _NoNetworkAdapter()
        if offline
        else GuardedAdapter(max_body_bytes=max_body_bytes, pool_connections=8, pool_maxsize=16)
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def set_aside_if_damaged(path: str) -> str | None:
    """Rename a cache file SQLite cannot read (not a database, truncated, damaged) to
    ``<path>.corrupt-<time>`` with a warning, so a fresh cache starts in its place: the
    cache only saves requests, and a broken one must not stop every lookup. Returns
    the new name, or None when the cache is sound or absent."""
    cache = Path(path)
    try:
        if cache.stat().st_size == 0:
            return None
    except OSError:
        return None
    problem = _damage(cache)
    if problem is None:
        return None
    aside = cache.with_name(f"{cache.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        cache.replace(aside)
    except OSError as exc:
        raise ConfigError(
            f"the HTTP cache {cache} is damaged ({problem}) and cannot be set aside "
            f"({exc.strerror}). Delete it, or set EVIDENCE_CACHE to another file"
        ) from None
    for suffix in ("-wal", "-shm", "-journal"):
        companion = cache.with_name(cache.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    log.warning(
        "Warning: the HTTP cache %s is damaged (%s): set aside as %s; starting a fresh one",
        cache,
        problem,
        aside.name,
    )
    return str(aside)


def _damage(cache: Path) -> str | None:
    """What SQLite finds wrong with the file, or None."""
    try:
        conn = sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return None  # in use by another run: not ours to judge
        return str(exc)
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    if rows != [("ok",)]:
        return str(rows[0][0]) if rows else "no answer to a check"
    return None


def only_if_cached(*, any_age: bool) -> str:
    """The Cache-Control value that asks requests-cache for a cached answer and no request;
    ``any_age`` accepts an expired one."""
    value = "only-if-cached"
    if any_age:
        value += f",max-stale={_ANY_AGE}"  # no space: requests-cache splits on ","
    return value


def cached_response(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    timeout: tuple[float, float],
    any_age: bool,
    **request: Any,
) -> requests.Response | None:
    """The cached 200 answer to this request, without a request over the network; None
    when nothing usable is cached (or the cache cannot be read)."""
    try:
        resp = session.request(
            method,
            url,
            headers={**headers, "Cache-Control": only_if_cached(any_age=any_age)},
            timeout=timeout,
            **request,
        )
    except requests.RequestException:
        return None
    if not getattr(resp, "from_cache", False) or resp.status_code != 200:
        return None
    return resp


def cache_of(session: requests.Session) -> BaseCache | None:
    """The HTTP cache of a session from :func:`open_session`, None when it has none."""
    return session.cache if isinstance(session, CachedSession) else None


def save_answer(
    session: requests.Session,
    request: requests.Request,
    body: bytes,
    headers: Mapping[str, str],
) -> None:
    """Store ``body`` in the session's cache as the 200 answer to ``request``, under the
    key the same request would look up: how bundled answers are served offline."""
    cache = cache_of(session)
    if cache is None:
        raise ConfigError("no HTTP cache to store an answer in")
    prepared = session.prepare_request(request)
    answer = CachedResponse(
        content=body,
        status_code=200,
        reason="OK",
        headers=CaseInsensitiveDict(headers),
        url=prepared.url or "",
        request=CachedRequest.from_request(prepared),
    )
    cache.save_response(answer, cache.create_key(prepared))
