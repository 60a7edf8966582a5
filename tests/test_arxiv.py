"""arXiv export API: the feed parser on feeds in the documented shape
(tests/data/services/README.md), the client against the fake, its pacing (one request
every three seconds, computed on a fake clock) and arXiv ids reaching arXiv in lookups."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fake_services import FakeServices, Limit

from bib import lookup
from bib.errors import ServiceError
from bib.http import HttpClient, HttpConfig, throttle
from bib.http.policies import POLICIES
from bib.identifiers import Identifier
from bib.services import arxiv
from bib.work import Author

DATA = Path(__file__).parent / "data" / "services"


def feed(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_feed_entries_become_works() -> None:
    adam, maldacena = arxiv.parse_feed(feed("arxiv_feed.xml"))
    assert adam.arxiv == "1412.6980" and adam.extra["arxiv_version"] == 9
    assert adam.title == "Adam: A Method for Stochastic Optimization"
    assert adam.authors == [Author("Kingma", "Diederik P."), Author("Ba", "Jimmy")]
    assert (adam.year, adam.date) == (2014, "2014-12-22")
    assert adam.doi is None and adam.journal is None
    assert (adam.type, adam.source) == ("posted-content", "arxiv")
    assert adam.extra["primary_category"] == "cs.LG"
    assert adam.url == "http://arxiv.org/abs/1412.6980v9"
    assert adam.abstract is not None and adam.abstract.startswith("We introduce Adam")


def test_published_doi_journal_ref_and_old_style_ids() -> None:
    maldacena = arxiv.parse_feed(feed("arxiv_feed.xml"))[1]
    assert maldacena.arxiv == "hep-th/9711200"
    assert maldacena.extra["arxiv_version"] == 3
    # The hard-wrapped title comes back on one line.
    assert maldacena.title == (
        "The Large N Limit of Superconformal Field Theories and Supergravity"
    )
    assert maldacena.doi == "10.1023/a:1026654312961"
    assert maldacena.journal == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert maldacena.extra["journal_ref"] == maldacena.journal
    assert maldacena.extra["venue_names"] == [maldacena.journal]
    assert maldacena.authors == [Author("Maldacena", "Juan M.")]
    assert maldacena.year == 1997


def test_empty_feed_error_entry_and_bad_xml() -> None:
    assert arxiv.parse_feed(feed("arxiv_empty.xml")) == []
    assert arxiv.total_results(feed("arxiv_empty.xml")) == 0
    assert arxiv.total_results(feed("arxiv_feed.xml")) == 2
    with pytest.raises(ServiceError, match="incorrect id format for 1234.1234x"):
        arxiv.parse_feed(feed("arxiv_error.xml"))
    with pytest.raises(ServiceError):
        arxiv.parse_feed("Rate exceeded.")
    with pytest.raises(ServiceError):
        arxiv.parse_feed("<html><body>502</body></html>")
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>'
    )
    with pytest.raises(ServiceError, match="unsafe"):
        arxiv.parse_feed(hostile)


def test_title_query_is_a_phrase_of_the_words() -> None:
    assert arxiv.title_query('Adam: "A Method" for Stochastic Optimization') == (
        'ti:"Adam A Method for Stochastic Optimization"'
    )
    assert arxiv.title_query("--") == ""


def test_policy_is_one_request_every_three_seconds() -> None:
    policy = POLICIES["arxiv"]
    assert policy.rate == pytest.approx(1 / 3) and policy.concurrency == 1
    assert policy.env_url == "EVIDENCE_ARXIV_URL"
    assert policy.base_url == "http://export.arxiv.org/api"
    assert policy.policy_url == "https://info.arxiv.org/help/api/tou.html"


class FakeClock:
    """Stands in for the ``time`` module of bib.http.throttle: sleeping moves it on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(
        throttle, "time", SimpleNamespace(monotonic=fake.monotonic, sleep=fake.sleep)
    )
    return fake


def test_the_limiter_spaces_arxiv_requests_three_seconds_apart(clock: FakeClock) -> None:
    limiter = throttle.RateLimiter(POLICIES["arxiv"].rate)
    starts = []
    for _ in range(3):
        record = limiter.start()
        starts.append(clock.now)
        clock.now += 0.2  # the answer takes a while
        limiter.finished(record)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 3.0 for gap in gaps)
    assert starts[-1] - starts[0] >= 6.0
    # Never more than a few percent slower than the published rate asks.
    assert starts[-1] - starts[0] < 6.0 / throttle.PACE + 0.5


def test_a_late_answer_holds_the_next_request_a_window_after_it(clock: FakeClock) -> None:
    limiter = throttle.RateLimiter(1 / 3)
    first = limiter.start()
    clock.now += 5.0  # answered five seconds later
    limiter.finished(first)
    answered = clock.now
    limiter.start()
    assert clock.now >= answered + 3.0


