"""The library of studies: save works, find them again, turn them into study objects.

``save_work`` is the one way a study enters the database, whether it comes from a
service, a bibliography file or the user: same DOI/PMID/PMCID/arXiv/ISBN is the same
study; a probable duplicate (fuzzy title + year + first author) is flagged, never
merged silently; fields the user set by hand are never overwritten by fetched metadata.
Bibliography import saves its chunks through the fast path of ``evidence.library_bulk``,
which must save exactly what ``save_work`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bib.citekey_lookup import case_twins_message
from bib.citekeys import make_citekey, normal_citekey
from bib.design import evidence_level
from bib.identifiers import Identifier, parse_identifier
from bib.work import ID_FIELDS, Author, Notice, PublicationType, Work
from evidence.errors import AmbiguousCitekey, StudyNotFound
from evidence.library_duplicates import dedup_key, find_probable_duplicate, study_first_page
from evidence.store import Store, now

# Identifier columns, in the order used to recognise an existing study.
ID_COLUMNS = ID_FIELDS
UNIQUE_ID_COLUMNS = ("doi", "pmid")
# Metadata columns copied from a Work.
META_COLUMNS = (
    "title",
    "journal",
    "journal_abbrev",
    "publisher",
    "year",
    "date",
    "volume",
    "issue",
    "pages",
    "type",
    "abstract",
    "url",
    "language",
)
LIST_COLUMNS = ("authors", "issn", "keywords", "publication_types")


@dataclass
class SaveResult:
    study_id: int
    citekey: str
    created: bool
    duplicate_of: str | None = None
    changed: list[str] = field(default_factory=list)


# The columns work_to_row copies from a Work as they are.
_COPIED_COLUMNS = ID_COLUMNS + META_COLUMNS


def work_to_row(work: Work) -> dict[str, Any]:
    row: dict[str, Any] = {c: getattr(work, c) for c in _COPIED_COLUMNS}
    if isinstance(row["year"], int) and not -9999 <= row["year"] <= 9999:
        # An absurd year (a file or service said 10**30) is no year; SQLite could not
        # even hold some of them.
        row["year"] = None
    row["authors"] = [a.to_dict() for a in work.authors]
    row["issn"] = list(work.issn)
    row["keywords"] = list(work.keywords)
    row["publication_types"] = [p.to_dict() for p in work.publication_types]
    row["evidence_level"] = evidence_level(work.publication_types, work.type)
    row["retracted"] = None if work.retracted is None else int(work.retracted)
    row["extra"] = dict(work.extra)
    row["provenance"] = dict(work.provenance)
    row["dedup_key"] = dedup_key(work)
    row["first_page"] = study_first_page(work.pages)
    row["source"] = work.source
    return row


def row_to_work(row: dict[str, Any], notices: Iterable[dict[str, Any]] = ()) -> Work:
    return Work(
        **{c: row.get(c) for c in ID_COLUMNS + META_COLUMNS},
        authors=[Author(a.get("family") or "", a.get("given") or "") for a in row["authors"] or []],
        issn=list(row.get("issn") or []),
        keywords=list(row.get("keywords") or []),
        publication_types=[
            PublicationType(p["name"], p.get("ui"), p.get("source", "pubmed"))
            for p in row.get("publication_types") or []
        ],
        retracted=None if row.get("retracted") is None else bool(row["retracted"]),
        notices=[
            Notice(n["kind"], n["source"], n.get("date"), n.get("doi"), n.get("pmid"))
            for n in notices
        ],
        citekey=row.get("citekey"),
        source=row.get("source") or "user",
        extra=dict(row.get("extra") or {}),
        provenance=dict(row.get("provenance") or {}),
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class CitekeyRegistry:
    """Citekeys in use: the library's, asked of the citekey index one key at a time (a
    library of a million studies is not loaded to add one study), and those claimed
    through this registry, saved or not yet."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._claimed: set[str] = set()
        # Keys the caller has just found absent from the library (see known_free).
        self._free: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._claimed or self._stored(key))

    def _stored(self, key: str) -> bool:
        if key in self._free:
            return False
        hit = self._store.execute("select 1 from studies where citekey = ?", [key]).fetchone()
        return hit is not None

    @contextmanager
    def known_free(self, keys: Iterable[str]) -> Iterator[None]:
        """Within the block, take ``keys`` as absent from the library without asking it
        again: the caller found them absent in the transaction it holds, in which any
        study added claims its key through this registry first."""
        self._free = set(keys)
        try:
            yield
        finally:
            self._free = set()

    def claim(self, work: Work) -> str:
        wanted = normal_citekey(work.citekey) if work.citekey else None
        if wanted and wanted not in self and _valid_citekey(wanted):
            key = wanted
        else:
            key = make_citekey(work, self)
        self._claimed.add(key)
        return key


