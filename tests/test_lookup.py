"""bib.lookup against stand-in services (the `responses` library; no network).

The fake answers follow the real shapes recorded in ../shared/data/real-api: Crossref
work-list envelopes (crossref_api_works.json), PubMed eSearchResult/PubmedArticleSet
(esearch1.xml, 33856845.xml), OpenAlex list ``meta``/``results`` (multi-api
test_title_search), S2 batch lists with ``null`` (test_get_papers_return_not_found.yaml),
and the Open Library Books API keyed by ``ISBN:…`` (openlibrary.org/dev/docs/api/books).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from bib import lookup
from bib.http import HttpClient, HttpConfig
from bib.identifiers import Identifier

BASES = {
    "crossref": "http://crossref.test",
    "pubmed": "http://pubmed.test/eutils",
    "openalex": "http://openalex.test",
    "s2": "http://s2.test/graph/v1",
    "openlibrary": "http://openlibrary.test",
}


def make_client(*, openalex_key: bool = True) -> HttpClient:
    keys = {"openalex": "test-key"} if openalex_key else {}
    return HttpClient(
        HttpConfig(
            base_urls=dict(BASES),
            keys=keys,
            max_attempts=1,
            rate_overrides=dict.fromkeys(BASES, 1000.0) | {"crossref-list": 1000.0},
        )
    )


@dataclass
class Paper:
    doi: str | None = None
    pmid: str | None = None
    title: str = "A study"
    arxiv: str | None = None
    pub_types: tuple[str, ...] = ("Journal Article",)


@dataclass
class FakeServices:
    """What each fake service knows, and which requests reached it."""

    crossref: dict[str, Paper] = field(default_factory=dict)
    pubmed: dict[str, Paper] = field(default_factory=dict)  # by PMID
    openalex: dict[str, Paper] = field(default_factory=dict)
    s2: dict[str, Paper] = field(default_factory=dict)  # by S2 id ("DOI:…", "ARXIV:…")
    books: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)  # DOIs whose Crossref batch answers 500
    calls: Counter[str] = field(default_factory=Counter)

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(
            "GET", re.compile(r"http://crossref\.test/works\b.*"), callback=self._crossref
        )
        for method in ("GET", "POST"):
            rsps.add_callback(
                method, re.compile(r"http://pubmed\.test/eutils/esearch\.fcgi.*"), self._esearch
            )
            rsps.add_callback(
                method, re.compile(r"http://pubmed\.test/eutils/efetch\.fcgi.*"), self._efetch
            )
        rsps.add_callback(
            "GET", re.compile(r"http://openalex\.test/works\b.*"), callback=self._openalex
        )
        rsps.add_callback(
            "POST", re.compile(r"http://s2\.test/graph/v1/paper/batch.*"), callback=self._s2
        )
        rsps.add_callback(
            "GET", re.compile(r"http://openlibrary\.test/api/books.*"), callback=self._books
        )

    # -- helpers

    @staticmethod
    def _params(request: Any) -> dict[str, list[str]]:
        params = parse_qs(urlsplit(request.url).query)
        if (
            request.body
            and request.method == "POST"
            and "json" not in str(request.headers.get("Content-Type", ""))
        ):
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            params.update(parse_qs(body))
        return params

    # -- Crossref: GET /works?filter=doi:A,doi:B&rows=N

    def _crossref(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls["crossref"] += 1
        params = self._params(request)
        dois = [f.removeprefix("doi:") for f in params["filter"][0].split(",")]
        assert int(params["rows"][0]) >= len(dois)
        if self.fail & set(dois):
            return 500, {}, "Internal Server Error"
        items = [
            {
                "DOI": p.doi,
                "title": [p.title],
                "type": "journal-article",
                "author": [{"given": "Ann", "family": "Author", "sequence": "first"}],
                "container-title": ["Journal of Tests"],
                "issued": {"date-parts": [[2020, 5]]},
            }
            for d in dois
            if (p := self.crossref.get(d))
        ]
        body = {
            "status": "ok",
            "message-type": "work-list",
            "message-version": "1.0.0",
            "message": {"total-results": len(items), "items": items, "items-per-page": 20},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    # -- PubMed: esearch term="a"[aid] OR …; efetch id=1,2,3

    def _esearch(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls["pubmed.esearch"] += 1
        term = self._params(request)["term"][0]
        dois = re.findall(r'"([^"]+)"\[aid\]', term)
        pmids = [pmid for pmid, p in self.pubmed.items() if p.doi in dois]
        ids = "".join(f"<Id>{p}</Id>" for p in pmids)
        body = (
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            f"<eSearchResult><Count>{len(pmids)}</Count><RetMax>{len(pmids)}</RetMax>"
            f"<RetStart>0</RetStart><IdList>{ids}</IdList></eSearchResult>"
        )
        return 200, {"Content-Type": "text/xml"}, body

    def _efetch(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls["pubmed.efetch"] += 1
        if request.method == "POST":
            self.calls["pubmed.efetch.post"] += 1
        pmids = self._params(request)["id"][0].split(",")
        arts = []
        for pmid in pmids:
            p = self.pubmed.get(pmid)
            if p is None:
                continue
            types = "".join(f"<PublicationType>{t}</PublicationType>" for t in p.pub_types)
            doi = f'<ArticleId IdType="doi">{p.doi}</ArticleId>' if p.doi else ""
            arts.append(
                f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
                f'<PMID Version="1">{pmid}</PMID><Article><Journal><Title>Journal of Tests'
                f"</Title><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue>"
                f"</Journal><ArticleTitle>{p.title}.</ArticleTitle>"
                f"<PublicationTypeList>{types}</PublicationTypeList></Article>"
                f"</MedlineCitation><PubmedData><ArticleIdList>"
                f'<ArticleId IdType="pubmed">{pmid}</ArticleId>{doi}'
                f"</ArticleIdList></PubmedData></PubmedArticle>"
            )
        body = '<?xml version="1.0" ?>\n<PubmedArticleSet>' + "".join(arts) + "</PubmedArticleSet>"
        return 200, {"Content-Type": "text/xml"}, body

    # -- OpenAlex: GET /works?filter=doi:https://doi.org/A|https://doi.org/B

    def _openalex(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls["openalex"] += 1
        params = self._params(request)
        assert params["api_key"] == ["test-key"]
        values = params["filter"][0].removeprefix("doi:").split("|")
        dois = [v.removeprefix("https://doi.org/") for v in values]
        results = [
            {
                "id": f"https://openalex.org/W{i}",
                "doi": f"https://doi.org/{p.doi}",
                "title": p.title,
                "publication_year": 2020,
                "ids": {"pmid": f"https://pubmed.ncbi.nlm.nih.gov/{p.pmid}"} if p.pmid else {},
                "type": "article",
                "is_retracted": False,
                "authorships": [],
            }
            for i, d in enumerate(dois)
            if (p := self.openalex.get(d))
        ]
        body = {"meta": {"count": len(results), "page": 1, "per_page": 100}, "results": results}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    # -- S2: POST /paper/batch {"ids": [...]}

    def _s2(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls["s2"] += 1
        ids = json.loads(request.body)["ids"]
        out = []
        for s2_id in ids:
            p = self.s2.get(s2_id)
            if p is None:
                out.append(None)
                continue
            ext: dict[str, Any] = {"CorpusId": 1}
            if p.doi:
                ext["DOI"] = p.doi
            if p.arxiv:
                ext["ArXiv"] = p.arxiv
            if p.pmid:
                ext["PubMed"] = p.pmid
            out.append(
                {
                    "paperId": "0f40b1f08821e22e859c6050916cec3667778613",
                    "externalIds": ext,
                    "title": p.title,
                    "authors": [{"authorId": "1", "name": "Ann Author"}],
                    "year": 2023,
                    "publicationTypes": None,
                }
            )
        return 200, {"Content-Type": "application/json"}, json.dumps(out)

    # -- Open Library: GET /api/books?bibkeys=ISBN:a,ISBN:b&jscmd=data&format=json

    def _books(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.calls["openlibrary"] += 1
        keys = self._params(request)["bibkeys"][0].split(",")
        body = {
            k: self.books[k.removeprefix("ISBN:")]
            for k in keys
            if k.removeprefix("ISBN:") in self.books
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)


@pytest.fixture
def fake() -> Any:
    services = FakeServices()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        services.install(rsps)
        yield services


def doi(n: int) -> str:
    return f"10.5555/test.{n:04d}"


def test_120_dois_take_the_fewest_requests_each_service_allows(fake: FakeServices) -> None:
    for n in range(120):
        paper = Paper(doi=doi(n), pmid=str(30000000 + n), title=f"Study {n}")
        fake.crossref[doi(n)] = paper
        fake.pubmed[paper.pmid or ""] = paper
        fake.openalex[doi(n)] = paper
    idents = [Identifier("doi", doi(n)) for n in range(120)]
    results = lookup.fetch_works(make_client(), idents)

    # Crossref 50 a call -> 3; PubMed one esearch (200 a call) + one efetch (200 a call);
    # OpenAlex 100 a call -> 2; nobody needs Semantic Scholar.
    assert fake.calls["crossref"] == 3
    assert fake.calls["pubmed.esearch"] == 1
    assert fake.calls["pubmed.efetch"] == 1
    assert fake.calls["openalex"] == 2
    assert fake.calls["s2"] == 0
    assert len(results) == 120
    r = results[Identifier("doi", doi(7))]
    assert set(r.works) == {"crossref", "pubmed", "openalex"}
    assert r.work is not None
    assert r.work.pmid == "30000007"
    assert r.work.doi == doi(7)
    assert r.work.title == "Study 7"
    assert r.work.provenance["pmid"] == "pubmed"
    assert r.errors == {} and r.not_found == {}


def test_efetch_goes_by_post_for_a_long_id_list(fake: FakeServices) -> None:
    for n in range(250):
        fake.pubmed[str(20000000 + n)] = Paper(doi=doi(n), title=f"S{n}")
        fake.crossref[doi(n)] = Paper(doi=doi(n), title=f"S{n}")
    idents = [Identifier("pmid", str(20000000 + n)) for n in range(250)]
    results = lookup.fetch_works(make_client(openalex_key=False), idents)
    # 250 PMIDs -> two efetch calls (200 + 50), the long one by POST; no esearch needed.
    assert fake.calls["pubmed.efetch"] == 2
    assert fake.calls["pubmed.efetch.post"] >= 1
    assert fake.calls["pubmed.esearch"] == 0
    # Round 2: the DOIs PubMed gave feed Crossref, 50 a call.
    assert fake.calls["crossref"] == 5
    assert all(r.found for r in results.values())
    assert results[Identifier("pmid", "20000249")].works["crossref"].title == "S249"


def test_pmid_learns_its_doi_then_crossref_is_asked(fake: FakeServices) -> None:
    paper = Paper(doi="10.1037/prj0000481", pmid="33856845", pub_types=("Systematic Review",))
    fake.pubmed["33856845"] = paper
    fake.crossref[paper.doi or ""] = paper
    fake.openalex[paper.doi or ""] = paper
    results = lookup.fetch_works(make_client(), [Identifier("pmid", "33856845")])
    r = results[Identifier("pmid", "33856845")]
    assert set(r.works) == {"pubmed", "crossref", "openalex"}
    assert fake.calls["crossref"] == 1 and fake.calls["openalex"] == 1
    assert r.work is not None and r.work.doi == "10.1037/prj0000481"
    assert [p.name for p in r.work.publication_types] == ["Systematic Review", "article"]


def test_pmid_from_openalex_feeds_pubmed_when_esearch_missed(fake: FakeServices) -> None:
    paper = Paper(doi=doi(1), pmid="11111111")
    fake.crossref[doi(1)] = paper
    fake.openalex[doi(1)] = paper
    # PubMed knows the article but its record lacks the DOI, so esearch finds nothing.
    fake.pubmed["11111111"] = Paper(doi=None, pmid="11111111", pub_types=("Meta-Analysis",))
    r = lookup.fetch_works(make_client(), [Identifier("doi", doi(1))])[Identifier("doi", doi(1))]
    assert fake.calls["pubmed.esearch"] == 1
    assert fake.calls["pubmed.efetch"] == 1  # only round 2: esearch returned no PMID
    assert "pubmed" in r.works
    assert "pubmed" not in r.not_found
    assert r.work is not None and r.work.pmid == "11111111"


def test_a_failed_crossref_batch_fails_only_its_own_items(fake: FakeServices) -> None:
    for n in range(60):
        fake.crossref[doi(n)] = Paper(doi=doi(n), title=f"Study {n}")
    fake.fail = {doi(3)}  # poisons the first batch of 50
    idents = [Identifier("doi", doi(n)) for n in range(60)]
    results = lookup.fetch_works(make_client(openalex_key=False), idents)
    first, last = results[Identifier("doi", doi(0))], results[Identifier("doi", doi(55))]
    assert "crossref" in first.errors
    assert first.errors["crossref"].reason.startswith("HTTP 500")
    assert "crossref failed: HTTP 500" in first.reason()
    assert last.works["crossref"].title == "Study 55"
    assert not last.errors
    # PubMed answered both (nothing found), so each item says where PubMed looked.
    assert first.not_found["pubmed"] == f'esearch "{doi(0)}"[aid]'


def test_openalex_is_skipped_without_a_key(fake: FakeServices) -> None:
    fake.crossref[doi(1)] = Paper(doi=doi(1))
    fake.openalex[doi(1)] = Paper(doi=doi(1))
    r = lookup.fetch_works(make_client(openalex_key=False), [Identifier("doi", doi(1))])[
        Identifier("doi", doi(1))
    ]
    assert fake.calls["openalex"] == 0
    assert r.skipped == {"openalex": lookup.OPENALEX_NO_KEY}
    assert "EVIDENCE_OPENALEX_KEY" in r.skipped["openalex"]
    assert set(r.works) == {"crossref"}


def test_unknown_doi_falls_back_to_semantic_scholar(fake: FakeServices) -> None:
    known = Paper(doi=doi(2), title="Known to S2 only")
    fake.s2["DOI:" + doi(2)] = known
    idents = [Identifier("doi", doi(2)), Identifier("doi", doi(3))]
    results = lookup.fetch_works(make_client(), idents)
    # One S2 batch for both leftovers, after Crossref, PubMed and OpenAlex said no.
    assert fake.calls["s2"] == 1
    found, missing = results[idents[0]], results[idents[1]]
    assert found.work is not None and found.work.title == "Known to S2 only"
    assert set(found.works) == {"s2"}
    assert missing.work is None
    assert missing.not_found == {
        "crossref": "GET /works?filter=doi:…",
        "pubmed": f'esearch "{doi(3)}"[aid]',
        "openalex": "GET /works?filter=doi:…",
        "s2": f"POST /paper/batch DOI:{doi(3)}",
    }
    assert missing.reason().startswith("not found in crossref")


def test_arxiv_ids_and_datacite_dois_go_to_semantic_scholar_at_once(fake: FakeServices) -> None:
    fake.s2["ARXIV:2312.07559"] = Paper(doi="10.48550/arxiv.2312.07559", arxiv="2312.07559")
    fake.s2["ARXIV:2101.00001"] = Paper(arxiv="2101.00001", title="Preprint")
    idents = [Identifier("arxiv", "2101.00001"), Identifier("doi", "10.48550/arxiv.2312.07559")]
    results = lookup.fetch_works(make_client(openalex_key=False), idents)
    assert fake.calls["s2"] == 1
    assert results[idents[0]].work is not None
    assert results[idents[0]].work.title == "Preprint"
    assert results[idents[1]].works["s2"].arxiv == "2312.07559"


def test_isbn_goes_to_open_library(fake: FakeServices) -> None:
    fake.books["9780451526533"] = {
        "title": "Adventures of Huckleberry Finn",
        "authors": [{"url": "https://openlibrary.org/authors/OL18319A", "name": "Mark Twain"}],
        "publishers": [{"name": "Signet Classics"}],
        "publish_date": "2002",
        "key": "/books/OL1017798M",
    }
    idents = [Identifier("isbn", "9780451526533"), Identifier("isbn", "9780000000002")]
    results = lookup.fetch_works(make_client(), idents)
    assert fake.calls["openlibrary"] == 1
    assert fake.calls["crossref"] == 0 and fake.calls["s2"] == 0
    book = results[idents[0]].work
    assert book is not None
    assert (book.type, book.year, book.publisher) == ("book", 2002, "Signet Classics")
    assert book.authors[0].family == "Twain"
    assert results[idents[1]].not_found == {
        "openlibrary": "GET /api/books?bibkeys=ISBN:9780000000002"
    }


def test_url_identifiers_are_reported_not_looked_up(fake: FakeServices) -> None:
    ident = Identifier("url", "https://example.org/paper")
    r = lookup.fetch_works(make_client(), [ident])[ident]
    assert sum(fake.calls.values()) == 0
    assert r.work is None
    assert r.reason() == "all url identifiers are not looked up"


def test_services_argument_limits_the_lookup(fake: FakeServices) -> None:
    fake.crossref[doi(1)] = Paper(doi=doi(1))
    r = lookup.fetch_works(make_client(), [Identifier("doi", doi(1))], services=["crossref"])
    assert sum(fake.calls.values()) == fake.calls["crossref"] == 1
    assert set(r[Identifier("doi", doi(1))].works) == {"crossref"}


def test_a_service_that_is_down_is_an_error_not_a_crash() -> None:
    # Nothing listens on the conftest base URLs (port 9): every request fails to connect.
    client = HttpClient(HttpConfig.from_env())
    client.config.max_attempts = 1
    ident = Identifier("doi", doi(1))
    r = lookup.fetch_works(client, [ident], services=["crossref", "pubmed"])[ident]
    assert r.work is None
    assert set(r.errors) == {"crossref", "pubmed"}
    assert "connection failed" in r.errors["crossref"].reason


def test_search_crossref_bibliographic_keeps_the_score() -> None:
    body = {
        "status": "ok",
        "message-type": "work-list",
        "message": {
            "items": [
                {"DOI": "10.7717/PEERJ.3811", "title": ["Fish Ontology"], "score": 8.682194},
                {"DOI": "10.7717/peerj.5066", "title": ["How many fish?"], "score": 8.633372},
            ]
        },
    }
    with responses.RequestsMock() as rsps:
        rsps.get(re.compile(r"http://crossref\.test/works\?.*"), json=body)
        works = lookup.search_crossref_bibliographic(make_client(), "fish ontology", rows=2)
        sent = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert sent["query.bibliographic"] == ["fish ontology"]
    assert sent["rows"] == ["2"]
    assert [(w.doi, w.extra["score"]) for w in works] == [
        ("10.7717/peerj.3811", 8.682194),
        ("10.7717/peerj.5066", 8.633372),
    ]


def test_the_same_key_is_asked_once_across_items(fake: FakeServices) -> None:
    paper = Paper(doi=doi(9), pmid="12345678", title="Shared")
    fake.crossref[doi(9)] = paper
    fake.pubmed["12345678"] = paper
    fake.openalex[doi(9)] = paper
    idents = [Identifier("doi", doi(9)), Identifier("pmid", "12345678")]
    results = lookup.fetch_works(make_client(), idents)
    # The PMID item learns the DOI in round 1; Crossref's and OpenAlex's answers for that
    # DOI are reused, and efetch fetches the PMID once for both items.
    assert fake.calls["crossref"] == 1
    assert fake.calls["openalex"] == 1
    assert fake.calls["pubmed.esearch"] == 1
    assert fake.calls["pubmed.efetch"] == 1
    for ident in idents:
        assert set(results[ident].works) == {"crossref", "pubmed", "openalex"}
        assert results[ident].work is not None
        assert results[ident].work.title == "Shared"


def test_pmcid_goes_through_semantic_scholar_then_pubmed_and_crossref(
    fake: FakeServices,
) -> None:
    paper = Paper(doi=doi(4), pmid="29456894", title="Via PMC")
    fake.s2["PMCID:5815332"] = paper
    fake.pubmed["29456894"] = paper
    fake.crossref[doi(4)] = paper
    ident = Identifier("pmcid", "PMC5815332")
    r = lookup.fetch_works(make_client(openalex_key=False), [ident])[ident]
    assert fake.calls["s2"] == 1
    # Round 2 uses what S2 said: the PMID goes straight to efetch, the DOI to Crossref.
    assert fake.calls["pubmed.esearch"] == 0
    assert fake.calls["pubmed.efetch"] == 1
    assert fake.calls["crossref"] == 1
    assert set(r.works) == {"s2", "pubmed", "crossref"}


def test_a_failed_efetch_is_an_error_for_pubmed_only() -> None:
    paper = Paper(doi=doi(5), pmid="22222222", title="Fine elsewhere")
    services = FakeServices(crossref={doi(5): paper})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(re.compile(r"http://pubmed\.test/eutils/efetch\.fcgi.*"), status=502)
        services.install(rsps)
        idents = [Identifier("pmid", "22222222"), Identifier("doi", doi(5))]
        results = lookup.fetch_works(make_client(openalex_key=False), idents)
    by_pmid, by_doi = results[idents[0]], results[idents[1]]
    assert by_pmid.work is None
    assert by_pmid.errors["pubmed"].reason.startswith("HTTP 502")
    # The DOI's esearch found nothing, so PubMed's answer for it is "not found".
    assert by_doi.works["crossref"].title == "Fine elsewhere"
    assert by_doi.not_found["pubmed"] == f'esearch "{doi(5)}"[aid]'


def test_a_doi_with_a_comma_uses_the_single_work_route(fake: FakeServices) -> None:
    odd = "10.1002/(sici)1097-4679(199711)53:7<657::aid-jclp3>3.0.co;2-f,x"
    message = {"DOI": odd, "title": ["Odd DOI"], "type": "journal-article"}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(
            re.compile(r"http://crossref\.test/works/10\.1002/.*"),
            json={"status": "ok", "message-type": "work", "message": message},
        )
        ident = Identifier("doi", odd)
        r = lookup.fetch_works(make_client(), [ident], services=["crossref"])[ident]
    assert r.works["crossref"].title == "Odd DOI"


def test_a_doi_whose_pmid_was_in_a_failed_efetch_is_an_error() -> None:
    paper = Paper(doi=doi(6), pmid="33333333")
    services = FakeServices(pubmed={"33333333": paper})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(re.compile(r"http://pubmed\.test/eutils/efetch\.fcgi.*"), status=502)
        services.install(rsps)
        ident = Identifier("doi", doi(6))
        r = lookup.fetch_works(make_client(openalex_key=False), [ident])[ident]
    assert "pubmed" not in r.not_found
    assert r.errors["pubmed"].reason.startswith("HTTP 502")


def test_also_known_pmid_saves_the_doi_search(fake_services) -> None:  # type: ignore[no-untyped-def]
    """A study whose PMID is already stored is fetched from PubMed by PMID (efetch only)."""
    fake_services.add(
        doi="10.1000/known.1",
        pmid="111",
        title="Known both ways",
        authors=[("Roe", "R")],
        year=2001,
    )
    ident = Identifier("doi", "10.1000/known.1")
    with HttpClient(HttpConfig.from_env(mailto="t@example.org")) as client:
        results = lookup.fetch_works(
            client, [ident], also_known={ident: {"doi": "10.1000/known.1", "pmid": "111"}}
        )
    assert results[ident].work is not None
    assert set(results[ident].sources) >= {"crossref", "pubmed"}
    assert fake_services.count("pubmed", "esearch") == 0
    assert fake_services.count("pubmed", "efetch") == 1


def test_chunks_come_in_order_and_answer_as_one_lookup_does(fake: FakeServices) -> None:
    for n in range(7):
        paper = Paper(doi=doi(n), pmid=str(30000000 + n), title=f"Study {n}")
        fake.crossref[doi(n)] = paper
        fake.pubmed[paper.pmid or ""] = paper
    idents = [Identifier("doi", doi(n)) for n in range(7)]
    chunks = list(lookup.fetch_works_in_chunks(make_client(), [*idents, idents[0]], chunk_size=3))
    # The repeated identifier is looked up once; chunks keep the order asked for.
    assert [list(c) for c in chunks] == [idents[0:3], idents[3:6], idents[6:7]]
    whole = lookup.fetch_works(make_client(), idents)
    merged = {k: v for c in chunks for k, v in c.items()}
    assert {k: (r.work.title if r.work else None, r.sources) for k, r in merged.items()} == {
        k: (r.work.title if r.work else None, r.sources) for k, r in whole.items()
    }
    assert merged[idents[4]].work is not None and merged[idents[4]].work.pmid == "30000004"


def test_a_failed_chunk_stops_the_chunks_without_waiting_for_the_next(
    fake: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunk after the one being saved is already asked for; an error (or a Ctrl-C)
    while it is out leaves at once instead of waiting for it."""
    real = lookup.fetch_works
    started: list[list[Identifier]] = []

    def fetch(client: HttpClient, idents: list[Identifier], *args: Any, **kwargs: Any) -> Any:
        started.append(idents)
        if len(started) == 2:
            raise KeyboardInterrupt
        return real(client, idents, *args, **kwargs)

    monkeypatch.setattr(lookup, "fetch_works", fetch)
    idents = [Identifier("doi", doi(n)) for n in range(5)]
    chunks = lookup.fetch_works_in_chunks(make_client(), idents, chunk_size=2)
    first = next(chunks)
    assert list(first) == idents[:2]
    with pytest.raises(KeyboardInterrupt):
        next(chunks)
    assert len(started) == 2  # the third chunk was never asked for
