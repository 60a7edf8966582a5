"""HTML to a Document: the main text as trafilatura finds it, without boilerplate."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evidence.read.builder import ProseBuilder
from evidence.read.document import Document, Link, ReadContext
from evidence.read.pandoc import find_citations

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

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
    """Headings, paragraphs, list items and quotes of the page's main text, with
    its links; navigation, scripts, tables and footers are left out."""
    import trafilatura
    from defusedxml import ElementTree

    builder = ProseBuilder()
    xml: str | None = None
    try:
        xml = trafilatura.extract(
            text,
            output_format="xml",
            include_links=True,
            include_comments=False,
            include_tables=False,
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


def _render_xml(element: Element, builder: ProseBuilder, kind: str) -> None:
    """Blocks of trafilatura's XML (head, p, list/item, quote), each child in turn."""
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
        elif tag in ("code", "graphic", "table", "comments"):
            continue
        else:
            _render_xml(child, builder, kind)


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
