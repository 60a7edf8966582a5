"""One local fake of Crossref, OpenAlex, PubMed E-utilities, Semantic Scholar, Open Library,
DBLP and arXiv.

A ``ThreadingHTTPServer`` on 127.0.0.1 (ephemeral port) serves an in-memory dataset in
the services' real response shapes, enforces their published rate and concurrency
limits, adds latency, and injects faults on demand. Tests and benchmarks point the
``EVIDENCE_*_URL`` variables at ``http://127.0.0.1:PORT/<service>``.

Where each shape comes from (the recordings in ../shared/data/real-api/, read, never
copied; see its SOURCES.md):

- Crossref ``GET /works/{doi}``: ``crossref/test_works_with_one_id.yaml`` (envelope
  ``status``/``message-type: work``/``message-version``/``message``, field names and
  types, ``updated-by`` entries); unknown DOI: 404 ``text/plain`` ``Resource not found.``
  (``crossref/test_works_bad_id_warn.yaml``); the work list (``message-type: work-list``,
  ``facets``, ``total-results``, ``items``, ``items-per-page``, ``query``):
  ``crossref/test_journals_field_queries.yaml``; 400 ``validation-failure`` envelope:
  ``crossref/test_works_query_filters_not_allowed_with_dois.yaml``; the
  ``x-rate-limit-*``/``x-concurrency-limit``/``x-api-pool`` headers: the same files.
- OpenAlex Work object: ``openalex/W2741809807.json``; 404 HTML page and ``RateLimit-*``
  headers: ``openalex/test_does_openalex_work[not-in-openalex].yaml``. The list envelope
  (``meta``, ``results``, ``group_by``) follows OpenAlex's documentation (no recording of
  a ``filter=doi:a|b`` batch exists). The 401 for a missing key is an assumption: the
  documentation says a key is required, not how the refusal looks.
- PubMed: esearch ``pubmed/esearch1.xml`` (hits) and ``pubmed/esearch8.xml`` (zero hits,
  ``ErrorList/PhraseNotFound``); efetch ``pubmed/35830032.xml``, ``pubmed/38833988.xml``
  (DOCTYPE, element order, ``PublicationType@UI``, ``CommentsCorrections@RefType``,
  ``ArticleIdList``) and ``pubmed/pubmedsample_2019.xml`` (``RetractionIn``); efetch by
  POST: ``pubmed/test_efetch``.
- Semantic Scholar: paper object ``semanticscholar/Paper.json`` and
  ``semanticscholar/test_get_papers_return_not_found.yaml`` (``POST /paper/batch``,
  ``null`` for unknown ids); 404 JSON ``{"error": "Paper with id ... not found"}``:
  ``semanticscholar/test_not_found.yaml``; 400 for unknown fields:
  ``semanticscholar/test_bad_query_parameters.yaml``.
- Open Library (no recording): both ``GET /api/books?bibkeys=ISBN:…&format=json&jscmd=data``
  (``{"ISBN:…": {title, authors[{name,url}], publishers[{name}], publish_date,
  number_of_pages, identifiers, url, key}}``, unknown ISBNs left out) and
  ``GET /isbn/{isbn}.json`` (edition record; 404 when unknown), after the Open Library
  Books API documentation.
- Title search: Semantic Scholar ``GET /paper/search/match``, OpenAlex
  ``filter=title.search:``, DBLP ``GET /search/publ/api`` and arXiv ``GET /query``
  (``id_list`` and ``search_query=ti:"…"``): shapes, their sources and the ranking rules
  are in tests/fake_search.py. The title index is built once and rebuilt after an add.

Crossref ``query.bibliographic`` ranks by BM25 over title, author, journal and year
tokens, so a test that finds the right work proves the client's matching, not the fake's.

Records are plain dicts (see :meth:`FakeServices.add`).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import math
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from fake_search import (
    TitleIndex,
    arxiv_entry,
    arxiv_error_entry,
    arxiv_feed,
    arxiv_id_ok,
    arxiv_title_phrases,
    dblp_result,
    record_authors,
)

SERVICES = ("crossref", "openalex", "pubmed", "s2", "openlibrary", "dblp", "arxiv")

# The OpenAlex key the ``fake_services`` fixture sets (EVIDENCE_OPENALEX_KEY); the fake
# accepts any non-empty key.
OPENALEX_TEST_KEY = "fake-openalex-key"

# Faults that can be injected with FakeServices.inject().
FAULTS = (
    "429",
    "500",
    "502",
    "503",
    "504",
    "timeout",  # sleep past the client's timeout, then answer normally
    "reset",  # TCP reset without an answer
    "invalid-body",  # 200 with invalid JSON (or invalid XML for PubMed)
    "truncated",  # Content-Length larger than the body sent
    "html",  # 200 text/html error page where JSON/XML was expected
    "xml-bomb",  # 200 billion-laughs entity expansion (PubMed)
    "xxe",  # 200 XML with an external entity (PubMed)
    "huge-json",  # 200 valid JSON of FakeServices.huge_bytes bytes
    "deep-json",  # 200 JSON nested 100,000 levels deep
    "gzip-bomb",  # 200 gzip body that inflates to FakeServices.huge_bytes zeros
    "endless",  # 200 whose body never ends (zeros until the client hangs up)
    "trickle",  # the normal answer, its body one byte every FakeServices.trickle_interval s
    "redirect-away",  # 302 to the same path and query on another host name (localhost)
    "redirect-away-307",  # the same with 307 (method and body kept)
    "redirect-here",  # 302 to the same path and query on this host (followed once)
)

PUBMED_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">'
)

OPENALEX_404_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually "
    "please check your spelling and try again.</p>\n"
)
HTML_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    "<h1>Bad Gateway</h1><p>The server is temporarily unable to service your request.</p>"
    "</body></html>"
)


@dataclass
class Limit:
    """Requests per second (token bucket, burst = rate) and concurrent requests."""

    rate: float | None = None  # None: unlimited
    concurrency: int | None = None  # None: unlimited


def default_limits() -> dict[str, Limit]:
    """The services' published limits, by bucket (see SERVICES.md)."""
    return {
        # Crossref since Dec 2025: polite (mailto) 10/s and 3 concurrent, public 5/s and 1;
        # list queries about 3/s (public: 1/s assumed).
        "crossref": Limit(10, 3),
        "crossref-public": Limit(5, 1),
        "crossref-list": Limit(3, 3),
        "crossref-list-public": Limit(1, 1),
        # E-utilities: 3/s, 10/s with api_key; no concurrency figure published.
        "pubmed": Limit(3, None),
        "pubmed-key": Limit(10, None),
        # OpenAlex: 100/s for everyone.
        "openalex": Limit(100, None),
        # Semantic Scholar: 1/s with a key (the shared pool is no better).
        "s2": Limit(1, 1),
        "openlibrary": Limit(None, None),
        # DBLP: about one request a second, one at a time (https://dblp.org/faq/1474706.html).
        "dblp": Limit(1, 1),
        # arXiv: one request every three seconds, one connection
        # (https://info.arxiv.org/help/api/tou.html).
        "arxiv": Limit(1 / 3, 1),
    }


@dataclass
class Fault:
    kind: str
    remaining: int
    endpoint: str | None = None
    retry_after: str | None = None


@dataclass
class LoggedRequest:
    """One request as the fake saw it; times are ``time.monotonic()`` seconds."""

    service: str
    endpoint: str
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    started: float
    finished: float = 0.0
    status: int = 0
    fault: str | None = None


@dataclass
class _Bucket:
    tokens: float
    updated: float


# ----------------------------------------------------------------------------- records


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _norm_doi(doi: str) -> str:
    doi = unquote(doi).strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    return doi.lower()


def _pages(record: dict[str, Any]) -> tuple[str | None, str | None]:
    pages = record.get("pages")
    if not pages:
        return None, None
    first, _, last = str(pages).partition("-")
    return first or None, last or None


def _issns(record: dict[str, Any]) -> list[str]:
    issn = record.get("issn")
    if not issn:
        return []
    return [issn] if isinstance(issn, str) else list(issn)


def _knows(record: dict[str, Any], service: str) -> bool:
    """Whether ``service`` holds this record (``services`` limits it; default: all)."""
    services = record.get("services")
    return services is None or service in services


def _says_retracted(record: dict[str, Any], service: str) -> bool:
    retracted = record.get("retracted")
    if isinstance(retracted, (list, tuple, set)):
        return service in retracted
    return bool(retracted)


def _notices(record: dict[str, Any], service: str) -> list[dict[str, Any]]:
    out = [
        n
        for n in record.get("notices") or []
        if n.get("services") is None or service in n["services"]
    ]
    if _says_retracted(record, service) and not any(n.get("kind") == "retraction" for n in out):
        out.append({"kind": "retraction", "source": "retraction-watch", "doi": record.get("doi")})
    return out


