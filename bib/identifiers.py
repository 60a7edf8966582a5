"""Identifiers of works: one handler per kind behind a registry.

(Interface in place; handlers are filled in by the identifiers module work.)
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("doi", "pmid", "pmcid", "arxiv", "isbn", "url")


@dataclass(frozen=True)
class Identifier:
    """A standardised identifier: ``kind`` is one of KINDS, ``value`` its normal form
    (DOI lower-case without resolver prefix, PMID digits, PMCID ``PMC123``, arXiv id
    without version prefix, ISBN-13 digits)."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
