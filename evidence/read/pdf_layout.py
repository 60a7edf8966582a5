"""PDF page layout to lines in reading order (pdfminer.six's boxes, lines and characters).

A page's text boxes are put in reading order by bands and columns: a box wider than
half the page cuts the page into bands, and inside a band the columns (boxes grouped
by their left edges) are read left to right, each top to bottom. Running heads, page numbers and line numbers (text repeated at
the same place on most pages, or bare numbers in a box of their own) are dropped.
Superscript digits are told from the size and baseline of each character and kept as
a marked run, for the reader to decide whether they cite.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pdfminer is imported when a PDF is read, not with the readers
    from pdfminer.layout import LTPage, LTTextLine

SUP_OPEN, SUP_CLOSE = "\x01", "\x02"
"""Marks around a run of superscript digits in ``Line.text``."""

_SUP_CHARS = frozenset("0123456789,–-—")
_NUMBER_ONLY = re.compile(r"^\s*[\divxlcIVXLC]{1,5}\s*$")
_DIGITS = re.compile(r"\d+")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# Spacing accents and the combining marks they stand for.
_COMBINING = {
    "´": "\u0301",
    "¨": "\u0308",
    "˚": "\u030a",
    "ˆ": "\u0302",
    "˜": "\u0303",
    "ˇ": "\u030c",
    "˘": "\u0306",
    "˙": "\u0307",
    "˝": "\u030b",
}
_SPACING_ACCENT = re.compile("[´¨˚ˆ˜ˇ˘˙˝¸]")
_ACCENT_BEFORE = re.compile("([´¨˚ˆ˜ˇ˘˙˝])([^\\W\\d_])")
_CEDILLA_AFTER = re.compile("([cCsStT])¸")
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


@dataclass
class Line:
    """One line of text: its characters' text (superscripts marked), place and font."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool


@dataclass(frozen=True)
class Rule:
    """A horizontal stroke of a page (a footnote's rule, a table's border)."""

    x0: float
    x1: float
    y: float


@dataclass
class Box:
    """A text box of a page: its lines, top to bottom."""

    lines: list[Line]
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    column: int = -1
    note: bool = False

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


def _line(item: LTTextLine) -> Line | None:
    from pdfminer.layout import LTChar

    chars = [c for c in item if isinstance(c, LTChar)]
    if not chars:
        return None
    sizes = [c.size for c in chars if c.get_text().isalnum()] or [c.size for c in chars]
    size = statistics.median(sizes)
    normal = [c.y0 for c in chars if c.size >= 0.9 * size] or [c.y0 for c in chars]
    base = statistics.median(normal)
    parts: list[str] = []
    in_sup = False
    for c in item:
        text = c.get_text()
        sup = (
            isinstance(c, LTChar)
            and text in _SUP_CHARS
            and c.size < 0.85 * size
            and c.y0 > base + 0.2 * size
        )
        if sup != in_sup and (isinstance(c, LTChar) or not in_sup):
            parts.append(SUP_OPEN if sup else SUP_CLOSE)
            in_sup = sup
        parts.append(text)
    if in_sup:
        parts.append(SUP_CLOSE)
    text = _SPACES.sub(" ", "".join(parts).replace("\n", "")).rstrip()
    text = _accents_joined(text.translate(_LIGATURES))
    bold = sum(1 for c in chars if _is_bold(c.fontname)) > 0.6 * len(chars)
    return Line(text, item.x0, item.y0, item.x1, item.y1, size, bold)


def _accents_joined(text: str) -> str:
    """Accents that TeX sets as characters of their own ("Cam´os", "Bj¨orkholm",
    "Uc¸kay") composed with their letters ("Camós", "Björkholm", "Uçkay")."""
    if not _SPACING_ACCENT.search(text):
        return text
    text = _ACCENT_BEFORE.sub(lambda m: _dotless(m.group(2)) + _COMBINING[m.group(1)], text)
    text = _CEDILLA_AFTER.sub(lambda m: m.group(1) + "\u0327", text)
    return unicodedata.normalize("NFC", text)


def _dotless(letter: str) -> str:
    return "i" if letter == "ı" else letter


def _is_bold(fontname: str) -> bool:
    name = fontname.lower()
    return "bold" in name or "black" in name or "semibold" in name or ",b" in name


def page_boxes(page: LTPage, number: int) -> list[Box]:
    """The text boxes of a page in reading order, with their lines."""
    from pdfminer.layout import LTTextBox, LTTextLine

    width = page.width
    boxes: list[Box] = []
    for item in page:
        if not isinstance(item, LTTextBox):
            continue
        lines = [line for sub in item if isinstance(sub, LTTextLine) if (line := _line(sub))]
        lines = [line for line in lines if line.text.strip()]
        if lines:
            boxes.append(Box(lines, number, item.x0, item.y0, item.x1, item.y1))
    _assign_columns(boxes, width)
    return _reading_order(boxes, width)


def page_rules(page: LTPage) -> list[Rule]:
    """The horizontal strokes of a page: lines and thin rectangles at least 15 points
    long (a footnote's rule, a table's borders)."""
    from pdfminer.layout import LTCurve

    rules: list[Rule] = []
    for item in page:
        if isinstance(item, LTCurve) and item.height <= 2 and item.width >= 15:
            rules.append(Rule(item.x0, item.x1, (item.y0 + item.y1) / 2))
    return rules


