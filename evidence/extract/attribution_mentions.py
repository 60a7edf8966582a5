"""Attribution mentions: a sentence that names the journal or institution behind a
finding ("a study published in the Journal of X found that …", "researchers at Y
University found …"), and the next sentence that continues it ("The study also found …").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evidence.extract.mention import Mention, finding_after
from evidence.extract.prefilter import SCREEN, UNSCANNED, AllMatches, Opened, Unscanned
from evidence.extract.segment import Sentence

_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
_DAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Today|Yesterday"
# A word of a journal name: capitalised, an acronym, a known lower-case title,
# or "&"; connectors (of, and, for, in, on, the) only between such words.
_NAME_WORD = (
    r"(?!(?:" + _MONTHS + r"|" + _DAYS + r")\b)"
    r"(?:[A-Z][\w'’\-.]*|&|e[A-Z]\w*|m[A-Z]\w*|npj|ecancermedicalscience|eLife|mBio|iScience|"
    r"bioRxiv|medRxiv|arXiv|PLoS|PLOS)"
)
_CONNECTOR = r"(?:of|and|for|in|on|the|de|du|und|&)"
_NAME_CORE = _NAME_WORD + r"(?:\s+(?:" + _CONNECTOR + r"\s+)*" + _NAME_WORD + r")*"
# "Cancer Epidemiology, Biomarkers and Prevention"; "Oncology, Biology, Physics"
_NAME_LIST_TAIL = (
    r"(?:(?:,\s+"
    + _NAME_WORD
    + r")+,?\s+(?:and|&)\s+"
    + _NAME_WORD
    + r"|(?:,\s+"
    + _NAME_WORD
    + r"){2,})"
)


def _journal_name(group: str) -> str:
    """A journal's name, captured as ``group``."""
    return rf"(?P<{group}>(?:The\s+)?{_NAME_CORE}(?:{_NAME_LIST_TAIL})?)"


_QUOTE = r"[\"“”']?"
# When and where the venue comes before the name: "online today in", "in the May issue
# of", "in this month's issue of". (Layout for re.VERBOSE: used in _JOURNAL_AFTER_VERB only.)
_TIME_WORDS = rf"""
    (?:(?:online|today|yesterday|recently|earlier|later|previously|first|this\s+\w+|last\s+\w+
        |next\s+\w+|early|late|in\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?|in\s+\d{{4}}|on\s+\w+\.?\s*\d*
        |(?:{_DAYS})|(?:{_MONTHS})\.?\s*\d{{0,2}}|\d{{4}}
        |this\s+month's\s+issue\s+of
        |the\s+\w+\s+(?:\d+\s+)?(?:online\s+)?(?:issue|edition)\s+of
        |(?:an?|the)\s+(?:upcoming|recent|new|latest|current)\s+issue\s+of
        |(?:July|June|\w+)\s+edition\s+of)[,]?\s+)
"""
_VENUE_VERB = (
    r"(?:published|posted|released|reported|appearing|appears|appeared|printed|presented|"
    r"described|detailed|featured|out|outlined|issued)"
)
_ORG_PREFIX = (
    r"(?:(?:the\s+)?(?P<org>(?:[A-Z][\w'’\-]*\s+){0,6}[A-Z][\w'’\-]*)(?:'s|’s)?\s+"
    r"(?:\([A-Z]{2,8}\)\s+)?)"
)
_ADJECTIVES = r"(?:(?:medical|scientific|peer[- ]reviewed|online|open[- ]access|leading|prestigious|academic|research|British|American|journal)\s+)*"

