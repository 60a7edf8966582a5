"""Journal names: when two names name one journal.

One rule for every caller: ``evidence verify`` (does the stored journal agree with the
services?), narrative attributions (is the candidate from the named journal?) and
reference matching (how much does the journal of a reference support a candidate?).
A name is compared as its significant words: ``"The Journal of Neuroscience : the
official journal of the Society for Neuroscience"`` is ``journal neuroscience``, and
``"J. Neurosci."`` abbreviates it word for word as ISO 4 does.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from bib.text import abbreviates, ascii_words
from bib.venue_table import canonical_venue, venues_for_key
from bib.work import Work

# Words that ISO 4 abbreviations drop, in the languages of the journals PubMed indexes.
# "a" is no stop word: it is the last word of "Proc Natl Acad Sci U S A".
STOP_WORDS = frozenset("of the and for in on an de la und et des du der die fur di del".split())
# Names and acronyms that no abbreviation rule reaches, as normalised full titles.
ALIASES: dict[str, str] = {
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
# A graded similarity below this is never the same journal (see journal_similarity).
NEAR_MISS = 0.9

# Qualifiers in parentheses ("Lancet (London, England)") or brackets (a translation).
_QUALIFIER = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEADING_JOURNAL = re.compile(r"^\s*(?:the\s+)?journal\s+(?=[A-Z])")
# What follows the title proper in NLM and Crossref titles: a subtitle after " : "
# ("Toxicon : official journal of …") or a parallel title after " = ".
_SUBTITLE = re.compile(r"\s+[:=]\s.*$")


def normalize_journal(name: str | None) -> str:
    """A journal name as lower-case ASCII words: subtitles, parallel titles and
    qualifiers ("Lancet (London, England)"), a leading "the" or "the journal", apostrophes,
    ``&`` and punctuation dropped, and known acronyms (NEJM, PNAS, BMJ, JAMA) expanded to
    one spelling."""
    if not name:
        return ""
    text = _LEADING_JOURNAL.sub("", name)
    # Qualifiers first: "(Baltimore, Md. : 1950)" holds a colon of its own.
    text = _QUALIFIER.sub(" ", text)
    text = _SUBTITLE.sub("", text).replace("&", " and ")
    text = re.sub(r"['’]", "", text)
    words = ascii_words(text)
    while words and words[0] == "the":
        words = words[1:]
    joined = " ".join(words)
    return ALIASES.get(joined, joined)


# Reference matching compares each candidate's journal with every reference's.
@lru_cache(maxsize=65536)
def journal_tokens(name: str | None) -> tuple[str, ...]:
    """The significant words of a journal name (normalised, stop words dropped)."""
    return tuple(w for w in normalize_journal(name).split() if w not in STOP_WORDS)


def _acronym(tokens: tuple[str, ...]) -> str:
    return "".join(t[0] for t in tokens)


def _same_tokens(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
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
    return all(abbreviates(x, y) or abbreviates(y, x) for x, y in zip(ta, tb, strict=True))


def same_journal(a: str | None, b: str | None) -> bool:
    """Whether two journal (or venue) names name one journal.

    Equal normalised titles match ("The Lancet" ~ "Lancet (London, England)"); so does an
    ISO 4 abbreviation of the same length in words ("Int J Neurosci" ~ "International
    Journal of Neuroscience"), and an all-capitals acronym of every word ("NEJM").
    A longer or shorter title is another journal ("The Lancet Psychiatry" is not "The
    Lancet"; "Journal of Clinical Nursing" is not "Journal of Clinical Neuroscience").
    Names in the venue table are compared through it first (:func:`same_venue`).
    """
    return same_venue(a, b) is True


@lru_cache(maxsize=65536)
def same_venue(a: str | None, b: str | None) -> bool | None:
    """Whether two names denote one venue: True through the venue table ("ICLR" ~
    "International Conference on Learning Representations", "Proc. NeurIPS" ~
    "Advances in Neural Information Processing Systems") or the journal-name rule above;
    False when the table knows both and they differ (a workshop is not its conference,
    ICML is not ICLR); None when it cannot tell (a name the table does not know, or a
    platform such as OpenReview that hosts several venues)."""
    if not a or not b or not a.strip() or not b.strip():
        return None
    va, vb = canonical_venue(a), canonical_venue(b)
    if va and vb:
        if va.id == vb.id:
            return True
        if va.platform or vb.platform:
            return None
        return False
    if _same_tokens(journal_tokens(a), journal_tokens(b)):
        return True
    return None


def venue_agrees(cited: str, work: Work) -> bool:
    """Whether a work appeared in the cited venue, by everything a service says of it:
    its journal, the journal's abbreviation, ``extra["venue_names"]`` (alternate names
    such as Semantic Scholar's, DBLP's venue) and ``extra["venue_key"]`` (a DBLP venue
    or record key such as "conf/nips"). The key decides only when no name of the work
    is in the venue table, since DBLP files a conference's workshops under the
    conference's key; it then stands for the main venue."""
    names = [n for n in (work.journal, work.journal_abbrev, *_extra_names(work)) if n]
    if any(same_venue(cited, name) for name in names):
        return True
    key = work.extra.get("venue_key")
    venue = canonical_venue(cited)
    if not isinstance(key, str) or venue is None or any(_in_table(n) for n in names):
        return False
    main = venues_for_key(key)[:1]
    return bool(main) and main[0].id == venue.id


def journal_agrees(named: str, work: Work) -> bool:
    """Whether a work appeared in the named journal or venue: :func:`venue_agrees`."""
    return venue_agrees(named, work)


def _in_table(name: str) -> bool:
    venue = canonical_venue(name)
    return venue is not None and not venue.platform


def _extra_names(work: Work) -> list[str]:
    value = work.extra.get("venue_names") or []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list | tuple):
        return []
    return [str(v) for v in value if v]


def journal_similarity(a: str | None, b: str | None) -> float:
    """Similarity of journal names in [0, 1]: 1.0 exactly when :func:`same_journal`;
    otherwise the words' fuzzy overlap, at most NEAR_MISS (partial evidence for a
    reference whose journal was parsed imperfectly)."""
    ta, tb = journal_tokens(a), journal_tokens(b)
    if not ta or not tb:
        return 0.0
    if same_journal(a, b):
        return 1.0
    return min(NEAR_MISS, fuzz.token_set_ratio(" ".join(ta), " ".join(tb)) / 100.0)


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
    text = _LEADING_JOURNAL.sub("", journal.strip())
    text = re.sub(r"^\s*the\s+", "", text, flags=re.IGNORECASE)
    plain = " ".join(ascii_words(text))
    text = _PUBMED_JOURNALS.get(plain, text)
    return '"' + text.replace('"', "") + '"[ta]'