def _date_parts(date: str | None, year: Any) -> list[int]:
    if date:
        return [int(p) for p in str(date).split("-")[:3]]
    return [int(year)] if year else []


def _paper_id(record: dict[str, Any]) -> str:
    key = record.get("doi") or record.get("pmid") or record.get("title") or ""
    return hashlib.sha1(str(key).lower().encode()).hexdigest()


def _corpus_id(record: dict[str, Any]) -> int:
    return int(_paper_id(record)[:7], 16)


def _openalex_id(record: dict[str, Any]) -> str:
    return "W" + str(int(_paper_id(record)[:9], 16))


def _id_key(kind: str, value: str) -> tuple[str, str] | None:
    """How :meth:`FakeServices.find` compares an identifier of ``kind``."""
    if kind == "doi":
        return kind, _norm_doi(value)
    if kind == "pmcid":
        return kind, value.upper().removeprefix("PMC")
    if kind == "paperId":
        return kind, value.lower()
    if kind == "corpusId":
        return kind, value
    if kind == "openalex":
        return kind, value.upper()
    if kind in ("pmid", "isbn", "arxiv"):
        return kind, value.lower()
    return None


def _id_keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Every identifier :meth:`FakeServices.find` can find ``record`` by."""
    keys = [
        ("paperId", _paper_id(record)),
        ("corpusId", str(_corpus_id(record))),
        ("openalex", _openalex_id(record)),
    ]
    for kind in ("doi", "pmcid", "pmid", "isbn", "arxiv"):
        if record.get(kind):
            key = _id_key(kind, str(record[kind]))
            if key is not None:
                keys.append(key)
    return keys


_CROSSREF_UPDATE = {
    "retraction": ("retraction", "Retraction"),
    "correction": ("correction", "Correction"),
    "erratum": ("erratum", "Erratum"),
    "expression_of_concern": ("expression_of_concern", "Expression of Concern"),
    "withdrawal": ("withdrawal", "Withdrawal"),
}
_PUBMED_REFTYPE = {
    "retraction": "RetractionIn",
    "correction": "ErratumIn",
    "erratum": "ErratumIn",
    "expression_of_concern": "ExpressionOfConcernIn",
    "withdrawal": "RetractionIn",
    "retraction_of": "RetractionOf",
    "erratum_for": "ErratumFor",
}


def crossref_work(record: dict[str, Any], score: float = 1.0) -> dict[str, Any]:
    """The ``message`` of Crossref ``GET /works/{doi}`` for one record."""
    doi = record["doi"]
    year = record.get("year")
    parts = _date_parts(record.get("date"), year)
    work: dict[str, Any] = {
        "indexed": {"date-parts": [[2026, 1, 1]], "date-time": "2026-01-01T00:00:00Z"},
        "reference-count": 0,
        "publisher": record.get("publisher") or "Fake Publisher",
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [record["journal_abbrev"]] if record.get("journal_abbrev") else [],
        "DOI": doi,
        "type": record.get("type") or "journal-article",
        "source": "Crossref",
        "is-referenced-by-count": 0,
        "title": [record["title"]] if record.get("title") else [],
        "prefix": doi.split("/", 1)[0],
        "author": [
            {
                "given": given,
                "family": family,
                "sequence": "first" if i == 0 else "additional",
                "affiliation": [],
            }
            for i, (family, given) in enumerate(record_authors(record))
        ],
        "member": "0",
        "container-title": [record["journal"]] if record.get("journal") else [],
        "original-title": [],
        "language": "en",
        "deposited": {"date-parts": [[2025, 1, 1]], "date-time": "2025-01-01T00:00:00Z"},
        "score": score,
        "resource": {"primary": {"URL": f"https://example.org/{doi}"}},
        "subtitle": [],
        "short-title": [],
        "issued": {"date-parts": [parts] if parts else [[None]]},
        "references-count": 0,
        "URL": f"https://doi.org/{doi}",
        "relation": {},
        "ISSN": _issns(record),
        "issn-type": [{"value": v, "type": "print"} for v in _issns(record)],
        "subject": [],
        "published": {"date-parts": [parts] if parts else [[None]]},
    }
    for key, name in (("volume", "volume"), ("issue", "issue"), ("pages", "page")):
        if record.get(key):
            work[name] = str(record[key])
    if record.get("abstract"):
        work["abstract"] = f"<jats:p>{escape(record['abstract'])}</jats:p>"
    updates = []
    for notice in _notices(record, "crossref"):
        kind = notice.get("kind", "retraction")
        if kind not in _CROSSREF_UPDATE:
            continue
        ctype, label = _CROSSREF_UPDATE[kind]
        nparts = _date_parts(notice.get("date"), year)
        updates.append(
            {
                "DOI": notice.get("doi") or doi,
                "type": ctype,
                "label": label,
                "source": notice.get("source") or "publisher",
                "updated": {"date-parts": [nparts] if nparts else [[None]]},
            }
        )
    if updates:
        work["updated-by"] = updates
    if record.get("update_to"):
        work["update-to"] = record["update_to"]
    return work


def openalex_work(record: dict[str, Any]) -> dict[str, Any]:
    """An OpenAlex Work object for one record."""
    wid = "https://openalex.org/" + _openalex_id(record)
    doi_url = f"https://doi.org/{record['doi']}" if record.get("doi") else None
    ids: dict[str, Any] = {"openalex": wid}
    if doi_url:
        ids["doi"] = doi_url
    if record.get("pmid"):
        ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{record['pmid']}"
    if record.get("pmcid"):
        ids["pmcid"] = "https://www.ncbi.nlm.nih.gov/pmc/articles/" + str(
            record["pmcid"]
        ).removeprefix("PMC")
    issns = _issns(record)
    source = (
        {
            "id": "https://openalex.org/S"
            + str(int(hashlib.sha1(record["journal"].encode()).hexdigest()[:8], 16)),
            "display_name": record["journal"],
            "issn_l": issns[0] if issns else None,
            "issn": issns or None,
            "is_oa": False,
            "type": "journal",
        }
        if record.get("journal")
        else None
    )
    first, last = _pages(record)
    authors = record_authors(record)
    abstract_index: dict[str, list[int]] | None = None
    if record.get("abstract"):
        abstract_index = defaultdict(list)
        for pos, word in enumerate(str(record["abstract"]).split()):
            abstract_index[word].append(pos)
        abstract_index = dict(abstract_index)
    ctype = record.get("type") or "journal-article"
    pub_types = {name for name, _ in record.get("publication_types") or []}
    oa_type = {"journal-article": "article", "book": "book", "book-chapter": "book-chapter"}.get(
        ctype, "other"
    )
    if pub_types & {"Review", "Systematic Review", "Meta-Analysis"}:
        oa_type = "review"
    year = record.get("year")
    return {
        "id": wid,
        "doi": doi_url,
        "title": record.get("title"),
        "display_name": record.get("title"),
        "publication_year": year,
        "publication_date": record.get("date") or (f"{year}-01-01" if year else None),
        "ids": ids,
        "language": "en",
        "primary_location": {
            "is_oa": False,
            "landing_page_url": doi_url,
            "pdf_url": None,
            "source": source,
            "license": None,
            "version": "publishedVersion",
        },
        "type": oa_type,
        "type_crossref": ctype,
        "indexed_in": [s for s in ("crossref", "pubmed") if s != "pubmed" or record.get("pmid")],
        "authorships": [
            {
                "author_position": "first"
                if i == 0
                else ("last" if i == len(authors) - 1 else "middle"),
                "author": {
                    "id": f"https://openalex.org/A{i + 1}",
                    "display_name": f"{given} {family}".strip(),
                    "orcid": None,
                },
                "institutions": [],
                "countries": [],
                "is_corresponding": False,
                "raw_author_name": f"{given} {family}".strip(),
                "raw_affiliation_strings": [],
            }
            for i, (family, given) in enumerate(authors)
        ],
        "cited_by_count": 0,
        "biblio": {
            "volume": record.get("volume"),
            "issue": record.get("issue"),
            "first_page": first,
            "last_page": last,
        },
        "is_retracted": _says_retracted(record, "openalex"),
        "is_paratext": False,
        "abstract_inverted_index": abstract_index,
        "updated_date": "2026-01-01T00:00:00",
        "created_date": "2020-01-01",
    }


def pubmed_article_xml(record: dict[str, Any]) -> str:
    """One ``<PubmedArticle>`` element, in the order of the PubMed DTD."""
    pmid = str(record["pmid"])
    e = escape
    out = [
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">',
        f'<PMID Version="1">{e(pmid)}</PMID>',
        '<Article PubModel="Print"><Journal>',
    ]
    for issn in _issns(record)[:1]:
        out.append(f'<ISSN IssnType="Print">{e(issn)}</ISSN>')
    out.append('<JournalIssue CitedMedium="Print">')
    if record.get("volume"):
        out.append(f"<Volume>{e(str(record['volume']))}</Volume>")
    if record.get("issue"):
        out.append(f"<Issue>{e(str(record['issue']))}</Issue>")
    out.append("<PubDate>")
    if record.get("year"):
        out.append(f"<Year>{e(str(record['year']))}</Year>")
    out.append("</PubDate></JournalIssue>")
    if record.get("journal"):
        out.append(f"<Title>{e(record['journal'])}</Title>")
    if record.get("journal_abbrev"):
        out.append(f"<ISOAbbreviation>{e(record['journal_abbrev'])}</ISOAbbreviation>")
    out.append("</Journal>")
    out.append(f"<ArticleTitle>{e(record.get('title') or '')}</ArticleTitle>")
    first, last = _pages(record)
    if first:
        out.append(f"<Pagination><StartPage>{e(first)}</StartPage>")
        if last:
            out.append(f"<EndPage>{e(last)}</EndPage>")
        out.append(f"<MedlinePgn>{e(str(record['pages']))}</MedlinePgn></Pagination>")
    if record.get("doi"):
        out.append(f'<ELocationID EIdType="doi" ValidYN="Y">{e(record["doi"])}</ELocationID>')
    if record.get("abstract"):
        out.append(f"<Abstract><AbstractText>{e(record['abstract'])}</AbstractText></Abstract>")
    authors = record_authors(record)
    if authors:
        out.append('<AuthorList CompleteYN="Y">')
        for family, given in authors:
            initials = "".join(w[0] for w in given.replace("-", " ").split() if w)
            out.append(
                f'<Author ValidYN="Y"><LastName>{e(family)}</LastName>'
                f"<ForeName>{e(given)}</ForeName><Initials>{e(initials)}</Initials></Author>"
            )
        out.append("</AuthorList>")
    out.append("<Language>eng</Language><PublicationTypeList>")
    types = [tuple(t) for t in record.get("publication_types") or [("Journal Article", "D016428")]]
    if _says_retracted(record, "pubmed") and not any(
        t[0] == "Retracted Publication" for t in types
    ):
        types.append(("Retracted Publication", "D016441"))
    for name, ui in types:
        out.append(f"<PublicationType UI={quoteattr(str(ui))}>{e(str(name))}</PublicationType>")
    out.append("</PublicationTypeList></Article>")
    out.append("<MedlineJournalInfo><Country>United States</Country>")
    if record.get("journal_abbrev"):
        out.append(f"<MedlineTA>{e(record['journal_abbrev'])}</MedlineTA>")
    out.append("<NlmUniqueID>0000000</NlmUniqueID>")
    for issn in _issns(record)[:1]:
        out.append(f"<ISSNLinking>{e(issn)}</ISSNLinking>")
    out.append("</MedlineJournalInfo><CitationSubset>IM</CitationSubset>")
    links = []
    for notice in _notices(record, "pubmed"):
        reftype = notice.get("pubmed_reftype") or _PUBMED_REFTYPE.get(notice.get("kind", ""))
        if not reftype or (not notice.get("pmid") and not notice.get("ref_source")):
            continue
        ref = notice.get("ref_source") or (
            f"{record.get('journal_abbrev') or record.get('journal') or ''}. "
            f"{(notice.get('date') or str(record.get('year') or ''))[:4]}"
            + (f". doi: {notice['doi']}." if notice.get("doi") else "")
        )
        link = f"<CommentsCorrections RefType={quoteattr(reftype)}><RefSource>{e(ref)}</RefSource>"
        if notice.get("pmid"):
            link += f'<PMID Version="1">{e(str(notice["pmid"]))}</PMID>'
        links.append(link + "</CommentsCorrections>")
    if links:
        out.append("<CommentsCorrectionsList>" + "".join(links) + "</CommentsCorrectionsList>")
    out.append("</MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus>")
    out.append(f'<ArticleIdList><ArticleId IdType="pubmed">{e(pmid)}</ArticleId>')
    if record.get("doi"):
        out.append(f'<ArticleId IdType="doi">{e(record["doi"])}</ArticleId>')
    if record.get("pmcid"):
        out.append(f'<ArticleId IdType="pmc">{e(str(record["pmcid"]))}</ArticleId>')
    out.append("</ArticleIdList></PubmedData></PubmedArticle>")
    return "".join(out)


def pubmed_article_set(records: Iterable[dict[str, Any]]) -> str:
    body = "\n".join(pubmed_article_xml(r) for r in records)
    return (
        f'<?xml version="1.0" ?>\n{PUBMED_DOCTYPE}\n<PubmedArticleSet>\n{body}</PubmedArticleSet>'
    )


S2_FIELDS = (
    "paperId",
    "externalIds",
    "corpusId",
    "publicationVenue",
    "url",
    "title",
    "abstract",
    "venue",
    "year",
    "referenceCount",
    "citationCount",
    "influentialCitationCount",
    "isOpenAccess",
    "openAccessPdf",
    "fieldsOfStudy",
    "s2FieldsOfStudy",
    "publicationTypes",
    "publicationDate",
    "journal",
    "citationStyles",
    "authors",
    "tldr",
)

_S2_TYPES = {
    "Randomized Controlled Trial": "ClinicalTrial",
    "Clinical Trial": "ClinicalTrial",
    "Meta-Analysis": "MetaAnalysis",
    "Review": "Review",
    "Systematic Review": "Review",
    "Case Reports": "CaseReport",
    "Journal Article": "JournalArticle",
    "Editorial": "Editorial",
}


def s2_paper(record: dict[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A Semantic Scholar paper with the requested fields (``paperId`` always)."""
    pid = _paper_id(record)
    external: dict[str, Any] = {"CorpusId": _corpus_id(record)}
    if record.get("doi"):
        external["DOI"] = record["doi"]
    if record.get("pmid"):
        external["PubMed"] = str(record["pmid"])
    if record.get("pmcid"):
        external["PubMedCentral"] = str(record["pmcid"]).removeprefix("PMC")
    if record.get("arxiv"):
        external["ArXiv"] = record["arxiv"]
    types = sorted(
        {_S2_TYPES[n] for n, _ in record.get("publication_types") or [] if n in _S2_TYPES}
    )
    year = record.get("year")
    full: dict[str, Any] = {
        "paperId": pid,
        "externalIds": external,
        "corpusId": _corpus_id(record),
        "publicationVenue": _s2_venue(record),
        "url": f"https://www.semanticscholar.org/paper/{pid}",
        "title": record.get("title"),
        "abstract": record.get("abstract"),
        "venue": record.get("venue") or record.get("journal") or "",
        "year": year,
        "referenceCount": 0,
        "citationCount": 0,
        "influentialCitationCount": 0,
        "isOpenAccess": False,
        "openAccessPdf": None,
        "fieldsOfStudy": ["Medicine"],
        "s2FieldsOfStudy": [{"category": "Medicine", "source": "s2-fos-model"}],
        "publicationTypes": types or ["JournalArticle"],
        "publicationDate": record.get("date"),
        "journal": {
            k: v
            for k, v in (
                ("name", record.get("journal")),
                ("volume", record.get("volume")),
                ("pages", record.get("pages")),
            )
            if v
        },
        "citationStyles": {"bibtex": ""},
        "authors": [
            {"authorId": str(1000 + i), "name": f"{given} {family}".strip()}
            for i, (family, given) in enumerate(record_authors(record))
        ],
        "tldr": None,
    }
    wanted = list(fields) if fields is not None else ["title"]
    return {"paperId": pid, **{k: full[k] for k in wanted if k in full and k != "paperId"}}


