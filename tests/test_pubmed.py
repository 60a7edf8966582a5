"""PubMed E-utilities parsing against real recorded XML (../shared/data/real-api/pubmed)."""

from __future__ import annotations

import pytest
import yaml

from bib.errors import ServiceError
from bib.services import pubmed
from bib.work import Author, Notice, PublicationType, Work
from tests.conftest import shared_path


def xml_file(name: str) -> bytes:
    return shared_path("data", "real-api", "pubmed", name).read_bytes()


def efetch_one(name: str) -> Work:
    works = pubmed.parse_efetch(xml_file(name))
    assert len(works) == 1
    return works[0]


@pytest.fixture(scope="module")
def sample() -> dict[str, Work]:
    works = pubmed.parse_efetch(xml_file("pubmedsample_2019.xml"))
    return {w.pmid or "": w for w in works}


def test_rct_multicenter_from_the_efetch_cassette() -> None:
    # biocommons/eutils cassette: POST efetch for PMID 23121403, plain-text XML body.
    path = shared_path(
        "data", "real-api", "pubmed", "test_eutils_xmlfacades_pubmedarticle_23121403"
    )
    interaction = yaml.safe_load(path.read_bytes())["interactions"][0]
    assert interaction["request"]["method"] == "POST"
    [work] = pubmed.parse_efetch(interaction["response"]["body"]["string"])
    assert work.source == "pubmed"
    assert work.pmid == "23121403"
    assert work.title == "Low-dose aspirin for preventing recurrent venous thromboembolism"
    assert work.journal == "The New England journal of medicine"
    assert work.journal_abbrev == "N Engl J Med"
    assert work.issn == ["1533-4406", "0028-4793"]
    assert (work.year, work.date) == (2012, "2012-11-22")
    assert (work.volume, work.issue, work.pages) == ("367", "21", "1979-87")
    assert work.doi == "10.1056/nejmoa1210384"
    assert len(work.authors) == 13
    assert work.authors[0] == Author("Brighton", "Timothy A")
    assert work.authors[-1] == Author("ASPIRE Investigators")
    assert work.publication_types == [
        PublicationType("Journal Article", "D016428", "pubmed"),
        PublicationType("Multicenter Study", "D016448", "pubmed"),
        PublicationType("Randomized Controlled Trial", "D016449", "pubmed"),
        PublicationType("Research Support, Non-U.S. Gov't", "D013485", "pubmed"),
    ]
    assert work.abstract is not None
    sections = work.abstract.split("\n")
    assert [s.split(":", 1)[0] for s in sections] == [
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert sections[0] == (
        "BACKGROUND: Patients who have had a first episode of unprovoked venous "
        "thromboembolism have a high risk of recurrence after anticoagulants are "
        "discontinued. Aspirin may be effective in preventing a recurrence of venous "
        "thromboembolism."
    )
    assert work.retracted is False
    assert work.notices == []  # eight CommentIn links are not notices
    assert work.language == "eng"


def test_systematic_review_33856845() -> None:
    work = efetch_one("33856845.xml")
    assert work.pmid == "33856845"
    assert work.title == (
        "Impact of insight and metacognition on vocational rehabilitation of individuals "
        "with severe mental illness: A systematic review"
    )
    assert work.journal == "Psychiatric rehabilitation journal"
    assert work.journal_abbrev == "Psychiatr Rehabil J"
    assert work.issn[0] == "1559-3126"
    assert (work.year, work.date) == (2021, "2021-12")
    assert (work.volume, work.issue, work.pages) == ("44", "4", "337-353")
    assert work.doi == "10.1037/prj0000481"
    assert [(p.name, p.ui) for p in work.publication_types] == [
        ("Journal Article", "D016428"),
        ("Systematic Review", "D000078182"),
    ]


def test_meta_analysis_35830032_with_a_season_date() -> None:
    work = efetch_one("35830032.xml")
    assert work.title == "SAFETY OF LONG-TERM PROTON PUMP INHIBITORS: FACTS AND MYTHS"
    assert work.journal_abbrev == "Arq Gastroenterol"
    # <PubDate><Year>2022</Year><Season>Apr-Jun</Season></PubDate>
    assert (work.year, work.date) == (2022, "2022")
    assert work.doi == "10.1590/s0004-2803.202202000-40"
    assert [p.name for p in work.publication_types] == [
        "Journal Article",
        "Meta-Analysis",
        "Review",
    ]
    assert work.publication_types[1].ui == "D017418"


def test_published_erratum_38833988_points_at_the_corrected_article() -> None:
    work = efetch_one("38833988.xml")
    assert work.pmid == "38833988"
    assert work.publication_types == [PublicationType("Published Erratum", "D016425", "pubmed")]
    assert work.doi == "10.1016/j.bbamcr.2024.119767"
    assert work.pages == "119767"
    # ErratumFor: this record is the notice; the corrected article is PMID 33279609.
    assert work.extra["updates"] == [
        Notice(
            kind="correction", source="pubmed", doi="10.1016/j.bbamcr.2020.118918", pmid="33279609"
        ).to_dict()
    ]
    assert work.notices == []
    assert work.retracted is False


def test_erratum_in_35649368_becomes_a_notice() -> None:
    work = efetch_one("35649368.xml")
    assert work.pmid == "35649368"
    assert work.doi == "10.1016/j.celrep.2022.110870"
    assert work.notices == [
        Notice(
            kind="correction",
            source="pubmed",
            date="2022-06-28",
            doi="10.1016/j.celrep.2022.111044",
            pmid="35767954",
        )
    ]
    assert work.retracted is False


def test_sample_has_176_records(sample: dict[str, Work]) -> None:
    assert len(sample) == 176


@pytest.mark.parametrize(
    ("pmid", "notice_pmid", "notice_date"),
    [
        ("8655018", "9867474", "1998-07"),
        ("8863847", "9499167", "1998-02"),
        ("11543891", "11600210", "2001-10"),
    ],
)
def test_retracted_publications(
    sample: dict[str, Work], pmid: str, notice_pmid: str, notice_date: str
) -> None:
    work = sample[pmid]
    assert work.retracted is True
    assert PublicationType("Retracted Publication", "D016441", "pubmed") in work.publication_types
    retractions = [n for n in work.notices if n.kind == "retraction"]
    assert retractions == [
        Notice(kind="retraction", source="pubmed", date=notice_date, pmid=notice_pmid)
    ]


def test_only_the_three_are_retracted(sample: dict[str, Work]) -> None:
    assert sorted(p for p, w in sample.items() if w.retracted) == ["11543891", "8655018", "8863847"]


@pytest.mark.parametrize(("pmid", "retracts"), [("9634358", "8393056"), ("11600210", "11543891")])
def test_retraction_notices(sample: dict[str, Work], pmid: str, retracts: str) -> None:
    notice = sample[pmid]
    assert notice.publication_types == [
        PublicationType("Retraction of Publication", "D016440", "pubmed")
    ]
    assert notice.retracted is False
    assert notice.extra["updates"] == [
        {
            "kind": "retraction",
            "source": "pubmed",
            "date": None,
            "doi": None,
            "pmid": retracts,
            "reason": None,
        }
    ]


def test_erratum_without_pmid_and_medline_dates(sample: dict[str, Work]) -> None:
    # 8863847 also has ErratumIn "Mol Pharmacol 1997 Mar;51(3):533" with no PMID.
    assert Notice("correction", "pubmed", date="1997-03") in sample["8863847"].notices
    medline_dated = [w for w in sample.values() if w.date and len(w.date) == 4]
    assert medline_dated, "records with MedlineDate ('1998 Dec-1999 Jan') keep a year"
    assert all(w.year is not None for w in sample.values())


def test_article_ids_are_the_articles_own_not_its_references() -> None:
    # 37905428 has a ReferenceList whose references carry their own ArticleIdLists.
    work = efetch_one("37905428.xml")
    assert work.pmid == "37905428"
    assert work.doi == "10.1017/s0954422423000240"


def test_lone_pubmed_article_without_set() -> None:
    work = efetch_one("pubmed_19129924.xml")
    assert work.pmid == "19129924"


def test_esearch_ids() -> None:
    ids = pubmed.parse_esearch(xml_file("esearch1.xml"))
    assert len(ids) == 20
    assert ids[0] == "41282813"
    assert ids[-1] == "37810457"


def test_esearch_phrase_not_found_is_empty() -> None:
    body = xml_file("esearch8.xml")
    assert pubmed.parse_esearch(body) == []
    assert pubmed.esearch_not_found(body) == ["abcXYZ"]


def test_error_element_with_http_200_raises() -> None:
    with pytest.raises(ServiceError, match="Neither query_key nor id specified") as err:
        pubmed.parse_esearch(xml_file("esummary8.xml"))
    assert err.value.service == "pubmed"


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>
<Article><ArticleTitle>&d;</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>
<Article><ArticleTitle>&secret;</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>"""


@pytest.mark.parametrize("body", [ENTITY_BOMB, EXTERNAL_ENTITY], ids=["bomb", "external"])
def test_entity_tricks_are_refused_not_expanded(body: bytes) -> None:
    # Written for this test on the PubmedArticleSet shape of the real efetch replies.
    with pytest.raises(ServiceError) as err:
        pubmed.parse_efetch(body)
    assert err.value.service == "pubmed"
    assert "unsafe XML" in err.value.reason


def test_malformed_xml_is_a_service_error() -> None:
    with pytest.raises(ServiceError, match="does not parse"):
        pubmed.parse_efetch(b"<PubmedArticleSet><PubmedArticle>")


def test_doi_search_term() -> None:
    assert pubmed.doi_term(["10.1037/prj0000481", '10.1/"x"']) == (
        '"10.1037/prj0000481"[aid] OR "10.1/x"[aid]'
    )
