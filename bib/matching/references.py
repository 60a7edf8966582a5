"""Match a free-text reference to the work it cites, or abstain.

The method follows Crossref's *search-based matching with validation* (Dominika
Tkaczyk, "Matching references to DOIs", Crossref Labs, 2018–2019;
https://www.crossref.org/blog/what-if-i-told-you-that-bibliographic-references-can-be-structured/
and https://gitlab.com/crossref/reference_matching): the caller searches
``query.bibliographic`` with the whole reference string and passes the top candidates;
each candidate is then *validated* against what the reference says — year, volume,
first page, first author, title and journal — and the Crossref relevance score,
normalised by the reference's length, adds a little weight. The best candidate is
accepted only when its score clears :data:`THRESHOLD` and clearly beats the runner-up;
otherwise :func:`choose` abstains. A wrong match is worse than none: it would attach a
claim to a study it never cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bib.journals import journal_similarity
from bib.matching.duplicates import first_page, same_candidate
from bib.matching.parsing import ParsedReference, parse_reference
from bib.text import family_key, normalize_title, title_similarity
from bib.work import Work

# A candidate must reach this validation score to be accepted…
THRESHOLD = 0.75
# …and beat the next distinct candidate by this much.
MARGIN = 0.1

# Below this title similarity a candidate is never accepted, whatever else agrees.
TITLE_FLOOR = 0.85

# Relative weight of each piece of evidence. Only fields present on both sides count.
WEIGHTS = {
    "title": 0.40,
    "author": 0.20,
    "year": 0.20,
    "volume": 0.10,
    "page": 0.10,
    "journal": 0.05,
    "relevance": 0.05,
}
# Below this much compared weight the evidence is thin (e.g. a bare title): the score is
# scaled down so that a title alone cannot clear the threshold.
FULL_EVIDENCE = 0.75


@dataclass
class CandidateScore:
    """How well one candidate fits a reference: ``score`` in [0, 1] and why."""

    score: float
    reasons: list[str] = field(default_factory=list)
    work: Work | None = None


@dataclass
class MatchResult:
    """The outcome of :func:`choose`: ``best`` is None when it abstained.

    ``scores`` are in the order the candidates were given.
    """

    best: Work | None
    scores: list[CandidateScore]
    abstained: bool
    reason: str


# --- preprints ---------------------------------------------------------------------------

_PREPRINT_VENUES = re.compile(
    r"""
    \b(?:
        arxiv | biorxiv | medrxiv | chemrxiv | psyarxiv | socarxiv | techrxiv | engrxiv
      | ssrn | preprints? | research\ square | osf\ preprints | zenodo
    )\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# DataCite/Crossref prefixes of preprint servers: arXiv, bioRxiv/medRxiv, Research Square,
# SSRN, Preprints.org.
_PREPRINT_DOI_PREFIXES = ("10.48550/", "10.1101/", "10.21203/", "10.2139/", "10.20944/")


def is_preprint(work: Work) -> bool:
    """Whether a record is a preprint (by type, server name or DOI prefix)."""
    if work.type == "posted-content" or work.arxiv:
        return True
    if work.volume:
        return False
    doi = (work.doi or "").lower()
    if doi.startswith("10.1101/"):
        # Cold Spring Harbor shares the prefix between bioRxiv/medRxiv (numeric
        # suffixes: 10.1101/174474, 10.1101/2020.03.01.123456) and its journals
        # (10.1101/gr.…, 10.1101/gad.…).
        return bool(re.match(r"10\.1101/\d", doi))
    if doi.startswith(_PREPRINT_DOI_PREFIXES):
        return True
    venue = " ".join(v for v in (work.journal, work.publisher) if v)
    return bool(venue and _PREPRINT_VENUES.search(venue))


# --- scoring ------------------------------------------------------------------------------


def _title_evidence(ref_text: str, parsed: ParsedReference, candidate: Work) -> float:
    if not candidate.title:
        return 0.0
    scores = [title_similarity(parsed.title, candidate.title)]
    cand = normalize_title(candidate.title)
    if ":" in candidate.title and parsed.title:
        # References often cite a work by its main title alone ("TensorFlow" for
        # "TensorFlow: Large-scale machine learning…"): an exact match of the main title
        # counts, a little below a full match.
        main = normalize_title(candidate.title.split(":")[0])
        if main and main == normalize_title(parsed.title):
            scores.append(0.9)
    whole = normalize_title(ref_text)
    parsed_length = len(normalize_title(parsed.title))
    # The candidate's title inside the reference: robust to a mis-parsed title. A short
    # title found inside a longer parsed title ("Uncertainty in deep learning" inside
    # "Dropout as a Bayesian approximation: … uncertainty in deep learning") is scaled
    # down by how much of the parsed title it covers.
    if len(cand.split()) >= 4 and len(cand) <= len(whole):
        coverage = min(1.0, len(cand) / parsed_length) if parsed_length else 1.0
        scores.append(coverage * fuzz.partial_ratio(cand, whole) / 100.0)
    return max(scores)


def _author_evidence(ref_text: str, parsed: ParsedReference, candidate: Work) -> float | None:
    family = family_key(candidate.first_author)
    if not family:
        return None
    if parsed.authors:
        first = family_key(parsed.authors[0])
        if first == family or (len(family) >= 4 and fuzz.ratio(first, family) >= 85):
            return 1.0
        # A particle or a given name first (MLA "Field, Tiffany"; "Tiffany Field").
        near = {family_key(a) for a in parsed.authors[:2]}
        near |= {family_key(w) for w in parsed.authors[0].split()}
        if family in near:
            return 1.0
        return 0.0
    # No author list was recognised: the first author is the reference's first name.
    words = [family_key(w) for w in re.findall(r"[^\W\d_][\w'’\-]*", ref_text)[:2]]
    return 1.0 if family in words else None


