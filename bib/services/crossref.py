"""Crossref REST API client: fetch (network) and parse (pure) apart.

API: https://api.crossref.org/swagger-ui/index.html. A single DOI is
``GET /works/{doi}``; several DOIs are one ``GET /works?filter=doi:A,doi:B`` (repeated
filters of one name are ORed; there is no POST route, CrossRef/rest-api-doc#261);
a free-text reference is ``GET /works?query.bibliographic=…``.
"""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import quote

from bib.errors import NotFound, ServiceError
from bib.http import HttpClient
from bib.work import Author, Notice, Work

SERVICE = "crossref"

# No documented cap on repeated doi filters; about 50 keeps the URL a sane length
# (SERVICES.md, "Batch lookup").
BATCH_SIZE = 50

# `select` trims list responses (references alone can be most of a record); it only works
# on list routes (CrossRef/rest-api-doc#281) and these names are all selectable (#289).
SELECT_FIELDS = (
    "DOI",
    "title",
    "subtitle",
    "author",
    "container-title",
    "short-container-title",
    "ISSN",
    "ISBN",
    "publisher",
    "issued",
    "published",
    "published-print",
    "published-online",
    "volume",
    "issue",
    "page",
    "article-number",
    "type",
    "abstract",
    "language",
    "URL",
    "updated-by",
    "update-to",
    "score",
)

# The plain-text body of a 404 for an unknown DOI (recorded: habanero
# test_works_bad_id_warn.yaml).
NOT_FOUND_BODY = "Resource not found."

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


# ---------------------------------------------------------------------------- fetch


def doi_path(doi: str) -> str:
    """The ``/works/{doi}`` path with the DOI percent-encoded (``/`` kept)."""
    return "/works/" + quote(doi, safe="/:;()")


def fetch_work(client: HttpClient, doi: str) -> Any:
    """Raw JSON of ``GET /works/{doi}``; raises NotFound for an unknown DOI."""
    return client.get_json(SERVICE, doi_path(doi))


def fetch_works_by_doi(client: HttpClient, dois: list[str]) -> Any:
    """Raw JSON work list for up to BATCH_SIZE DOIs in one ``filter=doi:…`` request."""
    if len(dois) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} DOIs per Crossref request")
    params = {
        "filter": ",".join(f"doi:{d}" for d in dois),
        # One work per DOI; a few spare rows cost nothing.
        "rows": len(dois),
        "select": ",".join(SELECT_FIELDS),
    }
    return client.get_json(SERVICE, "/works", params, shape=work_list_problem)


def fetch_bibliographic(client: HttpClient, reference: str, rows: int = 5) -> Any:
    """Raw JSON work list of ``query.bibliographic`` (Crossref's reference matcher)."""
    params = {
        "query.bibliographic": reference,
        "rows": rows,
        "select": ",".join(SELECT_FIELDS),
    }
    return client.get_json(SERVICE, "/works", params, shape=work_list_problem)


# ---------------------------------------------------------------------------- parse


