"""The probable-duplicate search narrows by the stored first page (studies.first_page)
and flags exactly what comparing every study of the author and year flags: against a
plain probable_duplicate over all studies, with and without the narrowing, on generated
entries and on real bibliographies; the migration that adds and fills the column; and
the query plan that reads one index range."""

from __future__ import annotations

import itertools
import random
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path

import evidence.library as library
import evidence.library_bulk as library_bulk
import evidence.library_duplicates as library_duplicates
from bib.matching.duplicates import first_page, probable_duplicate
from bib.work import Author, Work
from evidence.library import CitekeyRegistry, row_to_work, save_work
from evidence.library_bulk import save_new_works
from evidence.library_duplicates import (
    DUPLICATE_COLUMNS,
    dedup_key,
    duplicate_candidates,
    duplicate_candidates_many,
    find_probable_duplicate,
)
from evidence.library_io import import_files
from evidence.store import Store
from evidence.store.schema import SCHEMA_VERSION

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "e.db")
    yield store
    store.close()


def _locator_agrees(theirs: str | None, ours: str | None) -> bool:
    """The volume and issue rule of the search: the same (ASCII case aside) where both
    are given; an empty one is not a missing one."""
    return (
        theirs is None
        or ours is None
        or theirs.translate(_ASCII_LOWER) == ours.translate(_ASCII_LOWER)
    )


def _plainly_flagged(rows: list[dict[str, Any]], work: Work) -> int | None:
    """The study ``work`` is a probable duplicate of, found without any index: every
    stored study in id order, the search's rules on author and year, flags, DOIs,
    volume and issue, then probable_duplicate on the whole records."""
    key = dedup_key(work)
    if not key or not work.title:
        return None
    for row in rows:
        if (
            row["dedup_key"] == key
            and row["duplicate_of"] is None
            and not (work.doi and row["doi"])
            and _locator_agrees(row["volume"], work.volume)
            and _locator_agrees(row["issue"], work.issue)
            and probable_duplicate(work, row_to_work(row))
        ):
            return int(row["id"])
    return None


# Pages as bibliographies write them: ranges with hyphens and en dashes, electronic
# page numbers, letters before and after, supplements, roman numerals, blanks.
PAGES = [
    "12--15",
    "12-15",
    "12–15",
    "12",
    " 12",
    "12a-13",
    "e1002–e1010",
    "E1002",
    "S12",
    "s12",
    "13",
    "xii-xv",
    "p. 12",
    "",
    None,
]
VOLUMES = [None, "", "3", "4", "III"]
TITLES = [
    "Massage therapy lowers anxiety in adults with chronic pain",
    "Massage therapy lowers anxiety in adults with chronic pain.",
    "Massage Therapy Lowers Anxiety in Adults with Chronic Pain: a randomised trial",
    "Massage therapy lowers anxiety in adult with chronic pain",
    "Sleep quality after massage",
    "Editorial comments",
]


def _generated(count: int, seed: int, *, repeats: bool = False) -> list[Work]:
    """Entries of a few authors and years, alike in title, on assorted pages. With
    ``repeats``, some give the DOI of an earlier entry: they update its study (its
    pages included) instead of adding one."""
    rng = random.Random(seed)
    works = []
    for n in range(count):
        doi = f"10.1/gen.{n}" if rng.random() < 0.2 else None
        if repeats and rng.random() < 0.3:
            doi = f"10.1/gen.{rng.randrange(n + 1)}"
        works.append(
            Work(
                title=rng.choice(TITLES),
                authors=[Author(rng.choice(["Field", "field", "Diego"]), "T")],
                year=rng.choice([2001, 2002, 2003]),
                volume=rng.choice(VOLUMES),
                issue=rng.choice(VOLUMES),
                pages=rng.choice(PAGES),
                doi=doi,
                citekey=f"gen{n}",
                source="bibtex",
            )
        )
    return works


def _all_rows(store: Store) -> list[dict[str, Any]]:
    return store.query("select * from studies order by id")


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_save_work_flags_what_comparing_every_study_flags(store: Store, seed: int) -> None:
    flagged = updated = 0
    for work in _generated(200, seed, repeats=True):
        expected = _plainly_flagged(_all_rows(store), work)
        result = save_work(store, work, by_user=True)
        if not result.created:
            # the study of an earlier entry, its pages (and first page) updated
            updated += 1
            continue
        row = store.one("select id, duplicate_of from studies where id = ?", [result.study_id])
        assert row is not None and row["duplicate_of"] == expected, work
        flagged += expected is not None
    assert flagged >= 20  # the entries do find probable duplicates
    assert updated >= 5


