"""Born-digital PDF to a Document, through pdfminer.six (no OCR).

Text boxes in reading order (pdf_layout), paragraphs joined across columns and pages,
hyphenation at line ends undone, headings told by weight and size, figure and table
captions as blocks of their own, and the reference list after a "References" heading
split into entries (pdf_refs). Superscript citation numbers, told from their size and
baseline, are written as bracketed numbers (``[3–5]``) so that they are found like
printed brackets; other superscripts stay plain digits.
"""

from __future__ import annotations

import io
import logging
import re

from bib.identifiers import find_identifiers
from bib.matching.parsing import parse_reference as parse_free_text
from evidence.errors import DocumentError
from evidence.read.builder import ProseBuilder
from evidence.read.document import Document, ReadContext, Reference
from evidence.read.pdf_layout import (
    SUP_CLOSE,
    SUP_OPEN,
    Box,
    Rule,
    body_size,
    drop_furniture,
    page_boxes,
    page_rules,
)
from evidence.read.pdf_notes import (
    is_affiliation,
    is_front_furniture,
    note_markers,
    split_notes,
    unmark,
)
from evidence.read.pdf_refs import join_lines, split_entries
from evidence.read.references import REFERENCE_HEADING, parse_reference

MAX_PAGES = 2000
"""Longest PDF read, in pages."""

_CAPTION = re.compile(r"^\s*(?:fig(?:ure)?\.?|table|tab\.|scheme|box)\s*[A-Z]?\d+", re.I)
_TERMINAL = re.compile(r"[.!?:]['’”)\]]?$")
_AFTER_REFERENCES = re.compile(
    r"^\s*(?:\d+\.?\s*)?(?:appendix|appendices|supplementary|supporting information"
    r"|open peer review|referee (?:status|report)|reviewer|figure legends?|tables?\b)",
    re.I,
)
_NUMBERED_HEADING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+[A-Z]")
_BODY_START = re.compile(r"^\s*(?:\d+\.?\s*)?(?:abstract|summary|introduction|background)\b", re.I)
_SUP_RUN = re.compile(SUP_OPEN + "([^" + SUP_CLOSE + "]*)" + SUP_CLOSE)
_NOTE_MARK = re.compile("^\\s*" + SUP_OPEN + "([^" + SUP_CLOSE + "]*)" + SUP_CLOSE + "\\s*")
_CITATION_NUMBERS = re.compile(r"^\d{1,3}(?:\s*[-–—,]\s*\d{1,3})*$")
_WORD_BEFORE = re.compile(r"([^\W\d_]{2,}|[.,;:)\]”’\"'])\s?$")
# Units a superscript squares or cubes ("5 cm²"): a superscript after one is no citation.
_UNITS = frozenset(
    "cm mm km nm um μm µm dm kg mg µg μg ng ml mL dl dL µl μl ft yd mi ha kb Mb Gb".split()
)


def read_pdf(text: str, context: ReadContext) -> Document:
    """The format registry's text reader: a PDF is never text (standard input, a string)."""
    raise DocumentError("A PDF is read from a file, not from text. Give the path of the PDF.")


def read_pdf_bytes(data: bytes, context: ReadContext) -> Document:
    """The format registry's bytes reader (``context.path`` names the file in errors)."""
    name = str(context.path) if context.path is not None else "PDF"
    return pdf_document(data, name)


def pdf_document(data: bytes, name: str = "PDF", max_pages: int = MAX_PAGES) -> Document:
    """A Document of a PDF's bytes. Raises DocumentError for a file that is not a PDF,
    is damaged, encrypted, longer than ``max_pages``, or has no text layer."""
    pages, heights, rules = _layout(data, name, max_pages)
    if not any(box.text.strip() for boxes in pages for box in boxes):
        raise DocumentError(
            f"{name}: this PDF has no text layer: it needs OCR first (e.g. ocrmypdf), "
            "then ingest the result."
        )
    pages = drop_furniture(pages, heights)
    size = body_size(pages)
    last = _last_references_heading(pages)
    boxes: list[Box] = []
    for number, page in enumerate(pages):
        if last is not None and number >= last[0]:
            # The reference list, often set small at a page's foot, has no footnotes.
            at = last[1] if number == last[0] else 0
            boxes.extend(_page(page[:at], number, size, rules[number], heights[number]))
            boxes.extend(page[at:])
        else:
            boxes.extend(_page(page, number, size, rules[number], heights[number]))
    return _build(boxes, size)


