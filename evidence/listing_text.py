"""Study listings laid out straight from SQLite rows: `studies --json` and `studies` piped.

``library.study_objects`` builds each study as a dict from decoded rows and several
queries a chunk; laying a million of those out costs ten times what SQLite takes to read
them. Here one query reads each study with its latest check, its notices and the key of
the study it duplicates; Python quotes the plain text columns (``encode_basestring``,
what ``json.dumps(ensure_ascii=False)`` uses: SQLite's ``json_quote`` in the query was
measured slower) and fills a template per study, laying out only the JSON columns that
hold something. The text is
the one ``json.dumps(study_objects(...), indent=2, ensure_ascii=False)`` gives
(tests/test_listing.py compares them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from bib.jsonlayout import layout
from evidence.store import Store

_encode = json.encoder.encode_basestring
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

# Authors as the store writes them (Author.to_dict, json.dumps), with no escape in any
# name: laid out by replacing the separators, not by decoding them. Anything else is
# decoded.
_NAME = r'"([^"\\\x00-\x1f]*)"'
_PERSON = r'\{"family": ' + _NAME + r', "given": ' + _NAME + r"\}"
PERSON = re.compile(_PERSON)  # its family and given names
PLAIN_AUTHORS = re.compile(r"\[" + _PERSON + r"(?:, " + _PERSON + r")*\]")
_FIRST_FAMILY = re.compile(r'\[\{"family": "([^"\\\x00-\x1f]*)"')

# The study's latest check, its notices (id first, to sort them), the key of the study
# it is a probable duplicate of.
_LATEST_CHECK = (
    "left join checks c on c.id = s.latest_check left join studies o on o.id = s.duplicate_of "
)
NOTICES_SQL = (
    "case when exists (select 1 from notices n where n.study_id = s.id) then "
    "(select json_group_array(json_array(n.id, n.kind, n.source, n.date, n.doi, n.pmid)) "
    "from notices n where n.study_id = s.id) end"
)
_PAGE = "order by s.citekey limit ? offset ?"

JSON_SQL = (
    "select s.citekey, s.doi, s.pmid, s.pmcid, s.arxiv, s.isbn, s.openalex, s.title, "
    "s.authors, s.journal, s.issn, s.year, s.volume, s.issue, s.pages, s.type, "
    f"s.publication_types, s.evidence_level, s.retracted, {NOTICES_SQL}, c.status, "
    "c.sources, c.mismatches, c.reason, c.verification, c.checked_at, "
    "case when s.duplicate_of then o.citekey else s.duplicate_of end, "
    "s.abstract, s.url, s.added_at "
    f"from studies s {_LATEST_CHECK}{_PAGE}"
)

LINE_SQL = (
    "select s.citekey, s.year, s.authors, s.title, s.journal, s.doi, s.pmid, s.arxiv, "
    "s.isbn, c.status, s.retracted, exists (select 1 from notices n "
    "where n.study_id = s.id and n.kind = 'retraction'), "
    "case when s.duplicate_of then o.citekey end "
    f"from studies s {_LATEST_CHECK}{_PAGE}"
)


def decoded(text: Any) -> Any:
    """A JSON column's value as ``store.decode_row`` gives it: text that is JSON decoded,
    anything else as it is."""
    if not isinstance(text, str):
        return text
    try:
        value, end = _scan(text, 0)
        if end == len(text):
            return value
    except StopIteration:
        pass
    try:
        return json.loads(text)
    except ValueError:
        return text


def _page(offset: int, limit: int | None) -> list[int]:
    return [-1 if limit is None else limit, offset]


# --- `studies --json` -------------------------------------------------------------------


class StudyLayout:
    """Study objects laid out as items of a JSON array whose items start at ``indent``."""

    def __init__(self, indent: str) -> None:
        self._layout = layout
        n1 = "\n" + indent + "  "
        self.n1, self.n2, self.n3 = n1, n1 + "  ", n1 + "    "
        self.k1, self.k2 = n1[1:], n1[1:] + "  "
        n2 = self.n2
        self.unverified = (
            f'{{{n2}"status": "unverified",{n2}"checked_at": null,{n2}"sources": [],'
            f'{n2}"mismatches": [],{n2}"reason": "not checked yet",{n2}"verdict": "unverified",'
            f'{n2}"likely": null,{n2}"fields": [],{n2}"matched": null,{n2}"searched": []{n1}}}'
        )
        self._checks: dict[tuple[Any, ...], tuple[str, str]] = {}

    def value(self, value: Any, key_indent: str) -> str:
        if type(value) is str:
            return _encode(value)
        return self._layout(value, key_indent)

    def _list_column(self, text: Any) -> str:
        if text is None or text == "[]":
            return "[]"
        return self.value(decoded(text) or [], self.k1)

    def authors(self, text: Any) -> str:
        if text is None or text == "[]":
            return "[]"
        if PLAIN_AUTHORS.fullmatch(text):
            n1, n2, n3 = self.n1, self.n2, self.n3
            return (
                text.replace('"}, {"family": ', f'"{n2}}},{n2}{{{n3}"family": ')
                .replace('[{"family": ', f'[{n2}{{{n3}"family": ')
                .replace('", "given": ', f'",{n3}"given": ')
                .replace('"}]', f'"{n2}}}{n1}]')
            )
        people = decoded(text) or []
        if not people:
            return "[]"
        n2, n3, k3 = self.n2, self.n3, self.n3[1:]
        parts = []
        for a in people:
            family, given = a.get("family", ""), a.get("given", "")
            family = _encode(family) if type(family) is str else self._layout(family, k3)
            given = _encode(given) if type(given) is str else self._layout(given, k3)
            parts.append(f'{n2}{{{n3}"family": {family},{n3}"given": {given}{n2}}}')
        return "[" + ",".join(parts) + self.n1 + "]"

    def publication_types(self, text: Any) -> str:
        if text is None or text == "[]":
            return "[]"
        types = decoded(text) or []
        curated = [p for p in types if p.get("source", "pubmed") == "pubmed"]
        names = list(dict.fromkeys(p["name"] for p in (curated or types)))
        return self.value(names, self.k1)

    def notices(self, text: str) -> tuple[str, bool]:
        """The notices' text and whether one of them is a retraction."""
        rows = sorted(json.loads(text))
        notices = [
            {"kind": k, "source": s, "date": d, "doi": doi or None, "pmid": p}
            for _, k, s, d, doi, p in rows
        ]
        return self.value(notices, self.k1), any(r[1] == "retraction" for r in rows)

    def check_parts(self, check: tuple[Any, ...]) -> tuple[str, str]:
        """A check's verification laid out around its time stamp (``check``: its status,
        sources, mismatches, reason and evidence as stored): few distinct ones in a
        library, so they are kept."""
        parts = self._checks.get(check)
        if parts is not None:
            return parts
        status, sources, mismatches, reason, evidence = check
        k2, n1, n2 = self.k2, self.n1, self.n2
        found = decoded(evidence) or {}
        if not isinstance(found, dict):
            found = {}
        status = self.value(status, k2)
        parts = (
            f'{{{n2}"status": {status},{n2}"checked_at": ',
            f',{n2}"sources": {self.value(decoded(sources) or [], k2)}'
            f',{n2}"mismatches": {self.value(decoded(mismatches) or [], k2)}'
            f',{n2}"reason": {"null" if reason is None else _encode(reason)}'
            f',{n2}"verdict": {status}'
            f',{n2}"likely": {self.value(found.get("likely"), k2)}'
            f',{n2}"fields": {self.value(found.get("fields") or [], k2)}'
            f',{n2}"matched": {self.value(found.get("matched"), k2)}'
            f',{n2}"searched": {self.value(found.get("searched") or [], k2)}{n1}}}',
        )
        if len(self._checks) > 4096:
            self._checks.clear()
        self._checks[check] = parts
        return parts


