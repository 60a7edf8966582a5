"""BibTeX through pybtex's scanner, to and from Works.

Reading uses pybtex's ``LowLevelParser`` (the tokenizer behind ``pybtex.database``), which
expands ``@string`` macros (the month macros ``jan``…``dec`` included) and concatenations.
On top of it this module adds what an importer needs and pybtex does not give:

* tolerance: a syntax error skips that one entry, reported with the line where the entry
  starts, and the scan goes on with the next ``@``;
* crossref (and xref) inheritance, with missing targets and cycles reported;
* conversion to Works (:mod:`bib.formats.bibtex_fields`): LaTeX decoded to Unicode, names
  split into family/given, identifiers read by their handlers, the entry type mapped to a
  Work type.

Decisions kept for round trips (tested in tests/test_formats_bibtex.py and _roundtrip.py):

* ``Work.title`` (and journal, publisher, names) hold plain Unicode for display and
  matching. The field exactly as written (braces that protect case, LaTeX commands) is
  kept in ``extra["bibtex_raw"]`` when it differs; the writer gives it back as long as it
  still decodes to the Work's value, and escapes the plain value otherwise.
* Fields with no column are kept verbatim (LaTeX as written) in ``extra["bibtex"]``, the
  entry type in ``extra["bibtex_type"]``, editors in ``extra["editors"]``.
* Output is UTF-8: only the characters special to (La)TeX are escaped.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from functools import lru_cache
from typing import Any

from pybtex.database.input.bibtex import LowLevelParser, UndefinedMacro, month_names
from pybtex.exceptions import PybtexError
from pybtex.scanner import PybtexSyntaxError
from pybtex.utils import CaseInsensitiveDict

from bib.citekeys import iter_unique_citekeys, unique_citekeys
from bib.formats.bibtex_fields import (
    BOOKTITLE_TYPES,
    entry_type_for,
    fields_to_work,
    work_to_fields,
)
from bib.formats.common import Problem, ReadResult
from bib.work import Work

# Fields a crossref child never takes from its parent as they are (biblatex's defaults).
_NOT_INHERITED = frozenset(
    {"crossref", "xref", "ids", "entryset", "label", "shorthand", "sortkey", "title"}
    | {"subtitle", "titleaddon", "execute", "options", "related"}
)

# --------------------------------------------------------------------------------------
# Reading

# The longest value (a field, a macro, a preamble) once ``@string`` macros are expanded:
# each macro may join others twice (``@string{s2 = s1 # s1}``), so a few lines could
# otherwise double their way to gigabytes.
MAX_VALUE_LENGTH = 1_000_000
# All macro expansions of one file together: this many characters, or ten times the
# file's length when that is more (many short uses of one long macro add up too).
MAX_EXPANSION = 10_000_000


class _ValueTooLong(PybtexSyntaxError):  # type: ignore[misc]
    """A value whose expansion is longer than MAX_VALUE_LENGTH."""


class _EntryScanner(LowLevelParser):  # type: ignore[misc]
    """pybtex's tokenizer, made tolerant: errors are collected, not raised, and each
    command remembers the line where it starts (pybtex counts lines as it scans, so this
    costs nothing extra)."""

    current_value: list[str]  # the parts of the value parsed last (pybtex's attribute)

    def __init__(
        self,
        text: str,
        filename: str,
        *,
        macros: CaseInsensitiveDict | None = None,
        length: int | None = None,
    ) -> None:
        """``macros``: the ``@string`` macros defined so far (a file read in windows
        shares one dict); ``length``: the whole file's length, for the expansion budget."""
        if macros is None:
            macros = CaseInsensitiveDict(month_names)
        super().__init__(text, macros=macros, filename=filename)
        self.command_line = 1
        self.failed = False
        self.errors: list[tuple[int, str | None, str, bool]] = []
        self.expanded = 0
        self.max_expansion = max(MAX_EXPANSION, 10 * (len(text) if length is None else length))
        # where the command being parsed began: its errors and expansions so far
        self.command_errors = 0
        self.command_expanded = 0

    def parse_command(self) -> Any:
        self.command_line = self.lineno
        self.failed = False
        self.command_errors = len(self.errors)
        self.command_expanded = self.expanded
        return super().parse_command()

    def substitute_macro(self, name: str) -> str:
        value: str = super().substitute_macro(name)
        self.expanded += len(value)
        if self.expanded > self.max_expansion:
            raise _ValueTooLong(
                f"@string macros expand to more than {self.max_expansion:,} characters "
                "in this file",
                self,
            )
        return value

    def parse_value(self) -> None:
        super().parse_value()
        # The parts are only joined later; their total is the expanded length.
        if sum(len(part) for part in self.current_value) > MAX_VALUE_LENGTH:
            self.current_value = []
            raise _ValueTooLong(
                f"value longer than {MAX_VALUE_LENGTH:,} characters once its @string macros "
                "are expanded",
                self,
            )

    def handle_error(self, error: Exception) -> None:
        fatal = not isinstance(error, UndefinedMacro)
        if fatal:
            self.failed = True
        if isinstance(error, _ValueTooLong):
            message = f"{PybtexError.__str__(error)}; entry skipped"
        elif isinstance(error, PybtexSyntaxError):
            base = PybtexError.__str__(error)
            where = f" (line {error.lineno})" if error.lineno != self.command_line else ""
            if isinstance(error, UndefinedMacro):
                message = f"undefined @string macro {base!r}{where}; field left empty"
            else:
                message = f"syntax error{where}: {base}; entry skipped"
        else:
            message = str(error)
        self.errors.append((self.command_line, self.current_entry_key, message, fatal))


