"""What the BibTeX, CSL-JSON and RIS modules share: problems, results and field helpers.

Identifiers are not read here: every reader passes an identifier field to
:func:`bib.identifiers.standardize_identifier`, the rule ``evidence add`` uses too.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from bib.errors import FormatError
from bib.identifiers import standardize_identifier
from bib.work import Work


@dataclass(frozen=True)
class Problem:
    """Something wrong with one entry of a bibliography file.

    ``line`` is the line where the entry starts (1-based), ``key`` its citation key when
    it has one. Renders as ``file:line: key: what is wrong``.
    """

    file: str
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key or '(no key)'}: {self.message}"


@dataclass
class ReadResult:
    """The works read from a file and the problems met on the way."""

    works: list[Work] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def normalize_pages(value: str) -> str:
    """Page ranges with a plain hyphen: ``1109--1112`` and ``1–6`` become ``1109-1112``."""
    return value.replace("--", "-").replace("\u2013", "-").replace("\u2014", "-")


_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")


def parse_issns(value: str) -> list[str]:
    """ISSNs found in a field, as ``1234-567X``."""
    return [f"{a}-{b.upper()}" for a, b in _ISSN.findall(value)]


# Hyphens and spaces inside an ISBN, and the 13- or 10-character runs left once they go.
_ISBN_JOINER = re.compile(r"(?<=[\dXx])[\s-](?=[\dXx])")
_ISBN_TOKEN = re.compile(r"(?<![\dXx])(?:\d{13}|\d{9}[\dXx])(?![\dXx])")


def first_isbn(value: str) -> str | None:
    """The first valid ISBN in a field (``0-19-852011-5 (pbk.)``, two ISBNs joined by a
    comma…) as ISBN-13 digits, or None. Each candidate is judged by the ISBN handler."""
    for token in _ISBN_TOKEN.findall(_ISBN_JOINER.sub("", value)):
        isbn = standardize_identifier("isbn", token)
        if isbn is not None:
            return isbn
    return None


# The longest entry (BibTeX command, CSL-JSON item, RIS record or line) a file read in
# pieces may hold: a reader keeps at most one entry beyond its window in memory.
MAX_ENTRY_CHARS = 16_000_000


class EntryTooLong(FormatError):
    """An entry longer than MAX_ENTRY_CHARS: the file is read no further."""

    def __init__(self, filename: str, line: int, limit: int) -> None:
        super().__init__(
            f"{filename}:{line}: an entry longer than {limit / 1e6:,.0f} million "
            "characters (or one never closed); the file is read no further. Check the "
            "entry, or split the file there"
        )
        self.line = line
        self.limit = limit


class SeenKeys:
    """The keys met so far in one file (folded to lower case) and the line of each, for
    "duplicate key" problems: in memory up to SPILL keys, then in a temporary SQLite
    database on disk, so that a file of any size is read in bounded memory."""

    SPILL = 50_000

    def __init__(self) -> None:
        self._memory: dict[str, int] = {}
        self._disk: sqlite3.Connection | None = None

    def get(self, key: str) -> int | None:
        """The line where ``key`` was first met, or None."""
        folded = key.lower()
        line = self._memory.get(folded)
        if line is None and self._disk is not None:
            hit = self._disk.execute("select line from seen where key = ?", [folded]).fetchone()
            line = None if hit is None else int(hit[0])
        return line

    def add(self, key: str, line: int) -> None:
        self._memory[key.lower()] = line
        if len(self._memory) >= self.SPILL:
            if self._disk is None:
                # "": a private temporary database, kept on disk past a small cache.
                self._disk = sqlite3.connect("")
                self._disk.execute("create table seen (key text primary key, line int)")
            with self._disk:
                self._disk.executemany("insert into seen values (?, ?)", self._memory.items())
            self._memory.clear()

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None
