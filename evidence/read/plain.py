"""Plain text: the text is kept as it is; blocks are guessed from its lines."""

from __future__ import annotations

import re

from evidence.read.document import Block, Document, ReadContext
from evidence.read.pandoc import find_citations

_LIST_LINE = re.compile(
    r"""
    ^\s*
    (?:
        \d{1,3}[.)]         # 1.  1)
      | [-*•–]              # bullets and dashes
      | \(\w\)              # (a)
      | \[\d{1,3}\]         # [1]
    )
    \s+\S                   # then the item's text
    """,
    re.VERBOSE,
)
# A line ending in one of these ends its sentence (or a quotation or bracket).
_TERMINAL = re.compile(r"[.!?:;\"”’')\]]\s*$")
# A line ending in a function word goes on in the next line.
_FUNCTION_END = re.compile(
    r"\b(?:the|a|an|of|and|or|to|in|on|for|with|by|from|that|as|at|is|are|was|were)\s*$",
    re.IGNORECASE,
)


def _heading_like(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 16
        and not _TERMINAL.search(line)
        and not _FUNCTION_END.search(line)
        and not line.rstrip().endswith((",", "-"))
    )


def read_plain(text: str, context: ReadContext) -> Document:
    """Plain text keeps the text itself; blocks come from blank lines and from
    lines that end a sentence, head a section or start a list item."""
    doc = Document(text=text, format="text")
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    current: list[tuple[int, int]] = []

    def flush() -> None:
        if not current:
            return
        start, end = current[0][0], current[-1][1]
        first = text[start : current[0][1]]
        stripped_start = start + (len(first) - len(first.lstrip()))
        while end > stripped_start and text[end - 1].isspace():
            end -= 1
        if end > stripped_start:
            content = text[stripped_start:end]
            if _LIST_LINE.match(content):
                kind = "list_item"
            elif len(current) == 1 and _heading_like(content):
                kind = "heading"
            elif content.startswith(">"):
                kind = "quote"
            else:
                kind = "paragraph"
            doc.blocks.append(Block(kind, stripped_start, end))
        current.clear()

    for i, (start, end) in enumerate(lines):
        line = text[start:end]
        if not line.strip():
            flush()
            continue
        if current and _LIST_LINE.match(line):
            flush()
        current.append((start, end))
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        next_line = text[nxt[0] : nxt[1]] if nxt else ""
        if not next_line.strip():
            continue
        if _LIST_LINE.match(next_line):
            flush()
            continue
        joins = not _TERMINAL.search(line) and (
            next_line.lstrip()[:1].islower()
            or _FUNCTION_END.search(line) is not None
            or line.rstrip().endswith((",", "-"))
        )
        if not joins:
            flush()
    flush()
    doc.citations = find_citations(text, doc.blocks, bare=False, bib_keys=None)
    return doc
