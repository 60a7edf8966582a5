"""bib.checking: field comparison with severities, and verdicts from lookups and searches.

The works here are written by hand in the shape bib's parsers produce (bib.work.Work);
the services themselves are exercised in test_verify_references.py against the fake.
"""

from __future__ import annotations

from bib.checking.compare import compare_citation, future_year
from bib.checking.search import Searched, SearchOutcome, accept
from bib.checking.verdict import judge, same_work
from bib.errors import ServiceError
from bib.identifiers import Identifier
from bib.lookup import LookupResult
from bib.work import Author, Work

TITLE = "Combinatorial Optimization for Panoptic Segmentation: A Fully Differentiable Approach"


def people(*names: str) -> list[Author]:
    out = []
    for name in names:
        given, _, family = name.rpartition(" ")
        out.append(Author(family, given))
    return out


def paper(**fields: object) -> Work:
    base: dict[str, object] = {
        "title": TITLE,
        "authors": people("Ahmed Abbas", "Paul Swoboda"),
        "journal": "Advances in Neural Information Processing Systems",
        "year": 2021,
        "source": "dblp",
        "type": "paper-conference",
    }
    base.update(fields)
    return Work(**base)  # type: ignore[arg-type]


def kinds(cited: Work, *versions: Work) -> dict[str, str]:
    return {d.kind: d.severity for d in compare_citation(cited, list(versions), this_year=2026)}


def test_a_faithful_citation_agrees_despite_case_initials_and_abbreviated_venue() -> None:
    cited = paper(
        title=TITLE.lower(),
        authors=[Author("Abbas", "A."), Author("Swoboda", "P.")],
        journal="NeurIPS",
        source="bibtex",
    )
    assert kinds(cited, paper()) == {}


def test_a_word_changed_in_the_title_is_minor_another_title_major() -> None:
    near = paper(title=TITLE.replace("for Panoptic", "towards Panoptic"), source="bibtex")
    assert kinds(near, paper()) == {"title-words": "minor"}
    other = paper(
        title="Federated learning for privacy preserving medical imaging", source="bibtex"
    )
    assert kinds(other, paper())["other-title"] == "major"


def test_authors_swapped_cut_reordered_or_particles() -> None:
    swapped = paper(authors=people("Zhao Yang", "Jiaqi Wang"), source="bibtex")
    assert kinds(swapped, paper()) == {"other-authors": "major"}
    four = paper(authors=people("Yining Wang", "Ruosong Wang", "Simon Du", "Akshay Krishnamurthy"))
    cut = paper(authors=people("Yining Wang", "Akshay Krishnamurthy"), source="bibtex")
    assert kinds(cut, four)["cut-authors"] == "major"
    marked = paper(authors=people("Yining Wang", "Ruosong Wang"), source="bibtex")
    marked.extra["authors_incomplete"] = True
    assert kinds(marked, four) == {}
    reordered = paper(authors=people("Paul Swoboda", "Ahmed Abbas"), source="bibtex")
    assert kinds(reordered, paper()) == {"author-order": "major"}
    dutch = paper(authors=[Author("de Vries", "Harm"), Author("Swoboda", "Paul")])
    split_at_last_space = paper(authors=[Author("Vries", "Harm de"), Author("Swoboda", "Paul")])
    assert kinds(dutch, split_at_last_space) == {}


def test_years_future_off_by_one_and_far() -> None:
    assert kinds(paper(year=2033), paper())["future-year"] == "major"
    assert future_year(paper(year=2033), 2026) is not None
    preprint = paper(year=2020, journal="CoRR", type="posted-content", arxiv="2011.00001")
    assert kinds(paper(year=2020), paper(year=2022), preprint) == {}
    assert kinds(paper(year=2022), paper(year=2021)) == {"year-off-by-one": "minor"}
    assert kinds(paper(year=2017), paper(year=2021)) == {"other-year": "major"}


