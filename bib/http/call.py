"""What goes out: one prepared request, with the service's credentials added."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bib.http.policies import add_credentials
from bib.http.redact import redact_url

# Query or form parameters as callers give them: a mapping, or pairs for repeated names.
# A None value leaves the parameter out; a list or tuple value repeats it.
Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


@dataclass
class Call:
    """One request to send (perhaps several times): URL without query, query pairs,
    form pairs for a form POST, JSON body, and headers. ``credentials``: a key or an
    e-mail address is among them (see :func:`~bib.http.policies.add_credentials`)."""

    service: str
    method: str
    url: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]] | None
    json_body: Any
    headers: dict[str, str]
    credentials: bool = False

    def safe_url(self) -> str:
        """The full URL with secret parameters redacted, for messages and logs."""
        return redact_url(self.url + ("?" + urlencode(self.query) if self.query else ""))


def prepare_call(
    service: str,
    method: str,
    url: str,
    *,
    params: Params,
    data: Mapping[str, Any] | None,
    json_body: Any,
    headers: Mapping[str, str] | None,
    key: str | None,
    mailto: str | None,
) -> Call:
    """The :class:`Call`, with the service's key and etiquette parameters added."""
    query = _pairs(params)
    form = _pairs(data) if data is not None else None
    hdrs = dict(headers or {})
    secret = add_credentials(service, key=key, mailto=mailto, query=query, form=form, headers=hdrs)
    return Call(service, method.upper(), url, query, form, json_body, hdrs, secret)


def _pairs(params: Params) -> list[tuple[str, str]]:
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, str]] = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            out.extend((key, str(v)) for v in value)
        else:
            out.append((key, str(value)))
    return out
