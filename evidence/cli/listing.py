"""Listings of any length: JSON written as it is produced, pages on a terminal.

``write_json`` prints exactly what ``print_json`` prints, but takes the arrays of the
data as iterables and writes their items one at a time, so `studies --json` of a million
studies holds one study (and `check --json` one claim) at a time. On a terminal a listing
shows one page (``PAGE`` items, with how many more and how to see them); piped, it shows
everything unless --limit or --offset say otherwise.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import typer

from bib.jsonlayout import dump, layout, scalar
from evidence.cli.context import fail, out, stdout

# Items a terminal listing shows unless --limit or --all say otherwise.
PAGE = 50


class Streamed:
    """An array inside the data of ``write_json`` whose items are written one by one."""

    def __init__(
        self,
        items: Iterable[Any] | None = None,
        *,
        text: IO[str] | None = None,
        laid: Callable[[str], Iterable[str]] | None = None,
    ):
        # ``text``: the array's items already laid out (see ``ArrayFile``). ``laid``: given
        # the indent its items start at, the items laid out (evidence.listing_text).
        self.items = items
        self.text = text
        self.laid = laid


def array_pieces(items: Iterable[Any], level: int) -> Iterator[str]:
    """A JSON array of ``items`` as ``json.dumps(indent=2)`` lays it out ``level`` deep."""
    indent = "  " * (level + 1)
    return laid_array_pieces((layout(item, indent) for item in items), level)


def laid_array_pieces(laid: Iterable[str], level: int) -> Iterator[str]:
    """A JSON array ``level`` deep of items already laid out (their lines after the
    first indented ``level + 1`` deep)."""
    inner = "\n" + "  " * (level + 1)
    first = True
    for item in laid:
        yield ("[" if first else ",") + inner + item
        first = False
    yield "[]" if first else "\n" + "  " * level + "]"


# Characters of output gathered before each write: a few large writes instead of one
# per item.
WRITE_CHUNK = 1 << 18


def write_pieces(pieces: Iterable[str]) -> int:
    """Write ``pieces`` to stdout a large chunk at a time; how many there were."""
    buffer: list[str] = []
    size = count = 0
    for piece in pieces:
        count += 1
        buffer.append(piece)
        size += len(piece)
        if size >= WRITE_CHUNK:
            stdout.write("".join(buffer))
            buffer.clear()
            size = 0
    if buffer:
        stdout.write("".join(buffer))
    return count


class _LaidFile:
    """A JSON container laid out ``level`` deep, kept in a temporary file while its
    items arrive (for one that is written after others are complete)."""

    OPEN, CLOSE = "", ""

    def __init__(self, level: int, lay: Callable[[str], Callable[[Any], str]] | None = None):
        # ``lay``: given the indent the items start at, what lays out one item (the
        # general layout when None).
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._inner = "\n" + "  " * (level + 1)
        indent = self._inner[1:]
        self._lay = lay(indent) if lay is not None else lambda item: layout(item, indent)
        self._level = level
        self._count = 0

    def _next(self) -> None:
        self.file.write((self.OPEN if not self._count else ",") + self._inner)
        self._count += 1

    def streamed(self) -> Streamed:
        if self._count:
            self.file.write("\n" + "  " * self._level + self.CLOSE)
        else:
            self.file.write(self.OPEN + self.CLOSE)
        self.file.seek(0)
        return Streamed(text=self.file)


class ArrayFile(_LaidFile):
    """A JSON array laid out ``level`` deep, kept in a temporary file while its items
    arrive."""

    OPEN, CLOSE = "[", "]"

    def add(self, item: Any) -> None:
        self._next()
        self.file.write(self._lay(item))


class ObjectFile(_LaidFile):
    """A JSON object laid out ``level`` deep, kept in a temporary file while its members
    arrive (their keys must differ)."""

    OPEN, CLOSE = "{", "}"

    def put(self, key: str, value: Any) -> None:
        self._next()
        self.file.write(f"{scalar(str(key))}: {self._lay(value)}")


def write_json(data: Any) -> None:
    """Print ``data`` as ``print_json`` does, writing each ``Streamed`` array in it (at
    any depth) item by item."""
    streams: list[Streamed] = []
    # Each array stands in the text as a string no data can hold by chance.
    token = secrets.token_hex(8)

    def mark(value: Any) -> Any:
        if not isinstance(value, Streamed):
            raise TypeError(f"{type(value).__name__} is not JSON serialisable")
        streams.append(value)
        return f"\0{token}{len(streams) - 1}\0"

    text = dump(data, mark)
    for n, stream in enumerate(streams):
        marker = f'"\\u0000{token}{n}\\u0000"'
        before, text = text.split(marker, 1)
        stdout.write(before)
        line = before.rsplit("\n", 1)[-1]
        level = (len(line) - len(line.lstrip(" "))) // 2
        if stream.text is not None:
            shutil.copyfileobj(stream.text, stdout)  # type: ignore[misc]
        elif stream.laid is not None:
            write_pieces(laid_array_pieces(stream.laid("  " * (level + 1)), level))
        else:
            write_pieces(array_pieces(stream.items or (), level))
    stdout.write(text + "\n")
    stdout.flush()


# --- pages --------------------------------------------------------------------------------


def limit_option() -> Any:
    return typer.Option(
        None,
        "--limit",
        help=f"Show at most this many (default: {PAGE} on a terminal, all when piped or --json).",
    )


def offset_option() -> Any:
    return typer.Option(0, "--offset", help="Skip this many first.")


def all_option() -> Any:
    return typer.Option(False, "--all", help="Show every one, also on a terminal.")


@dataclass
class Page:
    offset: int
    limit: int | None  # None: to the end
    terminal: bool

    @classmethod
    def of(cls, limit: int | None, offset: int, show_all: bool, *, as_json: bool) -> Page:
        """The page the options ask for: a terminal (not --json) shows ``PAGE`` items
        unless --limit or --all say otherwise; anything else shows all."""
        if limit is not None and limit < 1:
            fail(f"--limit {limit} is out of range. Give a number of 1 or more, or --all")
        if offset < 0:
            fail(f"--offset {offset} is out of range. Give 0 or more")
        if show_all and limit is not None:
            fail("--all and --limit contradict each other. Give one of them")
        terminal = stdout.isatty() and not as_json
        if limit is None and terminal and not show_all:
            limit = PAGE
        return cls(offset, limit, terminal)

    def footer(self, shown: int, total: int, what: str, command: str) -> None:
        """On a terminal, which items were shown of how many, and how to see the rest."""
        if not self.terminal or self.offset + shown >= total:
            if self.terminal and shown and self.offset:
                out.print(f"{what} {self.offset + 1:,}–{self.offset + shown:,} of {total:,}.")
            return
        first, last = self.offset + 1, self.offset + shown
        span = f"{first:,}–{last:,} of {total:,}" if shown else f"none of {total:,}"
        out.print(
            f"{what} {span}; {total - last:,} more. Add --offset {last} for the next "
            f"page, or --all for every one (piped, `evidence {command}` prints them all).",
            markup=False,
        )
