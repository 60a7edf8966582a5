"""The chunked import path (library_bulk.save_new_works) saves exactly what save_work does
one entry at a time: same studies, citekeys, probable-duplicate flags, user fields and
full-text index, on real bibliographies and on the awkward cases of a chunk."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path

import evidence.library_bulk as library_bulk
from bib.formats import read_bibliography
from bib.work import Author, Notice, Work
from evidence.library import ID_COLUMNS, CitekeyRegistry, SaveResult, save_work
from evidence.library_bulk import save_new_works
from evidence.library_io import IMPORT_CHUNK, import_files
from evidence.store import Store

# Columns that differ between two runs only by the clock.
_CLOCK = {"added_at", "updated_at", "fetched_at"}


def _rows(store: Store) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in _CLOCK}
        for row in store.query("select * from studies order by id")
    ]


def _one_by_one(store: Store, works: list[Work]) -> list[SaveResult | Exception]:
    registry = CitekeyRegistry(store)
    out: list[SaveResult | Exception] = []
    for start in range(0, len(works), IMPORT_CHUNK):
        with store.transaction():
            for work in works[start : start + IMPORT_CHUNK]:
                try:
                    out.append(save_work(store, work, by_user=True, citekeys=registry))
                except sqlite3.IntegrityError as exc:
                    out.append(exc)
    return out


def _chunked(store: Store, works: list[Work], chunk: int = IMPORT_CHUNK) -> list[Any]:
    registry = CitekeyRegistry(store)
    out: list[Any] = []
    for start in range(0, len(works), chunk):
        with store.transaction():
            out += save_new_works(
                store, works[start : start + chunk], by_user=True, citekeys=registry
            )
    return out


def _fts_matches(store: Store) -> None:
    assert (
        store.execute(
            "insert into studies_fts(studies_fts, rank) values ('integrity-check', 1)"
        ).fetchall()
        == []
    )
    assert store.scalar("select count(*) from studies_fts") == store.count("studies")


def test_tugboat_twice_same_as_one_by_one(tmp_path: Path) -> None:
    """Both TUGboat copies (the second's keys renamed) import to identical rows either
    way: about half the entries are probable duplicates found across chunks."""
    source = shared_path("data", "corpora", "bibtex", "tugboat", "tugboat.bib")
    text = source.read_text(encoding="utf-8")
    renamed = re.sub(
        r"^(@\s*(?!string|preamble|comment)[A-Za-z]+\s*\{\s*)([^,\s]+)",
        r"\1\2-again",
        text,
        flags=re.M | re.I,
    )
    path = tmp_path / "twice.bib"
    path.write_text(text + "\n" + renamed, encoding="utf-8")
    works = read_bibliography(path).works

    slow, fast = Store(tmp_path / "slow.db"), Store(tmp_path / "fast.db")
    expected = _one_by_one(slow, works)
    report = import_files(fast, [path])

    assert _rows(fast) == _rows(slow)
    assert len(_rows(fast)) == len(works) > 5000
    flagged = sum(1 for r in _rows(fast) if r["duplicate_of"] is not None)
    assert flagged == sum(1 for r in expected if isinstance(r, SaveResult) and r.duplicate_of)
    assert flagged >= len(works) // 2 - 10
    assert report.files[0]["duplicates"] == flagged
    _fts_matches(fast)
    assert fast.search("studies", "typesetting")  # the index answers queries


def _work(title: str, **fields: Any) -> Work:
    fields.setdefault("authors", [Author("Knuth", "Donald")])
    fields.setdefault("year", 1984)
    fields.setdefault("source", "bibtex")
    return Work(title=title, **fields)


def _awkward_chunk() -> list[Work]:
    # Ordered so that each case meets the chunk path before an earlier case has sent
    # the rest of the chunk to save_work.
    return [
        _work("Literate programming", citekey="lp"),
        _work("Literate Programming.", citekey="lp-copy"),  # duplicate within the chunk
        _work("Metafont", citekey="mf", volume="3", year=1986),
        _work("Metafont", citekey="mf2", volume="4", year=1986),  # other volume: no dup
        _work("No author", citekey="anon", authors=[], year=None),
        _work("Literate programming", citekey="lp", pages="97--111"),  # same entry again
        _work("Another paper", citekey="lp"),  # citekey taken: gets a new one
        _work("Literate programming", citekey="lp-doi", doi="10.1093/comjnl/27.2.97"),
        _work("Literate programming", citekey="lp-doi2", doi="10.1093/comjnl/27.2.97"),
        _work("The TeXbook", citekey="texbook", isbn="9780201134476", year=1986),
        _work("Withdrawn", citekey="w", notices=[Notice("retraction", "crossref")]),
        _work("Dual", citekey="dual", arxiv="2101.00001"),
        _work("Dual", citekey="dual-again", arxiv="2101.00001"),
    ]


def _compare(tmp_path: Path, works: list[Work], chunk: int = IMPORT_CHUNK) -> Store:
    slow, fast = Store(tmp_path / "slow.db"), Store(tmp_path / "fast.db")
    for store in (slow, fast):
        save_work(store, _work("Already here", citekey="here", pmid="123"))
    expected = _one_by_one(slow, works)
    got = _chunked(fast, works, chunk)
    assert _rows(fast) == _rows(slow)
    assert [(r.study_id, r.citekey, r.created, r.duplicate_of) for r in got] == [
        (r.study_id, r.citekey, r.created, r.duplicate_of) for r in expected
    ]
    _fts_matches(fast)
    return fast


@pytest.mark.parametrize("chunk", [1, 3, 500])
def test_awkward_chunk_same_as_one_by_one(tmp_path: Path, chunk: int) -> None:
    works = _awkward_chunk() + [_work("Already here", citekey="here2", pmid="123")]
    store = _compare(tmp_path, works, chunk)
    by_key = {r["citekey"]: r for r in _rows(store)}
    assert by_key["lp-copy"]["duplicate_of"] == by_key["lp"]["id"]
    assert by_key["mf2"]["duplicate_of"] is None
    assert by_key["w"]["retracted"] == 1
    assert by_key["lp"]["pages"] == "97--111"  # the repeated entry updated its study
    assert by_key["here"]["user_fields"]  # same PMID: the existing study, updated
    assert "here2" not in by_key


# Each case first in its own chunk, so that the chunk path itself meets it.
_CASES = {
    "same entry twice": [
        _work("Literate programming", citekey="lp"),
        _work("Other", citekey="o"),
        _work("Literate programming", citekey="lp", pages="97--111"),
    ],
    "same DOI twice": [
        _work("Literate programming", citekey="a", doi="10.1093/comjnl/27.2.97"),
        _work("Other", citekey="o"),
        _work("Literate programming", citekey="b", doi="10.1093/comjnl/27.2.97"),
    ],
    "same arXiv id twice": [
        _work("Dual", citekey="a", arxiv="2101.00001"),
        _work("Dual", citekey="b", arxiv="2101.00001"),
    ],
    "key of an earlier entry": [
        _work("Literate programming", citekey="lp"),
        _work("Another paper", citekey="lp"),
    ],
    "PMID already in the library": [
        _work("Other", citekey="o"),
        _work("Already here", citekey="here2", pmid="123"),
    ],
    "notices": [
        _work("Other", citekey="o"),
        _work("Withdrawn", citekey="w", notices=[Notice("retraction", "crossref")]),
    ],
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_each_case_same_as_one_by_one(tmp_path: Path, case: str) -> None:
    store = _compare(tmp_path, _CASES[case])
    assert store.count("studies") >= 2


def test_a_row_breaking_a_constraint_is_reported_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the chunk's checks miss an identifier already taken, only that entry is
    left out, with its error; the others are saved and indexed."""
    store = Store(tmp_path / "e.db")
    save_work(store, _work("Taken", citekey="taken", doi="10.1/taken"))
    monkeypatch.setattr(
        library_bulk,
        "_taken_identifiers",
        lambda store, works: {c: set() for c in (*ID_COLUMNS, "citekey")},
    )
    works = [
        _work("First", citekey="a", year=2001),
        _work("Clash", citekey="b", doi="10.1/taken", year=2002),
        _work("Third", citekey="c", year=2003),
    ]
    with store.transaction():
        results = save_new_works(store, works, by_user=True, citekeys=CitekeyRegistry(store))
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert [r.citekey for r in results if isinstance(r, SaveResult)] == ["a", "c"]
    assert sorted(r["citekey"] for r in _rows(store)) == ["a", "c", "taken"]
    _fts_matches(store)


def test_indexing_after_needs_a_transaction_and_restores_the_trigger(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    trigger_sql = "select sql from sqlite_master where name = 'studies_ai'"
    before = store.scalar(trigger_sql)
    with pytest.raises(RuntimeError):
        with store.indexing_after("studies"):
            pass
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction(), store.indexing_after("studies"):
            store.execute("insert into studies (id, citekey, title) values (1, 'k', 'Kept')")
            store.execute("insert into studies (id, citekey) values (2, 'k')")
    assert store.scalar(trigger_sql) == before
    assert store.count("studies") == 0
    _fts_matches(store)
    with store.transaction(), store.indexing_after("studies"):
        store.execute("insert into studies (id, citekey, title) values (1, 'k', 'Kept')")
    assert store.scalar(trigger_sql) == before
    assert [r["citekey"] for r in store.search("studies", "kept")] == ["k"]
    _fts_matches(store)


def test_import_reports_problems_as_data(tmp_path: Path) -> None:
    """A file that cannot be read and a broken entry come back as Problems; the command
    line alone writes the "Error:" of an unreadable file."""
    from evidence.cli.problems import problem_line
    from evidence.problems import Problem

    empty = tmp_path / "empty.bib"
    empty.write_text("just words\n", encoding="utf-8")
    broken = tmp_path / "broken.bib"
    broken.write_text("@article{ok, title = {Fine}, year = 2001}\n@article{bad,\n", "utf-8")
    store = Store(tmp_path / "p.db")
    report = import_files(store, [empty, broken])
    first, second = report.problems
    assert first == Problem(
        str(empty),
        "no entries found. Give a BibTeX (.bib), CSL-JSON (.json) or RIS (.ris) file "
        "with at least one entry",
        unreadable=True,
    )
    assert problem_line(first) == f"Error: {first}"
    assert not second.unreadable and str(second).startswith(f"{broken}:2: bad: ")
    assert problem_line(second) == str(second)
    assert report.unreadable == 1 and report.any_read


def _numbered_bib(path: Path, count: int) -> Path:
    entry = "@article{{k{n}, title={{Entry number {n}}}, author={{Doe{n}, J}}, year={{2001}}}}\n"
    path.write_text("".join(entry.format(n=n) for n in range(count)), encoding="utf-8")
    return path


def test_ctrl_c_keeps_the_chunks_saved_and_says_how_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence.errors import Interrupted

    bib = _numbered_bib(tmp_path / "many.bib", 3 * IMPORT_CHUNK)
    calls = 0
    real = library_bulk.save_new_works

    def interrupted_third(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        results = real(*args, **kwargs)
        if calls == 3:
            raise KeyboardInterrupt  # inside the third chunk's transaction
        return results

    monkeypatch.setattr("evidence.library_io.save_new_works", interrupted_third)
    store = Store(tmp_path / "e.db")
    with pytest.raises(Interrupted) as caught:
        import_files(store, [bib])
    saved = 2 * IMPORT_CHUNK
    assert f"interrupted; {saved:,} entries of {bib} were saved" in str(caught.value)
    assert store.count("studies") == saved
    # Run again: the saved entries are recognised, the rest added.
    monkeypatch.setattr("evidence.library_io.save_new_works", real)
    report = import_files(store, [bib])
    assert report.files[0]["added"] == IMPORT_CHUNK
    assert report.files[0]["updated"] == saved
    assert store.count("studies") == 3 * IMPORT_CHUNK


def test_an_import_without_entries_keeps_none(tmp_path: Path) -> None:
    """`evidence import` keeps neither the entries nor their keys: memory does not grow
    with the file; `ingest --bib` and `verify FILE` ask for them."""
    bib = _numbered_bib(tmp_path / "few.bib", 3)
    flat = import_files(Store(tmp_path / "a.db"), [bib], keep_entries=False)
    kept = import_files(Store(tmp_path / "b.db"), [bib])
    assert flat.files == kept.files and flat.files[0]["added"] == 3
    assert flat.entries == [] and flat.keys == {}
    assert [w.citekey for w in kept.entries] == ["k0", "k1", "k2"]
    assert sorted(kept.keys) == ["k0", "k1", "k2"]
