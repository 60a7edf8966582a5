"""BibTeX through pybtex's scanner, to and from Works.

Reading uses pybtex's ``LowLevelParser`` (the tokenizer behind ``pybtex.database``), which
expands ``@string`` macros (the month macros ``jan``…``dec`` included) and concatenations.
On top of it this module adds what an importer needs and pybtex does not give:

* tolerance: a syntax error skips that one entry, reported with the line where the entry
  starts, and the scan goes on with the next ``@``;
* crossref (and xref) inheritance, with missing targets and cycles reported;
* conversion to Works: LaTeX decoded to Unicode, names split into family/given, identifiers
  normalised, the entry type mapped to a Crossref/CSL type.

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

import re
from functools import lru_cache
from typing import Any

from pybtex.database.input.bibtex import LowLevelParser, UndefinedMacro, month_names
from pybtex.exceptions import PybtexError
from pybtex.scanner import PybtexSyntaxError
from pybtex.utils import CaseInsensitiveDict

from bib.citekeys import unique_citekeys
from bib.formats.common import (
    Problem,
    ReadResult,
    first_isbn,
    normalize_pages,
    parse_issns,
)
from bib.formats.latex import latex_to_unicode, needs_escaping, unicode_to_latex
from bib.formats.names import format_names, parse_names
from bib.formats.types import ENTRY_TYPES, WORK_TYPES
from bib.identifiers import standardize_identifier
from bib.work import Author, Work

# Types whose container is a book: their container field is ``booktitle``.
_BOOKTITLE_TYPES = frozenset(
    {"inproceedings", "conference", "incollection", "inbook", "bookinbook", "suppbook"}
)

# Fields a crossref child never takes from its parent as they are (biblatex's defaults).
_NOT_INHERITED = frozenset(
    {"crossref", "xref", "ids", "entryset", "label", "shorthand", "sortkey", "title"}
    | {"subtitle", "titleaddon", "execute", "options", "related"}
)

# --------------------------------------------------------------------------------------
# Reading


class _EntryScanner(LowLevelParser):  # type: ignore[misc]
    """pybtex's tokenizer, made tolerant: errors are collected, not raised, and each
    command remembers the line where it starts (pybtex counts lines as it scans, so this
    costs nothing extra)."""

    def __init__(self, text: str, filename: str) -> None:
        super().__init__(text, macros=CaseInsensitiveDict(month_names), filename=filename)
        self.command_line = 1
        self.failed = False
        self.errors: list[tuple[int, str | None, str, bool]] = []

    def parse_command(self) -> Any:
        self.command_line = self.lineno
        self.failed = False
        return super().parse_command()

    def handle_error(self, error: Exception) -> None:
        fatal = not isinstance(error, UndefinedMacro)
        if fatal:
            self.failed = True
        if isinstance(error, PybtexSyntaxError):
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
        folded = key.lower()
        if folded in by_key:
            first = by_key[folded]
            problems.append(
                Problem(
                    filename,
                    line,
                    key,
                    f"duplicate key (first defined at line {first.line}); entry skipped",
                )
            )
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
        work = _to_work(entry, problems, filename)
        if work is not None:
            works.append(work)
    problems.sort(key=lambda p: p.line or 0)
    return ReadResult(works=works, problems=problems)


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
    if parent_title and "booktitle" not in fields and entry.type in _BOOKTITLE_TYPES:
        fields["booktitle"] = parent_title
    if entry.type == "article" and "journal" not in fields and parent_title:
        fields["journal"] = parent_title


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_ARXIV_IN_TEXT = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})")
_KEYWORD_SPLIT = re.compile(r"\s*[,;]\s*")


# Journals and publishers repeat across entries: each distinct value is decoded once.
_decode_cached = lru_cache(maxsize=50_000)(latex_to_unicode)


def derived_date(year: int | None, month: str | None, day: str | None) -> str | None:
    """The ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) that year/month/day give."""
    if year is None:
        return None
    if not month:
        return f"{year:04d}"
    m = month.strip().lower().rstrip(".")
    number = _MONTHS.get(m) or (int(m) if m.isdigit() and 1 <= int(m) <= 12 else None)
    if number is None:
        return f"{year:04d}"
    if day and day.strip().isdigit() and 1 <= int(day) <= 31:
        return f"{year:04d}-{number:02d}-{int(day):02d}"
    return f"{year:04d}-{number:02d}"


def _needs_raw(value: str, decoded: str) -> bool:
    """Whether export needs the field as written: escaping the decoded value would not
    give it back (braces, commands, or a bare special character such as ``%``)."""
    if decoded == value and not needs_escaping(value):
        return False
    return unicode_to_latex(decoded) != value


def _to_work(entry: _Entry, problems: list[Problem], filename: str) -> Work | None:
    rest = dict(entry.fields)
    title_raw = rest.pop("title", None)
    if not title_raw:
        known = "" if entry.type in ENTRY_TYPES else f" (unknown entry type @{entry.type})"
        message = f"no title{known}; entry skipped"
        problems.append(Problem(filename, entry.line, entry.key, message))
        return None
    raw: dict[str, str] = {}
    extra: dict[str, Any] = {"bibtex_type": entry.type}
    work = Work(citekey=entry.key, source="bibtex", type=ENTRY_TYPES.get(entry.type, "other"))
    title = latex_to_unicode(title_raw)
    if not title:
        problems.append(Problem(filename, entry.line, entry.key, "empty title; entry skipped"))
        return None
    work.title = title
    if _needs_raw(title_raw, title):
        raw["title"] = title_raw

    def take(name: str, decode: Any = latex_to_unicode) -> str | None:
        """Pop a field, decoded, keeping the value as written when it differs."""
        value = rest.pop(name, None)
        if value is None:
            return None
        decoded: str = decode(value)
        if _needs_raw(value, decoded):
            raw[name] = value
        return decoded or None

    container_field = "booktitle" if entry.type in _BOOKTITLE_TYPES else "journal"
    for name in ("journal", "journaltitle", "booktitle"):
        if rest.get(name):
            work.journal = take(name, _decode_cached)
            if name != container_field:
                extra["bibtex_container"] = name
            break
    for name in ("shortjournal", "journalabbrev"):
        if rest.get(name):
            work.journal_abbrev = take(name, _decode_cached)
            if name != "shortjournal":
                extra["bibtex_abbrev_field"] = name
            break

    value = rest.pop("author", None)
    if value is not None:
        authors, truncated, messages = parse_names(value)
        work.authors = authors
        if truncated:
            extra["authors_incomplete"] = True
        for message in messages:
            problems.append(Problem(filename, entry.line, entry.key, message))
    value = rest.pop("editor", None)
    if value is not None:
        editors, truncated, messages = parse_names(value)
        extra["editors"] = [e.to_dict() for e in editors]
        if truncated:
            extra["editors_incomplete"] = True
        for message in messages:
            problems.append(Problem(filename, entry.line, entry.key, message))

    value = rest.pop("year", None)
    if value is not None:
        if value.isdigit() and len(value) == 4:
            work.year = int(value)
        else:
            found = _YEAR.search(value)
            if found:
                work.year = int(found.group(1))
            raw["year"] = value
    value = rest.pop("date", None)
    if value is not None:
        work.date = value
        match = _DATE.match(value)
        if match and work.year is None:
            work.year = int(match.group(1))
    else:
        work.date = derived_date(work.year, rest.get("month"), rest.get("day"))

    work.volume = take("volume")
    if "number" in rest:
        work.issue = take("number")
    elif "issue" in rest:
        work.issue = take("issue")
        extra["bibtex_issue_field"] = "issue"
    value = rest.pop("pages", None)
    if value is not None:
        decoded = latex_to_unicode(value) if "\\" in value or "{" in value else value
        work.pages = normalize_pages(decoded) or None
    work.publisher = take("publisher", _decode_cached)

    # An identifier its handler refuses stays a plain field (exported back as it came).
    value = rest.get("doi")
    if value is not None:
        doi = standardize_identifier("doi", value)
        if doi is not None:
            del rest["doi"]
            work.doi = doi
    value = rest.pop("url", None)
    if value is not None:
        work.url = value
        if work.doi is None and "doi.org/" in value:
            work.doi = standardize_identifier("doi", value)
            if work.doi is not None:
                extra["doi_from_url"] = True
    for name in ("pmid", "pmcid"):
        value = rest.get(name)
        standard = standardize_identifier(name, value) if value else None
        if standard is not None:
            del rest[name]
            setattr(work, name, standard)
    value = rest.get("eprint")
    if value is not None:
        archive = (rest.get("archiveprefix") or rest.get("eprinttype") or "").lower()
        arxiv = standardize_identifier("arxiv", value)
        if arxiv is not None and (archive == "arxiv" or value.lower().startswith("arxiv:")):
            del rest["eprint"]
            if value.lower().startswith("arxiv:"):
                raw["eprint"] = value
            work.arxiv = arxiv
    if work.arxiv is None and work.journal and "arXiv:" in work.journal:
        found = _ARXIV_IN_TEXT.search(work.journal)
        if found:
            work.arxiv = standardize_identifier("arxiv", found.group(1))
            if work.arxiv is not None:
                extra["arxiv_from_journal"] = True
    value = rest.pop("isbn", None)
    if value is not None:
        work.isbn = first_isbn(value)
        if work.isbn != value:
            raw["isbn"] = value
    value = rest.pop("issn", None)
    if value is not None:
        work.issn = parse_issns(value)
        if ", ".join(work.issn) != value:
            raw["issn"] = value
    work.abstract = take("abstract")
    value = take("keywords")
    if value is not None:
        work.keywords = [k for k in _KEYWORD_SPLIT.split(value) if k]
    work.language = take("language")

    if rest:
        extra["bibtex"] = rest
    if raw:
        extra["bibtex_raw"] = raw
    work.extra = extra
    return work


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


def _plain_or_raw(raw: dict[str, str], name: str, value: str) -> str:
    """The field as originally written when it still means ``value``, else ``value``
    escaped."""
    original = raw.get(name)
    if original is not None and latex_to_unicode(original) == value:
        return original
    return unicode_to_latex(value)


def entry_type_for(work: Work) -> str:
    """The BibTeX entry type to write for a work."""
    original = work.extra.get("bibtex_type")
    if isinstance(original, str) and ENTRY_TYPES.get(original, "other") == (work.type or "other"):
        return original
    return WORK_TYPES.get(work.type or "", "misc")


def work_to_fields(work: Work, keys: set[str] | None = None) -> list[tuple[str, str]]:
    """The (field, BibTeX value) pairs of one entry, in a stable order.

    ``keys`` (lower-case) are the citation keys written alongside: a crossref to an entry
    not among them is left out (its fields were inherited on import already)."""
    extra = work.extra
    raw: dict[str, str] = extra.get("bibtex_raw") or {}
    others: dict[str, str] = dict(extra.get("bibtex") or {})
    kind = entry_type_for(work)
    out: list[tuple[str, str]] = []
    if work.authors or extra.get("authors_incomplete"):
        out.append(("author", format_names(work.authors, bool(extra.get("authors_incomplete")))))
    editors = extra.get("editors")
    if editors:
        people = [Author(family=e.get("family", ""), given=e.get("given", "")) for e in editors]
        out.append(("editor", format_names(people, bool(extra.get("editors_incomplete")))))
    if work.title is not None:
        out.append(("title", _plain_or_raw(raw, "title", work.title)))
    if work.journal:
        default = "booktitle" if kind in _BOOKTITLE_TYPES else "journal"
        name = extra.get("bibtex_container") or default
        out.append((name, _plain_or_raw(raw, name, work.journal)))
    if work.journal_abbrev:
        name = extra.get("bibtex_abbrev_field") or "shortjournal"
        out.append((name, _plain_or_raw(raw, name, work.journal_abbrev)))
    original = raw.get("year")
    if work.year is not None:
        found = _YEAR.search(original) if original is not None else None
        same = found is not None and int(found.group(1)) == work.year
        out.append(("year", original if same and original is not None else str(work.year)))
    elif original is not None:
        out.append(("year", original))
    if work.date and work.date != derived_date(work.year, others.get("month"), others.get("day")):
        out.append(("date", unicode_to_latex(work.date)))
    if work.volume:
        out.append(("volume", _plain_or_raw(raw, "volume", work.volume)))
    if work.issue:
        name = extra.get("bibtex_issue_field") or "number"
        out.append((name, _plain_or_raw(raw, name, work.issue)))
    if work.pages:
        pages = unicode_to_latex(work.pages)
        out.append(("pages", re.sub(r"(?<=[^-\s])-(?=[^-\s])", "--", pages.replace("-{}", "-"))))
    if work.publisher:
        out.append(("publisher", _plain_or_raw(raw, "publisher", work.publisher)))
    for name, value in others.items():
        if keys is not None and name in ("crossref", "xref") and value.lower() not in keys:
            continue
        out.append((name, value))
    if work.issn:
        joined = ", ".join(work.issn)
        original = raw.get("issn")
        out.append(
            ("issn", original if original and parse_issns(original) == work.issn else joined)
        )
    if work.isbn:
        original = raw.get("isbn")
        same = original is not None and first_isbn(original) == work.isbn
        out.append(("isbn", original if same and original is not None else work.isbn))
    elif "isbn" in raw:
        out.append(("isbn", raw["isbn"]))
    if work.doi and not extra.get("doi_from_url"):
        out.append(("doi", work.doi))
    if work.pmid:
        out.append(("pmid", work.pmid))
    if work.pmcid:
        out.append(("pmcid", work.pmcid))
    if work.arxiv and not extra.get("arxiv_from_journal"):
        original = raw.get("eprint")
        same = original is not None and original[6:].strip() == work.arxiv
        out.append(("eprint", original if same and original is not None else work.arxiv))
        if "archiveprefix" not in others and "eprinttype" not in others:
            out.append(("archiveprefix", "arXiv"))
    if work.url:
        out.append(("url", work.url))
    if work.keywords:
        out.append(("keywords", _plain_or_raw(raw, "keywords", ", ".join(work.keywords))))
    if work.language:
        out.append(("language", _plain_or_raw(raw, "language", work.language)))
    if work.abstract:
        out.append(("abstract", _plain_or_raw(raw, "abstract", work.abstract)))
    return out


def _format_value(name: str, value: str) -> str:
    if name == "month" and value in _MONTH_MACROS:
        return _MONTH_MACROS[value]
    return "{" + value + "}"


def write_bibtex(works: list[Work]) -> str:
    """BibTeX text (UTF-8) for the works, one entry each, fields in a stable order."""
    chunks: list[str] = []
    citekeys = unique_citekeys(works)
    written = {key.lower() for key in citekeys}
    for work, key in zip(works, citekeys, strict=True):
        lines = [f"@{entry_type_for(work)}{{{key},"]
        for name, value in work_to_fields(work, written):
            lines.append(f"  {name} = {_format_value(name, value)},")
        lines.append("}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + ("\n" if chunks else "")
