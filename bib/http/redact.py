"""Keeping API keys and e-mail addresses out of URLs, messages, logs and the cache.

One list of secret parameter names (:data:`SECRET_PARAMETERS`) serves three ends: the
HTTP cache leaves them out of its keys and stores their values as ``REDACTED``;
:func:`redact_url` blanks them in the URLs we show; and :func:`redact_library_logs` blanks
them in the log lines of the libraries we drive.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameter and header names that carry secrets or personal data. requests-cache leaves
# them out of cache keys and replaces their values with REDACTED in what it stores;
# the same list redacts URLs in logs and error messages.
SECRET_PARAMETERS: tuple[str, ...] = (
    "api_key",
    "x-api-key",
    "X-Api-Key",
    "X-API-KEY",
    "x-api-token",
    "Authorization",
    "Crossref-Plus-API-Token",
    "email",
    "mailto",
    "tool",
)
# "tool" only keeps the cache key stable (PubMed's tool=evidence); it is no secret.
_SECRET_NAMES = {name.lower() for name in SECRET_PARAMETERS} - {"tool"}

# Loggers that print request URLs: urllib3 logs every one at DEBUG, api_key included.
_LIBRARY_LOGGERS = (
    "urllib3.connectionpool",
    "requests_cache.session",
    "requests_cache.policy.actions",
    "requests_cache.backends.base",
)


def redact_url(url: str) -> str:
    """The URL with the values of secret parameters replaced by REDACTED."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, "REDACTED" if k.lower() in _SECRET_NAMES else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def redact_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each (non-empty) secret replaced by REDACTED."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "REDACTED")
    return text


class _RedactSecrets(logging.Filter):
    """Blanks secret query parameters in log lines of the libraries we drive."""

    _pattern = re.compile(r"((?:api_key|x-api-key|email|mailto)=)[^&\s\"']+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._pattern.sub(r"\1REDACTED", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = _RedactSecrets()


def redact_library_logs() -> None:
    """Attach the redacting filter to the loggers of urllib3 and requests-cache (once)."""
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactSecrets) for f in logger.filters):
            logger.addFilter(_FILTER)
