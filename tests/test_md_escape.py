"""The Markdown report escapes what Markdown reads as its own, and nothing else: rendered,
every text reads as it was given; no text makes a tag, a link or template syntax."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from reports import md_escape

# GitHub-like: raw HTML allowed, tables on.
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
PARAGRAPH = re.compile(r"^<p>(.*)</p>\n$", re.DOTALL)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        # Plain text stays plain: "&", "<" and ">" that Markdown would not read.
        ("Massage & Bodywork", "Massage & Bodywork"),
        ("AT&T", "AT&T"),
        ("p < 0.05; n<30; a > b", "p < 0.05; n<30; a > b"),
        ("<= 3", "<= 3"),
        ("{x} and {y}", "{x} and {y}"),
        # What would become a reference, a tag, an autolink or a block quote.
        ("&copy; &#169;", r"&amp;copy; &amp;\#169;"),
        ("<b>bold</b>", "&lt;b>bold&lt;/b>"),
        ("<!-- c -->", "&lt;!-- c -->"),
        ("<https://evil.example>", "&lt;https://evil.example>"),
        ("<me@evil.example>", "&lt;me@evil.example>"),
        ("> quoted", "&gt; quoted"),
        # Template syntax of Liquid and Jinja.
        ("{{ 7*7 }}", r"&#123;{ 7\*7 }}"),
        ("{% raw %}", "&#123;% raw %}"),
        ("{# note #}", r"{\# note \#}"),
    ],
)
def test_escaped_as_little_as_needed(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


def rendered_text(markdown: str) -> str:
    found = PARAGRAPH.match(MARKDOWN.render(markdown))
    assert found is not None, markdown
    assert "<" not in found.group(1), markdown  # no tag, link, emphasis or code span
    return html.unescape(found.group(1))


# Characters with a meaning in Markdown, HTML, references or templates, and a few letters.
TRICKY = st.text(st.sampled_from(list("ab1 &<>{}%#;@:/!?*_[]()`|~\\-+.=x")), max_size=24)


@settings(max_examples=400, deadline=None)
@given(TRICKY)
def test_rendered_text_reads_as_given(text: str) -> None:
    text = " ".join(text.split())  # Markdown collapses spaces; the report keeps one line
    if not text:
        return
    assert rendered_text(md_escape(text)) == text  # at the start of a line
    assert rendered_text("Claim: " + md_escape(text)) == "Claim: " + text