# "published online today in the Journal of X", "appeared in The Lancet", "reported by
# the journal Nature", "published in the American Heart Association's journal Y".
_JOURNAL_AFTER_VERB = re.compile(
    rf"""
    \b(?P<verb>{_VENUE_VERB})\s+
    (?:(?!in\b)\w+\s+){{0,3}}?{_TIME_WORDS}*               # "published online today"
    (?:in\s+{_TIME_WORDS}*|by\s+(?=the\s+journal\b))
    (?:(?:the\s+)?{_ADJECTIVES}journal\s+{_QUOTE}{_journal_name("name")}{_QUOTE}
    | {_ORG_PREFIX}{_ADJECTIVES}journal\s+{_QUOTE}{_journal_name("name2")}{_QUOTE}
    | (?:the\s+)?{_QUOTE}{_journal_name("name3")}{_QUOTE}
        (?P<suffix>\s+(?:medical\s+|scientific\s+)?journal)?   # "in Nature journal"
    )
    """,
    re.X,
)
# "a 2019 study in The Lancet": no verb, so the name must look like a journal.
_JOURNAL_WORDS = re.compile(
    r"\b(?:Journal|Lancet|BMJ|JAMA|Nature|Science|PLOS|PLoS|Annals|Archives|Proceedings|"
    r"Review|Reviews|Letters|Reports|Bulletin|Cell|Pediatrics|Neurology|Medicine|Circulation|"
    r"NEJM|PNAS|Cancer|Gastroenterology|Diabetes|Obesity|Epidemiology|Psychiatry|Oncology)\b"
)
_JOURNAL_AFTER_NOUN = re.compile(
    rf"""
    \b(?P<noun>study|studies|research|paper|trial|review|analysis|report|article|findings
        |results|meta-analysis|survey|letter)\s+(?:\w+\s+){{0,2}}?in\s+
    (?:(?:the\s+)?{_ADJECTIVES}journal\s+{_QUOTE}{_journal_name("name")}{_QUOTE}
    | (?:the\s+)?{_journal_name("name3")})
    """,
    re.X,
)
# "researchers at Harvard University", "a team from the Mayo Clinic"
_INSTITUTION = re.compile(
    r"""
    \b(?P<who>(?i:researchers|scientists|investigators|experts|doctors|physicians|a\s+team
        |the\s+team|team|authors|study|research|report|survey|analysis|paper|trial|review))\s+
    (?:(?:led\s+)?(?:at|from|by|of)\s+)(?:the\s+)?
    (?P<inst>(?:[A-Z][\w'’\-.]*|&)                     # capitalised words, joined by
        (?:\s+(?:of|for|and|de|&)?\s*(?:the\s+)?[A-Z][\w'’\-.]*)*)   # of, for, and, the
    """,
    re.X,
)
# "a trial conducted in 2019 by the University of X"
_PUBLISHED_BY = re.compile(
    r"""
    \b(?P<who>published|conducted|led|funded|done|carried\s+out|run)\s+(?:[\w,]+\s+){0,4}?by\s+
    (?:the\s+)?
    (?P<inst>(?:[A-Z][\w'’\-.]*|&)
        (?:\s+(?:of|for|and|de|&)?\s*(?:the\s+)?[A-Z][\w'’\-.]*)*)
    """,
    re.X,
)
_INSTITUTION_WORDS = re.compile(
    r"\b(?:University|Universit\w+|College|Institute|Institutes|Hospital|Clinic|Center|Centre|"
    r"Centers|Centres|School|Foundation|Society|Association|Academy|Council|Agency|Organi[sz]ation|"
    r"Laboratory|Laboratories|Department|Ministry|Service|Harvard|Stanford|Yale|Oxford|Cambridge|"
    r"Princeton|MIT|NIH|CDC|WHO|FDA|NHS|Kaiser|Mayo|Cochrane|Pew|RAND|Gallup)\b"
)
_PREFIX_INSTITUTION = re.compile(
    r"\b(?:an?|the)\s+(?P<inst>(?:[A-Z][\w'’\-]*\s+){0,4}(?:University|Clinic|Institute|"
    r"Hospital|Center|Centre|Foundation|Harvard|Stanford|Yale|Oxford|Mayo\s+Clinic|Cochrane)"
    r"(?:\s+[A-Z][\w'’\-]*){0,3})\s+(?:study|studies|research|report|review|analysis|trial|team)\b"
)
_YEAR = re.compile(r"\b(?:1[89]|20)\d{2}\b")
_TRAILING_NAME_JUNK = re.compile(r"(?:\s+(?:and|&|of|for|in|on|the|de))+$|[.,’']+$")
_ANAPHORA = re.compile(
    r"^(?:(?:The|This|That|These|Those|Its|Their|Such)\s+(?:same\s+|new\s+|latest\s+|"
    r"recent\s+|current\s+|\d{4}\s+)?(?:study|studies|research|researchers|authors|paper|trial|"
    r"review|analysis|team|findings|results|investigators|scientists|data|report|work)\b"
    r"|(?:It|They)\s+(?:also|further|additionally)\b)"
)
_CONTINUATION = re.compile(
    r"\b(?:also|further|additionally|too|moreover|furthermore|likewise|as well)\b"
    r"|^(?:The|This|These)\s+(?:study|studies|research|researchers|authors|paper|trial|review|"
    r"analysis|team|findings|results)\s+(?:found|showed|shows|suggest|suggests|reported|"
    r"concluded|revealed|demonstrated|indicated)"
)


def _clean_name(name: str) -> str:
    name = name.strip().strip("\"“”'")
    previous = None
    while previous != name:
        previous = name
        name = _TRAILING_NAME_JUNK.sub("", name).rstrip()
    return name