def test_the_chunked_import_flags_what_comparing_every_study_flags(store: Store) -> None:
    works = _generated(400, 7)
    results = []
    for start in range(0, len(works), 50):
        with store.transaction():
            results += save_new_works(
                store, works[start : start + 50], by_user=True, citekeys=CitekeyRegistry(store)
            )
    rows = _all_rows(store)
    assert len(rows) == len(works)
    for n, work in enumerate(works):
        # Every entry became a new study, in order: those before it are rows[:n].
        assert rows[n]["duplicate_of"] == _plainly_flagged(rows[:n], work), work
    assert sum(r["duplicate_of"] is not None for r in rows) >= 50


def test_a_study_whose_first_page_is_not_stored_is_still_compared(store: Store) -> None:
    """A study written by another program (pages, no first_page) is a candidate for
    every page, and probable_duplicate compares its pages."""
    with store.transaction():
        store.insert(
            "studies",
            {
                "citekey": "other-program",
                "title": TITLES[0],
                "authors": [{"family": "Field", "given": "T"}],
                "year": 2001,
                "pages": "12-15",
                "dedup_key": "field|2001",
            },
        )
    other = store.scalar("select id from studies where citekey = 'other-program'")
    assert store.scalar("select first_page from studies where id = ?", [other]) is None
    same = Work(title=TITLES[0], authors=[Author("Field")], year=2001, pages="12", source="user")
    assert find_probable_duplicate(store, same) == store.one(
        f"select {', '.join(DUPLICATE_COLUMNS)} from studies where id = ?", [other]
    )
    elsewhere = Work(title=TITLES[0], authors=[Author("Field")], year=2001, pages="13")
    assert find_probable_duplicate(store, elsewhere) is None


def test_first_page_is_stored_wherever_pages_are_written(store: Store) -> None:
    base = {"title": "Massage", "authors": [Author("Field")], "year": 2001, "source": "user"}
    save_work(store, Work(**base, citekey="a", doi="10.1/a", pages="E1002–E1010"))
    with store.transaction():
        (bulk,) = save_new_works(
            store,
            [Work(**{**base, "title": "Other"}, citekey="b", pages="S12-S14")],
            by_user=True,
            citekeys=CitekeyRegistry(store),
        )
    assert not isinstance(bulk, Exception)
    stored = dict(store.execute("select citekey, first_page from studies").fetchall())
    assert stored == {"a": "e1002", "b": "s12"}
    # the same work again (its DOI), with new pages: its pages and first page change
    save_work(store, Work(**base, citekey="a", doi="10.1/a", pages="7-9"), by_user=True)
    assert store.scalar("select first_page from studies where citekey = 'a'") == "7"
    # pages a user set are kept, and so is their first page
    row = store.one("select * from studies where citekey = 'a'")
    assert row is not None
    library.fill_study(store, row, Work(title="Massage", pages="99-100", source="crossref"))
    kept = store.scalar("select pages || '/' || first_page from studies where citekey = 'a'")
    assert kept == "7-9/7"
    # fetched pages fill a study that had none
    save_work(store, Work(**{**base, "title": "No pages yet"}, citekey="c"))
    row = store.one("select * from studies where citekey = 'c'")
    assert row is not None and row["first_page"] is None
    library.fill_study(store, row, Work(title="No pages yet", pages="A5-A9", source="crossref"))
    assert store.scalar("select first_page from studies where citekey = 'c'") == "a5"