def test_venues_wrong_unknown_and_preprint_cited_as_published() -> None:
    assert kinds(paper(journal="ICML"), paper())["other-venue"] == "major"
    unknown = paper(journal="Symposium on Neural Scaling Laws")
    assert kinds(unknown, paper())["unknown-venue"] == "major"
    preprint = paper(journal="CoRR", type="posted-content", arxiv="2310.01362")
    assert kinds(paper(journal="CVPR"), preprint)["preprint-as-published"] == "major"
    # Citing the arXiv version of a published paper is citing the paper.
    assert kinds(paper(journal="arXiv"), paper()) == {}


def test_acceptance_needs_the_title_or_a_near_title_with_the_authors() -> None:
    cited = paper(source="bibtex")
    assert accept(cited, paper()) is not None
    near = paper(title=TITLE.replace("Fully", "Completely"))
    assert accept(cited, near) is not None
    same_authors_other_title = paper(title="Fast and accurate graph matching with deep learning")
    assert accept(cited, same_authors_other_title) is None


def doi_result(doi: str, *, found: Work | None = None, missing: bool = False) -> LookupResult:
    result = LookupResult(Identifier("doi", doi))
    if found is not None:
        result.works["crossref"] = found
    if missing:
        result.not_found["crossref"] = f"GET /works/{doi}"
    return result


def outcome(found: Work | None = None, error: bool = False) -> SearchOutcome:
    result = SearchOutcome()
    result.searched.append(Searched("dblp", TITLE, hits=1 if found else 0))
    if found is not None:
        result.found["dblp"] = found
    if error:
        result.errors["s2"] = ServiceError("s2", "HTTP 503")
    return result


def test_verdicts_from_search_alone() -> None:
    cited = paper(journal="NeurIPS", source="bibtex")
    check = judge(cited, None, outcome(paper()), this_year=2026)
    assert check.verdict == "verified" and check.likely is None
    assert check.matched is not None and check.matched.title == TITLE
    assert judge(cited, None, outcome(), this_year=2026).verdict == "not_found"
    # A failed search is doubt, never a fabrication.
    assert judge(cited, None, outcome(error=True), this_year=2026).verdict == "unverified"
    book = paper(type="book", source="bibtex")
    assert judge(book, None, outcome(), this_year=2026).verdict == "unverified"


def test_a_doi_that_does_not_exist_or_names_another_work() -> None:
    cited = paper(doi="10.47281/bed.57189", journal="NeurIPS", source="bibtex")
    missing = doi_result("10.47281/bed.57189", missing=True)
    found_elsewhere = judge(cited, missing, outcome(paper()), this_year=2026)
    assert found_elsewhere.verdict == "mismatch"
    assert found_elsewhere.likely == "fabricated"
    assert [f.kind for f in found_elsewhere.fields] == ["unknown-id"]
    other = paper(
        title="Single-cell lineage tracing of hemogenic endothelium", authors=people("J Feng")
    )
    assert not same_work(cited, [other])
    nowhere = judge(cited, doi_result(cited.doi or "", found=other), outcome(), this_year=2026)
    assert nowhere.verdict == "not_found"
    assert "belongs to another work" in nowhere.reason


def test_a_real_doi_under_other_authors_and_a_changed_title_looks_fabricated() -> None:
    cited = paper(
        doi="10.48550/arxiv.2602.12196",
        title=TITLE.replace("Fully Differentiable", "Differentiable End-to-End"),
        authors=people("Nadia Kowalczyk", "Samuel Adjei"),
        journal=None,
        source="bibtex",
    )
    check = judge(cited, doi_result(cited.doi or "", found=paper()), None, this_year=2026)
    assert check.verdict == "mismatch"
    assert check.likely == "fabricated"
    swapped = paper(authors=people("Zhao Yang", "Jiaqi Wang"), source="bibtex", doi="10.1/x")
    miscited = judge(swapped, doi_result("10.1/x", found=paper()), None, this_year=2026)
    assert miscited.verdict == "mismatch" and miscited.likely == "miscited"
