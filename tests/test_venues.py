"""Venue knowledge: names, abbreviations and DBLP keys of one venue agree; a workshop is
not its conference; fabricated venues stay unknown (checked on HALLMARK's pools)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bib.journals import journal_agrees, journal_similarity, same_journal
from bib.venue_table import venue_by_id
from bib.venues import (
    KINDS,
    all_venues,
    canonical_venue,
    is_known_venue,
    is_preprint_server,
    same_venue,
    venue_agrees,
    venue_sources,
    venues_for_key,
)
from bib.work import Work
from tests.conftest import shared_path

# (name, venue id): every spelling a bibliography or a service uses for the venue.
SPELLINGS = [
    ("ICML", "icml"),
    ("International Conference on Machine Learning", "icml"),
    ("Proceedings of the 38th International Conference on Machine Learning", "icml"),
    (
        "Proceedings of the 38th International Conference on Machine Learning, ICML 2021, "
        "18-24 July 2021, Virtual Event",
        "icml",
    ),
    ("In Proceedings of ICML", "icml"),
    ("Proc. Int. Conf. Mach. Learn.", "icml"),
    ("NeurIPS", "neurips"),
    ("NIPS", "neurips"),
    ("Proc. NeurIPS", "neurips"),
    ("NeurIPS'21", "neurips"),
    ("Advances in Neural Information Processing Systems", "neurips"),
    ("Adv. Neural Inf. Process. Syst.", "neurips"),
    ("Neural Information Processing Systems", "neurips"),
    (
        "Advances in Neural Information Processing Systems 36: Annual Conference on Neural "
        "Information Processing Systems 2023, NeurIPS 2023, New Orleans, LA, USA",
        "neurips",
    ),
    ("NeurIPS Datasets and Benchmarks", "neurips"),
    ("NeurIPS (Datasets and Benchmarks)", "neurips"),
    (
        "Proceedings of the Neural Information Processing Systems Track on Datasets and Benchmarks",
        "neurips",
    ),
    ("ICLR", "iclr"),
    ("ICLR (Poster)", "iclr"),
    ("International Conference on Learning Representations", "iclr"),
    ("The Eleventh International Conference on Learning Representations", "iclr"),
    ("CVPR", "cvpr"),
    ("IEEE/CVF Conference on Computer Vision and Pattern Recognition", "cvpr"),
    ("2023 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", "cvpr"),
    ("IEEE Conference on Computer Vision and Pattern Recognition", "cvpr"),
    ("Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition", "cvpr"),
    ("AAAI", "aaai"),
    ("AAAI-21", "aaai"),
    ("Proceedings of the AAAI Conference on Artificial Intelligence", "aaai"),
    ("Thirty-Fifth AAAI Conference on Artificial Intelligence", "aaai"),
    ("35th AAAI Conference on Artificial Intelligence", "aaai"),
    ("IJCAI", "ijcai"),
    (
        "Proceedings of the Thirtieth International Joint Conference on Artificial Intelligence",
        "ijcai",
    ),
    ("ICCV", "iccv"),
    ("IEEE/CVF International Conference on Computer Vision (ICCV)", "iccv"),
    ("ECCV (12)", "eccv"),
    ("WACV", "wacv"),
    ("IEEE Workshop on Applications of Computer Vision", "wacv"),
    ("ACL (1)", "acl"),
    (
        "Proceedings of the 60th Annual Meeting of the Association for Computational "
        "Linguistics (Volume 1: Long Papers)",
        "acl",
    ),
    ("EMNLP", "emnlp"),
    (
        "Proceedings of the 2019 Conference on Empirical Methods in Natural Language Processing "
        "and the 9th International Joint Conference on Natural Language Processing (EMNLP-IJCNLP)",
        "emnlp",
    ),
    ("NAACL-HLT", "naacl"),
    ("EACL", "eacl"),
    ("COLING", "coling"),
    ("TACL", "tacl"),
    ("Trans. Assoc. Comput. Linguistics", "tacl"),
    ("Transactions of the Association for Computational Linguistics", "tacl"),
    ("UAI", "uai"),
    ("AISTATS", "aistats"),
    ("COLT", "colt"),
    ("ALT", "alt"),
    ("KDD", "kdd"),
    ("KDD '20: The 26th ACM SIGKDD Conference on Knowledge Discovery and Data Mining", "kdd"),
    ("WWW", "www"),
    ("TheWebConf", "www"),
    ("Proceedings of the ACM Web Conference 2022", "www"),
    ("WSDM", "wsdm"),
    ("SIGIR", "sigir"),
    ("CIKM", "cikm"),
    ("ICDM", "icdm"),
    ("SDM", "sdm"),
    ("ICRA", "icra"),
    ("IROS", "iros"),
    ("IEEE/RSJ International Conference on Intelligent Robots and Systems", "iros"),
    ("CoRL", "corl"),
    ("Robotics: Science and Systems", "rss"),
    ("MICCAI (3)", "miccai"),
    ("ICASSP", "icassp"),
    ("IEEE International Conference on Acoustics, Speech and Signal Processing", "icassp"),
    ("Interspeech 2020", "interspeech"),
    ("ACM Multimedia", "mm"),
    ("ECAI", "ecai"),
    ("CHI", "chi"),
    ("JMLR", "jmlr"),
    ("J. Mach. Learn. Res.", "jmlr"),
    ("Journal of Machine Learning Research", "jmlr"),
    ("TMLR", "tmlr"),
    ("Trans. Mach. Learn. Res.", "tmlr"),
    ("IEEE Trans. Pattern Anal. Mach. Intell.", "tpami"),
    ("Int. J. Comput. Vis.", "ijcv"),
    ("IEEE Trans. Neural Networks Learn. Syst.", "tnnls"),
    ("Mach. Learn.", "machine-learning"),
    ("Machine Learning", "machine-learning"),
    ("Artif. Intell.", "artificial-intelligence"),
    ("J. Artif. Intell. Res.", "jair"),
    ("Nature", "nature"),
    ("Science", "science"),
    ("PNAS", "pnas"),
    ("Proc Natl Acad Sci U S A", "pnas"),
    ("Nat. Mach. Intell.", "nature-machine-intelligence"),
    ("Proc. ACM Manag. Data", "pacmmod"),
    ("Proc. VLDB Endow.", "pvldb"),
    ("ACM Trans. Graph.", "tog"),
    ("SOUPS @ USENIX Security Symposium", "soups"),
    ("arXiv", "arxiv"),
    ("arXiv preprint arXiv:1606.06565", "arxiv"),
    ("CoRR abs/1606.06565", "arxiv"),
    ("bioRxiv : the preprint server for biology", "biorxiv"),
    ("biorxiv", "biorxiv"),
    ("medRxiv : the preprint server for health sciences", "medrxiv"),
]

# Sub-venues: a workshop, Findings, a companion volume or extended abstracts is not the
# main conference.
SUB_VENUES = [
    ("CVPR Workshops", "cvpr-workshops", "cvpr"),
    (
        "2023 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)",
        "cvpr-workshops",
        "cvpr",
    ),
    ("ICCV Workshops", "iccv-workshops", "iccv"),
    ("ICLR (Workshop)", "iclr-workshop", "iclr"),
    (
        "Findings of the Association for Computational Linguistics: EMNLP 2020",
        "acl-findings",
        "emnlp",
    ),
    ("EMNLP (Findings)", "acl-findings", "emnlp"),
    ("Findings of ACL", "acl-findings", "acl"),
    ("CHI Extended Abstracts", "chi-ea", "chi"),
    ("WWW (Companion Volume)", "www-companion", "www"),
    ("ICSE Companion", "icse-companion", "icse"),
]

# Names of no venue (several made up for the test, in the manner of fabricated references).
UNKNOWN = [
    "International Conference on Quantum Learning Systems",
    "Journal of Neural Optimization Theory",
    "Conference on Artificial Intelligence",
    "Workshop on Domain Adaptation Methods",
    "Machine Learning: Science and Technology",
    "Cells",
    "ACM",
    "IEEE",
    "",
    "   ",
]


@pytest.mark.parametrize(("name", "venue_id"), SPELLINGS)
def test_every_spelling_denotes_its_venue(name: str, venue_id: str) -> None:
    venue = canonical_venue(name)
    assert venue is not None and venue.id == venue_id, (name, venue)
    assert is_known_venue(name)


@pytest.mark.parametrize(("name", "venue_id"), SPELLINGS)
def test_spellings_are_the_same_venue_as_the_canonical_name(name: str, venue_id: str) -> None:
    venue = venue_by_id(venue_id)
    assert venue is not None
    for other in (venue.name, *venue.abbreviations):
        assert same_venue(name, other) is True
        assert same_journal(other, name)
        assert journal_similarity(name, other) == 1.0


@pytest.mark.parametrize(("name", "venue_id", "parent"), SUB_VENUES)
def test_a_sub_venue_is_not_its_conference(name: str, venue_id: str, parent: str) -> None:
    venue = canonical_venue(name)
    assert venue is not None and venue.id == venue_id
    assert parent in venue.part_of
    main = venue_by_id(parent)
    assert main is not None
    assert same_venue(name, main.name) is False
    assert same_venue(name, main.short) is False


def test_a_workshop_the_table_does_not_list_is_apart_and_not_known() -> None:
    name = "ICML 2021 Workshop on Theory of Deep Learning"
    venue = canonical_venue(name)
    assert venue is not None and venue.kind == "workshop" and venue.part_of == ("icml",)
    assert not is_known_venue(name)
    assert same_venue(name, "ICML") is False
    assert same_venue(name, "ICML Workshop on Uncertainty and Robustness") is False
    assert same_venue(name, "ICML 2021 Workshop on Theory of Deep Learning") is True
    assert canonical_venue("Workshop on Domain Adaptation Methods") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ICML", "ICLR"),
        ("NeurIPS", "ICML"),
        ("CVPR", "ICCV"),
        ("ACL", "EMNLP"),
        ("JMLR", "TMLR"),
        ("Nature", "Nature Machine Intelligence"),
        ("arXiv", "NeurIPS"),
        ("bioRxiv", "medRxiv"),
        (
            "International Conference on Machine Learning",
            "International Conference on Learning Representations",
        ),
    ],
)
def test_different_known_venues_differ(a: str, b: str) -> None:
    assert same_venue(a, b) is False
    assert same_venue(b, a) is False
    assert not same_journal(a, b)


@pytest.mark.parametrize("name", UNKNOWN)
def test_unknown_names_are_unknown(name: str) -> None:
    assert canonical_venue(name) is None
    assert not is_known_venue(name)
    assert not is_preprint_server(name)


def test_cannot_tell_without_the_table_or_through_a_platform() -> None:
    # Neither is in the table, and the journal rule does not make them one.
    assert same_venue("Frontiers in medicine", "Frontiers in oncology") is None
    assert same_venue("ICML", "Journal of Neural Optimization Theory") is None
    # OpenReview hosts ICLR, TMLR and NeurIPS: it neither agrees nor disagrees.
    assert same_venue("ICLR", "OpenReview.net") is None
    assert same_venue(None, "ICLR") is None
    # Journals outside the table still go through the journal-name rule.
    assert same_venue("Front Med", "Frontiers in medicine") is True
    assert same_venue("Int J Neurosci", "International Journal of Neuroscience") is True


@pytest.mark.parametrize(
    "name",
    [
        "arXiv",
        "arXiv preprint arXiv:2101.00001",
        "arXiv:2101.00001",
        "ArXiv e-prints",
        "CoRR",
        "CoRR abs/2101.00001",
        "bioRxiv",
        "medRxiv : the preprint server for health sciences",
        "SSRN Electronic Journal",
        "Research Square",
        "OpenReview",
    ],
)
def test_preprint_servers(name: str) -> None:
    assert is_preprint_server(name)
    assert is_known_venue(name)


@pytest.mark.parametrize("name", ["NeurIPS", "Nature", "JMLR", "CVPR Workshops", "Journal of X"])
def test_venues_are_not_preprint_servers(name: str) -> None:
    assert not is_preprint_server(name)


def test_venue_agrees_with_every_name_a_service_gives() -> None:
    # Semantic Scholar: the venue and publicationVenue.alternate_names.
    s2 = Work(
        title="t",
        journal="Neural Information Processing Systems",
        extra={"venue_names": ["NeurIPS", "Neural Inf Process Syst"]},
    )
    assert venue_agrees("Proc. NeurIPS", s2)
    assert venue_agrees("Advances in Neural Information Processing Systems", s2)
    assert not venue_agrees("ICML", s2)
    # Crossref: the container title and its ISO 4 abbreviation.
    jmlr = Work(
        title="t",
        journal="Journal of Machine Learning Research",
        journal_abbrev="J. Mach. Learn. Res.",
    )
    assert venue_agrees("JMLR", jmlr)
    assert journal_agrees("JMLR", jmlr)
    assert not venue_agrees("TMLR", jmlr)


def test_a_dblp_key_speaks_only_when_no_name_is_known() -> None:
    keyed = Work(title="t", extra={"venue_key": "conf/nips/AbbasS21"})
    assert venue_agrees("NeurIPS", keyed)
    assert venue_agrees("Advances in Neural Information Processing Systems", keyed)
    assert not venue_agrees("ICML", keyed)
    # DBLP files CVPR's workshops under conf/cvpr: the named workshop decides.
    workshop = Work(title="t", journal="CVPR Workshops", extra={"venue_key": "conf/cvpr"})
    assert not venue_agrees("CVPR", workshop)
    assert venue_agrees("CVPRW", workshop)
    # The key stands for the main venue, not for its workshops.
    assert not venue_agrees("CVPR Workshops", Work(title="t", extra={"venue_key": "conf/cvpr"}))
    assert venue_agrees("CoRR", Work(title="t", extra={"venue_key": "journals/corr"}))


def test_dblp_keys() -> None:
    assert [v.id for v in venues_for_key("conf/nips")] == ["neurips"]
    assert venues_for_key("conf/cvpr")[0].id == "cvpr"
    assert venues_for_key("journals/tnn/ZhangXZLZLC25")[0].id == "tnnls"
    assert venues_for_key("nonsense") == []


def test_the_table_is_well_formed() -> None:
    venues = all_venues()
    assert len(venues) >= 100
    assert venue_sources()
    ids = [v.id for v in venues]
    assert len(ids) == len(set(ids))
    for venue in venues:
        assert venue.kind in KINDS
        # Every name of a venue leads back to it.
        for name in venue.all_names():
            found = canonical_venue(name)
            assert found is not None and found.id == venue.id, (name, found)
        for key in venue.dblp:
            assert key.split("/")[0] in {"conf", "journals"}
        for parent in venue.part_of:
            assert venue_by_id(parent) is not None


# --- HALLMARK's pools of real works (../shared/data/corpora/hallmark)

# Venues of the cross-domain pool that the table leaves out on purpose: biomedical journals
# as NLM prints them. Each of those works has a DOI or a PMID, so a service reports its journal and
# the journal-name rule compares it; the table holds computer-science venues, broad
# journals and preprint servers.
GAP_POOL = "raw_crossdomain_valid.jsonl"


def _read(name: str) -> list[dict[str, Any]]:
    path: Path = shared_path("data", "corpora", "hallmark", name)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _venue(entry: dict[str, Any]) -> str | None:
    fields = entry["fields"]
    venue = fields.get("booktitle") or fields.get("journal")
    return str(venue) if venue else None


def test_every_venue_of_the_real_works_is_known() -> None:
    unknown: set[str] = set()
    for pool in ("valid_entries.jsonl", GAP_POOL, "dev_public.jsonl"):
        for entry in _read(pool):
            if entry.get("label", "VALID") != "VALID":
                continue
            venue = _venue(entry)
            if venue is None or is_known_venue(venue):
                continue
            if pool == GAP_POOL and (entry["fields"].get("doi") or entry["fields"].get("pmid")):
                continue
            unknown.add(f"{pool}: {venue}")
    assert not unknown, sorted(unknown)


def test_the_preprint_servers_of_the_cross_domain_pool_are_known() -> None:
    servers = {v for e in _read(GAP_POOL) if (v := _venue(e)) and "rxiv" in v.lower()}
    assert servers
    assert all(is_preprint_server(v) for v in servers), servers


def test_no_fabricated_venue_is_known() -> None:
    fabricated = {
        v
        for e in _read("dev_public.jsonl")
        if e.get("hallucination_type") == "nonexistent_venue" and (v := _venue(e))
    }
    assert fabricated
    known = {v: canonical_venue(v) for v in fabricated if is_known_venue(v)}
    assert not known, known
    # Not even a workshop of a known conference: none of them names one.
    assert not {v for v in fabricated if canonical_venue(v) is not None}
