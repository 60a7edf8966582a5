"""Citation mentions: citation keys in the format's syntax (``[@smith2020]``,
``\\cite{smith2020}``), numbered references (``[1]``, ``[2–4]``) and author-year citations
(``(Smith et al., 2020)``, ``Smith and Jones (2019)``), tied to the reference list."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bib.identifiers import inspect_identifier
from bib.text import caseless
from evidence.extract.mention import Mention
from evidence.extract.segment import Sentence
from evidence.read.document import Citation, Reference

# ---------------------------------------------------------------------------
# The reference list, indexed once per document


class ReferenceIndex:
    """A document's reference list with the lookups citations make, built once so that
    each citation costs a dictionary lookup instead of a pass over the whole list."""

    def __init__(self, references: Sequence[Reference]) -> None:
        self.references = references
        # label -> (index, entry) of the numbered entries; the last entry of a label wins.
        self.numbered = {
            r.label: (i, r) for i, r in enumerate(references) if r.label and r.label.isdigit()
        }
        # label -> index of the last entry with it, as a dict built over the list keeps.
        self.last_of_label = {r.label: i for i, r in enumerate(references)}
        # label -> every index with it, in order.
        self.all_of_label: dict[str | None, list[int]] = {}
        # (year, first surname folded) -> the first entry with both.
        self.by_author_year: dict[tuple[str | None, str], int] = {}
        # (year, first surname folded) -> every entry with both, in order.
        self.all_by_author_year: dict[tuple[str | None, str], list[int]] = {}
        # (year, author body folded) -> the first entry a body wrote ("World Health
        # Organization (WHO). WHO Laboratory Manual …. 2010."), by its name and its
        # abbreviation.
        self.by_body_year: dict[tuple[str | None, str], int] = {}
        # Every surname the entries name, folded.
        self.surnames: set[str] = set()
        for i, r in enumerate(references):
            self.all_of_label.setdefault(r.label, []).append(i)
            if r.surnames:
                key = (r.year, caseless(r.surnames[0]))
                self.by_author_year.setdefault(key, i)
                self.all_by_author_year.setdefault(key, []).append(i)
                self.surnames.update(caseless(name) for name in r.surnames)
            if r.year:
                for body in _entry_bodies(r.text):
                    self.by_body_year.setdefault((r.year, body), i)

    @classmethod
    def of(cls, references: Sequence[Reference] | ReferenceIndex) -> ReferenceIndex:
        return references if isinstance(references, ReferenceIndex) else cls(references)


# An entry's lead before its first full stop or colon: its author, when a body wrote it.
_ENTRY_LABEL = re.compile(r"^\s*(?:\[\d{1,4}\]|\d{1,4}[.)])\s+")
_ENTRY_LEAD = re.compile(r"^([^.:;]{2,80}?)(?:\.\s|:\s|\.$)")
_ABBREVIATION = re.compile(r"\(([^()]{2,15})\)")


def _body_key(name: str) -> str:
    """A body's name compared without case, punctuation and parenthesised parts."""
    return " ".join(re.findall(r"\w+", caseless(_ABBREVIATION.sub(" ", name))))


def _entry_bodies(text: str) -> list[str]:
    """The names an entry's lead may be cited by: "World Health Organization (WHO)" by
    "world health organization" and "who"."""
    lead = _ENTRY_LEAD.match(_ENTRY_LABEL.sub("", text, count=1))
    if lead is None:
        return []
    names = [_body_key(lead.group(1))]
    names += [_body_key(m.group(1)) for m in _ABBREVIATION.finditer(lead.group(1))]
    return [name for name in names if name]


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


def tied_mention(citation: Citation, text: str, references: Sequence[Reference]) -> Mention:
    """A citation the format tied to reference entry ``citation.reference``: numbered
    when the entry's label is a number, author-year otherwise."""
    index = citation.reference
    if index is None:
        raise ValueError("tied_mention needs a citation tied to a reference entry")
    entry = references[index]
    numbered = bool(entry.label and entry.label.isdigit())
    return Mention(
        kind="numbered" if numbered else "author-year",
        text=text[citation.start : citation.end],
        start=citation.start,
        end=citation.end,
        authors=[] if numbered else list(entry.surnames),
        year=None if numbered else entry.year,
        numbers=[int(entry.label)] if numbered and entry.label else [],
        reference=entry.text,
        reference_index=index,
    )


# ---------------------------------------------------------------------------
# Numbered references: [1], [2–4], [1, 3], (1, 3)

