"""CSL-JSON (the citeproc input format used by pandoc, Zotero and citation.js).

https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html

Each item of the top-level array is decoded on its own (``JSONDecoder.raw_decode``) so
that a problem names the line where its item starts. Variables with no Work column are
kept in ``extra["csl"]`` and written back. arXiv ids, which CSL has no variable for, go in
``note`` as a ``arXiv: <id>`` line (the convention Zotero and Better BibTeX use).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from bib.citekeys import iter_unique_citekeys
from bib.formats.common import (
    MAX_ENTRY_CHARS,
    EntryTooLong,
    Problem,
    ReadResult,
    SeenKeys,
    first_isbn,
    normalize_pages,
    parse_issns,
)
from bib.formats.latex import latex_to_unicode
from bib.formats.types import CSL_TO_WORK, WORK_TO_CSL
from bib.identifiers import standardize_identifier
from bib.jsonlayout import layout
from bib.work import Author, Work

# Fields of other formats that have a CSL variable.
_BIBTEX_TO_CSL = {
    "note": "note",
    "address": "publisher-place",
    "location": "publisher-place",
    "edition": "edition",
    "series": "collection-title",
    "school": "publisher",
    "institution": "publisher",
}

_NOTE_IDS = re.compile(r"^(arXiv|PMID|PMCID|DOI):\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_HANDLED = frozenset(
    {
        "id",
        "type",
        "title",
        "author",
        "editor",
        "container-title",
        "container-title-short",
        "journalAbbreviation",
        "publisher",
        "issued",
        "volume",
        "issue",
        "page",
        "DOI",
        "PMID",
        "PMCID",
        "ISBN",
        "ISSN",
        "URL",
        "abstract",
        "language",
        "keyword",
        "note",
    }
)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None


def _names(value: Any) -> list[Author]:
    people: list[Author] = []
    if not isinstance(value, list):
        return people
    for item in value:
        if not isinstance(item, dict):
            continue
        family = _text(item.get("family")) or _text(item.get("literal")) or ""
        particle = _text(item.get("non-dropping-particle"))
        if particle:
            family = f"{particle} {family}"
        given = _text(item.get("given")) or ""
        dropping = _text(item.get("dropping-particle"))
        if dropping:
            given = f"{given} {dropping}".strip()
        suffix = _text(item.get("suffix"))
        if suffix:
            given = f"{given}, {suffix}"
        if family or given:
            people.append(Author(family=family or given, given=given if family else ""))
    return people


def _date(value: Any) -> tuple[int | None, str | None]:
    """(year, ISO date) from a CSL date object."""
    if not isinstance(value, dict):
        return None, None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            numbers = [int(p) for p in parts[0][:3]]
        except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity
            numbers = []
        if numbers:
            iso = f"{numbers[0]:04d}" + "".join(f"-{n:02d}" for n in numbers[1:])
            return numbers[0], iso
    for key in ("raw", "literal"):
        text = value.get(key)
        if isinstance(text, str):
            found = _YEAR.search(text)
            return (int(found.group(1)) if found else None), text
    return None, None


def item_to_work(item: dict[str, Any]) -> Work:
    """One CSL-JSON item as a Work (no validation: see ``parse_csl_json``)."""
    work = Work(source="csl-json")
    work.citekey = _text(item.get("id"))
    csl_type = _text(item.get("type"))
    extra: dict[str, Any] = {}
    if csl_type:
        work.type = CSL_TO_WORK.get(csl_type, "other")
        if WORK_TO_CSL.get(work.type) != csl_type:
            extra["csl_type"] = csl_type
    work.title = _text(item.get("title"))
    work.authors = _names(item.get("author"))
    editors = _names(item.get("editor"))
    if editors:
        extra["editors"] = [e.to_dict() for e in editors]
    work.journal = _text(item.get("container-title"))
    abbrev = _text(item.get("container-title-short")) or _text(item.get("journalAbbreviation"))
    work.journal_abbrev = abbrev
    work.publisher = _text(item.get("publisher"))
    work.year, work.date = _date(item.get("issued"))
    work.volume = _text(item.get("volume"))
    work.issue = _text(item.get("issue"))
    page = _text(item.get("page"))
    work.pages = normalize_pages(page) if page else None
    # A malformed identifier is kept as a plain CSL field, never stored as an identifier.
    for name, attr in (("DOI", "doi"), ("PMID", "pmid"), ("PMCID", "pmcid"), ("ISBN", "isbn")):
        value = _text(item.get(name))
        if value is None:
            continue
        standard = first_isbn(value) if attr == "isbn" else standardize_identifier(attr, value)
        if standard is None:
            extra.setdefault("csl", {})[name] = item[name]
        setattr(work, attr, standard)
    issn = item.get("ISSN")
    if isinstance(issn, list):
        work.issn = parse_issns(" ".join(str(i) for i in issn))
    elif issn:
        work.issn = parse_issns(str(issn))
    work.url = _text(item.get("URL"))
    work.abstract = _text(item.get("abstract"))
    work.language = _text(item.get("language"))
    keyword = item.get("keyword")
    if isinstance(keyword, str):
        work.keywords = [k.strip() for k in re.split(r"[,;]", keyword) if k.strip()]
    note = item.get("note")
    if isinstance(note, str):
        rest_lines = []
        for line in note.splitlines():
            found = _NOTE_IDS.match(line.strip())
            kind = found.group(1).lower() if found else None
            standard = None
            if found and kind and getattr(work, kind) is None:
                standard = standardize_identifier(kind, found.group(2))
            if kind and standard is not None:
                setattr(work, kind, standard)
            else:
                rest_lines.append(line)
        if rest_lines:
            extra.setdefault("csl", {})["note"] = "\n".join(rest_lines)
    if work.doi and work.doi.startswith("10.48550/arxiv.") and work.arxiv is None:
        work.arxiv = standardize_identifier("arxiv", work.doi[len("10.48550/arxiv.") :])
    others = {k: v for k, v in item.items() if k not in _HANDLED}
    if others:
        extra.setdefault("csl", {}).update(others)
    work.extra = extra
    return work


class _NotJson(json.JSONDecodeError):
    """NaN, Infinity or -Infinity: Python's decoder reads them, JSON has no such values."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value", "", 0)


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_constant=_refuse_constant)


