"""NCBI PubMed E-utilities client: esearch/efetch (network) and XML parsing (pure).

API: "The E-utilities In-Depth" (https://www.ncbi.nlm.nih.gov/books/NBK25499/).
efetch takes a comma-separated id list (POST for long lists); DOIs become PMIDs through
esearch on the Article Identifier field, ``"10.x/y"[aid]``. Responses are untrusted XML
and are parsed with defusedxml only: an entity declaration (billion laughs, external
entity) is refused, never expanded.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.services.xml import parse_service_xml
from bib.work import Author, Notice, PublicationType, Work

SERVICE = "pubmed"

# efetch: about 200 UIDs a call (NBK25499 asks for POST beyond that; SERVICES.md).
EFETCH_BATCH = 200
# esearch: one ORed [aid] query per efetch batch.
ESEARCH_BATCH = 200
# Above this URL-ish length the request goes by POST (NBK25499: "use HTTP POST" for long
# id lists and queries); short requests stay GET so the HTTP cache can answer them offline.
GET_MAX_CHARS = 1800

# MeSH D016441 "Retracted Publication" sits on the retracted article itself.
RETRACTED_TYPE = "Retracted Publication"

# CommentsCorrections RefType on an article -> Notice kind of the linked notice.
NOTICE_REFTYPES = {
    "RetractionIn": "retraction",
    "ErratumIn": "correction",
    "ExpressionOfConcernIn": "expression_of_concern",
}
# RefType on a notice -> kind of the update it makes to the linked article.
UPDATE_REFTYPES = {
    "RetractionOf": "retraction",
    "ErratumFor": "correction",
    "ExpressionOfConcernFor": "expression_of_concern",
}

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
_REF_DOI = re.compile(r"\bdoi:\s*(10\.\S+?)\.?(?:\s|$)", re.IGNORECASE)
_REF_DATE = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)(?: ([A-Z][a-z]{2})(?: (\d{1,2}))?)?[;:]")
_SPACE = re.compile(r"\s+")


# ---------------------------------------------------------------------------- fetch


def _send(client: HttpClient, path: str, params: dict[str, Any]) -> bytes:
    length = sum(len(str(k)) + len(str(v)) + 2 for k, v in params.items())
    # expect="xml": a body that is not (safe) XML is an error and never stays cached.
    if length > GET_MAX_CHARS:
        return client.post_form(SERVICE, path, params, expect="xml")
    return client.get_bytes(SERVICE, path, params, expect="xml")


def fetch_efetch(client: HttpClient, pmids: list[str]) -> bytes:
    """Raw efetch XML (PubmedArticleSet) for up to EFETCH_BATCH PMIDs."""
    if len(pmids) > EFETCH_BATCH:
        raise ValueError(f"at most {EFETCH_BATCH} PMIDs per efetch")
    params = {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}
    return _send(client, "/efetch.fcgi", params)


def fetch_esearch(client: HttpClient, term: str, retmax: int = 20) -> bytes:
    """Raw esearch XML (eSearchResult) for a query."""
    params = {"db": "pubmed", "term": term, "retmax": retmax}
    return _send(client, "/esearch.fcgi", params)


def doi_term(dois: list[str]) -> str:
    """One esearch query matching any of the DOIs: ``"a"[aid] OR "b"[aid]``."""
    return " OR ".join(f'"{d.replace(chr(34), "")}"[aid]' for d in dois)


def search_pmids(client: HttpClient, term: str, expected: int) -> list[str]:
    """PMIDs matching a query, with room for a few more hits than ``expected``."""
    return parse_esearch(fetch_esearch(client, term, retmax=max(20, expected * 2)))


def fetch_works(client: HttpClient, pmids: list[str]) -> list[Work]:
    """Works for up to EFETCH_BATCH PMIDs (one efetch request)."""
    return parse_efetch(fetch_efetch(client, pmids))


# ---------------------------------------------------------------------------- parse


def _parse_xml(body: bytes | str) -> Element:
    root = parse_service_xml(SERVICE, body)
    error = root.find("ERROR") if root.tag != "ERROR" else root
    if error is not None:
        raise ServiceError(SERVICE, f"E-utilities error: {_text(error) or 'unspecified'}")
    return root


def parse_esearch(body: bytes | str) -> list[str]:
    """PMIDs of an eSearchResult; [] for no hits (Count 0 with PhraseNotFound).

    An ``<ERROR>`` reply (HTTP 200 with an error element, recorded in esummary8.xml)
    raises ServiceError.
    """
    root = _parse_xml(body)
    if root.tag != "eSearchResult":
        raise ServiceError(SERVICE, f"expected eSearchResult, got {root.tag}")
    return [t for t in (_text(e) for e in root.findall("IdList/Id")) if t]


def esearch_not_found(body: bytes | str) -> list[str]:
    """The phrases an eSearchResult reports under ErrorList/PhraseNotFound."""
    root = _parse_xml(body)
    return [t for t in (_text(e) for e in root.findall("ErrorList/PhraseNotFound")) if t]


def parse_efetch(body: bytes | str) -> list[Work]:
    """Every PubmedArticle of an efetch reply (or a lone PubmedArticle) as Works."""
    root = _parse_xml(body)
    if root.tag == "PubmedArticle":
        return [parse_article(root)]
    if root.tag != "PubmedArticleSet":
        raise ServiceError(SERVICE, f"expected PubmedArticleSet, got {root.tag}")
    return [parse_article(a) for a in root.findall("PubmedArticle")]


def parse_article(article: Element) -> Work:
    """One ``PubmedArticle`` element as a Work with ``source="pubmed"``."""
    work = Work(source=SERVICE, type="journal-article")
    citation = article.find("MedlineCitation")
    if citation is None:
        raise ServiceError(SERVICE, "PubmedArticle without MedlineCitation")
    work.pmid = _text(citation.find("PMID"))
    art = citation.find("Article")
    if art is not None:
        _parse_journal(art, work)
        work.title = _title(art.find("ArticleTitle"))
        work.pages = _pages(art)
        work.authors = _authors(art)
        work.abstract = _abstract(art)
        work.language = _text(art.find("Language"))
        for pt in art.findall("PublicationTypeList/PublicationType"):
            name = _text(pt)
            if name:
                work.publication_types.append(PublicationType(name, pt.get("UI"), SERVICE))
        doi = next(
            (
                _text(e)
                for e in art.findall("ELocationID")
                if e.get("EIdType") == "doi" and e.get("ValidYN", "Y") == "Y"
            ),
            None,
        )
        if doi:
            work.doi = doi.lower()
    linking = _text(citation.find("MedlineJournalInfo/ISSNLinking"))
    if linking and linking not in work.issn:
        work.issn.append(linking)
    work.keywords = [k for k in (_text(e) for e in citation.findall("KeywordList/Keyword")) if k]
    mesh = [_text(e) for e in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")]
    if any(mesh):
        work.extra["mesh"] = [m for m in mesh if m]
    _parse_comments(citation, work)
    # Only the article's own ids: PubmedData/ArticleIdList, never those of its references
    # (ReferenceList/Reference/ArticleIdList holds the cited works' ids).
    for aid in article.findall("PubmedData/ArticleIdList/ArticleId"):
        kind, value = aid.get("IdType"), _text(aid)
        if not value:
            continue
        if kind == "doi":
            work.doi = value.lower()
        elif kind == "pmc":
            work.pmcid = value.upper() if value.upper().startswith("PMC") else f"PMC{value}"
        elif kind == "pubmed" and not work.pmid:
            work.pmid = value
    names = {p.name for p in work.publication_types}
    # PubMed indexes retractions (and flags the retracted article) itself, so a record
    # without the flag is PubMed's "not retracted" (with NLM's indexing lag).
    work.retracted = RETRACTED_TYPE in names or any(n.kind == "retraction" for n in work.notices)
    if work.pmid:
        work.url = f"https://pubmed.ncbi.nlm.nih.gov/{work.pmid}/"
    return work


def _parse_journal(art: Element, work: Work) -> None:
    journal = art.find("Journal")
    if journal is None:
        return
    work.journal = _text(journal.find("Title"))
    work.journal_abbrev = _text(journal.find("ISOAbbreviation"))
    work.issn = [i for i in (_text(e) for e in journal.findall("ISSN")) if i]
    issue = journal.find("JournalIssue")
    if issue is None:
        return
    work.volume = _text(issue.find("Volume"))
    work.issue = _text(issue.find("Issue"))
    pubdate = issue.find("PubDate")
    if pubdate is not None:
        work.year, work.date = _pubdate(pubdate)


def _pubdate(pubdate: Element) -> tuple[int | None, str | None]:
    year_text = _text(pubdate.find("Year"))
    if year_text and year_text.isdigit():
        year = int(year_text)
        month = _month(_text(pubdate.find("Month")))
        day_text = _text(pubdate.find("Day"))
        date = str(year)
        if month:
            date += f"-{month:02d}"
            if day_text and day_text.isdigit():
                date += f"-{int(day_text):02d}"
        return year, date
    # MedlineDate holds irregular dates: "1998 Dec-1999 Jan", "2001 Sep-Oct".
    medline = _text(pubdate.find("MedlineDate"))
    match = _YEAR.search(medline or "")
    if match:
        return int(match.group(1)), str(match.group(1))
    return None, None


def _month(text: str | None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        value = int(text)
        return value if 1 <= value <= 12 else None
    return _MONTHS.get(text[:3].lower())


def _pages(art: Element) -> str | None:
    pgn = _text(art.find("Pagination/MedlinePgn"))
    if pgn:
        return pgn
    start = _text(art.find("Pagination/StartPage"))
    end = _text(art.find("Pagination/EndPage"))
    if start:
        return f"{start}-{end}" if end else start
    return None


def _authors(art: Element) -> list[Author]:
    authors: list[Author] = []
    for author in art.findall("AuthorList/Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue
        last = _text(author.find("LastName"))
        if last:
            given = _text(author.find("ForeName")) or _text(author.find("Initials")) or ""
            authors.append(Author(last, given))
            continue
        collective = _text(author.find("CollectiveName"))
        if collective:
            authors.append(Author(collective))
    return authors


def _abstract(art: Element) -> str | None:
    parts: list[str] = []
    for section in art.findall("Abstract/AbstractText"):
        text = _text(section)
        if not text:
            continue
        label = section.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _parse_comments(citation: Element, work: Work) -> None:
    updates: list[dict[str, Any]] = []
    for cc in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        reftype = cc.get("RefType", "")
        ref_pmid = _text(cc.find("PMID"))
        ref_source = _text(cc.find("RefSource")) or ""
        doi_match = _REF_DOI.search(ref_source)
        ref_doi = doi_match.group(1).lower() if doi_match else None
        if reftype in NOTICE_REFTYPES:
            work.notices.append(
                Notice(
                    kind=NOTICE_REFTYPES[reftype],
                    source=SERVICE,
                    doi=ref_doi,
                    pmid=ref_pmid,
                    date=_ref_date(ref_source),
                )
            )
        elif reftype in UPDATE_REFTYPES:
            updates.append(
                Notice(
                    kind=UPDATE_REFTYPES[reftype], source=SERVICE, doi=ref_doi, pmid=ref_pmid
                ).to_dict()
            )
    if updates:
        # This record is itself a notice (retraction, erratum…) of the linked articles.
        work.extra["updates"] = updates


def _ref_date(ref_source: str) -> str | None:
    """The date in a RefSource citation: "Cell Rep. 2022 Jun 28;39(13)…" -> 2022-06-28."""
    match = _REF_DATE.search(ref_source)
    if not match:
        return None
    year, month_name, day = match.groups()
    month = _month(month_name)
    if not month:
        return year
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")


def _text(elem: Element | None) -> str | None:
    """All the text inside an element (inline markup such as <i> flattened), trimmed."""
    if elem is None:
        return None
    text = _SPACE.sub(" ", "".join(elem.itertext())).strip()
    return text or None


def _title(elem: Element | None) -> str | None:
    text = _text(elem)
    if not text:
        return None
    # MEDLINE ends every ArticleTitle with a period; other sources do not.
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text or None
