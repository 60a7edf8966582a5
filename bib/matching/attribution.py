"""Resolve a narrative attribution ("a study published in the International Journal of
Neuroscience found that …") to the study it refers to, or abstain.

The sentence names a journal and paraphrases a finding, often through a text spinner
("located" for "found", "reduced back pain" for "low back pain"). Resolution is
search-then-validate, like reference matching (:mod:`bib.matching`):

1. :func:`key_terms` keeps the finding's content words (stop words, reporting verbs and
   spun filler dropped; plurals folded; a few spun synonyms mapped back);
2. :func:`fetch_candidates` searches *within the named journal*: PubMed esearch
   ``"<journal>"[ta]`` AND the key terms (strict AND of the top terms, then a looser OR),
   one efetch for titles and abstracts; when PubMed has nothing, Crossref
   ``/journals?query=`` gives the journal's ISSNs and ``/works?filter=issn:…`` with
   ``query.bibliographic`` searches its works. At most :data:`MAX_REQUESTS` requests;
3. :func:`score_attribution` validates each candidate: the journal must be the named one
   (full title, ISO abbreviation, acronym; anything else scores 0), then topic overlap
   of the key terms with title and abstract, year agreement and population agreement;
4. :func:`choose_attribution` accepts the top candidate only when it clears
   :data:`THRESHOLD` and beats the runner-up by :data:`MARGIN`. A wrong acceptance is
   worse than an abstention: it would tie a claim to a study that never made it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bib.citekeys import ascii_fold
from bib.errors import ServiceError
from bib.http import HttpClient
from bib.services import crossref, pubmed
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

# --------------------------------------------------------------------------- key terms

# Function words, reporting verbs and the filler that spinners and health news wrap
# around a finding. None of them says what a study was about.
_STOP_WORDS = frozenset(
    """
    a about above across after again against all almost also although always am among an
    and any are around as at be became because become been before being below between both
    but by can could did do does doing done down during each either else enough even ever
    every few for from further had has have having he her here hers him his how however i
    if in into is it its itself just least less like made make makes many may might more
    most much must my neither no nor not now of off often on once one only onto or other
    others our out over own per quite rather same several shall she should since so some
    such than that the their them themselves then there these they this those though
    through thus to too toward towards under until up upon us very via was we were what
    whatever when where whether which while who whom whose why will with within without
    would yet you your
    study studies research researcher researchers scientist scientists investigation
    investigators trial paper report reports article analysis evidence data result results
    finding findings journal publication published publish released release posted post
    issued appeared appearing printed according writing wrote written
    found find finds discover discovered discovers located locate locates uncovered
    uncover revealed reveal reveals showed show shows shown presented present presents
    demonstrated demonstrate demonstrates suggested suggest suggests indicated indicate
    indicates noted note notes concluded conclude concludes reported observed observe
    determined determine confirmed confirm established establish claimed claims claim
    stated states learned learnt identified identify exposed documented proved proven
    notable notably significant significantly substantial substantially considerable
    considerably marked markedly dramatic dramatically remarkable remarkably noteworthy
    important importantly major huge big great greater greatly large larger small smaller
    real really actually simply merely just basically essentially certainly clearly
    evidently apparently generally typically usually frequently commonly particular
    particularly specific specifically especially certain various numerous
    contrasted contrasting contrast compared comparing comparison versus vs relative
    relatively those who whom whose ones someone anyone everyone people person persons
    individual individuals participant participants attendee attendees subject subjects
    folk folks volunteers volunteer respondents respondent human humans
    experienced experience experiences got get gets gotten getting gave give given
    received receive receives obtained took take taken undergo underwent
    new recent recently latest previous previously current currently earlier later
    year years old month months time times way ways thing things lot lots kind kinds
    well better best good bad worse worst able likely unlikely possible possibly
    help helps helped helpful helping aid aids aided assist assists
    effective efficient efficacious beneficial benefit benefits useful advantage
    advantages perks perk
    group groups control controls
    """.split()
)

# Words of a finding that are content but say little on their own: directions of an
# effect, measurement words, units. Kept with a low weight.
_GENERIC = frozenset(
    """
    reduce increase improve change effect risk level rate symptom sign indicator health
    healthy minute hour day week daily weekly regular regularly normal average associate
    association link linked lower higher low high decline chance odd odds measure score
    outcome session treatment therapy intervention use user amount number percent
    life living live lived quiet quietly sat sit sitting moment moments calm
    """.split()
)

# Population words, compared apart (they say who was studied, not what).
_POPULATIONS: dict[str, str] = {
    "older": "older",
    "elderly": "older",
    "senior": "older",
    "geriatric": "older",
    "retiree": "older",
    "child": "child",
    "kid": "child",
    "schoolchild": "child",
    "youngster": "child",
    "preschooler": "child",
    "infant": "infant",
    "baby": "infant",
    "newborn": "infant",
    "neonate": "infant",
    "toddler": "child",
    "adolescent": "adolescent",
    "teen": "adolescent",
    "teenager": "adolescent",
    "youth": "adolescent",
    "student": "student",
    "undergraduate": "student",
    "woman": "woman",
    "female": "woman",
    "mother": "woman",
    "pregnant": "pregnant",
    "pregnancy": "pregnant",
    "man": "man",
    "male": "man",
    "patient": "patient",
    "adult": "adult",
    "mouse": "animal",
    "rat": "animal",
}
# Populations that exclude each other: a finding about one and a study of the other
# are different studies.
_EXCLUSIVE = (
    frozenset({"older", "child", "infant", "adolescent", "student"}),
    frozenset({"woman", "man"}),
    frozenset({"animal", "older", "child", "infant", "adolescent", "student", "adult"}),
)

# Spinner and lay synonyms mapped to the word an abstract would use (both sides).
_SYNONYMS: dict[str, str] = {
    "ache": "pain",
    "aches": "pain",
    "discomfort": "pain",
    "anxious": "anxiety",
    "anxiousness": "anxiety",
    "nervousness": "anxiety",
    "depressed": "depression",
    "depressive": "depression",
    "sleeping": "sleep",
    "slept": "sleep",
    "lessen": "reduce",
    "lessened": "reduce",
    "lessening": "reduce",
    "decrease": "reduce",
    "decreased": "reduce",
    "decreases": "reduce",
    "decreasing": "reduce",
    "reduction": "reduce",
    "reduced": "reduce",
    "reduces": "reduce",
    "reducing": "reduce",
    "lowered": "reduce",
    "lowering": "reduce",
    "cut": "reduce",
    "cuts": "reduce",
    "drop": "reduce",
    "dropped": "reduce",
    "boost": "increase",
    "boosted": "increase",
    "boosts": "increase",
    "raise": "increase",
    "raised": "increase",
    "raises": "increase",
    "enhance": "increase",
    "enhanced": "increase",
    "enhances": "increase",
    "enhancing": "increase",
    "boosting": "increase",
    "raising": "increase",
    "increased": "increase",
    "increases": "increase",
    "improved": "improve",
    "improves": "improve",
    "improving": "improve",
    "improvement": "improve",
    "improvements": "improve",
    "elderly": "older",
    "seniors": "older",
    "kids": "child",
    "children": "child",
    "women": "woman",
    "men": "man",
    "mice": "mouse",
    "teenagers": "teenager",
    "teens": "teen",
    "died": "death",
    "dying": "death",
    "mortality": "death",
    "deaths": "death",
    "cardiovascular": "heart",
    "cardiac": "heart",
    "coronary": "heart",
    "weight": "weight",
    "obese": "obesity",
    "overweight": "obesity",
    # Lay words of health news and the terms abstracts use for them.
    "carcinoma": "cancer",
    "carcinomas": "cancer",
    "tumour": "tumor",
    "painkiller": "analgesic",
    "painkillers": "analgesic",
    "surgical": "surgery",
    "operation": "surgery",
}
# Words that end in "s" without being plurals.
_NOT_PLURAL = frozenset(
    "diabetes measles mumps rabies herpes series species news lens aids physics".split()
)
# Phrases rewritten before tokenising (both sides): spun "reduced back pain" is "low
# back pain"; "osteo arthritis" is one word.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:lower|low|reduced|decreased?|lesser|reduce)\s+back\b"), " lowback "),
    (re.compile(r"\bosteo[\s-]+arthritis\b"), " osteoarthritis "),
    (re.compile(r"\bheart\s+attacks?\b"), " myocardial infarction "),
    (re.compile(r"\bolder\s+adults?\b"), " older "),
    (re.compile(r"\bold(?:er)?\s+(?:people|persons|individuals)\b"), " older "),
    (re.compile(r"\bsenior\s+(?:citizens?|individuals|people|adults)\b"), " older "),
    (re.compile(r"\byoung\s+(?:people|persons)\b"), " adolescent "),
    (re.compile(r"\bsocial\s+media\b"), " socialmedia "),
    (re.compile(r"\bblood[\s-]+sugar\b"), " blood glucose "),
    (re.compile(r"\bgut\s+(?:bacteria|flora|microbes|microbiome)\b"), " gut microbiota "),
    (re.compile(r"\bscreen\s+time\b"), " screentime "),
)

_WORD = re.compile(r"[a-z][a-z0-9]*|\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Term:
    """One key term: ``word`` as written (plural folded), ``stem`` for matching, weight."""

    word: str
    stem: str
    weight: float


def _fold(text: str) -> str:
    text = ascii_fold(text).lower()
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


def _singular(word: str) -> str:
    """Light plural folding: ``studies`` → ``study``, ``massages`` → ``massage``."""
    if word in _NOT_PLURAL:
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """A matching key a little stronger than :func:`_singular`: ``-ing``, ``-ed`` and a
    final ``e`` go, so ``decreased``, ``decreasing`` and ``decrease`` meet."""
    word = _singular(word)
    if word.isdigit():
        return word
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _canonical(word: str) -> str:
    word = _SYNONYMS.get(word, word)
    return _SYNONYMS.get(_singular(word), _singular(word))


def _words(text: str) -> list[str]:
    return [_canonical(w) for w in _WORD.findall(_fold(text))]


def _weight(word: str) -> float:
    if word.isdigit() or re.fullmatch(r"\d+\.\d+", word):
        return 0.3
    if word in _GENERIC or _stem(word) in _GENERIC_STEMS:
        return 0.4
    # Long words are mostly specific (osteoarthritis, fibromyalgia, hippocampus).
    return 1.2 if len(word) >= 8 else 1.0


_GENERIC_STEMS = frozenset(_stem(g) for g in _GENERIC)


def finding_terms(finding: str) -> list[Term]:
    """The finding's weighted key terms, most telling first (see :func:`key_terms`)."""
    seen: dict[str, Term] = {}
    order: list[str] = []
    for word in _words(finding):
        if len(word) < 2 or word in _STOP_WORDS or _singular(word) in _STOP_WORDS:
            continue
        if word in _POPULATIONS:
            continue
        stem = _stem(word)
        if stem in seen:
            continue
        seen[stem] = Term(word, stem, _weight(word))
        order.append(stem)
    ranked = sorted(order, key=lambda s: (-seen[s].weight, order.index(s)))
    return [seen[s] for s in ranked]


