"""Reference matching: parsing, scoring, choosing and abstaining.

The real-data test formats the resolved CSL-JSON items of the deep-review manuscript as
reference strings in four styles and checks that :func:`choose` finds each among hard
candidates (the closest titles of the same corpus plus a decoy with the same title and
authors but another year, volume and pages), and abstains when the right record is
missing. Run ``.venv/bin/python tests/test_matching.py`` to print the measured precision
and recall.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz import fuzz, process

from bib.journals import journal_similarity
from bib.matching.duplicates import probable_duplicate, same_candidate, unique_candidates
from bib.matching.parsing import parse_reference
from bib.matching.references import THRESHOLD, choose, score_candidate
from bib.text import normalize_title, title_similarity
from bib.work import Author, Work

FIELD_REF = "Field T et al. Massage therapy reduces anxiety. Int J Neurosci 1996;86:197-205"
FIELD = Work(
    doi="10.3109/00207459608986710",
    title=(
        "Massage therapy reduces anxiety and enhances EEG pattern of alertness and math "
        "computations"
    ),
    authors=[Author("Field", "T"), Author("Ironson", "G"), Author("Scafidi", "F")],
    year=1996,
    volume="86",
    issue="3-4",
    pages="197-205",
    journal="International Journal of Neuroscience",
    journal_abbrev="Int J Neurosci",
    source="crossref",
    extra={"score": 61.2},
)
# Same opening title words and first author; another year, volume and pages.
FIELD_DECOY = Work(
    doi="10.1016/s0000-0000(98)00000-1",
    title="Massage therapy reduces anxiety in child and adolescent psychiatric patients",
    authors=[Author("Field", "T"), Author("Morrow", "C")],
    year=1992,
    volume="31",
    issue="1",
    pages="125-131",
    journal="Journal of the American Academy of Child & Adolescent Psychiatry",
    source="crossref",
    extra={"score": 58.9},
)


# --- the motivating example ---------------------------------------------------------------


def test_field_reference_matches_the_right_study() -> None:
    result = choose(FIELD_REF, [FIELD_DECOY, FIELD])
    assert result.best is FIELD
    assert not result.abstained
    assert [s.work for s in result.scores] == [FIELD_DECOY, FIELD]
    assert result.scores[1].score >= THRESHOLD
    assert result.scores[0].score < 0.5
    reasons = " | ".join(result.scores[0].reasons)
    assert "year 1992 differs from 1996 by 4" in reasons
    assert "volume 31 ≠ 86" in reasons


def test_field_reference_abstains_without_the_right_study() -> None:
    result = choose(FIELD_REF, [FIELD_DECOY])
    assert result.best is None
    assert result.abstained
    assert "below the threshold" in result.reason


def test_no_candidates() -> None:
    result = choose(FIELD_REF, [])
    assert result == type(result)(None, [], True, "no candidates")


def test_two_indistinguishable_records_make_it_abstain() -> None:
    twin = replace(FIELD, doi="10.9999/reprint", source="openalex")
    result = choose(FIELD_REF, [FIELD, twin])
    assert result.abstained
    assert "score alike" in result.reason


def test_the_same_record_twice_is_not_a_rival() -> None:
    copy = replace(FIELD, source="openalex")
    result = choose(FIELD_REF, [FIELD, copy])
    assert result.best is FIELD


def test_a_doi_in_the_reference_decides() -> None:
    ref = FIELD_REF + ". doi:10.3109/00207459608986710"
    parsed = parse_reference(ref)
    assert parsed.doi == "10.3109/00207459608986710"
    assert score_candidate(ref, parsed, FIELD, None).score == 1.0
    decoy = score_candidate(ref, parsed, FIELD_DECOY, None)
    assert decoy.score == 0.0
    assert decoy.reasons == [
        "the reference gives DOI 10.3109/00207459608986710, not 10.1016/s0000-0000(98)00000-1"
    ]


def test_a_main_title_alone_matches_with_author_and_year() -> None:
    work = Work(
        doi="10.1/tf",
        title="TensorFlow: Large-Scale Machine Learning on Heterogeneous Systems",
        authors=[Author("Abadi", "M")],
        year=2016,
        journal="arXiv",
    )
    ref = "Abadi M et al. TensorFlow. arXiv 2016"
    assert choose(ref, [work]).best is work
    other = replace(work, doi="10.1/other", authors=[Author("Smith", "J")])
    assert choose(ref, [other]).abstained


def test_a_bare_title_alone_is_not_enough() -> None:
    bare = Work(title="Massage therapy reduces anxiety", doi="10.1/other")
    result = choose("Massage therapy reduces anxiety", [bare])
    assert result.abstained
    assert result.scores[0].score < THRESHOLD
    assert "little to compare beyond the title" in result.scores[0].reasons


def test_relevance_is_read_from_extra_and_reported() -> None:
    parsed = parse_reference(FIELD_REF)
    with_score = score_candidate(FIELD_REF, parsed, FIELD, 61.2)
    without = score_candidate(FIELD_REF, parsed, FIELD, None)
    assert any(r.startswith("relevance 61.2") for r in with_score.reasons)
    assert not any(r.startswith("relevance") for r in without.reasons)
    weak = score_candidate(FIELD_REF, parsed, FIELD, 2.0)
    assert weak.score < with_score.score


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            FIELD_REF,
            {
                "authors": ["Field"],
                "year": 1996,
                "title": "Massage therapy reduces anxiety",
                "journal": "Int J Neurosci",
                "volume": "86",
                "first_page": "197",
                "last_page": "205",
            },
        ),
        (
            "LeCun Y, Bengio Y, Hinton G. Deep learning. Nature. 2015 May 28;521(7553):436-44. "
            "doi: 10.1038/nature14539. PMID: 26017442.",
            {
                "authors": ["LeCun", "Bengio", "Hinton"],
                "year": 2015,
                "title": "Deep learning",
                "journal": "Nature",
                "volume": "521",
                "issue": "7553",
                "first_page": "436",
                "doi": "10.1038/nature14539",
            },
        ),
        (
            "Field, T., Ironson, G., & Scafidi, F. (1996). Massage therapy reduces anxiety and "
            "enhances EEG pattern of alertness and math computations. International Journal of "
            "Neuroscience, 86(3-4), 197–205. https://doi.org/10.3109/00207459608986710",
            {
                "authors": ["Field", "Ironson", "Scafidi"],
                "year": 1996,
                "journal": "International Journal of Neuroscience",
                "volume": "86",
                "issue": "3-4",
                "first_page": "197",
                "last_page": "205",
                "doi": "10.3109/00207459608986710",
            },
        ),
        (
            'T. Field, G. Ironson, and F. Scafidi, "Massage therapy reduces anxiety," '
            "Int. J. Neurosci., vol. 86, no. 3-4, pp. 197-205, 1996.",
            {
                "authors": ["Field", "Ironson", "Scafidi"],
                "year": 1996,
                "title": "Massage therapy reduces anxiety",
                "journal": "Int. J. Neurosci",
                "volume": "86",
                "issue": "3-4",
                "first_page": "197",
            },
        ),
        (
            "12. Field, T. et al. Massage therapy reduces anxiety. Int. J. Neurosci. 86, "
            "197–205 (1996).",
            {
                "authors": ["Field"],
                "year": 1996,
                "title": "Massage therapy reduces anxiety",
                "volume": "86",
                "first_page": "197",
            },
        ),
        (
            'Field, Tiffany, et al. "Massage Therapy Reduces Anxiety." International Journal '
            "of Neuroscience, vol. 86, no. 3-4, 1996, pp. 197-205.",
            {
                "year": 1996,
                "title": "Massage Therapy Reduces Anxiety",
                "journal": "International Journal of Neuroscience",
                "volume": "86",
                "first_page": "197",
            },
        ),
    ],
)
def test_parse_reference_styles(text: str, expected: dict[str, Any]) -> None:
    parsed = parse_reference(text)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name


def test_parse_reference_of_garbage_is_empty_not_an_error() -> None:
    parsed = parse_reference("see above")
    assert parsed.year is None and parsed.volume is None and parsed.doi is None


# --- similarity and duplicates ------------------------------------------------------------


def test_normalize_title() -> None:
    assert (
        normalize_title("<i>In vivo</i> {DNA} Repair: a Review.") == "in vivo dna repair a review"
    )
    assert normalize_title("Étude des élèves") == "etude des eleves"
    assert normalize_title(None) == ""


def test_title_similarity() -> None:
    assert title_similarity("Deep Learning.", "deep learning") == 1.0
    full = "Massage therapy reduces anxiety and enhances EEG pattern of alertness"
    assert title_similarity("Massage therapy reduces anxiety", full) >= 0.95
    # A short title is not allowed to match any longer one that starts the same way.
    assert title_similarity("Deep learning", "Deep learning for genomics and medicine") < 0.6
    assert title_similarity("Deep learning", "Protein folding") < 0.5
    assert title_similarity("", "x") == 0.0


def test_journal_similarity_understands_abbreviations() -> None:
    assert journal_similarity("Int J Neurosci", "International Journal of Neuroscience") == 1.0
    assert journal_similarity("Int. J. Neurosci.", "International Journal of Neuroscience") == 1.0
    assert journal_similarity("Nature", "Nature") == 1.0
    assert journal_similarity("Adolescence", "International Journal of Neuroscience") < 0.5


def test_probable_duplicate() -> None:
    assert probable_duplicate(FIELD, replace(FIELD, title=FIELD.title.upper(), source="pubmed"))
    no_doi = replace(FIELD, doi=None, title=(FIELD.title or "") + ".", year=1997)
    assert probable_duplicate(FIELD, no_doi)
    assert not probable_duplicate(FIELD, replace(no_doi, year=2000))
    assert not probable_duplicate(FIELD, replace(no_doi, authors=[Author("Smith")]))
    assert not probable_duplicate(FIELD, replace(FIELD, doi="10.1/other"))
    assert not probable_duplicate(FIELD, FIELD_DECOY)
    assert probable_duplicate(replace(FIELD, doi=None, pmid="8870945"), Work(pmid="8870945"))


# --- real reference data ----------------------------------------------------------------------


def csl_to_work(item: dict[str, Any]) -> Work:
    issued = (item.get("issued") or {}).get("date-parts") or [[None]]
    year = issued[0][0] if issued and issued[0] else None
    return Work(
        doi=(item.get("DOI") or "").lower() or None,
        title=item.get("title"),
        authors=[
            Author(a.get("family") or a.get("literal") or "", a.get("given") or "")
            for a in item.get("author") or []
        ],
        journal=item.get("container-title"),
        journal_abbrev=item.get("container-title-short"),
        year=int(year) if year else None,
        volume=str(item["volume"]) if item.get("volume") else None,
        issue=str(item["issue"]) if item.get("issue") else None,
        pages=str(item["page"]) if item.get("page") else None,
        citekey=item.get("id"),
        source="csl-json",
    )


def _initials(given: str) -> str:
    return "".join(part[0] for part in given.replace("-", " ").split() if part[:1].isalpha())


def format_vancouver(w: Work) -> str:
    names = [f"{a.family} {_initials(a.given)}".strip() for a in w.authors[:6]]
    authors = ", ".join(names) + (", et al" if len(w.authors) > 6 else "")
    out = f"{authors}. {w.title}. {w.journal_abbrev or w.journal}. {w.year}"
    if w.volume:
        out += f";{w.volume}"
        if w.issue:
            out += f"({w.issue})"
        if w.pages:
            out += f":{w.pages}"
    return out + "."


def format_apa(w: Work) -> str:
    names = [
        f"{a.family}, {'. '.join(_initials(a.given))}." if a.given else a.family
        for a in w.authors[:7]
    ]
    authors = ", ".join(names[:-1]) + (", & " if len(names) > 1 else "") + names[-1]
    out = f"{authors} ({w.year}). {w.title}. {w.journal}"
    if w.volume:
        out += f", {w.volume}"
        if w.issue:
            out += f"({w.issue})"
    if w.pages:
        out += f", {w.pages.replace('-', '–')}"
    return out + "."


def format_nature(w: Work) -> str:
    first = w.authors[0]
    name = (
        f"{first.family}, {'. '.join(_initials(first.given))}."
        if first.given
        else f"{first.family}."
    )
    authors = name + (" et al." if len(w.authors) > 1 else "")
    out = f"{authors} {w.title}. {w.journal_abbrev or w.journal}"
    if w.volume:
        out += f" {w.volume}"
    if w.pages:
        out += f", {w.pages.replace('-', '–')}"
    return out + f" ({w.year})."


def format_terse(w: Work) -> str:
    """A hurried citation: first author, main title only in lower case, first page."""
    first = w.authors[0]
    title = (w.title or "").split(":")[0].lower()
    out = f"{first.family} {_initials(first.given)} et al. {title}. {w.journal} {w.year}"
    if w.volume:
        out += f";{w.volume}"
        if w.pages:
            out += f":{w.pages.split('-')[0]}"
    return out


STYLES = {
    "vancouver": format_vancouver,
    "apa": format_apa,
    "nature": format_nature,
    "terse": format_terse,
}


def decoy_of(w: Work) -> Work:
    """Same title and authors, another year, volume and pages: a distractor that a
    title-only matcher would take."""
    shift = 3
    return replace(
        w,
        doi=f"10.9999/decoy.{w.doi or w.citekey}",
        year=(w.year or 2000) + shift,
        volume=str(int(w.volume) + 7) if w.volume and w.volume.isdigit() else w.volume,
        pages="901-915" if w.pages else None,
        citekey=None,
    )


def load_corpus(path: Path) -> list[Work]:
    items = json.loads(path.read_text(encoding="utf-8"))
    works = [csl_to_work(item) for item in items]
    return [w for w in works if w.title and w.authors and w.year and w.authors[0].family]


def evaluate(works: list[Work], sample_size: int = 120, seed: int = 7) -> dict[str, float]:
    """Precision and recall of choose() over a sample formatted in every style.

    For each reference: the candidates are the right record, its decoy and the five
    records of the corpus with the closest titles (positive trial); then the same list
    without the right record (negative trial, where any answer but the decoy-free
    abstention is a false match).
    """
    rng = random.Random(seed)
    sample = rng.sample(works, min(sample_size, len(works)))
    titles = [normalize_title(w.title) for w in works]
    counts = {
        "trials": 0,
        "correct": 0,
        "wrong": 0,
        "abstained": 0,
        "neg_trials": 0,
        "neg_wrong": 0,
    }
    for work in sample:
        neighbours = [
            works[i]
            for _, _, i in process.extract(
                normalize_title(work.title), titles, scorer=fuzz.token_set_ratio, limit=6
            )
            if works[i] is not work
        ][:5]
        for style in STYLES.values():
            ref = style(work)
            candidates = [*neighbours, decoy_of(work), work]
            rng.shuffle(candidates)
            result = choose(ref, candidates)
            counts["trials"] += 1
            if result.best is None:
                counts["abstained"] += 1
            elif result.best is work:
                counts["correct"] += 1
            else:
                counts["wrong"] += 1
            negative = choose(ref, [c for c in candidates if c is not work])
            counts["neg_trials"] += 1
            if negative.best is not None:
                counts["neg_wrong"] += 1
    answered = counts["correct"] + counts["wrong"] + counts["neg_wrong"]
    return {
        **counts,
        "precision": (counts["correct"] / answered) if answered else 1.0,
        "recall": counts["correct"] / counts["trials"],
    }


DEEP_REVIEW = ("data", "corpora", "manuscripts", "deep-review", "output", "references.json")


def test_real_references_are_matched_precisely() -> None:
    from tests.conftest import shared_path

    works = load_corpus(shared_path(*DEEP_REVIEW))
    assert len(works) > 400
    metrics = evaluate(works)
    assert metrics["trials"] == 480
    # Precision first: at most one wrong answer in every two hundred.
    assert metrics["precision"] >= 0.995, metrics
    assert metrics["recall"] >= 0.85, metrics


def test_real_reference_styles_parse() -> None:
    from tests.conftest import shared_path

    works = load_corpus(shared_path(*DEEP_REVIEW))
    article = next(w for w in works if w.volume and w.pages and w.issue and w.doi)
    for name, style in STYLES.items():
        parsed = parse_reference(style(article))
        assert parsed.year == article.year, name
        assert parsed.volume == article.volume, name
        assert parsed.authors and parsed.authors[0] == article.authors[0].family, name
        assert title_similarity(parsed.title, article.title) > 0.9, name


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import SHARED

    corpus = load_corpus(SHARED.joinpath(*DEEP_REVIEW))
    size = int(sys.argv[1]) if len(sys.argv) > 1 else len(corpus)
    print(json.dumps(evaluate(corpus, size), indent=2))


def test_same_title_in_another_issue_is_not_a_duplicate() -> None:
    column = Work(title="Editorial comments", authors=[Author("Beeton", "Barbara")], year=1985)
    assert probable_duplicate(replace(column, issue="1"), replace(column, issue="1"))
    assert not probable_duplicate(replace(column, issue="1"), replace(column, issue="2"))
    assert not probable_duplicate(
        replace(column, volume="6", pages="3-4"), replace(column, volume="6", pages="130-131")
    )
    # one record without pages: still a probable duplicate
    assert probable_duplicate(replace(column, pages="3-4"), column)


def test_unique_candidates_keeps_what_the_pairwise_rule_keeps() -> None:
    """One pass over keys gives the works comparing each with every kept one gave."""

    def same(a: Work, b: Work) -> bool:  # the rule, spelt out: one object, or a shared id
        return a is b or any(
            getattr(a, k) and getattr(b, k) and getattr(a, k).lower() == getattr(b, k).lower()
            for k in ("doi", "pmid")
        )

    def pairwise(works: list[Work]) -> list[Work]:
        kept: list[Work] = []
        for work in works:
            if not any(same(work, seen) for seen in kept):
                kept.append(work)
        return kept

    rng = random.Random(7)
    for _ in range(300):
        pool = [
            Work(
                doi=rng.choice([None, "", "10.1/A", "10.1/a", "10.1/b", "10.2/c"]),
                pmid=rng.choice([None, "", "1", "2", "3"]),
                title=f"t{n}",
            )
            for n in range(rng.randint(0, 8))
        ]
        works = [rng.choice(pool) for _ in range(rng.randint(0, 12))] if pool else []
        assert [id(w) for w in unique_candidates(works)] == [id(w) for w in pairwise(works)]
        assert all(same_candidate(a, b) == same(a, b) for a in works for b in works)
