"""The fast path of bibliography import: save a chunk of works in a few queries.

This is a speed trick, not a second definition of saving. ``save_work`` (one work at a
time) is the specification: ``save_new_works`` must leave the database exactly as
calling ``save_work`` on each work in order would (same rows, citekeys, probable
duplicate flags, user fields, full-text index), and tests/test_import_bulk.py holds it
to that. Any work it cannot decide alone is handed to ``save_work``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from bib.matching.duplicates import DuplicateFacts, duplicate_facts, probable_duplicate
from bib.work import Work
from evidence.library import (
    ID_COLUMNS,
    CitekeyRegistry,
    SaveResult,
    fill_new_row,
    save_work,
    work_to_row,
)
from evidence.library_duplicates import (
    DUPLICATE_COLUMNS,
    dedup_key,
    duplicate_candidates_many,
    study_first_page,
)
from evidence.store import Store, now

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _sql_lower(value: Any) -> Any:
    """SQLite's lower(): ASCII letters only."""
    return value.translate(_ASCII_LOWER) if isinstance(value, str) else value


class _Candidate:
    """A study that a later entry may probably duplicate, with its facts prepared."""

    __slots__ = ("row", "volume", "issue", "facts")

    def __init__(self, row: dict[str, Any], first_family: str | None) -> None:
        self.row = row
        self.volume = _sql_lower(row["volume"])
        self.issue = _sql_lower(row["issue"])
        self.facts = DuplicateFacts.of(
            ids=(row["doi"], row["pmid"], row["pmcid"], row["arxiv"], row["isbn"]),
            year=row["year"],
            volume=row["volume"],
            issue=row["issue"],
            pages=row["pages"],
            first_author=first_family,
            title=row["title"],
        )


def save_new_works(
    store: Store, works: list[Work], *, by_user: bool, citekeys: CitekeyRegistry
) -> list[SaveResult | sqlite3.IntegrityError]:
    """Save a chunk of works as ``save_work`` would one by one, inside the caller's
    transaction, with a few queries for the whole chunk instead of several per work.

    Works that are new studies (no identifier or citekey already in the library) are
    checked against the chunk's probable-duplicate candidates in memory and inserted
    together. From the first work that touches an existing study, or carries notices,
    the rest of the chunk is saved by ``save_work`` itself, after the rows gathered so
    far are written, so each sees exactly what the one-by-one path would. One result
    per work, in order: its SaveResult, or the IntegrityError that kept it out.
    """
    taken = _taken_identifiers(store, works)
    # The entries' own keys the library does not hold: claimed without asking again.
    free = {w.citekey for w in works if w.citekey} - taken["citekey"]
    with citekeys.known_free(free):
        return _save_new(store, works, taken, by_user=by_user, citekeys=citekeys)


def _save_new(
    store: Store,
    works: list[Work],
    taken: dict[str, set[Any]],
    *,
    by_user: bool,
    citekeys: CitekeyRegistry,
) -> list[SaveResult | sqlite3.IntegrityError]:
    results: list[SaveResult | sqlite3.IntegrityError] = []
    questions = [_question(work) for work in works]
    # Studies of this chunk not flagged themselves, by dedup key, in id order: the
    # candidates the library does not hold yet.
    candidates: dict[str, list[_Candidate]] = {}
    # The library's answer to each question of the chunk, asked ahead (see _ask_ahead).
    asked: dict[tuple[Any, ...], list[_Candidate]] = {}
    next_id = int(store.scalar("select coalesce(max(id), 0) + 1 from studies"))
    pending: list[dict[str, Any]] = []
    stamp = now()
    for position, work in enumerate(works):
        ids = [(c, v) for c in ID_COLUMNS if (v := getattr(work, c))]
        if (
            work.notices
            or any(value in taken[column] for column, value in ids)
            or (work.citekey and work.citekey in taken["citekey"])
        ):
            _insert_rows(store, pending, results)
            for rest in works[position:]:
                try:
                    results.append(save_work(store, rest, by_user=by_user, citekeys=citekeys))
                except sqlite3.IntegrityError as exc:
                    results.append(exc)
            return results
        row = work_to_row(work)
        duplicate = None
        key = row["dedup_key"]
        question = questions[position]
        if question is not None:
            volume, issue = question[3:]
            facts = None
            saved = asked.get(question)
            if saved is None:
                _ask_ahead(store, works[position:], questions[position:], asked)
                saved = asked[question]
            for candidate in (*saved, *candidates.get(key, ())):
                # The volume and issue terms of the library's search, then probable_duplicate.
                if (candidate.volume is None or volume is None or candidate.volume == volume) and (
                    candidate.issue is None or issue is None or candidate.issue == issue
                ):
                    facts = facts or duplicate_facts(work)
                    if probable_duplicate(facts, candidate.facts):
                        duplicate = candidate.row
                        break
        fill_new_row(row, work, citekeys.claim(work), duplicate, by_user=by_user, stamp=stamp)
        row["id"] = next_id
        next_id += 1
        pending.append(row)
        for column, value in ids:
            taken[column].add(value)
        taken["citekey"].add(row["citekey"])
        if key and duplicate is None:
            first = row["authors"][0].get("family") if row["authors"] else None
            candidates.setdefault(key, []).append(
                _Candidate({c: row[c] for c in DUPLICATE_COLUMNS}, first)
            )
        results.append(
            SaveResult(
                row["id"],
                row["citekey"],
                created=True,
                duplicate_of=duplicate["citekey"] if duplicate else None,
            )
        )
    _insert_rows(store, pending, results)
    return results