def key_terms(finding: str) -> list[str]:
    """The content words of a finding, most telling first.

    Stop words, reporting verbs ("discovered", "located"), spun filler ("notable",
    "contrasted") and population words (scored apart) are dropped; plurals are folded
    and a few spun synonyms mapped back ("decrease" → "reduce", "ache" → "pain").
    Specific words rank before generic ones (directions, units, numbers); ties keep
    the finding's order.
    """
    return [t.word for t in finding_terms(finding)]


def populations(text: str) -> set[str]:
    """Who a text is about: ``older``, ``child``, ``infant``, ``adolescent``, ``student``,
    ``woman``, ``pregnant``, ``man``, ``patient``, ``adult``, ``animal``."""
    return {_POPULATIONS[w] for w in _words(text) if w in _POPULATIONS}


# --------------------------------------------------------------------------- journals

# "a" is no stop word here: it is the last word of "Proc Natl Acad Sci U S A".
_JOURNAL_STOP = frozenset({"of", "the", "and", "for", "in", "on", "an", "de", "la", "und"})
# Names and acronyms that no abbreviation rule reaches, as normalised full titles.
_JOURNAL_ALIASES: dict[str, str] = {
    "nejm": "new england journal of medicine",
    "the nejm": "new england journal of medicine",
    "journal of the american medical association": "jama",
    "j am med assoc": "jama",
    "british medical journal": "bmj",
    "br med j": "bmj",
    "pnas": "proceedings of the national academy of sciences of the united states of america",
    "proceedings of the national academy of sciences": (
        "proceedings of the national academy of sciences of the united states of america"
    ),
}


