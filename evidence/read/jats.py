"""JATS XML (PubMed Central, PLOS, eLife and most publishers) to a Document.

The article's title, abstract, body sections, paragraphs, lists, figure and table
captions, table rows and the back matter are read in order; every ``<xref
ref-type="bibr">`` becomes a citation tied to its ``<ref>`` by id, and each ``<ref>``
a reference entry with the fields and identifiers its citation element gives. Nothing is
guessed from the text: the markup says what is cited. Referee reports and other
``<sub-article>``s are not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evidence.errors import DocumentError
from evidence.read.builder import ProseBuilder
from evidence.read.document import Citation, Document, ReadContext, Reference

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

# Elements whose text is not prose: skipped with their content.
_SKIP = frozenset(
    {"object-id", "graphic", "media", "alternatives", "tex-math", "permissions", "ref-list"}
)
_CITATIONS = ("element-citation", "mixed-citation", "nlm-citation", "citation")
_ID_TYPES = {"doi": "doi", "pmid": "pmid", "pmcid": "pmcid", "pmc": "pmcid", "arxiv": "arxiv"}
# What may stand between the xrefs of one citation group: "[1, 3–5]", "(A, 2001; B, 2002)".
_BETWEEN = re.compile(r"[ ,;\u2013\u2014\u2012-]*")
_DASH = re.compile(r"\s*[\u2013\u2014\u2012-]\s*")
# One separator with line breaks around it, as BMC's XML writes "5\n–\n8" inside a
# paragraph; bare line breaks between two xrefs may be a block boundary.
_SEPARATOR = re.compile(r"\s*[,;\u2013\u2014\u2012-]\s*")
_SPACES = re.compile(r"\s+")


@dataclass
class _Xref:
    rids: tuple[str, ...]
    start: int
    end: int
    dash_before: bool = False


def read_jats_bytes(data: bytes, context: ReadContext) -> Document:
    """A JATS file's bytes (the XML declares its own encoding) to a Document."""
    return _read(data, context)


def read_jats(text: str, context: ReadContext) -> Document:
    """JATS XML already decoded to text (standard input) to a Document."""
    return _read(re.sub(r"^\s*<\?xml[^>]*\?>", "", text), context)


def _read(source: str | bytes, context: ReadContext) -> Document:
    root = parse_xml(source, str(context.path or "The JATS document"))
    if _local(root.tag) != "article":
        raise DocumentError(
            f"{context.path or 'The XML document'} is not a JATS article (its root is "
            f"<{_local(root.tag)}>, not <article>). Give a JATS file or another format."
        )
    reader = _JatsReader(root)
    return reader.document()


def parse_xml(source: str | bytes, name: str) -> Element:
    """The root of an XML document parsed with defusedxml: entity declarations (a bomb
    or an external entity) and malformed XML are a DocumentError."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        return ElementTree.fromstring(source)
    except DefusedXmlException:
        raise DocumentError(
            f"{name} declares XML entities (an entity bomb or an external entity can hide "
            "there); it is not read. Remove the DOCTYPE's internal subset."
        ) from None
    except ElementTree.ParseError as exc:
        raise DocumentError(f"{name} is not well-formed XML ({exc}). Check the file.") from None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Element | None) -> str:
    """The element's text with whitespace collapsed ("" for None)."""
    if element is None:
        return ""
    return _SPACES.sub(" ", "".join(element.itertext())).strip()


def _child(element: Element, *names: str) -> Element | None:
    for child in element:
        if _local(child.tag) in names:
            return child
    return None


