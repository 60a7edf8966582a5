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
import unicodedata
from collections.abc import Iterable
from typing import Any

from pybtex.bibtex.utils import split_name_list
from pybtex.database import Person
from pybtex.database.input.bibtex import LowLevelParser, UndefinedMacro, month_names
from pybtex.exceptions import PybtexError
from pybtex.scanner import PybtexSyntaxError
from pybtex.utils import CaseInsensitiveDict

from bib.formats import (
    Problem,
    ReadResult,
    normalize_doi,
    normalize_isbn,
    normalize_pages,
    normalize_pmcid,
    normalize_pmid,
    parse_issns,
)
from bib.work import Author, Work

# --------------------------------------------------------------------------------------
# Entry types

# BibTeX/biblatex entry type -> Work.type (Crossref type where there is one, else CSL).
ENTRY_TYPES: dict[str, str] = {
    "article": "journal-article",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "collection": "edited-book",
    "mvcollection": "edited-book",
    "inbook": "book-chapter",
    "incollection": "book-chapter",
    "bookinbook": "book-chapter",
    "suppbook": "book-chapter",
    "suppcollection": "book-chapter",
    "inproceedings": "proceedings-article",
    "conference": "proceedings-article",
    "proceedings": "proceedings",
    "mvproceedings": "proceedings",
    "phdthesis": "dissertation",
    "mastersthesis": "dissertation",
    "thesis": "dissertation",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "posted-content",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "standard": "standard",
    "periodical": "journal-issue",
    "misc": "other",
}

# Work.type -> entry type written when the Work carries no BibTeX type of its own.
WORK_TYPES: dict[str, str] = {
    "journal-article": "article",
    "book": "book",
    "edited-book": "book",
    "monograph": "book",
    "book-chapter": "incollection",
    "book-section": "incollection",
    "book-part": "incollection",
    "proceedings-article": "inproceedings",
    "proceedings": "proceedings",
    "dissertation": "phdthesis",
    "report": "techreport",
    "posted-content": "unpublished",
}

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
# LaTeX -> Unicode

_COMBINING = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "d": "\u0323",
    "b": "\u0331",
    "r": "\u030a",
    "k": "\u0328",
    "t": "\u0361",
}

