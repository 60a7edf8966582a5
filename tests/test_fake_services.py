"""The fake services: the shapes they serve match real recordings, their limits and
fault injection work. Comparisons with ../shared/data/real-api skip when it is absent."""

from __future__ import annotations

import functools
import gzip
import json
import time
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest
import requests
import yaml
from conftest import shared_path
from defusedxml import DefusedXmlException
from fake_services import (
    FAULTS,
    OPENALEX_TEST_KEY,
    FakeServices,
    Limit,
    crossref_work,
    openalex_work,
    pubmed_article_set,
    s2_paper,
)

from bib.http import run_parallel

POLITE = {"User-Agent": "evidence-tests (mailto:tester@example.org)"}

RECORD: dict[str, Any] = {
    "doi": "10.1000/hip.2010.1",
    "pmid": "20000001",
    "pmcid": "PMC100001",
    "title": "Hip massage and pain in older adults: a randomised trial",
    "authors": [("Smith", "John A"), ("Doe", "Jane")],
    "journal": "International Journal of Neuroscience",
    "journal_abbrev": "Int J Neurosci",
    "issn": ["0020-7454", "1563-5279"],
    "year": 2010,
    "date": "2010-03-01",
    "volume": "120",
    "issue": "3",
    "pages": "219-225",
    "abstract": "Older adults with hip pain received massage or usual care.",
    "publication_types": [
        ("Randomized Controlled Trial", "D016449"),
        ("Journal Article", "D016428"),
    ],
    "retracted": True,
    "notices": [
        {
            "kind": "retraction",
            "doi": "10.1000/hip.2012.9",
            "pmid": "20000009",
            "date": "2012-05-08",
            "source": "retraction-watch",
        },
        {"kind": "correction", "doi": "10.1000/hip.2011.5", "date": "2011-01-02"},
    ],
}

OTHERS: list[dict[str, Any]] = [
    {
        "doi": "10.1000/neck.2015.2",
        "pmid": "20000002",
        "title": "Neck pain after whiplash: a cohort study",
        "authors": [("Brown", "Bob")],
        "journal": "Pain",
        "year": 2015,
        "isbn": "9780262033848",
    },
    {
        "doi": "10.1000/knee,2018",  # a comma inside a DOI
        "pmid": "20000003",
        "title": "Knee massage in athletes",
        "authors": [("Garcia", "Ana")],
        "journal": "Journal of Sports Medicine",
        "year": 2018,
    },
]


@pytest.fixture
def fake(fake_services: FakeServices) -> FakeServices:
    fake_services.add(RECORD)
    fake_services.add_records(OTHERS)
    return fake_services


