"""Checks several test modules share."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app
from evidence.errors import DocumentError
from evidence.read import read_document


def assert_document_refused(path: Path, message: str) -> None:
    """A document the readers refuse: DocumentError from the reader; through `ingest`,
    one `Error:` line naming ``message``, exit 2, and no document stored in the
    database (EVIDENCE_DB, which tests/conftest.py points at each test's folder)."""
    with pytest.raises(DocumentError, match=message):
        read_document(path)
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0]
    db = Path(os.environ["EVIDENCE_DB"])
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("select count(*) from documents").fetchone() == (0,)


def damage_studies_table(db: Path) -> None:
    """Overwrite the root page of the studies table (the database checkpointed first by
    the caller: a page still in the WAL would hide the damage)."""
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("select rootpage from sqlite_master where name = 'studies'").fetchone()[0]
    conn.close()
    with db.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\x5a" * page_size)
