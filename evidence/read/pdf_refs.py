"""A PDF's reference list: its lines split into entries, each as one line of text.

Entries are told apart by their labels (``[12]``, ``12.``, ``12``) when most lines of
the list start with the next number; otherwise by a hanging indent (the first line
of an entry at the column's left edge, the rest indented); otherwise each text box
is an entry.
"""

from __future__ import annotations

import re

from evidence.read.pdf_layout import Box, Line

_LABEL = re.compile(r"^\s*(?:\[(\d{1,4})\]|(\d{1,4})\.?(?=\s))")
_LABEL_ONLY = re.compile(r"^\s*(?:\[\d{1,3}\]|\d{1,3}\.)\s*$")
# Links a publisher prints under an entry (F1000: "Publisher Full Text | PubMed Abstract").
_LINK_LINE = re.compile(
    r"^\s*(?:(?:Publisher Full Text|Free Full Text|PubMed Abstract|Reference Source"
    r"|Google Scholar|Crossref|CrossRef|PubMed|Web of Science|Scopus)\s*\|?\s*)+$"
)
# "Kalish J," "Bishop SDH," "Driggers WB III," "Smith, J.", "van Tuyl SAC": a surname
# (after its particles), then initials.
_AUTHOR_START = re.compile(
    r"^\s*(?:(?:van|von|de|der|den|da|das|di|del|della|du|le|la|ten|ter|al|el)\s+)*"
    r"[A-Z][\w'’\-]+(?:[\s-][A-Z][\w'’\-]+)?,?\s+[A-Z]{1,3}[.,:\s]"
)
_YEAR = re.compile(r"\b(?:1[6-9]|20)\d{2}[a-z]?\b|\bin press\b|\bn\.d\.")
# An entry ends with a full stop or a bracket, or with an identifier.
_ENDS = re.compile(r"(?:[.)]|\b(?:doi:\s*10\.\S+|pmid:\s*\d+|https?://\S+))\s*$", re.I)
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])-$")
_LOWER_START = re.compile(r"^[a-z]")
# A hyphen at a line end inside a DOI or a web address belongs to it.
_IDENTIFIER_END = re.compile(r"(?:10\.\d{4,}/\S*|https?://\S*|www\.\S*)-$")


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one line: a word hyphenated at a line end is joined
    (its hyphen dropped when a lower-case letter goes on), a DOI or address broken at
    a line end is joined without a space."""
    out = ""
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        if not out:
            out = text
        elif _IDENTIFIER_END.search(out) or (out.endswith("/") and " " not in out[-40:]):
            out += text
        elif _HYPHEN_END.search(out) and _LOWER_START.match(text):
            out = out[:-1] + text
        elif out.endswith("-") and _HYPHEN_END.search(out):
            out += text
        else:
            out += " " + text
    return out


def split_entries(boxes: list[Box]) -> list[str]:
    """The entries of a reference list, from its boxes in reading order."""
    attached = _labels_attached(boxes)
    for box in attached:
        box.lines = [line for line in box.lines if not _LINK_LINE.match(line.text)]
    boxes = [box for box in attached if box.lines]
    lines = [line for box in boxes for line in box.lines]
    if not lines:
        return []
    groups = _by_labels(lines)
    if groups is None:
        groups = _by_indent(boxes)
    if groups is None:
        # Without labels or indents, a paragraph among the entries (acknowledgements
        # beside the list) is told apart by having no year.
        groups = _by_author_start(lines, _box_starts(boxes))
        groups = [g for g in groups if any(_YEAR.search(ln.text) for ln in g)]
    return [entry for group in groups if (entry := join_lines([ln.text for ln in group]))]


def _labels_attached(boxes: list[Box]) -> list[Box]:
    """Labels set apart from their entries (a box of "1." "2." … beside the entries'
    box) joined to the line they stand beside; the lines of each page and column
    then in order top to bottom."""
    labels = [(box, line) for box in boxes for line in box.lines if _LABEL_ONLY.match(line.text)]
    # Labels count on ("1." "2." "3." …); a few stray numbers are the ends of page
    # ranges ("2012;5:" then "140.").
    numbers = {int(re.sub(r"\D", "", line.text)) for _, line in labels}
    if len(labels) < 3 or sum(n - 1 in numbers for n in numbers) < 0.5 * len(numbers):
        return boxes
    others = [
        (box, line) for box in boxes for line in box.lines if not _LABEL_ONLY.match(line.text)
    ]
    for box, label in labels:
        beside = [
            (line.x0 - label.x1, line)
            for other, line in others
            if other.page == box.page
            and label.x1 - 1 <= line.x0 <= label.x1 + 3 * label.size
            and min(line.y1, label.y1) - max(line.y0, label.y0) > 0.5 * (label.y1 - label.y0)
        ]
        if beside:
            line = min(beside, key=lambda pair: pair[0])[1]
            line.text = f"{label.text.strip()} {line.text}"
    kept = [
        Box(
            [ln for ln in box.lines if not _LABEL_ONLY.match(ln.text)],
            box.page,
            box.x0,
            box.y0,
            box.x1,
            box.y1,
            box.column,
        )
        for box in boxes
    ]
    kept = [box for box in kept if box.lines]
    order: dict[tuple[int, int], list[Box]] = {}
    for box in kept:
        order.setdefault((box.page, box.column), []).append(box)
    result: list[Box] = []
    for key in sorted(order, key=lambda k: (k[0], k[1] if k[1] >= 0 else 10**6)):
        lines = sorted((ln for box in order[key] for ln in box.lines), key=lambda ln: -ln.y1)
        first = order[key][0]
        result.append(
            Box(
                lines,
                first.page,
                min(b.x0 for b in order[key]),
                first.y0,
                first.x1,
                first.y1,
                first.column,
            )
        )
    return result


def _box_starts(boxes: list[Box]) -> set[int]:
    """The first lines of the paragraphs when the list is set one entry to a paragraph
    (boxes of a few lines each, nearly every one with a year): the first line of each
    box, and a line set apart from the one above it by more than a third of its size."""
    lines = sum(len(box.lines) for box in boxes)
    dated = sum(1 for box in boxes if _YEAR.search(box.text))
    if len(boxes) < 2 or dated < 0.8 * len(boxes) or lines > 8 * len(boxes):
        return set()
    starts = set()
    for box in boxes:
        starts.add(id(box.lines[0]))
        for above, line in zip(box.lines, box.lines[1:], strict=False):
            if above.y0 - line.y1 > line.size / 3:
                starts.add(id(line))
    return starts


def _by_author_start(lines: list[Line], starts: set[int]) -> list[list[Line]]:
    """Entries that start with a surname and initials after a line that ends one, or
    at one of ``starts`` that starts with a surname or follows the end of an entry."""
    groups: list[list[Line]] = []
    for line in lines:
        # A paragraph that goes on from the foot of a column starts no entry.
        if (
            not groups
            or (id(line) in starts and (_AUTHOR_START.match(line.text) or _ends(groups[-1])))
            or (_AUTHOR_START.match(line.text) and _ends(groups[-1]))
        ):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _ends(group: list[Line]) -> bool:
    """Whether an entry's lines so far end it (its last two lines joined, so that a DOI
    broken over them counts)."""
    return _ENDS.search(join_lines([line.text for line in group[-2:]])) is not None


def _by_labels(lines: list[Line]) -> list[list[Line]] | None:
    starts = 0
    expected = 1
    groups: list[list[Line]] = []
    for line in lines:
        m = _LABEL.match(line.text)
        number = int(m.group(1) or m.group(2)) if m else None
        if number is not None and (number == expected or (not groups and number <= 2)):
            groups.append([line])
            starts += 1
            expected = number + 1
        elif groups:
            groups[-1].append(line)
    if starts < 2 or starts < 0.05 * len(lines):
        return None
    return groups


def _by_indent(boxes: list[Box]) -> list[list[Line]] | None:
    """Entries by hanging indent, measured per column (boxes of one column share a
    left edge)."""
    edges: dict[tuple[int, int], float] = {}
    for box in boxes:
        key = (box.page, box.column)
        edges[key] = min([line.x0 for line in box.lines] + ([edges[key]] if key in edges else []))
    groups: list[list[Line]] = []
    indented = 0
    total = 0
    for box in boxes:
        edge = edges[(box.page, box.column)]
        for line in box.lines:
            total += 1
            if line.x0 > edge + 0.6 * line.size and groups:
                indented += 1
                groups[-1].append(line)
            else:
                groups.append([line])
    # Most entries run over more than one line: lines flush with the edge, one entry
    # each, mean there is no hanging indent.
    if indented < 0.2 * total or sum(len(g) > 1 for g in groups) < 0.6 * len(groups):
        return None
    return groups
