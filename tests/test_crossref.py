"""Crossref parsing against real recorded responses (../shared/data/real-api/crossref)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bib.errors import NotFound, ServiceError
from bib.services import crossref
from bib.work import Author, Notice
from tests.conftest import shared_path


def cassette(*parts: str) -> list[tuple[str, int, bytes]]:
    """(uri, status, body) of each interaction of a vcrpy cassette; gzip bodies decoded."""
    data = yaml.safe_load(shared_path("data", "real-api", *parts).read_bytes())
    out = []
    for it in data["interactions"]:
        resp = it["response"]
        body = resp["body"]["string"]
        if isinstance(body, bytes):
            body = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
        else:
            body = body.encode()
        out.append((it["request"]["uri"], resp["status"]["code"], body))
    return out


def body_of(*parts: str, index: int = 0) -> bytes:
    return cassette(*parts)[index][2]


def test_single_work_with_updated_by_correction() -> None:
    uri, status, body = cassette("crossref", "test_works_with_one_id.yaml")[0]
    assert status == 200
    work = crossref.parse_work(crossref.parse_body(body))
    assert work.source == "crossref"
    assert work.doi == "10.1371/journal.pone.0033693"
    assert work.title == (
        "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia "
        "in the Basal Ganglia of Mice"
    )
    assert work.authors[0] == Author("Sadasivan", "Shankar")
    assert work.authors[-1] == Author("Smeyne", "Richard J.")
    assert len(work.authors) == 6
    assert work.journal == "PLoS ONE"
    assert work.journal_abbrev == "PLoS ONE"
    assert work.issn == ["1932-6203"]
    assert work.publisher == "Public Library of Science (PLoS)"
    assert (work.year, work.date) == (2012, "2012-03-21")
    assert (work.volume, work.issue, work.pages) == ("7", "3", "e33693")
    assert work.type == "journal-article"
    assert work.language == "en"
    assert work.notices == [
        Notice(
            kind="correction",
            source="crossref",
            date="2012-05-08",
            doi="10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda",
        )
    ]
    # A correction is not a retraction.
    assert work.retracted is False


def test_404_plain_text_body_is_not_found() -> None:
    uri, status, body = cassette("crossref", "test_works_bad_id_warn.yaml")[0]
    assert (uri, status, body) == (
        "https://api.crossref.org/works/10.1371/notarealdoi",
        404,
        b"Resource not found.",
    )
    with pytest.raises(NotFound) as err:
        crossref.parse_body(body)
    assert err.value.service == "crossref"


def test_mixed_sequence_200_404_200() -> None:
    answers = cassette("crossref", "test_works_mixed_ids_warn.yaml")
    dois = []
    for _, _, body in answers:
        try:
            dois.append(crossref.parse_work(crossref.parse_body(body)).doi)
        except NotFound:
            dois.append(None)
    assert dois == ["10.1371/journal.pone.0033693", None, "10.1371/journal.pone.0020476"]


def test_garbage_body_is_a_service_error() -> None:
    with pytest.raises(ServiceError, match="not JSON"):
        crossref.parse_body(b"<html>gateway timeout</html>")


def test_query_bibliographic_list_keeps_scores_and_strips_jats() -> None:
    uri, status, body = cassette("crossref", "test_journals_field_queries.yaml")[0]
    assert "query.bibliographic=fish" in uri
    works = crossref.parse_work_list(json.loads(body))
    assert len(works) == 20
    assert works[0].doi == "10.7717/peerj.3811"
    assert works[0].extra["score"] == 8.682194
    assert works[0].title == "Fish Ontology framework for taxonomy-based fish recognition"
    assert works[0].abstract is not None
    assert works[0].abstract.startswith("Life science ontologies play an important role")
    # Whitespace, the no-break space included, is collapsed to single spaces.
    assert works[0].abstract.endswith("fish scientists and other interested users.")
    assert all("<jats:" not in (w.abstract or "") for w in works)
    # Scores come best first.
    scores = [w.extra["score"] for w in works]
    assert scores == sorted(scores, reverse=True)
    # Inline markup in a title (<i>…</i> and line breaks) is flattened.
    threadfin = next(w for w in works if w.doi == "10.7717/peerj.14688")
    assert threadfin.title == (
        "Feeding habits of four-finger threadfin fish, Eleutheronema tetradactylum, and its "
        "diet interaction with co-existing fish species in the coastal waters of Thailand"
    )
    # Structured JATS abstract: section titles and paragraphs become plain text.
    sampling = next(w for w in works if w.doi == "10.7717/peerj.5066")
    assert sampling.abstract is not None
    assert sampling.abstract.startswith("Background Underwater visual surveys (UVSs)")


def test_update_to_and_new_version_entries() -> None:
    body = body_of("crossref", "test_prefixes_field_queries.yaml")
    works = {w.doi: w for w in crossref.parse_work_list(json.loads(body))}
    assert len(works) == 20
    versioned = works["10.1371/journal.ppat.1006930"]
    expected = Notice("new_version", "crossref", "2018-03-26", "10.1371/journal.ppat.1006930")
    assert versioned.notices == [expected]
    assert versioned.extra["updates"] == [expected.to_dict()]
    corrected = works["10.1371/journal.pbio.0050002"]
    assert corrected.notices == [
        Notice("correction", "crossref", "2008-11-25", "10.1371/journal.pbio.0060304")
    ]
    assert corrected.retracted is False
    assert "updates" not in corrected.extra


def test_work_list_with_missing_dates_and_given_names() -> None:
    # fatcat's saved /works page (2019): one item has issued [[null]] and authors with
    # only a family name.
    payload = json.loads(
        shared_path("data", "real-api", "crossref", "crossref_api_works.json").read_text()
    )
    assert payload["message-type"] == "work-list"
    works = crossref.parse_work_list(payload)
    assert [w.doi for w in works] == [
        "10.1109/mitp.2002.1041177",
        "10.1109/infvis.2005.1532150",
        "10.1007/s10107-009-0306-5",
    ]
    flow = works[1]
    assert flow.title == "Flow map layout"
    assert flow.type == "proceedings-article"
    assert (flow.year, flow.date) == (None, None)
    assert flow.authors[:2] == [Author("Doantam Phan"), Author("Ling Xiao")]
    assert (works[0].year, works[0].date) == (2002, "2002-09")
    assert (works[2].year, works[2].date) == (2009, "2009-09-23")


def test_published_print_when_issued_is_absent() -> None:
    # The real record of 10.1023/a:1007154515475 (multi-api test_doi_search[…1]) has
    # published-print [[2001, 2]]; drop its `issued` to check the fallback order.
    answers = cassette("multi-api", "test_doi_search[paper_attributes1].yaml")
    body = next(
        b
        for u, _, b in answers
        if u.startswith("https://api.crossref.org/works/") and "transform" not in u
    )
    message: dict[str, Any] = json.loads(body)["message"]
    assert crossref.to_work(message).year == 2001
    message.pop("issued", None)
    message.pop("published", None)
    work = crossref.to_work(message)
    assert (work.year, work.date) == (2001, "2001-02")
    assert work.journal_abbrev == "Mol Cell Biochem"
    assert (work.volume, work.issue, work.pages) == ("218", "1-2", "1-11")


def test_retraction_watch_updated_by_marks_retracted() -> None:
    # Written for this test: the recordings hold no retracted Crossref record. The shape
    # is that of `updated-by` entries in the recordings above ({DOI, type, label, source,
    # updated}) with source "retraction-watch", as Crossref's tutorial shows for
    # 10.1177/1758835920922055 (crossref.gitlab.io/tutorials/get-rw-metadata/): one entry
    # deposited by the publisher and one from Retraction Watch. Notice DOIs are made up.
    item = {
        "DOI": "10.1177/1758835920922055",
        "type": "journal-article",
        "title": ["A retracted article"],
        "updated-by": [
            {
                "DOI": "10.5555/notice-from-publisher",
                "type": "retraction",
                "label": "Retraction",
                "source": "publisher",
                "updated": {"date-parts": [[2021, 6, 1]], "date-time": "2021-06-01T00:00:00Z"},
            },
            {
                "DOI": "10.5555/Notice-From-RW",
                "type": "retraction",
                "label": "Retraction",
                "source": "retraction-watch",
                "updated": {"date-parts": [[2021, 6, 1]], "date-time": "2021-06-01T00:00:00Z"},
            },
        ],
    }
    work = crossref.to_work(item)
    assert work.retracted is True
    assert work.notices == [
        Notice("retraction", "crossref", "2021-06-01", "10.5555/notice-from-publisher"),
        Notice("retraction", "retraction-watch", "2021-06-01", "10.5555/notice-from-rw"),
    ]


def test_expression_of_concern_and_organisation_author() -> None:
    # Shape as above; organisation authors are {"name": …} in Crossref records.
    item = {
        "DOI": "10.5555/X",
        "author": [{"name": "ASPIRE Investigators", "sequence": "first"}],
        "updated-by": [
            {"DOI": "10.5555/eoc", "type": "expression_of_concern", "source": "publisher"}
        ],
    }
    work = crossref.to_work(item)
    assert work.authors == [Author("ASPIRE Investigators")]
    assert work.notices == [Notice("expression_of_concern", "crossref", None, "10.5555/eoc")]
    assert work.retracted is False


def test_batch_size_is_enforced() -> None:
    with pytest.raises(ValueError):
        crossref.fetch_works_by_doi(None, [f"10.1/{i}" for i in range(51)])  # type: ignore[arg-type]


def test_doi_path_keeps_slashes_and_escapes_the_rest() -> None:
    assert crossref.doi_path("10.1002/(SICI)1097-4636 x") == "/works/10.1002/(SICI)1097-4636%20x"


def test_real_api_folder_is_not_copied_into_the_repo() -> None:
    repo = Path(__file__).resolve().parent.parent
    assert not list(repo.glob("tests/**/test_works_with_one_id.yaml"))
