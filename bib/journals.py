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

from bib.text import ascii_words
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


def abbreviates(short: str, full: str) -> bool:
    """Whether one word abbreviates the other as ISO 4 does: a prefix ("Int" for
    "International") or, from four letters on, the same first three letters and the
    rest in order ("Natl" for "National")."""
    if full.startswith(short):
        return True
    if len(short) < 4 or short[:3] != full[:3]:
        return False
    rest = iter(full[3:])
    return all(ch in rest for ch in short[3:])


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
    """Whether two journal names name one journal.

    Equal normalised titles match ("The Lancet" ~ "Lancet (London, England)"); so does an
    ISO 4 abbreviation of the same length in words ("Int J Neurosci" ~ "International
    Journal of Neuroscience"), and an all-capitals acronym of every word ("NEJM").
    A longer or shorter title is another journal ("The Lancet Psychiatry" is not "The
    Lancet"; "Journal of Clinical Nursing" is not "Journal of Clinical Neuroscience").
    """
    return _same_tokens(journal_tokens(a), journal_tokens(b))


def journal_agrees(named: str, work: Work) -> bool:
    """Whether a work appeared in the named journal (its title or ISO abbreviation)."""
    return any(same_journal(named, name) for name in (work.journal, work.journal_abbrev) if name)


def journal_similarity(a: str | None, b: str | None) -> float:
    """Similarity of journal names in [0, 1]: 1.0 exactly when :func:`same_journal`;
    otherwise the words' fuzzy overlap, at most NEAR_MISS (partial evidence for a
    reference whose journal was parsed imperfectly)."""
    ta, tb = journal_tokens(a), journal_tokens(b)
    if not ta or not tb:
        return 0.0
    if _same_tokens(ta, tb):
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