_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()
_GREEK_LETTERS = "αβγδεζηθικλμνξπρστυφχψω"
_CAPITAL_GREEK = {"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ"} | {
    "Pi": "Π",
    "Sigma": "Σ",
    "Upsilon": "Υ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}

# Commands that stand for a character (or a logo) of their own.
_SYMBOLS: dict[str, str] = {
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textunderscore": "_",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textquotedbl": '"',
    "textdollar": "$",
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "textendash": "–",
    "textemdash": "—",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "quotedblbase": "„",
    "S": "§",
    "P": "¶",
    "copyright": "©",
    "textcopyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "pounds": "£",
    "textsterling": "£",
    "euro": "€",
    "texteuro": "€",
    "dag": "†",
    "ddag": "‡",
    "textdegree": "°",
    "textperiodcentered": "·",
    "textbullet": "•",
    "cdot": "·",
    "times": "×",
    "pm": "±",
    "textmu": "µ",
    "infty": "∞",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "sim": "∼",
    "LaTeXe": "LaTeX2ε",
    "quad": " ",
    "qquad": " ",
    "space": " ",
    "nobreakspace": " ",
    "slash": "/",
    "textslash": "/",
    "textsuperscript": "",
    "Dash": "—",
    "dash": "—",
    "thinspace": " ",
    "bs": "\\",
    "varepsilon": "ε",
    "OMEGA": "Ω",
    "textsubscript": "",
    **dict(zip(_GREEK, _GREEK_LETTERS, strict=True)),
    **_CAPITAL_GREEK,
}

# Font switches, boxes and other commands that print nothing of their own.
_SILENT = frozenset(
    (
        "emph textit textbf textsc textsf texttt textrm textup textmd textsl textnormal "
        "mbox hbox text mathrm mathit mathbf mathsf mathtt mathcal mathbb em it bf sc sf "
        "tt rm sl up relax protect bgroup egroup url ensuremath normalfont uppercase "
        "lowercase MakeUppercase MakeLowercase small footnotesize large Large LARGE tiny "
        "scriptsize huge Huge normalsize noindent ignorespaces unskip nolinkurl acro smc SC "
        "rlap llap smash raise lower kern char tubissue nth"
    ).split()
)

_CONTROL_SYMBOLS = {
    " ": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    "/": "",
    "@": "",
    "-": "",
    "\\": " ",
}

_NEEDS_DECODING = re.compile(r"[\\{}~$]|--|``|''")
_LATEX_TOKEN = re.compile(
    r"""\\(?P<acc>[`'^"~=.]|[uvHcdbrkt](?![a-zA-Z]))\s*
          (?:\{\s*(?P<barg>\\[ij](?![a-zA-Z])|[^{}\\]*?)\s*\}
            |(?P<arg>\\[ij](?![a-zA-Z])|[a-zA-Z]))
       |\\(?P<word>[a-zA-Z]+)\s*
       |\\(?P<sym>.)
       |(?P<dash>---?)
       |``|''|[{}~$]""",
    re.VERBOSE | re.DOTALL,
)
_DROP_WITH_ARGUMENT = re.compile(r"\\(?:noopsort|SortNoop|noop)\s*\{[^{}]*\}")
_VERBATIM = re.compile(r"\\(?:path|verb)\*?([^a-zA-Z\s{])(.*?)\1")
_SPACES = re.compile(r"[ \t\r\n]+")
# A tie (~) is a plain space: values are for display and matching, and the field as
# written is kept for export.
_TOKEN_TEXT = {"``": "“", "''": "”", "{": "", "}": "", "~": " ", "$": ""}


def latex_to_unicode(text: str) -> str:
    """Decode a BibTeX field value to plain Unicode: accents and symbol commands become
    characters, case-protecting braces, font commands and math delimiters go away,
    ``--``/``---`` become dashes and ``~`` a space."""
    if not _NEEDS_DECODING.search(text):
        return text
    if "noop" in text:
        text = _DROP_WITH_ARGUMENT.sub("", text)
    if "\\path" in text or "\\verb" in text:
        text = _VERBATIM.sub(lambda m: m.group(2), text)
    accented = False

    def replace(match: re.Match[str]) -> str:
        nonlocal accented
        acc = match.group("acc")
        if acc is not None:
            base = match.group("barg")
            if base is None:
                base = match.group("arg")
            if not base:
                return acc  # \~{} and friends: the accent character itself
            if base[0] == "\\":
                base = base[1:]  # \i and \j under an accent are plain i and j
            accented = True
            return base[0] + _COMBINING[acc] + base[1:]
        word = match.group("word")
        if word is not None:
            symbol = _SYMBOLS.get(word)
            if symbol is not None:
                return symbol
            if word in _SILENT:
                return ""
            return word  # unknown commands (logos such as \TeX, \MF) keep their name
        sym = match.group("sym")
        if sym is not None:
            return _CONTROL_SYMBOLS.get(sym, sym)
        dash = match.group("dash")
        if dash is not None:
            return "—" if len(dash) == 3 else "–"
        return _TOKEN_TEXT[match.group()]

    out = _LATEX_TOKEN.sub(replace, text)
    if accented:
        out = unicodedata.normalize("NFC", out)
    return _SPACES.sub(" ", out).strip(" ")


_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "-": "-{}",
    "`": "`{}",
    "'": "'{}",
}
_TO_ESCAPE = re.compile(r"[\\{}&%$#_~^]|-(?=-)|`(?=`)|'(?=')")


def unicode_to_latex(text: str) -> str:
    """Escape plain Unicode for a braced BibTeX value (UTF-8 output: only the characters
    special to TeX change; ``latex_to_unicode`` gives the text back)."""
    return _TO_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


# --------------------------------------------------------------------------------------
# Names

_NAME_CACHE: dict[str, tuple[tuple[Author, ...], bool]] = {}


def parse_names(value: str) -> tuple[list[Author], bool, list[str]]:
    """Split an author/editor field into Authors.

    Returns the authors, whether the list ends with ``and others`` (or ``et al.``) and
    messages for names that cannot be parsed (kept whole as the family name)."""
    cached = _NAME_CACHE.get(value)
    if cached is not None:
        return list(cached[0]), cached[1], []
    authors: list[Author] = []
    truncated = False
    messages: list[str] = []
    for name in split_name_list(value):
        if name.lower() in ("others", "et al.", "et al"):
            truncated = True
            continue
        try:
            person = Person(name)
        except PybtexError as exc:
            messages.append(f"cannot split name {name!r} ({exc}); kept whole")
            authors.append(Author(family=latex_to_unicode(name)))
            continue
        family = latex_to_unicode(" ".join(person.prelast_names + person.last_names))
        given = latex_to_unicode(" ".join(person.first_names + person.middle_names))
        if person.lineage_names:
            given = f"{given}, {latex_to_unicode(' '.join(person.lineage_names))}"
        if ", " in family and given:
            # "{Bell, II}": a suffix braced into the family name; Work keeps suffixes
            # at the end of ``given``.
            family, _, suffix = family.partition(", ")
            given = f"{given}, {suffix}"
        authors.append(Author(family=family, given=given))
    if not messages:
        if len(_NAME_CACHE) > 100_000:
            _NAME_CACHE.clear()
        _NAME_CACHE[value] = (tuple(authors), truncated)
    return authors, truncated, messages


