"""Escaping user text for the two text formats.

Everything a report shows comes from documents and bibliographic services, so all of
it is untrusted. HTML escaping is Jinja's autoescape (markupsafe). Markdown has no
standard escape, so :func:`md_escape` makes text inert on CommonMark/GitHub renderers:
no links, images, emphasis, raw HTML, table breaks or template syntax (``{{``, ``{%``,
which GitHub Pages' Liquid would otherwise evaluate). It escapes only what Markdown
would read as its own: "Massage & Bodywork" and "p < 0.05" stay as they are.
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
# The rest is escaped with character references, which every Markdown renderer reads
# (Markdown.pl knows no backslash escape for "<", ">" or "&"), and only where needed:
# - "&" where it would start a reference itself (&copy; &#169; &#xA9;);
# - "<" where it would open raw HTML (a tag, </, <!, <?) or an autolink (<http:…>, an
#   e-mail address), not before a space or a digit ("p < 0.05", "n<30");
# - ">" at the start, where it would open a block quote;
# - "{" that opens template syntax ("{{", "{%"); "{#" is already "{\#".
_REFERENCE = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
_OPENING = re.compile(r"<(?=[A-Za-z/!?]|[^\s<>]*@[^\s<>]*>)")
_LEADING_QUOTE = re.compile(r"^>")
_TEMPLATE = re.compile(r"\{(?=[{%])")
_NEWLINES = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
# Text none of the patterns above can match: no character they look for anywhere, and
# no digit (of any script), "-", "+" or "=" first (most titles, names and labels). It is returned as is.
_INERT = re.compile(r"[^\\`*_\[\]|~#&<>{\r\n\u2028\u2029]*")
_LEADING_MARKS = frozenset("-+=")


def md_escape(text: object) -> str:
    """Text made literal for Markdown (GitHub-flavoured), on a single line.

    Markup (already safe for the output format) passes through unchanged.
    """
    if isinstance(text, Markup):
        return str(text)
    value = str(text)
    first = value[:1]
    if _INERT.fullmatch(value) and first not in _LEADING_MARKS and not first.isdecimal():
        return value
    value = _NEWLINES.sub(" ", value)
    # "&" before "#" is escaped: "&#169;" must not become "&\#169;", which Markdown.pl
    # turns back into a reference. The references written below are not escaped again.
    value = _REFERENCE.sub("&amp;", value)
    value = _INLINE.sub(r"\\\1", value)
    value = _OPENING.sub("&lt;", value)
    value = _LEADING_QUOTE.sub("&gt;", value)
    value = _TEMPLATE.sub("&#123;", value)
    value = _LEADING_ORDERED.sub(r"\1\\\2", value)
    value = _LEADING_BULLET.sub(r"\\\1", value)
    return _SETEXT.sub(lambda m: "\\" + m.group(0), value)
