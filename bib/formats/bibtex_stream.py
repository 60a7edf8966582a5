"""BibTeX read a window at a time: a file of any size in bounded memory.

pybtex's scanner runs over a window of the file (WINDOW characters, plus the unfinished
command carried over from the window before). A command that meets the window's end
(pybtex raises "premature end of file" at the window's end, never earlier: every
command ends with its closing brace or parenthesis) is dropped with its problems and
scanned again from its ``@`` once the next window is read, so every command is scanned
whole, exactly as in :func:`~bib.formats.bibtex.parse_bibtex`. ``@string`` macros are
kept from window to window.

What this reader does not do is crossref (and xref) inheritance, which needs every
entry at once: a file that uses them is read whole (bib.formats.stream decides).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from pybtex.database.input.bibtex import month_names
from pybtex.scanner import PrematureEOF
from pybtex.utils import CaseInsensitiveDict

from bib.formats.bibtex import _EntryScanner, _intern_type, duplicate_key, entry_fields
from bib.formats.bibtex_fields import fields_to_work
from bib.formats.common import MAX_ENTRY_CHARS, EntryTooLong, Problem, SeenKeys
from bib.work import Work

WINDOW = 1 << 20


class _WindowScanner(_EntryScanner):
    """The tolerant scanner over one window: a "premature end of file" there, unless the
    window ends the file, marks the command as cut instead of reporting it."""

    def __init__(self, text: str, filename: str, macros: Any, length: int, last: bool) -> None:
        super().__init__(text, filename, macros=macros, length=length)
        self.last = last
        self.cut = False

    def handle_error(self, error: Exception) -> None:
        if isinstance(error, PrematureEOF) and not self.last:
            self.cut = True
            return
        super().handle_error(error)


def iter_bibtex_entries(source: TextIO, filename: str, length: int) -> Iterator[Work | Problem]:
    """The Works and Problems of BibTeX text read from ``source``, in file order, as
    :func:`~bib.formats.bibtex.parse_bibtex` gives them for a file without crossrefs.
    ``length``: the file's length (for the macro expansion budget). Raises EntryTooLong
    for a command longer than MAX_ENTRY_CHARS."""
    macros = CaseInsensitiveDict(month_names)
    seen = SeenKeys()
    expanded = 0
    text = ""
    line = 1  # the line of text[0]
    last = False
    try:
        while True:
            if not last:
                piece = source.read(WINDOW)
                last = not piece
                text += piece
            scanner = _WindowScanner(text, filename, macros, length, last)
            scanner.lineno = line
            scanner.expanded = expanded
            reported = 0
            for command, body in scanner:
                if scanner.cut:
                    break
                for error_line, key, message, _fatal in scanner.errors[reported:]:
                    yield Problem(filename, error_line, key, message)
                reported = len(scanner.errors)
                if scanner.failed:
                    continue
                yield from _entry(command, body, scanner.command_line, filename, seen)
            if scanner.cut:
                # Scanned again, whole, with the next window.
                del scanner.errors[scanner.command_errors :]
                start = scanner.command_start
                line = scanner.command_line
                expanded = scanner.command_expanded
            else:
                start = len(text)
                line = scanner.lineno + _newlines(text, scanner.pos)
                expanded = scanner.expanded
            for error_line, key, message, _fatal in scanner.errors[reported:]:
                yield Problem(filename, error_line, key, message)
            if last:
                return
            text = text[start:]
            if len(text) > MAX_ENTRY_CHARS:
                raise EntryTooLong(filename, line, MAX_ENTRY_CHARS)
    finally:
        seen.close()


def _newlines(text: str, pos: int) -> int:
    """Line breaks in ``text`` from ``pos`` on (as pybtex counts them)."""
    return text.count("\n", pos) + text.count("\r", pos) - text.count("\r\n", pos)


def _entry(
    command: str, body: Any, line: int, filename: str, seen: SeenKeys
) -> Iterator[Work | Problem]:
    kind = _intern_type(command)
    if kind == "string" or kind == "preamble":
        return
    key, raw_fields = body
    problems: list[Problem] = []
    fields = entry_fields(raw_fields, filename, line, key, problems)
    yield from problems
    first = seen.get(key)
    if first is not None:
        yield duplicate_key(filename, line, key, first)
        return
    seen.add(key, line)
    messages: list[str] = []
    work = fields_to_work(kind, key, fields, messages.append)
    for message in messages:
        yield Problem(filename, line, key, message)
    if work is not None:
        yield work