def parse_body(body: bytes | str) -> Any:
    """Decode a raw response body: JSON, or NotFound for the plain-text 404 body."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if text.strip() == NOT_FOUND_BODY:
        raise NotFound(SERVICE, "Resource not found.")
    try:
        return json.loads(text)
    except ValueError:
        raise ServiceError(SERVICE, "answered with a body that is not JSON") from None


def parse_work(payload: dict[str, Any]) -> Work:
    """A ``message-type: work`` envelope (or its bare ``message``) as a Work."""
    if payload.get("message-type") == "work" or "message" in payload:
        message = payload.get("message")
        if not isinstance(message, dict):
            raise ServiceError(SERVICE, "work response without a message")
        return to_work(message)
    return to_work(payload)


def parse_work_list(payload: dict[str, Any]) -> list[Work]:
    """The items of a ``message-type: work-list`` page as Works (score kept in extra)."""
    problem = work_list_problem(payload)
    if problem:
        raise ServiceError(SERVICE, problem)
    return [to_work(item) for item in payload["message"]["items"] if isinstance(item, dict)]


def work_list_problem(payload: Any) -> str | None:
    """Why ``payload`` is not a work list, or None. A page of another kind (a single
    work, an error envelope) is not "nothing found": taking it for an empty list would
    report existing works as not found."""
    message = payload.get("message") if isinstance(payload, dict) else None
    if not isinstance(message, dict):
        return "work list without a message"
    if (
        not isinstance(message.get("items"), list)
        or payload.get("message-type", "work-list") != "work-list"
    ):
        return "answered with something other than a work list"
    return None


def to_work(item: dict[str, Any]) -> Work:
    """One Crossref work object as a Work with ``source="crossref"``."""
    work = Work(source=SERVICE)
    doi = item.get("DOI")
    work.doi = doi.strip().lower() if isinstance(doi, str) and doi.strip() else None
    work.title = _first_text(item.get("title"))
    subtitle = _first_text(item.get("subtitle"))
    if work.title and subtitle:
        work.extra["subtitle"] = subtitle
    work.authors = [a for a in (_author(x) for x in item.get("author") or []) if a]
    work.journal = _first_text(item.get("container-title"))
    work.journal_abbrev = _first_text(item.get("short-container-title"))
    venue_names = _all_texts(item.get("container-title"), item.get("short-container-title"))
    if venue_names:
        work.extra["venue_names"] = venue_names
    work.issn = [str(x) for x in item.get("ISSN") or [] if x]
    work.publisher = _text(item.get("publisher"))
    year, date = _date(item)
    work.year, work.date = year, date
    work.volume = _text(item.get("volume"))
    work.issue = _text(item.get("issue"))
    work.pages = _text(item.get("page")) or _text(item.get("article-number"))
    work.type = _text(item.get("type"))
    abstract = item.get("abstract")
    work.abstract = strip_markup(abstract) if isinstance(abstract, str) else None
    work.language = _text(item.get("language"))
    work.url = _text(item.get("URL"))
    isbns = [str(x) for x in item.get("ISBN") or [] if x]
    if isbns:
        work.isbn = isbns[0].replace("-", "")
    notices = [n for n in (_notice(u) for u in item.get("updated-by") or []) if n]
    work.notices = notices
    # Crossref carries retraction notices (publisher deposits and, since 2023, Retraction
    # Watch), so "no retraction in updated-by" is its answer "not retracted"; merge_works
    # still lets any other source's "retracted" win.
    work.retracted = any(n.kind == "retraction" for n in notices)
    updates = [n for n in (_notice(u) for u in item.get("update-to") or []) if n]
    if updates:
        # This record is itself a notice (retraction, correction…) of the works listed.
        work.extra["updates"] = [n.to_dict() for n in updates]
    if isinstance(item.get("score"), int | float):
        work.extra["score"] = float(item["score"])
    return work


def strip_markup(text: str) -> str:
    """Drop JATS/HTML tags and entities from an abstract or title; collapse whitespace."""
    return _SPACE.sub(" ", unescape(_TAG.sub(" ", text))).strip()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    text = strip_markup(value)
    return text or None


def _all_texts(*values: Any) -> list[str]:
    """Every distinct non-empty string of the given Crossref lists, in order."""
    out: list[str] = []
    for value in values:
        for text in value if isinstance(value, list) else [value]:
            clean = strip_markup(text) if isinstance(text, str) else ""
            if clean and clean not in out:
                out.append(clean)
    return out


def _author(data: Any) -> Author | None:
    if not isinstance(data, dict):
        return None
    family = _text(data.get("family"))
    given = _text(data.get("given")) or ""
    if family:
        return Author(family=family, given=given)
    # Organisations (consortia, groups) come as {"name": …}; kept whole as the family.
    name = _text(data.get("name"))
    if name:
        return Author(family=name)
    if given:
        return Author(family=given)
    return None


def _date_parts(value: Any) -> list[int] | None:
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if not isinstance(parts, list) or not parts or not isinstance(parts[0], list):
        return None
    out: list[int] = []
    for p in parts[0]:
        if p is None:
            break
        try:
            out.append(int(p))
        except (TypeError, ValueError):
            break
    return out or None


def _iso(parts: list[int]) -> str:
    """[2012, 3, 21] -> "2012-03-21"; [2012, 3] -> "2012-03"."""
    return "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts[:3]))


def _date(item: dict[str, Any]) -> tuple[int | None, str | None]:
    """Year and ISO date from issued, then published-print, published-online, published."""
    for key in ("issued", "published-print", "published-online", "published"):
        parts = _date_parts(item.get(key))
        if parts:
            return parts[0], _iso(parts)
    return None, None


def notice_kind(update_type: str) -> str:
    """Crossref update type as a Notice kind (``expression-of-concern`` spelt with ``_``)."""
    kind = update_type.strip().lower().replace("-", "_").replace(" ", "_")
    return {"erratum": "correction", "retracted": "retraction"}.get(kind, kind)


def _notice(data: Any) -> Notice | None:
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None
    source = "retraction-watch" if data.get("source") == "retraction-watch" else SERVICE
    parts = _date_parts(data.get("updated"))
    date = _iso(parts) if parts else None
    doi = data.get("DOI")
    return Notice(
        kind=notice_kind(data["type"]),
        source=source,
        date=date,
        doi=doi.lower() if isinstance(doi, str) and doi else None,
    )


def search_bibliographic(client: HttpClient, reference: str, rows: int = 5) -> list[Work]:
    """Candidate works for a free-text reference, best first, with ``extra["score"]``."""
    return parse_work_list(fetch_bibliographic(client, reference, rows))


def search_title(
    client: HttpClient, title: str, authors: list[Author] | None = None, rows: int = 5
) -> list[Work]:
    """Candidate works for a title (and its first author's family name), best first:
    ``query.bibliographic`` weighs every part of a reference, so the title and a name
    are all it needs."""
    reference = " ".join(title.split())
    if authors and authors[0].family:
        reference = f"{reference} {authors[0].family}"
    if not reference:
        return []
    return search_bibliographic(client, reference, rows)