def _s2_venue(record: dict[str, Any]) -> dict[str, Any] | None:
    """``publicationVenue`` (shape: semanticscholar/Paper.json) for a record with a
    ``venue``; None otherwise, as S2 answers for many papers."""
    name = record.get("venue")
    if not name:
        return None
    kind = "journal" if (record.get("type") or "") == "journal-article" else "conference"
    venue: dict[str, Any] = {
        "id": str(uuid.UUID(hashlib.md5(str(name).encode()).hexdigest())),
        "name": name,
        "type": kind,
    }
    if record.get("venue_alternates"):
        venue["alternate_names"] = list(record["venue_alternates"])
    return venue


def openlibrary_book(record: dict[str, Any]) -> dict[str, Any]:
    """One entry of ``/api/books?…&jscmd=data``."""
    olid = "OL" + str(int(_paper_id(record)[:6], 16)) + "M"
    isbn = str(record["isbn"])
    ids = {"isbn_13" if len(isbn) == 13 else "isbn_10": [isbn], "openlibrary": [olid]}
    book: dict[str, Any] = {
        "url": f"https://openlibrary.org/books/{olid}",
        "key": f"/books/{olid}",
        "title": record.get("title"),
        "authors": [
            {"url": f"https://openlibrary.org/authors/OL{i + 1}A", "name": f"{g} {f}".strip()}
            for i, (f, g) in enumerate(record_authors(record))
        ],
        "identifiers": ids,
        "publishers": [{"name": record.get("publisher") or "Fake Press"}],
        "publish_date": str(record.get("year") or ""),
    }
    if record.get("pages"):
        book["number_of_pages"] = int(re.sub(r"\D", "", str(record["pages"])) or 0)
    return book


