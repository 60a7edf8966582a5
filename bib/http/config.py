"""The settings of :class:`~bib.http.HttpClient`, from code or the ``EVIDENCE_*`` variables."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bib.errors import ConfigError
from bib.http.policies import POLICIES

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_DEADLINE = 120.0
DEFAULT_SERVICE_BUDGET = 300.0

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def offline_from_env(env: Mapping[str, str] | None = None) -> bool:
    """EVIDENCE_OFFLINE as a switch. The usual spellings of true and false are accepted
    in any case; anything else is refused rather than read as "online", so a typo can
    never send requests (and keys) that the user meant to keep in."""
    raw = (os.environ if env is None else env).get("EVIDENCE_OFFLINE", "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(
        f'EVIDENCE_OFFLINE="{raw}" is neither true nor false. '
        "Set it to 1, true, yes or on (or 0, false, no, off)"
    )


def seconds_from_env(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from ``name``, ``default`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f'{name}="{raw}" is not a number of seconds. Set it to e.g. {default:g}')
    return value


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
    # Larger answers are refused (hostile or broken servers), counted as sent and as
    # decompressed while they are read.
    max_body_bytes: int = 64 * 1024 * 1024
    # The longest one request may take in all (connection, headers, body, redirects)
    # however slowly the server trickles its answer; and the time failed requests to one
    # service may take in all (attempts and the waits between them) before the client
    # gives up on that service for the rest of its life (one command).
    deadline: float = DEFAULT_DEADLINE
    service_budget: float = DEFAULT_SERVICE_BUDGET
    # Files streamed to disk (:meth:`HttpClient.download`): their size and time limits.
    max_download_bytes: int = 4 * 1024**3
    download_deadline: float = 3600.0
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
            offline=offline if offline is not None else offline_from_env(env),
            cache_path=cache_path or env.get("EVIDENCE_CACHE") or None,
            base_urls=base_urls,
            keys=keys,
            deadline=seconds_from_env(env, "EVIDENCE_HTTP_DEADLINE", DEFAULT_DEADLINE),
            service_budget=seconds_from_env(env, "EVIDENCE_HTTP_BUDGET", DEFAULT_SERVICE_BUDGET),
        )

    def base_url(self, service: str) -> str:
        """The configured base URL, else ``EVIDENCE_*_URL``, else the public default."""
        policy = POLICIES[service]
        url = self.base_urls.get(service) or os.environ.get(policy.env_url) or policy.base_url
        return url.rstrip("/")
