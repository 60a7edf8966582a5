"""The HTTP session against the local fake services: retries, limits, cache, offline, keys.

No test touches the network. Backoffs and timeouts are shrunk so the file runs in seconds;
waits are measured from the fake's own timestamps, not asserted as wall times.
"""

from __future__ import annotations

import logging
import threading
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fake_services import FakeServices, Limit

from bib.errors import ConfigError, NotFound, OfflineMiss, ServiceError
from bib.http import HttpClient, HttpConfig
from bib.http.answer import check_xml, error_detail
from bib.http.call import prepare_call
from bib.http.parallel import run_parallel
from bib.http.policies import ServiceLimits
from bib.http.redact import redact_secrets, redact_url
from bib.http.throttle import RateLimiter, ServiceThrottle, backoff_delay, parse_retry_after
from bib.services.retractions import parse_retraction_data

MAILTO = "tester@example.org"
DOI = "10.1000/hip.2010.1"
RECORD: dict[str, Any] = {
    "doi": DOI,
    "pmid": "20000001",
    "pmcid": "PMC100001",
    "title": "Hip massage and pain in older adults: a randomised trial",
    "authors": [("Smith", "John A"), ("Doe", "Jane")],
    "journal": "International Journal of Neuroscience",
    "journal_abbrev": "Int J Neurosci",
    "issn": "0020-7454",
    "year": 2010,
    "volume": "120",
    "issue": "3",
    "pages": "219-225",
    "publication_types": [("Randomized Controlled Trial", "D016449")],
}

OPENALEX_KEY = "oa-secret-4f9a2c"
NCBI_KEY = "ncbi-secret-77d1e0"
S2_KEY = "s2-secret-b3c5aa"


@pytest.fixture
def fake(fake_services: FakeServices) -> FakeServices:
    fake_services.add(RECORD)
    fake_services.add(
        doi="10.1000/neck.2015.2",
        pmid="20000002",
        title="Neck pain after whiplash",
        authors=[("Brown", "Bob")],
        journal="Pain",
        year=2015,
    )
    return fake_services


FAST = {name: 500.0 for name in ("crossref", "openalex", "pubmed", "s2", "openlibrary")}
POLICY_RATES: dict[str, float] = {}


def config(tmp_path: Path | None = None, **changes: Any) -> HttpConfig:
    """From the environment (pointed at the fake), with fast backoff, short timeouts and,
    unless ``rate_overrides`` says otherwise, no client-side spacing (the tests of the
    limits pass POLICY_RATES)."""
    cfg = HttpConfig.from_env(
        mailto=MAILTO, cache_path=str(tmp_path / "http-cache.sqlite") if tmp_path else None
    )
    cfg = replace(
        cfg,
        backoff_base=0.01,
        backoff_cap=0.05,
        timeout=0.3,
        connect_timeout=0.3,
        rate_overrides=dict(FAST),
    )
    return replace(cfg, **changes)


def with_keys(cfg: HttpConfig) -> HttpConfig:
    return replace(cfg, keys={"openalex": OPENALEX_KEY, "pubmed": NCBI_KEY, "s2": S2_KEY})


# --------------------------------------------------------------------- basics


def test_user_agent_names_version_and_mailto(fake: FakeServices) -> None:
    with HttpClient(config()) as client:
        data = client.get_json("crossref", f"/works/{DOI}")
    assert data["message"]["DOI"] == DOI
    agent = fake.requests_for("crossref")[-1].headers["User-Agent"]
    assert agent.startswith("evidence/")
    assert f"(mailto:{MAILTO})" in agent