def _last_references_heading(pages: list[list[Box]]) -> tuple[int, int] | None:
    """The page and place of the last box that starts with a "References" line."""
    found = None
    for number, page in enumerate(pages):
        for at, box in enumerate(page):
            if REFERENCE_HEADING.match(_plain(box.lines[0].text).strip()):
                found = (number, at)
    return found


FRONT_PAGES = 2
"""The pages where title-page furniture (dates, licence, affiliations) is looked for."""


def _page(
    boxes: list[Box], number: int, size: float, rules: list[Rule], height: float
) -> list[Box]:
    """A page's boxes without its title-page furniture, its footnotes after its text."""
    boxes = [
        box
        for box in boxes
        if not is_affiliation(box) and not (number < FRONT_PAGES and is_front_furniture(box))
    ]
    text, notes = split_notes(boxes, rules, size, height)
    markers = note_markers(notes)
    for box in text:
        unmark(box, markers)
    for note in notes:
        note.note = True
    return text + notes


def _layout(
    data: bytes, name: str, max_pages: int
) -> tuple[list[list[Box]], list[float], list[list[Rule]]]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTPage
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    # pdfminer logs every oddity of a content stream it reads past as a warning.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    if b"%PDF-" not in data[:1024]:
        raise DocumentError(f"{name} is not a PDF (no %PDF header). Give a PDF file.")
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        page_list = list(PDFPage.create_pages(document))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise DocumentError(
            f"{name} is encrypted. Give a copy without a password (e.g. qpdf --decrypt)."
        ) from None
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        raise DocumentError(
            f"{name} is damaged and cannot be read ({type(exc).__name__}). "
            "Repair it (e.g. qpdf) or give another copy."
        ) from None
    if not page_list:
        raise DocumentError(f"{name} has no pages. Give another copy.")
    if len(page_list) > max_pages:
        raise DocumentError(
            f"{name} has {len(page_list)} pages, over the {max_pages}-page limit. Split it."
        )
    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[list[Box]] = []
    heights: list[float] = []
    rules: list[list[Rule]] = []
    for number, page in enumerate(page_list):
        try:
            interpreter.process_page(page)
            layout = device.get_result()
        except Exception as exc:  # a damaged content stream
            raise DocumentError(
                f"{name} is damaged: page {number + 1} cannot be read ({type(exc).__name__}). "
                "Repair it (e.g. qpdf) or give another copy."
            ) from None
        assert isinstance(layout, LTPage)
        pages.append(page_boxes(layout, number))
        heights.append(layout.height)
        rules.append(page_rules(layout))
    return pages, heights, rules


def _plain(text: str) -> str:
    return text.replace(SUP_OPEN, "").replace(SUP_CLOSE, "")


def _is_heading(box: Box, size: float) -> bool:
    text = _plain(box.text).strip()
    if len(box.lines) == 1 and REFERENCE_HEADING.match(text):
        return True
    if len(box.lines) > 3 or not text or len(text) > 150 or _CAPTION.match(text):
        return False
    if text.endswith((".", ",", ";")) and not REFERENCE_HEADING.match(text):
        return False
    bold = all(line.bold for line in box.lines)
    larger = min(line.size for line in box.lines) >= 1.15 * size
    return bold or larger or (_NUMBERED_HEADING.match(text) is not None and len(text) < 60)


def _paragraphs(box: Box) -> list[list[str]]:
    """A box's lines as paragraphs: a line indented from the box's edge after a line
    that ends a sentence starts a new one."""
    paragraphs: list[list[str]] = [[]]
    edge = min(line.x0 for line in box.lines)
    previous = ""
    for line in box.lines:
        if paragraphs[-1] and (
            (line.x0 > edge + 0.8 * line.size and _TERMINAL.search(_plain(previous)))
            or _CAPTION.match(_plain(line.text))
        ):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
        previous = line.text
    return paragraphs


def _build(boxes: list[Box], size: float) -> Document:
    """Blocks of the boxes in order, and the reference list after the last References
    heading (up to an appendix or the like)."""
    boxes = _headings_apart(boxes)
    blocks: list[tuple[str, list[str]]] = []
    last_body: int | None = None
    reference_at = max(
        (
            i
            for i, box in enumerate(boxes)
            if REFERENCE_HEADING.match(_plain(box.text)) and _is_heading(box, size)
        ),
        default=None,
    )
    references: list[str] = []
    index = 0
    while index < len(boxes):
        box = boxes[index]
        index += 1
        if box.note:
            # A footnote: a block of its own, never joined to the text it interrupts.
            lines = [line.text for line in box.lines]
            lines[0] = _NOTE_MARK.sub(r"\1 ", lines[0])
            blocks.append(("note", lines))
            continue
        if _is_heading(box, size):
            blocks.append(("heading", [box.text]))
            if index - 1 == reference_at:
                end = index
                while end < len(boxes) and not (
                    _is_heading(boxes[end], size)
                    and _AFTER_REFERENCES.match(_plain(boxes[end].text))
                ):
                    end += 1
                references = split_entries(boxes[index:end])
                index = end
            continue
        for lines in _paragraphs(box):
            first = _plain(lines[0]).lstrip()
            if _CAPTION.match(first):
                blocks.append(("caption", lines))
                continue
            if last_body is not None and _continues(blocks[last_body][1], first):
                blocks[last_body][1].extend(lines)
                continue
            blocks.append(("paragraph", lines))
            last_body = len(blocks) - 1
    return _document(blocks, references)