_NUMBER_LIST = r"\d{1,3}(?:\s*[-–—]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?)*"
# Spaces may stand inside the brackets: BMC's web pages print "[ 1 – 3 ]", "[ 4 , 5 ]".
_BRACKET_NUMBERS = re.compile(r"\[\s*(" + _NUMBER_LIST + r")\s*\]")
_PAREN_NUMBERS = re.compile(r"(?<![\w(])\((" + _NUMBER_LIST + r")\)")
# Brackets of a test statistic, not a citation: degrees of freedom glued to the
# statistic's symbol ("F[1,12] = 8.42", "t[23]", "χ2[2]"), or any bracket that a
# value is compared with ("[1, 12] = 8.42").
_STATISTIC_BEFORE = re.compile(r"(?:^|[^\w])[^\W\d_]\w?$")
_COMPARED_AFTER = re.compile(r"^\s*[=<>≤≥≈]")
# An enumeration marker, not a citation: "(1)" after the start of the sentence, a colon,
# semicolon, comma or "and"/"or", and before the words of the item it numbers
# ("the assumptions: (1) the birthmark was formed …, and (3) the third band").
_ENUMERATION_BEFORE = re.compile(r"(?:^|[:;,]|\b(?:and|or))\s*$", re.IGNORECASE)
_ENUMERATION_AFTER = re.compile(r"^\s+[^\W\d_]")


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


def numbered_style(sentences: Sequence[Sentence]) -> str | None:
    """ "bracket" when some sentence cites numbers in brackets ("[3]"), else None. A
    document keeps to one style: where brackets cite, numbers in parentheses are counts
    ("water bodies (57)"), enumerations or years, not citations."""
    for sentence in sentences:
        if sentence.block_kind == "heading" or "[" not in sentence.text:
            continue
        for m in _BRACKET_NUMBERS.finditer(sentence.text):
            before, after = sentence.text[: m.start()], sentence.text[m.end() :]
            if not _COMPARED_AFTER.match(after) and not _STATISTIC_BEFORE.search(before):
                return "bracket"
    return None


def numbered_mentions(
    sentence: Sentence,
    text: str,
    references: Sequence[Reference] | ReferenceIndex,
    *,
    style: str | None = None,
) -> list[Mention]:
    """Numbered citations of ``sentence``: in brackets always; in parentheses when the
    reference list is numbered and the document's ``style`` (``numbered_style``) is not
    "bracket"."""
    numbered = ReferenceIndex.of(references).numbered
    found: list[Mention] = []
    patterns = [_BRACKET_NUMBERS] + ([_PAREN_NUMBERS] if numbered and style != "bracket" else [])
    for pattern in patterns:
        for m in pattern.finditer(sentence.text):
            numbers = _expand_numbers(m.group(1))
            if not numbers:
                continue
            if pattern is _PAREN_NUMBERS and not all(str(n) in numbered for n in numbers):
                continue
            before, after = sentence.text[: m.start()], sentence.text[m.end() :]
            if _COMPARED_AFTER.match(after):
                continue
            if pattern is _BRACKET_NUMBERS and _STATISTIC_BEFORE.search(before):
                continue
            if (
                pattern is _PAREN_NUMBERS
                and len(numbers) == 1
                and _ENUMERATION_BEFORE.search(before)
                and _ENUMERATION_AFTER.match(after)
            ):
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
    r"(?:(?:[Vv][ao]n|[Dd](?:e[rn]?|[aiu]|el|os)|[Ll][ea]|[Tt]e[nr])\s+)*"
    r"[A-Z](?=[\w'’\-]*[a-z])[\w\-]*+(?:['’](?!s\b)[\w\-]++)*+"
)
_AUTHORS = (
    _NAME + r"(?:\s+et\s+al\.?|(?:\s*,\s*" + _NAME + r")*(?:,?\s+(?:and|&)\s+" + _NAME + r"))?"
)
# A year as citations write it ("2020", "2020a", "in press", "n.d."); layout for re.VERBOSE.
_YEAR_TOKEN = r"(?:1[6-9]|20)\d{2}[a-z]?|in\ press|n\.d\."
# A group in parentheses with a year, one parenthesised part allowed inside ("(World
# Health Organization (WHO), 2010)"), or in square brackets ("[Loefer & Sedberry, 2003]").
_PAREN_GROUP = re.compile(
    r"\(((?:[^()]|\([^()]*\))*?(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)"
    r"(?:[^()]|\([^()]*\))*)\)"
    r"|\[([^\[\]]*?(?:(?:1[6-9]|20)\d{2}[a-z]?|in press)[^\[\]]*)\]"
)
_LEAD_IN = r"(?:(?:see|e\.g\.|cf\.|i\.e\.|also|reviewed\ in)[,]?\s+)*"
# One item of a parenthesised group: "see Smith et al., 2020a, p. 4"
_PAREN_ITEM = re.compile(
    rf"""
    ^{_LEAD_IN}                                                      # lead-in words
    (?P<authors>{_AUTHORS}),?\s+
    (?P<years>(?:{_YEAR_TOKEN})(?:\s*,\s*(?:{_YEAR_TOKEN}))*)
    (?:\s*,\s*(?:p|pp)\.?\s*[\d–\-]+)?                                 # a page: ", p. 4"
    (?P<rest>\s+[a-z][^;]*)?\s*$                           # words after: "for its protocol"
    """,
    re.X,
)
# A body as author: "World Health Organization, 1999", "CICES, 2013"; tied or dropped.
_BODY_ITEM = re.compile(
    rf"""
    ^{_LEAD_IN}
    (?P<authors>[A-Z][^;]{{1,80}}?),?\s+
    (?P<years>(?:{_YEAR_TOKEN})(?:\s*,\s*(?:{_YEAR_TOKEN}))*)\s*$
    """,
    re.X,
)
# Outside any parentheses: "from Loefer & Sedberry, 2003 (R. terraenovae)"; tied or dropped.
_BARE = re.compile(
    rf"""
    (?<![\w(\[])(?P<authors>{_AUTHORS}),?\s+
    (?P<years>(?:1[6-9]|20)\d{{2}}[a-z]?(?:\s*,\s*(?:1[6-9]|20)\d{{2}}[a-z]?)*)(?![\w])
    """,
    re.X,
)
_BARE_YEAR = re.compile(r"(?<!\d)(?:1[6-9]|20)\d{2}[a-z]?\b")
# The end of a genus and species name, "Lamna nasus ", that a taxonomic authority
# ("(Bonnaterre, 1788)") follows.
_SPECIES_BEFORE = re.compile(r"\b[A-Z][a-z]+\.?\s+[a-z]{3,}\s*$")
# "Smith and Jones (2019)", "Lee et al.'s (2020a, 2021)"
_NARRATIVE = re.compile(
    rf"""
    (?<![\w])(?P<authors>{_AUTHORS})(?:'s|’s)?\s+
    \((?P<years>(?:{_YEAR_TOKEN})(?:\s*,\s*(?:{_YEAR_TOKEN}))*)\)
    """,
    re.X,
)
_HAS_YEAR = re.compile(r"\((?:[^()]*?\b)?(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)")
_YEAR_IN_PARENS = re.compile(r"\(\s*(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)")
_NOT_AUTHORS = frozenset(
    """in on at by for from since until the a an this that these those and or but
    january february march april may june july august september october november december
    spring summer autumn fall winter table figure fig section chapter study trial
    report survey version""".split()
)