def test_base_url_from_environment_is_honoured_for_every_service(fake: FakeServices) -> None:
    client = HttpClient(config())
    client.get_json("crossref", f"/works/{DOI}")
    client.get_json("openalex", f"/works/doi:{DOI}")
    client.get_bytes("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "20000001"})
    client.post_json("s2", "/paper/batch", {"fields": "title"}, {"ids": [f"DOI:{DOI}"]})
    client.get_json("openlibrary", "/api/books", {"bibkeys": "ISBN:0", "format": "json"})
    for service in ("crossref", "openalex", "pubmed", "s2", "openlibrary"):
        assert fake.count(service) == 1, service
        assert client.request_counts[service] == 1


def test_base_url_env_wins_even_without_from_env(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = HttpClient(replace(HttpConfig(mailto=MAILTO), backoff_base=0.01))
    assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    assert fake.count("crossref") == 1


def test_pubmed_requests_carry_tool_email_and_key(fake: FakeServices) -> None:
    client = HttpClient(with_keys(config()))
    client.get_bytes("pubmed", "/esearch.fcgi", {"db": "pubmed", "term": f"{DOI}[aid]"})
    client.post_form("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "20000001"})
    get, post = fake.requests_for("pubmed")
    for seen in (get, post):
        params = dict(seen.query)
        assert params["tool"] == "evidence"
        assert params["email"] == MAILTO
        assert params["api_key"] == NCBI_KEY
    # On a POST everything travels in the body, nothing in the URL.
    assert post.method == "POST" and b"api_key=" in post.body and "?" not in post.path


def test_openalex_key_is_a_parameter_and_s2_key_a_header(fake: FakeServices) -> None:
    client = HttpClient(with_keys(config()))
    client.get_json("openalex", f"/works/doi:{DOI}")
    client.get_json("s2", f"/paper/DOI:{DOI}", {"fields": "title"})
    assert dict(fake.requests_for("openalex")[-1].query)["api_key"] == OPENALEX_KEY
    seen = fake.requests_for("s2")[-1]
    assert seen.headers["x-api-key"] == S2_KEY
    assert "api_key" not in dict(seen.query)


# --------------------------------------------------------------------- retries


def test_retries_after_503_then_succeeds(fake: FakeServices) -> None:
    fake.inject("crossref", "503", count=2)
    client = HttpClient(config())
    assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    assert [r.status for r in fake.requests_for("crossref")] == [503, 503, 200]
    assert client.request_counts["crossref"] == 3


@pytest.mark.parametrize("status", ["429", "500", "502", "504"])
def test_retries_each_transient_status(fake: FakeServices, status: str) -> None:
    fake.inject("openalex", status, count=1, retry_after=0)
    client = HttpClient(config())
    assert client.get_json("openalex", f"/works/doi:{DOI}")["doi"].endswith(DOI)
    assert [r.status for r in fake.requests_for("openalex")] == [int(status), 200]


def test_429_retry_after_is_honoured(fake: FakeServices) -> None:
    fake.inject("crossref", "429", count=1, retry_after="1")
    client = HttpClient(config())
    client.get_json("crossref", f"/works/{DOI}")
    refused, accepted = fake.requests_for("crossref")
    assert refused.status == 429 and accepted.status == 200
    # Measured on the fake's clock: the retry came no sooner than Retry-After allowed.
    assert accepted.started - refused.finished >= 0.95


def test_retry_after_beyond_the_cap_gives_up_at_once(fake: FakeServices) -> None:
    fake.inject("crossref", "429", count=1, retry_after="3600")
    client = HttpClient(config())
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}")
    assert "retry after 3600 s" in err.value.reason
    assert fake.count("crossref") == 1


def test_retries_are_bounded_and_the_reason_says_why(fake: FakeServices) -> None:
    fake.inject("crossref", "503", count=10)
    client = HttpClient(config())
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}")
    assert err.value.service == "crossref"
    assert err.value.reason == "HTTP 503 after 4 attempts"
    assert fake.count("crossref") == 4


def test_not_found_is_not_retried(fake: FakeServices) -> None:
    client = HttpClient(config())
    with pytest.raises(NotFound):
        client.get_json("crossref", "/works/10.1000/missing")
    with pytest.raises(NotFound):
        client.get_json("s2", "/paper/DOI:10.1000/missing", {"fields": "title"})
    assert fake.count("crossref") == 1 and fake.count("s2") == 1


def test_bad_request_is_not_retried_and_says_what_the_service_said(fake: FakeServices) -> None:
    client = HttpClient(config())
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}", {"query.author": "smith"})
    assert not isinstance(err.value, NotFound)
    assert err.value.reason.startswith("HTTP 400: This route does not support field query")
    assert fake.count("crossref") == 1


def test_timeout_is_retried(fake: FakeServices) -> None:
    fake.inject("crossref", "timeout", count=1)
    client = HttpClient(config(timeout=0.2))
    assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    assert fake.count("crossref") == 2


def test_timeouts_exhaust_the_attempts(fake: FakeServices) -> None:
    fake.inject("crossref", "timeout", count=3)
    client = HttpClient(config(timeout=0.15, max_attempts=3))
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}")
    assert err.value.reason == "timed out after 3 attempts"


def test_connection_reset_is_retried(fake: FakeServices) -> None:
    fake.inject("pubmed", "reset", count=1)
    client = HttpClient(config())
    body = client.get_bytes("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "20000001"})
    assert b'<PMID Version="1">20000001</PMID>' in body
    assert [r.status for r in fake.requests_for("pubmed")] == [-1, 200]


def test_connection_resets_exhaust_the_attempts(fake: FakeServices) -> None:
    fake.inject("crossref", "reset", count=4)
    client = HttpClient(config())
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}")
    assert err.value.reason == "connection failed after 4 attempts"


