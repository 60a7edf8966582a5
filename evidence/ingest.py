"""Ingest documents into the store with stable claim ids.

The pipeline's write step: read (evidence.read) -> extract (evidence.extract, block by
block, re-using the stored extraction of unchanged blocks: evidence.ingest_cache) -> save
claims and mentions (evidence.ingest_save). Claim ids are stable across re-ingests: an
unchanged claim keeps its id by its normalised text, a lightly edited one by fuzzy
similarity; a claim that disappeared but still carries user tags is kept (marked
removed) and reported as orphaned.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bib.citekey_lookup import CitekeyLookup, case_twins_message
from bib.citekeys import normal_citekey
from evidence.extract import extract
from evidence.extract.visible import INVISIBLE
from evidence.ingest_cache import extract_by_block, load_blocks, save_blocks
from evidence.ingest_save import SIMILAR as SIMILAR
from evidence.ingest_save import link_citation as link_citation
from evidence.ingest_save import save_claims
from evidence.read import read_document
from evidence.read.document import MAX_BYTES
from evidence.read.web import WebPage, read_web_page
from evidence.status import UNSOURCED_SQL
from evidence.store import Store, now

FORMAT_ALIASES = {
    "txt": "text",
    "md": "markdown",
    "qmd": "markdown",
    "htm": "html",
    "tex": "latex",
    "nxml": "jats",
    "xml": "jats",
}


@dataclass
class IngestReport:
    document: str
    unchanged: bool = False
    claims: int = 0
    sentences: int = 0
    mentions_by_kind: dict[str, int] = field(default_factory=dict)
    unsourced: int = 0
    new_claims: int = 0
    kept_claims: int = 0
    removed_claims: int = 0
    orphaned: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The `ingest --json` object of one document."""
        return dataclasses.asdict(self)


# Keys looked up by one query.
PREFETCH_CHUNK = 500
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _nocase(key: str) -> str:
    """A key as SQLite's NOCASE collation compares it (ASCII letters folded only)."""
    return key.translate(_ASCII_LOWER)


