"""Open Library parsing. No recording exists in ../shared; the fixtures follow the shapes
documented at https://openlibrary.org/dev/docs/api/books (Books API with jscmd=data:
an object keyed by "ISBN:…", authors {url, name}, publishers [{name}], publish_date,
identifiers {isbn_10, isbn_13}) and the edition record of /isbn/{isbn}.json (publishers
as strings, authors as {key})."""

from __future__ import annotations

import pytest

from bib.errors import ServiceError
from bib.services import openlibrary
from bib.work import Author

BOOKS = {
    "ISBN:9780451526533": {
        "url": "https://openlibrary.org/books/OL1017798M/Adventures_of_Huckleberry_Finn",
        "key": "/books/OL1017798M",
        "title": "Adventures of Huckleberry Finn",
        "authors": [{"url": "https://openlibrary.org/authors/OL18319A", "name": "Mark Twain"}],
        "number_of_pages": 304,
        "identifiers": {"isbn_10": ["0451526538"], "isbn_13": ["9780451526533"]},
        "publishers": [{"name": "Signet Classics"}],
        "publish_date": "May 2002",
    }
}

EDITION = {
    "key": "/books/OL7353617M",
    "title": "Fantastic Mr. Fox",
    "publishers": ["Puffin"],
    "publish_date": "October 1, 1988",
    "isbn_10": ["0140328726"],
    "isbn_13": ["9780140328721"],
    "authors": [{"key": "/authors/OL34184A"}],
    "number_of_pages": 96,
}


def test_books_api_answer() -> None:
    works = openlibrary.parse_books(BOOKS)
    assert list(works) == ["9780451526533"]
    book = works["9780451526533"]
    assert book.source == "openlibrary"
    assert book.type == "book"
    assert book.isbn == "9780451526533"
    assert book.title == "Adventures of Huckleberry Finn"
    assert book.authors == [Author("Twain", "Mark")]
    assert book.publisher == "Signet Classics"
    assert book.year == 2002
    assert book.extra["publish_date"] == "May 2002"
    assert book.extra["number_of_pages"] == 304
    assert book.extra["isbns"] == ["9780451526533", "0451526538"]
    assert book.url == BOOKS["ISBN:9780451526533"]["url"]


def test_edition_record() -> None:
    book = openlibrary.to_work(EDITION)
    assert (book.type, book.isbn, book.title) == ("book", "9780140328721", "Fantastic Mr. Fox")
    assert (book.publisher, book.year) == ("Puffin", 1988)
    # Edition records name authors by key only; names need another request.
    assert book.authors == []
    assert book.url == "https://openlibrary.org/books/OL7353617M"


def test_unknown_isbns_are_absent_and_garbage_is_an_error() -> None:
    assert openlibrary.parse_books({}) == {}
    with pytest.raises(ServiceError):
        openlibrary.parse_books(["not", "an", "object"])
