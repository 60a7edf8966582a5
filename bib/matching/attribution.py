"""Resolve a narrative attribution ("a study published in the International Journal of
Neuroscience found that …") to the study it refers to, or abstain.

The sentence names a journal and paraphrases a finding, often through a text spinner
("located" for "found", "reduced back pain" for "low back pain"). Resolution is
search-then-validate, like reference matching (:mod:`bib.matching.references`):

1. :func:`~bib.matching.findings.key_terms` keeps the finding's content words (stop
   words, reporting verbs and spun filler dropped; plurals folded; a few spun synonyms
   mapped back);
2. :func:`fetch_candidates` searches *within the named journal*: PubMed esearch
   ``"<journal>"[ta]`` AND the key terms (strict AND of the top terms, then a looser OR),
   one efetch for titles and abstracts; when PubMed has nothing, Crossref
   ``/journals?query=`` gives the journal's ISSNs and ``/works?filter=issn:…`` with
   ``query.bibliographic`` searches its works. At most :data:`MAX_REQUESTS` requests;
3. :func:`score_attribution` validates each candidate: the journal must be the named one
   (:func:`bib.journals.same_journal`: full title, ISO abbreviation, acronym; anything
   else scores 0), then topic overlap of the key terms with title and abstract, year
   agreement and population agreement;
4. :func:`choose_attribution` accepts the top candidate only when it clears
   :data:`THRESHOLD` and beats the runner-up by :data:`MARGIN`. A wrong acceptance is
   worse than an abstention: it would tie a claim to a study that never made it.

Works already at hand (a library's studies of the named journal) go through steps 3 and
4 first; the journal is searched only when none of them is accepted, and then they are
ranked together with what the search found (:func:`resolve_attribution`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bib.errors import ServiceError
from bib.http import HttpClient
from bib.journals import journal_agrees, pubmed_journal_term, same_journal
from bib.matching.duplicates import same_candidate, unique_candidates
from bib.matching.findings import EXCLUSIVE, Term, finding_terms, populations, text_stems
from bib.services import crossref, pubmed
from bib.text import ascii_words
from bib.work import Work

log = logging.getLogger(__name__)

# The top candidate must reach this score to be accepted…
THRESHOLD = 0.55
# …and beat the best candidate that is a different work by this much.
MARGIN = 0.15
# At least this many distinct key terms (weight ≥ 0.5 each) must be found in the
# candidate's title or abstract: one shared word ("massage") never identifies a study.
MIN_SPECIFIC_HITS = 2
# Requests one attribution may cost (PubMed esearch ×2 + efetch, or esearch ×2 +
# Crossref journals + works).
MAX_REQUESTS = 4

# --------------------------------------------------------------------------- scoring


@dataclass
class AttributionScore:
    """How well one candidate fits an attribution: ``score`` in [0, 1] and why."""

    score: float
    reasons: list[str] = field(default_factory=list)
    work: Work | None = None
    # Distinct key terms of weight ≥ 0.5 found in the title or abstract.
    specific_hits: int = 0


@dataclass
class AttributionResult:
    """The outcome of :func:`choose_attribution`.

    ``candidates`` are (work, score, reasons), best first; ``best`` is the accepted work
    and None when it abstained (the ranked candidates are still there to review).
    """

    candidates: list[tuple[Work, float, list[str]]]
    best: Work | None
    accepted: bool
    reason: str


def _plain(text: str) -> str:
    # Institutions and affiliations compared as their words, qualifiers dropped.
    words = ascii_words(re.sub(r"\([^)]*\)", " ", text).replace("&", " and "))
    while words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


# A finding is scored against every study of its journal: its terms are found once.
@lru_cache(maxsize=256)
def _terms(finding: str) -> tuple[Term, ...]:
    return tuple(finding_terms(finding))


@lru_cache(maxsize=256)
def _populations(finding: str) -> frozenset[str]:
    return frozenset(populations(finding))


def score_attribution(
    journal: str,
    finding: str,
    year: int | None,
    institution: str | None,
    candidate: Work,
) -> AttributionScore:
    """Validate one candidate against an attribution.

    A candidate from another journal (or with no journal) scores 0 with the reason
    "different journal". Otherwise the score is the weighted share of the finding's key
    terms found in the title (full credit) or abstract, keywords and MeSH terms (0.75),
    multiplied down when the year or the population studied disagrees.
    """
    if not journal_agrees(journal, candidate):
        shown = candidate.journal or candidate.journal_abbrev or "none"
        return AttributionScore(0.0, [f"different journal ({shown}, not {journal})"], candidate)
    reasons = [f"journal {candidate.journal or candidate.journal_abbrev} is {journal}"]

    terms = _terms(finding)
    title = text_stems(candidate.title)
    mesh = candidate.extra.get("mesh")
    body = text_stems(
        candidate.abstract,
        " ".join(candidate.keywords),
        " ".join(mesh) if isinstance(mesh, list) else None,
    )
    total = sum(t.weight for t in terms)
    got = 0.0
    matched: list[str] = []
    specific = 0
    for term in terms:
        credit = 1.0 if term.stem in title else 0.75 if term.stem in body else 0.0
        if credit:
            got += term.weight * credit
            matched.append(term.word)
            specific += term.weight >= 0.5
    topic = got / total if total else 0.0
    reasons.append(
        f"topic {topic:.2f}: {len(matched)} of {len(terms)} key terms"
        + (f" ({', '.join(matched[:8])})" if matched else "")
    )
    score = topic

    if year is not None:
        if candidate.year is None:
            score *= 0.9
            reasons.append("no year to compare")
        else:
            gap = abs(candidate.year - year)
            # One year apart is common: online first versus the print issue.
            factor = 1.0 if gap == 0 else 0.85 if gap == 1 else 0.4
            score *= factor
            reasons.append(
                f"year {candidate.year} " + ("matches" if gap == 0 else f"is {gap} from {year}")
            )

    wanted = _populations(finding)
    if wanted:
        studied = populations(f"{candidate.title or ''} {candidate.abstract or ''}")
        if wanted & studied:
            score = min(1.0, score + 0.05)
            reasons.append(f"population agrees ({', '.join(sorted(wanted & studied))})")
        elif studied and any(wanted & group and studied & group for group in EXCLUSIVE):
            score *= 0.6
            reasons.append(
                f"population differs ({', '.join(sorted(studied))}, "
                f"not {', '.join(sorted(wanted))})"
            )

    if institution:
        affiliations = candidate.extra.get("affiliations")
        text = " ".join(affiliations) if isinstance(affiliations, list) else ""
        if text and _plain(institution) in _plain(text):
            score = min(1.0, score + 0.05)
            reasons.append(f"affiliation names {institution}")

    if specific < MIN_SPECIFIC_HITS:
        # One shared topic word is what a whole journal's output has in common.
        score = min(score, THRESHOLD - 0.05)
        reasons.append("too few specific key terms in common")
    return AttributionScore(round(max(0.0, min(1.0, score)), 4), reasons, candidate, specific)


def choose_attribution(
    journal: str,
    finding: str,
    year: int | None,
    institution: str | None,
    candidates: list[Work],
    scores: Mapping[int, AttributionScore] | None = None,
) -> AttributionResult:
    """Rank candidates for an attribution and accept the top one, or abstain.

    Abstains when there is no candidate from the named journal, when the best score is
    below THRESHOLD, or when a different work scores within MARGIN of it. ``scores``:
    the candidates already scored for this attribution, by ``id()`` of their work.
    """
    known = scores or {}
    scored = [
        known.get(id(w)) or score_attribution(journal, finding, year, institution, w)
        for w in candidates
    ]
    order = sorted(range(len(scored)), key=lambda i: -scored[i].score)
    ranked = [(candidates[i], scored[i].score, scored[i].reasons) for i in order]
    if not candidates:
        return AttributionResult(ranked, None, False, "no candidates")
    top = scored[order[0]]
    if top.score <= 0.0:
        return AttributionResult(ranked, None, False, f"no candidate from {journal}")
    if top.score < THRESHOLD:
        return AttributionResult(
            ranked,
            None,
            False,
            f"best candidate scores {top.score:.2f}, below the threshold {THRESHOLD:.2f}",
        )
    best = candidates[order[0]]
    for index in order[1:]:
        if same_candidate(candidates[index], best):
            continue
        runner_up = scored[index].score
        if top.score - runner_up < MARGIN:
            return AttributionResult(
                ranked,
                None,
                False,
                f"two candidates score alike ({top.score:.2f} and {runner_up:.2f})",
            )
        break
    return AttributionResult(ranked, best, True, f"best candidate scores {top.score:.2f}")


# --------------------------------------------------------------------------- fetch


def _query_words(terms: list[Term], limit: int) -> list[str]:
    words: list[str] = []
    for term in terms:
        if term.word.isdigit() or len(term.word) < 3 or term.word in ("lowback",):
            continue
        words.append(term.word)
        if len(words) == limit:
            break
    if any(t.word == "lowback" for t in terms):
        words.insert(0, '"low back"')
    return words[:limit]


def _esearch(client: HttpClient, term: str, retmax: int) -> list[str]:
    # sort=relevance: PubMed's Best Match order, so the pool keeps the closest articles
    # when the journal has more hits than retmax (NBK25499, ESearch "sort").
    params: dict[str, Any] = {"db": "pubmed", "term": term, "retmax": retmax, "sort": "relevance"}
    return pubmed.parse_esearch(client.get_bytes("pubmed", "/esearch.fcgi", params, expect="xml"))


def _crossref_issns(client: HttpClient, journal: str) -> list[str]:
    """ISSNs of the journal Crossref lists under this title (``GET /journals?query=``)."""
    payload = client.get_json(crossref.SERVICE, "/journals", {"query": journal, "rows": 10})
    items = (payload.get("message") or {}).get("items") or [] if isinstance(payload, dict) else []
    issns: list[str] = []
    for item in items:
        if isinstance(item, dict) and same_journal(journal, str(item.get("title") or "")):
            issns.extend(str(i) for i in item.get("ISSN") or [] if i and str(i) not in issns)
    return issns


@dataclass
class _Budget:
    left: int

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def fetch_candidates(
    client: HttpClient,
    journal: str,
    finding: str,
    year: int | None = None,
    rows: int = 20,
) -> list[Work]:
    """Works of the named journal that share the finding's key terms, best first.

    PubMed first: a strict esearch (the journal AND the top three key terms in title or
    abstract), then, when that leaves room, a looser one (the journal AND any of the top
    six), and one efetch of the PMIDs. When PubMed finds nothing (a journal it does not
    index, or a service error), Crossref: the journal's ISSNs from ``/journals?query=``,
    then ``/works?filter=issn:…&query.bibliographic=<key terms>``. At most MAX_REQUESTS
    requests; a failed request is logged and the next route tried. ``year`` is not a
    filter (narrative years are often off by one): scoring weighs it.
    """
    terms = finding_terms(finding)
    budget = _Budget(MAX_REQUESTS)
    journal_clause = pubmed_journal_term(journal)
    strict = _query_words(terms, 3)
    loose = _query_words(terms, 6)
    queries: list[str] = []
    if len(strict) >= 2:
        queries.append(journal_clause + " AND " + " AND ".join(f"{w}[tiab]" for w in strict))
    if loose:
        queries.append(journal_clause + " AND (" + " OR ".join(f"{w}[tiab]" for w in loose) + ")")
    pmids: list[str] = []
    for query in queries:
        if len(pmids) >= rows // 2 or not budget.take():
            break
        try:
            found = _esearch(client, query, rows)
        except ServiceError as exc:
            log.warning("PubMed search for an attribution failed: %s", exc)
            break
        pmids.extend(p for p in found if p not in pmids)
    works: list[Work] = []
    if pmids and budget.take():
        try:
            works = pubmed.fetch_works(client, pmids[:rows])
        except ServiceError as exc:
            log.warning("PubMed efetch for an attribution failed: %s", exc)
    if works:
        return unique_candidates(works)

    if not budget.take():
        return []
    try:
        issns = _crossref_issns(client, journal)
    except ServiceError as exc:
        log.warning("Crossref journal lookup failed: %s", exc)
        return []
    if not issns or not budget.take():
        return []
    params: dict[str, Any] = {
        "filter": ",".join(f"issn:{i}" for i in issns[:4]),
        "query.bibliographic": " ".join(t.word for t in terms[:8]),
        "rows": rows,
        "select": ",".join(crossref.SELECT_FIELDS),
    }
    try:
        payload = client.get_json(crossref.SERVICE, "/works", params)
        return unique_candidates(crossref.parse_work_list(payload))
    except ServiceError as exc:
        log.warning("Crossref search for an attribution failed: %s", exc)
        return []


def resolve_attribution(
    client: HttpClient | None,
    journal: str,
    finding: str,
    year: int | None = None,
    institution: str | None = None,
    known: Sequence[Work] = (),
) -> AttributionResult:
    """Find the study an attribution reports, or abstain with the ranked candidates (see
    :func:`choose_attribution`).

    ``known`` are works already at hand (a library's studies from the named journal): they
    are scored first, and when one of them is accepted no service is asked. Otherwise the
    named journal is searched (``client`` None: nobody is asked) and the known works are
    ranked together with what the search found; where a known and a found work are one
    record (:func:`~bib.matching.duplicates.same_candidate`), the better-scoring copy
    stands for both. Known works that share none of the finding's key terms are left out.
    """
    # Each work is scored once, however many times it is ranked.
    scores = {id(w): score_attribution(journal, finding, year, institution, w) for w in known}
    related = [w for w in known if scores[id(w)].score > 0]
    own = choose_attribution(journal, finding, year, institution, related, scores)
    if own.accepted or client is None:
        return own
    found = fetch_candidates(client, journal, finding, year)
    for w in found:
        scores[id(w)] = score_attribution(journal, finding, year, institution, w)
    # One record of each work: where a known work and a found one are the same record,
    # the one that scores higher (the service's often has the abstract).
    combined = [*related, *found]
    pool = unique_candidates(sorted(combined, key=lambda w: -scores[id(w)].score))
    return choose_attribution(journal, finding, year, institution, pool, scores)