_CITEKEY_BREAKERS = re.compile(r"[\s,]")


def _valid_citekey(key: str) -> bool:
    return bool(key) and len(key) <= 200 and not _CITEKEY_BREAKERS.search(key)


def _study_id_with(store: Store, column: str, value: Any) -> int | None:
    """The id of the study whose ``column`` is ``value`` (an indexed lookup that decodes
    nothing: most lookups during an import find no study)."""
    hit = store.execute(f"select id from studies where [{column}] = ?", [value]).fetchone()
    return None if hit is None else int(hit[0])


def find_study_row(store: Store, work: Work) -> dict[str, Any] | None:
    for column in ID_COLUMNS:
        value = getattr(work, column)
        if value:
            study_id = _study_id_with(store, column, value)
            if study_id is not None:
                return store.one("select * from studies where id = ?", [study_id])
    return None


def _same_entry(store: Store, work: Work) -> dict[str, Any] | None:
    """The study saved earlier from this same bibliography entry: same citekey, no
    identifier that disagrees, probably the same work. Importing a file again (after an
    interruption, or to pick up edits) then updates those studies instead of adding a
    second copy of each entry that has no identifier."""
    if not work.citekey:
        return None
    row = store.one("select * from studies where citekey = ?", [normal_citekey(work.citekey)])
    if row is None:
        return None
    for column in ID_COLUMNS:
        ours, theirs = getattr(work, column), row.get(column)
        if ours and theirs and str(ours).lower() != str(theirs).lower():
            return None
    # Imported here: see library_duplicates.find_probable_duplicate.
    from bib.matching.duplicates import probable_duplicate

    return row if probable_duplicate(work, row_to_work(row)) else None


def save_work(
    store: Store,
    work: Work,
    *,
    by_user: bool = False,
    citekeys: CitekeyRegistry | None = None,
) -> SaveResult:
    """Insert or update one study (and its notices) all or nothing: in a transaction of
    its own, or a savepoint of the caller's."""
    with store.savepoint():
        return _save_work(store, work, by_user=by_user, citekeys=citekeys)


def fill_new_row(
    row: dict[str, Any],
    work: Work,
    citekey: str,
    duplicate: dict[str, Any] | None,
    *,
    by_user: bool,
    stamp: str,
) -> None:
    """Complete ``work_to_row``'s row with what a new study gets once, when inserted."""
    row["citekey"] = citekey
    row["duplicate_of"] = duplicate["id"] if duplicate else None
    row["user_fields"] = (
        # not _empty(value), spelled out: this runs for every entry of an import
        [
            k
            for k in _USER_FIELD_COLUMNS
            if (v := row.get(k)) or (v is not None and v != "" and v != [] and v != {})
        ]
        if by_user
        else []
    )
    row["added_at"] = stamp
    row["updated_at"] = stamp
    row["fetched_at"] = None if work.source in _FILE_SOURCES else stamp


# The fields a user can set by hand, sorted (the order user_fields lists them in).
_USER_FIELD_COLUMNS = tuple(sorted((*ID_COLUMNS, *META_COLUMNS, *LIST_COLUMNS)))
# Sources that are not a fetch from a service: no fetched_at stamp.
_FILE_SOURCES = ("user", "bibtex", "csl-json", "ris")


def _save_work(
    store: Store, work: Work, *, by_user: bool, citekeys: CitekeyRegistry | None
) -> SaveResult:
    stamp = now()
    row = work_to_row(work)
    existing = find_study_row(store, work) or _same_entry(store, work)
    if existing is None:
        # No identifier of this work belongs to a study yet (find_study_row probed each
        # one), so none of its unique columns can clash.
        registry = citekeys or CitekeyRegistry(store)
        duplicate = find_probable_duplicate(store, work)
        fill_new_row(row, work, registry.claim(work), duplicate, by_user=by_user, stamp=stamp)
        study_id = store.insert("studies", row)
        _save_notices(store, study_id, work.notices)
        return SaveResult(
            study_id,
            row["citekey"],
            created=True,
            duplicate_of=duplicate["citekey"] if duplicate else None,
        )
    changed = _update_existing(store, existing, work, row, by_user=by_user, stamp=stamp)
    return SaveResult(existing["id"], existing["citekey"], created=False, changed=changed)


