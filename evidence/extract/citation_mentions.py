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
        for i, r in enumerate(references):
            self.all_of_label.setdefault(r.label, []).append(i)
            if r.surnames:
                key = (r.year, caseless(r.surnames[0]))
                self.by_author_year.setdefault(key, i)
                self.all_by_author_year.setdefault(key, []).append(i)

    @classmethod
    def of(cls, references: Sequence[Reference] | ReferenceIndex) -> ReferenceIndex:
        return references if isinstance(references, ReferenceIndex) else cls(references)


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
    r"(?:(?:van|von|de|der|den|da|di|du|le|la|del|dos|ten|ter)\s+)*"
    r"[A-Z](?=[\w'’\-]*[a-z])[\w\-]*+(?:['’](?!s\b)[\w\-]++)*+"
)
_AUTHORS = (
    _NAME + r"(?:\s+et\s+al\.?|(?:\s*,\s*" + _NAME + r")*(?:,?\s+(?:and|&)\s+" + _NAME + r"))?"
)
# A year as citations write it ("2020", "2020a", "in press", "n.d."); layout for re.VERBOSE.
_YEAR_TOKEN = r"(?:1[6-9]|20)\d{2}[a-z]?|in\ press|n\.d\."
_PAREN_GROUP = re.compile(r"\(([^()]*?(?:(?:1[6-9]|20)\d{2}[a-z]?|in press|n\.d\.)[^()]*)\)")
# One item of a parenthesised group: "see Smith et al., 2020a, p. 4"
_PAREN_ITEM = re.compile(
    rf"""
    ^(?:(?:see|e\.g\.|cf\.|i\.e\.|also|reviewed\ in)[,]?\s+)*        # lead-in words
    (?P<authors>{_AUTHORS}),?\s+
    (?P<years>(?:{_YEAR_TOKEN})(?:\s*,\s*(?:{_YEAR_TOKEN}))*)
    (?:\s*,\s*(?:p|pp)\.?\s*[\d–\-]+)?\s*$                            # a page: ", p. 4"
    """,
    re.X,
)
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
    found: list[Mention] = []
    if not _HAS_YEAR.search(sentence.text):
        return found
    references = ReferenceIndex.of(references)
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
        found.append(mention)
    return found


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
