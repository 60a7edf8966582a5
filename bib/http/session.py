"""The requests session under :class:`~bib.http.HttpClient`: HTTP cache and offline mode.

The cache is requests-cache on SQLite. Secret parameters (:data:`SECRET_PARAMETERS`) are
left out of its keys and stored as ``REDACTED``; redirect history is not stored at all.
Offline, a session answers from the cache alone: anything that gets past it fails.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests_cache import CachedSession
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache

from bib.http.redact import SECRET_PARAMETERS

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
    *, cache_path: str | None, cache_expire: float | None, offline: bool, user_agent: str
) -> requests.Session:
    """A session with the cache at ``cache_path`` (None: no cache); entries count as fresh
    for ``cache_expire`` seconds (None: forever)."""
    session: requests.Session
    if cache_path:
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
        _NoNetworkAdapter() if offline else HTTPAdapter(pool_connections=8, pool_maxsize=16)
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def only_if_cached(*, any_age: bool) -> str:
    """The Cache-Control value that asks requests-cache for a cached answer and no request;
    ``any_age`` accepts an expired one."""
    value = "only-if-cached"
    if any_age:
        value += f",max-stale={_ANY_AGE}"  # no space: requests-cache splits on ","
    return value


def cache_of(session: requests.Session) -> BaseCache | None:
    """The HTTP cache of a session from :func:`open_session`, None when it has none."""
    return session.cache if isinstance(session, CachedSession) else None
