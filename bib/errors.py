"""Small domain exceptions. The CLI turns them into one-line `Error: …` messages."""

from __future__ import annotations


class BibError(Exception):
    """Base class of every error raised by :mod:`bib`."""


class IdentifierError(BibError):
    """An identifier is malformed; the message says what is wrong."""


class ConfigError(BibError):
    """A setting (an environment variable) has a value that cannot be used."""


class FormatError(BibError):
    """A bibliography file cannot be read at all (binary, empty, wrong encoding)."""


class ServiceError(BibError):
    """A bibliographic service failed (network, HTTP status, garbage body).

    ``service`` names the service; ``reason`` is a short human-readable cause.
    """

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class NotFound(ServiceError):
    """The service answered that the requested record does not exist (e.g. 404)."""


class OfflineMiss(ServiceError):
    """Offline mode and the HTTP cache holds no answer for this request (``url``, its
    keys redacted, when known)."""

    def __init__(self, service: str, reason: str, url: str | None = None) -> None:
        super().__init__(service, reason)
        self.url = url
