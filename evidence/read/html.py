"""HTML to a Document: the main text as trafilatura finds it, without boilerplate,
with figure and table captions and table rows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evidence.read.builder import ProseBuilder
from evidence.read.document import Document, Link, ReadContext
from evidence.read.pandoc import find_citations

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from lxml.html import HtmlElement

# Used only when trafilatura gives nothing: scripts and styles go with their
# content, other tags alone.
_TAGS = re.compile(
    r"""
        <(script|style)\b .*? </\1\s*>  # 1: a script or style element, content and all
      | <[^>]*>                         # any other tag
    """,
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)


def read_html(text: str, context: ReadContext) -> Document:
    """Headings, paragraphs, list items, quotes, figure and table captions and table
    rows of the page's main text, with its links; navigation, scripts and footers are
    left out."""
    import trafilatura
    from defusedxml import ElementTree

    builder = ProseBuilder()
    xml: str | None = None
    try:
        tree = trafilatura.load_html(text)
        if tree is not None:
            _captions_as_paragraphs(tree)
            _superscript_citations(tree)
        xml = trafilatura.extract(
            tree if tree is not None else text,
            output_format="xml",
            include_links=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_recall=True,
        )
    except Exception:  # trafilatura on very broken markup: fall back below
        xml = None
    root = None
    if xml:
        try:
            root = ElementTree.fromstring(xml)
        except Exception:
            root = None
    if root is not None:
        main = root.find("main")
        _render_xml(main if main is not None else root, builder, "paragraph")
    else:
        plain = ""
        try:
            plain = trafilatura.html2txt(text) or ""
        except Exception:
            plain = ""
        if not plain.strip():
            plain = _TAGS.sub(" ", text)
        for para in re.split(r"\n\s*\n|\n", plain):
            builder.start("paragraph")
            builder.add(para)
    builder.end()
    doc = Document(text=builder.text(), format="html", blocks=builder.blocks)
    doc.links = builder.links
    doc.citations = find_citations(doc.text, doc.blocks, bare=False, bib_keys=None)
    return doc


def _captions_as_paragraphs(tree: HtmlElement) -> None:
    """Figure and table captions as paragraphs of their own, which trafilatura keeps:
    a ``<figcaption>`` after its ``<figure>`` (trafilatura drops figures whole), a
    table's ``<caption>`` before its ``<table>`` (instead of a row of the table)."""
    for caption in list(tree.iter("figcaption", "caption")):
        parent = caption.getparent()
        if parent is None:
            continue
        if caption.tag == "figcaption":
            holder = parent
            while holder.getparent() is not None and holder.tag != "figure":
                holder = holder.getparent()
            if holder.tag != "figure":
                caption.tag = "p"  # a caption outside any figure stays where it is
                continue
        else:
            holder = parent
            if holder.tag != "table":
                continue
        _detach(caption)
        caption.tag = "p"
        if holder.tag == "figure":
            holder.addnext(caption)
        else:
            holder.addprevious(caption)


# A superscript citation: "12", "2,3", "4–6", "1, 5-7".
_SUP_NUMBERS = re.compile(r"\d{1,3}(?:\s*[,\u2013\u2014\u2012-]\s*\d{1,3})*")
# What a citation superscript follows: a word of three letters or more, or punctuation
# (not "cm²", "m²", "10³").
_SUP_AFTER = re.compile(r"(?:[^\W\d_]{3,}|[.,;:)\]\u201d\"'])\s*$")


def _superscript_citations(tree: HtmlElement) -> None:
    """Superscript numbers after a word or punctuation as bracketed numbers
    (``adults.<sup>12</sup>`` as ``adults.[12]``), as medical journals and news pages
    print citations; trafilatura would keep the digits glued to the word."""
    for sup in list(tree.iter("sup")):
        numbers = sup.text_content().strip()
        if not _SUP_NUMBERS.fullmatch(numbers):
            continue
        previous = sup.getprevious()
        if previous is not None:
            before = previous.tail or previous.text_content()
        else:
            parent = sup.getparent()
            before = parent.text if parent is not None else ""
        if not _SUP_AFTER.search(before or ""):
            continue
        for child in list(sup):
            sup.remove(child)
        sup.text = f"[{numbers}]"
        sup.tag = "span"


def _detach(element: HtmlElement) -> None:
    """Remove ``element`` from its parent, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    element.tail = None
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _render_ordered(element: Element, builder: ProseBuilder) -> None:
    """An ordered list's items, each with its number, which HTML leaves to the browser
    (a reference list as `<ol>`: entry 3 is what "[3]" cites)."""
    items = [child for child in element if child.tag == "item"]
    if len(items) != len(element):  # not trafilatura's usual list of items: unnumbered
        _render_xml(element, builder, "list_item")
        return
    for number, item in enumerate(items, start=1):
        builder.start("list_item", number=number)
        _render_xml_inline(item, builder)
        builder.end()


def _render_xml(element: Element, builder: ProseBuilder, kind: str) -> None:
    """Blocks of trafilatura's XML (head, p, list/item, quote, table/row), each child
    in turn."""
    for child in element:
        tag = child.tag
        if tag == "head":
            level = child.get("rend", "h2")[1:]
            builder.start("heading", int(level) if level.isdigit() else 2)
            _render_xml_inline(child, builder)
            builder.end()
        elif tag == "p":
            builder.start(kind)
            _render_xml_inline(child, builder)
            builder.end()
        elif tag == "list":
            if child.get("rend") == "ol":
                _render_ordered(child, builder)
            else:
                _render_xml(child, builder, "list_item")
        elif tag == "item":
            builder.start("list_item")
            _render_xml_inline(child, builder)
            builder.end()
        elif tag == "quote":
            if any(grand.tag in ("p", "list", "head") for grand in child):
                _render_xml(child, builder, "quote")
            else:
                builder.start("quote")
                _render_xml_inline(child, builder)
                builder.end()
        elif tag == "table":
            _render_table(child, builder)
        elif tag in ("code", "graphic", "comments"):
            continue
        else:
            _render_xml(child, builder, kind)


def _render_table(table: Element, builder: ProseBuilder) -> None:
    """Each row of a table as one ``table_row`` block, its cells joined by " | "."""
    for row in table.iter("row"):
        builder.start("table_row")
        for cell in row:
            if cell.tag != "cell" or not "".join(cell.itertext()).strip():
                continue
            if builder.in_block:
                builder.add(" | ")
            _render_xml_inline(cell, builder)
        builder.end()


def _render_xml_inline(element: Element, builder: ProseBuilder) -> None:
    builder.add(element.text or "")
    for child in element:
        if child.tag == "lb":
            builder.add(" ")
        elif child.tag == "ref":
            mark = builder.mark()
            _render_xml_inline(child, builder)
            start, end = builder.span_since(mark)
            target = child.get("target") or ""
            if target and end > start:
                builder.links.append(Link(target, start, end))
        else:  # emphasis, nested lists and paragraphs: their text runs on
            _render_xml_inline(child, builder)
        builder.add(child.tail or "")
