"""The HALLMARK measurement's parts: the corpus of real works, their placement, the score."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from bib.formats import read_bibliography
from tests.conftest import ROOT, SHARED, shared_path
from tests.hallmark import (
    corpus_records,
    fold_title,
    load_dev,
    load_pools,
    score,
    split_name,
    truth_of,
    write_bib,
)


@pytest.fixture(scope="module")
def data() -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    dev, pools = load_dev(SHARED), load_pools(SHARED)
    if dev is None or pools is None:
        pytest.skip("HALLMARK data not available")
    return dev, pools


@pytest.fixture(scope="module")
def corpus(data: tuple[list[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    return corpus_records(*data)


def _families(pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(fold_title(family) for family, _ in pairs)


def by_title(corpus: list[dict[str, Any]], title: str) -> dict[str, Any]:
    (found,) = [r for r in corpus if fold_title(r["title"]) == fold_title(title)]
    return found


# ----------------------------------------------------------------------------- the corpus


def test_corpus_never_holds_a_fabricated_title(
    data: tuple[list[dict[str, Any]], dict[str, Any]], corpus: list[dict[str, Any]]
) -> None:
    """No plausible_fabrication or chimeric_title is a corpus title; a hybrid_fabrication
    title is one only when the benchmark kept a real work's title and DOI, and then the
    corpus holds it with the real authors, never the cited ones."""
    dev, _ = data
    titles: dict[str, list[dict[str, Any]]] = {}
    for rec in corpus:
        titles.setdefault(fold_title(rec["title"]), []).append(rec)
    from tests.hallmark import split_authors

    kept_real_title = []
    for entry in dev:
        kind = entry.get("hallucination_type")
        if kind not in {"plausible_fabrication", "chimeric_title", "hybrid_fabrication"}:
            continue
        same = titles.get(fold_title(entry["fields"]["title"]), [])
        if kind != "hybrid_fabrication":
            assert not same, entry["bibtex_key"]
            continue
        cited = _families(split_authors(entry["fields"].get("author", "")))
        for rec in same:
            assert not set(cited) & set(_families(rec["authors"])), entry["bibtex_key"]
            kept_real_title.append(entry["bibtex_key"])
    assert len(kept_real_title) == 5


def test_corpus_holds_no_hallucinated_entry_as_cited(
    data: tuple[list[dict[str, Any]], dict[str, Any]], corpus: list[dict[str, Any]]
) -> None:
    """Every HALLUCINATED entry differs from every corpus record with its title in its
    authors, year, venue or DOI: the fake never confirms a perturbed citation as given."""
    from tests.hallmark import split_authors

    dev, _ = data
    index: dict[str, list[dict[str, Any]]] = {}
    for rec in corpus:
        index.setdefault(fold_title(rec["title"]), []).append(rec)
    for entry in dev:
        if entry["label"] != "HALLUCINATED":
            continue
        f = entry["fields"]
        for rec in index.get(fold_title(f["title"]), []):
            cited = (
                _families(split_authors(f.get("author", ""))),
                str(f.get("year")),
                f.get("booktitle") or f.get("journal"),
                (f.get("doi") or "").lower() or None,
            )
            found = (
                _families(rec["authors"]),
                str(rec.get("year")),
                rec.get("venue"),
                (rec.get("doi") or "").lower() or None,
            )
            assert cited != found, entry["bibtex_key"]


def test_corpus_is_the_real_works_once(
    data: tuple[list[dict[str, Any]], dict[str, Any]], corpus: list[dict[str, Any]]
) -> None:
    dev, pools = data
    titles = [fold_title(r["title"]) for r in corpus]
    assert len(titles) == len(set(titles))
    dois = [r["doi"].lower() for r in corpus if r.get("doi")]
    assert len(dois) == len(set(dois))
    assert {r["origin"] for r in corpus} == {"valid_entries", "crossdomain", "dev"}
    # Every VALID dev entry is in it (but the one whose title was cut off in TeX math).
    missing = [
        e["bibtex_key"]
        for e in dev
        if e["label"] == "VALID" and fold_title(e["fields"]["title"]) not in set(titles)
    ]
    assert len(missing) == 1
    assert len(corpus) >= len(pools["valid"]) + len(pools["crossdomain"]) - 10


# ----------------------------------------------------------------------------- placement


def test_aaai_paper_with_doi_and_dblp_record(corpus: list[dict[str, Any]]) -> None:
    rec = by_title(
        corpus, "FedNP: Towards Non-IID Federated Learning via Federated Neural Propagation"
    )
    assert rec["services"] == ["crossref", "dblp", "openalex", "s2"]
    assert rec["doi"] == "10.1609/AAAI.V37I9.26237"
    assert rec["type"] == "journal-article"
    assert rec["journal"] == "Proceedings of the AAAI Conference on Artificial Intelligence"
    assert rec["venue"] == "AAAI"
    assert rec["dblp_key"].startswith("conf/aaai/")
    assert rec["authors"][0] == ("Wu", "Xueyang")  # DBLP's "Xueyang Wu 0001"


def test_conference_paper_without_doi_is_in_dblp_s2_openalex(corpus: list[dict[str, Any]]) -> None:
    rec = by_title(corpus, "Conjugate Energy-Based Models")
    assert rec["services"] == ["dblp", "openalex", "s2"]
    assert "doi" not in rec
    assert rec["dblp_key"] == "conf/icml/0020EWTM21"
    assert rec["venue"] == "ICML"
    assert "International Conference on Machine Learning" in rec["venue_alternates"]
    assert rec["authors"][0] == ("Wu", "Hao")
    assert rec["authors"][-1] == ("van de Meent", "Jan-Willem")


def test_arxiv_preprint_is_in_arxiv_and_corr_never_crossref(corpus: list[dict[str, Any]]) -> None:
    rec = by_title(corpus, "UniT: Unified Multimodal Chain-of-Thought Test-time Scaling")
    assert rec["services"] == ["arxiv", "dblp", "openalex", "s2"]
    assert (rec["arxiv"], rec["arxiv_version"]) == ("2602.12279", 1)
    assert rec["doi"] == "10.48550/arXiv.2602.12279"
    assert rec["dblp_key"] == "journals/corr/abs-2602-12279"
    assert rec["venue"] == "CoRR"


def test_preprint_cited_at_its_conference_is_in_dblp_as_that_paper(
    corpus: list[dict[str, Any]],
) -> None:
    rec = by_title(corpus, "Classifier-Free Diffusion Guidance")
    assert "crossref" not in rec["services"]
    assert {"arxiv", "dblp", "s2"} <= set(rec["services"])
    assert rec["dblp_key"].startswith("conf/nips/")
    assert rec["venue"] == "NeurIPS"


def test_biorxiv_preprint_is_posted_content_in_crossref(corpus: list[dict[str, Any]]) -> None:
    rec = by_title(
        corpus,
        "In silico analysis of the invasion mechanics and invasiveness of the plasmodium "
        "falciparum merozoite",
    )
    assert rec["services"] == ["crossref", "openalex", "s2"]
    assert rec["type"] == "posted-content"
    assert rec["journal"] == "bioRxiv"
    assert rec["authors"][0] == ("Msosa", "C.")


def test_pmid_puts_a_work_in_pubmed(corpus: list[dict[str, Any]]) -> None:
    with_pmid = [r for r in corpus if r.get("pmid")]
    assert len(with_pmid) == 150
    assert all("pubmed" in r["services"] for r in with_pmid)
    assert not any("pubmed" in r["services"] for r in corpus if not r.get("pmid"))


def test_no_arxiv_doi_in_crossref(corpus: list[dict[str, Any]]) -> None:
    for rec in corpus:
        if (rec.get("doi") or "").lower().startswith("10.48550/"):
            assert "crossref" not in rec["services"], rec["title"]


@pytest.mark.parametrize(
    ("name", "pair"),
    [
        ("Laurens van der Maaten", ("van der Maaten", "Laurens")),
        ("Harm de Vries", ("de Vries", "Harm")),
        ("de Vries, Harm", ("de Vries", "Harm")),
        ("Martin Luther King Jr.", ("King", "Martin Luther")),
        ("King, Jr., Martin Luther", ("King", "Martin Luther")),
        ("Yiqing Shen 0003", ("Shen", "Yiqing")),
        ("St{\\'e}phane Deny", ("Deny", "Stéphane")),
        ("Jos\u00e9 Miguel Hern\u00e1ndez-Lobato", ("Hernández-Lobato", "José Miguel")),
        ("Plato", ("Plato", "")),
    ],
)
def test_split_name(name: str, pair: tuple[str, str]) -> None:
    assert split_name(name) == pair


def test_split_name_others() -> None:
    assert split_name("others") is None


# ----------------------------------------------------------------------------- BibTeX


def test_write_bib_keeps_keys_and_reads_back(tmp_path: Path) -> None:
    shared_path("data", "corpora", "hallmark")
    dev = load_dev(SHARED)
    assert dev is not None
    # The cut-off entries (unbalanced braces) among them must not swallow the others.
    broken = {"dae1eb71d49a", "a687f76f3a21", "aaefe29933ae"}
    entries = [e for e in dev if e["bibtex_key"] in broken] + dev[:30]
    result = read_bibliography(write_bib(entries, tmp_path / "dev.bib"))
    keys = [w.citekey for w in result.works]
    assert keys == [e["bibtex_key"] for e in entries]
    first = next(w for w in result.works if w.citekey == dev[0]["bibtex_key"])
    assert first.title == dev[0]["fields"]["title"]


# ----------------------------------------------------------------------------- score

TRUTH = {
    "a": ("VALID", None),
    "b": ("VALID", None),
    "c": ("VALID", None),
    "d": ("VALID", None),
    "e": ("HALLUCINATED", "plausible_fabrication"),
    "f": ("HALLUCINATED", "fabricated_doi"),
    "g": ("HALLUCINATED", "chimeric_title"),
    "h": ("HALLUCINATED", "wrong_venue"),
    "i": ("HALLUCINATED", "swapped_authors"),
    "j": ("HALLUCINATED", "future_date"),
    "k": ("HALLUCINATED", "near_miss_title"),
}
VERDICTS: dict[str, Any] = {
    "a": "verified",
    "b": {"verdict": "mismatch", "likely": "miscited"},
    "c": "unverified",
    "d": {"verdict": "verified", "likely": None},
    "e": {"verdict": "not_found", "likely": "fabricated"},
    "f": {"verdict": "mismatch", "likely": "fabricated"},
    "g": {"verdict": "unverified", "likely": None},
    "h": {"verdict": "mismatch", "likely": "miscited"},
    "i": {"verdict": "not_found", "likely": "fabricated"},
    "j": {"verdict": "retracted", "likely": None},
    # "k" has no verdict at all: counted as missing, not flagged.
}


def test_score_on_a_table_worked_out_by_hand() -> None:
    s = score(TRUTH, VERDICTS)
    # Flagged: b (VALID), e f h i j (HALLUCINATED). TP 5, FP 1, FN 2 (g, k), TN 3.
    assert (s["tp"], s["fp"], s["fn"], s["tn"]) == (5, 1, 2, 3)
    assert s["precision"] == pytest.approx(5 / 6)
    assert s["recall"] == pytest.approx(5 / 7)
    assert s["f1"] == pytest.approx(10 / 13)  # 2PR/(P+R) = (50/42)/(65/42)
    assert s["fpr"] == pytest.approx(1 / 4)
    # Detected fabrications e, f: e is not_found. Detected miscitations h, i, j: h is
    # mismatch. Right: e, h of 5.
    assert s["fabricated_as_not_found"] == pytest.approx(1 / 2)
    assert s["miscited_as_mismatch"] == pytest.approx(1 / 3)
    assert s["split_right"] == pytest.approx(2 / 5)
    # With `likely`: e, f say fabricated (2/2); h says miscited, i and j do not (1/3).
    assert s["fabricated_likely"] == pytest.approx(1.0)
    assert s["miscited_likely"] == pytest.approx(1 / 3)
    assert s["split_likely_right"] == pytest.approx(3 / 5)
    assert s["unverified"] == 2
    assert s["unverified_by_label"] == {"VALID": 1, "HALLUCINATED": 1}
    assert s["per_type"]["near_miss_title"]["verdicts"] == {"missing": 1}
    assert s["per_type"]["chimeric_title"]["recall"] == 0.0
    assert s["per_type"]["plausible_fabrication"] == {
        "group": "fabricated",
        "n": 1,
        "flagged": 1,
        "recall": 1.0,
        "verdicts": {"not_found": 1},
    }


def test_score_without_likely_or_flags() -> None:
    s = score({"a": ("VALID", None), "b": ("HALLUCINATED", "future_date")}, {"a": "verified"})
    assert s["precision"] is None and s["f1"] is None
    assert s["recall"] == 0.0 and s["fpr"] == 0.0
    assert s["fabricated_likely"] is None and s["split_right"] is None


def test_truth_of_reads_the_labels() -> None:
    entries: list[dict[str, Any]] = [
        {"bibtex_key": "x", "label": "VALID", "hallucination_type": None},
        {"bibtex_key": "y", "label": "HALLUCINATED", "hallucination_type": "future_date"},
    ]
    assert truth_of(entries) == {"x": ("VALID", None), "y": ("HALLUCINATED", "future_date")}


# ----------------------------------------------------------------------------- end to end


def test_twenty_entries_end_to_end() -> None:
    """bench/refcheck.py on 20 entries: the CLI runs against the fake and every
    reference gets a verdict."""
    shared_path("data", "corpora", "hallmark")
    sys.path.insert(0, str(ROOT))
    from bench.refcheck import measure

    result = measure(limit=20)
    assert result["exit_code"] in (0, 1)
    assert result["score"]["n"] == 20
    verdicts = {v["verdict"] for v in result["verdicts"].values()}
    assert verdicts <= {"verified", "mismatch", "not_found", "retracted", "unverified"}
    assert len(result["verdicts"]) >= 19
