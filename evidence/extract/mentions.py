"""What a sentence cites and how: identifiers, citation keys, numbered and
author-year references, narrative attributions to journals or institutions, and
vague appeals to research ("studies show").

Every mention carries the exact span it was found at (offsets into the document
text) and the fields parsed from it. Extraction is rule-based: each pattern is
compiled once and named after what it recognises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bib import identifiers as bib_identifiers
from bib.identifiers import Identifier, inspect_identifier, strip_trailing_punctuation
from evidence.extract.prefilter import SCREEN, UNSCANNED, Gated, Opened, Unscanned
from evidence.extract.segment import Sentence
from evidence.read import Citation, Document, Link, Reference, plain_text

MENTION_KINDS = (
    "doi",
    "pmid",
    "pmcid",
    "arxiv",
    "url",
    "citekey",
    "numbered",
    "author-year",
    "journal",
    "vague",
)
SOURCE_KINDS = frozenset(MENTION_KINDS) - {"url"}
"""Kinds that point at research (a bare web link does not)."""


@dataclass
class Mention:
    """One way a sentence refers to its evidence; ``text`` is ``document.text[start:end]``."""

    kind: str
    text: str
    start: int
    end: int
    identifier: str | None = None
    citekey: str | None = None
    journal: str | None = None
    institution: str | None = None
    authors: list[str] = field(default_factory=list)
    year: str | None = None
    numbers: list[int] = field(default_factory=list)
    reference: str | None = None
    reference_index: int | None = None
    finding: str | None = None
    known: bool | None = None
    inherited: bool = False

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


# ---------------------------------------------------------------------------
# Identifiers in prose

_URL = re.compile(r"\bhttps?://[^\s<>\"\]\[]+", re.I)


def find_identifiers(text: str) -> list[tuple[Identifier, int, int]]:
    """Scholarly identifiers (through ``bib.identifiers``) and other web links in
    ``text``, with their spans, in order."""
    found = list(bib_identifiers.find_identifiers(text))
    for m in _URL.finditer(text):
        url = strip_trailing_punctuation(m.group(0))
        start, end = m.start(), m.start() + len(url)
        if not any(s < end and start < e for _, s, e in found):
            found.append((Identifier("url", url), start, end))
    found.sort(key=lambda item: item[1])
    return found


# ---------------------------------------------------------------------------
# Citation keys written in the format's syntax

_PREFIXED = {"doi", "pmid", "pmcid", "arxiv", "url", "isbn"}


def _identifier_of(value: str) -> tuple[str, str] | None:
    """("doi", "10.1/x") for "doi:10.1/x"; None for a plain key."""
    prefix, _, rest = value.partition(":")
    prefix = prefix.lower()
    if not rest or prefix not in _PREFIXED:
        return None
    identifier, _ = inspect_identifier(value)
    if identifier is not None and identifier.kind == prefix:
        return identifier.kind, identifier.value
    if prefix == "doi":
        rest = rest.lower()
    elif prefix == "pmcid":
        rest = rest.upper()
    return prefix, rest


def citation_mention(
    citation: Citation, text: str, known_keys: set[str] | frozenset[str] | None
) -> Mention:
    span = text[citation.start : citation.end]
    ident = _identifier_of(citation.key)
    if ident is None and citation.resolved:
        ident = _identifier_of(citation.resolved)
    if ident is not None and ident[0] != "isbn":
        kind, value = ident
        return Mention(
            kind=kind,
            text=span,
            start=citation.start,
            end=citation.end,
            identifier=f"{kind}:{value}",
            citekey=citation.key,
            known=True if citation.resolved or _identifier_of(citation.key) else None,
        )
    known: bool | None = None
    if ident is not None:
        known = True
    elif citation.key.startswith("tag:") and not citation.resolved:
        known = False
    elif known_keys is not None:
        known = citation.key in known_keys
    return Mention(
        kind="citekey",
        text=span,
        start=citation.start,
        end=citation.end,
        identifier=f"{ident[0]}:{ident[1]}" if ident else None,
        citekey=citation.key,
        known=known,
    )


# ---------------------------------------------------------------------------
# Numbered references: [1], [2–4], [1, 3], (1, 3)

_NUMBER_LIST = r"\d{1,3}(?:\s*[-–—]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?)*"
_BRACKET_NUMBERS = re.compile(r"\[(" + _NUMBER_LIST + r")\]")
_PAREN_NUMBERS = re.compile(r"(?<![\w(])\((" + _NUMBER_LIST + r")\)")


def _expand_numbers(value: str) -> list[int]:
    numbers: list[int] = []
    for part in value.split(","):
        bounds = re.split(r"\s*[-–—]\s*", part.strip())
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            if low <= high and high - low <= 50:
                numbers.extend(range(low, high + 1))
                continue
        if bounds[0].isdigit():
            numbers.append(int(bounds[0]))
    return numbers


def numbered_mentions(
    sentence: Sentence, text: str, references: Sequence[Reference]
) -> list[Mention]:
    numbered = {r.label: (i, r) for i, r in enumerate(references) if r.label and r.label.isdigit()}
    found: list[Mention] = []
    patterns = [_BRACKET_NUMBERS] + ([_PAREN_NUMBERS] if numbered else [])
    for pattern in patterns:
        for m in pattern.finditer(sentence.text):
            numbers = _expand_numbers(m.group(1))
            if not numbers:
                continue
            if pattern is _PAREN_NUMBERS and not all(str(n) in numbered for n in numbers):
                continue
            start = sentence.start + m.start()
            tied = [numbered[str(n)] for n in numbers if str(n) in numbered]
            found.append(
                Mention(
                    kind="numbered",
                    text=text[start : sentence.start + m.end()],
                    start=start,
                    end=sentence.start + m.end(),
                    numbers=numbers,
                    reference=" | ".join(r.text for _, r in tied) or None,
                    reference_index=tied[0][0] if len(tied) == 1 else None,
                )
            )
    return found


# ---------------------------------------------------------------------------
# Author-year citations: (Smith et al., 2020), (Smith & Jones, 2019; Lee 2020),
# Smith and Jones (2019)

# A capitalised word with a lower-case letter after its first. The lookahead plus a
# possessive run match the same words as "[A-Z][\w'’-]*[a-z][\w'’-]*" without its
# backtracking, which made author-year scanning the slowest step of extraction.
_NAME = (
    r"(?:(?:van|von|de|der|den|da|di|du|le|la|del|dos|ten|ter)\s+)*"
    r"[A-Z](?=[\w'’\-]*[a-z])[\w\-]*+(?:['’](?!s\b)[\w\-]++)*+"
)
_AUTHORS = (
    _NAME + r"(?:\s+et\s+al\.?|(?:\s*,\s*" + _NAME + r")*(?:,?\s+(?:and|&)\s+" + _NAME + r"))?"
)
_YEAR_TOKEN = r"(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\."
_PAREN_GROUP = re.compile(r"\(([^()]*?(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)[^()]*)\)")
_PAREN_ITEM = re.compile(
    r"^(?:(?:see|e\.g\.|cf\.|i\.e\.|also|reviewed in)[,]?\s+)*(?P<authors>"
    + _AUTHORS
    + r"),?\s+(?P<years>(?:"
    + _YEAR_TOKEN
    + r")(?:\s*,\s*(?:"
    + _YEAR_TOKEN
    + r"))*)(?:\s*,\s*(?:p|pp)\.?\s*[\d–\-]+)?\s*$"
)
_NARRATIVE = re.compile(
    r"(?<![\w])(?P<authors>"
    + _AUTHORS
    + r")(?:'s|’s)?\s+\((?P<years>(?:"
    + _YEAR_TOKEN
    + r")(?:\s*,\s*(?:"
    + _YEAR_TOKEN
    + r"))*)\)"
)
_HAS_YEAR = re.compile(r"\((?:[^()]*?\b)?(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)")
_YEAR_IN_PARENS = re.compile(r"\(\s*(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)")
_NOT_AUTHORS = frozenset(
    """in on at by for from since until the a an this that these those and or but
    january february march april may june july august september october november december
    spring summer autumn fall winter table figure fig section chapter study trial
    report survey version""".split()
)


def _surnames(authors: str) -> list[str]:
    cleaned = re.sub(r"\bet\s+al\.?", "", authors)
    names = [n.strip() for n in re.split(r",|\band\b|&", cleaned) if n.strip()]
    return names


def _match_reference(
    surnames: Sequence[str], year: str, references: Sequence[Reference]
) -> int | None:
    if not surnames:
        return None
    first = plain_text(surnames[0].split()[-1])
    for index, reference in enumerate(references):
        if reference.year != year or not reference.surnames:
            continue
        if plain_text(reference.surnames[0]) == first:
            return index
    return None


def author_year_mentions(
    sentence: Sentence, text: str, references: Sequence[Reference]
) -> list[Mention]:
    found: list[Mention] = []
    if not _HAS_YEAR.search(sentence.text):
        return found
    taken: list[tuple[int, int]] = []
    for group in _PAREN_GROUP.finditer(sentence.text):
        offset = group.start(1)
        for item in group.group(1).split(";"):
            stripped = item.strip()
            lead = len(item) - len(item.lstrip())
            m = _PAREN_ITEM.match(stripped)
            if m and m.group("authors").split()[0].lower() not in _NOT_AUTHORS:
                start = sentence.start + offset + lead
                end = start + len(stripped)
                found.append(_author_year(text, start, end, m, references))
                taken.append((start, end))
            offset += len(item) + 1
    if not _YEAR_IN_PARENS.search(sentence.text):
        return found
    for m in _NARRATIVE.finditer(sentence.text):
        start = sentence.start + m.start()
        if m.group("authors").split()[0].lower() in _NOT_AUTHORS:
            continue
        if any(s <= start < e for s, e in taken):
            continue
        mention = _author_year(text, start, sentence.start + m.end(), m, references)
        bare_single = len(mention.authors) == 1 and "et al" not in m.group("authors")
        if bare_single and mention.reference_index is None and references:
            # "Trial (2019)" style false positives: a lone capitalised word counts
            # only when it matches the reference list or none exists.
            pass
        found.append(mention)
    return found


def _author_year(
    text: str, start: int, end: int, m: re.Match[str], references: Sequence[Reference]
) -> Mention:
    authors = _surnames(m.group("authors"))
    years = [y.strip() for y in m.group("years").split(",")]
    index = _match_reference(authors, years[0], references)
    return Mention(
        kind="author-year",
        text=text[start:end],
        start=start,
        end=end,
        authors=authors,
        year=years[0],
        reference=references[index].text if index is not None else None,
        reference_index=index,
    )


# ---------------------------------------------------------------------------
# Narrative attributions: "a study published in the Journal of X found that …"

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
_JOURNAL_NAME = r"(?P<name>(?:The\s+)?" + _NAME_CORE + r"(?:" + _NAME_LIST_TAIL + r")?)"
_QUOTE = r"[\"“”']?"
_TIME_WORDS = (
    r"(?:(?:online|today|yesterday|recently|earlier|later|previously|first|this\s+\w+|last\s+\w+|"
    r"next\s+\w+|early|late|in\s+(?:" + _MONTHS + r")\.?(?:\s+\d{4})?|in\s+\d{4}|on\s+\w+\.?\s*\d*|"
    r"(?:" + _DAYS + r")|(?:" + _MONTHS + r")\.?\s*\d{0,2}|\d{4}|"
    r"this\s+month's\s+issue\s+of|the\s+\w+\s+(?:\d+\s+)?(?:online\s+)?(?:issue|edition)\s+of|"
    r"(?:an?|the)\s+(?:upcoming|recent|new|latest|current)\s+issue\s+of|"
    r"(?:July|June|\w+)\s+edition\s+of)[,]?\s+)"
)
_VENUE_VERB = (
    r"(?:published|posted|released|reported|appearing|appears|appeared|printed|presented|"
    r"described|detailed|featured|out|outlined|issued)"
)
_ORG_PREFIX = (
    r"(?:(?:the\s+)?(?P<org>(?:[A-Z][\w'’\-]*\s+){0,6}[A-Z][\w'’\-]*)(?:'s|’s)?\s+"
    r"(?:\([A-Z]{2,8}\)\s+)?)"
)
_ADJECTIVES = r"(?:(?:medical|scientific|peer[- ]reviewed|online|open[- ]access|leading|prestigious|academic|research|British|American|journal)\s+)*"

_JOURNAL_AFTER_VERB = re.compile(
    r"\b(?P<verb>" + _VENUE_VERB + r")\s+"
    r"(?:(?!in\b)\w+\s+){0,3}?" + _TIME_WORDS + r"*"
    r"(?:in\s+" + _TIME_WORDS + r"*|by\s+(?=the\s+journal\b))"
    r"(?:(?:the\s+)?"
    + _ADJECTIVES
    + r"journal\s+"
    + _QUOTE
    + _JOURNAL_NAME
    + _QUOTE
    + r"|"
    + _ORG_PREFIX
    + _ADJECTIVES
    + r"journal\s+"
    + _QUOTE
    + _JOURNAL_NAME.replace("name", "name2")
    + _QUOTE
    + r"|(?:the\s+)?"
    + _QUOTE
    + _JOURNAL_NAME.replace("name", "name3")
    + _QUOTE
    + r"(?P<suffix>\s+(?:medical\s+|scientific\s+)?journal)?)"
)
# "a 2019 study in The Lancet": no verb, so the name must look like a journal.
_JOURNAL_WORDS = re.compile(
    r"\b(?:Journal|Lancet|BMJ|JAMA|Nature|Science|PLOS|PLoS|Annals|Archives|Proceedings|"
    r"Review|Reviews|Letters|Reports|Bulletin|Cell|Pediatrics|Neurology|Medicine|Circulation|"
    r"NEJM|PNAS|Cancer|Gastroenterology|Diabetes|Obesity|Epidemiology|Psychiatry|Oncology)\b"
)
_JOURNAL_AFTER_NOUN = re.compile(
    r"\b(?P<noun>study|studies|research|paper|trial|review|analysis|report|article|findings|"
    r"results|meta-analysis|survey|letter)\s+(?:\w+\s+){0,2}?in\s+"
    r"(?:(?:the\s+)?"
    + _ADJECTIVES
    + r"journal\s+"
    + _QUOTE
    + _JOURNAL_NAME
    + _QUOTE
    + r"|(?:the\s+)?"
    + _JOURNAL_NAME.replace("name", "name3")
    + r")"
)
_INSTITUTION = re.compile(
    r"\b(?P<who>(?i:researchers|scientists|investigators|experts|doctors|physicians|a\s+team|"
    r"the\s+team|team|authors|study|research|report|survey|analysis|paper|trial|review))\s+"
    r"(?:(?:led\s+)?(?:at|from|by|of)\s+)(?:the\s+)?"
    r"(?P<inst>(?:[A-Z][\w'’\-.]*|&)(?:\s+(?:of|for|and|de|&)?\s*(?:the\s+)?[A-Z][\w'’\-.]*)*)"
)
_PUBLISHED_BY = re.compile(
    r"\b(?P<who>published|conducted|led|funded|done|carried\s+out|run)\s+(?:[\w,]+\s+){0,4}?by\s+"
    r"(?:the\s+)?(?P<inst>(?:[A-Z][\w'’\-.]*|&)(?:\s+(?:of|for|and|de|&)?\s*(?:the\s+)?"
    r"[A-Z][\w'’\-.]*)*)"
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
_FINDING = re.compile(
    r"\b(?:found|find|finds|showed|shows|shown|show|located|discovered|discovers|reported|reports|"
    r"suggests|suggested|suggest|concluded|concludes|demonstrated|demonstrates|revealed|reveals|"
    r"indicates|indicated|confirmed|confirms|presented|observed|noted|determined|established)"
    r"\b(?:\s+that\b)?[,:]?\s*"
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


def _finding_after(sentence_text: str, position: int) -> str | None:
    m = _FINDING.search(sentence_text, position)
    if m is None:
        m = _FINDING.search(sentence_text)
        if m is None or m.start() > position:
            return None
    finding = sentence_text[m.end() :].strip().rstrip(".!;")
    return finding or None


def journal_mentions(
    sentence: Sentence, text: str, seen: Opened | Unscanned = UNSCANNED
) -> list[Mention]:
    """Narrative attributions naming a journal or an institution. ``seen``: what
    ``gates.SCREEN.scan`` found in the sentence's lower-cased text (scanned here if not
    given)."""
    found: list[Mention] = []
    s = sentence.text
    if isinstance(seen, Unscanned):
        seen = SCREEN.scan(s.lower())
    for gated in _GATED_JOURNAL:
        pattern = gated.pattern
        for m in gated.finditer(s, seen):
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
                    finding=_finding_after(s, name_end),
                )
            )
    if found:
        return found
    for gated in _GATED_INSTITUTION:
        pattern = gated.pattern
        for m in gated.finditer(s, seen):
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
                    finding=_finding_after(s, end - sentence.start),
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
        finding=_finding_after(sentence.text, m.end()),
        inherited=True,
    )


# ---------------------------------------------------------------------------
# Vague appeals to research

_GENERIC_SUBJECT = (
    r"(?:(?:some|many|several|numerous|multiple|recent|new|previous|past|other|various|countless|"
    r"a\s+number\s+of|a\s+lot\s+of|lots\s+of|a\s+growing\s+body\s+of|growing|clinical|scientific|"
    r"medical)\s+)*"
)
_VAGUE_PATTERNS = [
    re.compile(
        r"(?<![\w'’])(?<!the\s)(?<!this\s)(?<!our\s)(?<!their\s)(?<!that\s)(?<!his\s)(?<!her\s)"
        + r"(?:(?i:"
        + _GENERIC_SUBJECT
        + r"))"
        r"(?i:studies|research|investigations?|evidence|science|scientists|experts|researchers|"
        r"doctors|trials|data|literature|reports|surveys|study|investigation|analyses)"
        r"\s+(?:(?:has|have|had)\s+(?:also\s+)?(?:consistently\s+|repeatedly\s+|long\s+|even\s+)?"
        r"(?:shown|found|showed|proven|proved|presented|demonstrated|revealed|confirmed|reported|"
        r"suggested|indicated|established|linked|associated|concluded|discovered|located)"
        r"|(?:show|shows|suggest|suggests|indicate|indicates|prove|proves|confirm|confirms|"
        r"say|says|agree|agrees|believe|believes|reveal|reveals|demonstrate|demonstrates|"
        r"point\s+to|points\s+to|support|supports|recommend|recommends))\b",
        re.I,
    ),
    re.compile(
        r"(?i:\bit\s+(?:is|'s|’s|has\s+been)\s+(?:well[- ]|widely\s+|commonly\s+|generally\s+)"
        r"(?:known|established|documented|accepted|recogni[sz]ed)\b)"
    ),
    re.compile(
        r"(?i:\bit\s+has\s+been\s+(?:shown|proven|demonstrated|found|reported|suggested)\b)"
    ),
    re.compile(r"(?i:\b(?:clinically|scientifically)\s+(?:proven|tested|shown)\b)"),
    re.compile(
        r"(?i:\baccording\s+to\s+(?:some\s+|many\s+|recent\s+|several\s+)?"
        r"(?:studies|research|experts|scientists|researchers|doctors|science)\b)"
    ),
    re.compile(
        r"(?i:\b(?:there\s+is|there's|there’s)\s+(?:growing\s+|strong\s+|some\s+|good\s+|"
        r"mounting\s+|increasing\s+|ample\s+|little\s+|no\s+)?(?:scientific\s+)?evidence\b)"
    ),
    re.compile(
        r"(?i:\b(?:a|one|another|one\s+more)\s+(?:recent\s+|new\s+|small\s+|large\s+|major\s+|"
        r"landmark\s+)*(?:study|research\s+study|trial|survey|report|analysis|paper)\s+"
        r"(?:found|showed|shows|suggests|suggested|revealed|discovered|concluded|reported|"
        r"located|presented|demonstrated|indicates|indicated))\b"
    ),
]


# Each pattern of journal_mentions and vague_mentions behind the literals it needs
# (evidence.extract.prefilter): one scan of a sentence tells which can match it at all.
# (Kept in tuples, not in a dict keyed by pattern: hashing a compiled pattern hashes
# its whole program, every time.)
_GATED_JOURNAL = tuple(Gated(p, SCREEN) for p in (_JOURNAL_AFTER_VERB, _JOURNAL_AFTER_NOUN))
_GATED_INSTITUTION = tuple(
    Gated(p, SCREEN) for p in (_INSTITUTION, _PUBLISHED_BY, _PREFIX_INSTITUTION)
)
_GATED_VAGUE = tuple(Gated(pattern, SCREEN) for pattern in _VAGUE_PATTERNS)
GATED_PATTERNS = [g.pattern for g in _GATED_JOURNAL + _GATED_INSTITUTION + _GATED_VAGUE]


def vague_mentions(
    sentence: Sentence, text: str, seen: Opened | Unscanned = UNSCANNED
) -> list[Mention]:
    found: list[Mention] = []
    if isinstance(seen, Unscanned):
        seen = SCREEN.scan(sentence.text.lower())
    for gated in _GATED_VAGUE:
        for m in gated.finditer(sentence.text, seen):
            start = sentence.start + m.start()
            end = sentence.start + m.end()
            if any(f.start < end and start < f.end for f in found):
                continue
            found.append(
                Mention(
                    kind="vague",
                    text=text[start:end],
                    start=start,
                    end=end,
                    finding=_finding_after(sentence.text, m.end() - 1),
                )
            )
    found.sort(key=lambda mention: mention.start)
    return found


# ---------------------------------------------------------------------------
# All mentions of a document, sentence by sentence


def _link_mentions(links: Iterable[Link], text: str) -> list[Mention]:
    found: list[Mention] = []
    for link in links:
        ident, _ = inspect_identifier(link.target)
        if ident is None:
            ident = Identifier("url", link.target)
        found.append(
            Mention(
                kind=ident.kind if ident.kind in MENTION_KINDS else "url",
                text=text[link.start : link.end],
                start=link.start,
                end=link.end,
                identifier=str(ident),
            )
        )
    return found


def find_mentions(
    document: Document,
    sentences: Sequence[Sentence],
    known_keys: set[str] | frozenset[str] | None = None,
    scans: Sequence[Opened] | None = None,
) -> list[list[Mention]]:
    """Mentions per sentence (same order as ``sentences``), each sorted by position.
    ``scans``: ``gates.SCREEN.scan`` of each sentence's lower-cased text, when known."""
    text = document.text
    result: list[list[Mention]] = [[] for _ in sentences]
    starts = [s.start for s in sentences]

    def owner(position: int) -> int | None:
        from bisect import bisect_right

        index = bisect_right(starts, position) - 1
        if index >= 0 and sentences[index].start <= position < sentences[index].end:
            return index
        return None

    cited_spans: list[tuple[int, int]] = []
    for citation in document.citations:
        index = owner(citation.start)
        if index is None:
            continue
        result[index].append(citation_mention(citation, text, known_keys))
        cited_spans.append((citation.group_start, citation.group_end))
    for mention in _link_mentions(document.links, text):
        index = owner(mention.start)
        if index is not None:
            result[index].append(mention)
            cited_spans.append((mention.start, mention.end))
    for ident, start, end in find_identifiers(text):
        index = owner(start)
        if index is None or any(s <= start < e for s, e in cited_spans):
            continue
        end = min(end, sentences[index].end)
        result[index].append(
            Mention(
                kind=ident.kind if ident.kind in MENTION_KINDS else "url",
                text=text[start:end],
                start=start,
                end=end,
                identifier=str(ident),
            )
        )
    for index, sentence in enumerate(sentences):
        if sentence.block_kind == "heading":
            continue
        mentions = result[index]
        blocked = cited_spans
        mentions.extend(
            m
            for m in numbered_mentions(sentence, text, document.references)
            if not any(s <= m.start < e for s, e in blocked)
        )
        mentions.extend(author_year_mentions(sentence, text, document.references))
        seen = scans[index] if scans is not None else SCREEN.scan(sentence.text.lower())
        mentions.extend(journal_mentions(sentence, text, seen))
        if index > 0 and not any(m.kind == "journal" for m in mentions):
            inherited = inherited_mention(sentence, result[index - 1])
            if inherited is not None:
                mentions.append(inherited)
        if not any(m.kind in SOURCE_KINDS for m in mentions):
            mentions.extend(vague_mentions(sentence, text, seen))
        mentions.sort(key=lambda mention: (mention.start, mention.end))
    return result
