"""The reference list at the end of a document: finding it and parsing its entries."""

from __future__ import annotations

import re

from evidence.read.document import Block, Document, Reference

REFERENCE_HEADING = re.compile(
    r"""
    ^\s*
    (?:\d+\.?\s*)?                  # a section number: "7." or "7"
    (
        references?(?:\ cited)?
      | bibliography
      | works\ cited
      | literature\ cited
      | literature
      | sources
      | citations
      | notes\ and\ references
    )
    \s*:?\s*$
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Sections that may follow the reference list in plain text.
_AFTER_REFERENCES = re.compile(
    r"""
    ^\s*
    (?:
        appendix | appendices | acknowledge?ments? | supplementary
      | supporting\ information | figures? | tables? | footnotes | notes
      | author\ contributions | funding | conflicts?\ of\ interest
    )\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NUMBER_LABEL = re.compile(
    r"""
    ^\s*
    (?:
        \[(\d{1,4})\]               # 1: [12]
      | (\d{1,4})[.)]               # 2: 12.  12)
    )
    \s+
    """,
    re.VERBOSE,
)
_YEAR = re.compile(
    r"""
        \( (\d{4}[a-z]?) \)                 # 1: (2020) or (2020a)
      | \b ((?:1[6-9]|20)\d{2}[a-z]?) \b    # 2: a bare year from 1600 to 2099
    """,
    re.VERBOSE,
)
# The year of a Vancouver locator: "2003;101:75–88", "2001;116–129", "2016:6545861".
_LOCATOR_YEAR = re.compile(r"\b((?:1[6-9]|20)\d{2}[a-z]?)\s*[;:]\s*\d")
_AUTHOR_SEPARATOR = re.compile(r",|;|\s&\s|\band\b|\bet al\b")
# A Vancouver author list, "Smith JA, van der Berg K, Lee M III, et al.: Title …" (the
# year comes after the title): surnames with bare initials, up to the "." or ":" that
# ends the list.
_VANCOUVER_NAME = (
    r"(?:(?i:van|von|de|der|den|da|di|du|le|la|del|dos|ten|ter)\s+)*"
    r"[^\W\d_][\w'’\-]+\s+[A-Z]{1,3}(?:\s+(?:Jr|Sr|II|III|IV))?"
)
_VANCOUVER_AUTHORS = re.compile(
    rf"""
    ^\s*
    ({_VANCOUVER_NAME} (?:\s*,\s*{_VANCOUVER_NAME})* (?:\s*,?\s*et\ al)?)
    \.?\s*[.:]\s
    """,
    re.VERBOSE,
)
# A year that is part of something else: a range ("1743–1807"), a word ("1820-ból"),
# a date ("14.02.1787").
_GLUED_BEFORE = re.compile(r"(?:[-–—/]\s?|\d\.)$")
_GLUED_AFTER = re.compile(r"^[-–—/]\w")
# Where an entry's publication details end: its DOI, address or access date.
_AFTER_PUBLICATION = re.compile(
    r"\b(?:doi:|https?:|accessed\b|cited\b|available\s+(?:at|from|online)\b)", re.IGNORECASE
)
_PARTICLES = frozenset("van von de der den da di du le la del dos ten ter".split())
_INITIALS = re.compile(r"(?:[A-Z]\.?-?)+")
_SURNAME = re.compile(r"[^\W\d_][\w'’\-]+")


def _years(text: str, *, free_only: bool = False) -> list[re.Match[str]]:
    """The years of ``text`` in order, those glued into a range, a word or a date left
    out unless there are no others (or always, ``free_only``)."""
    found = list(_YEAR.finditer(text))
    free = [
        m
        for m in found
        if m.group(1)
        or not (_GLUED_BEFORE.search(text[: m.start()]) or _GLUED_AFTER.match(text[m.end() :]))
    ]
    return free if free or free_only else found


def parse_reference(text: str) -> tuple[str | None, tuple[str, ...], str | None]:
    """Label, author surnames and year of one reference entry (best effort)."""
    label = None
    m = _NUMBER_LABEL.match(text)
    body = text
    if m:
        label = m.group(1) or m.group(2)
        body = text[m.end() :]
    years = _years(body)
    year_match = years[0] if years else None
    year = (year_match.group(1) or year_match.group(2)) if year_match else None
    author_part = body[: year_match.start()] if year_match else body.split(".")[0]
    listed = _VANCOUVER_AUTHORS.match(body)
    if listed and listed.end(1) < len(author_part):
        author_part = listed.group(1)
        # Its year is the locator's ("2003;101:75–88"), not one in the title
        # ("terraenovae (Richardson 1836)"); without a locator, the last one before a
        # DOI or address ("… 1820-ból. Források …. 2002.").
        locator = _LOCATOR_YEAR.search(body, listed.end())
        if locator:
            year = locator.group(1)
        else:
            details = _AFTER_PUBLICATION.split(body[listed.end() :], 1)[0]
            tail = _years(details, free_only=True)
            if tail:
                year = tail[-1].group(1) or tail[-1].group(2)
    surnames: list[str] = []
    for piece in _AUTHOR_SEPARATOR.split(author_part):
        piece = piece.strip(" .&()")
        words = [w for w in piece.split() if not _INITIALS.fullmatch(w)]
        if not words:
            continue
        # "Smith J" and "Smith, John" name the surname first, "van der Berg" and
        # "Van Wijk" last.
        while len(words) > 1 and words[0].casefold() in _PARTICLES:
            words = words[1:]
        word = words[0] if len(words) == 1 else words[-1] if piece[:1].islower() else words[0]
        if _SURNAME.fullmatch(word) and word[:1].isupper():
            surnames.append(word)
    return label, tuple(surnames), year


def mark_references(doc: Document) -> None:
    """Turn the blocks after a closing "References" heading into reference entries."""
    if doc.references:
        return
    heading_index = None
    for index, block in enumerate(doc.blocks):
        if block.kind == "heading" and REFERENCE_HEADING.match(doc.text[block.start : block.end]):
            heading_index = index
        elif (
            block.kind == "paragraph"
            and REFERENCE_HEADING.match(doc.text[block.start : block.end])
            and index + 1 < len(doc.blocks)
        ):
            heading_index = index
            doc.blocks[index] = Block("heading", block.start, block.end, 2)
    if heading_index is None:
        return
    level = doc.blocks[heading_index].level
    references: list[Reference] = []
    for index in range(heading_index + 1, len(doc.blocks)):
        block = doc.blocks[index]
        if block.kind == "heading":
            heading = doc.text[block.start : block.end]
            # Plain-text headings are guesses (level 0): only a known section name
            # ends the list there; marked-up headings end it at their level.
            if level and block.level and block.level <= level:
                break
            if not (level and block.level) and _AFTER_REFERENCES.match(heading):
                break
        entry = doc.text[block.start : block.end]
        label, surnames, year = parse_reference(entry)
        if label is None and block.number is not None:
            label = str(block.number)  # an HTML <ol> entry: its number is not in the text
        doc.blocks[index] = Block("reference", block.start, block.end, block.level)
        references.append(Reference(entry, block.start, block.end, label, surnames, year))
    doc.references = references
