"""The database under conditions a user meets sooner or later, run through the installed
command:

- two documents whose names give the same claim-id prefix and that share sentences;
- two `ingest` of one new document at the same moment;
- a database from a newer version of evidence (refused, with a word to upgrade) or from
  an older one (migrated);
- a damaged page (one line saying how to recover; nothing written into it);
- a database on a read-only mount or in a read-only folder (reading works);
- another process holding the write lock (the wait is announced, its end reported);
- a disk that fills up during `retractions update` (the full disk is what is said).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from evidence.store import Store, opening
from evidence.store.schema import SCHEMA_VERSION
from tests.helpers import damage_studies_table
from tests.reliability.conftest import (
    Run,
    assert_clean_failure,
    assert_consistent,
    child_env,
    evidence_command,
    run_child,
)

pytestmark = pytest.mark.reliability

ARTICLE = (
    "Massage therapy reduced anxiety by 30% in 50 adults (doi:10.5555/store.1).\n\n"
    "Research has shown that massage lowers blood pressure in older adults.\n"
)
READING = [
    ["studies", "--json"],
    ["claims", "--json"],
    ["check"],
    ["export"],
    ["report", "--format", "json"],
    ["search", "massage"],
    ["retractions", "status"],
]


def library(folder: Path) -> Path:
    """A database with a document, its claims and a study."""
    doc = folder / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    db = folder / "evidence.db"
    assert run_child(["--db", str(db), "ingest", str(doc)]).code == 0
    assert run_child(["--db", str(db), "add", "--no-fetch", "pmid:8870945"]).code == 0
    return db


def citekey(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("select citekey from studies").fetchone()[0])
    finally:
        conn.close()


def stable(run: Run) -> str:
    """A command's output without the time it was made at."""
    return re.sub(r'"generated_at": "[^"]*"', "", run.stdout)


