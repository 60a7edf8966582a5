"""A fixed set of spans asked, in logarithmic time, whether any holds a position or
meets another span: what keeps mention finding linear in the document, where a pass
over every citation span for every identifier found was quadratic."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class SpanIndex:
    """Half-open spans ``[start, end)``, sorted by start, each with the furthest end
    reached by it or any span starting before it."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._reach: list[int] = []
        furthest = 0
        for i, (_, end) in enumerate(ordered):
            furthest = end if i == 0 else max(furthest, end)
            self._reach.append(furthest)

    def holds(self, position: int) -> bool:
        """Whether some span has ``start <= position < end``."""
        i = bisect_right(self._starts, position) - 1
        return i >= 0 and self._reach[i] > position

    def meets(self, start: int, end: int) -> bool:
        """Whether some span ``(s, e)`` has ``s < end and start < e``."""
        i = bisect_left(self._starts, end) - 1
        return i >= 0 and self._reach[i] > start
