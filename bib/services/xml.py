"""Service answers in XML (PubMed E-utilities, the arXiv Atom feed): untrusted, so parsed
with defusedxml only. An entity declaration (billion laughs, an external entity) or a
body that does not parse is the service's failure, never a crash."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bib.errors import ServiceError


def parse_service_xml(service: str, body: str | bytes) -> Element:
    """The root element of ``body``; ServiceError naming ``service`` when it is unsafe
    or does not parse."""
    try:
        root: Element = SafeET.fromstring(body)  # defusedxml is untyped
    except DefusedXmlException as exc:
        raise ServiceError(service, f"refused unsafe XML ({type(exc).__name__})") from None
    except ParseError:
        raise ServiceError(service, "answered with XML that does not parse") from None
    return root