def openlibrary_edition(record: dict[str, Any]) -> dict[str, Any]:
    """The edition record of ``/isbn/{isbn}.json``."""
    book = openlibrary_book(record)
    isbn = str(record["isbn"])
    edition: dict[str, Any] = {
        "key": book["key"],
        "title": record.get("title"),
        "publishers": [p["name"] for p in book["publishers"]],
        "publish_date": book["publish_date"],
        "authors": [{"key": f"/authors/OL{i + 1}A"} for i in range(len(record_authors(record)))],
        "works": [{"key": "/works/" + book["key"].split("/")[-1].replace("M", "W")}],
        "type": {"key": "/type/edition"},
        ("isbn_13" if len(isbn) == 13 else "isbn_10"): [isbn],
    }
    if "number_of_pages" in book:
        edition["number_of_pages"] = book["number_of_pages"]
    return edition


# ----------------------------------------------------------------------------- ranking


class _Bm25:
    """BM25 over title, author family names, journal and year of each record."""

    def __init__(self, records: list[dict[str, Any]], k1: float = 1.2, b: float = 0.75) -> None:
        self.records = records
        self.k1, self.b = k1, b
        self.docs: list[Counter[str]] = []
        for r in records:
            text = " ".join(
                [
                    r.get("title") or "",
                    " ".join(f"{f} {g}" for f, g in record_authors(r)),
                    r.get("journal") or "",
                    r.get("journal_abbrev") or "",
                    str(r.get("year") or ""),
                    str(r.get("volume") or ""),
                    str(r.get("pages") or ""),
                ]
            )
            self.docs.append(Counter(_tokens(text)))
        self.avg = sum(sum(d.values()) for d in self.docs) / max(1, len(self.docs))
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def rank(self, query: str) -> list[tuple[float, dict[str, Any]]]:
        terms = _tokens(query)
        scored = []
        for doc, record in zip(self.docs, self.records, strict=True):
            length = sum(doc.values())
            score = 0.0
            for t in terms:
                tf = doc.get(t, 0)
                if tf:
                    norm = (
                        tf
                        * (self.k1 + 1)
                        / (tf + self.k1 * (1 - self.b + self.b * length / self.avg))
                    )
                    score += self.idf.get(t, 0.0) * norm
            if score > 0:
                scored.append((round(score * 10, 6), record))
        scored.sort(key=lambda pair: -pair[0])
        return scored


# ----------------------------------------------------------------------------- server


