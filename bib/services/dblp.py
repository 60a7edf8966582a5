"""DBLP publication search: fetch (network) and parse (pure) apart.

API: https://dblp.org/faq/How+to+use+the+dblp+search+API.html. ``GET /search/publ/api``
with ``q`` (the words to find, all of them), ``format=json`` and ``h`` (hits, at most
1,000) answers ``{"result": {"hits": {"@total", "@sent", "hit": [{"@score", "info":
{...}}]}}}``; without hits, ``hit`` is absent. Each ``info`` carries ``title`` (ending
with "."), ``authors.author`` (one ``{"@pid", "text"}`` object for a single author, a
list otherwise; homonyms carry a number such as "Wei Liu 0002"), ``venue`` (a string, or
a list for a paper in several), ``year``, ``type``, ``key`` ("conf/nips/AbbasS21"),
``doi``, ``ee`` (the electronic edition, a string or list) and ``url`` (the DBLP
record). Most computer-science conference papers have no DOI: DBLP is where they are.
"""

from __future__ import annotations

import re
from typing import Any

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.identifiers import arxiv_unversioned
from bib.services.names import split_display_name
from bib.work import Author, Work

SERVICE = "dblp"
SEARCH_PATH = "/search/publ/api"
# DBLP caps h at 1,000 "for bandwidth reasons".
MAX_HITS = 1000

# DBLP's publication types (the facet names of its search) -> Work.type, the Crossref
# type where Crossref has one (bib/formats/types.py).
TYPES = {
    "Conference and Workshop Papers": "proceedings-article",
    "Journal Articles": "journal-article",
    "Informal and Other Publications": "posted-content",
    "Informal Publications": "posted-content",
    "Books and Theses": "book",
    "Parts in Books or Collections": "book-chapter",
    "Editorship": "edited-book",
    "Reference Works": "reference-entry",
    "Data and Artifacts": "dataset",
}
# DBLP files arXiv preprints under the venue "CoRR" (key journals/corr/abs-YYMM-NNNNN).
PREPRINT_VENUE = "CoRR"

# Homonyms get a four-digit number: "Wei Liu 0002".
_HOMONYM = re.compile(r"\s+\d{4}$")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.IGNORECASE)
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\..+)$", re.IGNORECASE)
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------- fetch


def search_publications(client: HttpClient, query: str, hits: int = 10) -> Any:
    """Raw JSON of one publication search (``q=query``, ``h=hits``)."""
    params = {"q": query, "format": "json", "h": max(1, min(hits, MAX_HITS))}
    return client.get_json(SERVICE, SEARCH_PATH, params, shape=search_problem)


def title_query(title: str, authors: list[Author] | None = None) -> str:
    """The words of ``title`` (and the first author's family name): DBLP finds records
    holding every word; punctuation would be read as its query syntax (``|`` is OR,
    ``:`` a field, ``$`` an exact word end), so only words go in."""
    words = _WORD.findall(title)
    if authors:
        words += _WORD.findall(authors[0].family)
    return " ".join(words)


def search_title(
    client: HttpClient, title: str, authors: list[Author] | None = None, hits: int = 10
) -> list[Work]:
    """Works whose title holds the words of ``title`` (and the first author's family
    name, when given), best first."""
    query = title_query(title, authors)
    if not query:
        return []
    return parse_search(search_publications(client, query, hits))


# ---------------------------------------------------------------------------- parse


def search_problem(payload: Any) -> str | None:
    """Why ``payload`` is not a search answer, or None (no hits is an answer)."""
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("hits"), dict):
        return "search answer without result.hits"
    return None


def parse_search(payload: Any) -> list[Work]:
    """The hits of a search answer as Works, in DBLP's order (best first)."""
    problem = search_problem(payload)
    if problem:
        raise ServiceError(SERVICE, problem)
    hits = payload["result"]["hits"].get("hit") or []
    if isinstance(hits, dict):
        hits = [hits]
    if not isinstance(hits, list):
        raise ServiceError(SERVICE, "search answer whose hits are not a list")
    works = []
    for hit in hits:
        info = hit.get("info") if isinstance(hit, dict) else None
        if isinstance(info, dict):
            works.append(to_work(info))
    return works


def to_work(info: dict[str, Any]) -> Work:
    """One hit's ``info`` as a Work with ``source="dblp"``."""
    work = Work(source=SERVICE)
    title = _text(info.get("title"))
    if title and title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    work.title = title or None
    work.authors = _authors(info.get("authors"))
    venues = [v for v in (_text(x) for x in _as_list(info.get("venue"))) if v]
    work.journal = venues[0] if venues else None
    year = _text(info.get("year"))
    work.year = int(year) if year and year.isdigit() else None
    work.volume = _text(info.get("volume"))
    work.issue = _text(info.get("number"))
    work.pages = _text(info.get("pages"))
    links = [u for u in (_text(x) for x in _as_list(info.get("ee"))) if u]
    doi = _text(info.get("doi"))
    if not doi:
        doi = next((m.group(1) for u in links if (m := _DOI_URL.match(u))), None)
    work.doi = doi.lower() if doi else None
    record_url = _text(info.get("url"))
    work.url = links[0] if links else record_url
    key = _text(info.get("key"))
    dblp_type = _text(info.get("type"))
    work.type = TYPES.get(dblp_type or "")
    if PREPRINT_VENUE in venues:
        work.type = "posted-content"
        work.arxiv = _arxiv_of([*links, record_url or ""], key)
    if key:
        work.extra["dblp_key"] = key
        work.extra["venue_key"] = "/".join(key.split("/")[:2])
    if record_url:
        work.extra["dblp_url"] = record_url
    if dblp_type:
        work.extra["dblp_type"] = dblp_type
    if venues:
        work.extra["venue_names"] = venues
    return work


def strip_homonym_number(name: str) -> str:
    """Drop DBLP's homonym number ("Wei Liu 0002" is Wei Liu): it tells people apart,
    it is no part of the name."""
    return _HOMONYM.sub("", name.strip())


def _authors(value: Any) -> list[Author]:
    people = value.get("author") if isinstance(value, dict) else None
    out = []
    for person in _as_list(people):
        name = _text(person.get("text") if isinstance(person, dict) else person)
        if name:
            out.append(split_display_name(strip_homonym_number(name)))
    return out


def _arxiv_of(urls: list[str], key: str | None) -> str | None:
    """The arXiv id of a CoRR record, from its links, else from its key
    (``journals/corr/abs-2101-00001`` is 2101.00001)."""
    for url in urls:
        match = _ARXIV_URL.search(url)
        if match:
            return arxiv_unversioned(match.group(1))
    if key:
        match = re.fullmatch(r"journals/corr/abs-(\d{4})-(\d{4,5})", key)
        if match:
            return f"{match.group(1)}.{match.group(2)}"
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    # A field may come as {"@attr": …, "text": …} when DBLP adds attributes to it.
    if isinstance(value, dict):
        value = value.get("text")
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None
