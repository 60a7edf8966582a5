"""arXiv export API: fetch (network) and parse (pure) apart.

API: https://info.arxiv.org/help/api/user-manual.html. ``GET /query`` with ``id_list``
(comma-separated ids) or ``search_query`` (``ti:"…"`` searches titles), ``start`` and
``max_results``, answers an Atom feed: ``feed/entry`` with ``id``
(``http://arxiv.org/abs/2101.00001v2``, the newest version), ``title``, ``published``
(the first version's date), ``updated``, ``author/name``, ``arxiv:doi`` (the published
version's DOI, when the authors gave one), ``arxiv:journal_ref``,
``arxiv:primary_category`` and ``link``; ``opensearch:totalResults`` counts the hits. A
malformed request is answered 200 with one entry whose id is
``http://arxiv.org/api/errors#…``; an id arXiv does not have gives an empty feed.

arXiv asks for one request every three seconds (https://info.arxiv.org/help/api/tou.html):
the policy in :mod:`bib.http.policies` paces every request of this module.
Feeds are untrusted XML and parsed with defusedxml only, as PubMed's are.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.identifiers import arxiv_unversioned
from bib.services.names import split_display_name
from bib.services.xml import parse_service_xml
from bib.work import Work

SERVICE = "arxiv"
QUERY_PATH = "/query"
# Ids per id_list request: short enough for a URL, and one page of answers.
BATCH_SIZE = 100

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

_ABS = re.compile(r"^https?://(?:export\.)?arxiv\.org/abs/(.+?)(?:v(\d+))?$", re.IGNORECASE)
_ERROR_ID = re.compile(r"^https?://(?:export\.)?arxiv\.org/api/errors", re.IGNORECASE)
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------- fetch


def fetch_by_ids(client: HttpClient, ids: list[str]) -> str:
    """The raw feed for up to BATCH_SIZE arXiv ids in one request."""
    if len(ids) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} ids per arXiv request")
    # max_results defaults to 10: without it a longer id list is cut short.
    params: dict[str, str | int] = {
        "id_list": ",".join(ids),
        "start": 0,
        "max_results": max(1, len(ids)),
    }
    return _get(client, params)


def fetch_search(client: HttpClient, search_query: str, max_results: int = 5) -> str:
    """The raw feed of one ``search_query``."""
    params: dict[str, str | int] = {
        "search_query": search_query,
        "start": 0,
        "max_results": max(1, max_results),
    }
    return _get(client, params)


def title_query(title: str) -> str:
    """``ti:"…"`` with the title's words: a phrase search on titles; punctuation (and
    quotes that would end the phrase) left out, as arXiv's index leaves it out."""
    words = _WORD.findall(title)
    return f'ti:"{" ".join(words)}"' if words else ""


def search_title(client: HttpClient, title: str, max_results: int = 5) -> list[Work]:
    """Preprints whose title is ``title`` (its words in order), best first."""
    query = title_query(title)
    if not query:
        return []
    return parse_feed(fetch_search(client, query, max_results))


def fetch_works(client: HttpClient, ids: list[str]) -> list[Work]:
    """Works for up to BATCH_SIZE arXiv ids (one request); unknown ids are left out."""
    return parse_feed(fetch_by_ids(client, ids))


def _get(client: HttpClient, params: dict[str, str | int]) -> str:
    # expect="xml": a body that is not XML ("Rate exceeded.") fails and is never cached.
    body = client.get_bytes(SERVICE, QUERY_PATH, params, expect="xml")
    return body.decode("utf-8", "replace")


# ---------------------------------------------------------------------------- parse


def parse_feed(text: str | bytes) -> list[Work]:
    """Every entry of a feed as a Work; the API's error entry raises ServiceError."""
    root = _parse_xml(text)
    if root.tag != f"{ATOM}feed":
        raise ServiceError(SERVICE, f"expected an Atom feed, got {root.tag}")
    works = []
    for entry in root.findall(f"{ATOM}entry"):
        entry_id = _text(entry.find(f"{ATOM}id")) or ""
        if _ERROR_ID.match(entry_id):
            summary = _text(entry.find(f"{ATOM}summary")) or "unspecified"
            raise ServiceError(SERVICE, f"API error: {summary}")
        works.append(parse_entry(entry))
    return works


def total_results(text: str | bytes) -> int | None:
    """``opensearch:totalResults`` of a feed, None when absent."""
    value = _text(_parse_xml(text).find(f"{OPENSEARCH}totalResults"))
    return int(value) if value and value.isdigit() else None


def parse_entry(entry: Element) -> Work:
    """One Atom ``entry`` as a Work with ``source="arxiv"``."""
    work = Work(source=SERVICE, type="posted-content")
    entry_id = _text(entry.find(f"{ATOM}id")) or ""
    match = _ABS.match(entry_id)
    if match is None:
        raise ServiceError(SERVICE, f"entry without an arXiv abstract id ({entry_id[:80]!r})")
    work.arxiv = arxiv_unversioned(match.group(1))
    if match.group(2):
        work.extra["arxiv_version"] = int(match.group(2))
    work.title = _text(entry.find(f"{ATOM}title"))
    work.authors = [
        split_display_name(name)
        for name in (_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author"))
        if name
    ]
    published = _text(entry.find(f"{ATOM}published")) or ""
    if re.match(r"\d{4}-\d{2}-\d{2}", published):
        work.date = published[:10]
        work.year = int(published[:4])
    updated = _text(entry.find(f"{ATOM}updated"))
    if updated:
        work.extra["arxiv_updated"] = updated[:10]
    doi = _text(entry.find(f"{ARXIV}doi"))
    # One DOI is the rule; a few records list several, separated by spaces.
    work.doi = doi.split()[0].lower() if doi else None
    journal_ref = _text(entry.find(f"{ARXIV}journal_ref"))
    if journal_ref:
        work.journal = journal_ref
        work.extra["journal_ref"] = journal_ref
        work.extra["venue_names"] = [journal_ref]
    primary = entry.find(f"{ARXIV}primary_category")
    if primary is not None and primary.get("term"):
        work.extra["primary_category"] = primary.get("term")
    abstract = _text(entry.find(f"{ATOM}summary"))
    work.abstract = abstract
    work.url = next(
        (
            link.get("href")
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel") == "alternate" and link.get("href")
        ),
        f"https://arxiv.org/abs/{work.arxiv}",
    )
    return work


def _parse_xml(text: str | bytes) -> Element:
    return parse_service_xml(SERVICE, text)


def _text(element: Element | None) -> str | None:
    """An element's text with whitespace collapsed (titles come hard-wrapped)."""
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None
