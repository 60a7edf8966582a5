"""The one HTTP session of the process. Only this module imports ``requests``.

Every request names the service it goes to ("crossref", "openalex", "pubmed", "s2",
"openlibrary"); the base URL, key, rate limit and concurrency come from that service's
policy (see SERVICES.md in the shared docs) and from the environment (EVIDENCE_*_URL).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from bib import __version__
from bib.errors import NotFound, OfflineMiss, ServiceError

DEFAULT_TIMEOUT = 30.0


@dataclass
class ServicePolicy:
    """Base URL and etiquette of one service."""

    name: str
    base_url: str
    env_url: str
    rate: float  # requests per second
    concurrency: int
    env_key: str | None = None


# Defaults from each service's published policy:
# Crossref polite pool 10 req/s, 3 concurrent (x-rate-limit-* and x-concurrency-limit headers,
#   https://www.crossref.org/documentation/retrieve-metadata/rest-api/access-and-authentication/)
# PubMed E-utilities 3 req/s without key, 10 with (NBK25499, "General Usage Guidelines")
# OpenAlex 100 req/s cap, key required (https://developers.openalex.org/guides/authentication)
# Semantic Scholar 1 req/s with a key (S2 API license / rate-limit notice)
# Open Library: no published number; stay gentle.
POLICIES: dict[str, ServicePolicy] = {
    "crossref": ServicePolicy(
        "crossref", "https://api.crossref.org", "EVIDENCE_CROSSREF_URL", 10.0, 3
    ),
    "openalex": ServicePolicy(
        "openalex",
        "https://api.openalex.org",
        "EVIDENCE_OPENALEX_URL",
        10.0,
        5,
        "EVIDENCE_OPENALEX_KEY",
    ),
    "pubmed": ServicePolicy(
        "pubmed",
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
        "EVIDENCE_PUBMED_URL",
        3.0,
        3,
        "EVIDENCE_NCBI_KEY",
    ),
    "s2": ServicePolicy(
        "s2",
        "https://api.semanticscholar.org/graph/v1",
        "EVIDENCE_S2_URL",
        1.0,
        1,
        "EVIDENCE_S2_KEY",
    ),
    "openlibrary": ServicePolicy(
        "openlibrary", "https://openlibrary.org", "EVIDENCE_OPENLIBRARY_URL", 3.0, 1
    ),
}


@dataclass
class HttpConfig:
    mailto: str | None = None
    offline: bool = False
    cache_path: str | None = None  # None: no cache
    base_urls: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

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
        return self.base_urls.get(service) or POLICIES[service].base_url


class HttpClient:
    """Shared session: User-Agent, timeouts, per-service limits, retries, cache."""

    def __init__(self, config: HttpConfig | None = None) -> None:
        self.config = config or HttpConfig.from_env()
        self.session = requests.Session()
        ua = f"evidence/{__version__}"
        if self.config.mailto:
            ua += f" (mailto:{self.config.mailto})"
        self.session.headers["User-Agent"] = ua
        self._lock = threading.Lock()
        self.request_counts: dict[str, int] = {}

    def has_key(self, service: str) -> bool:
        return service in self.config.keys

    def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        data: dict[str, Any] | None = None,
    ) -> bytes:
        """Send one request and return the body; raise NotFound/ServiceError/OfflineMiss."""
        if self.config.offline:
            raise OfflineMiss(service, "offline and not in the cache")
        url = self.config.base_url(service) + path
        with self._lock:
            self.request_counts[service] = self.request_counts.get(service, 0) + 1
        try:
            resp = self.session.request(
                method, url, params=params, json=json_body, data=data, timeout=self.config.timeout
            )
        except requests.RequestException as exc:
            raise ServiceError(service, f"network error: {type(exc).__name__}") from None
        if resp.status_code == 404:
            raise NotFound(service, "not found (HTTP 404)")
        if resp.status_code >= 400:
            raise ServiceError(service, f"HTTP {resp.status_code}")
        return resp.content

    def get_json(
        self, service: str, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None
    ) -> Any:
        body = self.request(service, "GET", path, params=params)
        return _decode_json(service, body)

    def post_json(
        self,
        service: str,
        path: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Any:
        body = self.request(service, "POST", path, params=params, json_body=json_body)
        return _decode_json(service, body)

    def get_bytes(
        self, service: str, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None
    ) -> bytes:
        return self.request(service, "GET", path, params=params)

    def post_form(self, service: str, path: str, data: dict[str, Any]) -> bytes:
        return self.request(service, "POST", path, data=data)


def _decode_json(service: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise ServiceError(service, "answered with a body that is not JSON") from None