class _Entry:
    __slots__ = ("line", "type", "key", "fields", "resolved")

    def __init__(self, line: int, type_: str, key: str, fields: dict[str, str]) -> None:
        self.line = line
        self.type = type_
        self.key = key
        self.fields = fields
        self.resolved = False


def parse_bibtex(text: str, filename: str = "<string>") -> ReadResult:
    """Read BibTeX text into Works, reporting each bad entry as a Problem."""
    problems: list[Problem] = []
    entries: list[_Entry] = []
    by_key: dict[str, _Entry] = {}
    scanner = _EntryScanner(text, filename)
    reported = 0
    intern = _intern_type
    for command, body in scanner:
        if scanner.errors and len(scanner.errors) > reported:
            for line, key, message, _fatal in scanner.errors[reported:]:
                problems.append(Problem(filename, line, key, message))
            reported = len(scanner.errors)
        if scanner.failed:
            continue
        kind = intern(command)
        if kind == "string" or kind == "preamble":
            continue
        key, raw_fields = body
        line = scanner.command_line
        fields = entry_fields(raw_fields, filename, line, key, problems)
        folded = key.lower()
        if folded in by_key:
            problems.append(duplicate_key(filename, line, key, by_key[folded].line))
            continue
        entry = _Entry(line, kind, key, fields)
        by_key[folded] = entry
        entries.append(entry)
    # Errors raised outside any yielded entry (e.g. a broken last command).
    for line, key, message, _fatal in scanner.errors[reported:]:
        problems.append(Problem(filename, line, key, message))

    # biblatex ``ids``: other keys an entry may be referred to by.
    for entry in entries:
        aliases = entry.fields.get("ids")
        if aliases:
            for alias in aliases.split(","):
                by_key.setdefault(alias.strip().lower(), entry)
    for entry in entries:
        if "crossref" in entry.fields or "xref" in entry.fields:
            _resolve_crossref(entry, by_key, problems, filename, ())

    works: list[Work] = []
    for entry in entries:
        messages: list[str] = []
        work = fields_to_work(entry.type, entry.key, entry.fields, messages.append)
        problems.extend(Problem(filename, entry.line, entry.key, m) for m in messages)
        if work is not None:
            works.append(work)
    problems.sort(key=lambda p: p.line or 0)
    return ReadResult(works=works, problems=problems)