_AND_WORD = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)


def format_name(author: Author) -> str:
    """One name as ``family, jr, given`` for an author/editor field.

    ``Work`` keeps a suffix at the end of ``given`` after a comma (``Martin Luther, Jr.``);
    a family name pybtex would split differently is protected with braces."""
    family = unicode_to_latex(author.family)
    given, _, jr = author.given.partition(", ")
    given = unicode_to_latex(given)
    if (
        "," in author.family
        or _AND_WORD.search(author.family)
        or (not author.given and " " in author.family)
        or not author.family
        or author.family.lower() in ("others", "et al.", "et al")
    ):
        family = "{" + family + "}"
    if _AND_WORD.search(given) or "," in given:
        given = "{" + given + "}"
    if jr:
        jr = unicode_to_latex(jr)
        if "," in jr or _AND_WORD.search(jr):
            jr = "{" + jr + "}"
        return f"{family}, {jr}, {given}"
    return f"{family}, {given}" if given else family


def format_names(authors: Iterable[Author], truncated: bool = False) -> str:
    names = [format_name(a) for a in authors]
    if truncated:
        names.append("others")
    return " and ".join(names)


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


_TYPE_CACHE: dict[str, str] = {}


def _intern_type(command: str) -> str:
    kind = _TYPE_CACHE.get(command)
    if kind is None:
        kind = _TYPE_CACHE[command] = command.lower()
    return kind


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
_DECODE_CACHE: dict[str, str] = {}


def _decode_cached(value: str) -> str:
    """latex_to_unicode for values that repeat across entries (journals, publishers)."""
    out = _DECODE_CACHE.get(value)
    if out is None:
        if len(_DECODE_CACHE) > 50_000:
            _DECODE_CACHE.clear()
        out = _DECODE_CACHE[value] = latex_to_unicode(value)
    return out


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
    if decoded == value and not _TO_ESCAPE.search(value):
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

    value = rest.get("doi")
    if value is not None:
        doi = normalize_doi(value)
        if doi is not None:
            del rest["doi"]
            work.doi = doi
    value = rest.pop("url", None)
    if value is not None:
        work.url = value
        if work.doi is None and "doi.org/" in value:
            work.doi = normalize_doi(value)
            if work.doi is not None:
                extra["doi_from_url"] = True
    for name, normalize in (("pmid", normalize_pmid), ("pmcid", normalize_pmcid)):
        value = rest.get(name)
        # A malformed identifier stays a plain field (exported back as it came).
        if value and normalize(value) is not None:
            del rest[name]
            setattr(work, name, normalize(value))
    value = rest.get("eprint")
    if value is not None:
        archive = (rest.get("archiveprefix") or rest.get("eprinttype") or "").lower()
        if archive == "arxiv" or value.lower().startswith("arxiv:"):
            del rest["eprint"]
            if value.lower().startswith("arxiv:"):
                raw["eprint"] = value
                value = value[6:].strip()
            work.arxiv = value
    if work.arxiv is None and work.journal and "arXiv:" in work.journal:
        found = _ARXIV_IN_TEXT.search(work.journal)
        if found:
            work.arxiv = found.group(1)
            extra["arxiv_from_journal"] = True
    value = rest.pop("isbn", None)
    if value is not None:
        work.isbn = normalize_isbn(value)
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

_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.\-]+")
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


def make_citekey(work: Work) -> str:
    """A readable citation key for a work without one: family name, year, title word."""
    family = work.first_author or "anon"
    word = next((w for w in (work.title or "").split() if len(w) > 3), "")
    base = unicodedata.normalize("NFKD", f"{family}{work.year or ''}{word}")
    base = base.encode("ascii", "ignore").decode("ascii")
    return _KEY_UNSAFE.sub("", base).lower() or "work"


def unique_citekeys(works: list[Work]) -> list[str]:
    seen: set[str] = set()
    keys: list[str] = []
    for work in works:
        key = work.citekey or make_citekey(work)
        key = re.sub(r"[\s,{}()\"#%'=]", "", key) or "work"
        candidate = key
        n = 1
        while candidate.lower() in seen:
            candidate = f"{key}{chr(ord('a') + n - 1) if n <= 26 else n}"
            n += 1
        seen.add(candidate.lower())
        keys.append(candidate)
    return keys


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
        same = original is not None and normalize_isbn(original) == work.isbn
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
