"""The key terms of a narrative finding, and who it is about.

A finding quoted in the news is a paraphrase, often through a text spinner ("located"
for "found", "reduced back pain" for "low back pain"). :func:`key_terms` keeps its
content words (stop words, reporting verbs and spun filler dropped; plurals folded; a
few spun synonyms mapped back); :func:`populations` names who was studied. Both read a
candidate's title and abstract the same way, so the two sides meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bib.text import ascii_fold

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
EXCLUSIVE = (
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


def text_stems(*texts: str | None) -> set[str]:
    """The matching stems of every word of the texts (see :class:`Term`)."""
    return {_stem(w) for text in texts if text for w in _words(text)}
