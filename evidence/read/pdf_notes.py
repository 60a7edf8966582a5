"""Footnotes and title-page furniture of a PDF's pages.

A footnote is text at the bottom of a column, set smaller than the body, with nothing
of the body's size below it, that starts with a marker (a superscript, ``*``, ``†``, a
number) or stands just under a short rule. It is read as a block of its own, after the
page's text, so that it is never joined into the paragraph it interrupts, and its
marker's superscript in the body text is not taken for a citation.

Title-page furniture is the print of the journal and the publisher around an article
(journal name and volume, received/accepted dates, copyright and licence lines,
correspondence, affiliations, "Academic Editor: …", "Cite this article: …"). It says
nothing the article claims, so it is dropped like a running head.
"""

from __future__ import annotations

import re

from evidence.read.pdf_layout import SUP_CLOSE, SUP_OPEN, Box, Rule

_SUP = re.escape(SUP_OPEN) + "([^" + re.escape(SUP_CLOSE) + "]*)" + re.escape(SUP_CLOSE)
_NOTE_MARKER = re.compile(r"^\s*(?:" + _SUP + r"|[*†‡§¶#]+|\(?[0-9]{1,2}\)?(?=\s*[A-Z])|[a-z]\s)")
_CAPTION = re.compile(r"^\s*(?:fig(?:ure)?\.?|table|tab\.|scheme|box)\s*[A-Z]?\d+", re.I)

_INSTITUTION = (
    r"(?:Department|Dept\.|Institute|Institut|University|Universidad|Universit[éà]|School"
    r"|Faculty|Centre|Center|Laboratory|Division|Hospital|College|Unit|Section|Clinic"
    r"|Graduate School|Research Station|Museum|Program(?:me)?)\b"
)
# Where a furniture line starts (the text of a box, superscripts as plain digits).
_FURNITURE_START = re.compile(
    r"^\s*(?:"
    r"(?:received|revised|accepted|published(?: online)?|submitted|available online)\b"
    r"[:\s]+(?:in revised form\s+)?\d"
    r"|academic editors?:|edited by\b|reviewed by\b|handling editor"
    r"|copyright\b|©|\(c\)\s*\d{4}|\d{4} the authors?\b"
    r"|\*?\s*correspond(?:ence|ing author)|author for correspondence|e-?mail:"
    r"|cite this article|citation:|how to cite this article|to cite this article"
    r"|electronic supplementary material\b|supplementary information\s+the online version"
    r"|subject (?:areas?|category):|keywords?:|key words:|abbreviations:"
    r"|this is an open access article|this article is (?:included|distributed|licensed)"
    r"|data associated with the article|first published:|latest published:"
    r"|competing interests:|grant information:|†?\s*present address"
    r"|open access\s*$|research article\s*$|(?:original |review |case )?(?:article|report)\s*$"
    r"|\S+ publishing corporation|volume \d+, article id"
    r"|[\d,\s*†‡]*" + _INSTITUTION + r")",
    re.I,
)
# Licence and publisher phrases anywhere in a box.
_FURNITURE_ANYWHERE = re.compile(
    r"open access article distributed|creative commons attribution|licensee \w+"
    r"|permits unrestricted use|article id \d{5,}|published by the royal society under",
    re.I,
)
_AUTHOR_DETAILS = re.compile(r"^author (?:details|information)\s*", re.I)
# Pieces of a publisher's citation line: "12 Aug 2014," ":190 (doi:" "2015,".
_DATE_PIECE = re.compile(
    r"^\s*(?:\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4}|\d{4}|:\s*\d+\s*\(doi:?|(?:doi:?\s*)?10\.\d{4,}/\S+\s*\)?)[,.]?\s*$"
)
_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|be|been|found|showed|shows|reported|suggests?)\b"
)
_ADDRESS_END = re.compile(r"\b(?:[A-Z]{2}\s?\d{3,}|\d{4,6}|USA|UK|[A-Z][a-z]+)\.?\s*$")


def plain(text: str) -> str:
    """Text with superscript marks dropped (their digits kept)."""
    return text.replace(SUP_OPEN, "").replace(SUP_CLOSE, "")


def is_front_furniture(box: Box) -> bool:
    """Whether a box of an article's first pages is publisher's print, not its text."""
    text = plain(box.text).strip()
    if not text:
        return False
    if _FURNITURE_ANYWHERE.search(text) or _DATE_PIECE.match(text):
        return True
    if not _FURNITURE_START.match(text):
        return False
    institution = re.match(r"^[\d,\s*†‡]*" + _INSTITUTION, text)
    if institution is None:
        return True
    # An affiliation: a marked line, or a short address ("Department of X, University of
    # Y, City, Country": commas, a country or postcode at the end, no verb).
    marked = box.text.lstrip().startswith(SUP_OPEN) or text[:1].isdigit()
    address = (
        len(box.lines) <= 4
        and text.count(",") >= 2
        and _ADDRESS_END.search(text) is not None
        and _VERB.search(text) is None
    )
    return marked or address


def is_affiliation(box: Box) -> bool:
    """A box of affiliations anywhere (the "Author details" of the back matter): it
    starts with a superscript mark, and an institution is named in its first line."""
    text = _AUTHOR_DETAILS.sub("", box.text.lstrip())
    if not text.startswith(SUP_OPEN):
        return False
    return re.search(_INSTITUTION, plain(text)[:160], re.I) is not None


def split_notes(
    boxes: list[Box], rules: list[Rule], size: float, height: float
) -> tuple[list[Box], list[Box]]:
    """A page's boxes as its text and its footnotes (in reading order each)."""
    notes: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.y1):
        if _is_note(box, boxes, rules, size, height, notes):
            notes.append(box)
    if not notes:
        return boxes, []
    chosen = {id(b) for b in notes}
    return [b for b in boxes if id(b) not in chosen], [b for b in boxes if id(b) in chosen]


def _is_note(
    box: Box, boxes: list[Box], rules: list[Rule], size: float, height: float, notes: list[Box]
) -> bool:
    if box.y1 > 0.45 * height or max(line.size for line in box.lines) > 0.92 * size:
        return False
    text = plain(box.text)
    if _CAPTION.match(text) or len(text.strip()) < 3:
        return False
    # Nothing of the body's size below it in its column.
    for other in boxes:
        if other is box or other.y1 > box.y0 + 1 or not _overlap(other, box):
            continue
        if max(line.size for line in other.lines) > 0.92 * size:
            return False
    if any(_overlap(note, box) and note.y0 >= box.y1 - 2 for note in notes):
        return True  # a note going on below another one
    if _NOTE_MARKER.match(box.text):
        return True
    return any(
        box.y1 - 1 <= rule.y <= box.y1 + 3 * size
        and rule.x0 < box.x1
        and rule.x1 > box.x0
        and rule.x1 - rule.x0 < 0.7 * max(box.x1 - box.x0, 1)
        for rule in rules
    )


def _overlap(a: Box, b: Box) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


def note_markers(notes: list[Box]) -> set[str]:
    """The superscript or numeric markers the notes of a page start with."""
    markers: set[str] = set()
    for note in notes:
        for line in note.lines:
            if m := re.match(r"^\s*" + _SUP, line.text):
                markers.add(m.group(1).strip())
    return markers


def unmark(box: Box, markers: set[str]) -> None:
    """Superscripts of a page's body that are footnote markers, taken out of its text
    (they point at a note, not at a reference)."""
    if not markers:
        return
    for line in box.lines:
        line.text = re.sub(
            _SUP, lambda m: "" if m.group(1).strip() in markers else m.group(0), line.text
        )
