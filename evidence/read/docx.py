"""Word (.docx, Office Open XML) to a Document.

The main document part (``word/document.xml``) gives paragraphs, headings (by the
paragraph style's name in ``word/styles.xml`` or its outline level), list items
(numbered paragraphs), table rows; footnotes and endnotes follow the body as
paragraphs under "Notes". Citation fields that Zotero and Mendeley leave in the text
(``ADDIN ZOTERO_ITEM CSL_CITATION {…}``, ``ADDIN CSL_CITATION {…}``) hold the cited items
as CSL-JSON: each cited item becomes a reference entry and each citation is tied to
its entries exactly. Without such fields the typed reference list after a
"References" heading is read as in any other format. Parts are parsed with defusedxml.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bib.formats.csljson import item_to_work
from evidence.errors import DocumentError
from evidence.read.builder import ProseBuilder
from evidence.read.document import Citation, Document, ReadContext, Reference
from evidence.read.jats import parse_xml

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from bib.work import Work

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CITATION_FIELD = re.compile(r"^\s*ADDIN\s+(?:ZOTERO_ITEM\s+)?CSL_CITATION\s*(\{.*\})\s*$", re.S)
# The bibliography a reference manager writes: its entries come from the items instead.
_BIBLIOGRAPHY_FIELD = re.compile(r"^\s*ADDIN\s+(?:ZOTERO_BIBL|Mendeley\s+Bibliography)", re.I)
_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d)|title)$", re.I)
_NOTE_KINDS = (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote"))


def read_docx_text(text: str, context: ReadContext) -> Document:
    """A Word document is a zip archive: it cannot be given as text."""
    raise DocumentError(
        "A Word (.docx) document is a binary zip archive, not text. Give its file path."
    )


def read_docx(data: bytes, context: ReadContext) -> Document:
    """The bytes of a .docx file to a Document."""
    name = str(context.path or "The Word document")
    parts = _parts(data, name, context.max_bytes)
    styles = _heading_levels(parts.get("word/styles.xml"), name)
    reader = _DocxReader(styles)
    body = parse_xml(parts["word/document.xml"], name).find(f"{W}body")
    if body is None:
        raise DocumentError(f"{name} has no document body. Re-save it in Word.")
    reader.blocks(body)
    notes: list[Element] = []
    for part, kind in _NOTE_KINDS:
        if part in parts:
            root = parse_xml(parts[part], name)
            by_id = {n.get(f"{W}id"): n for n in root if n.tag == f"{W}{kind}"}
            notes.extend(by_id[i] for i in reader.note_order[kind] if i in by_id)
    if notes:
        reader.builder.start("heading", 1)
        reader.builder.add("Notes")
        for note in notes:
            reader.blocks(note)
    return reader.document()


def _parts(data: bytes, name: str, max_bytes: int) -> dict[str, bytes]:
    """The XML parts read here, each within the size limit uncompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DocumentError(
            f"{name} is not a Word document (not a zip archive; an old .doc or an encrypted "
            "file?). Save it as .docx from Word."
        ) from None
    wanted = ("word/document.xml", "word/styles.xml") + tuple(p for p, _ in _NOTE_KINDS)
    parts: dict[str, bytes] = {}
    with archive:
        names = set(archive.namelist())
        if "word/document.xml" not in names:
            raise DocumentError(
                f"{name} is a zip archive but not a Word document (it has no "
                "word/document.xml). Give a .docx file."
            )
        total = 0
        for part in wanted:
            if part not in names:
                continue
            total += archive.getinfo(part).file_size
            if total > max_bytes:
                raise DocumentError(
                    f"{name} unpacks to over the {max_bytes}-byte limit. Split it or raise "
                    "the limit."
                )
            try:
                parts[part] = archive.read(part)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise DocumentError(f"{name} is damaged ({exc}). Re-save it in Word.") from None
    return parts


def _heading_levels(styles: bytes | None, name: str) -> dict[str, int]:
    """Paragraph style id -> heading level, by style name ("heading 2", "Title") or outline level."""
    if styles is None:
        return {}
    levels: dict[str, int] = {}
    for style in parse_xml(styles, name).iter(f"{W}style"):
        style_id = style.get(f"{W}styleId") or ""
        style_name = _val(style.find(f"{W}name")) or ""
        m = _HEADING_STYLE.match(style_name.strip())
        outline = _val(style.find(f"{W}pPr/{W}outlineLvl"))
        if m:
            levels[style_id] = int(m.group(1)) if m.group(1) else 1
        elif outline is not None and outline.isdigit() and int(outline) < 9:
            levels[style_id] = int(outline) + 1
    return levels