class _JatsReader:
    def __init__(self, root: Element) -> None:
        self.root = root
        self.builder = ProseBuilder()
        self.xrefs: list[_Xref] = []
        self.refs: list[Element] = [
            ref
            for ref_list in self._main_iter("ref-list")
            for ref in ref_list.iter()
            if _local(ref.tag) == "ref"
        ]
        self.ref_index = {ref.get("id", ""): i for i, ref in enumerate(self.refs)}

    def _main_iter(self, name: str) -> list[Element]:
        """Elements called ``name`` in the article itself, not in its sub-articles."""
        found: list[Element] = []
        stack = [self.root]
        while stack:
            element = stack.pop()
            for child in reversed(list(element)):
                tag = _local(child.tag)
                if tag in ("sub-article", "response"):
                    continue
                if tag == name:
                    found.append(child)
                else:
                    stack.append(child)
        found.reverse()
        return found

    def document(self) -> Document:
        front = _child(self.root, "front")
        meta = _child(front, "article-meta") if front is not None else None
        if meta is not None:
            title = _child(_child(meta, "title-group") or meta, "article-title")
            if title is not None:
                self._inline_block("heading", title, 1)
            for abstract in meta:
                if _local(abstract.tag) == "abstract" and abstract.get("abstract-type") is None:
                    self.builder.start("heading", 2)
                    self.builder.add("Abstract")
                    self._blocks(abstract, 2)
        for part in self.root:
            if _local(part.tag) in ("body", "back", "floats-group"):
                self._blocks(part, 1)
        references = self._references()
        self.builder.end()
        doc = Document(text=self.builder.text(), format="jats", blocks=self.builder.blocks)
        doc.references = references
        doc.citations = self._citations(doc.text)
        # Marked-up citations are the article's citations; a publisher that marks up
        # none leaves them to be found in the text.
        doc.exact_citations = bool(doc.citations)
        return doc

    # -- blocks --------------------------------------------------------------------------

    def _blocks(self, element: Iterable[Element], depth: int) -> None:
        for child in element:
            tag = _local(child.tag)
            if tag in _SKIP or tag in ("sub-article", "label", "title"):
                continue
            if tag in ("sec", "ack", "app", "glossary", "notes", "fn-group", "boxed-text"):
                self._section(child, depth)
            elif tag == "p":
                self._paragraph(child, "paragraph")
            elif tag in ("list", "def-list"):
                self._list(child)
            elif tag == "disp-quote":
                self._blocks_as(child, "quote")
            elif tag in (
                "fig",
                "table-wrap",
                "fig-group",
                "table-wrap-group",
                "supplementary-material",
            ):
                self._float(child)
            elif tag == "fn":
                self._blocks_as(child, "paragraph")
            elif tag == "disp-formula":
                self._inline_block("paragraph", child)
            else:
                self._blocks(child, depth)

    def _section(self, sec: Element, depth: int) -> None:
        heading = " ".join(
            part for part in (_text(_child(sec, "label")), _text(_child(sec, "title"))) if part
        )
        if not heading and _local(sec.tag) == "ack":
            heading = "Acknowledgments"
        if heading:
            self.builder.start("heading", min(depth + 1, 6))
            self.builder.add(heading)
            self.builder.end()
        self._blocks(sec, depth + 1)

    def _paragraph(self, p: Element, kind: str) -> None:
        # A paragraph may hold lists, tables and figures: they become blocks of their own.
        self.builder.start(kind)
        self.builder.add(p.text or "")
        for child in p:
            tag = _local(child.tag)
            if tag in ("list", "table-wrap", "fig", "disp-quote", "boxed-text"):
                self.builder.end()
                self._blocks([child], 1)
                self.builder.start(kind)
            else:
                self._inline(child)
            self.builder.add(child.tail or "")
        self.builder.end()

    def _blocks_as(self, element: Element, kind: str) -> None:
        for child in element:
            if _local(child.tag) == "p":
                self._paragraph(child, kind)
            elif _local(child.tag) not in ("label", "title"):
                self._blocks([child], 1)

    def _list(self, element: Element) -> None:
        for item in element:
            tag = _local(item.tag)
            if tag in ("list-item", "def-item"):
                label = _text(_child(item, "label"))
                for child in item:
                    child_tag = _local(child.tag)
                    if child_tag in ("p", "term", "def"):
                        self.builder.start("list_item")
                        if label:
                            self.builder.add(label + " ")
                            label = ""
                        self._inline_children(child)
                        self.builder.end()
                    elif child_tag == "list":
                        self._list(child)

    def _float(self, element: Element) -> None:
        """A figure or table: its caption as a block, then a table's rows, then its notes."""
        caption = _child(element, "caption")
        label = _text(_child(element, "label"))
        self.builder.start("paragraph")
        if label:
            self.builder.add(label + ". ")
        if caption is not None:
            for part in caption:
                if _local(part.tag) in ("title", "p"):
                    self._inline_children(part)
                    self.builder.add(" ")
        self.builder.end()
        for child in element:
            tag = _local(child.tag)
            if tag in ("fig", "table-wrap"):
                self._float(child)
            elif tag == "table":
                self._table(child)
            elif tag in ("table-wrap-foot", "attrib"):
                self._blocks_as(child, "paragraph")

    def _table(self, table: Element) -> None:
        for row in table.iter():
            if _local(row.tag) != "tr":
                continue
            self.builder.start("table_row")
            for i, cell in enumerate(c for c in row if _local(c.tag) in ("td", "th")):
                if i:
                    self.builder.add(" | ")
                self._inline_children(cell)
            self.builder.end()

    def _inline_block(self, kind: str, element: Element, level: int = 0) -> None:
        self.builder.start(kind, level)
        self._inline_children(element)
        self.builder.end()

    # -- inline --------------------------------------------------------------------------

    def _inline_children(self, element: Element) -> None:
        self.builder.add(element.text or "")
        for child in element:
            self._inline(child)
            self.builder.add(child.tail or "")

    def _inline(self, element: Element) -> None:
        tag = _local(element.tag)
        if tag in _SKIP:
            return
        if tag == "xref" and element.get("ref-type") == "bibr":
            mark = self.builder.mark()
            self._inline_children(element)
            start, end = self.builder.span_since(mark)
            rids = tuple(r for r in (element.get("rid") or "").split() if r in self.ref_index)
            if rids:
                self.xrefs.append(_Xref(rids, start, end))
            return
        if tag in ("break",):
            self.builder.add(" ")
            return
        self._inline_children(element)

    # -- citations -----------------------------------------------------------------------

    def _citations(self, text: str) -> list[Citation]:
        """One citation per xref target, grouped with its neighbours, ranges filled in."""
        groups: list[list[_Xref]] = []
        for xref in self.xrefs:
            if groups:
                between = text[groups[-1][-1].end : xref.start]
                if ("\n" not in between and _BETWEEN.fullmatch(between)) or _SEPARATOR.fullmatch(
                    between
                ):
                    xref.dash_before = bool(_DASH.fullmatch(between))
                    groups[-1].append(xref)
                    continue
            groups.append([xref])
        citations: list[Citation] = []
        for group in groups:
            start, end = _enclosing(text, group[0].start, group[-1].end)
            previous: _Xref | None = None
            for xref in group:
                if xref.dash_before and previous is not None:
                    ends = (text[previous.start : previous.end], text[xref.start : xref.end])
                    for index in self._range_between(previous.rids[-1], xref.rids[0], ends):
                        citations.append(
                            Citation(
                                "jats",
                                self.refs[index].get("id", ""),
                                previous.start,
                                xref.end,
                                start,
                                end,
                                reference=index,
                            )
                        )
                for rid in xref.rids:
                    citations.append(
                        Citation(
                            "jats",
                            rid,
                            xref.start,
                            xref.end,
                            start,
                            end,
                            reference=self.ref_index[rid],
                        )
                    )
                previous = xref
        citations.sort(key=lambda c: (c.start, c.end))
        return citations

    def _range_between(self, first: str, last: str, shown: tuple[str, str]) -> list[int]:
        """The entries strictly between two xrefs joined by a dash, when the labels from
        one to the other are consecutive numbers in list order; else none. A list without
        labels (BMC's) is numbered by the xrefs' own text: "5–8" fills in the entries
        between when the two ends stand 8 - 5 places apart in the list."""
        low, high = self.ref_index[first], self.ref_index[last]
        if high - low < 2:
            return []
        # Labels as printed: "5", "5.", "[5]".
        labels = [
            _text(_child(self.refs[i], "label")).strip().strip("[]().")
            for i in range(low, high + 1)
        ]
        if not any(labels):
            ends = [_SPACES.sub("", end) for end in shown]
            if all(n.isdigit() for n in ends) and int(ends[1]) - int(ends[0]) == high - low:
                return list(range(low + 1, high))
            return []
        if not all(label.isdigit() for label in labels):
            return []
        numbers = [int(label) for label in labels]
        if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            return []
        return list(range(low + 1, high))

    # -- the reference list --------------------------------------------------------------

    def _references(self) -> list[Reference]:
        if not self.refs:
            return []
        self.builder.start("heading", 2)
        self.builder.add("References")
        self.builder.end()
        entries: list[Reference] = []
        for ref in self.refs:
            fields = ref_fields(ref)
            label = _text(_child(ref, "label")).strip("[]. ") or None
            body = fields.text
            entry = f"{label}. {body}" if label else body
            self.builder.start("reference")
            mark = self.builder.mark()
            self.builder.add(entry)
            self.builder.end()
            start, end = self.builder.span_since(mark)
            entries.append(
                Reference(
                    _SPACES.sub(" ", entry).strip(),
                    start,
                    end,
                    label,
                    fields.surnames,
                    fields.year,
                    fields.title,
                    fields.source,
                    fields.volume,
                    fields.pages,
                    fields.identifiers,
                )
            )
        return entries


