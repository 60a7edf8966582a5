"""The schema, declared as data, and the migrations that apply it.

TABLES, INDEXES, FTS and the foreign keys are the one description of the database;
``ensure_declared`` creates whatever of it a database lacks (idempotent), and each
numbered migration (sqlite-utils ``Migrations``) calls it, so a database made by an
older version gains the tables and columns declared since.

The schema version is the number of migrations; the store records it in SQLite's
``user_version`` so that an older evidence refuses a database a newer one has changed.

sqlite-utils is imported only when a migration runs or a table is asked for (its
import costs a command tens of milliseconds): a library that is up to date opens
without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.db import Table
    from sqlite_utils.migrations import Migrations

# A migration: a function that brings the database one step on, through sqlite-utils.
Migration = Callable[["sqlite_utils.Database"], None]

# Columns whose value is stored as JSON text.
JSON_COLUMNS = {
    "authors",
    "issn",
    "publication_types",
    "keywords",
    "extra",
    "provenance",
    "user_fields",
    "reasons",
    "mismatches",
    "response",
    "sources",
    "data",
    "numbers",
    "work",
    "verification",
}

# Schema as data: table -> (columns, primary key, foreign keys).
TABLES: dict[str, dict[str, Any]] = {
    "studies": {
        "columns": {
            "id": int,
            "citekey": str,
            "doi": str,
            "pmid": str,
            "pmcid": str,
            "arxiv": str,
            "isbn": str,
            "openalex": str,
            "s2": str,
            "title": str,
            "authors": str,
            "journal": str,
            "journal_abbrev": str,
            "issn": str,
            "publisher": str,
            "year": int,
            "date": str,
            "volume": str,
            "issue": str,
            "pages": str,
            "type": str,
            "publication_types": str,
            "evidence_level": str,
            "abstract": str,
            "url": str,
            "language": str,
            "keywords": str,
            "retracted": int,
            "extra": str,
            "provenance": str,
            # fields a user set by hand: fetched metadata never overwrites them
            "user_fields": str,
            # probable duplicate of another study (fuzzy title + year + first author)
            "duplicate_of": int,
            # first author (folded) and year: narrows probable-duplicate searches
            "dedup_key": str,
            # the first page of ``pages`` as bib.matching.duplicates.first_page reads it
            # (lower-cased, "e1002" of "e1002-e1010"; null without one): narrows them too
            "first_page": str,
            "source": str,
            "added_at": str,
            "updated_at": str,
            "fetched_at": str,
            # the id of the study's latest check (the checks_latest_* triggers keep it)
            "latest_check": int,
        },
        "pk": "id",
        "foreign_keys": [],
        "not_null": {"citekey"},
    },
    "notices": {
        "columns": {
            "id": int,
            "study_id": int,
            "kind": str,
            "source": str,
            "date": str,
            "doi": str,
            "pmid": str,
            "reason": str,
        },
        "pk": "id",
        "foreign_keys": [("study_id", "studies", "id")],
        "not_null": {"study_id", "kind", "source"},
    },
    "checks": {
        "columns": {
            "id": int,
            "study_id": int,
            "checked_at": str,
            "status": str,
            "sources": str,
            "mismatches": str,
            "reason": str,
            "response": str,
            # The verdict's evidence: fields with severities, the matched record, the
            # searches made, likely fabricated or miscited (bib.checking.verdict).
            "verification": str,
        },
        "pk": "id",
        "foreign_keys": [("study_id", "studies", "id")],
        "not_null": {"study_id", "status"},
    },
    "documents": {
        "columns": {
            "id": int,
            "name": str,
            "path": str,
            "sha256": str,
            "format": str,
            "ingested_at": str,
            "data": str,
        },
        "pk": "id",
        "foreign_keys": [],
        "not_null": {"name"},
    },
    "claims": {
        "columns": {
            "id": str,
            "document_id": int,
            "position": int,
            "text": str,
            "start": int,
            "end": int,
            "checkworthiness": float,
            "reasons": str,
            "block": str,
            # set when an edited document no longer has this claim but tags still point at it
            "removed_at": str,
        },
        "pk": "id",
        "foreign_keys": [("document_id", "documents", "id")],
        "not_null": {"document_id", "text"},
    },
    "mentions": {
        "columns": {
            "id": int,
            "claim_id": str,
            "document_id": int,
            "kind": str,
            "text": str,
            "start": int,
            "end": int,
            "journal": str,
            "institution": str,
            "authors": str,
            "year": int,
            "identifier": str,
            "citekey": str,
            "reference": str,
            "numbers": str,
            "data": str,
            "study_id": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("claim_id", "claims", "id"),
            ("document_id", "documents", "id"),
            ("study_id", "studies", "id"),
        ],
        "not_null": {"claim_id", "document_id", "kind"},
    },
    # Candidate works for a mention (reference string or narrative attribution), scored.
    # A candidate is not a study of the library until it is accepted (then study_id).
    "candidates": {
        "columns": {
            "id": int,
            "mention_id": int,
            "study_id": int,
            "doi": str,
            "title": str,
            "journal": str,
            "year": int,
            "work": str,
            "score": float,
            "reasons": str,
            "rank": int,
            "accepted": int,
        },
        "pk": "id",
        "foreign_keys": [("mention_id", "mentions", "id"), ("study_id", "studies", "id")],
        "not_null": {"mention_id"},
    },
    # Retraction Watch data (Crossref's open CSV), loaded by `evidence retractions update`.
    "retractions": {
        "columns": {
            "id": int,
            "record_id": str,
            "original_doi": str,
            "original_pmid": str,
            "notice_doi": str,
            "notice_pmid": str,
            "kind": str,
            "date": str,
            "reason": str,
            "title": str,
            "journal": str,
        },
        "pk": "id",
        "foreign_keys": [],
        "not_null": {"kind"},
    },
    # What the extractor found in each prose block of a document, by a digest of all it
    # read there (evidence.ingest_cache): a re-ingest re-extracts the changed blocks only.
    "extraction_blocks": {
        "columns": {
            "id": int,
            "document_id": int,
            "key": str,
            "result": str,
        },
        "pk": "id",
        "foreign_keys": [("document_id", "documents", "id")],
        "not_null": {"document_id", "key", "result"},
    },
    "evidence": {
        "columns": {
            "id": int,
            "claim_id": str,
            "study_id": int,
            "stance": str,
            "origin": str,
            "note": str,
            "created_at": str,
        },
        "pk": "id",
        "foreign_keys": [("claim_id", "claims", "id"), ("study_id", "studies", "id")],
        "not_null": {"claim_id", "study_id", "stance", "origin"},
    },
}

# (table, columns, unique)
INDEXES: list[tuple[str, list[str], bool]] = [
    ("studies", ["citekey"], True),
    ("studies", ["doi"], True),
    ("studies", ["pmid"], True),
    ("studies", ["pmcid"], False),
    ("studies", ["arxiv"], False),
    ("studies", ["isbn"], False),
    # Every identifier a study is recognised by (library.find_study_row, the chunked
    # probes of an import) is looked up through an index.
    ("studies", ["openalex"], False),
    ("studies", ["s2"], False),
    # The studies of a journal an attribution names (resolve.journal_studies), and the
    # journal names themselves, read from the index rather than the table.
    ("studies", ["journal", "journal_abbrev"], False),
    ("notices", ["study_id", "kind", "source", "doi"], True),
    ("checks", ["study_id"], False),
    ("documents", ["name"], True),
    ("claims", ["document_id", "position"], False),
    ("mentions", ["claim_id"], False),
    ("mentions", ["document_id"], False),
    # Mentions still to resolve (`where study_id is null`), and what cites a study.
    ("mentions", ["study_id"], False),
    ("candidates", ["mention_id"], False),
    ("candidates", ["study_id"], False),
    ("evidence", ["claim_id", "study_id", "origin"], True),
    ("extraction_blocks", ["document_id", "key"], True),
    ("evidence", ["study_id"], False),
    ("retractions", ["original_doi"], False),
    ("retractions", ["original_pmid"], False),
]

# (table, column, collation): indexes that compare a column in another collation. A
# citekey is looked up whatever its ASCII case, as BibTeX compares keys
# (library.get_study), in one indexed step however large the library.
COLLATED_INDEXES: list[tuple[str, str, str]] = [("studies", "citekey", "nocase")]

# (name, table, terms, where): indexes on expressions, partial ones. The probable-
# duplicate search (library_duplicates.duplicate_candidates) asks for the studies of one first
# author and year that are not themselves flagged, DOI-less ones only for an entry that
# has a DOI (two DOIs are two works), and among them those whose first page, volume and
# issue agree or are missing: one indexed step, however many studies share the author
# and year. The first page comes before volume and issue: an entry with pages, with or
# without a volume (a paper in proceedings), is searched on its page; one without pages
# has volume and issue read off the index's entries of its author and year.
EXPRESSION_INDEXES: list[tuple[str, str, str, str]] = [
    (
        "idx_studies_probable_duplicates",
        "studies",
        "dedup_key, doi is null, ifnull(first_page, ''), ifnull(lower(volume), ''), "
        "ifnull(lower(issue), '')",
        "duplicate_of is null",
    )
]

FTS: dict[str, list[str]] = {
    "studies": ["title", "abstract", "journal", "authors", "citekey"],
    "claims": ["text"],
}

# The name of the migration set and the table sqlite-utils records applied migrations
# in (evidence.store.opening reads it with plain SQL).
MIGRATION_SET = "evidence"
MIGRATIONS_TABLE = "_sqlite_migrations"
# Names of the migrations, in order; the schema version is their number.
MIGRATIONS: list[str] = []
# The migrations themselves, in the same order.
_MIGRATION_STEPS: list[Migration] = []


@cache
def migration_set() -> Migrations:
    """The migrations as a sqlite-utils migration set (made, and sqlite-utils
    imported, on first use)."""
    from sqlite_utils.migrations import Migrations

    found = Migrations(MIGRATION_SET)
    for step in _MIGRATION_STEPS:
        found()(step)
    return found


def table_of(db: sqlite_utils.Database, name: str) -> Table:
    """The table ``name`` (sqlite-utils also names views with ``db[name]``)."""
    from sqlite_utils.db import Table

    table = db[name]
    assert isinstance(table, Table)
    return table


def ensure_declared(db: sqlite_utils.Database) -> None:
    """Create what TABLES, INDEXES and FTS declare and the database lacks (idempotent)."""
    for name, spec in TABLES.items():
        table = table_of(db, name)
        if not table.exists():
            table.create(
                spec["columns"],
                pk=spec["pk"],
                foreign_keys=spec["foreign_keys"],
                not_null=spec["not_null"],
            )
        else:
            have = set(table.columns_dict)
            for column, kind in spec["columns"].items():
                if column not in have:
                    table.add_column(column, kind)
    for name, columns, unique in INDEXES:
        table_of(db, name).create_index(columns, unique=unique, if_not_exists=True)
    for name, column, collation in COLLATED_INDEXES:
        db.execute(
            f"create index if not exists [{collated_index_name(name, column, collation)}] "
            f"on [{name}] ([{column}] collate {collation})"
        )
    for index, name, terms, where in EXPRESSION_INDEXES:
        db.execute(f"create index if not exists [{index}] on [{name}] ({terms}) where {where}")
    for name, columns in FTS.items():
        table = table_of(db, name)
        if not db[f"{name}_fts"].exists():
            table.enable_fts(columns, create_triggers=True, tokenize="porter")


def collated_index_name(table: str, column: str, collation: str) -> str:
    return f"idx_{table}_{column}_{collation}"


def _migration(func: Migration) -> Migration:
    MIGRATIONS.append(func.__name__)
    _MIGRATION_STEPS.append(func)
    return func


@_migration
def m001_initial(db: sqlite_utils.Database) -> None:
    ensure_declared(db)


@_migration
def m002_retractions(db: sqlite_utils.Database) -> None:
    ensure_declared(db)


@_migration
def m003_check_evidence(db: sqlite_utils.Database) -> None:
    ensure_declared(db)


@_migration
def m004_citekey_nocase(db: sqlite_utils.Database) -> None:
    ensure_declared(db)


@_migration
def m005_extraction_blocks(db: sqlite_utils.Database) -> None:
    """The per-block extraction store, and a claims full-text trigger that runs only
    when a claim's text changes: a re-ingest moves the offsets of most claims of a
    document, and re-indexing each moved claim's unchanged text cost more than the rest
    of the re-ingest."""
    ensure_declared(db)
    narrow_fts_update_trigger(db, "claims")


def narrow_fts_update_trigger(db: sqlite_utils.Database, table: str) -> None:
    """Re-create ``table``'s full-text update trigger (made by sqlite-utils for any
    update) to run only when an indexed column is among those updated."""
    columns = FTS[table]
    old = ", ".join(f'old."{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    db.execute(f'drop trigger if exists "{table}_au"')
    db.execute(
        f'create trigger "{table}_au" after update of {names} on "{table}" begin\n'
        f'  insert into "{table}_fts" ("{table}_fts", rowid, {names}) '
        f"values ('delete', old.rowid, {old});\n"
        f'  insert into "{table}_fts" (rowid, {names}) values (new.rowid, {new});\n'
        "end"
    )


@_migration
def m006_probable_duplicate_index(db: sqlite_utils.Database) -> None:
    # The index on the author-and-year key alone gives way to the narrower one.
    db.execute("drop index if exists idx_studies_dedup_key")
    ensure_declared(db)


def update_studies_in_batches(db: sqlite_utils.Database, sql: str, batch: int) -> None:
    """Run ``sql``, an update of the studies whose ``id > ? and id <= ?``, over every
    study, ``batch`` ids a statement (a million-study library is not rewritten in one
    statement)."""
    last = db.execute("select coalesce(max(id), 0) from studies").fetchone()[0]
    for start in range(0, last, batch):
        db.execute(sql, [start, start + batch])


# Studies whose first page one statement of m007 fills in.
FIRST_PAGE_BATCH = 50_000


@_migration
def m007_first_page(db: sqlite_utils.Database) -> None:
    """The studies' first page, stored (no SQL expression reads a first page as
    bib.matching.duplicates.first_page does) and filled in for the studies saved
    before, and the probable-duplicate index re-made to narrow by it. The full-text
    update trigger of studies runs only when an indexed column changes, so filling the
    column does not re-index every study."""
    db.execute("drop index if exists idx_studies_probable_duplicates")
    studies = table_of(db, "studies")
    if "first_page" not in studies.columns_dict:
        studies.add_column("first_page", str)
    narrow_fts_update_trigger(db, "studies")
    fill_first_pages(db)
    ensure_declared(db)


def fill_first_pages(db: sqlite_utils.Database) -> None:
    """Set every study's ``first_page`` from its ``pages``, FIRST_PAGE_BATCH studies
    (by id) a statement, the pages read by the same function that saving uses."""
    # Imported here: opening a store must not load the matching rules.
    from bib.matching.duplicates import first_page

    def first_page_of(pages: object) -> str | None:
        # Text only: a value some other program stored as a blob has no first page.
        return first_page(pages) if isinstance(pages, str) else None

    db.conn.create_function("evidence_first_page", 1, first_page_of, deterministic=True)
    try:
        update_studies_in_batches(
            db,
            "update studies set first_page = evidence_first_page(pages) "
            "where id > ? and id <= ? and pages is not null",
            FIRST_PAGE_BATCH,
        )
    finally:
        db.conn.create_function("evidence_first_page", 1, None)


@_migration
def m008_journal_index(db: sqlite_utils.Database) -> None:
    """An index on the studies' journal names: `resolve` finds the studies of the
    journal an attribution names without reading every study."""
    ensure_declared(db)


# Studies whose latest check one statement of m009 fills in.
LATEST_CHECK_BATCH = 50_000


@_migration
def m009_latest_check(db: sqlite_utils.Database) -> None:
    """Each study's latest check id, on its row: a listing reads the study's verdict
    with one row lookup instead of a search of the checks index and a row lookup.
    Triggers on checks keep it whatever writes them; it is filled in for the checks
    made before, a batch of studies a statement."""
    studies = table_of(db, "studies")
    if "latest_check" not in studies.columns_dict:
        studies.add_column("latest_check", int)
    latest_check_triggers(db)
    update_studies_in_batches(
        db,
        "update studies set latest_check = (select max(c.id) from checks c "
        "where c.study_id = studies.id) where id > ? and id <= ?",
        LATEST_CHECK_BATCH,
    )
    ensure_declared(db)


def latest_check_triggers(db: sqlite_utils.Database) -> None:
    """Keep ``studies.latest_check`` the id of the study's newest check: a check
    inserted, deleted or moved to another study updates the studies it concerns."""
    db.execute(
        "create trigger if not exists checks_latest_ai after insert on checks begin\n"
        "  update studies set latest_check = new.id where id = new.study_id\n"
        "    and (latest_check is null or latest_check < new.id);\n"
        "end"
    )
    db.execute(
        "create trigger if not exists checks_latest_ad after delete on checks begin\n"
        "  update studies set latest_check = (select max(c.id) from checks c\n"
        "    where c.study_id = old.study_id) where id = old.study_id;\n"
        "end"
    )
    db.execute(
        "create trigger if not exists checks_latest_au after update of id, study_id "
        "on checks begin\n"
        "  update studies set latest_check = (select max(c.id) from checks c\n"
        "    where c.study_id = studies.id) where id in (old.study_id, new.study_id);\n"
        "end"
    )


SCHEMA_VERSION = len(MIGRATIONS)