_ET_AL = re.compile(r"\bet\s+al\b")
# "et al." in an entry's author list: the entry names only its first authors.
_ENTRY_ET_AL = re.compile(r"\bet\s+al\b|\bothers\b|…|\.\.\.")


def _surnames(authors: str) -> list[str]:
    cleaned = re.sub(r"\bet\s+al\.?", "", authors)
    names = [n.strip() for n in re.split(r",|\band\b|&", cleaned) if n.strip()]
    return names


def _match_reference(
    surnames: Sequence[str], year: str, references: ReferenceIndex, *, et_al: bool = False
) -> int | None:
    """The first entry of the year whose first surname is the citation's first and whose
    number of authors fits the citation's: "et al." stands for three or more authors,
    "Smith & Jones" for exactly two (Jones second), "Smith" for one author alone. An entry
    whose list ends in "et al." has at least one author more than it names."""
    if not surnames:
        return None
    found = references.all_by_author_year.get((year, caseless(surnames[0].split()[-1])))
    if not found:
        return None
    named = [caseless(name.split()[-1]) for name in surnames]
    for index in found:
        entry = references.references[index]
        listed = len(entry.surnames)
        more = bool(_ENTRY_ET_AL.search(_author_part(entry)))
        if et_al:
            fits = listed >= 3 or more
        else:
            fits = listed == len(named) or (more and listed < len(named))
            fits = fits and all(
                caseless(have) == want
                for have, want in zip(entry.surnames[1:], named[1:], strict=False)
            )
        if fits:
            return index
    return None


def _author_part(entry: Reference) -> str:
    """The text of an entry before its year: where its authors are."""
    text = entry.text
    if entry.year:
        cut = text.find(entry.year)
        if cut > 0:
            return text[:cut]
    return text[:200]