def parse_csl_json(text: str, filename: str = "<string>") -> ReadResult:
    """Read CSL-JSON text (an array of items, or one item) into Works."""
    result = ReadResult()
    text = text.lstrip("\ufeff")
    pos = _skip_space(text, 0)
    if text.startswith("[", pos):
        # An array item by item, as a file read in pieces is (one decoder loop for both).
        for outcome in iter_csl_json_array(io.StringIO(text), filename):
            if isinstance(outcome, Problem):
                result.problems.append(outcome)
            else:
                result.works.append(outcome)
        result.problems.sort(key=lambda p: p.line or 0)
        return result
    try:
        value, pos = _decoder().raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        line = text.count("\n", 0, pos if isinstance(exc, _NotJson) else exc.pos) + 1
        result.problems.append(Problem(filename, line, None, f"invalid JSON ({exc.msg})"))
        return result
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        items = value["items"]
    else:
        items = [value]
    if _skip_space(text, pos) < len(text):
        line = text.count("\n", 0, pos) + 1
        result.problems.append(Problem(filename, line, None, "text after the JSON ignored"))
    seen = SeenKeys()
    try:
        for item in items:
            outcome = _outcome(item, 1, filename, seen)
            if isinstance(outcome, Problem):
                result.problems.append(outcome)
            else:
                result.works.append(outcome)
    finally:
        seen.close()
    result.problems.sort(key=lambda p: p.line or 0)
    return result


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _outcome(item: Any, line: int, filename: str, seen: SeenKeys) -> Work | Problem:
    """One item of the array: its Work, or the Problem that keeps it out."""
    if not isinstance(item, dict):
        message = f"item is a JSON {type(item).__name__}, not an object; skipped"
        return Problem(filename, line, None, message)
    work = item_to_work(item)
    key = work.citekey
    if not work.title:
        return Problem(filename, line, key, "no title; item skipped")
    if key is not None:
        first = seen.get(key)
        if first is not None:
            message = f"duplicate id (first at line {first}); item skipped"
            return Problem(filename, line, key, message)
        seen.add(key, line)
    return work


# Characters read at a time from a file read in pieces.
WINDOW = 1 << 20


def iter_csl_json_array(source: TextIO, filename: str) -> Iterator[Work | Problem]:
    """The Works and Problems of a CSL-JSON array read from ``source`` a window at a
    time, each item decoded on its own as :func:`parse_csl_json` does: a file of any
    size is read holding one window and one item. The text must start (after blanks and
    a byte-order mark) with ``[``. Raises EntryTooLong for an item longer than
    MAX_ENTRY_CHARS."""
    decoder = _decoder()
    seen = SeenKeys()
    text = source.read(WINDOW).lstrip("\ufeff")
    at_end = not text
    line = 1  # the line of text[0]
    pos = _skip_space(text, 0) + 1  # after "["

    def more() -> bool:
        """Drop what was read before ``pos`` and read another window; False at the end."""
        nonlocal text, line, pos, at_end
        if at_end:
            return False
        line += text.count("\n", 0, pos)
        piece = source.read(WINDOW)
        text = text[pos:] + piece
        pos = 0
        at_end = not piece
        return not at_end

    try:
        first = True
        while True:
            pos = _skip_space(text, pos)
            while pos == len(text) and more():
                pos = _skip_space(text, pos)
            if first and text.startswith("]", pos):
                pos += 1
                break
            try:
                value, end = decoder.raw_decode(text, pos)
                if end == len(text) and not at_end:
                    raise json.JSONDecodeError("cut", text, end)  # a number may go on
            except json.JSONDecodeError as exc:
                if isinstance(exc, _NotJson):  # no more text makes it JSON
                    where = line + text.count("\n", 0, pos)
                    message = (
                        f"invalid JSON ({exc.msg}); this item and the rest of the file skipped"
                    )
                    yield Problem(filename, where, None, message)
                    return
                if len(text) - pos > MAX_ENTRY_CHARS:
                    where = line + text.count("\n", 0, pos)
                    raise EntryTooLong(filename, where, MAX_ENTRY_CHARS) from None
                if more():
                    continue
                # The whole rest of the file is in hand (more() moved it to the start of
                # the text, so exc's position is stale): decode it as it stands.
                try:
                    value, end = decoder.raw_decode(text, pos)
                except json.JSONDecodeError as final:
                    at = pos if isinstance(final, _NotJson) else final.pos
                    where = line + text.count("\n", 0, at)
                    message = (
                        f"invalid JSON ({final.msg}); this item and the rest of the file skipped"
                    )
                    yield Problem(filename, where, None, message)
                    return
            first = False
            yield _outcome(value, line + text.count("\n", 0, pos), filename, seen)
            pos = _skip_space(text, end)
            while pos == len(text) and more():
                pos = _skip_space(text, pos)
            if text.startswith(",", pos):
                pos += 1
                continue
            if text.startswith("]", pos):
                pos += 1
                break
            where = line + text.count("\n", 0, pos)
            message = "expected ',' or ']' between items; the rest of the file skipped"
            yield Problem(filename, where, None, message)
            return
        where = line + text.count("\n", 0, pos)  # the line of the closing "]"
        pos = _skip_space(text, pos)
        while pos == len(text) and more():
            pos = _skip_space(text, pos)
        if pos < len(text):
            yield Problem(filename, where, None, "text after the JSON ignored")
    finally:
        seen.close()


