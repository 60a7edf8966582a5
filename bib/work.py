"""The normalised ``Work`` record shared by every client, format and the store.

A Work is what one source (a service response, a BibTeX entry, a user) says about one
study. Works from several sources are merged with :func:`merge_works`, keeping per-field
provenance so that a report can say which service said what.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# The identifiers a work carries, each a column of the library's studies table: the
# standard ones first (bib.identifiers has a handler for each, and bib.lookup looks works
# up by them), then the services' own record ids.
STANDARD_IDS = ("doi", "pmid", "pmcid", "arxiv", "isbn")
ID_FIELDS = (*STANDARD_IDS, "openalex", "s2")

# Fields that hold simple scalar metadata and take part in merging.
SCALAR_FIELDS = (
    "doi",
    "pmid",
    "pmcid",
    "arxiv",
    "isbn",
    "openalex",
    "s2",
    "title",
    "journal",
    "journal_abbrev",
    "publisher",
    "year",
    "volume",
    "issue",
    "pages",
    "type",
    "abstract",
    "url",
    "language",
    "date",
)
LIST_FIELDS = ("authors", "issn", "publication_types", "notices", "keywords")


@dataclass(frozen=True)
class Author:
    family: str
    given: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"family": self.family, "given": self.given}


@dataclass(frozen=True)
class Notice:
    """A retraction, correction, expression of concern… attached to a work.

    kind: ``retraction``, ``correction``, ``expression_of_concern``, ``withdrawal``,
    ``erratum``, ``new_version`` (Crossref update types, PubMed CommentsCorrections).
    source: ``crossref``, ``retraction-watch``, ``openalex``, ``pubmed``.
    """

    kind: str
    source: str
    date: str | None = None
    doi: str | None = None
    pmid: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PublicationType:
    """A PubMed publication type with its MeSH UI (e.g. D016449), or a service's type label."""

    name: str
    ui: str | None = None
    source: str = "pubmed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Work:
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    arxiv: str | None = None
    isbn: str | None = None
    openalex: str | None = None
    s2: str | None = None
    title: str | None = None
    authors: list[Author] = field(default_factory=list)
    journal: str | None = None
    journal_abbrev: str | None = None
    issn: list[str] = field(default_factory=list)
    publisher: str | None = None
    year: int | None = None
    date: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    # Crossref/CSL-style type: journal-article, book, book-chapter, posted-content, …
    type: str | None = None
    publication_types: list[PublicationType] = field(default_factory=list)
    abstract: str | None = None
    url: str | None = None
    language: str | None = None
    keywords: list[str] = field(default_factory=list)
    # None: the source says nothing about retraction; False: it says "not retracted".
    retracted: bool | None = None
    notices: list[Notice] = field(default_factory=list)
    # Citation key from a bibliography file (BibTeX key, CSL-JSON id, RIS ID).
    citekey: str | None = None
    # Where this record came from: "crossref", "pubmed", "openalex", "s2", "openlibrary",
    # "bibtex", "csl-json", "ris", "user".
    source: str = "user"
    # Fields of the source format that have no column of their own (kept for round trips).
    extra: dict[str, Any] = field(default_factory=dict)
    # field name -> source that provided the value (filled by merge_works).
    provenance: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("authors", "publication_types", "notices"):
                out[f.name] = [item.to_dict() for item in value]
            elif isinstance(value, list):
                out[f.name] = list(value)
            elif isinstance(value, dict):
                out[f.name] = dict(value)
            else:
                out[f.name] = value
        return out

    @property
    def first_author(self) -> str | None:
        return self.authors[0].family if self.authors else None

    def identifiers(self) -> dict[str, str]:
        """The identifiers this work carries, by kind."""
        return {kind: value for kind in ID_FIELDS if (value := getattr(self, kind))}


# Which source is trusted first for each field when several disagree. Services that
# curate a field come first: PubMed for biomedical titles/abstracts/types, Crossref for
# bibliographic fields registered by the publisher.
FIELD_PRIORITY: dict[str, tuple[str, ...]] = {
    "default": ("user", "crossref", "pubmed", "openalex", "s2", "openlibrary"),
    "abstract": ("user", "pubmed", "crossref", "openalex", "s2"),
    "journal_abbrev": ("user", "pubmed", "crossref", "openalex", "s2"),
    "pmid": ("user", "pubmed", "openalex", "s2", "crossref"),
    "pmcid": ("user", "pubmed", "openalex", "s2", "crossref"),
}


def _rank(source: str, name: str) -> int:
    order = FIELD_PRIORITY.get(name, FIELD_PRIORITY["default"])
    return order.index(source) if source in order else len(order)


def merge_works(works: list[Work]) -> Work:
    """Merge what several sources say about one work into one record.

    For each scalar field the value of the highest-priority source that has one wins
    (FIELD_PRIORITY); lists are taken whole from the best source, except notices and
    publication types, which are unions (no single source of retractions is complete).
    ``retracted`` is True when any source says so.
    """
    if not works:
        return Work()
    merged = Work(source="merged")
    for name in SCALAR_FIELDS + ("authors", "issn", "keywords"):
        candidates = [w for w in works if getattr(w, name)]
        if not candidates:
            continue
        best = min(candidates, key=lambda w: _rank(w.source, name))
        value = getattr(best, name)
        setattr(merged, name, list(value) if isinstance(value, list) else value)
        merged.provenance[name] = best.source
    seen_types: set[tuple[str, str]] = set()
    seen_notices: set[tuple[str, str, str | None, str | None]] = set()
    for w in works:
        for p in w.publication_types:
            if (p.name, p.source) not in seen_types:
                seen_types.add((p.name, p.source))
                merged.publication_types.append(p)
        for n in w.notices:
            if (n.kind, n.source, n.doi, n.pmid) not in seen_notices:
                seen_notices.add((n.kind, n.source, n.doi, n.pmid))
                merged.notices.append(n)
        merged.extra.update({k: v for k, v in w.extra.items() if k not in merged.extra})
        if w.citekey and not merged.citekey:
            merged.citekey = w.citekey
    says = [w.retracted for w in works if w.retracted is not None]
    merged.retracted = any(says) if says else None
    if any(n.kind == "retraction" for n in merged.notices):
        merged.retracted = True
    return merged
