"""The quick check before a write is skipped only for a file this tool left as it is
(evidence/store/opening.py): any other change, an error or a day brings it back."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from evidence.errors import EvidenceError
from evidence.store import Store, opening


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every quick check the store runs, by path."""
    seen: list[Path] = []
    real = opening.refuse_damaged

    def counting(db: object, path: Path) -> None:
        seen.append(path)
        real(db, path)  # type: ignore[arg-type]

    monkeypatch.setattr(opening, "refuse_damaged", counting)
    return seen


def _write(db: Path, key: str, *, sound: bool = True) -> None:
    store = Store(db)
    store.execute("insert into studies (citekey) values (?)", [key])
    store.close(sound=sound)


def test_a_file_left_as_it_was_is_not_checked_again(tmp_path: Path, checks: list[Path]) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    assert len(checks) == 1
    assert opening.stamp_path(db).exists()
    _write(db, "b")
    _write(db, "c")
    assert len(checks) == 1


def test_a_read_only_store_neither_checks_nor_stamps(tmp_path: Path, checks: list[Path]) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    opening.forget_checked(db)
    Store(db, readonly=True).close()
    assert not opening.stamp_path(db).exists()
    assert len(checks) == 1


def test_another_programs_write_brings_the_check_back(tmp_path: Path, checks: list[Path]) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("insert into studies (citekey) values ('outside')")
    conn.close()
    _write(db, "b")
    assert len(checks) == 2


def test_an_error_forgets_the_stamp(tmp_path: Path, checks: list[Path]) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    _write(db, "b", sound=False)
    assert not opening.stamp_path(db).exists()
    _write(db, "c")
    assert len(checks) == 2


def test_a_day_old_check_is_run_again(tmp_path: Path, checks: list[Path]) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    stamp = opening.stamp_path(db)
    body = json.loads(stamp.read_text())
    body["checked_at"] -= opening.RECHECK_AFTER + 1
    stamp.write_text(json.dumps(body))
    _write(db, "b")
    assert len(checks) == 2


@pytest.mark.parametrize("body", ["", "{", '{"checked_at": "x"}', "[]", '{"state": 1}'])
def test_a_torn_stamp_means_a_check(tmp_path: Path, checks: list[Path], body: str) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    opening.stamp_path(db).write_text(body)
    _write(db, "b")
    assert len(checks) == 2


def test_damage_made_after_a_stamp_is_still_refused(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    _write(db, "a")
    for i in range(200):
        _write(db, f"k{i}")
    size = db.stat().st_size
    with db.open("r+b") as f:  # overwrite the middle of the file, past the header
        f.seek(size // 2)
        f.write(os.urandom(4096))
    with pytest.raises(EvidenceError):
        _write(db, "after")