def test_truncated_body_is_retried(fake: FakeServices) -> None:
    fake.inject("openalex", "truncated", count=1)
    client = HttpClient(config())
    assert client.get_json("openalex", f"/works/doi:{DOI}")["title"] == RECORD["title"]
    assert fake.count("openalex") == 2


def test_truncated_bodies_exhaust_the_attempts(fake: FakeServices) -> None:
    fake.inject("openalex", "truncated", count=2)
    client = HttpClient(config(max_attempts=2))
    with pytest.raises(ServiceError) as err:
        client.get_json("openalex", f"/works/doi:{DOI}")
    assert err.value.reason == "truncated body after 2 attempts"


@pytest.mark.parametrize("fault", ["invalid-body", "html", "deep-json"])
def test_body_that_is_not_json_is_a_service_error_and_not_cached(
    fake: FakeServices, tmp_path: Path, fault: str
) -> None:
    fake.inject("crossref", fault, count=1)
    client = HttpClient(config(tmp_path))
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}")
    assert err.value.reason == "answered with a body that is not JSON"
    assert fake.count("crossref") == 1  # a garbage 200 is not retried…
    # …and not kept: the next call goes to the service and gets the real answer.
    assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    assert fake.count("crossref") == 2


def test_oversized_answer_is_refused(fake: FakeServices) -> None:
    fake.huge_bytes = 300_000
    fake.inject("crossref", "huge-json", count=1)
    client = HttpClient(config(max_body_bytes=100_000))
    with pytest.raises(ServiceError) as err:
        client.get_json("crossref", f"/works/{DOI}")
    assert "larger than 100000 bytes" in err.value.reason