def normalize_journal(name: str | None) -> str:
    """A journal name as lower-case ASCII words: parenthesised qualifiers
    ("Lancet (London, England)"), a leading "the" or "the journal", ``&`` and punctuation
    dropped, and known acronyms (NEJM, PNAS, BMJ, JAMA) expanded to one spelling."""
    if not name:
        return ""
    text = re.sub(r"^\s*(?:the\s+)?journal\s+(?=[A-Z])", "", name)
    text = ascii_fold(text).lower()
    text = re.sub(r"\([^)]*\)", " ", text).replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text)
    while words and words[0] == "the":
        words = words[1:]
    joined = " ".join(words)
    return _JOURNAL_ALIASES.get(joined, joined)


def _journal_tokens(name: str | None) -> list[str]:
    return [w for w in normalize_journal(name).split() if w not in _JOURNAL_STOP]


def _abbreviates(short: str, full: str) -> bool:
    """Whether one word abbreviates the other as ISO 4 does: a prefix ("Int" for
    "International") or, from four letters on, the same first three letters and the
    rest in order ("Natl" for "National")."""
    if full.startswith(short):
        return True
    if len(short) < 4 or short[:3] != full[:3]:
        return False
    rest = iter(full[3:])
    return all(ch in rest for ch in short[3:])