def fill_study(store: Store, existing: dict[str, Any], work: Work) -> list[str]:
    """Fill in one stored study from a work the services describe, never creating a
    study: what the study lacks is added, what a user set is kept, an identifier another
    study holds is left to it. Returns the changed fields."""
    with store.savepoint():
        return _update_existing(
            store, existing, work, work_to_row(work), by_user=False, stamp=now()
        )


def _update_existing(
    store: Store,
    existing: dict[str, Any],
    work: Work,
    row: dict[str, Any],
    *,
    by_user: bool,
    stamp: str,
) -> list[str]:
    user_fields = set(existing.get("user_fields") or [])
    updates: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("source", "dedup_key", "first_page") or _empty(value):
            continue
        if key in user_fields and not by_user:
            continue
        if key in UNIQUE_ID_COLUMNS and value != existing.get(key):
            owner = store.one(f"select id from studies where {key} = ?", [value])
            if owner and owner["id"] != existing["id"]:
                continue
        if key == "provenance":
            value = {**(existing.get("provenance") or {}), **value}
        if key == "extra":
            value = {**(existing.get("extra") or {}), **value}
        if value != existing.get(key):
            updates[key] = value
    if by_user:
        touched = {k for k in (*ID_COLUMNS, *META_COLUMNS, *LIST_COLUMNS) if not _empty(row.get(k))}
        if not touched <= user_fields:
            updates["user_fields"] = sorted(user_fields | touched)
    changed = sorted(k for k in updates if k not in ("provenance", "extra", "user_fields"))
    if "authors" in updates or "year" in updates:
        merged = row_to_work({**existing, **updates})
        updates["dedup_key"] = dedup_key(merged)
    if "pages" in updates:
        updates["first_page"] = study_first_page(updates["pages"])
    if updates:
        updates["updated_at"] = stamp
        if work.source not in _FILE_SOURCES:
            updates["fetched_at"] = stamp
        store.update("studies", existing["id"], updates)
    _save_notices(store, existing["id"], work.notices)
    return changed


def _save_notices(store: Store, study_id: int, notices: Iterable[Notice]) -> None:
    for n in notices:
        store.insert_ignore(
            "notices",
            {
                "study_id": study_id,
                "kind": n.kind,
                "source": n.source,
                "date": n.date,
                "doi": n.doi or "",
                "pmid": n.pmid,
                "reason": n.reason,
            },
        )
    if any(n.kind == "retraction" for n in notices):
        store.update("studies", study_id, {"retracted": 1})


# --- finding studies ------------------------------------------------------------------


def get_study(store: Store, ref: str) -> dict[str, Any]:
    """A study row by citekey, DOI, PMID (``pmid:`` or digits), other identifier, or row id."""
    ref = ref.strip()
    row = study_by_citekey(store, ref)
    if row:
        return row
    try:
        ident: Identifier | None = parse_identifier(ref)
    except Exception:
        ident = None
    if ident and ident.kind in ID_COLUMNS:
        row = store.one(f"select * from studies where {ident.kind} = ?", [ident.value])
        if row:
            return row
    if ref.startswith("#") and ref[1:].isdigit():
        row = store.one("select * from studies where id = ?", [int(ref[1:])])
        if row:
            return row
    raise StudyNotFound(
        f'No study "{ref}" in the library. Use `evidence studies` to list citekeys, '
        "or `evidence add` to add it"
    )


def study_by_citekey(store: Store, key: str) -> dict[str, Any] | None:
    """The study whose citekey is ``key``, else the one whose key differs from it only by
    case (BibTeX's keys are case-insensitive); None when there is none. Raises
    AmbiguousCitekey, naming them, when several keys differ from ``key`` only by case."""
    key = normal_citekey(key)
    # The collated index (store.schema.COLLATED_INDEXES) finds every case of the key.
    rows = store.query("select * from studies where citekey = ? collate nocase", [key])
    exact = [r for r in rows if r["citekey"] == key]
    if exact or len(rows) == 1:
        return (exact or rows)[0]
    if not rows:
        return None
    raise AmbiguousCitekey(case_twins_message(key, [r["citekey"] for r in rows]))


def list_studies(store: Store) -> list[dict[str, Any]]:
    return store.query("select * from studies order by citekey")


def _among(study_ids: Collection[int] | None) -> tuple[str, list[Any]]:
    """A ``where`` clause limiting ``study_id`` to ``study_ids`` (none: every study),
    the ids passed as one JSON parameter so any number of them fits one query."""
    if study_ids is None:
        return "", []
    return " where study_id in (select value from json_each(?))", [json.dumps(list(study_ids))]


