"""What the library commands do, apart from printing: add, import, export."""

from __future__ import annotations

import errno
import os
import secrets
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bib.citekeys import OrderedKeys
from bib.errors import BibError, FormatError
from bib.formats import FORMATS, iter_records, open_bibliography
from bib.formats.common import EntryTooLong
from bib.identifiers import Identifier, inspect_identifier
from bib.matching.references import choose
from bib.work import Work
from evidence.errors import EvidenceError, Interrupted, UsageError
from evidence.library import CitekeyRegistry, save_work
from evidence.library_bulk import save_new_works
from evidence.listing import iter_export_records, record_work
from evidence.problems import Problem
from evidence.progress import NO_PROGRESS, Progress
from evidence.store import Store

if TYPE_CHECKING:
    # The HTTP stack is imported by the commands that fetch (add), not by import and
    # ingest, which read files only.
    from bib.http import HttpClient

# Entries saved per transaction during import: each entry is fully in or absent after a
# crash (a transaction is all or nothing), and large imports avoid one commit per entry.
IMPORT_CHUNK = 500


def inspect_identifiers(texts: Sequence[str]) -> tuple[list[Identifier], list[str]]:
    """Check every identifier before any network call; report all problems together."""
    idents: list[Identifier] = []
    problems: list[str] = []
    for text in texts:
        ident, message = inspect_identifier(text)
        if ident is None:
            problems.append(message or f'"{text}" is not a recognised identifier')
        elif ident.kind == "url":
            problems.append(
                f'"{text}" is a web address, not a study identifier. '
                "Give a DOI, PMID, PMCID, arXiv id or ISBN (doi.org and PubMed links work)"
            )
        elif ident not in idents:
            idents.append(ident)
    return idents, problems


@dataclass
class AddReport:
    study_ids: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    abstained: list[str] = field(default_factory=list)

    def rows(self, store: Store) -> list[dict[str, Any]]:
        if not self.study_ids:
            return []
        marks = ",".join("?" for _ in self.study_ids)
        by_id = {
            r["id"]: r
            for r in store.query(f"select * from studies where id in ({marks})", self.study_ids)
        }
        return [by_id[i] for i in dict.fromkeys(self.study_ids) if i in by_id]


def _work_from_identifier(ident: Identifier) -> Work:
    work = Work(source="user")
    setattr(work, ident.kind, ident.value)
    return work


def add_studies(
    store: Store,
    client: HttpClient | None,
    idents: list[Identifier],
    refs: Sequence[str] = (),
    *,
    progress: Progress | None = None,
    verbose: bool = False,
) -> AddReport:
    """Fetch, merge and save studies; one failed item never stops the others. A failure
    names each service's answer; ``verbose`` adds the requests the offline cache lacked."""
    report = AddReport()
    if client is None:
        for ident in idents:
            report.study_ids.append(save_work(store, _work_from_identifier(ident)).study_id)
        if refs:
            report.failures.append("--ref needs a lookup: drop --no-fetch to match references")
        return report
    for ref in refs:
        matched = _match_reference(client, ref, report)
        if matched is not None and matched not in idents:
            idents.append(matched)
    if not client.has_key("openalex"):
        report.notices.append(
            "Notice: OpenAlex skipped (set EVIDENCE_OPENALEX_KEY to use it; a free key works)."
        )
    if not idents:
        return report
    progress = progress or NO_PROGRESS
    try:
        with progress.task("Looking up and saving", len(idents)) as advance:
            from bib.lookup import fetch_works_in_chunks

            for results in fetch_works_in_chunks(client, idents):
                for ident, result in results.items():
                    work = result.work
                    if work is None or not (work.title or work.identifiers().keys() - {ident.kind}):
                        report.failures.append(f"{ident}: {result.reason(verbose=verbose)}")
                    else:
                        report.study_ids.append(save_work(store, work).study_id)
                    advance()
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; {len(report.study_ids)} of {len(idents)} studies were looked up "
            "and saved (run the command again for the rest)"
        ) from None
    return report


def _match_reference(client: HttpClient, ref: str, report: AddReport) -> Identifier | None:
    try:
        from bib.lookup import search_crossref_bibliographic

        candidates = search_crossref_bibliographic(client, ref, rows=5)
    except BibError as exc:
        report.failures.append(f'reference "{_short(ref)}": {exc}')
        return None
    result = choose(ref, candidates)
    if result.best is not None and result.best.doi:
        return Identifier("doi", result.best.doi)
    lines = [f'No confident match for "{_short(ref)}" ({result.reason}). Candidates:']
    for score in sorted(result.scores, key=lambda s: -s.score)[:5]:
        w = score.work
        if w is None:
            continue
        lines.append(
            f"  {score.score:.2f}  {w.doi}  {w.first_author or '?'} {w.year or ''} "
            f"{_short(w.title or '', 70)}"
        )
    if len(lines) == 1:
        lines.append("  (none)")
    report.abstained.append("\n".join(lines))
    return None


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class ImportReport:
    files: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: int = 0
    any_read: bool = False
    # the key each entry has in its file -> the study it became (for `ingest --bib`)
    keys: dict[str, int] = field(default_factory=dict)
    # the entries read, as the files give them (for `verify FILE`)
    entries: list[Work] = field(default_factory=list)


