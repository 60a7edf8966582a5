"""What a service sent back: :class:`Answer`, and the checks of its body."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bib.errors import ServiceError
from bib.http.redact import redact_secrets


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: body, status, headers, and whether it came from the cache.

    ``url`` has every secret parameter redacted. ``stale`` marks a cached answer served
    because the network failed (or offline) after it had expired.
    """

    service: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    from_cache: bool
    stale: bool = False
    cache_key: str | None = field(default=None, repr=False, compare=False)

    def json(self) -> Any:
        return decode_json(self.service, self.body)


def decode_json(service: str, body: bytes) -> Any:
    """The decoded body; ServiceError when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise ServiceError(service, "answered with a body that is not JSON") from None


def check_xml(service: str, body: bytes) -> None:
    """Raise ServiceError unless ``body`` is well-formed XML free of entity tricks.

    Entity declarations (billion laughs) and external entities are refused, as
    defusedxml does; a DOCTYPE that only names a public DTD is fine (PubMed sends one).
    """
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        safe_et.fromstring(body)
    except DefusedXmlException:
        raise ServiceError(service, "answered with unsafe XML (entity declarations)") from None
    except (safe_et.ParseError, ValueError, RecursionError):
        raise ServiceError(service, "answered with a body that is not XML") from None


def error_detail(body: bytes, secrets: Sequence[str]) -> str:
    """A short reason from an error body (Crossref/S2/OpenAlex JSON), secrets removed."""
    text = ""
    try:
        data = json.loads(body[:20000])
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        msg = data.get("message") if "message" in data else data.get("error")
        if isinstance(msg, list) and msg and isinstance(msg[0], dict):
            msg = msg[0].get("message")
        if isinstance(msg, str):
            text = msg
    return redact_secrets(" ".join(text.split())[:160], secrets)