def _without_narrowing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The search as it was before the first page was stored: none is stored or asked
    for, so every study of the author and year whose volume and issue agree is read."""
    for module in (library, library_duplicates, library_bulk):
        monkeypatch.setattr(module, "study_first_page", lambda pages: None)


def _renamed(text: str, suffix: str) -> str:
    return re.sub(
        r"^(@\s*(?!string|preamble|comment)[A-Za-z]+\s*\{\s*)([^,\s]+)",
        rf"\1\2{suffix}",
        text,
        flags=re.M | re.I,
    )


def _shifted_pages(text: str) -> str:
    """Each ``pages = "n--m"`` moved on by one page: the same works on other pages."""
    return re.sub(
        r'(pages\s*=\s*["{])(\d+)',
        lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
        text,
        flags=re.I,
    )


def _imported_flags(tmp_path: Path, name: str, files: list[Path]) -> dict[str, str | None]:
    store = Store(tmp_path / f"{name}.db")
    try:
        report = import_files(store, files, keep_entries=False)
        assert report.any_read
        return {
            r["citekey"]: r["original"]
            for r in store.query(
                "select s.citekey, o.citekey as original from studies s "
                "left join studies o on o.id = s.duplicate_of order by s.id"
            )
        }
    finally:
        store.close()


def test_real_bibliographies_flag_the_same_with_and_without_narrowing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every BibTeX file of the shared corpus, then TUGboat again with its keys renamed
    (the same works: probable duplicates) and a third time on other pages (other
    works: not duplicates), imported with the first page narrowing and without."""
    corpus = shared_path("data", "corpora", "bibtex")
    files = sorted(p for p in corpus.rglob("*.bib") if not p.name.endswith("_output.bib"))
    tugboat = (corpus / "tugboat" / "tugboat.bib").read_text(encoding="utf-8")
    again = tmp_path / "tugboat-again.bib"
    again.write_text(_renamed(tugboat, "-again"), encoding="utf-8")
    moved = tmp_path / "tugboat-moved.bib"
    moved.write_text(_shifted_pages(_renamed(tugboat, "-moved")), encoding="utf-8")
    files += [again, moved]

    narrowed = _imported_flags(tmp_path, "narrowed", files)
    with monkeypatch.context() as patch:
        _without_narrowing(patch)
        plain = _imported_flags(tmp_path, "plain", files)

    assert narrowed == plain
    assert len(narrowed) > 5000
    again_flagged = [k for k, v in narrowed.items() if k.endswith("-again") and v]
    moved_flagged = [k for k, v in narrowed.items() if k.endswith("-moved") and v]
    assert len(again_flagged) > 2000
    # a moved entry is flagged only where no first page tells the copies apart
    assert len(moved_flagged) < len(again_flagged) // 4


def test_generated_entries_flag_the_same_with_and_without_narrowing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    works = _generated(600, 11)

    def flags(name: str) -> list[Any]:
        store = Store(tmp_path / f"{name}.db")
        try:
            out = []
            for start in range(0, len(works), 100):
                with store.transaction():
                    chunk = works[start : start + 100]
                    out += save_new_works(
                        store, chunk, by_user=True, citekeys=CitekeyRegistry(store)
                    )
            return [(r.study_id, r.duplicate_of) for r in out if not isinstance(r, Exception)]
        finally:
            store.close()

    narrowed = flags("narrowed")
    with monkeypatch.context() as patch:
        _without_narrowing(patch)
        plain = flags("plain")
    assert narrowed == plain
    assert sum(d is not None for _, d in narrowed) >= 50


# --- the query plan ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doi", "volume", "issue", "pages"),
    list(itertools.product([None, "10.1/x"], [None, "12"], [None, "3"], [None, "e12-e15"])),
)
def test_the_search_narrows_by_first_page_in_one_index_range(
    store: Store, doi: str | None, volume: str | None, issue: str | None, pages: str | None
) -> None:
    seen: list[tuple[str, Any]] = []
    store.trace(lambda sql, params: seen.append((sql, params)))
    work = Work(
        title="Massage",
        authors=[Author("Field")],
        year=2001,
        doi=doi,
        volume=volume,
        issue=issue,
        pages=pages,
    )
    list(duplicate_candidates(store, work))
    store.trace(None)
    ((sql, params),) = [s for s in seen if "dedup_key" in s[0]]
    plan = [str(r[-1]) for r in store.execute(f"explain query plan {sql}", params)]
    assert plan[0].startswith("SEARCH studies USING INDEX idx_studies_probable_duplicates")
    assert not any(step.startswith("SCAN") for step in plan)
    # dedup_key, the DOI term, then the first page where the entry gives one: seeks
    seeks = plan[0].count("<expr>=?")
    assert seeks >= (2 if pages else 1)
    assert ("first_page" in sql) == bool(pages)


def _library_of_generated(store: Store, count: int, seed: int) -> None:
    works = _generated(count, seed)
    for start in range(0, len(works), 100):
        with store.transaction():
            save_new_works(
                store, works[start : start + 100], by_user=True, citekeys=CitekeyRegistry(store)
            )


def _probes() -> list[Work]:
    """Entries of every shape of search (DOI, first page, volume, issue given or not),
    and some the search does not compare (no author, year or title)."""
    probes = _generated(300, 23)
    probes += [
        Work(title="Massage", year=2001, source="user"),
        Work(title="", authors=[Author("Field")], year=2001, source="user"),
        Work(title="Massage", authors=[Author("Field")], source="user"),
        Work(title=TITLES[0], authors=[Author("Field")], year=2001, pages="??", volume="3"),
    ]
    return probes


def test_the_search_for_many_works_answers_as_the_search_for_each(store: Store) -> None:
    _library_of_generated(store, 300, 17)
    probes = _probes()
    many = duplicate_candidates_many(store, probes)
    each = [list(duplicate_candidates(store, probe)) for probe in probes]
    assert many == each
    assert sum(len(found) for found in each) > 300
    assert duplicate_candidates_many(store, []) == []