def score_candidate(
    ref_text: str, parsed: ParsedReference, candidate: Work, relevance: float | None
) -> CandidateScore:
    """Validate one candidate against a reference; ``relevance`` is the search engine's
    score (Crossref ``score``), normalised here by the reference's length."""
    reasons: list[str] = []
    if parsed.doi and candidate.doi:
        if parsed.doi == candidate.doi.lower():
            return CandidateScore(1.0, [f"DOI {parsed.doi} given in the reference"], candidate)
        return CandidateScore(
            0.0, [f"the reference gives DOI {parsed.doi}, not {candidate.doi}"], candidate
        )

    evidence: dict[str, float] = {}
    contradictions = 0

    title = _title_evidence(ref_text, parsed, candidate)
    # Titles of one field share many words, so similarity below TITLE_FLOOR says little
    # and only near-identical titles earn full weight.
    evidence["title"] = max(0.0, (title - 0.6) / 0.4)
    reasons.append(f"title similarity {title:.2f}")

    author = _author_evidence(ref_text, parsed, candidate)
    if author is not None:
        evidence["author"] = author
        reasons.append(
            f"first author {candidate.first_author} "
            + ("matches" if author else "differs from " + (parsed.authors or ["?"])[0])
        )

    if parsed.year and candidate.year:
        gap = abs(parsed.year - candidate.year)
        # One year apart is common: online-first versus print issue.
        evidence["year"] = 1.0 if gap == 0 else 0.5 if gap == 1 else 0.0
        if gap > 1:
            contradictions += 1
        reasons.append(
            f"year {candidate.year} "
            + ("matches" if gap == 0 else f"differs from {parsed.year} by {gap}")
        )

    if parsed.volume and candidate.volume:
        same = parsed.volume.strip().lower() == candidate.volume.strip().lower()
        evidence["volume"] = 1.0 if same else 0.0
        contradictions += 0 if same else 1
        reasons.append(
            f"volume {candidate.volume} " + ("matches" if same else f"≠ {parsed.volume}")
        )

    cand_page = first_page(candidate.pages)
    if parsed.first_page and cand_page:
        same = parsed.first_page.lower() == cand_page
        evidence["page"] = 1.0 if same else 0.0
        contradictions += 0 if same else 1
        reasons.append(
            f"first page {cand_page} " + ("matches" if same else f"≠ {parsed.first_page}")
        )

    if parsed.journal and (candidate.journal or candidate.journal_abbrev):
        journal = max(
            journal_similarity(parsed.journal, candidate.journal),
            journal_similarity(parsed.journal, candidate.journal_abbrev),
        )
        evidence["journal"] = journal
        reasons.append(f"journal similarity {journal:.2f}")

    if parsed.journal or parsed.volume:
        # A preprint and the article it became share title, authors and often the year,
        # yet they are different records: citing one never names the other.
        ref_preprint = bool(parsed.journal and _PREPRINT_VENUES.search(parsed.journal))
        if ref_preprint != is_preprint(candidate):
            contradictions += 1
            reasons.append(
                "the reference cites a preprint, the candidate is not one"
                if ref_preprint
                else "the candidate is a preprint, the reference cites a journal"
            )

    if relevance is not None and ref_text.strip():
        # Crossref scores grow with the query's length; per character, a score of about
        # 0.4 or more marks a confident hit (Tkaczyk's normalisation).
        normalised = relevance / len(ref_text.strip())
        evidence["relevance"] = min(1.0, normalised / 0.4)
        reasons.append(f"relevance {relevance:.1f} ({normalised:.2f} per character)")

    weight = sum(WEIGHTS[name] for name in evidence)
    score = sum(WEIGHTS[name] * value for name, value in evidence.items()) / weight
    if weight < FULL_EVIDENCE:
        score *= weight / FULL_EVIDENCE
        reasons.append("little to compare beyond the title")
    # Each contradicted locator (year, volume, page) is strong evidence of another work.
    score *= 0.6**contradictions
    if title < TITLE_FLOOR:
        # Agreeing year, author and journal are common among one group's papers; without
        # the title they never identify a work.
        score = min(score, 0.5)
        reasons.append("titles disagree")
    return CandidateScore(round(max(0.0, min(1.0, score)), 4), reasons, candidate)


def choose(ref_text: str, candidates: list[Work]) -> MatchResult:
    """Pick the candidate a reference cites, or abstain.

    Abstains when there is no candidate, when the best score is below THRESHOLD, or when
    a different work scores within MARGIN of the best (two near-identical records, e.g.
    a preprint and its article, cannot be told apart safely).
    """
    parsed = parse_reference(ref_text)
    scores = [
        score_candidate(ref_text, parsed, work, _relevance(work.extra.get("score")))
        for work in candidates
    ]
    if not candidates:
        return MatchResult(None, scores, True, "no candidates")
    order = sorted(range(len(scores)), key=lambda i: scores[i].score, reverse=True)
    best_index = order[0]
    best, best_score = candidates[best_index], scores[best_index].score
    if best_score < THRESHOLD:
        return MatchResult(
            None,
            scores,
            True,
            f"best candidate scores {best_score:.2f}, below the threshold {THRESHOLD:.2f}",
        )
    for index in order[1:]:
        if same_candidate(candidates[index], best):
            continue
        runner_up = scores[index].score
        if best_score - runner_up < MARGIN:
            return MatchResult(
                None,
                scores,
                True,
                f"two candidates score alike ({best_score:.2f} and {runner_up:.2f})",
            )
        break
    return MatchResult(best, scores, False, f"best candidate scores {best_score:.2f}")


def _relevance(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None