def _val(element: Element | None) -> str | None:
    return element.get(f"{W}val") if element is not None else None


@dataclass
class _Field:
    """A complex field being read: its code so far, where its result starts."""

    code: list[str] = field(default_factory=list)
    result_mark: tuple[int, int] | None = None
    hidden: bool = False


@dataclass
class _Item:
    work: Work
    text: str


class _DocxReader:
    def __init__(self, heading_levels: dict[str, int]) -> None:
        self.levels = heading_levels
        self.builder = ProseBuilder()
        self.fields: list[_Field] = []
        self.note_order: dict[str, list[str]] = {"footnote": [], "endnote": []}
        self.items: list[_Item] = []
        self.item_index: dict[str, int] = {}
        # (item indexes, start, end) of each citation field's result.
        self.cited: list[tuple[list[int], int, int]] = []

    # -- blocks --------------------------------------------------------------------------

    def blocks(self, container: Element) -> None:
        for child in container:
            if child.tag == f"{W}p":
                self.paragraph(child)
            elif child.tag == f"{W}tbl":
                for row in child.iter(f"{W}tr"):
                    self.builder.start("table_row")
                    for i, cell in enumerate(row.iter(f"{W}tc")):
                        if i:
                            self.builder.add(" | ")
                        for p in cell.iter(f"{W}p"):
                            self.runs(p)
                            self.builder.add(" ")
                    self.builder.end()
            elif child.tag in (f"{W}sdt", f"{W}customXml"):
                content = child.find(f"{W}sdtContent")
                self.blocks(content if content is not None else child)
            elif child.tag == f"{W}sdtContent":
                self.blocks(child)

    def paragraph(self, p: Element) -> None:
        props = p.find(f"{W}pPr")
        style = _val(props.find(f"{W}pStyle")) if props is not None else None
        level = self.levels.get(style or "")
        outline = _val(props.find(f"{W}outlineLvl")) if props is not None else None
        if level is None and outline is not None and outline.isdigit() and int(outline) < 9:
            level = int(outline) + 1
        if level is not None:
            kind = "heading"
        elif props is not None and props.find(f"{W}numPr") is not None:
            kind = "list_item"
        elif style and style.lower().startswith("list"):
            kind = "list_item"
        else:
            kind = "paragraph"
        # A paragraph that adds no text (one inside a hidden field) makes no block.
        self.builder.start(kind, level or 0)
        self.runs(p)
        self.builder.end()

    # -- runs and fields -----------------------------------------------------------------

    def runs(self, element: Element) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{W}r":
                self.run(child)
            elif tag == f"{W}fldSimple":
                self.begin_field()
                self.fields[-1].code.append(child.get(f"{W}instr") or "")
                self.separate_field()
                self.runs(child)
                self.end_field()
            elif tag in (f"{W}hyperlink", f"{W}smartTag", f"{W}ins", f"{W}sdt", f"{W}sdtContent"):
                self.runs(child)

    def run(self, run: Element) -> None:
        for child in run:
            tag = child.tag
            if tag == f"{W}fldChar":
                kind = child.get(f"{W}fldCharType")
                if kind == "begin":
                    self.begin_field()
                elif kind == "separate":
                    self.separate_field()
                elif kind == "end":
                    self.end_field()
            elif tag == f"{W}instrText":
                if self.fields:
                    self.fields[-1].code.append(child.text or "")
            elif self.fields and (
                self.fields[-1].result_mark is None or any(f.hidden for f in self.fields)
            ):
                continue  # a field's code, or a generated bibliography: not shown
            elif tag == f"{W}t":
                self.builder.add(child.text or "")
            elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                self.builder.add(" ")
            elif tag in (f"{W}footnoteReference", f"{W}endnoteReference"):
                kind = "footnote" if tag == f"{W}footnoteReference" else "endnote"
                self.note_order[kind].append(child.get(f"{W}id") or "")

    def begin_field(self) -> None:
        self.fields.append(_Field())

    def separate_field(self) -> None:
        if not self.fields:
            return
        current = self.fields[-1]
        code = "".join(current.code)
        current.hidden = bool(_BIBLIOGRAPHY_FIELD.match(code))
        current.result_mark = self.builder.mark()

    def end_field(self) -> None:
        if not self.fields:
            return
        current = self.fields.pop()
        m = _CITATION_FIELD.match("".join(current.code))
        if m is None or current.result_mark is None:
            return
        start, end = self.builder.span_since(current.result_mark)
        indexes = self.cited_items(m.group(1))
        if indexes:
            self.cited.append((indexes, start, end))

    def cited_items(self, payload: str) -> list[int]:
        """Indexes of the field's cited items in the reference list (added when new)."""
        try:
            data = json.loads(payload)
        except ValueError:
            return []
        items = data.get("citationItems") if isinstance(data, dict) else None
        indexes: list[int] = []
        for entry in items if isinstance(items, list) else []:
            item = entry.get("itemData") if isinstance(entry, dict) else None
            if not isinstance(item, dict):
                continue
            work = item_to_work(item)
            key = _item_key(work, entry)
            if key not in self.item_index:
                self.item_index[key] = len(self.items)
                self.items.append(_Item(work, _entry_text(work)))
            indexes.append(self.item_index[key])
        return indexes

    # -- the document --------------------------------------------------------------------

    def document(self) -> Document:
        references: list[Reference] = []
        if self.items:
            last = self.builder.blocks[-1] if self.builder.blocks else None
            text_so_far = self.builder.text()
            if not (
                last
                and last.kind == "heading"
                and text_so_far[last.start : last.end].strip().lower()
                in ("references", "bibliography", "works cited", "literature cited")
            ):
                self.builder.start("heading", 1)
                self.builder.add("References")
            for item in self.items:
                self.builder.start("reference")
                mark = self.builder.mark()
                self.builder.add(item.text)
                self.builder.end()
                start, end = self.builder.span_since(mark)
                references.append(_reference(item, start, end))
        self.builder.end()
        doc = Document(text=self.builder.text(), format="docx", blocks=self.builder.blocks)
        doc.references = references
        doc.citations = list(self._citations())
        return doc

    def _citations(self) -> Iterator[Citation]:
        for indexes, start, end in self.cited:
            for index in indexes:
                key = self.items[index].work.doi
                yield Citation(
                    "csl-field",
                    f"doi:{key}" if key else f"item{index + 1}",
                    start,
                    end,
                    start,
                    end,
                    reference=index,
                )


