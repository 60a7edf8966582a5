"""OpenAlex client: fetch (network) and parse (pure) apart.

API: https://developers.openalex.org. Since 13 Feb 2026 an API key is required
(https://developers.openalex.org/guides/authentication); singleton lookups are free, a
list call with ``filter=doi:A|B|…`` (up to 100 values, pipe = OR) costs one list call.
A title search is ``filter=title.search:<words>`` (recorded in
multi-api/test_title_search[*].yaml: the list envelope, ``relevance_score`` per result).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.work import Author, Notice, PublicationType, Work

SERVICE = "openalex"

# Up to 100 values in one OR filter (openalex-docs, "filter-entity-lists.md").
BATCH_SIZE = 100

_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
_PMID_PREFIX = "https://pubmed.ncbi.nlm.nih.gov/"
_PMC_PREFIXES = ("https://www.ncbi.nlm.nih.gov/pmc/articles/", "https://pmc.ncbi.nlm.nih.gov/")
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------- fetch


def fetch_work(client: HttpClient, doi: str) -> Any:
    """Raw JSON of one Work by DOI (``GET /works/doi:{doi}``)."""
    return client.get_json(SERVICE, "/works/doi:" + quote(doi, safe="/:;()"))


def fetch_works_by_doi(client: HttpClient, dois: list[str]) -> Any:
    """Raw JSON list (``meta``, ``results``) for up to BATCH_SIZE DOIs in one call."""
    if len(dois) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} DOIs per OpenAlex request")
    # A DOI holding "|" or "," would split the filter; the caller looks those up alone.
    params = {
        "filter": "doi:" + "|".join(f"https://doi.org/{d}" for d in dois),
        "per_page": BATCH_SIZE,
    }
    return client.get_json(SERVICE, "/works", params, shape=work_list_problem)


def fetch_title_search(client: HttpClient, title: str, rows: int = 5) -> Any:
    """Raw JSON list of ``filter=title.search:<words>`` (a list call: needs the key)."""
    params = {"filter": "title.search:" + title_words(title), "per_page": max(1, rows)}
    return client.get_json(SERVICE, "/works", params, shape=work_list_problem)


def title_words(title: str) -> str:
    """The title's words only: a comma would end the filter and a pipe make it an OR."""
    return " ".join(_WORD.findall(title))


def search_title(client: HttpClient, title: str, rows: int = 5) -> list[Work]:
    """Works whose title matches ``title``, best first (``extra["relevance_score"]``)."""
    if not title_words(title):
        return []
    return parse_work_list(fetch_title_search(client, title, rows))


# ---------------------------------------------------------------------------- parse


def parse_work_list(payload: dict[str, Any]) -> list[Work]:
    """The ``results`` of a list response as Works."""
    problem = work_list_problem(payload)
    if problem:
        raise ServiceError(SERVICE, problem)
    return [to_work(r) for r in payload["results"] if isinstance(r, dict)]


def work_list_problem(payload: Any) -> str | None:
    """Why ``payload`` is not a list response, or None (an empty list is "not found";
    anything else is a failed answer)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        return "list response without results"
    return None


def is_not_found_page(body: bytes | str) -> bool:
    """True for the HTML 404 page OpenAlex serves for an unknown id (not JSON)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return "<title>404 Not Found</title>" in text or "was not found on the server" in text