def get(fake: FakeServices, service: str, path: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", POLITE)
    kwargs.setdefault("timeout", 5)
    return requests.get(fake.base(service) + path, **kwargs)


# ----------------------------------------------------------------- shape comparison


def shape(value: Any, prefix: str = "", opaque: tuple[str, ...] = ()) -> set[str]:
    """Key paths with value types: {"message.author[].family:str", …}; nulls are left out.
    Paths in ``opaque`` keep their type but not their (data-dependent) keys."""
    if value is None:
        return set()
    if isinstance(value, dict):
        if prefix in opaque:
            return {f"{prefix}:dict"}
        out = {f"{prefix}:dict"} if prefix else set()
        for key, item in value.items():
            out |= shape(item, f"{prefix}.{key}" if prefix else key, opaque)
        return out
    if isinstance(value, list):
        out = {f"{prefix}:list"}
        for item in value:
            out |= shape(item, prefix + "[]", opaque)
        return out
    kind = (
        "number"
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else type(value).__name__
    )
    return {f"{prefix}:{kind}"}


@functools.cache
def cassette_bodies(path: Path) -> list[tuple[int, str, Any]]:
    """(status, request uri, body text) of each interaction of a VCR cassette."""
    data = yaml.safe_load(path.read_text())
    out = []
    for item in data.get("interactions", []):
        response = item["response"]
        body = response.get("body") or {}
        raw = body.get("string") if isinstance(body, dict) else body
        if raw is None:
            raw = response.get("content")
        if isinstance(raw, bytes):
            try:
                raw = gzip.decompress(raw)
            except OSError:
                pass
            raw = raw.decode("utf-8", "replace")
        status = response.get("status", {}).get("code") or response.get("status_code")
        out.append((status, item["request"].get("uri", ""), raw or ""))
    return out


def real_json(folder: str, name: str, index: int = 0) -> Any:
    return json.loads(cassette_bodies(shared_path("data", "real-api", folder, name))[index][2])


def recorded_shapes(host: str, uri_part: str, opaque: tuple[str, ...] = ()) -> set[str]:
    """Union of the shapes of every 200 JSON answer recorded from ``host`` whose request
    URI contains ``uri_part`` (lists: the shape of each element)."""
    folder = shared_path("data", "real-api")
    out: set[str] = set()
    for path in sorted(folder.glob("*/*.yaml")):
        for status, uri, body in cassette_bodies(path):
            if status != 200 or host not in uri or uri_part not in uri:
                continue
            try:
                data = json.loads(body)
            except ValueError:
                continue
            for item in data if isinstance(data, list) else [data]:
                out |= shape(item, opaque=opaque)
    return out


def xml_paths(element: Any, prefix: str = "") -> set[str]:
    path = f"{prefix}/{element.tag}"
    out = {path} | {f"{path}@{name}" for name in element.attrib}
    for child in element:
        out |= xml_paths(child, path)
    return out


def test_crossref_work_keys_all_exist_in_real_works(fake: FakeServices) -> None:
    real_one = real_json("crossref", "test_works_with_one_id.yaml")
    real_list = real_json("crossref", "test_journals_field_queries.yaml")
    real: set[str] = shape(real_one)
    for item in real_list["message"]["items"]:
        real |= shape({"message": item})
    served = get(fake, "crossref", f"/works/{RECORD['doi']}").json()
    missing = shape(served) - real
    assert not missing, f"keys the real Crossref never sends: {sorted(missing)}"
    assert set(served) == set(real_one)  # same envelope
    assert served["message-type"] == real_one["message-type"] == "work"


def test_crossref_list_envelope_matches_real(fake: FakeServices) -> None:
    real = real_json("crossref", "test_journals_field_queries.yaml")
    served = get(fake, "crossref", "/works", params={"query.bibliographic": "hip massage"}).json()
    assert set(served) == set(real)
    assert set(served["message"]) == set(real["message"])
    assert set(served["message"]["query"]) == set(real["message"]["query"])
    assert served["message-type"] == "work-list"


def test_crossref_not_found_matches_real(fake: FakeServices) -> None:
    (status, _, body), *_ = cassette_bodies(
        shared_path("data", "real-api", "crossref", "test_works_bad_id_warn.yaml")
    )
    served = get(fake, "crossref", "/works/10.1371/notarealdoi")
    assert (served.status_code, served.text) == (status, body) == (404, "Resource not found.")
    assert served.headers["Content-Type"].startswith("text/plain")


def test_crossref_bad_request_envelope_matches_real(fake: FakeServices) -> None:
    real = real_json("crossref", "test_works_query_filters_not_allowed_with_dois.yaml")
    served = get(fake, "crossref", f"/works/{RECORD['doi']}", params={"query.author": "x"})
    assert served.status_code == 400
    assert shape(served.json()) == shape(real)


def test_openalex_work_keys_all_exist_in_the_real_work(fake: FakeServices) -> None:
    real_path = shared_path("data", "real-api", "openalex", "W2741809807.json")
    real = json.loads(real_path.read_text())
    opaque = ("abstract_inverted_index",)
    recorded = shape(real, opaque=opaque) | recorded_shapes("api.openalex.org", "/works/", opaque)
    served = get(
        fake, "openalex", f"/works/doi:{RECORD['doi']}", params={"api_key": OPENALEX_TEST_KEY}
    ).json()
    missing = shape(served, opaque=opaque) - recorded
    assert not missing, f"keys the real OpenAlex never sends: {sorted(missing)}"
    for key in ("id", "doi", "ids", "authorships", "primary_location", "biblio", "is_retracted"):
        assert key in served


def test_openalex_not_found_is_the_real_html_page(fake: FakeServices) -> None:
    recording = shared_path(
        "data", "real-api", "openalex", "test_does_openalex_work[not-in-openalex].yaml"
    )
    (status, _, body), *_ = cassette_bodies(recording)
    served = get(fake, "openalex", "/works/doi:10.1/none", params={"api_key": "k"})
    assert served.status_code == status == 404
    assert served.text.strip() == body.strip()


def test_s2_batch_matches_real_including_nulls(fake: FakeServices) -> None:
    recording = shared_path(
        "data", "real-api", "semanticscholar", "test_get_papers_return_not_found.yaml"
    )
    (status, uri, body), *_ = cassette_bodies(recording)
    real = json.loads(body)
    fields = uri.split("fields=", 1)[1].replace("%2C", ",")
    served = requests.post(
        fake.base("s2") + "/paper/batch",
        params={"fields": fields},
        json={"ids": ["CorpusId:1", f"DOI:{RECORD['doi']}"]},
        timeout=5,
    ).json()
    assert served[0] is None and real[0] is None
    real_paths = recorded_shapes("api.semanticscholar.org", "/paper/")
    real_paths |= shape(
        json.loads(shared_path("data", "real-api", "semanticscholar", "Paper.json").read_text())
    )
    missing = shape(served[1]) - real_paths
    assert not missing, f"keys the real Semantic Scholar never sends: {sorted(missing)}"
    assert set(served[1]) <= set(real[1])


def test_s2_not_found_matches_real(fake: FakeServices) -> None:
    (status, _, body), *_ = cassette_bodies(
        shared_path("data", "real-api", "semanticscholar", "test_not_found.yaml")
    )
    served = get(fake, "s2", "/paper/0")
    assert served.status_code == status == 404
    assert served.json() == json.loads(body)


def test_pubmed_efetch_elements_all_exist_in_real_records(fake: FakeServices) -> None:
    real: set[str] = set()
    for name in ("35830032.xml", "38833988.xml", "pubmedsample_2019.xml"):
        real |= xml_paths(SafeET.parse(shared_path("data", "real-api", "pubmed", name)).getroot())
    body = requests.post(
        fake.base("pubmed") + "/efetch.fcgi",
        data={"db": "pubmed", "id": "20000001,20000002", "retmode": "xml"},
        timeout=5,
    ).content
    served = xml_paths(SafeET.fromstring(body))
    missing = served - real
    assert not missing, f"elements real PubMed never sends: {sorted(missing)}"
    assert body.startswith(b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC')


def test_pubmed_esearch_matches_real_hits_and_zero_hits(fake: FakeServices) -> None:
    hits_real = SafeET.parse(shared_path("data", "real-api", "pubmed", "esearch1.xml")).getroot()
    none_real = SafeET.parse(shared_path("data", "real-api", "pubmed", "esearch8.xml")).getroot()
    term = f"{RECORD['doi']}[aid] OR 10.1000/neck.2015.2[aid]"
    hits = SafeET.fromstring(get(fake, "pubmed", "/esearch.fcgi", params={"term": term}).content)
    none = SafeET.fromstring(
        get(fake, "pubmed", "/esearch.fcgi", params={"term": "10.9/none[aid]"}).content
    )
    assert xml_paths(hits) == xml_paths(hits_real)
    assert xml_paths(none) == xml_paths(none_real)
    assert [e.text for e in hits.iter("Id")] == ["20000002", "20000001"]
    assert none.findtext("Count") == "0"


# ----------------------------------------------------------------- what the fake serves


def test_crossref_fields_carry_the_record(fake: FakeServices) -> None:
    work = get(fake, "crossref", f"/works/{RECORD['doi']}").json()["message"]
    assert work["title"] == [RECORD["title"]]
    assert work["author"][0] == {
        "given": "John A",
        "family": "Smith",
        "sequence": "first",
        "affiliation": [],
    }
    assert work["container-title"] == [RECORD["journal"]]
    assert work["short-container-title"] == ["Int J Neurosci"]
    assert work["issued"] == {"date-parts": [[2010, 3, 1]]}
    assert (work["volume"], work["issue"], work["page"]) == ("120", "3", "219-225")
    kinds = {(u["type"], u["source"], u["DOI"]) for u in work["updated-by"]}
    assert kinds == {
        ("retraction", "retraction-watch", "10.1000/hip.2012.9"),
        ("correction", "publisher", "10.1000/hip.2011.5"),
    }


def test_crossref_filter_by_dois_repeated_and_with_commas(fake: FakeServices) -> None:
    one = get(
        fake,
        "crossref",
        "/works",
        params=[("filter", f"doi:{RECORD['doi']},doi:10.1000/knee,2018"), ("rows", "5")],
    ).json()
    two = get(
        fake,
        "crossref",
        "/works",
        params=[("filter", f"doi:{RECORD['doi']}"), ("filter", "doi:10.1000/neck.2015.2")],
    ).json()
    assert {w["DOI"] for w in one["message"]["items"]} == {RECORD["doi"], "10.1000/knee,2018"}
    assert {w["DOI"] for w in two["message"]["items"]} == {RECORD["doi"], "10.1000/neck.2015.2"}


def test_crossref_bibliographic_query_ranks_by_text_relevance(fake: FakeServices) -> None:
    for i in range(20):  # distractors sharing some words
        fake.add(
            doi=f"10.1000/d{i}", title=f"Massage therapy study {i}", journal="Pain", year=2000 + i
        )
    ref = "Smith J, Doe J. Hip massage and pain in older adults. Int J Neurosci. 2010;120:219."
    items = get(
        fake, "crossref", "/works", params={"query.bibliographic": ref, "rows": "5"}
    ).json()["message"]["items"]
    assert items[0]["DOI"] == RECORD["doi"]
    scores = [w["score"] for w in items]
    assert scores == sorted(scores, reverse=True) and len(items) == 5
    nothing = get(fake, "crossref", "/works", params={"query.bibliographic": "zebrafish"}).json()
    assert nothing["message"]["items"] == [] and nothing["message"]["total-results"] == 0


def test_openalex_routes_and_batch(fake: FakeServices) -> None:
    key = {"api_key": OPENALEX_TEST_KEY}
    by_doi = get(fake, "openalex", f"/works/doi:{RECORD['doi']}", params=key).json()
    by_url = get(fake, "openalex", f"/works/https://doi.org/{RECORD['doi']}", params=key).json()
    by_pmid = get(fake, "openalex", "/works/pmid:20000001", params=key).json()
    assert by_doi == by_url == by_pmid
    assert by_doi["is_retracted"] is True
    assert by_doi["ids"]["pmcid"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/100001"
    assert by_doi["biblio"] == {
        "volume": "120",
        "issue": "3",
        "first_page": "219",
        "last_page": "225",
    }
    batch = get(
        fake,
        "openalex",
        "/works",
        params={**key, "filter": f"doi:https://doi.org/{RECORD['doi']}|10.1000/neck.2015.2|10.9/x"},
    ).json()
    assert batch["meta"]["count"] == 2 and len(batch["results"]) == 2
    too_many = "|".join(f"10.9/{i}" for i in range(101))
    assert (
        get(fake, "openalex", "/works", params={**key, "filter": f"doi:{too_many}"}).status_code
        == 400
    )


def test_openalex_requires_a_key_unless_told_otherwise(fake: FakeServices) -> None:
    assert get(fake, "openalex", f"/works/doi:{RECORD['doi']}").status_code == 401
    fake.require_openalex_key = False
    assert get(fake, "openalex", f"/works/doi:{RECORD['doi']}").status_code == 200


def test_pubmed_efetch_retraction_and_ids(fake: FakeServices) -> None:
    body = get(fake, "pubmed", "/efetch.fcgi", params={"id": "20000001,99999999"}).content
    root = SafeET.fromstring(body)
    assert len(root.findall("PubmedArticle")) == 1  # unknown ids are left out
    types = {(t.text, t.get("UI")) for t in root.iter("PublicationType")}
    assert ("Retracted Publication", "D016441") in types
    assert ("Randomized Controlled Trial", "D016449") in types
    links = {(c.get("RefType"), c.findtext("PMID")) for c in root.iter("CommentsCorrections")}
    assert ("RetractionIn", "20000009") in links
    ids = {a.get("IdType"): a.text for a in root.iter("ArticleId")}
    assert ids == {"pubmed": "20000001", "doi": RECORD["doi"], "pmc": "PMC100001"}


def test_records_can_be_limited_to_some_services(fake: FakeServices) -> None:
    fake.add(doi="10.1000/only-crossref", pmid="20000077", title="Only here", services=["crossref"])
    assert get(fake, "crossref", "/works/10.1000/only-crossref").status_code == 200
    assert (
        b"<Count>0</Count>"
        in get(fake, "pubmed", "/esearch.fcgi", params={"term": "20000077[pmid]"}).content
    )


def test_s2_lookup_forms_and_limits(fake: FakeServices) -> None:
    fake.limits["s2"] = Limit(None, None)
    paper = get(
        fake, "s2", f"/paper/DOI:{RECORD['doi']}", params={"fields": "externalIds,year"}
    ).json()
    assert paper["externalIds"]["PubMed"] == "20000001" and paper["year"] == 2010
    assert get(fake, "s2", "/paper/PMID:20000001").json()["paperId"] == paper["paperId"]
    assert get(fake, "s2", f"/paper/{paper['paperId']}").json()["title"] == RECORD["title"]
    bad = get(fake, "s2", "/paper/PMID:20000001", params={"fields": "nonsense"})
    assert bad.status_code == 400 and "Unrecognized" in bad.json()["error"]
    big = requests.post(fake.base("s2") + "/paper/batch", json={"ids": ["x"] * 501}, timeout=5)
    assert big.status_code == 400


def test_open_library_both_routes(fake: FakeServices) -> None:
    books = get(
        fake,
        "openlibrary",
        "/api/books",
        params={"bibkeys": "ISBN:9780262033848,ISBN:0000000000", "format": "json", "jscmd": "data"},
    ).json()
    assert list(books) == ["ISBN:9780262033848"]
    assert books["ISBN:9780262033848"]["authors"][0]["name"] == "Bob Brown"
    edition = get(fake, "openlibrary", "/isbn/9780262033848.json").json()
    assert edition["isbn_13"] == ["9780262033848"] and edition["title"] == OTHERS[0]["title"]
    assert get(fake, "openlibrary", "/isbn/0000000000.json").status_code == 404


def test_pure_builders_are_usable_without_a_server() -> None:
    assert crossref_work(RECORD)["DOI"] == RECORD["doi"]
    assert openalex_work(RECORD)["publication_year"] == 2010
    assert s2_paper(RECORD, ["year"]) == {"paperId": s2_paper(RECORD)["paperId"], "year": 2010}
    assert SafeET.fromstring(pubmed_article_set([RECORD])).find("PubmedArticle") is not None


# ----------------------------------------------------------------- faults


def test_status_faults_count_down_and_respect_the_endpoint(fake: FakeServices) -> None:
    fake.inject("crossref", "503", count=2, endpoint="work")
    fake.inject("crossref", "429", count=1, endpoint="works-list", retry_after=7)
    statuses = [get(fake, "crossref", f"/works/{RECORD['doi']}").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    listed = get(fake, "crossref", "/works", params={"filter": f"doi:{RECORD['doi']}"})
    assert listed.status_code == 429 and listed.headers["Retry-After"] == "7"
    assert fake.count("crossref", "work") == 3 and fake.count("crossref", "works-list") == 1
    assert [r.fault for r in fake.requests_for("crossref")] == ["503", "503", None, "429"]


def test_timeout_fault(fake: FakeServices) -> None:
    fake.fault_timeout = 0.5
    fake.inject("crossref", "timeout")
    with pytest.raises(requests.ReadTimeout):
        get(fake, "crossref", f"/works/{RECORD['doi']}", timeout=0.1)


def test_reset_fault(fake: FakeServices) -> None:
    fake.inject("pubmed", "reset")
    with pytest.raises(requests.ConnectionError):
        get(fake, "pubmed", "/esearch.fcgi", params={"term": "x"})
    assert get(fake, "pubmed", "/esearch.fcgi", params={"term": "x"}).status_code == 200


def test_truncated_fault(fake: FakeServices) -> None:
    fake.inject("openalex", "truncated")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(fake, "openalex", f"/works/doi:{RECORD['doi']}", params={"api_key": "k"})


def test_body_faults(fake: FakeServices) -> None:
    fake.inject("crossref", "invalid-body")
    fake.inject("pubmed", "invalid-body")
    with pytest.raises(ValueError):
        get(fake, "crossref", f"/works/{RECORD['doi']}").json()
    with pytest.raises(SafeET.ParseError):
        SafeET.fromstring(get(fake, "pubmed", "/efetch.fcgi", params={"id": "20000001"}).content)
    fake.inject("s2", "html")
    page = get(fake, "s2", "/paper/PMID:20000001")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("fault", ["xml-bomb", "xxe"])
def test_hostile_xml_faults(fake: FakeServices, fault: str) -> None:
    fake.inject("pubmed", fault)
    body = get(fake, "pubmed", "/efetch.fcgi", params={"id": "20000001"}).content
    with pytest.raises(DefusedXmlException):
        SafeET.fromstring(body)


def test_huge_and_deep_json_faults(fake: FakeServices) -> None:
    fake.huge_bytes = 2_000_000
    fake.inject("crossref", "huge-json")
    fake.inject("crossref", "deep-json")
    huge = get(fake, "crossref", f"/works/{RECORD['doi']}")
    assert len(huge.content) >= 1_990_000 and huge.json()["status"] == "ok"
    deep = get(fake, "crossref", f"/works/{RECORD['doi']}")
    with pytest.raises(RecursionError):
        json.loads(deep.content)


def test_unknown_fault_is_refused(fake: FakeServices) -> None:
    with pytest.raises(ValueError):
        fake.inject("crossref", "gremlins")
    assert "timeout" in FAULTS


# ----------------------------------------------------------------- limits


def test_rate_limit_refuses_a_burst_with_retry_after(fake: FakeServices) -> None:
    statuses = [get(fake, "s2", "/paper/PMID:20000001").status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    refused = [r for r in fake.requests_for("s2") if r.status == 429]
    assert refused and fake.rejected["s2"] == len(refused)


def test_concurrency_limit_refuses_parallel_requests(fake: FakeServices) -> None:
    fake.latency["crossref"] = 0.2
    # No mailto: Crossref's public pool allows one request at a time.
    calls = [
        lambda: requests.get(fake.base("crossref") + f"/works/{RECORD['doi']}", timeout=5)
        for _ in range(3)
    ]
    results = run_parallel(calls, max_workers=3)
    statuses = sorted(r.status_code for r in results if isinstance(r, requests.Response))
    assert fake.max_concurrency["crossref"] >= 2
    assert 429 in statuses and fake.rejected["crossref"] >= 1


def test_latency_is_applied(fake: FakeServices) -> None:
    fake.latency["openlibrary"] = 0.1
    get(fake, "openlibrary", "/isbn/9780262033848.json")
    seen = fake.requests_for("openlibrary")[0]
    assert seen.finished - seen.started >= 0.09


def test_limit_headers_follow_the_pool(fake: FakeServices) -> None:
    polite = get(fake, "crossref", f"/works/{RECORD['doi']}")
    time.sleep(0.25)
    public = get(fake, "crossref", f"/works/{RECORD['doi']}", headers={})
    assert (polite.headers["x-api-pool"], polite.headers["x-rate-limit-limit"]) == ("polite", "10")
    assert (public.headers["x-api-pool"], public.headers["x-concurrency-limit"]) == ("public", "1")
    oa = get(fake, "openalex", f"/works/doi:{RECORD['doi']}", params={"api_key": "k"})
    assert oa.headers["RateLimit-Limit"] == "100"


def test_lookups_by_doi_through_the_index_find_what_a_scan_finds() -> None:
    """A Crossref DOI filter and a PubMed ORed [aid] term find their records through the
    identifier index: the same records, in the same order, as evaluating every record."""
    import fake_services as fs

    fake = FakeServices()
    for i in range(40):
        fake.add(
            doi=f"10.1000/Idx.{i % 30}" if i % 7 else None,  # some DOIs shared, some absent
            pmid=str(9000 + i) if i % 3 else None,
            title=f"Record {i}",
            services=["crossref"] if i % 11 == 0 else None,
        )
    dois = ["10.1000/idx.1", "https://doi.org/10.1000/IDX.2", "10.1000/idx.29", "10.9/none"]
    term = " OR ".join(f'"{d}"[aid]' for d in dois)
    tokens = fs._pubmed_tokens(term)
    assert fs._ored_dois(tokens) == dois
    scanned = [
        r
        for r in fake.records
        if fs._knows(r, "pubmed") and r.get("pmid") and fs._pubmed_eval(tokens, r)
    ]
    scanned.sort(key=lambda r: -int(r["pmid"]))
    found = fs._pubmed_search(fake, term)
    assert found == scanned and len(found) >= 3
    # any other term is evaluated on every record
    assert fs._ored_dois(fs._pubmed_tokens('"10.1000/idx.1"[aid] AND 2020[dp]')) is None
    assert fs._ored_dois(fs._pubmed_tokens("massage[ti]")) is None
    wanted = {fs._norm_doi(d) for d in dois}
    by_scan = [r for r in fake.records if r.get("doi") and fs._norm_doi(r["doi"]) in wanted]
    assert fake.holding("doi", dois) == by_scan and len(by_scan) >= 4
