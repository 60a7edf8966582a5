"""Open Library client for books by ISBN: fetch (network) and parse (pure) apart.

API: https://openlibrary.org/dev/docs/api/books. ``GET /api/books?bibkeys=ISBN:a,ISBN:b
&format=json&jscmd=data`` answers several ISBNs at once, keyed by bibkey, with author
names resolved; ``GET /isbn/{isbn}.json`` is the raw edition record (authors as keys only).
"""

from __future__ import annotations

import re
from typing import Any

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.services.openalex import split_name
from bib.work import Author, Work

SERVICE = "openlibrary"

# No documented cap on bibkeys; a modest batch keeps the URL short.
BATCH_SIZE = 50

_YEAR = re.compile(r"\b(1[4-9]\d\d|2\d\d\d)\b")


def fetch_books(client: HttpClient, isbns: list[str]) -> Any:
    """Raw JSON of the Books API for up to BATCH_SIZE ISBNs (keys ``ISBN:<isbn>``)."""
    if len(isbns) > BATCH_SIZE:
        raise ValueError(f"at most {BATCH_SIZE} ISBNs per Open Library request")
    params = {
        "bibkeys": ",".join(f"ISBN:{i}" for i in isbns),
        "format": "json",
        "jscmd": "data",
    }
    return client.get_json(SERVICE, "/api/books", params)


def parse_books(payload: Any) -> dict[str, Work]:
    """A Books API answer as ``{isbn: Work}`` (an ISBN it does not know is absent)."""
    if not isinstance(payload, dict):
        raise ServiceError(SERVICE, "books answer is not an object")
    out: dict[str, Work] = {}
    for key, data in payload.items():
        if not isinstance(data, dict):
            continue
        isbn = key.split(":", 1)[1] if ":" in key else key
        out[isbn] = to_work(data, isbn=isbn)
    return out


def to_work(data: dict[str, Any], isbn: str | None = None) -> Work:
    """A Books API (jscmd=data) book or an edition record as a Work of type ``book``."""
    work = Work(source=SERVICE, type="book")
    title = data.get("title")
    work.title = title.strip() if isinstance(title, str) and title.strip() else None
    subtitle = data.get("subtitle")
    if isinstance(subtitle, str) and subtitle.strip():
        work.extra["subtitle"] = subtitle.strip()
    identifiers = data.get("identifiers") if isinstance(data.get("identifiers"), dict) else {}
    isbn13 = _strings(data.get("isbn_13")) or _strings((identifiers or {}).get("isbn_13"))
    isbn10 = _strings(data.get("isbn_10")) or _strings((identifiers or {}).get("isbn_10"))
    work.isbn = isbn or (isbn13[0] if isbn13 else None) or (isbn10[0] if isbn10 else None)
    if isbn13 or isbn10:
        work.extra["isbns"] = isbn13 + isbn10
    work.authors = _authors(data.get("authors"))
    publishers = data.get("publishers")
    if isinstance(publishers, list) and publishers:
        first = publishers[0]
        name = first.get("name") if isinstance(first, dict) else first
        work.publisher = name.strip() if isinstance(name, str) and name.strip() else None
    published = data.get("publish_date")
    if isinstance(published, str):
        match = _YEAR.search(published)
        work.year = int(match.group(1)) if match else None
        work.extra["publish_date"] = published
    pages = data.get("number_of_pages")
    if isinstance(pages, int):
        work.extra["number_of_pages"] = pages
    url = data.get("url")
    key = data.get("key")
    if isinstance(url, str):
        work.url = url
    elif isinstance(key, str) and key.startswith("/books/"):
        work.url = "https://openlibrary.org" + key
    return work


def _strings(value: Any) -> list[str]:
    return (
        [v.replace("-", "") for v in value if isinstance(v, str)] if isinstance(value, list) else []
    )


def _authors(value: Any) -> list[Author]:
    authors: list[Author] = []
    for a in value if isinstance(value, list) else []:
        # jscmd=data gives {"name", "url"}; edition records only {"key": "/authors/OL…A"}.
        name = a.get("name") if isinstance(a, dict) else None
        if isinstance(name, str) and name.strip():
            authors.append(split_name(name))
    return authors