def _acronym(tokens: list[str]) -> str:
    return "".join(t[0] for t in tokens)


def same_journal(a: str | None, b: str | None) -> bool:
    """Whether two journal names name one journal.

    Equal normalised titles match ("The Lancet" ~ "Lancet (London, England)"); so does an
    ISO 4 abbreviation of the same length in words ("Int J Neurosci" ~ "International
    Journal of Neuroscience"), and an all-capitals acronym of every word ("NEJM").
    A longer or shorter title is another journal ("The Lancet Psychiatry" is not "The
    Lancet"; "Journal of Clinical Nursing" is not "Journal of Clinical Neuroscience").
    """
    ta, tb = _journal_tokens(a), _journal_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    if len(ta) == 1 and len(tb) >= 3 and ta[0] == _acronym(tb):
        return True
    if len(tb) == 1 and len(ta) >= 3 and tb[0] == _acronym(ta):
        return True
    if len(ta) != len(tb):
        return False
    return all(_abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(ta, tb, strict=True))


def journal_agrees(named: str, work: Work) -> bool:
    """Whether a work appeared in the named journal (its title or ISO abbreviation)."""
    return any(same_journal(named, name) for name in (work.journal, work.journal_abbrev) if name)


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


def _text_stems(*texts: str | None) -> set[str]:
    return {_stem(w) for text in texts if text for w in _words(text)}


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

    terms = finding_terms(finding)
    title = _text_stems(candidate.title)
    mesh = candidate.extra.get("mesh")
    body = _text_stems(
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

    wanted = populations(finding)
    if wanted:
        studied = populations(f"{candidate.title or ''} {candidate.abstract or ''}")
        if wanted & studied:
            score = min(1.0, score + 0.05)
            reasons.append(f"population agrees ({', '.join(sorted(wanted & studied))})")
        elif studied and any(wanted & group and studied & group for group in _EXCLUSIVE):
            score *= 0.6
            reasons.append(
                f"population differs ({', '.join(sorted(studied))}, "
                f"not {', '.join(sorted(wanted))})"
            )

    if institution:
        affiliations = candidate.extra.get("affiliations")
        text = " ".join(affiliations) if isinstance(affiliations, list) else ""
        if text and normalize_journal(institution) in normalize_journal(text):
            score = min(1.0, score + 0.05)
            reasons.append(f"affiliation names {institution}")

    if specific < MIN_SPECIFIC_HITS:
        # One shared topic word is what a whole journal's output has in common.
        score = min(score, THRESHOLD - 0.05)
        reasons.append("too few specific key terms in common")
    return AttributionScore(round(max(0.0, min(1.0, score)), 4), reasons, candidate, specific)


def _same_work(a: Work, b: Work) -> bool:
    if a is b:
        return True
    for kind in ("doi", "pmid"):
        va, vb = getattr(a, kind), getattr(b, kind)
        if va and vb and str(va).lower() == str(vb).lower():
            return True
    return False


def choose_attribution(
    journal: str,
    finding: str,
    year: int | None,
    institution: str | None,
    candidates: list[Work],
) -> AttributionResult:
    """Rank candidates for an attribution and accept the top one, or abstain.

    Abstains when there is no candidate from the named journal, when the best score is
    below THRESHOLD, or when a different work scores within MARGIN of it.
    """
    scored = [score_attribution(journal, finding, year, institution, w) for w in candidates]
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
        if _same_work(candidates[index], best):
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


# Acronyms PubMed's journal index does not know, as NLM abbreviations. Other names go
# as written: [ta] maps full titles to their NLM entry itself (and a rewritten name
# could miss an older title, such as "British Medical Journal" for "Br Med J").
_PUBMED_JOURNALS: dict[str, str] = {
    "nejm": "N Engl J Med",
    "pnas": "Proc Natl Acad Sci U S A",
    "journal of the american medical association": "JAMA",
}


def pubmed_journal_term(journal: str) -> str:
    """The PubMed journal clause for a named journal: ``"<title>"[ta]`` (PubMed's [ta]
    takes the full title, the NLM abbreviation or the ISSN); a leading "the" dropped and
    a few acronyms (NEJM, PNAS) spelt out."""
    text = re.sub(r"^\s*(?:the\s+)?journal\s+(?=[A-Z])", "", journal.strip())
    text = re.sub(r"^\s*the\s+", "", text, flags=re.IGNORECASE)
    plain = " ".join(re.findall(r"[a-z0-9]+", ascii_fold(text).lower()))
    text = _PUBMED_JOURNALS.get(plain, text)
    return '"' + text.replace('"', "") + '"[ta]'


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


def _unique(works: Iterable[Work]) -> list[Work]:
    out: list[Work] = []
    for work in works:
        if not any(_same_work(work, seen) for seen in out):
            out.append(work)
    return out


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
        return _unique(works)

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
        return _unique(crossref.parse_work_list(payload))
    except ServiceError as exc:
        log.warning("Crossref search for an attribution failed: %s", exc)
        return []


def resolve_attribution(
    client: HttpClient,
    journal: str,
    finding: str,
    year: int | None = None,
    institution: str | None = None,
) -> AttributionResult:
    """Search the named journal for the finding and accept the study it reports, or
    abstain with the ranked candidates (see :func:`choose_attribution`)."""
    candidates = fetch_candidates(client, journal, finding, year)
    return choose_attribution(journal, finding, year, institution, candidates)