def test_three_client_requests_take_six_seconds_of_pacing(
    fake_services: FakeServices, clock: FakeClock
) -> None:
    # The fake's own limit is off: the client's pacing, on the fake clock, is measured.
    fake_services.limits["arxiv"] = Limit(None, 1)
    fake_services.add(arxiv="2101.00001", title="One", authors=[("Lee", "Ann")], year=2021)
    client = HttpClient(HttpConfig.from_env())
    start = clock.now
    for _ in range(3):
        client.get_bytes("arxiv", "/query", {"id_list": "2101.00001"})
    assert clock.now - start >= 6.0
    assert fake_services.count("arxiv") == 3


# ------------------------------------------------------------------- against the fake

PREPRINT: dict[str, Any] = {
    "arxiv": "2101.00001",
    "arxiv_version": 2,
    "doi": "10.48550/arXiv.2101.00001",
    "title": "Sparse Mixtures of Experts at Scale",
    "authors": [("Lee", "Ann"), ("de Vries", "Tim")],
    "year": 2021,
    "date": "2021-01-04",
    "services": ["arxiv", "s2"],
}
PUBLISHED: dict[str, Any] = {
    "arxiv": "2102.00002",
    "doi": "10.1000/journal.2022.7",
    "journal": "Journal of Examples",
    "journal_ref": "J. Examples 7 (2022) 1-20",
    "title": "Dense Mixtures of Experts",
    "authors": [("Okafor", "Chidi")],
    "year": 2021,
    "services": ["arxiv", "s2", "crossref"],
}


@pytest.fixture
def fast_arxiv(fake_services: FakeServices) -> FakeServices:
    """The fake without its three-second limit, the client without its pacing: these
    tests are about what is asked and answered (pacing is tested above)."""
    fake_services.limits["arxiv"] = Limit(None, 1)
    fake_services.add(PREPRINT)
    fake_services.add(PUBLISHED)
    return fake_services


def fast_client() -> HttpClient:
    cfg = HttpConfig.from_env()
    cfg.rate_overrides = {"arxiv": 1000.0, "s2": 1000.0, "crossref": 1000.0}
    return HttpClient(cfg)


def test_fetch_by_ids_in_one_request(fast_arxiv: FakeServices) -> None:
    works = arxiv.fetch_works(fast_client(), ["2101.00001", "2102.00002v1", "2101.99999"])
    assert [w.arxiv for w in works] == ["2101.00001", "2102.00002"]
    assert works[0].extra["arxiv_version"] == 2
    assert works[1].extra["arxiv_version"] == 1  # the version asked for
    assert works[0].doi is None  # arXiv's own DataCite DOI is not the published one
    assert works[1].doi == "10.1000/journal.2022.7"
    assert works[1].journal == "J. Examples 7 (2022) 1-20"
    assert works[0].authors[1] == Author("de Vries", "Tim")
    (request,) = fast_arxiv.requests_for("arxiv", "id-list")
    query = dict(request.query)
    assert query["id_list"] == "2101.00001,2102.00002v1,2101.99999"
    assert query["max_results"] == "3"
    with pytest.raises(ValueError):
        arxiv.fetch_by_ids(fast_client(), [f"2101.{i:05d}" for i in range(101)])


def test_a_malformed_id_is_a_service_error(fast_arxiv: FakeServices) -> None:
    with pytest.raises(ServiceError, match="incorrect id format"):
        arxiv.fetch_works(fast_client(), ["not-an-id"])


def test_search_title_finds_the_preprint(fast_arxiv: FakeServices) -> None:
    works = arxiv.search_title(fast_client(), "Sparse mixtures of experts at scale.")
    assert [w.arxiv for w in works] == ["2101.00001"]
    assert arxiv.search_title(fast_client(), "Sparse mixtures of giraffes") == []
    requests = fast_arxiv.requests_for("arxiv", "search")
    assert dict(requests[0].query)["search_query"] == 'ti:"Sparse mixtures of experts at scale"'


def test_lookup_asks_arxiv_for_arxiv_ids_beside_semantic_scholar(
    fast_arxiv: FakeServices,
) -> None:
    idents = [
        Identifier("arxiv", "2101.00001v2"),
        Identifier("doi", "10.48550/arxiv.2102.00002"),
        Identifier("arxiv", "2103.00003"),
    ]
    results = lookup.fetch_works(fast_client(), idents, ["s2", "arxiv", "crossref"])
    assert fast_arxiv.count("arxiv", "id-list") == 1  # one id_list batch for all three
    (request,) = fast_arxiv.requests_for("arxiv")
    assert set(dict(request.query)["id_list"].split(",")) == {
        "2101.00001v2",
        "2102.00002",
        "2103.00003",
    }
    preprint = results[idents[0]]
    assert "arxiv" in preprint.works
    assert preprint.works["arxiv"].arxiv == "2101.00001"
    published = results[idents[1]]
    assert published.works["arxiv"].doi == "10.1000/journal.2022.7"
    missing = results[idents[2]]
    assert missing.work is None
    assert missing.not_found["arxiv"] == "GET /query?id_list=2103.00003"


def test_lookup_of_a_doi_does_not_ask_arxiv(fast_arxiv: FakeServices) -> None:
    lookup.fetch_works(fast_client(), [Identifier("doi", "10.1000/journal.2022.7")])
    assert fast_arxiv.count("arxiv") == 0
