"""One rule in one place for the bibliographic comparisons: journal names, text folding
and "the same work".

``evidence verify`` (bib.checking.compare), ``evidence resolve`` (narrative
attributions, bib.matching.attribution) and reference matching (bib.matching.references)
must give the same answer on the same pair of journal names.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

import bib.citekeys
from bib import text
from bib.checking.compare import compare_citation
from bib.journals import journal_similarity, same_journal
from bib.matching.attribution import choose_attribution, score_attribution
from bib.matching.references import choose
from bib.work import Author, Work

ROOT = Path(__file__).resolve().parent.parent

FINDING = "chair massage reduced anxiety and improved math computations in office workers"

SAME = [
    ("Int J Neurosci", "International Journal of Neuroscience"),
    ("Int. J. Neurosci.", "International Journal of Neuroscience"),
    ("J Clin Nurs", "Journal of Clinical Nursing"),
    ("INTERNATIONAL JOURNAL OF NEUROSCIENCE", "international journal of neuroscience"),
    ("Revista Española de Cardiología", "Revista Espanola de Cardiologia"),
    ("Rev Esp Cardiol", "Revista Española de Cardiología"),
    (
        "International Journal of Therapeutic Massage & Bodywork",
        "International Journal of Therapeutic Massage and Bodywork",
    ),
    ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences"),
    ("Toxicon", "Toxicon : official journal of the International Society on Toxinology"),
    ("Journal of Immunology", "Journal of immunology (Baltimore, Md. : 1950)"),
    ("Langenbecks Arch Surg", "Langenbeck's archives of surgery"),
]
DIFFERENT = [
    ("Journal of Clinical Nursing", "Journal of Clinical Neuroscience"),
    ("J Clin Nurs", "J Clin Neurosci"),
    ("International Journal of Neuroscience", "Journal of Neuroscience"),
    ("The Lancet", "The Lancet Psychiatry"),
    ("Science", "ACS Central Science"),
]


def verify_agrees(ours: str, theirs: str) -> bool:
    """evidence verify's answer: no journal mismatch reported."""
    found = compare_citation(Work(journal=ours), [Work(journal=theirs)])
    return not any(f.field == "venue" for f in found)


def attribution_agrees(named: str, journal: str) -> bool:
    """evidence resolve's answer: the candidate is not dismissed as another journal."""
    score = score_attribution(named, FINDING, None, None, Work(title="x", journal=journal))
    return not score.reasons[0].startswith("different journal")


def references_agree(parsed: str, journal: str) -> bool:
    """Reference matching's answer: full journal evidence."""
    return journal_similarity(parsed, journal) == 1.0


@pytest.mark.parametrize(("a", "b"), SAME + DIFFERENT)
def test_every_path_gives_the_same_answer_on_journal_names(a: str, b: str) -> None:
    expected = (a, b) in SAME
    for x, y in ((a, b), (b, a)):
        assert same_journal(x, y) is expected
        assert verify_agrees(x, y) is expected
        assert attribution_agrees(x, y) is expected
        assert references_agree(x, y) is expected


def test_one_ascii_fold() -> None:
    assert bib.citekeys.ascii_fold is text.ascii_fold
    assert text.ascii_fold("Müller-Łukasz Øster") == "Muller-Lukasz Oster"
    assert text.family_key("O'Brien-Smith") == "obriensmith"
    assert text.normalize_title("Étude <i>des</i> élèves") == "etude des eleves"
    # Names with no ASCII form are still comparable.
    assert text.caseless("Zhāng 张") == "zhang 张"


def test_one_record_twice_is_no_rival_for_references_or_attributions() -> None:
    """same_candidate: a record returned twice (same DOI, or same PMID) is one candidate
    in reference matching and in attribution alike."""
    work = Work(
        doi="10.3109/00207459608986710",
        pmid="8870945",
        title=(
            "Massage therapy reduces anxiety and enhances EEG pattern of alertness and math "
            "computations"
        ),
        authors=[Author("Field", "T")],
        year=1996,
        volume="86",
        pages="197-205",
        journal="International Journal of Neuroscience",
        journal_abbrev="Int J Neurosci",
        abstract="Chair massage in office workers reduced anxiety; math computations improved.",
    )
    reference = "Field T et al. Massage therapy reduces anxiety. Int J Neurosci 1996;86:197-205"
    for twin in (replace(work, pmid=None), replace(work, doi=None)):
        assert choose(reference, [work, twin]).best is work
        named = "International Journal of Neuroscience"
        result = choose_attribution(named, FINDING, 1996, None, [work, twin])
        assert result.accepted, result.reason


def test_no_module_of_bib_matching_imports_the_package_back() -> None:
    for path in (ROOT / "bib" / "matching").glob("*.py"):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "bib.matching", path.name
                if node.module == "bib":
                    assert all(a.name != "matching" for a in node.names), path.name
            elif isinstance(node, ast.Import):
                assert all(a.name != "bib.matching" for a in node.names), path.name