def to_work(data: dict[str, Any]) -> Work:
    """One OpenAlex Work object as a Work with ``source="openalex"``."""
    work = Work(source=SERVICE)
    oid = data.get("id")
    if isinstance(oid, str) and oid:
        work.openalex = oid.rsplit("/", 1)[-1]
    ids: dict[str, Any] = data["ids"] if isinstance(data.get("ids"), dict) else {}
    work.doi = strip_doi(data.get("doi") or ids.get("doi"))
    pmid = ids.get("pmid")
    if isinstance(pmid, str) and pmid:
        work.pmid = pmid.removeprefix(_PMID_PREFIX).strip("/") or None
    pmcid = ids.get("pmcid")
    if isinstance(pmcid, str) and pmcid:
        tail = pmcid
        for prefix in _PMC_PREFIXES:
            tail = tail.removeprefix(prefix)
        tail = tail.strip("/").upper()
        work.pmcid = tail if tail.startswith("PMC") else f"PMC{tail}"
    title = data.get("title") or data.get("display_name")
    work.title = title.strip() if isinstance(title, str) and title.strip() else None
    work.authors = [a for a in (_author(x) for x in data.get("authorships") or []) if a is not None]
    location = data.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    if isinstance(source, dict):
        work.journal = source.get("display_name") or None
        work.issn = [str(i) for i in source.get("issn") or [] if i]
        work.publisher = source.get("host_organization_name") or None
    venue_names = _venue_names(source, data.get("host_venue"))
    if venue_names:
        work.extra["venue_names"] = venue_names
    score = data.get("relevance_score")
    if isinstance(score, int | float) and not isinstance(score, bool):
        work.extra["relevance_score"] = float(score)
    year = data.get("publication_year")
    work.year = year if isinstance(year, int) else None
    work.date = data.get("publication_date") or None
    biblio: dict[str, Any] = data["biblio"] if isinstance(data.get("biblio"), dict) else {}
    work.volume = biblio.get("volume") or None
    work.issue = biblio.get("issue") or None
    first, last = biblio.get("first_page"), biblio.get("last_page")
    if first:
        work.pages = f"{first}-{last}" if last and last != first else str(first)
    # OpenAlex's own type (article, review, preprint…); Crossref's type when present.
    work.type = data.get("type_crossref") or data.get("type") or None
    if data.get("type"):
        work.publication_types = [PublicationType(str(data["type"]), None, SERVICE)]
    work.language = data.get("language") or None
    work.abstract = abstract_from_inverted_index(data.get("abstract_inverted_index"))
    retracted = data.get("is_retracted")
    if isinstance(retracted, bool):
        work.retracted = retracted
        if retracted:
            # A single flag (derived from Retraction Watch): no date, no notice DOI.
            work.notices = [Notice(kind="retraction", source=SERVICE)]
    return work


def strip_doi(value: Any) -> str | None:
    """``https://doi.org/10.X/Y`` -> ``10.x/y``."""
    if not isinstance(value, str) or not value.strip():
        return None
    doi = value.strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
            break
    return doi.lower() or None


def abstract_from_inverted_index(index: Any) -> str | None:
    """Rebuild the text of ``abstract_inverted_index`` (word -> positions)."""
    if not isinstance(index, dict) or not index:
        return None
    positions: dict[int, str] = {}
    for word, places in index.items():
        if not isinstance(places, list):
            continue
        for p in places:
            if isinstance(p, int):
                positions[p] = word
    if not positions:
        return None
    return " ".join(positions[p] for p in sorted(positions))


def split_name(name: str) -> Author:
    """A display name as family/given: "Jevin D. West" -> West, "Jevin D."; a name
    already in "Family, Given" form is split at the comma."""
    name = " ".join(name.split())
    if "," in name:
        family, _, given = name.partition(",")
        return Author(family.strip(), given.strip())
    if " " not in name:
        return Author(name)
    given, _, family = name.rpartition(" ")
    return Author(family, given)


def _venue_names(*venues: Any) -> list[str]:
    """The display name, abbreviated title and alternate titles of the work's source
    (and of the older ``host_venue``), each once."""
    out: list[str] = []
    for venue in venues:
        if not isinstance(venue, dict):
            continue
        names = [venue.get("display_name"), venue.get("abbreviated_title")]
        alternates = venue.get("alternate_titles")
        if isinstance(alternates, list):
            names.extend(alternates)
        for name in names:
            text = " ".join(name.split()) if isinstance(name, str) else ""
            if text and text not in out:
                out.append(text)
    return out


def _author(data: Any) -> Author | None:
    if not isinstance(data, dict):
        return None
    author = data.get("author")
    name = author.get("display_name") if isinstance(author, dict) else None
    name = name or data.get("raw_author_name")
    if not isinstance(name, str) or not name.strip():
        return None
    return split_name(name)
