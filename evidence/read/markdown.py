"""Markdown (CommonMark with tables, pandoc citations, Manubot tags) to a Document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evidence.read.builder import ProseBuilder
from evidence.read.document import Document, Link, ReadContext
from evidence.read.pandoc import find_citations, resolve_tags, split_tag_definitions

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
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


# Raw HTML inside Markdown: comments, scripts and styles go with their content, other
# tags alone; the text between them is Markdown again, as pandoc reads it. An autolink
# "<https://…>" is not a tag (a tag's name holds no colon).
_HTML_MARKUP = re.compile(
    r"""
        <!--.*?-->                                  # a comment
      | <(script|style)\b.*?</\1\s*>               # 1: a script or style, content and all
      | </?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>     # any other tag
    """,
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)


def read_markdown(text: str, context: ReadContext) -> Document:
    """Prose of the Markdown's paragraphs, headings, list items, quotes, the text of its
    raw HTML blocks, and its table rows (``table_row`` blocks, cells joined by " | ");
    code and front matter are left out. Bare ``@key`` citations are narrowed to
    ``context.bib_keys`` when given."""
    from markdown_it import MarkdownIt

    markup = _FRONT_MATTER.sub("", text, count=1)
    markup, definitions = split_tag_definitions(markup)
    md = MarkdownIt("commonmark").enable("table")
    builder = ProseBuilder()
    _render_blocks(md, md.parse(markup), builder, nested=False)
    builder.end()
    doc = Document(text=builder.text(), format="markdown", blocks=builder.blocks)
    doc.links = builder.links
    doc.tag_definitions = definitions
    citations = find_citations(doc.text, doc.blocks, bare=True, bib_keys=context.bib_keys)
    doc.citations = resolve_tags(citations, definitions)
    return doc


def _render_blocks(
    md: MarkdownIt, tokens: list[Token], builder: ProseBuilder, *, nested: bool
) -> None:
    """Blocks of markdown-it's token stream; the text of a raw HTML block is read as
    Markdown once more (``nested``: already inside one, where no tag is left)."""
    enclosing: list[str] = []  # the list items and quotes the token is inside
    list_depth = 0
    first_cell = False
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            builder.start("heading", int(token.tag[1:]) if token.tag[1:].isdigit() else 1)
        elif kind in ("heading_close", "paragraph_close", "tr_close"):
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
        elif kind == "tr_open":
            builder.start("table_row")
        elif kind in ("th_open", "td_open"):
            first_cell = True
        elif kind == "inline":
            children = token.children or []
            if first_cell:
                first_cell = False
                if builder.in_block and token.content.strip():
                    builder.add(" | ")
            _render_inline(children, builder)
        elif kind == "html_block" and not nested:
            inner = _HTML_MARKUP.sub("\n", token.content)
            if inner.strip():
                builder.end()
                _render_blocks(md, md.parse(inner), builder, nested=True)
                builder.end()
        # code blocks, fences and rules are not prose


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