def latest_checks(
    store: Store, study_ids: Collection[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Each study's most recent verification (one query; the raw response left out);
    with ``study_ids``, of those studies only."""
    where, params = "", []
    if study_ids is not None:
        where, params = (
            " where s.id in (select value from json_each(?))",
            [json.dumps(list(study_ids))],
        )
    return {
        r["study_id"]: r
        for r in store.query(
            "select c.study_id, c.checked_at, c.status, c.sources, c.mismatches, c.reason, "
            f"c.verification from studies s join checks c on c.id = s.latest_check{where}",
            params,
        )
    }


def notices_by_study(
    store: Store, study_ids: Collection[int] | None = None
) -> dict[int, list[dict[str, Any]]]:
    where, params = _among(study_ids)
    # Sorted here, not by SQLite: an `order by id` tempts the planner to walk the whole
    # table in id order instead of looking the few studies up in the study_id index.
    rows = store.query(f"select * from notices{where}", params)
    out: dict[int, list[dict[str, Any]]] = {}
    for n in sorted(rows, key=lambda n: n["id"]):
        out.setdefault(n["study_id"], []).append(n)
    return out


def study_object(
    row: dict[str, Any],
    notices: list[dict[str, Any]],
    check: dict[str, Any] | None,
) -> dict[str, Any]:
    """The study JSON object of DESIGN.md (keys may be added, never renamed)."""
    pub_types = row.get("publication_types") or []
    verification: dict[str, Any]
    if check:
        evidence = check.get("verification") or {}
        verification = {
            "status": check["status"],
            "checked_at": check["checked_at"],
            "sources": check.get("sources") or [],
            "mismatches": check.get("mismatches") or [],
            "reason": check.get("reason"),
            "verdict": check["status"],
            "likely": evidence.get("likely"),
            "fields": evidence.get("fields") or [],
            "matched": evidence.get("matched"),
            "searched": evidence.get("searched") or [],
        }
    else:
        verification = {
            "status": "unverified",
            "checked_at": None,
            "sources": [],
            "mismatches": [],
            "reason": "not checked yet",
            "verdict": "unverified",
            "likely": None,
            "fields": [],
            "matched": None,
            "searched": [],
        }
    retracted = bool(row.get("retracted")) or any(n["kind"] == "retraction" for n in notices)
    return {
        "id": row["citekey"],
        "citekey": row["citekey"],
        "doi": row.get("doi"),
        "pmid": row.get("pmid"),
        "pmcid": row.get("pmcid"),
        "arxiv": row.get("arxiv"),
        "isbn": row.get("isbn"),
        "openalex": row.get("openalex"),
        "title": row.get("title"),
        "authors": [
            {"family": a.get("family", ""), "given": a.get("given", "")}
            for a in row.get("authors") or []
        ],
        "journal": row.get("journal"),
        "issn": row.get("issn") or [],
        "year": row.get("year"),
        "volume": row.get("volume"),
        "issue": row.get("issue"),
        "pages": row.get("pages"),
        "type": row.get("type"),
        # PubMed's curated types when there are any; the services' coarse labels otherwise.
        "publication_types": list(
            dict.fromkeys(
                p["name"]
                for p in pub_types
                if p.get("source", "pubmed") == "pubmed"
                or not any(q.get("source", "pubmed") == "pubmed" for q in pub_types)
            )
        ),
        "evidence_level": row.get("evidence_level"),
        "retracted": retracted,
        "notices": [
            {
                "kind": n["kind"],
                "source": n["source"],
                "date": n.get("date"),
                "doi": n.get("doi") or None,
                "pmid": n.get("pmid"),
            }
            for n in notices
        ],
        "verification": verification,
        "duplicate_of": row.get("duplicate_of"),
        "abstract": row.get("abstract"),
        "url": row.get("url"),
        "added_at": row.get("added_at"),
    }


def study_objects(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Study objects for many rows with a bounded number of queries, each reading only
    what these rows need."""
    ids = [r["id"] for r in rows]
    notices = notices_by_study(store, ids)
    checks = latest_checks(store, ids)
    originals = {r["duplicate_of"] for r in rows if r.get("duplicate_of")}
    dup_keys = (
        {
            r["id"]: r["citekey"]
            for r in store.query(
                "select id, citekey from studies where id in (select value from json_each(?))",
                [json.dumps(sorted(originals))],
            )
        }
        if originals
        else {}
    )
    out = []
    for row in rows:
        obj = study_object(row, notices.get(row["id"], []), checks.get(row["id"]))
        if row.get("duplicate_of"):
            obj["duplicate_of"] = dup_keys.get(row["duplicate_of"])
        out.append(obj)
    return out
