"""The Retraction Watch data that Crossref publishes openly, as rows for a local table.

The CSV has one row per notice with the columns ``Record ID, Title, …, RetractionDate,
RetractionDOI, RetractionPubMedID, OriginalPaperDate, OriginalPaperDOI,
OriginalPaperPubMedID, RetractionNature, Reason, …`` (see the Crossref tutorial "Get
Retraction Watch metadata", https://crossref.gitlab.io/tutorials/get-rw-metadata/).
``RetractionNature`` is Retraction, Correction, Expression of concern or Reinstatement.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from bib.errors import FormatError
from bib.work import Notice

# The download URL is the "retractions" service of bib.http (EVIDENCE_RETRACTIONS_URL).
NATURE_TO_KIND = {
    "retraction": "retraction",
    "correction": "correction",
    "expression of concern": "expression_of_concern",
    "reinstatement": "reinstatement",
}
REQUIRED = ("OriginalPaperDOI", "RetractionNature")
# open-retractions update types -> notice kinds
UPDATE_TYPE_TO_KIND = {
    "retraction": "retraction",
    "withdrawal": "withdrawal",
    "removal": "withdrawal",
    "correction": "correction",
    "corrigendum": "correction",
    "erratum": "correction",
    "err": "correction",
    "expression_of_concern": "expression_of_concern",
}


def _doi(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "http://dx.doi.org/", "doi:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not text.startswith("10.") or "/" not in text or text in ("unavailable",):
        return None
    return text


def _pmid(value: str | None) -> str | None:
    text = (value or "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text if text.isdigit() and text != "0" else None


def _date(value: str | None) -> str | None:
    """'7/12/2023 0:00' (month/day/year) -> '2023-07-12'."""
    text = (value or "").strip().split(" ")[0]
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(
        (
            "record_id",
            "original_doi",
            "original_pmid",
            "notice_doi",
            "notice_pmid",
            "kind",
            "date",
            "reason",
            "title",
            "journal",
        )
    )
    base.update(values)
    return base


def parse_rows(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Rows of the CSV as dicts for the ``retractions`` table; rows without an original
    DOI or PMID are skipped (nothing could match them).

    Besides the full CSV, the two-column ``doi,retractionwatch`` extract (DOI and the
    ``;``-joined natures of its notices) is understood.
    """
    reader = csv.DictReader(lines)
    if set(reader.fieldnames or []) >= {"doi", "retractionwatch"}:
        for row in reader:
            doi = _doi(row.get("doi"))
            for nature in (row.get("retractionwatch") or "").split(";"):
                nature = nature.strip().lower()
                if doi and nature:
                    yield _row(original_doi=doi, kind=NATURE_TO_KIND.get(nature, nature))
        return
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise FormatError(f"not Retraction Watch data: missing column {', '.join(missing)}")
    for row in reader:
        original_doi = _doi(row.get("OriginalPaperDOI"))
        original_pmid = _pmid(row.get("OriginalPaperPubMedID"))
        if not original_doi and not original_pmid:
            continue
        nature = (row.get("RetractionNature") or "").strip().lower()
        yield _row(
            record_id=(row.get("Record ID") or "").strip() or None,
            original_doi=original_doi,
            original_pmid=original_pmid,
            notice_doi=_doi(row.get("RetractionDOI")),
            notice_pmid=_pmid(row.get("RetractionPubMedID")),
            kind=NATURE_TO_KIND.get(nature, nature or "retraction"),
            date=_date(row.get("RetractionDate")),
            reason=(row.get("Reason") or "").strip().strip(";") or None,
            title=(row.get("Title") or "").strip() or None,
            journal=(row.get("Journal") or "").strip() or None,
        )


def parse_open_retractions(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """open-retractions records (one JSON object a line: identifier.doi, updates[])."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            doi = _doi(record["identifier"]["doi"])
            updates = record.get("updates") or []
        except (ValueError, KeyError, TypeError):
            raise FormatError(f"line {number}: not an open-retractions record") from None
        for update in updates:
            kind = UPDATE_TYPE_TO_KIND.get(str(update.get("type", "")).lower())
            if doi and kind:
                stamp = update.get("timestamp")
                yield _row(
                    original_doi=doi,
                    notice_doi=_doi((update.get("identifier") or {}).get("doi")),
                    kind=kind,
                    date=datetime.fromtimestamp(stamp / 1000, UTC).date().isoformat()
                    if isinstance(stamp, int | float)
                    else None,
                    title=record.get("title"),
                    journal=record.get("journal"),
                )


def parse_retraction_data(data: bytes | BinaryIO) -> Iterator[dict[str, Any]]:
    """Rows from the Retraction Watch CSV, its doi/nature extract, or open-retractions
    JSON lines, told apart by their first character.

    ``data`` is the bytes or a seekable binary file (a download on disk): a file is read
    twice, once to tell its encoding (UTF-8, else Latin-1) and once line by line, and is
    never held whole.
    """
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
    encoding, first = _sniff(stream)
    if not first:
        raise FormatError("the retraction data is empty")
    return _rows(stream, encoding, parse_open_retractions if first == "{" else parse_rows)


def _rows(
    stream: BinaryIO, encoding: str, parse: Callable[[Iterable[str]], Iterator[dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        yield from parse(text)
    finally:
        # The stream stays the caller's to close.
        text.detach()


def _sniff(stream: BinaryIO) -> tuple[str, str]:
    """The encoding of ``stream`` (``utf-8-sig`` when it all decodes so, else
    ``latin-1``) and its first character other than white space ("" when none); the
    stream is left at its start."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    encoding, first = "utf-8-sig", ""
    while True:
        chunk = stream.read(1 << 20)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            encoding = "latin-1"
            break
        if not first and text.strip():
            first = text.lstrip()[0]
        if not chunk:
            break
    stream.seek(start)
    if encoding == "latin-1":
        first = ""
        while not first:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            stripped = chunk.decode("latin-1").strip()
            first = stripped[:1]
        stream.seek(start)
    return encoding, first


def to_notice(row: dict[str, Any]) -> Notice:
    return Notice(
        kind=row["kind"],
        source="retraction-watch",
        date=row.get("date"),
        doi=row.get("notice_doi"),
        pmid=row.get("notice_pmid"),
        reason=row.get("reason"),
    )
