"""Study design levels from publication types, checked on real PubMed records
(../shared/data/real-api/pubmed) and on the coarser S2/OpenAlex types."""

from __future__ import annotations

import pytest
import yaml

from bib import design
from bib.design import RANK, StudyDesign, evidence_level, study_design
from bib.services import pubmed
from bib.work import PublicationType, Work
from tests.conftest import shared_path


def pubmed_work(name: str) -> Work:
    return pubmed.parse_efetch(shared_path("data", "real-api", "pubmed", name).read_bytes())[0]


@pytest.fixture(scope="module")
def sample() -> dict[str, Work]:
    path = shared_path("data", "real-api", "pubmed", "pubmedsample_2019.xml")
    return {w.pmid or "": w for w in pubmed.parse_efetch(path.read_bytes())}


def test_levels_rank_from_strongest_to_weakest() -> None:
    ranked = sorted(design.LEVELS, key=lambda level: RANK[level], reverse=True)
    assert ranked == [
        "systematic-review",
        "rct",
        "trial",
        "observational",
        "case-report",
        "review",
        "other",
    ]


def test_rct_multicenter_23121403() -> None:
    path = shared_path(
        "data", "real-api", "pubmed", "test_eutils_xmlfacades_pubmedarticle_23121403"
    )
    body = yaml.safe_load(path.read_bytes())["interactions"][0]["response"]["body"]["string"]
    work = pubmed.parse_efetch(body)[0]
    assert study_design(work) == StudyDesign(
        "rct", RANK["rct"], "pubmed", ("Randomized Controlled Trial",)
    )


@pytest.mark.parametrize(
    ("name", "level", "basis"),
    [
        ("33856845.xml", "systematic-review", ("Systematic Review",)),
        ("36318760.xml", "systematic-review", ("Systematic Review",)),
        # Meta-Analysis and Review: the meta-analysis decides.
        ("35830032.xml", "systematic-review", ("Meta-Analysis",)),
        ("37729413.xml", "systematic-review", ("Meta-Analysis",)),
        ("38833988.xml", "other", ()),
        ("35649368.xml", "other", ()),
    ],
)
def test_real_records(name: str, level: str, basis: tuple[str, ...]) -> None:
    got = study_design(pubmed_work(name))
    assert got.level == level
    assert got.basis == basis


@pytest.mark.parametrize(
    ("pmid", "level"),
    [
        ("9110943", "systematic-review"),  # Meta-Analysis
        ("9505772", "rct"),  # Clinical Trial + Randomized Controlled Trial
        ("9861576", "rct"),  # … + Comparative Study
        ("11543891", "observational"),  # Comparative Study (and Retracted Publication)
        ("9482442", "case-report"),
        ("15228064", "case-report"),  # Case Reports + Review: the case report ranks higher
        ("8655018", "review"),  # Review, retracted
        ("9634358", "other"),  # Retraction of Publication
    ],
)
def test_sample_records(sample: dict[str, Work], pmid: str, level: str) -> None:
    assert study_design(sample[pmid]).level == level


def test_trial_phases_and_guidelines() -> None:
    assert design.classify_type("Clinical Trial, Phase III") == "trial"
    assert design.classify_type("Pragmatic Clinical Trial") == "trial"
    assert design.classify_type("Controlled Clinical Trial") == "trial"
    assert design.classify_type("Observational Study") == "observational"
    assert design.classify_type("Practice Guideline") == "review"
    assert design.classify_type("Letter") == "review"
    assert design.classify_type("Journal Article") == "other"


def test_mesh_cohort_heading_makes_an_article_observational() -> None:
    work = Work(
        publication_types=[PublicationType("Journal Article", "D016428")],
        extra={"mesh": ["Humans", "Cohort Studies"]},
    )
    assert study_design(work) == StudyDesign(
        "observational", RANK["observational"], "pubmed", ("Cohort Studies",)
    )
    # A stronger publication type is not lowered by the heading.
    work.publication_types.append(PublicationType("Randomized Controlled Trial", "D016449"))
    assert study_design(work).level == "rct"


def test_s2_and_openalex_types_are_a_fallback_only() -> None:
    s2_meta = PublicationType("MetaAnalysis", None, "s2")
    assert study_design(Work(publication_types=[s2_meta])) == StudyDesign(
        "systematic-review", RANK["systematic-review"], "s2", ("MetaAnalysis",)
    )
    # PubMed naming a design wins over S2's guess.
    both = Work(publication_types=[PublicationType("Case Reports", "D002363"), s2_meta])
    assert study_design(both).level == "case-report"
    assert study_design(both).source == "pubmed"
    # PubMed silent on design: the S2 label is used.
    silent = Work(publication_types=[PublicationType("Journal Article", "D016428"), s2_meta])
    assert study_design(silent).source == "s2"
    oa_review = Work(publication_types=[PublicationType("review", None, "openalex")])
    assert study_design(oa_review).level == "review"
    # Crossref types name documents, not designs.
    assert study_design(Work(type="journal-article")).level == "other"


def test_evidence_level_for_the_store() -> None:
    types = [PublicationType("Journal Article", "D016428"), PublicationType("Meta-Analysis")]
    assert evidence_level(types, "journal-article") == "systematic-review"
    assert evidence_level([], None) == "other"
    assert study_design(Work()).to_dict() == {
        "level": "other",
        "rank": 0,
        "source": None,
        "basis": [],
    }
