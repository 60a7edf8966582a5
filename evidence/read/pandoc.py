"""Pandoc citation syntax: ``[@key, p. 3; -@other]`` groups, bare ``@key``, and
Manubot's ``[@tag:X]: doi:…`` tag definitions.

Markdown reads every form; plain text and HTML only the bracketed groups, which
cannot be mistaken for e-mail addresses or handles.
See https://pandoc.org/MANUAL.html#citation-syntax.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from bib.citekeys import normal_citekey
from evidence.read.document import Block, Citation

# A key starts with a letter, digit or _, and may hold internal punctuation, combining
# marks (a decomposed "ü" is "u" and U+0308) and invisible format characters; trailing
# punctuation belongs to the prose (see _clean_key). Keys are kept in one Unicode form
# (bib.citekeys.normal_citekey).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_INVISIBLE = "\u00ad\u200b-\u200d\u2060\ufeff"
_KEY = r"[\w][\w" + _MARKS + _INVISIBLE + r":.#$%&\-+?<>~/=*]*"
_CITED = (
    r"""
    (-?)                    # 1: "-" suppresses the author name
    @
    (                       # 2: the key
        \{[^{}]+\}          #    in braces, which may hold any punctuation
      | """
    + _KEY
    + r"""
    )
    """
)
_BRACKET_GROUP = re.compile(
    r"""
    \[
    (                       # 1: the group, on one line and without nested brackets,
        [^\[\]\n]*? -?@     #    holding at least one @
        [^\[\]\n]*
    )
    \]
    """,
    re.VERBOSE,
)
_KEY_IN_GROUP = re.compile(_CITED, re.VERBOSE)
_BARE = re.compile(
    r"(?<![\w.@/\[])  # not inside a word, an e-mail address, a path or a bracket" + _CITED,
    re.VERBOSE,
)
# pandoc-crossref labels (@fig:one, @tbl-two) refer to the document itself.
_CROSSREF = re.compile(r"^(?:fig|tbl|sec|eq|lst|thm|lem|def|apx)[:\-]", re.IGNORECASE)
_TAG_DEFINITION = re.compile(
    r"""
    ^ \[@ ([^\]\s]+) \]:    # 1: the tag, "[@tag:X]:" at the start of a line
    \s* (\S+) [ \t]* $      # 2: its target, alone on the rest of the line
    """,
    re.MULTILINE | re.VERBOSE,
)


def split_tag_definitions(source: str) -> tuple[str, dict[str, str]]:
    """The Markdown source without its Manubot tag definitions, and the definitions
    (tag -> target). They look like link reference definitions; removed so that
    the Markdown parser keeps the in-text ``[@tag:X]`` as written."""
    definitions: dict[str, str] = {}
    for m in _TAG_DEFINITION.finditer(source):
        definitions[m.group(1)] = m.group(2)
    return _TAG_DEFINITION.sub("", source), definitions


def resolve_tags(citations: list[Citation], definitions: dict[str, str]) -> list[Citation]:
    """The citations, those of a defined tag with ``resolved`` set to its target."""
    return [
        Citation(**{**c.__dict__, "resolved": definitions.get(c.key)})
        if c.key in definitions
        else c
        for c in citations
    ]


def _clean_key(key: str) -> str:
    if key.startswith("{") and key.endswith("}"):
        return key[1:-1]
    return key.rstrip(".:,;?!~/-=*>")


def find_citations(
    text: str, blocks: Iterable[Block], *, bare: bool, bib_keys: Collection[str] | None
) -> list[Citation]:
    """The citations in ``blocks`` of ``text``, in text order: bracketed groups
    (a group counts only if every item is a citation), and with ``bare`` also
    ``@key`` in running text, narrowed to ``bib_keys`` when given (keys with a
    prefix such as ``doi:`` always count)."""
    found: list[Citation] = []
    for block in blocks:
        segment = text[block.start : block.end]
        taken: list[tuple[int, int]] = []
        for group in _BRACKET_GROUP.finditer(segment):
            inner = group.group(1)
            inner_start = group.start(1)
            items = inner.split(";")
            offset = 0
            keys: list[Citation] = []
            valid = True
            for item in items:
                if not item.strip():
                    offset += len(item) + 1
                    continue
                m = _KEY_IN_GROUP.search(item)
                if m is None or (m.start() > 0 and (item[m.start() - 1].isalnum())):
                    valid = False
                    break
                key = _clean_key(m.group(2))
                if not key or _CROSSREF.match(key):
                    valid = False
                    break
                raw_key_end = (
                    m.start(2)
                    + len(m.group(2))
                    - (len(m.group(2)) - len(key) if not m.group(2).startswith("{") else 0)
                )
                k_start = block.start + inner_start + offset + m.start()
                k_end = block.start + inner_start + offset + raw_key_end
                locator = item[raw_key_end:].strip().lstrip(",").strip()
                keys.append(
                    Citation(
                        syntax="pandoc",
                        key=normal_citekey(key),
                        start=k_start,
                        end=k_end,
                        group_start=block.start + group.start(),
                        group_end=block.start + group.end(),
                        command="[-@]" if m.group(1) else "[@]",
                        locator=locator,
                    )
                )
                offset += len(item) + 1
            if valid and keys:
                found.extend(keys)
                taken.append((group.start(), group.end()))
        if not bare:
            continue
        for m in _BARE.finditer(segment):
            if any(s <= m.start() < e for s, e in taken):
                continue
            key = _clean_key(m.group(2))
            if not key or _CROSSREF.match(key) or key[0] in "-":
                continue
            if bib_keys is not None and ":" not in key and normal_citekey(key) not in bib_keys:
                continue
            # An e-mail address or handle glued to a word is not a citation.
            if m.start() > 0 and segment[m.start() - 1].isalnum():
                continue
            length = len(key) + 2 if m.group(2).startswith("{") else len(key)
            start = block.start + m.start()
            end = block.start + m.start(2) + length
            found.append(
                Citation(
                    syntax="pandoc",
                    key=normal_citekey(key),
                    start=start,
                    end=end,
                    group_start=start,
                    group_end=end,
                    command="-@" if m.group(1) else "@",
                )
            )
    found.sort(key=lambda c: c.start)
    return found