def test_the_search_for_many_works_reads_index_ranges(store: Store) -> None:
    _library_of_generated(store, 50, 3)
    seen: list[tuple[str, Any]] = []
    store.trace(lambda sql, params: seen.append((sql, params)))
    duplicate_candidates_many(store, _probes())
    store.trace(None)
    searches = [s for s in seen if "dedup_key" in s[0]]
    assert len(searches) == 16  # one statement for each shape of search
    for sql, params in searches:
        plan = [str(r[-1]) for r in store.execute(f"explain query plan {sql}", params)]
        index = [step for step in plan if "idx_studies_probable_duplicates" in step]
        assert index and index[0].startswith("SEARCH s USING INDEX"), plan
        assert not any(step.startswith(("SCAN s", "SCAN studies")) for step in plan), plan
        # dedup_key, the DOI term, and the first page where the works give one: seeks
        assert index[0].count("<expr>=?") >= 1 + ("first_page" in sql)


# --- the migration -----------------------------------------------------------------------

# The index and full-text trigger of a version-6 database (before m007).
_OLD_INDEX = (
    "create index idx_studies_probable_duplicates on studies (dedup_key, doi is null, "
    "ifnull(lower(volume), ''), ifnull(lower(issue), '')) where duplicate_of is null"
)
_OLD_TRIGGER = """create trigger studies_au after update on studies begin
  insert into studies_fts (studies_fts, rowid, title, abstract, journal, authors, citekey)
  values ('delete', old.rowid, old.title, old.abstract, old.journal, old.authors, old.citekey);
  insert into studies_fts (rowid, title, abstract, journal, authors, citekey)
  values (new.rowid, new.title, new.abstract, new.journal, new.authors, new.citekey);
end"""


def _as_version_6(path: Path) -> None:
    """Take the database back to schema version 6: no first_page column, the old index
    and the full-text trigger that runs on any update."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("drop index idx_studies_probable_duplicates")
    conn.execute("alter table studies drop column first_page")
    conn.execute(_OLD_INDEX)
    conn.execute("drop trigger studies_au")
    conn.execute(_OLD_TRIGGER)
    conn.execute("delete from _sqlite_migrations where name = 'm007_first_page'")
    conn.execute("PRAGMA user_version = 6")
    conn.close()


def test_version_6_database_gains_filled_first_pages_and_the_same_answers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "e.db"
    store = Store(path)
    works = _generated(200, 5)
    for start in range(0, len(works), 60):
        with store.transaction():
            save_new_works(
                store, works[start : start + 60], by_user=True, citekeys=CitekeyRegistry(store)
            )
    store.close()
    _as_version_6(path)

    old = sqlite3.connect(path)
    assert "first_page" not in [r[1] for r in old.execute("pragma table_info(studies)")]
    old.close()

    store = Store(path)
    try:
        assert "m007_first_page" in store.applied_migrations()
        rows = _all_rows(store)
        assert len(rows) == 200
        assert all(r["first_page"] == first_page(r["pages"]) for r in rows)
        assert sum(r["first_page"] is not None for r in rows) > 100
        index = store.scalar(
            "select sql from sqlite_master where name = 'idx_studies_probable_duplicates'"
        )
        assert "ifnull(first_page, '')" in index
        trigger = store.scalar("select sql from sqlite_master where name = 'studies_au'")
        assert "after update of" in trigger.lower()
        assert store.integrity_problems() == []
        # the same answers as comparing every study
        for probe in _generated(120, 99):
            found = find_probable_duplicate(store, probe)
            assert (found and found["id"]) == _plainly_flagged(rows, probe), probe
        # the full-text index still follows an update of an indexed column
        store.update("studies", rows[0]["id"], {"title": "Zygomorphic flowers"})
        assert [r["id"] for r in store.search("studies", "zygomorphic")] == [rows[0]["id"]]
    finally:
        store.close()


def test_upgrading_an_older_library_says_so_before_it_waits(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    store = Store(path)
    with store.transaction():
        save_new_works(store, _generated(20, 3), by_user=True, citekeys=CitekeyRegistry(store))
    store.close()
    _as_version_6(path)

    told: list[str] = []
    store = Store(path, on_wait=told.append)
    try:
        assert "m007_first_page" in store.applied_migrations()
    finally:
        store.close()
    assert told == [
        f"Upgrading {path} from schema 6 to {SCHEMA_VERSION} (once; a large library takes a minute)."
    ]

    # a library already at this schema, and a new one, open without a word
    told.clear()
    Store(path, on_wait=told.append).close()
    Store(tmp_path / "new.db", on_wait=told.append).close()
    assert told == []
