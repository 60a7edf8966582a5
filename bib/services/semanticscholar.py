"""Semantic Scholar Academic Graph client: fetch (network) and parse (pure) apart.

API: https://api.semanticscholar.org/api-docs/graph. ``POST /paper/batch`` takes up to
500 ids (``DOI:…``, ``ARXIV:…``, ``PMID:…``, ``PMCID:…``, paperId) and answers a list in
the same order, with ``null`` for an id it does not know. S2 has no retraction data.
"""

from __future__ import annotations

from typing import Any

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.services.openalex import split_name
from bib.work import PublicationType, Work

SERVICE = "s2"

# "Can only process 500 paper ids at a time" (S2 /paper/batch documentation).
BATCH_SIZE = 500

FIELDS = (
    "paperId",
    "externalIds",
    "title",
    "authors",
    "venue",
    "journal",
    "year",
    "publicationDate",
    "publicationTypes",
    "abstract",
)

# S2 publicationTypes that name the kind of document (the rest name a study design).
CSL_TYPES = {
    "JournalArticle": "journal-article",
    "Book": "book",
    "BookSection": "book-chapter",
    "Conference": "proceedings-article",
    "Dataset": "dataset",
}


def paper_id(kind: str, value: str) -> str:
    """The S2 id for an identifier: ``DOI:…``, ``ARXIV:…``, ``PMID:…``, ``PMCID:…``."""
    prefix = {"doi": "DOI", "arxiv": "ARXIV", "pmid": "PMID", "pmcid": "PMCID"}.get(kind)
    if prefix is None:
        raise ValueError(f"Semantic Scholar cannot look up {kind} identifiers")
    if kind == "pmcid":
        value = value.upper().removeprefix("PMC")
    return f"{prefix}:{value}"


# ---------------------------------------------------------------------------- fetch


def fetch_batch(client: HttpClient, ids: list[str]) -> Any:
    """Raw JSON list (one entry or ``null`` per id) for up to BATCH_SIZE S2 ids."""
    if len(ids) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} ids per Semantic Scholar batch")
    return client.post_json(
        SERVICE, "/paper/batch", params={"fields": ",".join(FIELDS)}, json_body={"ids": ids}
    )


# ---------------------------------------------------------------------------- parse


def parse_batch(payload: Any) -> list[Work | None]:
    """A batch answer as Works in request order; ``None`` where S2 answered ``null``."""
    if not isinstance(payload, list):
        raise ServiceError(SERVICE, "batch answer is not a list")
    return [to_work(p) if isinstance(p, dict) else None for p in payload]


def to_work(data: dict[str, Any]) -> Work:
    """One S2 paper object as a Work with ``source="s2"``."""
    work = Work(source=SERVICE)
    work.s2 = data.get("paperId") or None
    ext: dict[str, Any] = data["externalIds"] if isinstance(data.get("externalIds"), dict) else {}
    doi = ext.get("DOI")
    work.doi = doi.strip().lower() if isinstance(doi, str) and doi.strip() else None
    work.pmid = _str(ext.get("PubMed"))
    pmc = _str(ext.get("PubMedCentral"))
    work.pmcid = (pmc if pmc.upper().startswith("PMC") else f"PMC{pmc}") if pmc else None
    work.arxiv = _str(ext.get("ArXiv"))
    if ext.get("CorpusId") is not None:
        work.extra["s2_corpus_id"] = ext["CorpusId"]
    title = data.get("title")
    work.title = title.strip() if isinstance(title, str) and title.strip() else None
    work.authors = [
        split_name(a["name"])
        for a in data.get("authors") or []
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]
    journal = data.get("journal") if isinstance(data.get("journal"), dict) else None
    if journal:
        work.journal = _str(journal.get("name"))
        work.volume = _str(journal.get("volume"))
        pages = _str(journal.get("pages"))
        # S2 pads unknown pages with whitespace-only strings; keep real ranges only.
        work.pages = pages.replace(" ", "") if pages else None
    if not work.journal:
        work.journal = _str(data.get("venue"))
    year = data.get("year")
    work.year = year if isinstance(year, int) else None
    work.date = _str(data.get("publicationDate"))
    types = [t for t in data.get("publicationTypes") or [] if isinstance(t, str)]
    work.publication_types = [PublicationType(t, None, SERVICE) for t in types]
    work.type = next((CSL_TYPES[t] for t in types if t in CSL_TYPES), None)
    abstract = data.get("abstract")
    work.abstract = abstract.strip() if isinstance(abstract, str) and abstract.strip() else None
    return work


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