def _question(work: Work) -> tuple[Any, ...] | None:
    """What the library is asked about a work's probable duplicates; works of a chunk
    that ask the same question share the answer (a file of one author's papers of one
    year may ask it again and again). None for a work that is not compared."""
    key = dedup_key(work)
    if not key or not work.title:
        return None
    page = study_first_page(work.pages)
    return (key, bool(work.doi), page, _sql_lower(work.volume), _sql_lower(work.issue))


def _ask_ahead(
    store: Store,
    works: list[Work],
    questions: list[tuple[Any, ...] | None],
    asked: dict[tuple[Any, ...], list[_Candidate]],
) -> None:
    """Ask the library the ``questions`` of ``works`` not asked yet, a statement for
    many (library_duplicates.duplicate_candidates_many), and keep the answers in
    ``asked``. The library does not change while a chunk is being gathered, so an
    answer asked ahead is the one the work would have had when its turn came."""
    todo: dict[tuple[Any, ...], Work] = {}
    for work, question in zip(works, questions, strict=True):
        if question is not None and question not in asked and question not in todo:
            todo[question] = work
    # One _Candidate for a study that answers several questions.
    built: dict[int, _Candidate] = {}
    for question, found in zip(
        todo, duplicate_candidates_many(store, list(todo.values())), strict=True
    ):
        answer = []
        for row, family in found:
            candidate = built.get(row["id"])
            if candidate is None:
                candidate = built[row["id"]] = _Candidate(row, family)
            answer.append(candidate)
        asked[question] = answer


def _taken_identifiers(store: Store, works: list[Work]) -> dict[str, set[Any]]:
    """The chunk's identifier values and citekeys that already belong to a study."""
    taken: dict[str, set[Any]] = {}
    for column in (*ID_COLUMNS, "citekey"):
        values = list({v for v in (getattr(w, column) for w in works) if v})
        taken[column] = set()
        for start in range(0, len(values), 500):
            part = values[start : start + 500]
            sql = (
                f"select [{column}] from studies "
                f"where [{column}] in ({', '.join('?' for _ in part)})"
            )
            taken[column].update(r[0] for r in store.execute(sql, part))
    return taken


# The JSON columns of a new study's row that hold a list, and those that hold a dict.
_JSON_LISTS = ("authors", "issn", "keywords", "publication_types", "user_fields")
_JSON_DICTS = ("extra", "provenance")


def _insert_rows(
    store: Store,
    rows: list[dict[str, Any]],
    results: list[SaveResult | sqlite3.IntegrityError],
) -> None:
    """Insert new study rows in one statement; should one break a constraint, insert
    them one by one so that only that one is left out (and reported in ``results``)."""
    if not rows:
        return
    for row in rows:
        # The JSON text the store would write for an empty list or dict (most entries
        # have no ISSN, keywords or publication types), without encoding each.
        for column in _JSON_LISTS:
            if row[column] == []:
                row[column] = "[]"
        for column in _JSON_DICTS:
            if row[column] == {}:
                row[column] = "{}"
    try:
        with store.savepoint():
            store.insert_rows("studies", rows)
    except sqlite3.IntegrityError:
        _insert_one_by_one(store, rows, results)
    rows.clear()


def _insert_one_by_one(
    store: Store,
    rows: list[dict[str, Any]],
    results: list[SaveResult | sqlite3.IntegrityError],
) -> None:
    """Each row in its own savepoint; a row that breaks a constraint becomes its error in
    ``results``, and rows flagged as its duplicates lose that flag."""
    index = {r.study_id: i for i, r in enumerate(results) if isinstance(r, SaveResult)}
    failed: set[int] = set()
    for row in rows:
        if row["duplicate_of"] in failed:
            row["duplicate_of"] = None
            results[index[row["id"]]] = SaveResult(row["id"], row["citekey"], created=True)
        try:
            with store.savepoint():
                store.insert_rows("studies", [row])
        except sqlite3.IntegrityError as exc:
            failed.add(row["id"])
            results[index[row["id"]]] = exc