@dataclass
class RefFields:
    """What a ``<ref>``'s citation element gives, and the entry's text."""

    text: str
    surnames: tuple[str, ...]
    year: str | None
    title: str | None
    source: str | None
    volume: str | None
    pages: str | None
    identifiers: tuple[str, ...]


def ref_fields(ref: Element) -> RefFields:
    """The fields of one ``<ref>`` (its first citation element), exactly as marked up."""
    citation = next((c for c in ref.iter() if _local(c.tag) in _CITATIONS), ref)
    surnames: list[str] = []
    names: list[str] = []
    for group in citation.iter():
        if _local(group.tag) != "person-group" or group.get("person-group-type") not in (
            None,
            "author",
        ):
            continue
        for name in group:
            tag = _local(name.tag)
            if tag in ("name", "string-name"):
                surname = _text(_child(name, "surname")) or _text(name)
                given = _text(_child(name, "given-names"))
                surnames.append(surname)
                names.append(f"{surname} {given}".strip())
            elif tag == "collab":
                names.append(_text(name))
            elif tag == "etal":
                names.append("et al.")
        break
    if not surnames:
        for name in citation:
            if _local(name.tag) in ("name", "string-name"):
                surname = _text(_child(name, "surname")) or _text(name)
                surnames.append(surname)
                names.append(f"{surname} {_text(_child(name, 'given-names'))}".strip())

    def field(*tags: str) -> str | None:
        for tag in tags:
            found = next((e for e in citation.iter() if _local(e.tag) == tag), None)
            if found is not None and _text(found):
                return _text(found)
        return None

    title = field("article-title", "chapter-title", "data-title", "part-title")
    source = field("source")
    year = field("year")
    volume = field("volume")
    first, last = field("fpage"), field("lpage")
    pages = f"{first}–{last}" if first and last else first or field("elocation-id")
    identifiers: list[str] = []
    for element in citation.iter():
        tag = _local(element.tag)
        kind = None
        if tag == "pub-id":
            kind = _ID_TYPES.get((element.get("pub-id-type") or "").lower())
        elif tag == "ext-link":
            kind, value = _link_doi(element)
        value = _text(element) if tag == "pub-id" else value if kind else ""
        if kind and value:
            identifier = f"{kind}:{value}"
            if identifier not in identifiers:
                identifiers.append(identifier)
    if _local(citation.tag) == "element-citation" or not _text(citation):
        parts = [", ".join(names), title, source]
        tail = ";".join(p for p in (year, f"{volume}:{pages}" if volume and pages else volume) if p)
        text = ". ".join(p.rstrip(".") for p in (*parts, tail) if p) + "."
    else:
        text = _SPACES.sub(" ", "".join(_citation_text(citation))).strip()
    for identifier in identifiers:
        kind, _, value = identifier.partition(":")
        if (value if kind == "doi" else identifier).lower() not in text.lower():
            text += f" {kind}:{value}"
    return RefFields(text, tuple(surnames), year, title, source, volume, pages, tuple(identifiers))


