"""What went wrong with one item of a batch, as data; the command line shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One item of a batch (a file, an entry) that was not done, and why.

    ``item`` names it, or is empty when ``message`` already does. ``unreadable`` marks a
    file that could not be read at all, as opposed to an entry left out of a file that was
    read. Renders as ``item: message``.
    """

    item: str
    message: str
    unreadable: bool = False

    def __str__(self) -> str:
        return f"{self.item}: {self.message}" if self.item else self.message
