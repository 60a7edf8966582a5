"""Markdown (CommonMark with tables, pandoc citations, Manubot tags) to a Document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evidence.read.builder import ProseBuilder
from evidence.read.document import Document, Link, ReadContext
from evidence.read.pandoc import find_citations, resolve_tags, split_tag_definitions

if TYPE_CHECKING:
    from markdown_it.token import Token

_FRONT_MATTER = re.compile(
    r"""
    \A (?:---|\+\+\+) [ \t]*\n              # opening fence: YAML --- or TOML +++
    .*?\n                                   # the metadata
    (?:---|\.\.\.|\+\+\+) [ \t]* (?:\n|\Z)  # closing fence
    """,
    re.DOTALL | re.VERBOSE,
)
# Markup inside text tokens that is not prose.
_ATTRIBUTES = re.compile(
    r"""
        \{[#.][^{}\n]*\}                # pandoc attributes {#id .class}
      | \{(?:height|width)=[^{}\n]*\}   # image size {width=50%}
      | \{\#\#.*?\#\#\}                 # Manubot template comments {## ... ##}
      | \{%.*?%\}                       # template tags {% ... %}
    """,
    re.VERBOSE,
)


def read_markdown(text: str, context: ReadContext) -> Document:
    """Prose of the Markdown's paragraphs, headings, list items, quotes and table
    cells; code, HTML blocks and front matter are left out. Bare ``@key``
    citations are narrowed to ``context.bib_keys`` when given."""
    from markdown_it import MarkdownIt

    markup = _FRONT_MATTER.sub("", text, count=1)
    markup, definitions = split_tag_definitions(markup)
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markup)
    builder = ProseBuilder()
    enclosing: list[str] = []  # the list items and quotes the token is inside
    list_depth = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            builder.start("heading", int(token.tag[1:]) if token.tag[1:].isdigit() else 1)
        elif kind in ("heading_close", "paragraph_close", "th_close", "td_close"):
            builder.end()
        elif kind == "bullet_list_open" or kind == "ordered_list_open":
            list_depth += 1
        elif kind == "bullet_list_close" or kind == "ordered_list_close":
            list_depth -= 1
        elif kind == "list_item_open":
            enclosing.append("list_item")
            builder.start("list_item", list_depth)
        elif kind == "list_item_close":
            enclosing.pop()
            builder.end()
        elif kind == "blockquote_open":
            enclosing.append("quote")
        elif kind == "blockquote_close":
            enclosing.pop()
        elif kind == "paragraph_open":
            if enclosing and enclosing[-1] == "list_item":
                # A loose list item: its first paragraph continues the item block.
                if not builder.in_block:
                    builder.start("list_item", list_depth)
            else:
                builder.start("quote" if "quote" in enclosing else "paragraph")
        elif kind in ("th_open", "td_open"):
            builder.start("paragraph")
        elif kind == "inline":
            _render_inline(token.children or [], builder)
        # code blocks, fences, html blocks and rules are not prose
    builder.end()
    doc = Document(text=builder.text(), format="markdown", blocks=builder.blocks)
    doc.links = builder.links
    doc.tag_definitions = definitions
    citations = find_citations(doc.text, doc.blocks, bare=True, bib_keys=context.bib_keys)
    doc.citations = resolve_tags(citations, definitions)
    return doc


def _render_inline(children: list[Token], builder: ProseBuilder) -> None:
    link_stack: list[tuple[str, tuple[int, int]]] = []
    for child in children:
        kind = child.type
        if kind == "text":
            content = child.content
            builder.add(_ATTRIBUTES.sub("", content) if "{" in content else content)
        elif kind in ("softbreak", "hardbreak"):
            builder.add(" ")
        elif kind == "link_open":
            link_stack.append((str(child.attrGet("href") or ""), builder.mark()))
        elif kind == "link_close" and link_stack:
            href, mark = link_stack.pop()
            start, end = builder.span_since(mark)
            if href and not href.startswith(("#", "mailto:")) and end > start:
                builder.links.append(Link(href, start, end))
        elif kind == "image":
            _render_inline(child.children or [], builder)
        # inline code, raw HTML, emphasis markers carry no prose of their own