def import_files(
    store: Store,
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    keep_entries: bool = True,
) -> ImportReport:
    """Import bibliography files, each read and saved a chunk of IMPORT_CHUNK entries at
    a time (one transaction each): a file of any size is imported holding one chunk.
    ``keep_entries``: gather each entry and the study its key became (ImportReport's
    ``entries`` and ``keys``, for ``verify FILE`` and ``ingest --bib``); without it
    memory stays flat however many entries the files hold. Ctrl-C keeps the chunks
    saved and says how many entries that is (Interrupted)."""
    report = ImportReport()
    progress = progress or NO_PROGRESS
    for path in paths:
        try:
            opened = open_bibliography(path)
        except FormatError as exc:
            report.unreadable += 1
            report.problems.append(Problem("", str(exc), unreadable=True))  # names the file
            continue
        counts = {"added": 0, "updated": 0, "duplicates": 0, "problems": 0}
        read = 0
        try:
            # Counted in MB read (a file's entries are not known until it is read).
            megabytes = -(-opened.size // 1_000_000)
            with progress.task(f"Importing {path.name} (MB)", megabytes) as advance:
                done = 0
                for chunk in opened.chunks(IMPORT_CHUNK):
                    # bib's problems render as "file:line: key: what is wrong" themselves.
                    report.problems.extend(Problem("", str(p)) for p in chunk.problems)
                    counts["problems"] += len(chunk.problems)
                    read += len(chunk.works) + len(chunk.problems)
                    _save_chunk(store, path, chunk.works, report, counts, keep_entries)
                    position = min(opened.bytes_read() // 1_000_000, megabytes)
                    advance(position - done)
                    done = position
        except EntryTooLong as exc:
            # Read up to there: an Error line, the entries before it saved.
            report.problems.append(Problem("", str(exc), unreadable=True))
            counts["problems"] += 1
            read += 1
        except KeyboardInterrupt:
            saved = counts["added"] + counts["updated"]
            raise Interrupted(
                f"interrupted; {saved:,} entries of {path} were saved (run the same "
                "import again: the entries saved are recognised, not added twice)"
            ) from None
        if not read:
            # Comments only, an HTML page, words: nothing that looks like an entry.
            report.unreadable += 1
            report.problems.append(
                Problem(
                    str(path),
                    "no entries found. Give a BibTeX (.bib), CSL-JSON (.json) "
                    "or RIS (.ris) file with at least one entry",
                    unreadable=True,
                )
            )
            continue
        report.any_read = True
        report.files.append({"file": str(path), **counts})
    return report


def _save_chunk(
    store: Store,
    path: Path,
    works: list[Work],
    report: ImportReport,
    counts: dict[str, int],
    keep_entries: bool,
) -> None:
    """Save one chunk of a file's works in one transaction and count what became of
    them. The citekeys handed out are in the library once the chunk is saved, so each
    chunk asks them of a registry of its own."""
    if keep_entries:
        report.entries.extend(works)
    if not works:
        return
    with store.transaction():
        results = save_new_works(store, works, by_user=True, citekeys=CitekeyRegistry(store))
    for work, saved in zip(works, results, strict=True):
        if isinstance(saved, sqlite3.IntegrityError):
            report.problems.append(Problem(f"{path}: {work.citekey}", f"not saved ({saved})"))
            continue
        if work.citekey and keep_entries:
            report.keys[work.citekey] = saved.study_id
        counts["added"] += saved.created
        counts["updated"] += not saved.created
        counts["duplicates"] += saved.duplicate_of is not None


def export_library(store: Store, fmt: str) -> str:
    """The library as one bibliography text (see ``iter_export``)."""
    with store.snapshot():
        return "".join(iter_export(store, fmt))


def iter_export(store: Store, fmt: str) -> Iterator[str]:
    """The library as a bibliography in ``fmt``, in pieces, written from the studies'
    rows as one cursor reads them (bib.records): an export of any size holds a few
    entries, and of the keys handed out only those that are not a study's own citekey.
    Consume it inside ``store.snapshot()``."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")
    return _iter_export(store, fmt)


def _iter_export(store: Store, fmt: str) -> Iterator[str]:
    yield from iter_records(
        iter_export_records(store),
        fmt,
        keys=export_keys(store),
        work_of=record_work,
        bibtex_keys=_LibraryKeys(store),
    )


def export_keys(store: Store) -> OrderedKeys:
    """The keys of an export's entries, handed out in citekey order by the file's rule,
    the library's citekey indexes answering for the keys not held."""
    return OrderedKeys(_citekey_twins(store), _EarlierCitekey(store))


def _citekey_twins(store: Store) -> set[str]:
    """The citekeys that equal another study's when ASCII letters are compared without
    case (one scan of the case-blind citekey index)."""
    return {
        row[0]
        for row in store.execute(
            "select citekey from studies where citekey collate nocase in "
            "(select citekey collate nocase from studies group by citekey collate nocase "
            "having count(*) > 1)"
        )
    }


class _EarlierCitekey:
    """Whether a citekey before ``current`` (in citekey order) equals ``lower`` when ASCII
    letters are compared without case: asked of the case-blind citekey index."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __call__(self, lower: str, current: str) -> bool:
        hit = self._store.scalar(
            "select 1 from studies where citekey = ? collate nocase and citekey < ? limit 1",
            [lower, current],
        )
        return hit is not None


class _LibraryKeys:
    """Whether a (lower-case) key is one of the library's citekeys, asked of the citekey
    index: which crossrefs an export keeps. The keys written are the library's own
    (unique, without characters that break a key), so the library answers for the file
    without its keys being loaded."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, bool] = {}  # crossrefs name few keys (proceedings), often

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key not in self._known:
            hit = self._store.scalar(
                "select 1 from studies where citekey = ? collate nocase limit 1", [key]
            )
            self._known[key] = hit is not None
        return self._known[key]


def _is_one_of(target: Path, files: Iterable[Path]) -> Path | None:
    """The first of ``files`` that ``target`` is: the same path once resolved, or the same
    file by device and inode (a hard link, a symlink)."""
    resolved = target.resolve()
    for f in files:
        if resolved == f.resolve():
            return f
        try:
            if os.path.samefile(target, f):
                return f
        except OSError:  # one of them does not exist
            continue
    return None


def database_files(db: Path) -> list[Path]:
    """A SQLite database, the files SQLite keeps beside it and the store's check stamp."""
    suffixes = ("-wal", "-shm", "-journal", "-checked")
    return [db, *(db.with_name(db.name + suffix) for suffix in suffixes)]


def write_atomically(
    path: Path, text: str | Iterable[str], *, protect: Iterable[Path] = ()
) -> None:
    """Write a file so that a crash leaves either the old or the new content.

    ``text``: the content, or its pieces in order (an export of any size, written as it
    is read).

    ``protect`` lists files that must never be replaced (the database and its companion
    files): writing to one of them, by any name, is refused before anything is written.

    The new file keeps the mode of the file it replaces (a new one gets the umask's).
    A symlink is written through: the file it points at gets the new content and the
    link stays. The temporary file has a short name of its own beside the target, so
    any name the folder accepts can be written, and it is removed on any failure or
    interruption (the CLI turns SIGTERM into an exception for that). Every error names
    ``path`` as the caller gave it.
    """
    path = Path(path)
    clash = _is_one_of(path, protect)
    if clash is not None:
        raise UsageError(
            f"{path} is the database's own file ({clash}); writing there would destroy it. "
            "Choose another --output"
        )
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise UsageError(f"{path} is a folder. Give a file name to write to")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: the folder {folder} does not exist. Create it first")
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _write_error(path, exc) from exc
    pieces = [text] if isinstance(text, str) else text
    # The temporary file's name is known before the file exists, so that an exception
    # (SIGTERM, Ctrl-C) arriving just after it is created still removes it.
    tmp: Path | None = None
    try:
        try:
            for _ in range(100):
                tmp = folder / f".evidence-{secrets.token_hex(4)}.tmp"
                try:
                    # 0o666: the umask decides, as for any new file.
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                    break
                except FileExistsError:
                    tmp = None
            else:
                raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))
            with os.fdopen(fd, "wb") as fh:
                if mode is not None:
                    os.fchmod(fh.fileno(), mode)
                for piece in pieces:
                    fh.write(piece.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise _write_error(path, exc) from exc
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def _write_error(path: Path, exc: OSError) -> EvidenceError:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EvidenceError(f"{path}: {reason}; the file is unchanged. Free some space")
    return UsageError(f"{path}: cannot write ({reason}). Check the path and its permissions")
