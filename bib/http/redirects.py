"""Redirects, followed by hand so that a key never reaches another host.

requests follows redirects on its own and strips only ``Authorization`` when the host
changes: an ``api_key`` query parameter, an ``x-api-key`` header or PubMed's ``email``
would travel on to wherever a service (or whoever answers in its name) points. The
client therefore sends every request with redirects off and asks :func:`next_hop` where
to go: a redirect within the configured base URL's origin (scheme, host and port) is
followed; one to another origin only when the request carries nothing personal, else it
is refused with a message naming the new address. At most :data:`MAX_REDIRECTS` hops.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from bib.errors import ServiceError
from bib.http.call import Call
from bib.http.policies import POLICIES
from bib.http.redact import redact_url

MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


def first_hop(call: Call, headers: dict[str, str]) -> Call:
    """The first request of a chain: ``call`` with the headers it is sent with."""
    return replace(call, headers=headers)


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one when the URL names none)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def next_hop(hop: Call, resp: Any, call: Call, base_url: str, hops: int) -> Call:
    """Where the redirect ``resp`` (the answer to ``hop``) leads; ServiceError when it
    may not be followed: another origin while ``call`` carries credentials, or more than
    :data:`MAX_REDIRECTS` hops."""
    service = call.service
    if hops >= MAX_REDIRECTS:
        raise ServiceError(service, f"more than {MAX_REDIRECTS} redirects")
    target = urljoin(resp.url or hop.url, resp.headers.get("Location", ""))
    if origin(target) != origin(base_url) and call.credentials:
        _, host, port = origin(target)
        raise ServiceError(
            service,
            f"redirected to {host}:{port}, another host than {_where(base_url)}; not followed, "
            f"so that the API key or e-mail address is not sent there. If the service has "
            f"moved, set {POLICIES[service].env_url} to {redact_url(target.split('?')[0])}",
        )
    if resp.status_code in (301, 302, 303) and hop.method != "HEAD":
        # As browsers do: the next request is a GET without the body.
        return replace(hop, method="GET", url=target, query=[], form=None, json_body=None)
    return replace(hop, url=target, query=[])


def _where(url: str) -> str:
    _, host, port = origin(url)
    return f"{host}:{port}"