def checkpointed(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@contextmanager
def tmpfs(mount: Path, size: str) -> Iterator[bool]:
    """A tmpfs at ``mount`` when this process may mount one (yields False otherwise)."""
    mount.mkdir(exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    try:
        yield proc.returncode == 0
    finally:
        if proc.returncode == 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


# --- 11b: claim ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        ("article.txt", "article.md"),
        ("massage-and-anxiety-review-draft.txt", "massage-and-anxiety-review-final.txt"),
    ],
)
def test_documents_sharing_a_prefix_and_sentences(names: tuple[str, str], tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    for name in names:
        (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
        run = run_child(["--db", str(db), "ingest", str(tmp_path / name)])
        assert run.code == 0, run.output
    first_ids = run_child(["--db", str(db), "claims", "--json", "-d", names[0]]).json()
    second_ids = run_child(["--db", str(db), "claims", "--json", "-d", names[1]]).json()
    assert len(first_ids) == len(second_ids) == 2
    assert not {c["id"] for c in first_ids} & {c["id"] for c in second_ids}
    # Ingesting either again keeps every id.
    for name in names:
        assert run_child(["--db", str(db), "ingest", str(tmp_path / name)]).code == 0
    assert run_child(["--db", str(db), "claims", "--json", "-d", names[0]]).json() == first_ids
    assert_consistent(db, identifiers_required=False)


# --- 12: two ingests at once -----------------------------------------------------------


def test_connections_converting_one_new_file_at_once_all_convert(tmp_path: Path) -> None:
    """Opening a new library converts it to write-ahead logging (opening.use_wal);
    SQLite refuses, at once and without the busy timeout, one of two connections
    converting it together. Eight connections convert one new file at the same moment,
    eighty times: every one succeeds. (With the plain PRAGMA a few rounds in a hundred
    had one fail: this test failed for it in two runs of three at forty rounds.)"""
    failures: list[str] = []
    for round_ in range(80):
        db = tmp_path / f"new{round_}.db"
        start = threading.Barrier(8)

        def convert(db: Path = db, start: threading.Barrier = start) -> None:
            conn = opening.connect(db, read_only=False, timeout=5)
            try:
                conn.execute("PRAGMA busy_timeout = 5000")
                conn.execute("select count(*) from sqlite_master").fetchone()
                start.wait()
                opening.use_wal(conn, 5)
            except sqlite3.Error as exc:
                failures.append(str(exc))
            finally:
                conn.close()

        threads = [threading.Thread(target=convert) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    assert sqlite3.connect(tmp_path / "new0.db").execute("PRAGMA journal_mode").fetchone() == (
        "wal",
    )


def test_two_ingests_of_one_new_document_at_once(tmp_path: Path) -> None:
    """Both look for the document before either has saved it (reading and extracting
    take a moment); both must finish, and the database holds the document once."""
    doc = tmp_path / "review.md"
    doc.write_text(
        "\n\n".join(
            f"Massage therapy reduced anxiety by {10 + i % 50}% in {20 + i} adults "
            f"(doi:10.5555/both.{i}). Studies show that sleep improved in week {i}."
            for i in range(300)
        )
        + "\n",
        encoding="utf-8",
    )
    for attempt in range(4):
        db = tmp_path / f"race{attempt}.db"
        if attempt % 2:
            # The database exists, so that the two race on the document alone.
            Store(db).close()
        procs = [
            subprocess.Popen(
                [*evidence_command(), "--db", str(db), "ingest", str(doc)],
                env=child_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=300) for p in procs]
        for proc, (_out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err
            assert "Traceback" not in err
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("select count(*) from documents").fetchone()[0] == 1
            claims = conn.execute("select count(*) from claims").fetchone()[0]
        finally:
            conn.close()
        assert claims >= 300
        assert_consistent(db, identifiers_required=False)


# --- 13: schema versions ----------------------------------------------------------------


def test_a_newer_database_is_refused_and_an_older_one_migrated(tmp_path: Path) -> None:
    db = library(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("alter table claims rename column text to body")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    checkpointed(db)
    before = db.read_bytes()
    for args in (["claims"], ["report"], ["ingest", str(tmp_path / "article.md")]):
        run = run_child(["--db", str(db), *args])
        assert_clean_failure(run, 2)
        assert "newer version of evidence" in run.stderr and "Upgrade evidence" in run.stderr
        assert run.stderr.count("\n") == 1, run.stderr
    assert db.read_bytes() == before

    # A database of a version before the schema version was recorded, and before the
    # retractions table: a reading command brings it up to date.
    (tmp_path / "old").mkdir()
    old = library(tmp_path / "old")
    conn = sqlite3.connect(old)
    conn.execute("drop table retractions")
    conn.execute("delete from _sqlite_migrations where name = 'm002_retractions'")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    run = run_child(["--db", str(old), "retractions", "status"])
    assert run.code == 0 and "0 notices" in run.stdout, run.output
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


# --- 14: a damaged page -------------------------------------------------------------------


def damage(db: Path) -> None:
    """Overwrite the root page of the studies table."""
    checkpointed(db)
    damage_studies_table(db)


def test_a_damaged_database_says_how_to_recover_and_is_not_written(tmp_path: Path) -> None:
    db = library(tmp_path)
    key = citekey(db)
    damage(db)
    before = db.read_bytes()
    for args in (["studies"], ["show", key], ["export"]):
        run = run_child(["--db", str(db), *args])
        assert_clean_failure(run, 2)
        assert f"{db} is damaged" in run.stderr and ".recover" in run.stderr, run.stderr
        assert run.stderr.count("\n") == 1, run.stderr
    for args in (["add", "--no-fetch", "10.5555/store.2"], ["ingest", str(tmp_path / "x.md")]):
        (tmp_path / "x.md").write_text("Massage lowered pain by 20% in 40 adults.\n")
        run = run_child(["--db", str(db), *args])
        assert_clean_failure(run, 2)
        assert "is damaged" in run.stderr and "nothing was written" in run.stderr, run.stderr
    assert db.read_bytes() == before


# --- 15: read-only ------------------------------------------------------------------------


def test_a_read_only_database_can_be_read(tmp_path: Path) -> None:
    """On a read-only mount (as root, whom permissions do not stop) or in a folder and
    file without write permission (as anyone else), every reading command works and a
    writing one says why it cannot."""
    mount = tmp_path / "ro"
    with tmpfs(mount, "16m") as mounted:
        if os.geteuid() == 0 and not mounted:
            pytest.skip("root, and no tmpfs to mount read-only")
        db = library(mount)
        reading = [*READING, ["show", citekey(db)]]
        expected = {" ".join(args): stable(run_child(["--db", str(db), *args])) for args in reading}
        checkpointed(db)
        if mounted:
            proc = subprocess.run(
                ["mount", "-o", "remount,ro", str(mount)], capture_output=True, check=False
            )
            assert proc.returncode == 0, proc.stderr
        else:
            db.chmod(0o444)
            mount.chmod(0o555)
        try:
            files = sorted(p.name for p in mount.iterdir())
            for args in reading:
                run = run_child(["--db", str(db), *args])
                assert run.code in (0, 1), run.output  # `check` fails on the vague claim
                assert "Error" not in run.stderr, run.stderr
                assert stable(run) == expected[" ".join(args)]
            run = run_child(["--db", str(db), "add", "--no-fetch", "10.5555/store.3"])
            assert_clean_failure(run, 2)
            assert "cannot be written" in run.stderr and "read-only" in run.stderr, run.stderr
            assert sorted(p.name for p in mount.iterdir()) == files
        finally:
            if not mounted:
                mount.chmod(0o755)
                db.chmod(0o644)


# --- 16: a locked database ----------------------------------------------------------------


def hold_write_lock(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_locked_database_is_announced_and_reported(tmp_path: Path) -> None:
    db = library(tmp_path)
    holder = hold_write_lock(db)
    try:
        env = {"EVIDENCE_LOCK_TIMEOUT": "2"}
        run = run_child(["--db", str(db), "add", "--no-fetch", "10.5555/store.4"], env)
        assert_clean_failure(run, 1)
        assert f"Another process is writing to {db}; waiting" in run.stderr, run.stderr
        errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "another process is writing" in errors[0], run.stderr
        assert "--db path" not in run.stderr
        # Reading is not held up by a writer.
        assert run_child(["--db", str(db), "studies"], env).code == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # The other process finishes within the wait: the command says it waited, then works.
    holder = hold_write_lock(db)
    release = threading.Timer(4.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        began = time.monotonic()
        run = run_child(["--db", str(db), "add", "--no-fetch", "10.5555/store.5"])
        assert run.code == 0, run.output
        assert "waiting for it to finish" in run.stderr, run.stderr
        assert time.monotonic() - began < 30
    finally:
        release.join()
        holder.close()

    run = run_child(
        ["--db", str(db), "add", "--no-fetch", "10.5555/store.6"], {"EVIDENCE_LOCK_TIMEOUT": "soon"}
    )
    assert_clean_failure(run, 2)
    assert "EVIDENCE_LOCK_TIMEOUT" in run.stderr


# --- 17: a full disk -----------------------------------------------------------------------


def retraction_csv(path: Path, rows: int) -> Path:
    lines = [
        "Record ID,Title,RetractionDOI,RetractionPubMedID,OriginalPaperDOI,"
        "OriginalPaperPubMedID,RetractionNature,Reason,RetractionDate,Journal"
    ]
    lines += [
        f"{i},A retracted paper number {i} about massage and sleep,10.9999/ret.{i},,"
        f"10.5555/orig.{i},{40000000 + i},Retraction,+Fabrication of data;+Concerns about "
        f"results,2020-01-01,Journal of Things {i % 50}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_retractions_update_on_a_full_disk_says_the_disk_is_full(tmp_path: Path) -> None:
    small = retraction_csv(tmp_path / "small.csv", 10)
    big = retraction_csv(tmp_path / "big.csv", 60000)
    with tmpfs(tmp_path / "disk", "3m") as mounted:
        if not mounted:
            pytest.skip("no tmpfs to fill (needs mount permission)")
        db = tmp_path / "disk" / "evidence.db"
        assert run_child(["--db", str(db), "retractions", "update", "--file", str(small)]).code == 0
        run = run_child(["--db", str(db), "retractions", "update", "--file", str(big)])
        assert_clean_failure(run, 1)
        errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "disk is full" in errors[0], run.stderr
        assert "cannot rollback" not in run.stderr
        status = run_child(["--db", str(db), "retractions", "status"])
        assert status.code == 0 and status.stdout.startswith("10 notices"), status.output
        assert_consistent(db, identifiers_required=False)