# Each pattern of journal_mentions behind the literals it needs (evidence.extract.prefilter):
# one scan of a sentence tells which can match it at all. (Kept in tuples, not in a dict
# keyed by pattern: hashing a compiled pattern hashes its whole program, every time.)
_JOURNAL_SEARCHES = tuple(AllMatches(p, SCREEN) for p in (_JOURNAL_AFTER_VERB, _JOURNAL_AFTER_NOUN))
_INSTITUTION_SEARCHES = tuple(
    AllMatches(p, SCREEN) for p in (_INSTITUTION, _PUBLISHED_BY, _PREFIX_INSTITUTION)
)
PREFILTERED_PATTERNS = [s.pattern for s in _JOURNAL_SEARCHES + _INSTITUTION_SEARCHES]


def journal_mentions(
    sentence: Sentence, text: str, seen: Opened | Unscanned = UNSCANNED
) -> list[Mention]:
    """Narrative attributions naming a journal or an institution. ``seen``: what
    ``prefilter.SCREEN.scan`` found in the sentence's lower-cased text (scanned here if not
    given)."""
    found: list[Mention] = []
    s = sentence.text
    if isinstance(seen, Unscanned):
        seen = SCREEN.scan(s.lower())
    for search in _JOURNAL_SEARCHES:
        pattern = search.pattern
        for m in search.finditer(s, seen):
            group = next(g for g in ("name", "name2", "name3") if m.groupdict().get(g))
            raw = m.group(group)
            name = _clean_name(raw)
            if not name or len(name) < 2:
                continue
            if (
                group == "name3"
                and pattern is _JOURNAL_AFTER_NOUN
                and not _JOURNAL_WORDS.search(name)
            ):
                continue
            if group == "name3" and not m.groupdict().get("suffix") and _is_place_or_time(name):
                continue
            name_start = s.find(name, m.start(group))
            name_end = name_start + len(name)
            if any(mn.start <= sentence.start + name_start < mn.end for mn in found):
                continue
            institution = m.groupdict().get("org")
            if institution:
                institution = re.sub(r"(?:'s|’s)$", "", institution)
            start = sentence.start + m.start()
            end = sentence.start + name_end
            found.append(
                Mention(
                    kind="journal",
                    text=text[start:end],
                    start=start,
                    end=end,
                    journal=name,
                    institution=institution,
                    year=_first_year(s),
                    finding=finding_after(s, name_end),
                )
            )
    if found:
        return found
    for search in _INSTITUTION_SEARCHES:
        pattern = search.pattern
        for m in search.finditer(s, seen):
            inst = _clean_name(m.group("inst"))
            if not inst or not _INSTITUTION_WORDS.search(inst):
                continue
            start = sentence.start + m.start()
            inst_end = s.find(inst, m.start("inst")) + len(inst)
            end = sentence.start + max(inst_end, m.end())
            if pattern is not _PREFIX_INSTITUTION:
                end = sentence.start + inst_end
            found.append(
                Mention(
                    kind="journal",
                    text=text[start:end],
                    start=start,
                    end=end,
                    institution=inst,
                    year=_first_year(s),
                    finding=finding_after(s, end - sentence.start),
                )
            )
        if found:
            break
    return found


_PLACES = frozenset(
    """China Japan India Europe America Africa Asia Australia Canada Britain England France
    Germany Italy Spain Sweden Denmark Norway Finland Brazil Mexico Korea Israel Iran US USA
    UK U.S. U.K. Scotland Wales Ireland Netherlands Switzerland Austria Belgium Poland
    Russia Turkey Egypt Nigeria Kenya California Texas Florida Boston London Paris""".split()
)


def _is_place_or_time(name: str) -> bool:
    first = name.split()[0]
    return first in _PLACES or bool(re.fullmatch(r"(?:" + _MONTHS + r"|" + _DAYS + r")\.?", first))


def _first_year(value: str) -> str | None:
    m = _YEAR.search(value)
    return m.group(0) if m else None


def inherited_mention(sentence: Sentence, previous: Sequence[Mention]) -> Mention | None:
    """A mention for "The study also found…" continuing the previous attribution."""
    journal = next((m for m in previous if m.kind == "journal"), None)
    if journal is None:
        return None
    m = _ANAPHORA.match(sentence.text)
    if m is None or not _CONTINUATION.search(sentence.text):
        return None
    return Mention(
        kind="journal",
        text=sentence.text[: m.end()],
        start=sentence.start,
        end=sentence.start + m.end(),
        journal=journal.journal,
        institution=journal.institution,
        year=journal.year,
        finding=finding_after(sentence.text, m.end()),
        inherited=True,
    )