def _csl_names(people: list[Author]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for person in people:
        given, _, suffix = person.given.partition(", ")
        name = {"family": person.family}
        if given:
            name["given"] = given
        if suffix:
            name["suffix"] = suffix
        out.append(name)
    return out


def work_to_item(work: Work, key: str) -> dict[str, Any]:
    """One Work as a CSL-JSON item."""
    extra = work.extra
    item: dict[str, Any] = {"id": key}
    csl_type = extra.get("csl_type")
    if not (isinstance(csl_type, str) and CSL_TO_WORK.get(csl_type, "other") == work.type):
        csl_type = WORK_TO_CSL.get(work.type or "", "document")
    item["type"] = csl_type
    if work.title is not None:
        item["title"] = work.title
    if work.authors:
        item["author"] = _csl_names(work.authors)
    editors = extra.get("editors")
    if editors:
        people = [Author(e.get("family", ""), e.get("given", "")) for e in editors]
        item["editor"] = _csl_names(people)
    if work.journal:
        item["container-title"] = work.journal
    if work.journal_abbrev:
        item["container-title-short"] = work.journal_abbrev
    if work.publisher:
        item["publisher"] = work.publisher
    issued = _issued(work)
    if issued:
        item["issued"] = issued
    for var, value in (
        ("volume", work.volume),
        ("issue", work.issue),
        ("page", work.pages),
        ("DOI", work.doi),
        ("PMID", work.pmid),
        ("PMCID", work.pmcid),
        ("ISBN", work.isbn),
        ("URL", work.url),
        ("abstract", work.abstract),
        ("language", work.language),
    ):
        if value:
            item[var] = value
    if work.issn:
        item["ISSN"] = ", ".join(work.issn)
    if work.keywords:
        item["keyword"] = ", ".join(work.keywords)
    csl_extra: dict[str, Any] = dict(extra.get("csl") or {})
    notes = [csl_extra.pop("note")] if isinstance(csl_extra.get("note"), str) else []
    # Fields kept from a BibTeX import that CSL has a variable for.
    for name, field_value in (extra.get("bibtex") or {}).items():
        csl_var = _BIBTEX_TO_CSL.get(name)
        if csl_var == "note":
            notes.append(latex_to_unicode(field_value))
        elif csl_var and csl_var not in item and csl_var not in csl_extra:
            item[csl_var] = latex_to_unicode(field_value)
    if work.arxiv:
        notes.append(f"arXiv: {work.arxiv}")
    if notes:
        item["note"] = "\n".join(notes)
    for name, value in csl_extra.items():
        item.setdefault(name, value)
    return item


def _issued(work: Work) -> dict[str, Any] | None:
    if work.date:
        match = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$", work.date)
        if match:
            return {"date-parts": [[int(p) for p in match.groups() if p]]}
        if work.year is not None and str(work.year) not in work.date:
            return {"date-parts": [[work.year]]}
        return {"raw": work.date}
    if work.year is not None:
        return {"date-parts": [[work.year]]}
    return None


def write_csl_json(works: list[Work]) -> str:
    """CSL-JSON text (a pretty-printed array) for the works."""
    return "".join(iter_csl_json(works))


def iter_csl_json(works: Iterable[Work]) -> Iterator[str]:
    """The text of :func:`write_csl_json`, an item at a time: each item as
    ``json.dumps(items, indent=2)`` lays it out inside the array."""
    first = True
    for work, key in iter_unique_citekeys(works):
        yield ("[\n  " if first else ",\n  ") + layout(work_to_item(work, key), "  ")
        first = False
    yield "[]\n" if first else "\n]\n"