def entry_fields(
    raw_fields: Iterable[tuple[str, list[str]]],
    filename: str,
    line: int,
    key: str,
    problems: list[Problem],
) -> dict[str, str]:
    """An entry's fields as scanned, by lower-case name, each value on one line; a field
    given twice keeps its first value (reported)."""
    fields: dict[str, str] = {}
    for name, parts in raw_fields:
        lname = name.lower()
        if lname in fields:
            problems.append(
                Problem(filename, line, key, f"duplicate field {name!r}; first value kept")
            )
            continue
        value = "".join(parts)
        fields[lname] = " ".join(value.split())
    return fields


def duplicate_key(filename: str, line: int, key: str, first: int) -> Problem:
    return Problem(
        filename, line, key, f"duplicate key (first defined at line {first}); entry skipped"
    )


@lru_cache(maxsize=1024)
def _intern_type(command: str) -> str:
    """The entry type in lower case, one string object per type across the file."""
    return command.lower()


def _resolve_crossref(
    entry: _Entry,
    by_key: dict[str, _Entry],
    problems: list[Problem],
    filename: str,
    chain: tuple[str, ...],
) -> None:
    """Copy into ``entry`` the fields it lacks from its crossref parent (recursively)."""
    if entry.resolved:
        return
    entry.resolved = True
    target = entry.fields.get("crossref")
    if target is None:
        # xref only names a parent; nothing is inherited, but the target should exist.
        xref = entry.fields.get("xref", "")
        if xref and xref.lower() not in by_key:
            message = f"xref target {xref!r} not found"
            problems.append(Problem(filename, entry.line, entry.key, message))
        return
    parent = by_key.get(target.lower())
    if parent is None:
        message = f"crossref target {target!r} not found; nothing inherited"
        problems.append(Problem(filename, entry.line, entry.key, message))
        return
    if parent.key.lower() in chain or parent is entry:
        message = f"crossref cycle through {target!r}; inheritance stopped"
        problems.append(Problem(filename, entry.line, entry.key, message))
        return
    _resolve_crossref(parent, by_key, problems, filename, chain + (entry.key.lower(),))
    fields = entry.fields
    for name, value in parent.fields.items():
        if name not in fields and name not in _NOT_INHERITED:
            fields[name] = value
    # The parent's title names the book or proceedings the child is part of.
    parent_title = parent.fields.get("title")
    if parent_title and "booktitle" not in fields and entry.type in BOOKTITLE_TYPES:
        fields["booktitle"] = parent_title
    if entry.type == "article" and "journal" not in fields and parent_title:
        fields["journal"] = parent_title


# --------------------------------------------------------------------------------------
# Writing

_MONTH_MACROS = {
    "January": "jan",
    "February": "feb",
    "March": "mar",
    "April": "apr",
    "May": "may",
    "June": "jun",
    "July": "jul",
    "August": "aug",
    "September": "sep",
    "October": "oct",
    "November": "nov",
    "December": "dec",
}


def write_bibtex(works: list[Work]) -> str:
    """BibTeX text (UTF-8) for the works, one entry each, fields in a stable order."""
    written = {key.lower() for key in unique_citekeys(works)}
    return "".join(iter_bibtex(works, written))


def iter_bibtex(works: Iterable[Work], written: Container[str] | None = None) -> Iterator[str]:
    """The text of :func:`write_bibtex`, an entry at a time. ``written`` answers which
    (lower-case) keys the file holds: a crossref to any other is left out (None keeps
    every crossref)."""
    separator = ""
    for work, key in iter_unique_citekeys(works):
        yield separator + entry_text(work, key, written)
        separator = "\n\n"
    if separator:
        yield "\n"


def entry_text(work: Work, key: str, written: Container[str] | None = None) -> str:
    """One entry of :func:`iter_bibtex` (without the blank line before it)."""
    months = _MONTH_MACROS
    kind = entry_type_for(work)
    body = "".join(
        [
            f"\n  {name} = {months[value]},"
            if name == "month" and value in months
            else f"\n  {name} = {{{value}}},"
            for name, value in work_to_fields(work, written, kind)
        ]
    )
    return f"@{kind}{{{key},{body}\n}}"
