"""Match a free-text reference to the work it cites, and spot probable duplicates.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from bib.citekeys import ascii_fold
from bib.identifiers import find_identifiers
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
class ParsedReference:
    """What heuristics could read from a reference string; every field may be missing."""

    text: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    doi: str | None = None


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


# --- normalisation and similarity -------------------------------------------------------

_MARKUP = re.compile(r"<[^>]+>|\\[a-zA-Z]+\s*|[{}$]")


@lru_cache(maxsize=65536)
def normalize_title(s: str | None) -> str:
    """Lower-case ASCII words separated by single spaces, without markup or punctuation.

    ``"<i>In vivo</i> {DNA} Repair: a Review."`` → ``"in vivo dna repair a review"``.
    """
    if not s:
        return ""
    plain = _MARKUP.sub(" ", s)
    folded = ascii_fold(plain).lower()
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def title_similarity(a: str | None, b: str | None) -> float:
    """Similarity of two titles in [0, 1], tolerant of case, markup, punctuation and a
    dropped subtitle or truncation (one title is the start of the other and the shorter
    still has at least four words: slightly below an exact match)."""
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return 0.0
    best = fuzz.ratio(na, nb)
    shorter, longer = sorted((na, nb), key=len)
    if len(shorter.split()) >= 4:
        # One title is the other's main title (subtitle or trailing words omitted).
        head = longer[: len(shorter)]
        best = max(best, 0.97 * fuzz.ratio(shorter, head))
    return best / 100.0


@lru_cache(maxsize=65536)
def family_key(name: str | None) -> str:
    """A family name as lower-case ASCII letters only: ``"O'Brien-Smith"`` → ``obriensmith``."""
    return re.sub(r"[^a-z]", "", ascii_fold(name or "").lower())


_JOURNAL_STOP = frozenset({"of", "the", "and", "for", "in", "on", "a", "an", "de", "la", "und"})


def journal_similarity(a: str | None, b: str | None) -> float:
    """Similarity of journal names in [0, 1]; an ISO 4 abbreviation matches its full name
    (``Int J Neurosci`` ~ ``International Journal of Neuroscience``)."""
    ta = [w for w in normalize_title(a).split() if w not in _JOURNAL_STOP]
    tb = [w for w in normalize_title(b).split() if w not in _JOURNAL_STOP]
    if not ta or not tb:
        return 0.0
    if ta == tb:
        return 1.0
    if len(ta) == len(tb):
        short, full = (ta, tb) if len("".join(ta)) <= len("".join(tb)) else (tb, ta)
        if all(f.startswith(s) for s, f in zip(short, full, strict=True)):
            return 1.0
    return fuzz.token_set_ratio(" ".join(ta), " ".join(tb)) / 100.0


_PREPRINT_VENUES = re.compile(
    r"\b(?:arxiv|biorxiv|medrxiv|chemrxiv|psyarxiv|socarxiv|ssrn|preprints?|research square|"
    r"osf preprints|zenodo|techrxiv|engrxiv)\b",
    re.IGNORECASE,
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


_FIRST_PAGE = re.compile(r"\s*([A-Za-z]?\d+[A-Za-z]?)")


def first_page(pages: str | None) -> str | None:
    if not pages:
        return None
    match = _FIRST_PAGE.match(pages)
    return match.group(1).lower() if match else None


@dataclass(frozen=True, slots=True)
class DuplicateFacts:
    """What probable_duplicate compares about one record, computed once: a library
    comparing one entry with many studies prepares each side a single time."""

    # doi, pmid, pmcid, arxiv, isbn, lower-cased (None where absent)
    ids: tuple[str | None, ...]
    year: int | None
    # volume, issue, first page: stripped and lower-cased (None where absent)
    locators: tuple[str | None, ...]
    family: str
    title: str | None

    @classmethod
    def of(
        cls,
        *,
        ids: Iterable[str | None],
        year: int | None,
        volume: Any,
        issue: Any,
        pages: str | None,
        first_author: str | None,
        title: str | None,
    ) -> DuplicateFacts:
        return cls(
            tuple(str(v).lower() if v else None for v in ids),
            year,
            tuple(
                str(v).strip().lower() if v else None for v in (volume, issue, first_page(pages))
            ),
            family_key(first_author),
            title,
        )


def duplicate_facts(work: Work) -> DuplicateFacts:
    return DuplicateFacts.of(
        ids=(work.doi, work.pmid, work.pmcid, work.arxiv, work.isbn),
        year=work.year,
        volume=work.volume,
        issue=work.issue,
        pages=work.pages,
        first_author=work.first_author,
        title=work.title,
    )


def probable_duplicate(a: Work, b: Work) -> bool:
    """Whether two records probably describe the same work.

    A shared DOI, PMID, PMCID, arXiv id or ISBN decides it; two different DOIs are
    distinct registered records (a preprint and its article included) and are never
    called duplicates. Otherwise the titles must be near-identical (≥ 0.9), the years at
    most one apart (print versus online), volume, issue and first page the same where
    both records give them, and the first authors the same when both are known.
    """
    return same_work(duplicate_facts(a), duplicate_facts(b))


def same_work(a: DuplicateFacts, b: DuplicateFacts) -> bool:
    """probable_duplicate on prepared facts."""
    for va, vb in zip(a.ids, b.ids, strict=True):
        if va is not None and va == vb:
            return True
    if a.ids[0] is not None and b.ids[0] is not None:
        return False
    # Cheap tests first; the fuzzy title comparison last.
    if a.year and b.year and abs(a.year - b.year) > 1:
        return False
    # Same title in another issue or on other pages is another work: a recurring column
    # ("Editorial comments", "Letters") appears in every issue of a year.
    for va, vb in zip(a.locators, b.locators, strict=True):
        if va is not None and vb is not None and va != vb:
            return False
    if a.family and b.family and a.family != b.family:
        return False
    return title_similarity(a.title, b.title) >= 0.9


# --- parsing ------------------------------------------------------------------------------

_NUMBERING = re.compile(r"^\s*(?:\[\d+\]|\(\d+\)|\d{1,4}[.)])\s+")
_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_PAGE = r"[A-Za-z]?\d+[A-Za-z]?"
_DASH = r"\s*[-–—]+\s*"
# Volume/issue/page blocks of the common styles, most specific first.
_LOCATORS = (
    # Vancouver: 1996;86:197-205, 1996 Jan;86(3-4):197-205
    re.compile(
        rf"(?P<year>{_YEAR})[^;:\d]{{0,12}};\s*(?P<volume>\d+)\s*(?:\((?P<issue>[^)]{{1,15}})\))?"
        rf"\s*:\s*(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE}))?"
    ),
    # IEEE / MLA: vol. 86, no. 3, pp. 197-205
    re.compile(
        rf"vol(?:ume)?\.?\s*(?P<volume>\d+)(?:\s*,?\s*(?:no|issue|iss)\.?\s*(?P<issue>[\w\-–]+))?"
        rf"(?:[^\d]{{0,20}}?pp?\.\s*(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE}))?)?",
        re.IGNORECASE,
    ),
    # APA and others: 86(3-4), 197–205 or 86(3):197
    re.compile(
        rf"(?<![\d.])(?P<volume>\d{{1,5}})\s*\((?P<issue>[^()]{{1,15}})\)\s*[,:]\s*(?:pp?\.\s*)?"
        rf"(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE}))?"
    ),
    # Nature with a single page or article number: 316, 2402 (2016)
    re.compile(
        rf"(?<![\d.])(?P<volume>\d{{1,5}}),\s*(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE}))?"
        rf"\s*\((?P<year>{_YEAR})\)"
    ),
    # Nature / plain: 86, 197–205 or 86:197-205
    re.compile(
        rf"(?<![\d.])(?P<volume>\d{{1,5}})\s*[,:]\s*(?:pp?\.\s*)?(?P<first>{_PAGE}){_DASH}(?P<last>{_PAGE})"
    ),
)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_NAME_WORD = r"[A-Z][\w'’\-]*"
# One name in an author list: "Field T", "Field, T.", "T. Field", "Field TM", "van der Berg J".
_AUTHORISH = re.compile(
    rf"^(?:(?:[a-z]+ ){{0,2}}{_NAME_WORD}(?: {_NAME_WORD})?,? (?:[A-Z]\.?\s?-?){{1,4}}"
    rf"|(?:[A-Z]\.\s?-?){{1,4}}\s?(?:[a-z]+ ){{0,2}}{_NAME_WORD}"
    rf"|(?:[a-z]+ ){{0,2}}{_NAME_WORD}|(?:[A-Z]\.?\s?){{1,4}}|et al\.?|others)$"
)
# A full name, "Yoshua Bengio" or "David M. Blei": only trusted in a list of several.
_FULL_NAME = re.compile(rf"^{_NAME_WORD}(?: [A-Z]\.)?(?: [a-z]+){{0,2}} {_NAME_WORD}$")


def _author_parts(segment: str) -> list[str]:
    segment = re.sub(r",?\s+et\.? al\b\.?", ", et al", segment)
    parts = [p.strip() for p in re.split(r",|;|\s+(?:and|&)\s+|^\s*(?:and|&)\s+", segment)]
    return [p for p in parts if p]


def _is_author_segment(segment: str) -> bool:
    parts = _author_parts(segment)
    if not parts:
        return False
    if all(_AUTHORISH.match(p) for p in parts):
        return True
    names = [p for p in parts if p not in ("et al", "others")]
    return len(names) >= 2 and all(_FULL_NAME.match(p) or _AUTHORISH.match(p) for p in names)


def _family_names(segment: str) -> list[str]:
    names: list[str] = []
    for part in re.split(r",|;|\s+(?:and|&)\s+|&", segment):
        words = [
            w
            for w in part.replace(".", ". ").split()
            if not _INITIALS.match(w) and w.lower().strip(".") not in ("et", "al", "and", "others")
        ]
        if words:
            names.append(" ".join(words))
    return names


# The start of a piece that continues an author list after an initial's period.
_CONTINUES_AUTHORS = re.compile(
    rf"^(?:(?:[A-Z]\.\s?)+(?:,|$|\s{_NAME_WORD})|et\.? al\b|and\s|&\s|{_NAME_WORD},\s)"
)
# "…, David M." followed by "Blei. Title…": the family name after a middle initial.
_ENDS_WITH_MIDDLE_INITIAL = re.compile(rf",.*{_NAME_WORD} [A-Z]\.$")


def _split_sentences(text: str) -> list[str]:
    # A period ends a segment unless it follows a lone capital (an initial: "T. Field").
    pieces = re.split(r"(?<=[.?!])\s+(?=\S)", text)
    merged: list[str] = []
    for piece in pieces:
        if merged and (
            (
                re.search(r"(?:^|[\s,])[A-Z]\.$", merged[-1])
                and _CONTINUES_AUTHORS.match(piece)
                and _is_author_segment(merged[-1].rstrip("."))
            )
            or (
                _ENDS_WITH_MIDDLE_INITIAL.search(merged[-1])
                and any(_FULL_NAME.match(p) for p in _author_parts(merged[-1]))
                and re.match(rf"^{_NAME_WORD}\.(?:\s|$)", piece)
            )
        ):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def parse_reference(text: str) -> ParsedReference:
    """Best-effort fields of a reference string in Vancouver, APA, Harvard, IEEE, MLA,
    Chicago or Nature style. Missing or unrecognised parts are left None."""
    ref = ParsedReference(text=text)
    s = " ".join(text.split())
    s = _NUMBERING.sub("", s)
    for identifier, _start, _end in find_identifiers(s):
        if identifier.kind == "doi" and ref.doi is None:
            ref.doi = identifier.value
    # Links and identifiers carry digits that would confuse the locator patterns.
    s = re.sub(r"\b(?:doi|pmid|pmcid|arxiv)\s*:\s*\S+|https?://\S+", " ", s, flags=re.I)
    s = re.sub(r"\b(?:Available from|Accessed|Retrieved)\b.*$", "", s).strip(" .")

    locator_start = len(s)
    for pattern in _LOCATORS:
        match = pattern.search(s)
        if not match:
            continue
        groups = match.groupdict()
        volume = groups.get("volume")
        if volume and re.fullmatch(_YEAR, volume) and not groups.get("issue"):
            continue  # "1996, 12-15" is a year and pages, not a volume
        ref.volume = volume
        ref.issue = groups.get("issue")
        ref.first_page = groups.get("first")
        ref.last_page = groups.get("last")
        if groups.get("year"):
            ref.year = int(groups["year"])
        locator_start = match.start()
        break
    if ref.first_page is None:
        pages = re.search(rf"\bpp?\.\s*(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE}))?", s)
        if pages:
            ref.first_page, ref.last_page = pages.group("first"), pages.group("last")

    paren_year = re.search(rf"\((?P<year>{_YEAR})[a-z]?(?:,[^)]*)?\)", s)
    if ref.year is None:
        if paren_year:
            ref.year = int(paren_year.group("year"))
        else:
            years = re.findall(rf"(?<![\d\-–])({_YEAR})[a-z]?(?![\d\-–])", s)
            if years:
                ref.year = int(years[0])

    quoted = re.search(r"[\"“”]([^\"“”]{8,})[\"“”]", s)
    if quoted:
        # IEEE, MLA, Chicago: the title is in quotes, authors before, journal after.
        ref.title = quoted.group(1).strip().rstrip(",.")
        author_part = s[: quoted.start()]
        author_part = re.sub(rf"\(?{_YEAR}[a-z]?\)?\.?\s*$", "", author_part.strip())
        ref.authors = _family_names(author_part)
        after = s[quoted.end() :].lstrip(" ,.")
        journal = re.split(r",|\bvol\b|\d", after, maxsplit=1)[0]
        ref.journal = journal.strip(" .,;") or None
        return ref

    if paren_year and (
        paren_year.start() < len(s) // 2 or _is_author_segment(s[: paren_year.start()])
    ):
        # APA / Harvard: Authors (Year). Title. Journal, vol(issue), pages.
        ref.authors = _family_names(s[: paren_year.start()])
        rest = s[paren_year.end() :].lstrip(" .,")
        pieces = _split_sentences(rest)
        if pieces:
            ref.title = pieces[0].rstrip(".")
            tail = " ".join(pieces[1:])
            ref.journal = re.split(r",|\d", tail, maxsplit=1)[0].strip(" .,;") or None
        return ref

    # Vancouver, Nature and other period-separated styles.
    head = s[:locator_start]
    pieces = _split_sentences(head)
    index = 0
    author_pieces: list[str] = []
    while index < len(pieces) and _is_author_segment(pieces[index].rstrip(".")):
        piece = pieces[index].rstrip(".")
        # After the first piece, a lone capitalised word is a one-word title
        # ("MapReduce."), and nothing follows "et al".
        if author_pieces and (
            author_pieces[-1].endswith("et al") or (" " not in piece and "," not in piece)
        ):
            break
        author_pieces.append(piece)
        index += 1
    ref.authors = _family_names(", ".join(author_pieces))
    if index < len(pieces):
        ref.title = pieces[index].rstrip(".").strip() or None
        index += 1
    if index < len(pieces):
        journal = " ".join(pieces[index:])
        journal = re.split(rf"\b{_YEAR}\b|\d|;", journal, maxsplit=1)[0]
        ref.journal = journal.strip(" .,;") or None
    return ref


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


def _same_work(a: Work, b: Work) -> bool:
    if a is b:
        return True
    return bool(a.doi and b.doi and a.doi.lower() == b.doi.lower())


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
        if _same_work(candidates[index], best):
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
