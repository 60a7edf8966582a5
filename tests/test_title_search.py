"""Title search in Semantic Scholar (search/match), OpenAlex (title.search) and Crossref
(query.bibliographic): the parsers on real recordings (../shared/data/real-api, skipped
when absent), the clients against the fake, the venue names each service gives, and the
fake's own ranking rules and speed."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
import yaml
from fake_search import S2_MATCH_DICE, TitleIndex
from fake_services import FakeServices, Limit

from bib.errors import ServiceError
from bib.http import HttpClient, HttpConfig
from bib.services import crossref, openalex
from bib.services import semanticscholar as s2
from bib.work import Author
from tests.conftest import shared_path


def recorded(path: str, host: str) -> tuple[str, int, Any]:
    """(uri, status, decoded JSON) of the first interaction of ``path`` sent to ``host``."""
    data = yaml.safe_load(shared_path("data", "real-api", *path.split("/")).read_bytes())
    for it in data["interactions"]:
        if host in it["request"]["uri"]:
            raw = it["response"]["body"]["string"]
            if isinstance(raw, bytes):
                raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            return it["request"]["uri"], it["response"]["status"]["code"], json.loads(raw)
    raise AssertionError(f"no {host} request in {path}")


# ------------------------------------------------------------------- Semantic Scholar


def test_s2_match_recorded() -> None:
    _, status, payload = recorded(
        "semanticscholar/test_search_paper_match_title.yaml", "semanticscholar"
    )
    assert status == 200
    (work,) = s2.parse_match(payload)
    assert work.title == "Mining association rules between sets of items in large databases"
    assert work.extra["match_score"] == pytest.approx(109.55098)


def test_s2_match_recorded_with_fields() -> None:
    _, _, payload = recorded("multi-api/test_title_search[paper_attributes1].yaml", "semantic")
    (work,) = s2.parse_match(payload)
    assert work.arxiv == "2312.07559"
    assert work.doi == "10.48550/arxiv.2312.07559"
    assert work.extra["venue_names"] == ["arXiv.org", "ArXiv"]


def test_s2_empty_match_and_wrong_shapes() -> None:
    _, _, payload = recorded("semanticscholar/test_s2_title_search_empty_data.yaml", "semantic")
    assert s2.parse_match(payload) == []
    for bad in ({"error": "x"}, [], {"data": {}}):
        with pytest.raises(ServiceError):
            s2.parse_match(bad)


def test_s2_venue_names_take_every_name_of_the_venue() -> None:
    work = s2.to_work(
        {
            "paperId": "p",
            "venue": "International Conference on Machine Learning",
            "publicationVenue": {
                "id": "fc0a208c-acb7-47dc-a0d4-af8190e21d29",
                "name": "International Conference on Machine Learning",
                "type": "conference",
                "alternate_names": ["ICML", "Int Conf Mach Learn"],
            },
            "journal": {"name": "", "pages": "1-10"},
        }
    )
    assert work.extra["venue_names"] == [
        "International Conference on Machine Learning",
        "ICML",
        "Int Conf Mach Learn",
    ]
    assert work.journal == "International Conference on Machine Learning"
    assert "venue_names" not in s2.to_work({"paperId": "p"}).extra


MATCHED: dict[str, Any] = {
    "title": "Deep Residual Learning for Image Recognition",
    "authors": [("He", "Kaiming"), ("Zhang", "Xiangyu")],
    "year": 2016,
    "venue": "CVPR",
    "venue_alternates": ["Computer Vision and Pattern Recognition"],
    "doi": "10.1109/cvpr.2016.90",
    "journal": "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)",
    "type": "proceedings-article",
}
OTHER: dict[str, Any] = {
    "title": "Identity Mappings in Deep Residual Networks",
    "authors": [("He", "Kaiming")],
    "year": 2016,
    "venue": "ECCV",
    "doi": "10.1007/978-3-319-46493-0_38",
    "type": "proceedings-article",
}


@pytest.fixture
def fake(fake_services: FakeServices) -> FakeServices:
    # The client's pacing is not what these tests are about: no 429s from the fake.
    fake_services.limits["s2"] = Limit(None, 1)
    fake_services.add(MATCHED)
    fake_services.add(OTHER)
    return fake_services


def fast_client() -> HttpClient:
    cfg = HttpConfig.from_env()
    cfg.rate_overrides = {"s2": 1000.0, "openalex": 1000.0, "crossref": 1000.0}
    cfg.rate_overrides["crossref-list"] = 1000.0
    return HttpClient(cfg)


def test_s2_search_match_against_the_fake(fake: FakeServices) -> None:
    client = fast_client()
    (work,) = s2.search_match(client, "Deep residual learning for image recognition.")
    assert work.doi == "10.1109/cvpr.2016.90"
    assert work.extra["venue_names"][:2] == ["CVPR", "Computer Vision and Pattern Recognition"]
    assert work.extra["match_score"] > 0
    assert work.authors[0] == Author("He", "Kaiming")
    request = fake.requests_for("s2", "paper-match")[0]
    fields = dict(request.query)["fields"].split(",")
    assert {"title", "authors", "year", "venue", "publicationVenue", "externalIds"} <= set(fields)
    assert {"publicationTypes", "journal"} <= set(fields)
    # Nothing close enough: the 404 "Title match not found", read as no match.
    assert s2.search_match(client, "Quantum gravity of deep sea sponges") == []
    assert fake.requests_for("s2", "paper-match")[-1].status == 404
    assert s2.search_match(client, "   ") == []


# ------------------------------------------------------------------- OpenAlex


def test_openalex_title_search_recorded() -> None:
    uri, _, payload = recorded("multi-api/test_title_search[paper_attributes1].yaml", "openalex")
    assert "filter=title.search" in uri
    (work,) = openalex.parse_work_list(payload)
    assert work.doi == "10.48550/arxiv.2312.07559"
    assert work.extra["venue_names"] == ["arXiv (Cornell University)"]
    assert work.extra["relevance_score"] == pytest.approx(1082.9331)


def test_openalex_venue_names_include_abbreviations_and_alternates() -> None:
    work = openalex.to_work(
        {
            "id": "https://openalex.org/W1",
            "primary_location": {
                "source": {
                    "display_name": "Journal of Machine Learning Research",
                    "abbreviated_title": "J. Mach. Learn. Res.",
                    "alternate_titles": ["JMLR", "Journal of Machine Learning Research"],
                }
            },
        }
    )
    assert work.extra["venue_names"] == [
        "Journal of Machine Learning Research",
        "J. Mach. Learn. Res.",
        "JMLR",
    ]


def test_openalex_search_title_against_the_fake(fake: FakeServices) -> None:
    works = openalex.search_title(fast_client(), "Deep Residual Learning, for: Image|Recognition")
    assert works[0].doi == "10.1109/cvpr.2016.90"
    assert works[0].extra["relevance_score"] > 0
    (request,) = fake.requests_for("openalex", "works-search")
    query = dict(request.query)
    # Words only: a comma would end the filter, a pipe make it an OR.
    assert query["filter"] == "title.search:Deep Residual Learning for Image Recognition"
    assert query["per_page"] == "5"
    assert query["api_key"]
    assert openalex.search_title(fast_client(), "!!") == []


# ------------------------------------------------------------------- Crossref


def test_crossref_venue_names_are_the_container_titles() -> None:
    work = crossref.to_work(
        {
            "DOI": "10.1/x",
            "container-title": ["Proceedings of the AAAI Conference on Artificial Intelligence"],
            "short-container-title": ["AAAI", "AAAI"],
        }
    )
    assert work.extra["venue_names"] == [
        "Proceedings of the AAAI Conference on Artificial Intelligence",
        "AAAI",
    ]
    assert work.journal_abbrev == "AAAI"
    assert "venue_names" not in crossref.to_work({"DOI": "10.1/y"}).extra


def test_crossref_search_title_against_the_fake(fake: FakeServices) -> None:
    works = crossref.search_title(
        fast_client(), "Deep residual learning for image recognition", [Author("He", "K.")]
    )
    assert works[0].doi == "10.1109/cvpr.2016.90"
    assert works[0].extra["venue_names"][0].startswith("2016 IEEE Conference")
    (request,) = fake.requests_for("crossref", "works-query")
    query = dict(request.query)
    assert query["query.bibliographic"] == "Deep residual learning for image recognition He"
    assert query["rows"] == "5"


# ------------------------------------------------------------------- the fake's rules


def _corpus(n: int) -> list[dict[str, Any]]:
    subjects = ["graph", "vision", "speech", "protein", "language", "robot", "causal"]
    methods = ["transformers", "diffusion", "kernels", "bandits", "retrieval", "agents"]
    out = []
    for i in range(n):
        s, m = subjects[i % len(subjects)], methods[(i // len(subjects)) % len(methods)]
        out.append(
            {
                "title": f"Scalable {m} for {s} learning number {i}",
                "authors": [(f"Author{i}", "A."), ("Lee", "B.")],
                "year": 2000 + i % 25,
                "venue": "NeurIPS",
                "doi": f"10.1000/corpus.{i}",
            }
        )
    return out


def test_s2_threshold_decides_between_a_match_and_none() -> None:
    index = TitleIndex([MATCHED, OTHER])
    knows = lambda r, s: True  # noqa: E731
    found = index.best_title("deep residual learning for image recognition", "s2", knows)
    assert found is not None and found[1] is MATCHED
    # Half the words of a title is not a match.
    assert index.best_title("deep residual banana", "s2", knows) is None
    assert 0 < S2_MATCH_DICE < 1


def test_index_is_rebuilt_after_an_add(fake_services: FakeServices) -> None:
    fake_services.limits["s2"] = Limit(None, 1)
    fake_services.add(OTHER)
    client = fast_client()
    assert s2.search_match(client, MATCHED["title"]) == []
    fake_services.add(MATCHED)
    assert [w.title for w in s2.search_match(client, MATCHED["title"])] == [MATCHED["title"]]


def test_search_over_a_corpus_the_size_of_hallmark_finds_each_record() -> None:
    records = _corpus(1500)
    index = TitleIndex(records)
    knows = lambda r, s: True  # noqa: E731
    for i in range(0, 1500, 15):
        title = records[i]["title"]
        assert index.best_title(title, "s2", knows)[1] is records[i]  # type: ignore[index]
        assert index.ranked_titles(title, "openalex", knows)[0][1] is records[i]
        assert records[i] in index.dblp_search(title, knows)
