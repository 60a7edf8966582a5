"""Building prose text block by block, for readers that render markup."""

from __future__ import annotations

import re

from evidence.read.document import Block, Citation, Link

_SPACES = re.compile(r"\s+")


class ProseBuilder:
    """Accumulates prose block by block; whitespace inside a block is collapsed.

    Blocks are separated by a blank line in the text; renderers record links and
    citations with offsets measured by ``mark``/``span_since``."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.blocks: list[Block] = []
        self.citations: list[Citation] = []
        self.links: list[Link] = []
        self._block_start: int | None = None
        self._kind = "paragraph"
        self._level = 0
        self._number: int | None = None
        self._last = "\n"

    @property
    def in_block(self) -> bool:
        """Whether a block holds text that ``end`` will close."""
        return self._block_start is not None

    @property
    def last_char(self) -> str:
        """The last character written (a newline at the start and after a block)."""
        return self._last

    def start(self, kind: str, level: int = 0, number: int | None = None) -> None:
        self.end()
        self._kind, self._level, self._number = kind, level, number

    def add(self, text: str) -> None:
        if not text:
            return
        text = _SPACES.sub(" ", text)
        if self._block_start is None:
            text = text.lstrip(" ")
            if not text:
                return
            if self.parts:
                self._write("\n\n")
            self._block_start = self.pos
        elif self._last == " " and text.startswith(" "):
            text = text[1:]
        self._write(text)

    def _write(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.pos += len(text)
            self._last = text[-1]

    def mark(self) -> tuple[int, int]:
        """A position to measure what is added after it (see ``span_since``)."""
        return len(self.parts), self.pos

    def span_since(self, mark: tuple[int, int]) -> tuple[int, int]:
        """Offsets of the prose added since ``mark``, without leading separators."""
        start = mark[1]
        added = "".join(self.parts[mark[0] :])
        start += len(added) - len(added.lstrip())
        return start, max(start, self.pos)

    def end(self) -> None:
        if self._block_start is None:
            return
        if self._last == " ":
            last = self.parts[-1]
            self.parts[-1] = last[:-1]
            self.pos -= 1
            if not self.parts[-1]:
                self.parts.pop()
        self.blocks.append(
            Block(self._kind, self._block_start, self.pos, self._level, self._number)
        )
        self._block_start = None
        self._last = "\n"

    def text(self) -> str:
        return "".join(self.parts)
