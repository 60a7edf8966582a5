"""Escaping user text for the two text formats.

Everything a report shows comes from documents and bibliographic services, so all of
it is untrusted. HTML escaping is Jinja's autoescape (markupsafe). Markdown has no
standard escape, so :func:`md_escape` makes text inert on CommonMark/GitHub renderers:
no links, images, emphasis, raw HTML, table breaks or template syntax (``{{``, ``{%``,
which GitHub Pages' Liquid would otherwise evaluate).
"""

from __future__ import annotations

import re

from markupsafe import Markup

# Characters that start inline Markdown constructs anywhere in a line. Parentheses and
# "!" need no escape once "[" and "]" are escaped: no link or image can open.
_INLINE = re.compile(r"([\\`*_\[\]|~#])")
# Block markers only matter at the start of a line and, for list items, before a space.
# Text is kept on one line, so only the very start needs care.
_LEADING_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LEADING_BULLET = re.compile(r"^([-+])(?=\s|$)")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "{": "&#123;", "}": "&#125;"}
_ENTITY_RE = re.compile("[&<>{}]")
_NEWLINES = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")


def md_escape(text: object) -> str:
    """Text made literal for Markdown (GitHub-flavoured), on a single line.

    Markup (already safe for the output format) passes through unchanged.
    """
    if isinstance(text, Markup):
        return str(text)
    value = _NEWLINES.sub(" ", str(text))
    value = _INLINE.sub(r"\\\1", value)
    value = _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], value)
    value = _LEADING_ORDERED.sub(r"\1\\\2", value)
    value = _LEADING_BULLET.sub(r"\\\1", value)
    return _SETEXT.sub(lambda m: "\\" + m.group(0), value)