def author_year_mentions(
    sentence: Sentence, text: str, references: Sequence[Reference] | ReferenceIndex
) -> list[Mention]:
    """Author-year citations of ``sentence``: in parentheses, kept tied or not, unless a
    taxonomic authority; in square brackets, by a body or outside any brackets, kept only
    when tied to an entry."""
    found: list[Mention] = []
    references = ReferenceIndex.of(references)
    # Without parentheses only where the list is not numbered: a numbered article's
    # "Smith et al. 2003 [5]" cites entry 5 once, by its number.
    bare = (
        bool(references.by_author_year)
        and not references.numbered
        and bool(_BARE_YEAR.search(sentence.text))
    )
    if not bare and not _HAS_YEAR.search(sentence.text):
        return found
    taken: list[tuple[int, int]] = []
    groups = [
        (g.group(2), g.start(2), True) if g.group(1) is None else (g.group(1), g.start(1), False)
        for g in _PAREN_GROUP.finditer(sentence.text)
    ]
    while groups:
        body, offset, square = groups.pop(0)
        items = body.split(";")
        before = len(found)
        for item in items:
            mention = _group_item(item, sentence.start + offset, text, references)
            offset += len(item) + 1
            if mention is None:
                continue
            if mention.reference_index is None and (
                square
                or (
                    len(items) == 1
                    and _is_authority(mention, references, sentence.text[: offset - len(item) - 2])
                )
            ):
                continue
            found.append(mention)
            taken.append((mention.start, mention.end))
        if len(found) == before and "(" in body:
            # "(Marsh, cited in (Mooney et al., 1997))": the groups inside.
            start = offset - len(body) - 1
            groups[:0] = [
                (inner.group(1), start + inner.start(1), False)
                for inner in _PAREN_GROUP.finditer(body)
                if inner.group(1) is not None and inner.start() > 0
            ]
    if _YEAR_IN_PARENS.search(sentence.text):
        for m in _NARRATIVE.finditer(sentence.text):
            start = sentence.start + m.start()
            if m.group("authors").split()[0].lower() in _NOT_AUTHORS:
                continue
            if any(s <= start < e for s, e in taken):
                continue
            mention = _author_year(text, start, sentence.start + m.end(), m, references)
            found.append(mention)
            taken.append((start, mention.end))
    if bare:
        for m in _BARE.finditer(sentence.text):
            start = sentence.start + m.start()
            if any(s <= start < e for s, e in taken):
                continue
            if m.group("authors").split()[0].lower() in _NOT_AUTHORS:
                continue
            mention = _author_year(text, start, sentence.start + m.end(), m, references)
            if mention.reference_index is not None:
                found.append(mention)
    return found


def _group_item(item: str, start: int, text: str, references: ReferenceIndex) -> Mention | None:
    """The citation of one item of a group ("see Smith et al., 2020a, p. 4") starting at
    ``start`` in ``text``, or None."""
    stripped = item.strip()
    start += len(item) - len(item.lstrip())
    person: Mention | None = None
    m = _PAREN_ITEM.match(stripped)
    if m and m.group("authors").split()[0].lower() not in _NOT_AUTHORS:
        end = start + (m.start("rest") if m.group("rest") else len(stripped))
        person = _author_year(text, start, end, m, references)
        if person.reference_index is not None:
            return person
    # A body whose name reads as a surname too: "(Eurostat, 2019)".
    m = _BODY_ITEM.match(stripped)
    if m:
        years = [y.strip() for y in m.group("years").split(",")]
        index = references.by_body_year.get((years[0], _body_key(m.group("authors"))))
        if index is not None:
            return Mention(
                kind="author-year",
                text=text[start : start + len(stripped)],
                start=start,
                end=start + len(stripped),
                authors=[m.group("authors").strip()],
                year=years[0],
                reference=references.references[index].text,
                reference_index=index,
            )
    return person


def _is_authority(mention: Mention, references: ReferenceIndex, before: str) -> bool:
    """A taxonomic authority, not a citation: one author no entry names, after a genus
    and species ("Lamna nasus (Bonnaterre, 1788)")."""
    return (
        len(mention.authors) == 1
        and caseless(mention.authors[0].split()[-1]) not in references.surnames
        and bool(_SPECIES_BEFORE.search(before))
    )


def _author_year(
    text: str, start: int, end: int, m: re.Match[str], references: ReferenceIndex
) -> Mention:
    authors = _surnames(m.group("authors"))
    years = [y.strip() for y in m.group("years").split(",")]
    et_al = bool(_ET_AL.search(m.group("authors")))
    index = _match_reference(authors, years[0], references, et_al=et_al)
    return Mention(
        kind="author-year",
        text=text[start:end],
        start=start,
        end=end,
        authors=authors,
        year=years[0],
        reference=references.references[index].text if index is not None else None,
        reference_index=index,
    )
