"""DBLP publication search: the parser on answers in DBLP's documented shape
(tests/data/services/README.md says where each comes from) and the client against the fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_services import FakeServices

from bib.errors import ServiceError
from bib.http import HttpClient, HttpConfig
from bib.http.policies import POLICIES
from bib.services import dblp
from bib.services.names import split_display_name
from bib.work import Author

DATA = Path(__file__).parent / "data" / "services"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_hits_become_works_in_order() -> None:
    works = dblp.parse_search(load("dblp_search.json"))
    assert [w.extra["dblp_key"] for w in works] == [
        "conf/nips/VaswaniSPUJGKP17",
        "journals/cacm/Valiant84",
        "journals/corr/KingmaB14",
        "conf/eccv/LiuAMG16",
    ]
    assert all(w.source == "dblp" for w in works)


def test_a_conference_paper_without_doi() -> None:
    paper = dblp.parse_search(load("dblp_search.json"))[0]
    assert paper.title == "Attention is All you Need"  # DBLP's final "." dropped
    assert len(paper.authors) == 8
    assert paper.authors[0] == Author("Vaswani", "Ashish")
    assert paper.authors[5] == Author("Gomez", "Aidan N.")
    assert (paper.journal, paper.year, paper.pages) == ("NIPS", 2017, "5998-6008")
    assert paper.type == "proceedings-article"
    assert paper.doi is None and paper.arxiv is None
    assert paper.url.startswith("https://proceedings.neurips.cc/")
    assert paper.extra["venue_key"] == "conf/nips"
    assert paper.extra["venue_names"] == ["NIPS"]
    assert paper.extra["dblp_url"] == "https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17"


def test_a_single_author_journal_article() -> None:
    article = dblp.parse_search(load("dblp_search.json"))[1]
    # One author comes as an object, not a list of one.
    assert article.authors == [Author("Valiant", "Leslie G.")]
    assert (article.journal, article.volume, article.issue) == ("Commun. ACM", "27", "11")
    assert article.doi == "10.1145/1968.1972"
    assert article.type == "journal-article"
    assert article.extra["venue_key"] == "journals/cacm"


def test_a_corr_record_is_a_preprint_with_its_arxiv_id() -> None:
    preprint = dblp.parse_search(load("dblp_search.json"))[2]
    assert preprint.type == "posted-content"
    assert preprint.arxiv == "1412.6980"  # from ee, the key has no arXiv number
    assert preprint.journal == "CoRR"
    assert preprint.extra["venue_key"] == "journals/corr"


def test_homonym_numbers_particles_and_venue_lists() -> None:
    work = dblp.parse_search(load("dblp_search.json"))[3]
    assert work.authors == [
        Author("Liu", "Wei"),  # "Wei Liu 0005": the number is DBLP's, not the name's
        Author("Anguelov", "Dragomir"),
        Author("van der Maaten", "Laurens"),
        Author("Van Gool", "Luc"),
    ]
    assert work.journal == "ECCV"
    assert work.extra["venue_names"] == ["ECCV", "ECCV (1)"]
    # No "doi" field: the DOI comes from the doi.org link among the ee links.
    assert work.doi == "10.1000/example.eccv.2016.1"


def test_no_hits_is_an_empty_list_and_a_wrong_shape_an_error() -> None:
    assert dblp.parse_search(load("dblp_empty.json")) == []
    for bad in ({}, {"result": {}}, [], {"result": {"hits": {"hit": "x"}}}):
        with pytest.raises(ServiceError):
            dblp.parse_search(bad)


def test_arxiv_id_from_the_corr_key_when_no_link_names_it() -> None:
    info = {
        "title": "A preprint.",
        "venue": "CoRR",
        "key": "journals/corr/abs-2101-00001",
        "ee": "https://doi.org/10.48550/arXiv.2101.00001",
        "type": "Informal and Other Publications",
    }
    work = dblp.to_work(info)
    assert work.arxiv == "2101.00001"
    assert work.doi == "10.48550/arxiv.2101.00001"


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("Wei Liu", "Liu", "Wei"),
        ("Tim de Vries", "de Vries", "Tim"),
        ("Laurens van der Maaten", "van der Maaten", "Laurens"),
        ("Luc Van Gool", "Van Gool", "Luc"),
        ("Ludwig von Beethoven", "von Beethoven", "Ludwig"),
        ("Le Song", "Song", "Le"),
        ("Quoc V. Le", "Le", "Quoc V."),
        ("Martin Luther King Jr.", "King", "Martin Luther, Jr."),
        ("King, Martin Luther", "King", "Martin Luther"),
        ("Aristotle", "Aristotle", ""),
    ],
)
def test_display_names_keep_particles_in_the_family_name(
    name: str, family: str, given: str
) -> None:
    assert split_display_name(name) == Author(family, given)


def test_homonym_number_is_stripped() -> None:
    assert dblp.strip_homonym_number("Wei Liu 0002") == "Wei Liu"
    assert dblp.strip_homonym_number("Route 66") == "Route 66"


def test_query_is_the_title_words_and_the_first_family_name() -> None:
    query = dblp.title_query("Adam: A Method | for $Stochastic Optimization", [Author("Kingma")])
    assert query == "Adam A Method for Stochastic Optimization Kingma"


def test_policy_is_one_request_a_second_one_at_a_time() -> None:
    policy = POLICIES["dblp"]
    assert (policy.rate, policy.concurrency, policy.env_url) == (1.0, 1, "EVIDENCE_DBLP_URL")
    assert policy.base_url == "https://dblp.org"
    assert policy.policy_url
    limits = HttpClient(HttpConfig()).limits("dblp")
    assert (limits.rate, limits.concurrency) == (1.0, 1)


# ------------------------------------------------------------------- against the fake

SSL = {
    "title": "Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning",
    "authors": [("Grill", "Jean-Bastien"), ("Strub", "Florian")],
    "year": 2020,
    "venue": "NeurIPS",
    "dblp_key": "conf/nips/GrillSATRBDPGAPK20",
    "type": "proceedings-article",
    "services": ["dblp", "s2"],
}
DECOY = {
    "title": "Self-Supervised Learning of Pretext-Invariant Representations",
    "authors": [("Misra", "Ishan")],
    "year": 2020,
    "venue": "CVPR",
    "type": "proceedings-article",
    "services": ["dblp"],
}


def test_search_title_finds_the_record_against_the_fake(fake_services: FakeServices) -> None:
    fake_services.add(SSL)
    fake_services.add(DECOY)
    fake_services.add(dict(SSL, title="Bootstrap methods in statistics", services=["crossref"]))
    client = HttpClient(HttpConfig.from_env())
    works = dblp.search_title(
        client,
        "Bootstrap your own latent - a new approach to self-supervised learning",
        [Author("Grill", "J.-B.")],
    )
    assert [w.title for w in works] == [SSL["title"]]
    assert works[0].extra["dblp_key"] == SSL["dblp_key"]
    assert works[0].authors[0] == Author("Grill", "Jean-Bastien")
    (request,) = fake_services.requests_for("dblp", "search")
    query = dict(request.query)
    assert query["format"] == "json" and query["h"] == "10"
    assert query["q"].endswith(" Grill")


def test_words_are_prefixes_and_all_must_match(fake_services: FakeServices) -> None:
    fake_services.add(DECOY)
    client = HttpClient(HttpConfig.from_env())
    assert [w.title for w in dblp.search_title(client, "Self-Supervised Learn")] == [DECOY["title"]]
    assert dblp.search_title(client, "Self-Supervised Learning of Cats") == []
    assert dblp.search_title(client, "?!") == []  # no words, no request
    assert fake_services.count("dblp") == 2