class LibraryCitekeys:
    """The library's citekeys, asked for one at a time through the case-insensitive
    citekey index and remembered: a document's ingest reads the keys it cites, not every
    key of the library. Answers as :class:`CitekeyLookup` does (the key as typed when it
    is there, else the one key that differs from it only by case)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._seen: dict[str, list[tuple[str, int]]] = {}

    def _rows(self, key: str) -> list[tuple[str, int]]:
        if key not in self._seen:
            self._seen[key] = [
                (r["citekey"], r["id"])
                for r in self._store.query(
                    "select id, citekey from studies where citekey = ? collate nocase", [key]
                )
            ]
        return self._seen[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self.matches(key))

    def prefetch(self, keys: Iterable[str]) -> None:
        """Look up many keys at once (a few hundred a query, through the same index):
        what ``matches`` then answers for each, without a query per key."""
        wanted = sorted({normal_citekey(k) for k in keys} - self._seen.keys())
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start : start + PREFETCH_CHUNK]
            found: dict[str, list[tuple[str, int]]] = {}
            for row in self._store.execute(
                "select id, citekey from studies where citekey collate nocase in "
                "(select value from json_each(?)) order by id",
                [json.dumps(chunk)],
            ):
                found.setdefault(_nocase(row[1]), []).append((row[1], row[0]))
            for key in chunk:
                self._seen[key] = found.get(_nocase(key), [])

    def matches(self, key: str) -> list[str]:
        key = normal_citekey(key)
        rows = self._rows(key)
        exact = [k for k, _ in rows if k == key]
        return exact or [k for k, _ in rows]

    def find(self, key: str) -> int | None:
        found = self.matches(key)
        if len(found) != 1:
            return None
        return next(i for k, i in self._rows(normal_citekey(key)) if k == found[0])


@dataclass(frozen=True)
class Citekeys:
    """The citekeys a document may use: the library's and those of its --bib files.

    Every ingest takes one (there is no default), so no caller can forget the --bib
    keys: they are part of what makes a re-ingest a no-op (a document ingested again
    with a new --bib file is read again, and its citekeys resolve). A cited key is
    found whatever its case (bib.citekeys.CitekeyLookup), in the --bib files first, as
    BibTeX would find it there, then in the library.
    """

    library: LibraryCitekeys | CitekeyLookup[int]  # citekey -> study id
    bib: CitekeyLookup[int] = field(default_factory=CitekeyLookup)  # the --bib files' keys

    @classmethod
    def of_library(cls, store: Store, bib_keys: Mapping[str, int] | None = None) -> Citekeys:
        return cls(LibraryCitekeys(store), CitekeyLookup((bib_keys or {}).items()))

    @property
    def from_bib(self) -> frozenset[str]:
        return frozenset(self.bib.keys())

    def known(self, cited: Iterable[str]) -> set[str]:
        """Of the keys a document cites (as written, and without invisible characters,
        as the extractor also reads them), those that name a key of the --bib files or
        the library in any case."""
        cited = list(cited)
        if isinstance(self.library, LibraryCitekeys):
            self.library.prefetch({f for k in cited for f in (k, INVISIBLE.sub("", k))})
        out: set[str] = set()
        for key in cited:
            for form in {key, INVISIBLE.sub("", key)}:
                if self.names_any(form):
                    out.add(form)
        return out

    def names_any(self, key: str) -> bool:
        return key in self.bib or key in self.library

    def study_of(self, key: str) -> tuple[int | None, str | None]:
        """The study ``key`` names, or None with the problem when it names several keys
        that differ only by case (None, None: it names none)."""
        for lookup in (self.bib, self.library):
            found = lookup.matches(key)
            if len(found) > 1:
                return None, case_twins_message(key, found)
            if found:
                return lookup.find(found[0]), None
        return None, None


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Reading and extraction make hundreds of thousands of small objects (parser
    tokens, sentences, mentions) and no garbage cycles: without the cyclic collector
    passing over them again and again, a large document ingests about a tenth faster.
    Reference counting frees memory as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def ingest_document(
    store: Store,
    path: Path | None,
    *,
    citekeys: Citekeys,
    text: str | None = None,
    name: str | None = None,
    fmt: str | None = None,
    allowed_roots: Sequence[Path] = (),
    page: WebPage | None = None,
) -> IngestReport:
    """Read, extract and save one document: the file or folder at ``path``, or ``text``
    (standard input) when ``path`` is None, or a fetched web ``page`` (stored under its
    address). Its includes are read from its own folder and ``allowed_roots`` only."""
    if page is not None:
        doc_name = name or page.url
    else:
        doc_name = name or (path.name if path is not None else "stdin")
    existing = store.one("select * from documents where name = ?", [doc_name])
    fingerprint = sorted(citekeys.from_bib)
    stored = (existing or {}).get("data") or {}
    # An unchanged file is known by its bytes, before any parsing. (Not for LaTeX, whose
    # \input files may have changed, nor directories of Markdown files.)
    raw_sha = page.sha256 if page is not None else _raw_sha256(path) if text is None else None
    if (
        existing
        and raw_sha
        and stored.get("raw_sha256") == raw_sha
        and stored.get("keys") == fingerprint
    ):
        return _unchanged(store, existing, doc_name)
    with _cyclic_gc_paused():
        if page is not None:
            document = read_web_page(page, fmt=FORMAT_ALIASES.get(fmt or "", fmt))
        else:
            document = read_document(
                path, text=text, fmt=FORMAT_ALIASES.get(fmt or "", fmt), allowed_roots=allowed_roots
            )
    sha = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
    if existing and existing["sha256"] == sha and stored.get("keys") == fingerprint:
        if raw_sha and stored.get("raw_sha256") != raw_sha:
            store.update("documents", existing["id"], {"data": {**stored, "raw_sha256": raw_sha}})
        return _unchanged(store, existing, doc_name)
    blocks_of = existing["id"] if existing else None
    stored_blocks = load_blocks(store, blocks_of)
    with _cyclic_gc_paused():
        by_block = extract_by_block(
            document,
            citekeys.known(c.key for c in document.citations),
            stored_blocks,
            extract=extract,
        )
    extraction = by_block.extraction
    report = IngestReport(doc_name, sentences=len(extraction.sentences))
    report.problems = [p.message for p in extraction.problems]
    with store.transaction(), _cyclic_gc_paused():
        # Looked up again under the write lock: another process may have saved this
        # document since (two ingests of one new document at once).
        existing = store.one("select * from documents where name = ?", [doc_name])
        stored = (existing or {}).get("data") or {}
        if existing and existing["sha256"] == sha and stored.get("keys") == fingerprint:
            unchanged = existing
        else:
            unchanged = None
            doc_row = {
                "name": doc_name,
                "path": page.url if page is not None else str(path) if path else None,
                "sha256": sha,
                "format": document.format,
                "ingested_at": now(),
                "data": {"keys": fingerprint, "raw_sha256": raw_sha},
            }
            doc_id = _save_document(store, existing, doc_row)
            save_claims(store, doc_id, doc_name, extraction.claims, citekeys, report)
            if doc_id != blocks_of:  # saved meanwhile by another process
                stored_blocks = load_blocks(store, doc_id)
            save_blocks(store, doc_id, stored_blocks, by_block.keys)
    if unchanged is not None:
        return _unchanged(store, unchanged, doc_name)
    _fill_counts(store, doc_id, report)
    return report


def _save_document(
    store: Store,
    existing: dict[str, Any] | None,
    row: dict[str, Any],
) -> int:
    """Insert or update the document's row; its id."""
    if existing:
        store.update("documents", existing["id"], row)
        return int(existing["id"])
    return store.insert("documents", row)


def _raw_sha256(path: Path | None) -> str | None:
    """SHA-256 of the bytes a document is read from: the file, or every file of a
    directory of Markdown files (by name). None where that is not knowable up front."""
    if path is None or path.suffix.lower() == ".tex":
        return None
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    if not all(p.is_file() for p in files) or sum(p.stat().st_size for p in files) > MAX_BYTES:
        return None
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.name.encode("utf-8") + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()


def _unchanged(store: Store, existing: dict[str, Any], doc_name: str) -> IngestReport:
    report = IngestReport(doc_name, unchanged=True)
    _fill_counts(store, existing["id"], report)
    return report


def _fill_counts(store: Store, doc_id: int, report: IngestReport) -> None:
    rows = store.query(
        "select kind, count(*) as n from mentions where document_id = ? group by kind", [doc_id]
    )
    report.mentions_by_kind = {r["kind"]: r["n"] for r in rows}
    report.claims = store.scalar(
        "select count(*) from claims where document_id = ? and removed_at is null", [doc_id]
    )
    report.unsourced = store.scalar(
        "select count(*) from claims c where c.document_id = ? and c.removed_at is null "
        f"and {UNSOURCED_SQL}",
        [doc_id],
    )