def _headings_apart(boxes: list[Box]) -> list[Box]:
    """A "References" line that heads the box of the list's first lines, as a box of
    its own."""
    result: list[Box] = []
    for box in boxes:
        if len(box.lines) > 1 and REFERENCE_HEADING.match(_plain(box.lines[0].text)):
            head, rest = box.lines[:1], box.lines[1:]
            result.append(Box(head, box.page, box.x0, box.y0, box.x1, box.y1, box.column))
            result.append(Box(rest, box.page, box.x0, box.y0, box.x1, box.y1, box.column))
        else:
            result.append(box)
    return result


def _continues(previous: list[str], first: str) -> bool:
    """Whether a paragraph going on after a column or page break continues ``previous``."""
    end = _plain(previous[-1]).rstrip()
    if not end or _TERMINAL.search(end):
        return False
    return first[:1].islower() or end.endswith(("-", ","))


def _document(blocks: list[tuple[str, list[str]]], entries: list[str]) -> Document:
    numbered = {label for entry in entries if (label := parse_reference(entry)[0])}
    builder = ProseBuilder()
    # Superscripts before the body are affiliations and notes of the title page.
    body_at = next(
        (
            i
            for i, (kind, lines) in enumerate(blocks)
            if kind == "heading" and _BODY_START.match(_plain(lines[0]))
        ),
        -1,
    )
    for index, (kind, lines) in enumerate(blocks):
        heading = kind == "heading"
        builder.start("heading" if heading else "paragraph", 1 if heading else 0)
        builder.add(_citations(join_lines(lines), numbered if index > body_at else set()))
        builder.end()
    spans: list[tuple[int, int]] = []
    for entry in entries:
        mark = builder.mark()
        builder.start("reference")
        builder.add(_plain(entry))
        builder.end()
        spans.append(builder.span_since(mark))
    doc = Document(text=builder.text(), format="pdf", blocks=builder.blocks)
    for start, end in spans:
        doc.references.append(_reference(doc.text[start:end], start, end))
    return doc


def _reference(entry: str, start: int, end: int) -> Reference:
    """An entry with its label, surnames and year (the reference-list parser every
    reader shares) and the fields and identifiers bib.matching reads from free text."""
    # parse_reference takes the locator's year ("2003; 101: 75–88") over one in the
    # title ("(Richardson, 1836)", "Natura 2000", "1743–1807").
    label, surnames, year = parse_reference(entry)
    fields = parse_free_text(entry)
    identifiers = tuple(
        f"{found.kind}:{found.value}"
        for found, _, _ in find_identifiers(entry)
        if found.kind in ("doi", "pmid", "pmcid", "arxiv")
    )
    pages = "–".join(p for p in (fields.first_page, fields.last_page) if p) or None
    return Reference(
        entry,
        start,
        end,
        label,
        surnames,
        year,
        title=fields.title,
        source=fields.journal,
        volume=fields.volume,
        pages=pages,
        identifiers=tuple(dict.fromkeys(identifiers)),
    )


def _citations(text: str, numbered: set[str]) -> str:
    """Superscript runs as bracketed citations where they can be: numbers of the
    reference list, after a word or punctuation; other superscripts as plain text."""

    def render(match: re.Match[str]) -> str:
        value = match.group(1).strip()
        before = text[: match.start()]
        if (
            numbered
            and _CITATION_NUMBERS.match(value)
            and all(n in numbered for n in re.findall(r"\d+", value))
            and (word := _WORD_BEFORE.search(_plain(before))) is not None
            and word.group(1) not in _UNITS
        ):
            # Set off from a word it touches ("cited in¹⁹" as "cited in [19]").
            space = " " if before[-1:].isalnum() else ""
            return f"{space}[{value}]"
        return value

    return _SUP_RUN.sub(render, text)