@pytest.mark.parametrize("fault", ["xml-bomb", "xxe"])
def test_hostile_xml_is_refused(fake: FakeServices, fault: str) -> None:
    fake.inject("pubmed", fault, count=1)
    client = HttpClient(config())
    with pytest.raises(ServiceError) as err:
        client.get_bytes("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "1"}, expect="xml")
    assert "unsafe XML" in err.value.reason


def test_invalid_xml_is_a_service_error(fake: FakeServices) -> None:
    fake.inject("pubmed", "invalid-body", count=1)
    client = HttpClient(config())
    with pytest.raises(ServiceError, match="not XML"):
        client.post_form("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "1"}, expect="xml")


def test_check_xml_accepts_pubmed_doctype() -> None:
    check_xml("pubmed", b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "x" "y">\n<a/>')


# --------------------------------------------------------------------- cache and offline


def test_cache_hit_makes_no_network_request(fake: FakeServices, tmp_path: Path) -> None:
    client = HttpClient(config(tmp_path))
    first = client.request_answer("crossref", "GET", f"/works/{DOI}")
    second = client.request_answer("crossref", "GET", f"/works/{DOI}")
    assert not first.from_cache and second.from_cache
    assert first.body == second.body
    assert fake.count("crossref") == 1
    assert client.request_counts == {"crossref": 1}
    assert client.cache_hits == {"crossref": 1}


def test_post_batches_are_cached_by_body(fake: FakeServices, tmp_path: Path) -> None:
    client = HttpClient(config(tmp_path))
    a = client.post_json("s2", "/paper/batch", {"fields": "title"}, {"ids": [f"DOI:{DOI}"]})
    b = client.post_json("s2", "/paper/batch", {"fields": "title"}, {"ids": [f"DOI:{DOI}"]})
    assert a == b and a[0]["title"] == RECORD["title"]
    assert fake.count("s2") == 1


def test_only_successful_answers_are_cached(fake: FakeServices, tmp_path: Path) -> None:
    client = HttpClient(config(tmp_path))
    for _ in range(2):
        with pytest.raises(NotFound):
            client.get_json("crossref", "/works/10.1000/missing")
    assert fake.count("crossref") == 2


def test_refresh_bypasses_a_fresh_cached_answer(fake: FakeServices, tmp_path: Path) -> None:
    client = HttpClient(config(tmp_path))
    client.request_answer("crossref", "GET", f"/works/{DOI}")
    again = client.request_answer("crossref", "GET", f"/works/{DOI}", refresh=True)
    assert not again.from_cache
    assert fake.count("crossref") == 2


def test_offline_answers_from_cache_and_misses_loudly(fake: FakeServices, tmp_path: Path) -> None:
    HttpClient(config(tmp_path)).get_json("crossref", f"/works/{DOI}")
    assert fake.count("crossref") == 1

    offline = HttpClient(config(tmp_path, offline=True))
    answer = offline.request_answer("crossref", "GET", f"/works/{DOI}")
    assert answer.from_cache and answer.json()["message"]["DOI"] == DOI
    with pytest.raises(OfflineMiss):
        offline.get_json("crossref", "/works/10.1000/neck.2015.2")
    assert fake.count("crossref") == 1  # the network was never touched
    assert offline.request_counts == {}


def test_offline_serves_expired_answers(fake: FakeServices, tmp_path: Path) -> None:
    HttpClient(config(tmp_path, cache_expire=0.2)).get_json("crossref", f"/works/{DOI}")
    time.sleep(0.3)
    offline = HttpClient(config(tmp_path, offline=True, cache_expire=0.2))
    assert offline.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    assert fake.count("crossref") == 1


def test_offline_without_cache_never_touches_the_network(fake: FakeServices) -> None:
    client = HttpClient(config(offline=True))
    with pytest.raises(OfflineMiss):
        client.get_json("crossref", f"/works/{DOI}")
    assert fake.count("crossref") == 0


def test_stale_cache_answers_when_the_service_fails(fake: FakeServices, tmp_path: Path) -> None:
    client = HttpClient(config(tmp_path, cache_expire=0.2))
    client.get_json("crossref", f"/works/{DOI}")
    time.sleep(0.3)
    fake.inject("crossref", "503", count=4)
    answer = client.request_answer("crossref", "GET", f"/works/{DOI}")
    assert answer.from_cache and answer.stale
    assert fake.count("crossref") == 5


# --------------------------------------------------------------------- secrets


def test_keys_are_not_part_of_cache_keys(fake: FakeServices, tmp_path: Path) -> None:
    HttpClient(with_keys(config(tmp_path))).get_json("openalex", f"/works/doi:{DOI}")
    other = replace(config(tmp_path), keys={"openalex": "another-key"})
    answer = HttpClient(other).request_answer("openalex", "GET", f"/works/doi:{DOI}")
    assert answer.from_cache
    assert fake.count("openalex") == 1


def test_keys_never_reach_the_cache_file(fake: FakeServices, tmp_path: Path) -> None:
    client = HttpClient(with_keys(config(tmp_path)))
    client.get_json("openalex", f"/works/doi:{DOI}")
    client.post_json("s2", "/paper/batch", {"fields": "title"}, {"ids": [f"DOI:{DOI}"]})
    client.get_bytes("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "20000001"})
    client.post_form("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "20000002"})
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"Hip massage" in stored  # the answers are there…
    for key in (OPENALEX_KEY, NCBI_KEY, S2_KEY):
        assert key.encode() not in stored  # …the keys are not


def test_keys_never_appear_in_errors_logs_or_repr(
    fake: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = HttpClient(with_keys(config(offline=False)))
    errors: list[ServiceError] = []
    with pytest.raises(NotFound) as missing:
        client.get_json("openalex", "/works/doi:10.1000/missing")
    errors.append(missing.value)
    fake.inject("openalex", "503", count=4)
    with pytest.raises(ServiceError) as failed:
        client.get_json("openalex", f"/works/doi:{DOI}")
    errors.append(failed.value)
    offline = HttpClient(with_keys(config(offline=True)))
    with pytest.raises(OfflineMiss) as miss:
        offline.get_json("openalex", f"/works/doi:{DOI}", {"api_key": OPENALEX_KEY})
    errors.append(miss.value)
    texts = [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(client), repr(client.config), caplog.text]
    assert "REDACTED" in str(miss.value)
    for text in texts:
        for key in (OPENALEX_KEY, NCBI_KEY, S2_KEY):
            assert key not in text
    assert all(e.__context__ is None and e.__cause__ is None for e in errors)


def test_redact_url() -> None:
    url = redact_url("https://x.org/works?api_key=abc&filter=doi:1&email=a@b.c")
    assert "abc" not in url and "a%40b.c" not in url and "filter=doi%3A1" in url


# --------------------------------------------------------------------- limits


def test_concurrency_and_rate_stay_within_the_polite_pool(fake: FakeServices) -> None:
    fake.latency["crossref"] = 0.05
    client = HttpClient(config(rate_overrides=POLICY_RATES))
    calls = [lambda: client.get_json("crossref", f"/works/{DOI}") for _ in range(8)]
    results = run_parallel(calls, max_workers=8)
    assert all(isinstance(r, dict) for r in results)
    assert fake.max_concurrency["crossref"] <= 3
    assert fake.rejected["crossref"] == 0
    assert {r.status for r in fake.requests_for("crossref")} == {200}
    starts = sorted(r.started for r in fake.requests_for("crossref"))
    # 10 req/s: eight requests need 0.7 s between first and last (the slack covers a
    # first request the fake was slow to pick up).
    assert starts[-1] - starts[0] >= 0.55


def test_public_pool_without_mailto_is_one_at_a_time(fake: FakeServices) -> None:
    fake.latency["crossref"] = 0.05
    client = HttpClient(config(mailto=None, rate_overrides=POLICY_RATES))
    run_parallel([lambda: client.get_json("crossref", f"/works/{DOI}")] * 3, max_workers=3)
    assert fake.max_concurrency["crossref"] == 1
    assert fake.rejected["crossref"] == 0


def test_crossref_list_queries_have_their_own_slower_rate(fake: FakeServices) -> None:
    client = HttpClient(config(rate_overrides={"crossref": 100.0, "crossref-list": 5.0}))
    fake.limits["crossref-list"] = Limit(5, 3)
    for _ in range(3):
        client.get_json("crossref", "/works", {"query.bibliographic": "hip massage", "rows": 2})
    starts = [r.started for r in fake.requests_for("crossref", "works-query")]
    assert starts[2] - starts[0] >= 0.3  # 5 req/s: 0.4 s, less scheduling slack
    assert fake.rejected["crossref"] == 0


def test_limits_follow_crossref_headers_downwards_only(fake: FakeServices) -> None:
    fake.limits["crossref"] = Limit(4, 2)
    fake.limits["pubmed"] = Limit(50, None)
    client = HttpClient(config(rate_overrides=POLICY_RATES))
    client.get_json("crossref", f"/works/{DOI}")
    client.get_bytes("pubmed", "/esearch.fcgi", {"db": "pubmed", "term": "x"})
    now = client.current_limits("crossref")
    assert (now.rate, now.concurrency) == (4.0, 2)
    assert now.list_rate is not None and now.list_rate <= 3.0
    assert client.current_limits("pubmed").rate == 3.0  # headers never raise a limit

    fake.limits["crossref"] = Limit(50, 10)
    client.get_json("crossref", f"/works/{DOI}")
    assert (
        client.current_limits("crossref").rate,
        client.current_limits("crossref").concurrency,
    ) == (
        4.0,
        2,
    )


def test_limits_follow_openalex_ratelimit_headers(fake: FakeServices) -> None:
    fake.limits["openalex"] = Limit(5, None)
    client = HttpClient(config(rate_overrides=POLICY_RATES))
    client.get_json("openalex", f"/works/doi:{DOI}")
    assert client.current_limits("openalex").rate == 5.0


def test_policy_depends_on_key_and_mailto() -> None:
    polite = HttpClient(HttpConfig(mailto=MAILTO))
    public = HttpClient(HttpConfig())
    keyed = HttpClient(HttpConfig(keys={"pubmed": "k"}))
    assert (polite.limits("crossref").rate, polite.limits("crossref").concurrency) == (10.0, 3)
    assert polite.limits("crossref").list_rate == 3.0
    assert (public.limits("crossref").rate, public.limits("crossref").concurrency) == (5.0, 1)
    assert public.limits("pubmed").rate == 3.0 and keyed.limits("pubmed").rate == 10.0
    assert polite.limits("s2").rate == 1.0


def test_pubmed_rate_is_kept_across_threads(fake: FakeServices) -> None:
    client = HttpClient(config(rate_overrides=POLICY_RATES))
    calls = [
        lambda: client.get_bytes("pubmed", "/esearch.fcgi", {"db": "pubmed", "term": "pain"})
        for _ in range(3)
    ]
    run_parallel(calls, max_workers=3)
    assert fake.rejected["pubmed"] == 0
    starts = sorted(r.started for r in fake.requests_for("pubmed"))
    assert starts[-1] - starts[0] >= 0.5  # 3 req/s: three requests span 2/3 s, less slack


def test_mixed_batch_across_services_stays_within_every_limit(
    fake: FakeServices, tmp_path: Path
) -> None:
    for i in range(6):
        fake.add(doi=f"10.1000/batch.{i}", pmid=str(30000000 + i), title=f"Batch study {i}")
    fake.latency["*"] = 0.02
    client = HttpClient(with_keys(config(tmp_path, rate_overrides=POLICY_RATES)))
    calls: list[Any] = []
    for i in range(6):
        calls.append(lambda i=i: client.get_json("crossref", f"/works/10.1000/batch.{i}"))
        calls.append(lambda i=i: client.get_json("openalex", f"/works/doi:10.1000/batch.{i}"))
    for i in range(3):
        calls.append(
            lambda i=i: client.get_bytes("pubmed", "/efetch.fcgi", {"id": str(30000000 + i)})
        )
    calls.append(
        lambda: client.post_json(
            "s2", "/paper/batch", {"fields": "title"}, {"ids": ["PMID:30000000"]}
        )
    )
    first = run_parallel(calls, max_workers=16)
    assert not [r for r in first if isinstance(r, Exception)]
    assert sum(fake.rejected.values()) == 0
    assert {r.status for r in fake.log} == {200}
    assert fake.max_concurrency["crossref"] <= 3 and fake.max_concurrency["s2"] <= 1
    # The same batch again comes wholly from the cache.
    before = len(fake.log)
    second = run_parallel(calls, max_workers=16)
    assert second == first
    assert len(fake.log) == before
    assert sum(client.cache_hits.values()) == len(calls)


# --------------------------------------------------------------------- helpers


def test_run_parallel_keeps_order_and_returns_exceptions() -> None:
    def boom() -> int:
        raise ServiceError("crossref", "HTTP 503 after 4 attempts")

    def slow(n: int) -> int:
        time.sleep(0.02 * (3 - n))
        return n

    results = run_parallel([lambda: slow(0), boom, lambda: slow(2)], max_workers=3)
    assert results[0] == 0 and results[2] == 2
    assert isinstance(results[1], ServiceError)
    assert run_parallel([]) == []


def test_parse_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_exponentially_up_to_the_cap_with_half_of_it_random() -> None:
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (8, 30.0), (20, 30.0)):
        for _ in range(20):
            delay = backoff_delay(attempt, base=0.5, cap=30.0)
            assert ceiling / 2 <= delay <= ceiling


def test_throttle_follows_headers_downwards_and_pauses_on_a_spent_quota() -> None:
    throttle = ServiceThrottle("openalex", ServiceLimits(10.0, 5))
    throttle.follow_headers({"RateLimit-Limit": "20"}, pause_cap=60.0)
    assert throttle.current_limits() == ServiceLimits(10.0, 5)  # never raised
    started = time.monotonic()
    throttle.follow_headers(
        {"RateLimit-Limit": "4", "RateLimit-Remaining": "0", "RateLimit-Reset": "0.05"},
        pause_cap=60.0,
    )
    throttle.limiter.wait()
    assert 0.05 <= time.monotonic() - started < 5.0  # paused for the reset time
    assert throttle.current_limits() == ServiceLimits(4.0, 5)
    assert throttle.gave_up is None
    # A reset further away than the cap is not waited for: the service is given up.
    throttle.follow_headers({"RateLimit-Remaining": "0", "RateLimit-Reset": "3600"}, pause_cap=60.0)
    assert throttle.gave_up is not None and "60 minutes" in throttle.gave_up
    crossref = ServiceThrottle("crossref", ServiceLimits(10.0, 3, list_rate=3.0))
    assert crossref.limiter_for(is_list=True) is not crossref.limiter_for(is_list=False)
    crossref.follow_headers(
        {"x-rate-limit-limit": "50", "x-rate-limit-interval": "60s", "x-concurrency-limit": "2"},
        pause_cap=60.0,
    )
    now = crossref.current_limits()
    assert now.concurrency == 2 and round(now.rate, 3) == round(50 / 60, 3)
    assert now.list_rate is not None and round(now.list_rate, 3) == round(50 / 60, 3)


def test_pubmed_credentials_go_in_the_form_of_a_post_and_never_twice() -> None:
    call = prepare_call(
        "pubmed",
        "post",
        "https://eutils.example/efetch.fcgi",
        params=None,
        data={"db": "pubmed", "id": ["1", "2"], "tool": "mine"},
        json_body=None,
        headers=None,
        key=NCBI_KEY,
        mailto=MAILTO,
    )
    assert call.method == "POST" and call.query == []
    assert call.form == [
        ("db", "pubmed"),
        ("id", "1"),
        ("id", "2"),
        ("tool", "mine"),
        ("email", MAILTO),
        ("api_key", NCBI_KEY),
    ]
    assert NCBI_KEY not in call.safe_url()


def test_error_detail_is_short_and_free_of_secrets() -> None:
    body = b'{"message": [{"message": "bad  key oa-secret-4f9a2c\\n for this"}]}'
    assert error_detail(body, [OPENALEX_KEY]) == "bad key REDACTED for this"
    assert error_detail(b"<html>Bad Gateway</html>", [OPENALEX_KEY]) == ""
    assert len(error_detail(b'{"error": "' + b"x" * 500 + b'"}', [])) == 160
    assert redact_secrets("a oa-secret-4f9a2c b", ["", OPENALEX_KEY]) == "a REDACTED b"


# --------------------------------------------------------------------- network guards


def finishes(call: Any, within: float = 30.0) -> Any:
    """``call()``'s result or exception, asserting it ends within ``within`` seconds (the
    failures these tests guard against take hours, or never end)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    assert outcome, f"still running after {within} s"
    return outcome[0]


def hosts_seen(fake: FakeServices, service: str) -> set[str]:
    return {r.headers.get("Host", "").split(":")[0] for r in fake.requests_for(service)}


@pytest.mark.parametrize(
    ("service", "send"),
    [
        ("s2", lambda c: c.get_json("s2", f"/paper/DOI:{DOI}", {"fields": "title"})),
        ("openalex", lambda c: c.get_json("openalex", f"/works/doi:{DOI}")),
        ("pubmed", lambda c: c.get_bytes("pubmed", "/esearch.fcgi", {"db": "pubmed", "term": "x"})),
        ("pubmed", lambda c: c.post_form("pubmed", "/efetch.fcgi", {"db": "pubmed", "id": "1"})),
    ],
)
@pytest.mark.parametrize("fault", ["redirect-away", "redirect-away-307"])
def test_a_redirect_to_another_host_never_carries_a_key(
    fake: FakeServices, service: str, send: Any, fault: str
) -> None:
    fake.inject(service, fault)
    client = HttpClient(with_keys(config()))
    with pytest.raises(ServiceError) as err:
        send(client)
    assert "another host" in err.value.reason and "not followed" in err.value.reason
    assert hosts_seen(fake, service) == {"127.0.0.1"}  # localhost was never asked
    for secret in (OPENALEX_KEY, NCBI_KEY, S2_KEY, MAILTO):
        assert secret not in str(err.value)


def test_redirects_within_the_host_are_followed_and_keyless_ones_anywhere(
    fake: FakeServices,
) -> None:
    client = HttpClient(with_keys(config()))
    fake.inject("s2", "redirect-here")
    assert client.get_json("s2", f"/paper/DOI:{DOI}", {"fields": "title"})["title"]
    seen = fake.requests_for("s2")
    assert seen[0].status == 302 and len(seen) >= 2
    assert {r.headers["x-api-key"] for r in seen} == {S2_KEY}
    # Crossref gets no key (the mailto is in the User-Agent): another host is fine.
    fake.inject("crossref", "redirect-away")
    assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    assert hosts_seen(fake, "crossref") == {"127.0.0.1", "localhost"}


def test_a_gzip_bomb_is_refused_without_inflating_it(fake: FakeServices) -> None:
    fake.huge_bytes = 512 * 1024 * 1024  # about 0.5 MB sent
    fake.inject("crossref", "gzip-bomb")
    # A long read timeout: the fake takes a moment to build the bomb.
    client = HttpClient(config(max_body_bytes=1024 * 1024, timeout=60.0))
    tracemalloc.start()
    try:
        with pytest.raises(ServiceError) as err:
            client.get_json("crossref", f"/works/{DOI}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 1048576 bytes" in err.value.reason
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MB held"


def test_an_endless_body_is_cut_at_the_limit(fake: FakeServices) -> None:
    fake.inject("crossref", "endless")
    client = HttpClient(config(max_body_bytes=1024 * 1024))
    outcome = finishes(lambda: client.get_json("crossref", f"/works/{DOI}"))
    assert isinstance(outcome, ServiceError) and "larger than 1048576" in outcome.reason


def test_a_trickled_answer_ends_at_the_deadline_and_the_budget_gives_up(
    fake: FakeServices,
) -> None:
    fake.trickle_interval = 0.05  # one byte each 50 ms: never a read timeout (0.3 s)
    fake.inject("crossref", "trickle", count=100)
    client = HttpClient(config(deadline=0.5, service_budget=1.2))
    outcome = finishes(lambda: client.get_json("crossref", f"/works/{DOI}"))
    assert isinstance(outcome, ServiceError)
    assert "no complete answer within 0.5 s" in outcome.reason or "gave up" in outcome.reason
    # The failed waits used the service's budget up: the next request fails at once.
    asked = fake.count("crossref")
    outcome = finishes(lambda: client.get_json("crossref", "/works/10.1000/neck.2015.2"))
    assert isinstance(outcome, ServiceError) and "gave up on it" in outcome.reason
    assert "EVIDENCE_HTTP_BUDGET" in outcome.reason
    assert fake.count("crossref") == asked


def test_deadline_and_budget_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_HTTP_DEADLINE", "7.5")
    monkeypatch.setenv("EVIDENCE_HTTP_BUDGET", "40")
    cfg = HttpConfig.from_env()
    assert (cfg.deadline, cfg.service_budget) == (7.5, 40.0)
    monkeypatch.setenv("EVIDENCE_HTTP_DEADLINE", "soon")
    with pytest.raises(ConfigError, match="EVIDENCE_HTTP_DEADLINE"):
        HttpConfig.from_env()


def test_absurd_rate_headers_give_up_on_the_service_instead_of_sleeping(
    fake: FakeServices,
) -> None:
    fake.extra_headers["crossref"] = {
        "x-rate-limit-limit": "1",
        "x-rate-limit-interval": "100000s",
    }
    client = HttpClient(config(rate_overrides=POLICY_RATES))
    assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
    outcome = finishes(lambda: client.get_json("crossref", "/works/10.1000/neck.2015.2"))
    assert isinstance(outcome, ServiceError)
    assert "one request every 27.8 hours" in outcome.reason, outcome.reason
    assert client.current_limits("crossref").rate == 10.0  # not lowered to the absurd rate
    # Other services go on.
    assert client.get_json("openalex", f"/works/doi:{DOI}")


def test_headers_lower_rates_within_bounds() -> None:
    throttle = ServiceThrottle("crossref", ServiceLimits(10.0, 3, list_rate=3.0))
    throttle.follow_headers(
        {"x-rate-limit-limit": "1", "x-rate-limit-interval": "30s"}, pause_cap=60.0
    )
    assert throttle.gave_up is None and round(throttle.limiter.rate, 3) == round(1 / 30, 3)
    throttle.follow_headers(
        {"x-rate-limit-limit": "1", "x-rate-limit-interval": "2m"}, pause_cap=60.0
    )
    assert throttle.gave_up == "asks for one request every 2 minutes (x-rate-limit headers)"


def test_requests_are_paced_below_the_published_rate() -> None:
    limiter = RateLimiter(20.0)
    starts = []
    for _ in range(6):
        limiter.wait()
        starts.append(time.monotonic())
    # 90% of 20 per second: five gaps of at least 1/18 s, not the 1/20 s of the limit
    # (each start is at or after its slot; the slots are exactly spaced).
    assert starts[-1] - starts[0] >= 5 / 18 - 0.005, starts
    assert limiter.rate == 20.0


def test_downloads_stream_past_the_answer_limit(fake: FakeServices, tmp_path: Path) -> None:
    cfg = config(max_body_bytes=200)
    cfg.base_urls["retractions"] = fake.base("crossref") + f"/works/{DOI}"
    client = HttpClient(cfg)
    with pytest.raises(ServiceError, match="larger than 200 bytes"):
        client.get_bytes("retractions", "")
    with (tmp_path / "download").open("w+b") as sink:
        size = client.download("retractions", "", sink)
    assert size > 200 and b"Hip massage" in (tmp_path / "download").read_bytes()


def test_downloads_have_their_own_limit(fake: FakeServices, tmp_path: Path) -> None:
    cfg = config(max_download_bytes=1024 * 1024)
    cfg.base_urls["retractions"] = fake.base("crossref") + f"/works/{DOI}"
    fake.inject("crossref", "endless")
    with (tmp_path / "download").open("w+b") as sink:
        outcome = finishes(lambda: HttpClient(cfg).download("retractions", "", sink))
    assert isinstance(outcome, ServiceError) and "larger than 1048576" in outcome.reason


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_is_set_aside_and_a_fresh_one_used(
    fake: FakeServices, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "http-cache.sqlite"
    if damage == "garbage":
        cache.write_bytes(b"this is not a database\n" * 100)
    else:
        client = HttpClient(config(tmp_path))
        for n in range(40):
            fake.add(doi=f"10.1000/fill.{n}", title=f"Filler {n} " + "x" * 3000, year=2000)
            client.get_json("crossref", f"/works/10.1000/fill.{n}")
        client.close()
        data = cache.read_bytes()
        cache.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        client = HttpClient(config(tmp_path))
        assert client.get_json("crossref", f"/works/{DOI}")["message"]["DOI"] == DOI
        client.close()
    aside = [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside and aside[0].startswith("http-cache.sqlite.corrupt-")
    (line,) = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert str(cache) in line and "set aside" in line
    # The fresh cache works: the answer is now in it.
    assert (
        HttpClient(config(tmp_path)).request_answer("crossref", "GET", f"/works/{DOI}").from_cache
    )


def test_retraction_data_is_read_from_a_file_line_by_line(tmp_path: Path) -> None:
    header = "Record ID,Title,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,Reason\n"
    rows = "".join(
        f"{n},Caf\u00e9 study {n},10.1000/rw.{n},,Retraction,+Fake data;\n" for n in range(3000)
    )
    path = tmp_path / "rw.csv"
    path.write_bytes(("\ufeff" + header + rows).encode("utf-8"))
    with path.open("rb") as data:
        parsed = list(parse_retraction_data(data))
        assert not data.closed  # the caller's file stays open
    assert len(parsed) == 3000 and parsed[-1]["original_doi"] == "10.1000/rw.2999"
    assert parsed[0]["title"] == "Caf\u00e9 study 0"
    path.write_bytes((header + rows).encode("latin-1"))
    with path.open("rb") as data:
        assert list(parse_retraction_data(data))[0]["title"] == "Caf\u00e9 study 0"
