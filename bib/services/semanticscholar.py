"""Semantic Scholar Academic Graph client: fetch (network) and parse (pure) apart.

API: https://api.semanticscholar.org/api-docs/graph. ``POST /paper/batch`` takes up to
500 ids (``DOI:…``, ``ARXIV:…``, ``PMID:…``, ``PMCID:…``, paperId) and answers a list in
the same order, with ``null`` for an id it does not know. S2 has no retraction data.
``GET /paper/search/match?query=<title>`` answers the one best title match,
``{"data": [{…, "matchScore"}]}``, or 404 ``{"error": "Title match not found"}`` (both
recorded: semanticscholar/test_search_paper_match_title.yaml, multi-api/test_bad_dois.yaml).
"""

from __future__ import annotations

from typing import Any

from bib.errors import NotFound, ServiceError
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

# Fields of a title match: what a citation is checked against, and the venue's other
# names (publicationVenue.alternate_names: "ICML" beside "International Conference on
# Machine Learning").
MATCH_FIELDS = (
    "paperId",
    "externalIds",
    "title",
    "authors",
    "venue",
    "publicationVenue",
    "journal",
    "year",
    "publicationDate",
    "publicationTypes",
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


def fetch_match(client: HttpClient, title: str) -> Any:
    """Raw JSON of ``/paper/search/match`` for a title; NotFound when S2 has no match."""
    params = {"query": title, "fields": ",".join(MATCH_FIELDS)}
    return client.get_json(SERVICE, "/paper/search/match", params, shape=match_problem)


def search_match(client: HttpClient, title: str) -> list[Work]:
    """The paper whose title best matches ``title`` (``extra["match_score"]``), or []."""
    if not title.strip():
        return []
    try:
        return parse_match(fetch_match(client, title))
    except NotFound:
        # 404 {"error": "Title match not found"}: S2's way of saying "none".
        return []


# ---------------------------------------------------------------------------- parse


def match_problem(payload: Any) -> str | None:
    """Why ``payload`` is not a title-match answer, or None (an empty list is "none")."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return "title match answer without a data list"
    return None


def parse_match(payload: Any) -> list[Work]:
    """The papers of a title-match answer, best first, with ``extra["match_score"]``."""
    problem = match_problem(payload)
    if problem:
        raise ServiceError(SERVICE, problem)
    works = []
    for paper in payload["data"]:
        if not isinstance(paper, dict):
            continue
        work = to_work(paper)
        score = paper.get("matchScore")
        if isinstance(score, int | float) and not isinstance(score, bool):
            work.extra["match_score"] = float(score)
        works.append(work)
    return works


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
    venue_names = _venue_names(data)
    if venue_names:
        work.extra["venue_names"] = venue_names
    year = data.get("year")
    work.year = year if isinstance(year, int) else None
    work.date = _str(data.get("publicationDate"))
    types = [t for t in data.get("publicationTypes") or [] if isinstance(t, str)]
    work.publication_types = [PublicationType(t, None, SERVICE) for t in types]
    work.type = next((CSL_TYPES[t] for t in types if t in CSL_TYPES), None)
    abstract = data.get("abstract")
    work.abstract = abstract.strip() if isinstance(abstract, str) and abstract.strip() else None
    return work


def _venue_names(data: dict[str, Any]) -> list[str]:
    """Every name S2 gives the venue: publicationVenue's name and alternate names, the
    ``venue`` string, the journal name; each once, in that order."""
    names: list[Any] = []
    venue = data.get("publicationVenue")
    if isinstance(venue, dict):
        names.append(venue.get("name"))
        alternates = venue.get("alternate_names")
        if isinstance(alternates, list):
            names.extend(alternates)
    names.append(data.get("venue"))
    journal = data.get("journal")
    if isinstance(journal, dict):
        names.append(journal.get("name"))
    out: list[str] = []
    for name in names:
        text = _str(name) if isinstance(name, str) else None
        if text and text not in out:
            out.append(text)
    return out


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