_DOI_LINK = re.compile(r"(?:doi\.org/|^doi:\s*)(10\.\d{4,9}/\S+)", re.IGNORECASE)


# A lead-in or a trailing note inside the brackets of a citation group: "(e.g. X, 2003)".
_OPENING = re.compile(r"[\[(][^\[\]()\n]{0,24}$")
_CLOSING = re.compile(r"^[^\[\]()\n]{0,24}[\])]")


def _enclosing(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a citation group with its brackets and what they hold besides it."""
    before = _OPENING.search(text, max(0, start - 25), start)
    after = _CLOSING.match(text[end : end + 25])
    if before is not None and after is not None:
        return before.start(), end + after.end()
    return start, end


def _link_doi(element: Element) -> tuple[str | None, str]:
    """("doi", value) for an ``<ext-link>`` that is a DOI by its type, address or text."""
    text = _text(element)
    if (element.get("ext-link-type") or "").lower() == "doi":
        return "doi", _DOI_LINK.sub(r"\1", text)
    href = element.get("{http://www.w3.org/1999/xlink}href") or ""
    for candidate in (href, text):
        m = _DOI_LINK.search(candidate)
        if m:
            return "doi", m.group(1)
    return None, ""


def _citation_text(element: Element) -> list[str]:
    """The text of a mixed citation, each ``<name>`` as "Surname Given"."""
    parts = [element.text or ""]
    for child in element:
        if _local(child.tag) == "pub-id":
            pass  # appended with its kind after the text
        elif _local(child.tag) == "name":
            parts.append(
                " ".join(
                    p
                    for p in (_text(_child(child, "surname")), _text(_child(child, "given-names")))
                    if p
                )
            )
        else:
            parts.extend(_citation_text(child))
        parts.append(child.tail or "")
    return parts