def _year(value: Any, layout: StudyLayout) -> str:
    if type(value) is int:
        return int.__repr__(value)
    return "null" if value is None else layout.value(value, layout.k1)


def iter_study_json(
    store: Store, *, offset: int = 0, limit: int | None = None, indent: str = "  "
) -> Iterator[str]:
    """Each study object (citekey order, ``offset``/``limit`` a page of them) laid out as
    an item of a JSON array whose items start at ``indent``; call it inside
    ``store.snapshot()``."""
    lay = StudyLayout(indent)
    n1, k1, end = lay.n1, lay.k1, "\n" + indent + "}"
    authors_of, list_column, pub_types = lay.authors, lay._list_column, lay.publication_types
    notices_of, check_parts, checks, unverified = (
        lay.notices,
        lay.check_parts,
        lay._checks,
        lay.unverified,
    )
    enc = _encode
    for row in store.execute(JSON_SQL, _page(offset, limit)):
        key, doi, pmid, pmcid, arxiv, isbn, openalex, title = row[:8]
        authors, journal, issn, year, volume, issue, pages, kind, types = row[8:17]
        level, retracted, notice_rows = row[17:20]
        checked_at, dup, abstract, url, added_at = row[25:]
        if notice_rows is None:
            notices, retraction = "[]", False
        else:
            notices, retraction = notices_of(notice_rows)
        check = row[20:25]
        if check[0] is None:
            verification = unverified
        else:
            pre, post = checks.get(check) or check_parts(check)
            verification = pre + ("null" if checked_at is None else enc(checked_at)) + post
        # Text columns hold text or nothing (SQLite's text affinity).
        key = enc(key)
        yield (
            f'{{{n1}"id": {key},{n1}"citekey": {key}'
            f',{n1}"doi": {"null" if doi is None else enc(doi)}'
            f',{n1}"pmid": {"null" if pmid is None else enc(pmid)}'
            f',{n1}"pmcid": {"null" if pmcid is None else enc(pmcid)}'
            f',{n1}"arxiv": {"null" if arxiv is None else enc(arxiv)}'
            f',{n1}"isbn": {"null" if isbn is None else enc(isbn)}'
            f',{n1}"openalex": {"null" if openalex is None else enc(openalex)}'
            f',{n1}"title": {"null" if title is None else enc(title)}'
            f',{n1}"authors": {authors_of(authors)}'
            f',{n1}"journal": {"null" if journal is None else enc(journal)}'
            f',{n1}"issn": {"[]" if issn is None or issn == "[]" else list_column(issn)}'
            f',{n1}"year": {int.__repr__(year) if type(year) is int else _year(year, lay)}'
            f',{n1}"volume": {"null" if volume is None else enc(volume)}'
            f',{n1}"issue": {"null" if issue is None else enc(issue)}'
            f',{n1}"pages": {"null" if pages is None else enc(pages)}'
            f',{n1}"type": {"null" if kind is None else enc(kind)}'
            f',{n1}"publication_types": '
            f"{'[]' if types is None or types == '[]' else pub_types(types)}"
            f',{n1}"evidence_level": {"null" if level is None else enc(level)}'
            f',{n1}"retracted": {"true" if retracted or retraction else "false"}'
            f',{n1}"notices": {notices},{n1}"verification": {verification}'
            f',{n1}"duplicate_of": {"null" if dup is None else lay.value(dup, k1)}'
            f',{n1}"abstract": {"null" if abstract is None else enc(abstract)}'
            f',{n1}"url": {"null" if url is None else enc(url)}'
            f',{n1}"added_at": {"null" if added_at is None else enc(added_at)}{end}'
        )


