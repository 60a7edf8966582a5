"""Pacing requests: rate limiters, concurrency gates, Retry-After and backoff.

Each service gets one :class:`ServiceThrottle`, shared by every thread: a concurrency
gate, a rate limiter (and a second one for Crossref's list requests). The limits start
from :mod:`bib.http.policies` and are lowered, never raised, by the rate-limit headers
the service sends (:meth:`ServiceThrottle.follow_headers`).
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from bib.http.policies import ServiceLimits

# Status codes worth another try: rate limited, or a transient server/gateway failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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


class ServiceThrottle:
    """The gate and rate limiters of one service."""

    def __init__(self, service: str, limits: ServiceLimits) -> None:
        self.service = service
        self.limiter = RateLimiter(limits.rate)
        self.list_limiter = RateLimiter(limits.list_rate) if limits.list_rate else None
        self.gate = ConcurrencyGate(limits.concurrency)

    def limiter_for(self, *, is_list: bool) -> RateLimiter:
        """The list limiter for list requests where the service has one, else the main one."""
        if is_list and self.list_limiter is not None:
            return self.list_limiter
        return self.limiter

    def current_limits(self) -> ServiceLimits:
        """The limits in force now, after any lowering by response headers."""
        list_rate = self.list_limiter.rate if self.list_limiter else None
        return ServiceLimits(self.limiter.rate, self.gate.limit, list_rate)

    def follow_headers(self, headers: Mapping[str, str], *, pause_cap: float) -> None:
        """Lower (never raise) the limits to what the service announces; a spent quota
        pauses the service for its reset time, at most ``pause_cap`` seconds."""
        # Crossref: x-rate-limit-limit requests per x-rate-limit-interval ("1s"), and
        # x-concurrency-limit.
        limit = _to_float(headers.get("x-rate-limit-limit"))
        interval = _parse_interval(headers.get("x-rate-limit-interval"))
        if limit and interval:
            self.limiter.lower_to(limit / interval)
            if self.list_limiter is not None:
                self.list_limiter.lower_to(limit / interval)
        concurrency = _to_float(headers.get("x-concurrency-limit"))
        if concurrency:
            self.gate.lower_to(int(concurrency))
        # OpenAlex: RateLimit-Limit per second; RateLimit-Remaining 0 means wait
        # RateLimit-Reset seconds.
        rl_limit = _to_float(headers.get("RateLimit-Limit"))
        if rl_limit and self.service == "openalex":
            self.limiter.lower_to(rl_limit)
        remaining = _to_float(headers.get("RateLimit-Remaining"))
        reset = _to_float(headers.get("RateLimit-Reset"))
        if remaining is not None and remaining <= 0 and reset:
            self.limiter.pause(min(reset, pause_cap))


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Seconds to wait after failed ``attempt`` (1, 2, …): exponential backoff with
    jitter, half fixed and half random, so threads that failed together spread out."""
    ceiling = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


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
