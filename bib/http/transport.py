"""The transport under the session: bounded bodies and a total deadline per request.

A socket read timeout only bounds one receive: a server that sends a byte every few
seconds keeps a request alive for ever, and a body is only measured once it is whole in
memory. Here every request runs under a :class:`Deadline` (a timer that shuts the
socket down when the time is up, whatever the request is waiting for: headers or body),
and every body is read in small pieces, counted compressed and decompressed, and refused
at the limit (:func:`copy_body`), so that neither a gzip bomb nor an endless body is ever
held whole.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# Decoded bytes asked for per read: small enough that a compressed body can never
# expand far past the limit before it is counted.
CHUNK = 64 * 1024


class BodyTooLarge(requests.RequestException):
    """The body (as sent, or decompressed) passed the limit; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes")
        self.limit = limit


class DeadlinePassed(requests.RequestException):
    """The request had no complete answer within its total deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


_current = threading.local()


class Deadline:
    """The total time one request (and its redirects) may take, as a context manager.

    The connections of this module register their socket with the deadline of the
    thread that uses them; when the time is up the socket is shut down, so a blocked
    read returns at once and the request fails (see :attr:`expired`).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None
        with self._lock:
            self._sock = None

    def attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            _shutdown(self._sock)


def current_deadline() -> Deadline | None:
    return getattr(_current, "deadline", None)


def _shutdown(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _watch(conn: Any) -> None:
    deadline = current_deadline()
    if deadline is not None:
        deadline.attach(getattr(conn, "sock", None))


class _WatchedHTTPConnection(HTTPConnection):
    """A connection whose socket the current request's deadline watches."""

    def connect(self) -> None:
        super().connect()
        _watch(self)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        _watch(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    """The same over TLS (HTTPSConnection is an HTTPConnection: the watching methods
    above wrap its own connect and getresponse)."""


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS: dict[str, Any] = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def copy_body(raw: Any, write: Callable[[bytes], object], limit: int) -> int:
    """Read the body of urllib3 response ``raw`` into ``write``, decompressed, in small
    pieces; raise :class:`BodyTooLarge` as soon as more than ``limit`` bytes came, counted
    as sent or as decompressed. Returns the decompressed size."""
    total = 0
    while True:
        chunk = _read_piece(raw)
        if not chunk:
            return total
        total += len(chunk)
        if total > limit or raw.tell() > limit:
            raise BodyTooLarge(limit)
        write(chunk)


def _read_piece(raw: Any) -> bytes:
    """The next decompressed piece of the body (b"" at its end), errors as requests'."""
    try:
        return raw.read1(CHUNK, decode_content=True) or b""
    except (u3.HTTPError, OSError) as exc:
        deadline = current_deadline()
        if deadline is not None and deadline.expired:
            raise DeadlinePassed(deadline.seconds) from None
        _raise_as_requests(exc)
        raise


def _raise_as_requests(exc: BaseException) -> None:
    """The error requests itself would raise for a failed read of a body."""
    if isinstance(exc, u3.ReadTimeoutError):
        raise requests.exceptions.ReadTimeout(exc) from None
    if isinstance(exc, u3.DecodeError):
        raise requests.exceptions.ContentDecodingError(exc) from None
    if isinstance(exc, u3.SSLError):
        raise requests.exceptions.SSLError(exc) from None
    raise requests.exceptions.ChunkedEncodingError(exc) from None


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections obey the thread's :class:`Deadline` and whose
    bodies are read with :func:`copy_body` (``stream=True`` leaves the body to the
    caller, who reads it the same way)."""

    def __init__(self, *, max_body_bytes: int, **kwargs: Any) -> None:
        self.max_body_bytes = max_body_bytes
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        deadline = current_deadline()
        try:
            resp = super().send(request, stream=True, **kwargs)
            if not stream:
                parts: list[bytes] = []
                try:
                    copy_body(resp.raw, parts.append, self.max_body_bytes)
                except BaseException:
                    resp.close()
                    raise
                resp._content = b"".join(parts)
                resp._content_consumed = True  # type: ignore[attr-defined]
        except (requests.RequestException, OSError):
            if deadline is not None and deadline.expired:
                raise DeadlinePassed(deadline.seconds) from None
            raise
        return resp
