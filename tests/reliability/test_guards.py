"""Guards against losing the database or leaking requests by a slip of the hand, run
through the installed command as a user would type it:

- an --output that names the database (by any path: itself, its -wal or -shm file, a hard
  link, a symlink, the HTTP cache) is refused before anything is written;
- EVIDENCE_OFFLINE is read as a switch with the usual spellings, and any other value is an
  error, never "online";
- a command that only reads refuses a database that does not exist instead of creating
  an empty one that passes `check`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from fake_services import OPENALEX_TEST_KEY, FakeServices

from tests.reliability.conftest import assert_clean_failure, run_child

pytestmark = pytest.mark.reliability

ARTICLE = (
    "Massage therapy reduced anxiety in 50 adults (doi:10.5555/guard.1).\n\n"
    "Research has shown that massage lowers blood pressure in older adults.\n"
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A database with a document, its claims and a study."""
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    db = tmp_path / "evidence.db"
    env = {"EVIDENCE_DB": str(db), "EVIDENCE_OFFLINE": "1"}
    assert run_child(["ingest", str(doc)], env).code == 0
    assert run_child(["add", "--no-fetch", "pmid:8870945"], env).code == 0
    return db


def test_output_never_replaces_the_database(library: Path, tmp_path: Path) -> None:
    db = library
    env = {"EVIDENCE_DB": str(db), "EVIDENCE_OFFLINE": "1"}
    hard = tmp_path / "hard-link.bib"
    os.link(db, hard)
    soft = tmp_path / "link.json"
    soft.symlink_to(db)
    other = tmp_path / "sub"
    other.mkdir()
    by_other_path = other / ".." / db.name
    targets = [
        db,
        by_other_path,
        hard,
        soft,
        db.with_name(db.name + "-wal"),
        db.with_name(db.name + "-shm"),
        db.with_name(db.name + ".http-cache"),
    ]
    before = digest(db)
    for target in targets:
        for args in (
            ["export", "--format", "bibtex", "--output", str(target)],
            ["report", "--format", "json", "--output", str(target)],
        ):
            run = run_child(args, env)
            assert_clean_failure(run, 2)
            assert "database" in run.stderr and "Choose another --output" in run.stderr, run
            assert run.stderr.count("\n") == 1, run.stderr
    assert digest(db) == before
    # the database still answers, and an ordinary --output still works
    assert run_child(["studies", "--json"], env).code == 0
    out = tmp_path / "library.bib"
    assert run_child(["export", "--output", str(out)], env).code == 0
    assert "@" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On", " true "])
def test_offline_spellings_send_nothing(
    value: str, fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.add(doi="10.5555/guard.1", title="Massage and anxiety", year=2001)
    env = {
        **fake_services.env(),
        "EVIDENCE_OPENALEX_KEY": OPENALEX_TEST_KEY,
        "EVIDENCE_DB": str(tmp_path / "e.db"),
        "EVIDENCE_OFFLINE": value,
    }
    run = run_child(["add", "10.5555/guard.1"], env)
    assert run.code == 1, run.output  # not in the (empty) cache: a failed item
    assert sum(fake_services.counts.values()) == 0, dict(fake_services.counts)


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_online_spellings_ask_the_services(
    value: str, fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.add(doi="10.5555/guard.1", title="Massage and anxiety", year=2001)
    env = {
        **fake_services.env(),
        "EVIDENCE_OPENALEX_KEY": OPENALEX_TEST_KEY,
        "EVIDENCE_DB": str(tmp_path / "e.db"),
        "EVIDENCE_OFFLINE": value,
    }
    run = run_child(["add", "10.5555/guard.1"], env)
    assert run.code == 0, run.output
    assert fake_services.count("crossref") >= 1


@pytest.mark.parametrize("value", ["ture", "offline", "2", "y e s"])
def test_unknown_offline_value_is_refused_before_any_request(
    value: str, fake_services: FakeServices, tmp_path: Path
) -> None:
    env = {
        **fake_services.env(),
        "EVIDENCE_DB": str(tmp_path / "e.db"),
        "EVIDENCE_OFFLINE": value,
    }
    run = run_child(["add", "10.5555/guard.1"], env)
    assert_clean_failure(run, 2)
    assert f'EVIDENCE_OFFLINE="{value}"' in run.stderr
    assert sum(fake_services.counts.values()) == 0
    assert not (tmp_path / "e.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["claims"],
        ["studies"],
        ["show", "field1996"],
        ["search", "massage"],
        ["report"],
        ["export"],
        ["retractions", "status"],
    ],
)
def test_reading_commands_refuse_a_missing_database(args: list[str], tmp_path: Path) -> None:
    typo = tmp_path / "evidnce.db"
    run = run_child(["--db", str(typo), *args])
    assert_clean_failure(run, 2)
    assert f"{typo}: no such database" in run.stderr
    assert not typo.exists()


def test_writing_commands_still_create_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    assert run_child(["--db", str(db), "ingest", str(doc)]).code == 0
    assert db.exists()
    run = run_child(["--db", str(db), "check"])
    assert run.code == 1 and "vague" in run.stdout  # the gate sees the claims
