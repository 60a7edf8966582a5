"""Semantic Scholar parsing against real recorded responses
(../shared/data/real-api/semanticscholar and multi-api)."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
import yaml

from bib.errors import ServiceError
from bib.services import semanticscholar as s2
from bib.work import Author, PublicationType
from tests.conftest import shared_path


def interactions(*parts: str) -> list[dict[str, Any]]:
    data = yaml.safe_load(shared_path("data", "real-api", *parts).read_bytes())
    out: list[dict[str, Any]] = data["interactions"]
    return out


def body(interaction: dict[str, Any]) -> bytes:
    raw = interaction["response"]["body"]["string"]
    if isinstance(raw, bytes):
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    return str(raw).encode()


def test_batch_with_null_for_an_unknown_id() -> None:
    [it] = interactions("semanticscholar", "test_get_papers_return_not_found.yaml")
    assert it["request"]["method"] == "POST"
    assert json.loads(it["request"]["body"])["ids"][0] == "CorpusId:211530585"
    works = s2.parse_batch(json.loads(body(it)))
    assert len(works) == 4
    assert works[0] is None
    paper = works[1]
    assert paper is not None
    assert paper.source == "s2"
    assert paper.s2 == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"
    assert paper.doi == "10.2139/ssrn.288970"
    assert paper.extra["s2_corpus_id"] == 470667
    assert paper.title == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert paper.authors == [
        Author("Bertrand", "Marianne"),
        Author("Duflo", "E."),
        Author("Mullainathan", "S."),
    ]
    assert paper.year == 2001
    assert paper.date == "2001-10-01"
    assert paper.journal == "Experimental & Empirical Studies eJournal"
    assert paper.publication_types == [PublicationType("Review", None, "s2")]
    assert paper.abstract is not None
    assert paper.abstract.startswith("Most Difference-in-Difference (DD) papers")
    # S2 has no retraction data: it says nothing either way.
    assert paper.retracted is None
    assert all(w is not None for w in works[1:])
    assert works[2] is not None and works[2].doi == "10.2139/ssrn.2250500"


def test_paper_with_pubmed_id_journal_volume_and_pages() -> None:
    [it] = [
        i
        for i in interactions("multi-api", "test_doi_search[paper_attributes1].yaml")
        if "semanticscholar" in i["request"]["uri"]
    ]
    work = s2.to_work(json.loads(body(it)))
    assert work.doi == "10.1023/a:1007154515475"
    assert work.pmid == "11330823"
    assert work.journal == "Molecular and Cellular Biochemistry"
    assert (work.volume, work.pages) == ("218", "1-11")
    assert work.type == "journal-article"
    assert [p.name for p in work.publication_types] == ["JournalArticle", "Study"]
    assert work.authors[0] == Author("Adak", "S.")


def test_venue_is_the_journal_when_journal_is_absent() -> None:
    work = s2.to_work(
        {
            "paperId": "x",
            "venue": "NeurIPS",
            "externalIds": {"ArXiv": "2101.00001", "PubMedCentral": "5815332"},
        }
    )
    assert (work.journal, work.arxiv, work.pmcid) == ("NeurIPS", "2101.00001", "PMC5815332")


def test_batch_that_is_not_a_list_is_an_error() -> None:
    with pytest.raises(ServiceError):
        s2.parse_batch({"error": "Unrecognized or unsupported fields: [unknown]"})


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("doi", "10.1/x", "DOI:10.1/x"),
        ("arxiv", "2312.07559", "ARXIV:2312.07559"),
        ("pmid", "11330823", "PMID:11330823"),
        ("pmcid", "PMC5815332", "PMCID:5815332"),
    ],
)
def test_paper_ids(kind: str, value: str, expected: str) -> None:
    assert s2.paper_id(kind, value) == expected


def test_isbn_cannot_be_looked_up() -> None:
    with pytest.raises(ValueError):
        s2.paper_id("isbn", "9780451526533")