# --- `studies` piped ------------------------------------------------------------------


def first_family(text: Any) -> str:
    """The first author's family name as `studies` shows it ("" without authors)."""
    if text is None or text == "[]":
        return ""
    plain = _FIRST_FAMILY.match(text)
    if plain:
        return plain.group(1)
    people = decoded(text) or []
    return str(people[0].get("family", "")) if people else ""


def iter_study_lines(store: Store, *, offset: int = 0, limit: int | None = None) -> Iterator[str]:
    """One tab-separated line per study (``evidence.cli.library.TSV_COLUMNS``), in
    citekey order; call it inside ``store.snapshot()``."""
    for row in store.execute(LINE_SQL, _page(offset, limit)):
        key, year, authors, title, journal, doi, pmid, arxiv, isbn, status = row[:10]
        retracted, notice, dup = row[10:]
        ids = " ".join(
            f"{name}:{value}"
            for name, value in (("doi", doi), ("pmid", pmid), ("arxiv", arxiv), ("isbn", isbn))
            if value
        )
        flags = ["retracted"] if retracted or notice else []
        if dup:
            flags.append(f"probable duplicate of {dup}")
        cells = (
            key,
            str(year or ""),
            first_family(authors),
            title or "",
            journal or "",
            ids,
            "unverified" if status is None else status,
            "; ".join(flags),
        )
        # A tab or line break inside a value would break the line into columns or lines.
        yield "\t".join(" ".join(str(c).split()) for c in cells) + "\n"