def _item_key(work: Work, entry: dict[str, object]) -> str:
    """What makes two cited items one entry: an identifier, else title and year, else the
    manager's own item address (two managers give one work different ids)."""
    for kind in ("doi", "pmid", "pmcid"):
        value = getattr(work, kind)
        if value:
            return f"{kind}:{value}"
    if work.title:
        return f"title:{' '.join(work.title.casefold().split())}:{work.year}"
    uris = entry.get("uris") or entry.get("uri")
    return str(uris[0] if isinstance(uris, list) and uris else entry.get("id"))


def _entry_text(work: Work) -> str:
    """A reference entry from a CSL item: "Family G, Family G. Title. Journal. Year;Vol:Pages. doi:…"."""
    authors = ", ".join(" ".join(p for p in (a.family, a.given) if p) for a in work.authors)
    numbers = ";".join(
        p
        for p in (
            str(work.year) if work.year else None,
            f"{work.volume}:{work.pages}" if work.volume and work.pages else work.volume,
        )
        if p
    )
    parts: Iterable[str | None] = (authors, work.title, work.journal, numbers)
    text = ". ".join(p.rstrip(".") for p in parts if p) + "."
    for kind in ("doi", "pmid", "pmcid"):
        value = getattr(work, kind)
        if value:
            text += f" {kind}:{value}"
    return text


def _reference(item: _Item, start: int, end: int) -> Reference:
    work = item.work
    identifiers = tuple(
        f"{kind}:{getattr(work, kind)}" for kind in ("doi", "pmid", "pmcid") if getattr(work, kind)
    )
    return Reference(
        item.text,
        start,
        end,
        None,
        tuple(a.family for a in work.authors if a.family),
        str(work.year) if work.year else None,
        work.title,
        work.journal,
        work.volume,
        work.pages,
        identifiers,
    )