class _Reply(Exception):
    """Raised inside a route to answer at once."""

    def __init__(
        self,
        status: int,
        body: bytes | str,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = headers or {}


@functools.cache
def _gzip_zeros(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes (a thousandth of it, or less, compressed)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        block = b"\0" * (1 << 20)
        left = size
        while left > 0:
            gz.write(block[: min(left, len(block))])
            left -= len(block)
    return out.getvalue()


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(data), "application/json", headers)


class FakeServices:
    """The fake, started and stopped as a context manager.

    ``fake.base("crossref")`` is ``http://127.0.0.1:PORT/crossref``. Records go in with
    :meth:`add`; faults with :meth:`inject`; limits in :attr:`limits`
    (:func:`default_limits`); latency in :attr:`latency` (seconds, per service or
    ``"*"``). :attr:`counts` (service, endpoint) -> requests, :attr:`max_concurrency`,
    :attr:`rejected` (429s the fake's limits gave) and :attr:`log` tell what happened.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        limits: dict[str, Limit] | None = None,
        require_openalex_key: bool = True,
        fault_timeout: float = 2.0,
        huge_bytes: int = 8 * 1024 * 1024,
        trickle_interval: float = 2.0,
    ) -> None:
        self.records: list[dict[str, Any]] = []
        self.latency: dict[str, float] = {"*": latency}
        self.limits = default_limits() if limits is None else limits
        self.require_openalex_key = require_openalex_key
        self.fault_timeout = fault_timeout
        self.huge_bytes = huge_bytes
        self.trickle_interval = trickle_interval
        # Headers added to every answer of a service (e.g. absurd rate-limit headers).
        self.extra_headers: dict[str, dict[str, str]] = defaultdict(dict)
        # "bucket": token buckets (burst = rate); "sliding": at most `rate` requests in
        # any one-second window, counted at their arrival (the strictest reading).
        self.window = "bucket"
        self._arrivals: dict[str, list[float]] = defaultdict(list)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.max_concurrency: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.log: list[LoggedRequest] = []
        self._faults: dict[str, list[Fault]] = defaultdict(list)
        self._active: Counter[str] = Counter()
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._index_cache: _Bm25 | None = None
        self._title_cache: TitleIndex | None = None
        self._id_cache: dict[tuple[str, str], list[dict[str, Any]]] | None = None
        self._positions: dict[int, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeServices:
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base(self, service: str) -> str:
        return f"{self.url}/{service}"

    def env(self) -> dict[str, str]:
        """The EVIDENCE_*_URL variables that point every service at this fake."""
        names = {
            "crossref": "EVIDENCE_CROSSREF_URL",
            "openalex": "EVIDENCE_OPENALEX_URL",
            "pubmed": "EVIDENCE_PUBMED_URL",
            "s2": "EVIDENCE_S2_URL",
            "openlibrary": "EVIDENCE_OPENLIBRARY_URL",
            "dblp": "EVIDENCE_DBLP_URL",
            "arxiv": "EVIDENCE_ARXIV_URL",
        }
        return {var: self.base(service) for service, var in names.items()}

    # -- data -----------------------------------------------------------------------

    def add(self, record: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Add one record and return it.

        Keys: doi, pmid, pmcid, arxiv, isbn, title, authors [(family, given)], journal,
        journal_abbrev, issn (str or list), year, date ("YYYY-MM-DD"), volume, issue,
        pages ("219-225"), abstract, type (Crossref type), publisher, publication_types
        [(name, MeSH UI)], retracted (bool, or the services that say so), notices
        [{kind, doi, pmid, date, source, services, ref_source}], services (which services
        hold the record; default all), update_to (Crossref ``update-to`` list).

        For DBLP and arXiv (tests/fake_search.py): arxiv (id without version),
        arxiv_version (int, default 1), arxiv_category (default "cs.LG"), journal_ref
        (arXiv's journal reference), dblp_key ("conf/nips/AbbasS21"; made up in DBLP's
        style when absent), venue (the venue as DBLP and S2 print it, "NeurIPS"; DBLP
        prints "CoRR" for a preprint), venue_alternates (S2's
        ``publicationVenue.alternate_names``), url (DBLP's ``ee`` when there is no DOI).
        """
        rec = dict(record or {}, **fields)
        with self._lock:
            self.records.append(rec)
            self._index_cache = None
            self._title_cache = None
            self._id_cache = None
        return rec

    def add_records(self, records: Iterable[dict[str, Any]]) -> None:
        for r in records:
            self.add(r)

    def find(self, service: str, **key: str) -> dict[str, Any] | None:
        """The record ``service`` holds with this doi/pmid/pmcid/isbn/arxiv/paperId
        (the first one added, when several share it)."""
        ((kind, value),) = key.items()
        wanted = _id_key(kind, str(value))
        if wanted is None:
            return None
        with self._lock:
            holders = self._ids().get(wanted, [])
        return next((r for r in holders if _knows(r, service)), None)

    def holding(self, kind: str, values: Iterable[str]) -> list[dict[str, Any]]:
        """Every record with one of these identifiers, in the order they were added
        (what a scan of ``records`` would give, through the identifier index)."""
        wanted = {key for v in values if (key := _id_key(kind, v)) is not None}
        with self._lock:
            ids = self._ids()
            found = {id(r): r for key in wanted for r in ids.get(key, [])}
            return sorted(found.values(), key=lambda r: self._positions[id(r)])

    def _ids(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        # (with the lock held) the identifier index, made again after an add
        if self._id_cache is None:
            index: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
            for r in self.records:
                for id_key in _id_keys(r):
                    index[id_key].append(r)
            self._id_cache = dict(index)
            self._positions = {id(r): n for n, r in enumerate(self.records)}
        return self._id_cache

    def _titles(self) -> TitleIndex:
        with self._lock:
            if self._title_cache is None:
                self._title_cache = TitleIndex(list(self.records))
            return self._title_cache

    # -- faults, stats ----------------------------------------------------------------

    def inject(
        self,
        service: str,
        fault: str,
        count: int = 1,
        *,
        endpoint: str | None = None,
        retry_after: str | float | None = None,
    ) -> None:
        """Answer the next ``count`` requests to ``service`` (``endpoint``) with ``fault``.

        ``retry_after`` sets the Retry-After header of a 429/503 (default "1" for 429).
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {FAULTS}")
        with self._lock:
            self._faults[service].append(
                Fault(fault, count, endpoint, None if retry_after is None else str(retry_after))
            )

    def count(self, service: str, endpoint: str | None = None) -> int:
        with self._lock:
            return sum(
                n for (s, e), n in self.counts.items() if s == service and endpoint in (None, e)
            )

    def requests_for(self, service: str, endpoint: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.service == service and endpoint in (None, r.endpoint)]

    def reset_stats(self) -> None:
        with self._lock:
            self.counts.clear()
            self.max_concurrency.clear()
            self.rejected.clear()
            self.log.clear()
            self._buckets.clear()
            self._arrivals.clear()

    # -- internals used by the handler -------------------------------------------------

    def _index(self) -> _Bm25:
        with self._lock:
            if self._index_cache is None:
                self._index_cache = _Bm25(
                    [r for r in self.records if _knows(r, "crossref") and r.get("doi")]
                )
            return self._index_cache

    def _take_fault(self, service: str, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._faults[service]:
                if fault.remaining > 0 and fault.endpoint in (None, endpoint):
                    fault.remaining -= 1
                    return fault
        return None

    def _admit(self, service: str, bucket: str) -> tuple[bool, float]:
        """Enter a request: (allowed, seconds to wait if not). Always counts concurrency."""
        limit = self.limits.get(bucket) or self.limits.get(service) or Limit()
        now = time.monotonic()
        with self._lock:
            self._active[service] += 1
            self.max_concurrency[service] = max(
                self.max_concurrency[service], self._active[service]
            )
            if limit.concurrency is not None and self._active[service] > limit.concurrency:
                self.rejected[service] += 1
                return False, 1.0
            if limit.rate is None:
                return True, 0.0
            if self.window == "sliding":
                return self._admit_sliding(service, bucket, limit.rate, now)
            b = self._buckets.get(bucket)
            capacity = max(1.0, limit.rate)
            if b is None:
                b = self._buckets[bucket] = _Bucket(capacity, now)
            b.tokens = min(capacity, b.tokens + (now - b.updated) * limit.rate)
            b.updated = now
            # 20 ms of slack absorbs scheduling jitter between client and server.
            if b.tokens + 0.02 * limit.rate >= 1.0:
                b.tokens -= 1.0
                return True, 0.0
            self.rejected[service] += 1
            return False, (1.0 - b.tokens) / limit.rate

    def _admit_sliding(
        self, service: str, bucket: str, rate: float, now: float
    ) -> tuple[bool, float]:
        """At most ``rate`` admitted arrivals in the last second (lock held); below one a
        second, one arrival in the last ``1 / rate`` seconds (arXiv: one in three)."""
        window = max(1.0, 1.0 / rate)
        allowed = max(1.0, rate * window)
        recent = [t for t in self._arrivals[bucket] if now - t < window]
        self._arrivals[bucket] = recent
        if len(recent) >= allowed:
            self.rejected[service] += 1
            return False, window - (now - recent[0])
        recent.append(now)
        return True, 0.0

    def _leave(self, service: str) -> None:
        with self._lock:
            self._active[service] -= 1

    def _limit_headers(self, service: str, bucket: str) -> dict[str, str]:
        limit = self.limits.get(bucket) or self.limits.get(service) or Limit()
        if service == "crossref":
            headers = {"x-api-pool": "public" if bucket.endswith("public") else "polite"}
            if limit.rate is not None:
                headers["x-rate-limit-limit"] = str(int(limit.rate))
                headers["x-rate-limit-interval"] = "1s"
            if limit.concurrency is not None:
                headers["x-concurrency-limit"] = str(limit.concurrency)
            return headers
        if service == "openalex" and limit.rate is not None:
            with self._lock:
                b = self._buckets.get(bucket)
                remaining = int(b.tokens) if b else int(limit.rate)
            return {
                "RateLimit-Limit": str(int(limit.rate)),
                "RateLimit-Remaining": str(max(0, remaining)),
                "RateLimit-Reset": "1",
            }
        return {}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeServices
    _left: bool = False
    protocol_version = "HTTP/1.1"
    server_version = "FakeServices/1.0"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK hold each keep-alive answer back by tens of ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the client went away (timeouts, resets)
            pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    # -- dispatch -----------------------------------------------------------------

    def _serve(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        parts = split.path.split("/", 2)
        service = parts[1] if len(parts) > 1 else ""
        rest = "/" + parts[2] if len(parts) > 2 else "/"
        query = parse_qsl(split.query, keep_blank_values=True)
        if self.command == "POST" and "form-urlencoded" in (self.headers.get("Content-Type") or ""):
            query += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        entry = LoggedRequest(
            service=service,
            endpoint=_endpoint(service, rest, query),
            method=self.command,
            path=rest,
            query=query,
            headers=dict(self.headers.items()),
            body=body,
            started=time.monotonic(),
        )
        with fake._lock:
            fake.counts[(service, entry.endpoint)] += 1
            fake.log.append(entry)
        if service not in SERVICES:
            self._send(entry, _Reply(404, "Unknown service.", "text/plain"))
            return
        bucket = self._bucket(service, entry)
        self._left = False
        allowed, wait = fake._admit(service, bucket)
        try:
            delay = fake.latency.get(service, fake.latency.get("*", 0.0))
            if delay:
                time.sleep(delay)
            if not allowed:
                reply = _Reply(
                    429,
                    "Too Many Requests",
                    "text/plain",
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            else:
                fault = fake._take_fault(service, entry.endpoint)
                if fault is not None:
                    entry.fault = fault.kind
                    if self._fault(entry, fault):
                        return
                reply = self._route(service, entry)
        except _Reply as r:
            reply = r
        finally:
            # Leave before answering: the client may send its next request as soon as
            # it has read this answer, and must not be counted twice.
            self._leave_once(service)
        reply.headers = {
            **fake._limit_headers(service, bucket),
            **reply.headers,
            **fake.extra_headers.get(service, {}),
        }
        if entry.fault == "trickle":
            self._send_trickled(entry, reply)
            return
        self._send(entry, reply)

    def _leave_once(self, service: str) -> None:
        if not self._left:
            self._left = True
            self.fake._leave(service)

    def _bucket(self, service: str, entry: LoggedRequest) -> str:
        if service == "crossref":
            polite = "mailto" in (entry.headers.get("User-Agent") or "") or any(
                k == "mailto" for k, _ in entry.query
            )
            base = (
                "crossref-list" if entry.endpoint in ("works-list", "works-query") else "crossref"
            )
            return base if polite else base + "-public"
        if service == "pubmed" and any(k == "api_key" for k, _ in entry.query):
            return "pubmed-key"
        return service

    def _send_head(self, entry: LoggedRequest, reply: _Reply) -> None:
        entry.status = reply.status
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, entry: LoggedRequest, reply: _Reply) -> None:
        self._send_head(entry, reply)
        entry.finished = time.monotonic()
        self.wfile.write(reply.body)

    def _send_trickled(self, entry: LoggedRequest, reply: _Reply) -> None:
        self._send_head(entry, reply)
        self.wfile.flush()
        for i in range(len(reply.body)):
            time.sleep(self.fake.trickle_interval)
            self.wfile.write(reply.body[i : i + 1])
            self.wfile.flush()
        entry.finished = time.monotonic()

    def _send_endless(self, entry: LoggedRequest) -> None:
        entry.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(1 << 40))
        self.end_headers()
        zeros = b"0" * 65536
        try:
            while True:
                self.wfile.write(zeros)
        finally:
            entry.finished = time.monotonic()
            self.close_connection = True

    def _redirect(self, entry: LoggedRequest, kind: str) -> None:
        port = self.fake.url.rsplit(":", 1)[1]
        host = "127.0.0.1" if kind == "redirect-here" else "localhost"
        status = 307 if kind.endswith("307") else 302
        location = f"http://{host}:{port}{self.path}"
        raise _Reply(status, "", "text/plain", {"Location": location})

    def _fault(self, entry: LoggedRequest, fault: Fault) -> bool:
        """Apply a fault; True when the answer has been sent (or the connection dropped)."""
        kind = fault.kind
        service = entry.service
        if kind in ("429", "500", "502", "503", "504"):
            headers = {}
            retry_after = fault.retry_after or ("1" if kind == "429" else None)
            if retry_after is not None:
                headers["Retry-After"] = retry_after
            text = {"429": "Too Many Requests", "500": "Internal Server Error"}.get(
                kind, "Service Unavailable"
            )
            raise _Reply(int(kind), text, "text/plain", headers)
        if kind == "timeout":
            # The client gives up before this ends: stop counting it as in flight.
            self._leave_once(service)
            time.sleep(self.fake.fault_timeout)
            self.close_connection = True
            return True
        if kind == "reset":
            entry.status = -1
            entry.finished = time.monotonic()
            self._leave_once(service)
            # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return True
        if kind == "truncated":
            reply = self._route(entry.service, entry)
            self._leave_once(service)
            entry.status = reply.status
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body) + 1000))
            self.end_headers()
            entry.finished = time.monotonic()
            self.wfile.write(reply.body[: max(1, len(reply.body) // 2)])
            self.close_connection = True
            return True
        if kind == "invalid-body":
            if service == "pubmed":
                raise _Reply(
                    200, '<?xml version="1.0" ?>\n<PubmedArticleSet><PubmedArticle>', "text/xml"
                )
            raise _Reply(
                200, '{"status":"ok","message-type":"work","message":{"DOI":', "application/json"
            )
        if kind == "html":
            raise _Reply(200, HTML_ERROR_PAGE, "text/html; charset=utf-8")
        if kind == "xml-bomb":
            ents = ['<!ENTITY lol0 "lol">'] + [
                f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">'
                for i in range(1, 10)
            ]
            raise _Reply(
                200,
                '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
                + "\n".join(ents)
                + "\n]>\n<PubmedArticleSet><PubmedArticle>&lol9;</PubmedArticle></PubmedArticleSet>",
                "text/xml",
            )
        if kind == "xxe":
            raise _Reply(
                200,
                '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
                '<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
                "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>&xxe;</PMID>"
                "</MedlineCitation></PubmedArticle></PubmedArticleSet>",
                "text/xml",
            )
        if kind == "huge-json":
            filler = "x" * max(0, self.fake.huge_bytes - 200)
            raise _json(
                200,
                {
                    "status": "ok",
                    "message-type": "work",
                    "message": {"DOI": "10.1/huge", "title": [filler]},
                },
            )
        if kind == "deep-json":
            raise _Reply(200, "[" * 100_000 + "]" * 100_000, "application/json")
        if kind == "gzip-bomb":
            raise _Reply(
                200,
                _gzip_zeros(self.fake.huge_bytes),
                "application/json",
                {"Content-Encoding": "gzip"},
            )
        if kind == "endless":
            self._leave_once(service)
            self._send_endless(entry)
            return True
        if kind.startswith("redirect-"):
            self._redirect(entry, kind)
        return False

    # -- routes ---------------------------------------------------------------------

    def _route(self, service: str, entry: LoggedRequest) -> _Reply:
        route = {
            "crossref": self._crossref,
            "openalex": self._openalex,
            "pubmed": self._pubmed,
            "s2": self._s2,
            "openlibrary": self._openlibrary,
            "dblp": self._dblp,
            "arxiv": self._arxiv,
        }[service]
        try:
            return route(entry)
        except _Reply as reply:
            return reply

    def _crossref(self, entry: LoggedRequest) -> _Reply:
        fake = self.fake
        path = unquote(entry.path)
        q = entry.query
        envelope = {"status": "ok", "message-version": "1.0.0"}
        if path.startswith("/works/") and entry.method == "GET":
            if any(k.startswith("query") for k, _ in q):
                raise _json(
                    400,
                    {
                        "status": "failed",
                        "message-type": "validation-failure",
                        "message": [
                            {
                                "type": "parameter-not-allowed",
                                "value": "query.*",
                                "message": "This route does not support field query parameters",
                            }
                        ],
                    },
                )
            doi = path[len("/works/") :]
            rec = fake.find("crossref", doi=doi)
            if rec is None:
                raise _Reply(404, "Resource not found.", "text/plain")
            return _json(200, {**envelope, "message-type": "work", "message": crossref_work(rec)})
        if path.rstrip("/") == "/journals" and entry.method == "GET":
            return _json(200, {**envelope, **crossref_journal_list(fake, dict(q))})
        if path.rstrip("/") != "/works" or entry.method != "GET":
            raise _Reply(404, "Resource not found.", "text/plain")
        rows = int(dict(q).get("rows", "20") or 20)
        select = [s for s in dict(q).get("select", "").split(",") if s]
        filters = _crossref_filters([v for k, v in q if k == "filter"])
        unknown = [name for name, _ in filters if name not in ("doi", "type", "issn")]
        if unknown:
            raise _json(
                400,
                {
                    "status": "failed",
                    "message-type": "validation-failure",
                    "message": [
                        {
                            "type": "filter-not-available",
                            "value": unknown[0],
                            "message": f"Filter {unknown[0]} specified but there is no such filter for this route. Valid filters for this route are: doi, type",
                        }
                    ],
                },
            )
        terms = " ".join(v for k, v in q if k == "query" or k.startswith("query."))
        dois = {_norm_doi(v) for name, v in filters if name == "doi"}
        if terms:
            scored = fake._index().rank(terms)
        else:
            # A DOI filter names its records: found through the identifier index (the
            # same records, in the same order, as a scan of every record).
            pool = fake.holding("doi", dois) if dois else fake.records
            scored = [(1.0, r) for r in pool if _knows(r, "crossref") and r.get("doi")]
        types = {v for name, v in filters if name == "type"}
        issns = {v.upper() for name, v in filters if name == "issn"}
        if issns:
            scored = [(s, r) for s, r in scored if issns & {i.upper() for i in _issns(r)}]
        if dois:
            scored = [(s, r) for s, r in scored if _norm_doi(r["doi"]) in dois]
        if types:
            scored = [(s, r) for s, r in scored if (r.get("type") or "journal-article") in types]
        items = []
        for score, rec in scored[: max(0, min(rows, 1000))]:
            work = crossref_work(rec, score)
            if select:
                work = {k: v for k, v in work.items() if k in select}
            items.append(work)
        message = {
            "facets": {},
            "total-results": len(scored),
            "items": items,
            "items-per-page": rows,
            "query": {"start-index": 0, "search-terms": terms or None},
        }
        return _json(200, {**envelope, "message-type": "work-list", "message": message})

    def _openalex(self, entry: LoggedRequest) -> _Reply:
        fake = self.fake
        q = dict(entry.query)
        if fake.require_openalex_key and not q.get("api_key"):
            raise _json(
                401,
                {"error": "API key required", "message": "Pass your API key as api_key=."},
            )
        select = [s for s in q.get("select", "").split(",") if s]
        path = unquote(entry.path)
        if path.startswith("/works/"):
            ident = path[len("/works/") :]
            low = ident.lower()
            rec = None
            if low.startswith(("doi:", "https://doi.org/", "http://doi.org/", "https:/doi.org/")):
                rec = fake.find(
                    "openalex", doi=ident.replace("https:/doi.org/", "https://doi.org/")
                )
            elif low.startswith("pmid:"):
                rec = fake.find(
                    "openalex", pmid=ident[5:].removeprefix("https://pubmed.ncbi.nlm.nih.gov/")
                )
            elif low.startswith("pmcid:"):
                rec = fake.find("openalex", pmcid=ident[6:])
            elif re.fullmatch(r"w\d+", low):
                rec = fake.find("openalex", openalex=ident)
            if rec is None:
                raise _Reply(404, OPENALEX_404_HTML, "text/html; charset=utf-8")
            work = openalex_work(rec)
            if select:
                work = {k: v for k, v in work.items() if k in select}
            return _json(200, work)
        if path.rstrip("/") != "/works":
            raise _Reply(404, OPENALEX_404_HTML, "text/html; charset=utf-8")
        per_page = int(q.get("per_page") or q.get("per-page") or 25)
        results: list[dict[str, Any]] = []
        scores: dict[int, float] = {}
        for flt in (q.get("filter") or "").split(","):
            name, _, value = flt.partition(":")
            if not value:
                continue
            if name == "title.search":
                for score, rec in fake._titles().ranked_titles(value, "openalex", _knows):
                    if rec not in results:
                        results.append(rec)
                        scores[id(rec)] = score
                continue
            values = value.split("|")
            if len(values) > 100:
                raise _json(
                    400,
                    {
                        "error": "Invalid query parameters error.",
                        "message": "Maximum number of values exceeded for doi. Decrease values to 100 or below, or consider downloading the full dataset.",
                    },
                )
            if name not in ("doi", "pmid", "ids.pmid"):
                raise _json(
                    400,
                    {
                        "error": "Invalid query parameters error.",
                        "message": f"{name} is not a valid field.",
                    },
                )
            kind = "doi" if name == "doi" else "pmid"
            for v in values:
                rec = fake.find(
                    "openalex", **{kind: v.removeprefix("https://pubmed.ncbi.nlm.nih.gov/")}
                )
                if rec is not None and rec not in results:
                    results.append(rec)
        works = [
            {**openalex_work(r), "relevance_score": scores[id(r)]}
            if id(r) in scores
            else openalex_work(r)
            for r in results[:per_page]
        ]
        if select:
            works = [{k: v for k, v in w.items() if k in select} for w in works]
        meta = {
            "count": len(results),
            "db_response_time_ms": 5,
            "page": 1,
            "per_page": per_page,
            "groups_count": None,
        }
        return _json(200, {"meta": meta, "results": works, "group_by": []})

    def _pubmed(self, entry: LoggedRequest) -> _Reply:
        fake = self.fake
        q = dict(entry.query)
        path = entry.path.rstrip("/")
        if path == "/esearch.fcgi":
            term = q.get("term", "")
            retmax = int(q.get("retmax") or 20)
            hits = _pubmed_search(fake, term, sort=q.get("sort", ""))
            ids = "".join(f"<Id>{r['pmid']}</Id>\n" for r in hits[:retmax])
            head = f'<?xml version="1.0" encoding="UTF-8" ?>\n{ESEARCH_DOCTYPE}\n<eSearchResult>'
            if not hits:
                body = (
                    f"{head}<Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart><IdList/>"
                    f"<TranslationSet/><QueryTranslation>{escape(term)}</QueryTranslation>"
                    f"<ErrorList><PhraseNotFound>{escape(term)}</PhraseNotFound></ErrorList>"
                    "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
                    "</eSearchResult>\n"
                )
            else:
                body = (
                    f"{head}<Count>{len(hits)}</Count><RetMax>{min(retmax, len(hits))}</RetMax>"
                    f"<RetStart>0</RetStart><IdList>\n{ids}</IdList><TranslationSet/>"
                    f"<QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>\n"
                )
            return _Reply(200, body, "text/xml; charset=UTF-8")
        if path == "/efetch.fcgi":
            ids = [i.strip() for i in q.get("id", "").split(",") if i.strip()]
            if not ids:
                raise _Reply(
                    400,
                    '<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n'
                    "\t<ERROR>Empty id list - nothing todo</ERROR>\n</eFetchResult>\n",
                    "text/xml; charset=UTF-8",
                )
            found = [r for i in ids if (r := fake.find("pubmed", pmid=i)) is not None]
            return _Reply(200, pubmed_article_set(found), "text/xml; charset=UTF-8")
        raise _Reply(404, "Not Found", "text/plain")

    def _s2(self, entry: LoggedRequest) -> _Reply:
        fake = self.fake
        q = dict(entry.query)
        fields = [f for f in q.get("fields", "").split(",") if f] or None
        if fields:
            bad = [f for f in fields if f not in S2_FIELDS]
            if bad:
                raise _json(400, {"error": f"Unrecognized or unsupported fields: {bad}"})
        path = unquote(entry.path)
        if path.rstrip("/") == "/paper/search/match" and entry.method == "GET":
            match = fake._titles().best_title(q.get("query", ""), "s2", _knows)
            if match is None:
                raise _json(404, {"error": "Title match not found"})
            score, rec = match
            return _json(200, {"data": [{**s2_paper(rec, fields), "matchScore": score}]})
        if path.rstrip("/") == "/paper/batch" and entry.method == "POST":
            try:
                ids = json.loads(entry.body or b"{}")["ids"]
            except (ValueError, KeyError, TypeError):
                raise _json(400, {"error": "Body must be a JSON object with an ids list"}) from None
            if len(ids) > 500:
                raise _json(400, {"error": "-- ids: Can only process 500 paper ids at a time."})
            out = []
            for ident in ids:
                rec = _s2_lookup(fake, str(ident))
                out.append(None if rec is None else s2_paper(rec, fields))
            return _json(200, out)
        if path.startswith("/paper/") and entry.method == "GET":
            ident = path[len("/paper/") :]
            rec = _s2_lookup(fake, ident)
            if rec is None:
                raise _json(404, {"error": f"Paper with id {ident} not found"})
            return _json(200, s2_paper(rec, fields))
        raise _json(404, {"message": "Not Found"})

    def _dblp(self, entry: LoggedRequest) -> _Reply:
        q = dict(entry.query)
        if entry.path.rstrip("/") != "/search/publ/api":
            raise _Reply(404, "Not Found", "text/plain")
        if q.get("format") != "json":
            # DBLP's default is XML; the fake speaks only the JSON the client asks for.
            raise _Reply(400, "format=json only in this fake", "text/plain")
        query = q.get("q", "")
        hits = max(0, min(int(q.get("h") or 30), 1000))
        first = max(0, int(q.get("f") or 0))
        found = self.fake._titles().dblp_search(query, _knows)
        return _json(200, dblp_result(query, found, hits, first))

    def _arxiv(self, entry: LoggedRequest) -> _Reply:
        fake = self.fake
        q = dict(entry.query)
        if entry.path.rstrip("/") != "/query":
            raise _Reply(404, "Not Found", "text/plain")
        atom = "application/atom+xml; charset=utf-8"
        query = "&".join(f"{k}={v}" for k, v in entry.query)
        start = max(0, int(q.get("start") or 0))
        per_page = max(0, int(q.get("max_results") or 10))
        ids = [i.strip() for i in q.get("id_list", "").split(",") if i.strip()]
        bad = next((i for i in ids if not arxiv_id_ok(i)), None)
        if bad is not None:
            body = arxiv_feed(query, [arxiv_error_entry(f"incorrect id format for {bad}")], 1, 0, 1)
            return _Reply(200, body, atom)
        entries: list[str] = []
        if ids:
            for ident in ids:
                versioned = re.fullmatch(r"(.+?)[vV](\d+)", ident)
                bare = versioned.group(1) if versioned else ident
                rec = fake.find("arxiv", arxiv=bare)
                if rec is not None:
                    entries.append(arxiv_entry(rec, int(versioned.group(2)) if versioned else None))
            total = len(entries)
        elif q.get("search_query"):
            phrases = arxiv_title_phrases(q["search_query"])
            found = [] if not phrases else fake._titles().arxiv_phrases(phrases, _knows)
            total = len(found)
            entries = [arxiv_entry(r) for r in found]
        else:
            total = 0
        page = entries[start : start + per_page]
        return _Reply(200, arxiv_feed(query, page, total, start, per_page), atom)

    def _openlibrary(self, entry: LoggedRequest) -> _Reply:
        fake = self.fake
        q = dict(entry.query)
        path = unquote(entry.path)
        if path.rstrip("/") == "/api/books":
            out = {}
            for key in q.get("bibkeys", "").split(","):
                kind, _, value = key.partition(":")
                if kind.upper() == "ISBN":
                    rec = fake.find("openlibrary", isbn=value.replace("-", ""))
                    if rec is not None:
                        out[key] = openlibrary_book(rec)
            return _json(200, out)
        m = re.fullmatch(r"/isbn/([0-9Xx-]+)\.json", path)
        if m:
            rec = fake.find("openlibrary", isbn=m.group(1).replace("-", ""))
            if rec is None:
                raise _json(404, {"error": "notfound", "key": f"/isbn/{m.group(1)}"})
            return _json(200, openlibrary_edition(rec))
        raise _json(404, {"error": "notfound"})


def crossref_journal_list(fake: FakeServices, q: dict[str, str]) -> dict[str, Any]:
    """``GET /journals?query=…``: the journals of the records whose title shares every
    query word (Crossref's journal-list shape: title, publisher, ISSN, issn-type)."""
    words = set(_tokens(q.get("query", "")))
    rows = int(q.get("rows") or 20)
    journals: dict[str, dict[str, Any]] = {}
    for rec in fake.records:
        title = rec.get("journal")
        if not title or not _knows(rec, "crossref") or not words <= set(_tokens(title)):
            continue
        item = journals.setdefault(
            title,
            {
                "last-status-check-time": 1767225600000,
                "counts": {"current-dois": 0, "backfile-dois": 0, "total-dois": 0},
                "publisher": rec.get("publisher") or "Fake Publisher",
                "title": title,
                "ISSN": [],
                "issn-type": [],
                "subjects": [],
                "flags": {},
                "coverage": {},
            },
        )
        item["counts"]["total-dois"] += 1
        for issn in _issns(rec):
            if issn not in item["ISSN"]:
                item["ISSN"].append(issn)
                item["issn-type"].append({"value": issn, "type": "print"})
    items = list(journals.values())
    return {
        "message-type": "journal-list",
        "message": {
            "items-per-page": rows,
            "query": {"start-index": 0, "search-terms": q.get("query")},
            "total-results": len(items),
            "items": items[:rows],
        },
    }


def _endpoint(service: str, path: str, query: list[tuple[str, str]]) -> str:
    path = path.rstrip("/")
    if service == "crossref":
        if path.startswith("/works/"):
            return "work"
        if path == "/works":
            if any(k == "query" or k.startswith("query.") for k, _ in query):
                return "works-query"
            return "works-list"
        if path == "/journals":
            return "journals"
        return "other"
    if service == "openalex":
        if path.startswith("/works/"):
            return "work"
        title_search = any(k == "filter" and "title.search:" in v for k, v in query)
        return "works-search" if title_search else "works-list"
    if service == "pubmed":
        return path.removeprefix("/").removesuffix(".fcgi") or "other"
    if service == "s2":
        if path == "/paper/search/match":
            return "paper-match"
        return "paper-batch" if path == "/paper/batch" else "paper"
    if service == "dblp":
        return "search" if path == "/search/publ/api" else "other"
    if service == "arxiv":
        if path != "/query":
            return "other"
        return "id-list" if any(k == "id_list" for k, _ in query) else "search"
    if service == "openlibrary":
        return "books" if path == "/api/books" else "isbn"
    return "other"


def _crossref_filters(values: list[str]) -> list[tuple[str, str]]:
    """Split ``filter=doi:a,doi:b,type:x`` (and repeated filters) into (name, value).

    A piece without a known ``name:`` prefix continues the previous value (a DOI may hold
    a comma).
    """
    out: list[tuple[str, str]] = []
    for value in values:
        for piece in value.split(","):
            name, sep, rest = piece.partition(":")
            if sep and re.fullmatch(r"[a-z][a-z0-9.-]*", name) and not name.startswith("10."):
                out.append((name, rest))
            elif out:
                out[-1] = (out[-1][0], out[-1][1] + "," + piece)
    return out


_FIELD = re.compile(r"^(.*?)\s*\[([a-zA-Z ]+)\]$")


_BOOL_TOKEN = re.compile(r'"[^"]*"(?:\[[a-zA-Z ]+\])?|\(|\)|[^\s()"]+(?:\[[a-zA-Z ]+\])?')


def _pubmed_tokens(term: str) -> list[str]:
    """Clauses, parentheses and AND/OR/NOT of an E-utilities term; the words of one
    clause ("Field T[au]", "int j neurosci"[ta]) are joined back into one token."""
    out: list[str] = []
    words: list[str] = []
    for piece in _BOOL_TOKEN.findall(term):
        if piece in ("(", ")", "AND", "OR", "NOT"):
            if words:
                out.append(" ".join(words))
                words = []
            out.append(piece)
        else:
            words.append(piece)
    if words:
        out.append(" ".join(words))
    return out


def _pubmed_eval(tokens: list[str], rec: dict[str, Any]) -> bool:
    """Evaluate a term on one record: parentheses, then AND/NOT before OR."""
    pos = 0

    def atom() -> bool:
        nonlocal pos
        if pos >= len(tokens):
            return False
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = disjunction()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
            return value
        if token in ("AND", "OR", "NOT", ")"):
            return False
        return _pubmed_match(rec, token)

    def conjunction() -> bool:
        nonlocal pos
        value = atom()
        while pos < len(tokens) and tokens[pos] in ("AND", "NOT"):
            op = tokens[pos]
            pos += 1
            right = atom()
            value = value and (right if op == "AND" else not right)
        return value

    def disjunction() -> bool:
        nonlocal pos
        value = conjunction()
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            right = conjunction()
            value = value or right
        return value

    return disjunction()


def _ored_dois(tokens: list[str]) -> list[str] | None:
    """The DOIs of a term that is only ``value[aid]`` (or [doi], [lid]) clauses joined
    by OR; None for any other term."""
    dois = []
    for n, token in enumerate(tokens):
        if n % 2:
            if token != "OR":
                return None
            continue
        m = _FIELD.match(token)
        if m is None or m.group(2).lower() not in ("aid", "doi", "lid", "location id"):
            return None
        dois.append(m.group(1).strip().strip('"').strip())
    return dois if dois and len(tokens) % 2 else None


def _pubmed_search(fake: FakeServices, term: str, sort: str = "") -> list[dict[str, Any]]:
    """Evaluate an E-utilities term (clauses ``value[field]`` combined by AND, OR, NOT
    and parentheses). Hits come newest PMID first, or with ``sort=relevance`` by how
    well the term's title/abstract words match (BM25 over title and abstract; the fake
    knows no answers, only text)."""
    tokens = _pubmed_tokens(term)
    dois = _ored_dois(tokens)
    # A lookup by DOIs ("a"[aid] OR "b"[aid]) names its records: found through the
    # identifier index, the same records in the same order as a scan of every record.
    pool = fake.records if dois is None else fake.holding("doi", dois)
    records = [r for r in pool if _knows(r, "pubmed") and r.get("pmid")]
    hits = records if dois is not None else [r for r in records if _pubmed_eval(tokens, r)]
    hits.sort(key=lambda r: -int(r["pmid"]))
    if sort.lower() in ("relevance", "best match") and hits:
        words: list[str] = []
        for token in tokens:
            if token in ("(", ")", "AND", "OR", "NOT"):
                continue
            m = _FIELD.match(token)
            if m is None:
                words.extend(_tokens(token))
            elif m.group(2).lower() in ("tiab", "ti", "title", "all", "all fields"):
                words.extend(_tokens(m.group(1)))
        docs = [
            Counter(_tokens(f"{r.get('title') or ''} {r.get('abstract') or ''}")) for r in records
        ]
        scores = _bm25_scores(docs, words)
        by_id = {id(r): s for r, s in zip(records, scores, strict=True)}
        hits.sort(key=lambda r: -by_id[id(r)])
    return hits


def _bm25_scores(docs: list[Counter[str]], terms: list[str]) -> list[float]:
    n = len(docs)
    avg = sum(sum(d.values()) for d in docs) / max(1, n)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    out = []
    for doc in docs:
        length = sum(doc.values())
        score = 0.0
        for t in set(terms):
            tf = doc.get(t, 0)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / max(avg, 1.0)))
        out.append(score)
    return out


def _pubmed_match(rec: dict[str, Any], clause: str) -> bool:
    m = _FIELD.match(clause)
    value, tag = (m.group(1), m.group(2).lower()) if m else (clause, "all")
    value = value.strip().strip('"').strip()
    if tag in ("aid", "doi", "lid", "location id"):
        return bool(rec.get("doi")) and _norm_doi(rec["doi"]) == _norm_doi(value)
    if tag in ("pmid", "uid"):
        return str(rec["pmid"]) == value
    if tag in ("dp", "pdat", "publication date"):
        return str(rec.get("year") or "") == value[:4]
    if tag in ("vi", "volume"):
        return str(rec.get("volume") or "") == value
    if tag in ("ip", "issue"):
        return str(rec.get("issue") or "") == value
    if tag in ("pg", "page"):
        first, _ = _pages(rec)
        return first == value.split("-")[0]
    words = set(_tokens(value))
    if tag in ("ti", "title"):
        text = rec.get("title") or ""
    elif tag in ("au", "author", "1au"):
        text = " ".join(f for f, _ in record_authors(rec))
        words = set(_tokens(value.split()[0])) if value.split() else set()
    elif tag in ("ta", "journal", "jour"):
        # PubMed ignores a leading "the" ("The Lancet" is "Lancet").
        def bare(name: str) -> list[str]:
            words = _tokens(name)
            return words[1:] if words[:1] == ["the"] else words

        return bool(bare(value)) and bare(value) in (
            bare(rec.get("journal_abbrev") or ""),
            bare(rec.get("journal") or ""),
        )
    elif tag in ("tiab", "title/abstract"):
        text = f"{rec.get('title') or ''} {rec.get('abstract') or ''}"
    elif tag in ("pt", "publication type"):
        return any(n.lower() == value.lower() for n, _ in rec.get("publication_types") or [])
    else:
        text = " ".join(
            [
                rec.get("title") or "",
                rec.get("abstract") or "",
                rec.get("journal") or "",
                " ".join(f for f, _ in record_authors(rec)),
            ]
        )
    return bool(words) and words <= set(_tokens(text))


def _s2_lookup(fake: FakeServices, ident: str) -> dict[str, Any] | None:
    prefix, sep, value = ident.partition(":")
    if sep and not prefix.startswith("10."):
        kind = {
            "doi": "doi",
            "pmid": "pmid",
            "pmcid": "pmcid",
            "arxiv": "arxiv",
            "corpusid": "corpusId",
        }.get(prefix.lower())
        return fake.find("s2", **{kind: value}) if kind else None
    if ident.startswith("10."):
        return fake.find("s2", doi=ident)
    if re.fullmatch(r"[0-9a-f]{40}", ident):
        return fake.find("s2", paperId=ident)
    return None


def serve(records: Iterable[dict[str, Any]] = (), **options: Any) -> Iterator[FakeServices]:
    """Generator form for fixtures: start, yield, stop."""
    fake = FakeServices(**options)
    fake.add_records(records)
    with fake:
        yield fake