def _assign_columns(boxes: list[Box], width: float) -> None:
    """Column -1 for a box wider than half the page; the others by their left edges,
    grouped where edges lie within a tenth of the page width of each other.

    The columns are found from the boxes of running text (a quarter of the page wide or
    more); a narrower box (a table cell, a label) joins the column it starts in, so that
    the cells of a table across the page do not chain two columns into one."""
    narrow = sorted((b for b in boxes if b.x1 - b.x0 <= 0.55 * width), key=lambda b: b.x0)
    text = [b for b in narrow if b.x1 - b.x0 >= 0.25 * width]
    edges: list[float] = []
    last = float("-inf")
    for box in text or narrow:
        if box.x0 - last > 0.1 * width:
            edges.append(box.x0)
        last = box.x0
    for box in narrow:
        box.column = max(
            (i for i, edge in enumerate(edges) if edge <= box.x0 + 0.05 * width), default=0
        )
    for box in boxes:
        if box.x1 - box.x0 > 0.55 * width:
            box.column = -1


def _reading_order(boxes: list[Box], width: float) -> list[Box]:
    """Bands cut by full-width boxes and by the rows of tables across the page; in each
    band the columns left to right. A table row's cells are read left to right."""
    rows = _table_rows(boxes, width)
    in_rows = {id(b) for row in rows for b in row}
    cuts = [(b.y0, b.y1, [b]) for b in boxes if b.column < 0]
    cuts += [
        (min(b.y0 for b in row), max(b.y1 for b in row), sorted(row, key=lambda b: b.x0))
        for row in rows
    ]
    cuts.sort(key=lambda cut: -cut[1])
    columns = [b for b in boxes if b.column >= 0 and id(b) not in in_rows]
    ordered: list[Box] = []
    top = float("inf")
    for cut in [*cuts, None]:
        floor = (cut[0] + cut[1]) / 2 if cut is not None else float("-inf")
        band = [b for b in columns if floor <= (b.y0 + b.y1) / 2 < top]
        ordered.extend(sorted(band, key=lambda b: (b.column, -b.y1)))
        if cut is not None:
            ordered.extend(cut[2])
            top = min(top, floor)
    placed = {id(b) for b in ordered}
    ordered.extend(b for b in columns if id(b) not in placed)
    return ordered


def _table_rows(boxes: list[Box], width: float) -> list[list[Box]]:
    """Rows of tables set across the page: three or more boxes, each narrower than a
    quarter of the page, side by side (their heights overlapping), together spanning
    more than half the page's width."""
    rows: list[list[Box]] = []
    small = (b for b in boxes if b.column >= 0 and b.x1 - b.x0 < 0.25 * width)
    for box in sorted(small, key=lambda b: -b.y1):
        for row in rows:
            low, high = min(b.y0 for b in row), max(b.y1 for b in row)
            if min(high, box.y1) - max(low, box.y0) > 0.5 * min(box.y1 - box.y0, high - low):
                row.append(box)
                break
        else:
            rows.append([box])
    return [
        row
        for row in rows
        if len(row) >= 3 and max(b.x1 for b in row) - min(b.x0 for b in row) > 0.55 * width
    ]


def drop_furniture(pages: list[list[Box]], heights: list[float]) -> list[list[Box]]:
    """Pages without running heads and feet, page numbers and line numbers.

    A line near the top or bottom of its page whose text (digits aside) comes back near
    the same height on at least two pages and on a third of them is furniture, as is a
    box holding a bare number."""
    seen: Counter[tuple[str, int]] = Counter()
    for number, boxes in enumerate(pages):
        keys = {_key(line, heights[number]) for box in boxes for line in box.lines}
        seen.update(k for k in keys if k is not None)
    needed = max(2, len(pages) // 3)
    kept_pages: list[list[Box]] = []
    for number, boxes in enumerate(pages):
        kept: list[Box] = []
        for box in boxes:
            if all(_NUMBER_ONLY.match(line.text) for line in box.lines):
                continue
            lines = [
                line
                for line in box.lines
                if (key := _key(line, heights[number])) is None or seen[key] < needed
            ]
            if lines:
                box.lines = lines
                kept.append(box)
        kept_pages.append(kept)
    return kept_pages


def _key(line: Line, height: float) -> tuple[str, int] | None:
    """Where a line could be a running head or foot: its text with digits as one
    sign, and the band of height it sits in; None in the body of the page."""
    middle = (line.y0 + line.y1) / 2
    if 0.1 * height < middle < 0.9 * height or len(line.text) > 120:
        return None
    text = _DIGITS.sub("#", line.text.replace(SUP_OPEN, "").replace(SUP_CLOSE, ""))
    return text.strip().casefold(), round(middle / 12)


def body_size(pages: Iterable[list[Box]]) -> float:
    """The most common line size: the body text's."""
    sizes = Counter(round(line.size, 1) for boxes in pages for b in boxes for line in b.lines)
    return sizes.most_common(1)[0][0] if sizes else 10.0
