"""Pacing requests: rate limiters, concurrency gates, Retry-After and backoff.

Each service gets one :class:`ServiceThrottle`, shared by every thread: a concurrency
gate, a rate limiter (and a second one for Crossref's list requests). The limits start
from :mod:`bib.http.policies` and are lowered, never raised, by the rate-limit headers
the service sends (:meth:`ServiceThrottle.follow_headers`).

Requests are spaced at :data:`PACE` of a published rate, not at the rate itself: the
first request of a run arrives late (connection set-up) while the next ones do not, so
pacing at exactly the limit puts one request too many into a strict one-second window.
Spacing alone cannot rule that out when one request is delayed on its way and the next
is not, so a request is also held until the one ``n`` places before it (``n`` the
published requests per window) was answered a whole window ago: the server saw that one
arrive no later than its answer, so no window of the server's holds ``n + 1``.

No wait a service asks for may pass a bound (``max_wait``): a Retry-After, a spent quota's
reset time or a rate announced in headers that would hold a request longer makes the
throttle give up on the service for the rest of the run (:meth:`ServiceThrottle.give_up`),
and every later request to it fails at once with the reason.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from bib.http.policies import ServiceLimits

# Status codes worth another try: rate limited, or a transient server/gateway failure.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Requests are spaced for this share of a published rate (see the module's docstring).
PACE = 0.9


class GaveUp(Exception):
    """The service asked for a longer wait than we allow, or its failures used up the
    time we give it: later requests to it fail at once with :attr:`reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RateLimiter:
    """Minimum spacing between request starts, shared by threads; can be paused.

    ``rate`` is the published rate; requests are spaced for :data:`PACE` of it."""

    def __init__(self, rate: float) -> None:
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        self._rate = rate if rate > 0 else math.inf
        self._interval = _spacing(self._rate)
        self._next = 0.0
        self._paused_until = 0.0
        # One record per recent request: when its answer came (None while in flight).
        self._recent: deque[list[float | None]] = deque()

    @property
    def rate(self) -> float:
        with self._lock:
            return self._rate

    def lower_to(self, rate: float) -> None:
        """Slow down to ``rate`` requests per second (never speeds up)."""
        if rate <= 0:
            return
        with self._lock:
            if rate < self._rate:
                self._rate = rate
                self._interval = _spacing(rate)

    def pause(self, seconds: float) -> None:
        """Hold every request of this service for ``seconds`` (Retry-After, quota spent)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def wait(self, max_wait: float = math.inf) -> None:
        """Sleep until a request may start, for callers that do not report its answer
        (it counts as answered when it starts)."""
        self.finished(self.start(max_wait))

    def start(self, max_wait: float = math.inf) -> list[float | None]:
        """Sleep until this request may start; the record to hand to :meth:`finished`
        once its answer (or failure) is in. :class:`GaveUp` (without taking a slot) when
        the start is more than ``max_wait`` seconds away."""
        with self._answered:
            n, window = _window(self._rate)
            earliest = 0.0
            if n and len(self._recent) >= n:
                record = self._recent[-n]
                # In flight: wait for its answer (bounded: a request has its own deadline).
                self._answered.wait_for(lambda: record[0] is not None, timeout=ANSWER_WAIT)
                answered = record[0]
                if answered is not None:
                    earliest = answered + window + WINDOW_MARGIN
            now = time.monotonic()
            slot = max(now, self._next, self._paused_until, earliest)
            if slot - now > max_wait:
                raise GaveUp(f"asks for a wait of {_duration(slot - now)} before the next request")
            self._next = slot + self._interval
            mine: list[float | None] = [None]
            self._recent.append(mine)
            while len(self._recent) > max(n, 1):
                self._recent.popleft()
        if slot > now:
            time.sleep(slot - now)
        return mine

    def finished(self, record: list[float | None]) -> None:
        """The request of ``record`` has its answer (or has failed)."""
        with self._answered:
            if record[0] is None:
                record[0] = time.monotonic()
            self._answered.notify_all()


# How long a request waits for the answer of the one a window before it, and the margin
# kept after that answer.
ANSWER_WAIT = 60.0
WINDOW_MARGIN = 0.02


def _window(rate: float) -> tuple[int, float]:
    """Requests per window and the window in seconds, for a published ``rate``: 3/s is
    3 per second, 0.5/s is 1 per 2 seconds. (0, 0) when there is no limit."""
    if not math.isfinite(rate):
        return 0, 0.0
    n = max(1, int(rate))
    return n, n / rate


def _spacing(rate: float) -> float:
    return 1.0 / (rate * PACE) if math.isfinite(rate) else 0.0


def _duration(seconds: float) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} s"


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
        self._lock = threading.Lock()
        self._gave_up: str | None = None
        self._spent = 0.0

    @property
    def gave_up(self) -> str | None:
        """Why this service is given up for the run, or None."""
        with self._lock:
            return self._gave_up

    def give_up(self, reason: str) -> None:
        """Give up on the service: later requests fail at once with ``reason`` (the
        first reason stays)."""
        with self._lock:
            if self._gave_up is None:
                self._gave_up = reason

    def spend(self, seconds: float, *, budget: float) -> None:
        """Count ``seconds`` spent on failed attempts and the waits between them; past
        ``budget`` in all, give up on the service."""
        with self._lock:
            self._spent += max(0.0, seconds)
            spent = self._spent
        if spent > budget:
            self.give_up(
                f"spent {spent:.0f} s on failed requests in all, more than the {budget:g} s "
                "allowed per service (EVIDENCE_HTTP_BUDGET)"
            )

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
        pauses the service for its reset time. A rate that would space requests more
        than ``pause_cap`` seconds apart, or a reset further away, gives up on the
        service (:meth:`give_up`) instead of waiting for it."""
        # Crossref: x-rate-limit-limit requests per x-rate-limit-interval ("1s"), and
        # x-concurrency-limit.
        limit = _to_float(headers.get("x-rate-limit-limit"))
        interval = _parse_interval(headers.get("x-rate-limit-interval"))
        if limit and limit > 0 and interval:
            self._lower_rate(limit / interval, pause_cap, "x-rate-limit headers")
        concurrency = _to_float(headers.get("x-concurrency-limit"))
        if concurrency:
            self.gate.lower_to(int(concurrency))
        # OpenAlex: RateLimit-Limit per second; RateLimit-Remaining 0 means wait
        # RateLimit-Reset seconds.
        rl_limit = _to_float(headers.get("RateLimit-Limit"))
        if rl_limit and rl_limit > 0 and self.service == "openalex":
            self._lower_rate(rl_limit, pause_cap, "RateLimit-Limit header")
        remaining = _to_float(headers.get("RateLimit-Remaining"))
        reset = _to_float(headers.get("RateLimit-Reset"))
        if remaining is not None and remaining <= 0 and reset and reset > 0:
            if reset > pause_cap:
                self.give_up(
                    f"its quota is spent until {_duration(reset)} from now (RateLimit-Reset header)"
                )
            else:
                self.limiter.pause(reset)

    def _lower_rate(self, rate: float, pause_cap: float, source: str) -> None:
        if _spacing(rate) > pause_cap:
            self.give_up(f"asks for one request every {_duration(1.0 / rate)} ({source})")
            return
        self.limiter.lower_to(rate)
        if self.list_limiter is not None:
            self.list_limiter.lower_to(rate)


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
