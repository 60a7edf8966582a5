"""OpenAlex parsing against real recorded responses (../shared/data/real-api/openalex)."""

from __future__ import annotations

import copy
import gzip
import json
from typing import Any

import pytest
import yaml

from bib.services import openalex
from bib.work import Author, Notice, PublicationType
from tests.conftest import shared_path


def w2741809807() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        shared_path("data", "real-api", "openalex", "W2741809807.json").read_text()
    )
    return data


def interaction_body(path: str, index: int) -> tuple[str, int, bytes]:
    it = yaml.safe_load(shared_path("data", "real-api", *path.split("/")).read_bytes())[
        "interactions"
    ][index]
    body = it["response"]["body"]["string"]
    if isinstance(body, bytes):
        body = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    else:
        body = body.encode()
    return it["request"]["uri"], it["response"]["status"]["code"], body


def test_full_work_object() -> None:
    work = openalex.to_work(w2741809807())
    assert work.source == "openalex"
    assert work.openalex == "W2741809807"
    assert work.doi == "10.7717/peerj.4375"
    assert work.pmid == "29456894"
    assert work.pmcid == "PMC5815332"
    assert work.title == (
        "The state of OA: a large-scale analysis of the prevalence and impact of Open Access "
        "articles"
    )
    assert len(work.authors) == 9
    assert work.authors[0] == Author("Piwowar", "Heather")
    assert work.authors[3] == Author("Alperín", "Juan Pablo")
    assert work.authors[7] == Author("West", "Jevin D.")
    assert work.journal == "PeerJ"
    assert work.issn == ["2167-8359"]
    assert work.publisher == "PeerJ, Inc."
    assert (work.year, work.date) == (2018, "2018-02-13")
    assert (work.volume, work.issue, work.pages) == ("6", None, "e4375")
    assert work.type == "journal-article"
    assert work.publication_types == [PublicationType("article", None, "openalex")]
    assert work.retracted is False
    assert work.notices == []
    assert work.abstract is not None
    assert work.abstract.startswith(
        "Despite growing interest in Open Access (OA) to scholarly literature, there is an "
        "unmet need"
    )
    # Every word of the inverted index is placed exactly once per position.
    positions = sum(len(v) for v in w2741809807()["abstract_inverted_index"].values())
    assert len(work.abstract.split(" ")) == positions


def test_is_retracted_true_gives_a_notice() -> None:
    # No recording with is_retracted true exists (SERVICES.md "Gaps"); this is the real
    # W2741809807 object with the flag flipped.
    data = copy.deepcopy(w2741809807())
    data["is_retracted"] = True
    work = openalex.to_work(data)
    assert work.retracted is True
    assert work.notices == [Notice(kind="retraction", source="openalex")]


def test_list_response_from_title_search() -> None:
    uri, status, body = interaction_body("multi-api/test_title_search[paper_attributes0].yaml", 3)
    assert uri.startswith("https://api.openalex.org/works?filter=title.search")
    works = openalex.parse_work_list(json.loads(body))
    assert len(works) == 1
    work = works[0]
    assert work.openalex == "W2277923667"
    assert work.doi == "10.1063/1.4938384"
    assert work.journal == "Journal of Applied Physics"
    assert (work.year, work.volume, work.issue, work.pages) == (2015, "118", "23", None)
    assert work.authors == [Author("Skarlinski", "Michael"), Author("Quesnel", "David J.")]
    assert work.pmid is None


def test_404_is_an_html_page() -> None:
    uri, status, body = interaction_body(
        "openalex/test_does_openalex_work[not-in-openalex].yaml", 0
    )
    assert status == 404
    assert openalex.is_not_found_page(body)
    assert not openalex.is_not_found_page(json.dumps(w2741809807()))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://doi.org/10.7717/PeerJ.4375", "10.7717/peerj.4375"),
        ("doi:10.1/x", "10.1/x"),
        ("10.1/y", "10.1/y"),
        (None, None),
        ("", None),
    ],
)
def test_strip_doi(value: str | None, expected: str | None) -> None:
    assert openalex.strip_doi(value) == expected


def test_split_name() -> None:
    assert openalex.split_name("Heather  Piwowar") == Author("Piwowar", "Heather")
    assert openalex.split_name("Turing, Alan M.") == Author("Turing", "Alan M.")
    assert openalex.split_name("Plato") == Author("Plato")
