"""Web pages a user names by address, fetched through the process's session.

A page is not a service: it has no policy, no key and no base URL, and it is asked for
once per command. It still goes through everything the session gives every request: the
HTTP cache (offline mode answers from it alone), the total deadline of one request
(``HttpConfig.deadline``, ``EVIDENCE_HTTP_DEADLINE``) and the body limit counted while
the body is read (``HttpConfig.max_body_bytes``), so that a server that never answers or
sends an endless body is cut off. Redirects are followed by hand, at most
:data:`~bib.http.redirects.MAX_REDIRECTS`, and only to http and https addresses.

Online, a page is always fetched anew (it may have changed since the last time) and the
answer replaces the cached one; when the network fails, the cached copy is used and marked
``stale``. A page reached through redirects is cached under the address asked for too, so
that an offline run finds it by that address. The User-Agent names the tool and its
version, without the contact address the services get.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from bib import __version__
from bib.errors import NotFound, OfflineMiss, ServiceError
from bib.http.answer import Answer
from bib.http.redirects import MAX_REDIRECTS
from bib.http.session import cache_of, cached_response, save_answer
from bib.http.transport import BodyTooLarge, Deadline, DeadlinePassed

if TYPE_CHECKING:
    from bib.http import HttpClient

log = logging.getLogger(__name__)

WEB_SCHEMES = ("http", "https")
ACCEPT = (
    "text/html,application/xhtml+xml,application/pdf;q=0.9,application/xml;q=0.9,"
    "text/markdown;q=0.8,text/plain;q=0.8,*/*;q=0.5"
)


def page_headers() -> dict[str, str]:
    """The headers a page is asked for with: the tool's name and what it reads."""
    return {"User-Agent": f"evidence/{__version__}", "Accept": ACCEPT}


def check_web_address(url: str) -> None:
    """ServiceError unless ``url`` is an http or https address with a host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        shown = f"{scheme}:" if scheme else "an address without a scheme"
        raise ServiceError(url, f"{shown} is not a web address; only http and https pages are read")
    if not parts.hostname:
        raise ServiceError(url, "the address names no host. Give a full http(s) address")


def fetch_page(client: HttpClient, url: str) -> Answer:
    """The page at ``url`` (an http or https address) as an :class:`Answer` whose ``url``
    is where the page was found (after redirects) and whose headers hold its
    Content-Type. ServiceError (NotFound for 404 and 410, OfflineMiss offline without a
    cached copy) says what went wrong; its ``service`` is the address asked for."""
    check_web_address(url)
    session = client.session
    config = client.config
    headers = page_headers()
    if config.offline:
        cached = _from_cache(client, url, headers)
        if cached is None:
            why = "offline and the page is not in the HTTP cache"
            raise OfflineMiss(url, f"{why}; fetch it once without --offline", url)
        return cached
    timeout = (min(config.connect_timeout, config.timeout), config.timeout)
    try:
        with Deadline(config.deadline):
            resp, final_url = _follow(session, url, headers, timeout)
    except BodyTooLarge as exc:
        raise ServiceError(
            url, f"the page is larger than {exc.limit} bytes; stopped reading there"
        ) from None
    except requests.RequestException as exc:
        failure = _failure(exc)
        stale = _from_cache(client, url, headers)
        if stale is not None:
            log.warning("%s: %s; using the copy in the HTTP cache", url, failure)
            return replace(stale, stale=True)
        raise ServiceError(url, failure) from None
    status = resp.status_code
    if status in (404, 410):
        raise NotFound(url, f"not found (HTTP {status}). Check the address")
    if not 200 <= status < 300:
        reason = f" {resp.reason}" if resp.reason else ""
        raise ServiceError(url, f"the server answered HTTP {status}{reason}")
    body = resp.content
    answer_headers = CaseInsensitiveDict(resp.headers)
    if final_url != url and status == 200 and cache_of(session) is not None:
        content_type = answer_headers.get("Content-Type")
        save_answer(
            session,
            requests.Request("GET", url, headers=headers),
            body,
            {"Content-Type": content_type} if content_type else {},
        )
    return Answer(
        service=url,
        url=final_url,
        status=status,
        headers=answer_headers,
        body=body,
        from_cache=bool(getattr(resp, "from_cache", False)),
    )


def _follow(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    timeout: tuple[float, float],
) -> tuple[requests.Response, str]:
    """The answer at the end of the redirects from ``url``, and its address. The request
    skips a cached answer and stores the new one (``no-cache``)."""
    hop = url
    for _ in range(MAX_REDIRECTS + 1):
        resp = session.request(
            "GET",
            hop,
            headers={**headers, "Cache-Control": "no-cache"},
            timeout=timeout,
            allow_redirects=False,
        )
        if not resp.is_redirect:
            return resp, hop
        resp.close()
        target = urljoin(hop, resp.headers.get("Location", ""))
        scheme = urlsplit(target).scheme.lower()
        if scheme not in WEB_SCHEMES:
            raise ServiceError(
                url,
                f"redirected to a {scheme}: address ({target[:80]}); "
                "only http and https redirects are followed",
            )
        hop = target
    raise ServiceError(url, f"more than {MAX_REDIRECTS} redirects")


def _from_cache(client: HttpClient, url: str, headers: dict[str, str]) -> Answer | None:
    """The cached copy of the page at ``url``, of any age, or None."""
    session = client.session
    if cache_of(session) is None:
        return None
    resp = cached_response(
        session,
        "GET",
        url,
        headers=headers,
        timeout=(client.config.connect_timeout, client.config.timeout),
        any_age=True,
        allow_redirects=False,
    )
    if resp is None:
        return None
    return Answer(
        service=url,
        url=url,
        status=200,
        headers=CaseInsensitiveDict(resp.headers),
        body=resp.content,
        from_cache=True,
    )


def _failure(exc: requests.RequestException) -> str:
    """What went wrong with a request, in words."""
    if isinstance(exc, DeadlinePassed):
        return f"{exc}; the server is too slow or does not answer (EVIDENCE_HTTP_DEADLINE)"
    if isinstance(exc, requests.Timeout):
        return "timed out waiting for the server"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer broke off before its end"
    if isinstance(exc, requests.exceptions.SSLError):
        return "the secure (TLS) connection failed"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect to the server"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the answer cannot be decompressed"
    return f"the request failed ({type(exc).__name__})"
