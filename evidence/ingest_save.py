"""Save a document's claims and mentions, writing only the rows that differ.

Claim ids are stable across re-ingests: an unchanged claim keeps its id by its
normalised text, a lightly edited one by fuzzy similarity; a claim that disappeared but
still carries user tags is kept (marked removed) and reported as orphaned.

A re-ingest compares what is stored with what was extracted and writes the difference:
a kept claim is updated only when a value changed (an edit above it moves its offsets),
a mention row keeps its id while its claim keeps the same mentions, and a citation link
is written only for a claim and study that were not linked by the document before.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from evidence.store import Store, encode_value, now

# Two versions of a sentence at least this similar (rapidfuzz ratio, 0-100) are the same claim.
SIMILAR = 80.0
# Edited claims are compared with every vanished claim while there are at most this many
# pairs; past it, with the vanished claims between the same unchanged neighbours only
# (each comparison is about a microsecond: 10% of 100,000 claims edited would be 10^8).
PAIR_BUDGET = 4_000_000
# Rows updated by one statement.
UPDATE_CHUNK = 5_000

_CLAIM_COLUMNS = (
    "document_id",
    "position",
    "text",
    "start",
    "end",
    "checkworthiness",
    "reasons",
    "block",
    "removed_at",
)
_MENTION_COLUMNS = (
    "claim_id",
    "document_id",
    "kind",
    "text",
    "start",
    "end",
    "journal",
    "institution",
    "authors",
    "year",
    "identifier",
    "citekey",
    "reference",
    "numbers",
    "data",
    "study_id",
)
_COLUMNS_SQL = ", ".join(f"[{c}]" for c in _MENTION_COLUMNS)


class Citekeys(Protocol):
    """What saving needs of evidence.ingest.Citekeys."""

    def study_of(self, key: str) -> tuple[int | None, str | None]: ...


class Report(Protocol):
    """What saving fills in of evidence.ingest.IngestReport."""

    claims: int
    new_claims: int
    kept_claims: int
    removed_claims: int
    orphaned: list[dict[str, Any]]
    problems: list[str]


def normal(text: str) -> str:
    # str.split() and re's \s agree on what whitespace is: the same as collapsing runs.
    return " ".join(text.split()).lower()


def slug(name: str) -> str:
    stem = Path(name).stem if "/" in name or "." in name else name
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:24] or "doc"


def claim_id(doc_slug: str, normal_text: str, taken: set[str]) -> str:
    """A stable id from the claim's normalised text (``normal``), numbered on when
    ``taken`` (the ids already in the database) holds it."""
    digest = hashlib.sha1(normal_text.encode("utf-8")).hexdigest()
    base = f"{doc_slug}-{digest[:8]}"
    cid, n = base, 2
    while cid in taken:
        cid = f"{base}-{n}"
        n += 1
    taken.add(cid)
    return cid


def match_claims(old: Sequence[tuple[str, str]], new: Sequence[str]) -> dict[int, str]:
    """Which stored claim each new claim continues: ``old`` is (id, normalised text) in
    stored order, ``new`` the normalised texts; new index -> old id.

    1. unchanged text keeps its id (the first stored claim of that text);
    2. lightly edited text keeps the id of the first best-scoring unused claim that
       scores SIMILAR or more, new claims taken in order."""
    by_text: dict[str, list[int]] = {}
    for n, (_, text) in enumerate(old):
        by_text.setdefault(text, []).append(n)
    assigned: dict[int, int] = {}  # new index -> old index
    for i, text in enumerate(new if by_text else ()):
        rows = by_text.get(text)
        if rows:
            assigned[i] = rows.pop(0)
    used = set(assigned.values())
    unused = [n for n in range(len(old)) if n not in used]
    waiting = [i for i in range(len(new)) if i not in assigned]
    if not unused or not waiting:
        return {i: old[n][0] for i, n in assigned.items()}
    if len(unused) * len(waiting) <= PAIR_BUDGET:
        groups = [(waiting, unused)]
    else:
        groups = _between_anchors(assigned, waiting, unused, len(old))
    for news, olds in groups:
        texts = [old[n][1] for n in olds]
        pool = list(olds)
        for i in news:
            if not pool:
                break
            # The first of the best-scoring old claims, if it scores SIMILAR or more.
            found = process.extractOne(new[i], texts, scorer=fuzz.ratio, score_cutoff=SIMILAR)
            if found is not None:
                assigned[i] = pool.pop(found[2])
                texts.pop(found[2])
    return {i: old[n][0] for i, n in assigned.items()}


def _between_anchors(
    assigned: dict[int, int], waiting: list[int], unused: list[int], size: int
) -> list[tuple[list[int], list[int]]]:
    """The waiting new claims in runs between two kept ones, each with the unused old
    claims between the places those two held (claims removed before, stored first,
    count as lying before the first)."""
    anchors = sorted(assigned)
    groups: list[tuple[list[int], list[int]]] = []
    run: list[int] = []

    def close(after: int) -> None:
        if not run:
            return
        k = bisect_left(anchors, run[0])
        low = assigned[anchors[k - 1]] if k > 0 else -1
        high = assigned[anchors[k]] if k < len(anchors) else size
        low, high = min(low, high), max(low, high)
        lo, hi = bisect_left(unused, low + 1), bisect_left(unused, high)
        groups.append((list(run), unused[lo:hi]))
        run.clear()

    previous = -2
    for i in waiting:
        if i != previous + 1:
            close(previous)
        run.append(i)
        previous = i
    close(previous)
    return groups


def save_claims(
    store: Store,
    doc_id: int,
    doc_name: str,
    claims: Sequence[Any],
    citekeys: Citekeys,
    report: Report,
) -> None:
    """Write the claims and mentions of a document (inside a transaction), keeping the
    ids of the claims it had."""
    old = store.execute(
        f"select id, {', '.join(f'[{c}]' for c in _CLAIM_COLUMNS)} "
        "from claims where document_id = ? order by position",
        [doc_id],
    ).fetchall()
    before = {row[0]: row for row in old}
    old_mentions: dict[str, list[tuple[Any, ...]]] = {}
    for row in store.execute(
        f"select id, {_COLUMNS_SQL} from mentions where document_id = ? order by id", [doc_id]
    ):
        old_mentions.setdefault(row[1], []).append(row)
    # (claim, kind, text) -> the study a stored mention was resolved to
    resolved = {(m[1], m[3], m[4]): m[16] for rows in old_mentions.values() for m in rows}
    # Citation links already made (as ``link_citation`` would find them).
    linked = {
        (r[0], r[1])
        for r in store.execute(
            "select claim_id, study_id from evidence where origin = 'citation' and claim_id in "
            "(select id from claims where document_id = ?)",
            [doc_id],
        )
    }
    normals = [normal(claim.text) for claim in claims]
    assigned = match_claims([(row[0], normal(row[3])) for row in old], normals)
    used = set(assigned.values())
    # Claims that vanished: keep those with user tags (orphaned), drop the rest.
    tagged = {
        r[0]
        for r in store.execute(
            "select distinct claim_id from evidence where origin = 'user' and claim_id in "
            "(select id from claims where document_id = ?)",
            [doc_id],
        )
    }
    gone = [row for row in old if row[0] not in used]
    doc_slug = slug(doc_name)
    taken: set[str] | None = None
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[tuple[str, Sequence[Any], list[Any]]] = []
    reasons_text: dict[tuple[str, ...], Any] = {}
    new_mentions: dict[str, list[tuple[Any, ...]]] = {}
    links: list[tuple[str, int]] = []
    for i, claim in enumerate(claims):
        values = [
            doc_id,
            i,
            claim.text,
            claim.start,
            claim.end,
            round(float(claim.checkworthiness), 3),
            _reasons_value(tuple(claim.reasons), reasons_text),
            getattr(claim, "block_kind", None),
            None,
        ]
        if i in assigned:
            cid = assigned[i]
            # A kept claim is written only when something about it changed.
            if list(before[cid][1:]) != values:
                changed_rows.append((cid, before[cid][1:], values))
            report.kept_claims += 1
        else:
            if taken is None:
                taken = _taken_ids(store, doc_slug, before)
            cid = claim_id(doc_slug, normals[i], taken)
            new_rows.append({"id": cid, **dict(zip(_CLAIM_COLUMNS, values, strict=True))})
            report.new_claims += 1
        rows = new_mentions.setdefault(cid, [])
        for m in claim.mentions:
            study_id = resolved.get((cid, m.kind, m.text))
            citekey = getattr(m, "citekey", None)
            if study_id is None and citekey:
                study_id, problem = citekeys.study_of(citekey)
                if problem and problem not in report.problems:
                    report.problems.append(problem)
            rows.append(_mention_values(cid, doc_id, m, study_id))
            if study_id is not None and (cid, study_id) not in linked:
                linked.add((cid, study_id))
                links.append((cid, study_id))
    stale, updates, inserts = _mention_changes(old_mentions, new_mentions)
    _delete_mentions(store, stale)
    stamp = now()
    for row in gone:
        store.delete_where("evidence", "claim_id = ? and origin != 'user'", [row[0]])
        if row[0] in tagged:
            if not row[9]:
                store.update("claims", row[0], {"removed_at": stamp, "position": -1})
            report.orphaned.append({"id": row[0], "text": row[3]})
        else:
            store.delete_where("claims", "id = ?", [row[0]])
    report.removed_claims = len(gone)
    # Only the columns that changed are written: a claim's full-text entry is made
    # again only when its text is among them, an index only when its column is.
    _update_changed(store, "claims", _CLAIM_COLUMNS, changed_rows)
    store.insert_rows("claims", new_rows)
    _update_changed(store, "mentions", _MENTION_COLUMNS, updates)
    store.insert_rows("mentions", [dict(zip(_MENTION_COLUMNS, r, strict=True)) for r in inserts])
    for cid, sid in links:
        link_citation(store, cid, sid)
    report.claims = len(claims)


def _taken_ids(store: Store, doc_slug: str, before: dict[str, Any]) -> set[str]:
    """Every id that a new id of this slug could meet, whichever document holds it: two
    documents may share a slug (article.txt, article.md) and a sentence."""
    return set(before) | {
        r[0]
        for r in store.execute(
            "select id from claims where id >= ? and id < ?", [f"{doc_slug}-", f"{doc_slug}."]
        )
    }


_NO_LIST = encode_value([])
_PLAIN_DATA = encode_value({"finding": None, "inherited": False})


def _list_value(value: Any) -> Any:
    return encode_value(list(value)) if value else _NO_LIST


def _mention_values(cid: str, doc_id: int, m: Any, study_id: int | None) -> tuple[Any, ...]:
    identifier = getattr(m, "identifier", None)
    return (
        cid,
        doc_id,
        m.kind,
        m.text,
        m.start,
        m.end,
        getattr(m, "journal", None),
        getattr(m, "institution", None),
        _list_value(getattr(m, "authors", None)),
        year(getattr(m, "year", None)),
        str(identifier) if identifier else None,
        getattr(m, "citekey", None),
        getattr(m, "reference", None),
        _list_value(getattr(m, "numbers", None)),
        _data_value(getattr(m, "finding", None), bool(getattr(m, "inherited", False))),
        study_id,
    )


def _reasons_value(reasons: tuple[str, ...], seen: dict[tuple[str, ...], Any]) -> Any:
    """The stored form of a claim's reasons (a few combinations recur: encoded once)."""
    if reasons not in seen:
        seen[reasons] = encode_value(list(reasons))
    return seen[reasons]


def _data_value(finding: str | None, inherited: bool) -> Any:
    if finding is None and not inherited:
        return _PLAIN_DATA
    return encode_value({"finding": finding, "inherited": inherited})


def _mention_changes(
    old: dict[str, list[tuple[Any, ...]]], new: dict[str, list[tuple[Any, ...]]]
) -> tuple[list[int], list[tuple[int, Sequence[Any], Sequence[Any]]], list[tuple[Any, ...]]]:
    """Mention rows to delete (ids), to update (id, stored values, new values) and to
    insert (values): a claim's stored mention of the same kind and text, in order, is the
    same mention (its row and what points at it stay); the others are new or gone."""
    stale: list[int] = []
    updates: list[tuple[int, Sequence[Any], Sequence[Any]]] = []
    inserts: list[tuple[Any, ...]] = []
    for cid in old.keys() - new.keys():
        stale.extend(row[0] for row in old[cid])
    for cid, rows in new.items():
        pool: dict[tuple[Any, Any], list[tuple[Any, ...]]] = {}
        for row in old.get(cid, ()):
            pool.setdefault((row[3], row[4]), []).append(row)  # kind, text
        for values in rows:
            same = pool.get((values[2], values[3]))
            if not same:
                inserts.append(values)
                continue
            kept = same.pop(0)
            if kept[1:] != values:
                updates.append((kept[0], kept[1:], values))
        stale.extend(row[0] for left in pool.values() for row in left)
    return stale, updates, inserts


def _delete_mentions(store: Store, ids: Sequence[int]) -> None:
    """Delete mention rows, and the candidate works found for them."""
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        store.execute(f"delete from candidates where mention_id in ({marks})", chunk)
        store.execute(f"delete from mentions where id in ({marks})", chunk)


def _update_changed(
    store: Store,
    table: str,
    columns: Sequence[str],
    changes: Sequence[tuple[Any, Sequence[Any], Sequence[Any]]],
) -> None:
    """Write each row's changed columns (``changes``: key, stored values, new values,
    both in ``columns`` order), one statement for the rows that changed in the same
    columns (after an edit, most rows of a document differ in their offsets alone)."""
    groups: dict[tuple[int, ...], list[tuple[Any, list[Any]]]] = {}
    for key, stored, values in changes:
        differ = tuple(n for n, (a, b) in enumerate(zip(stored, values, strict=True)) if a != b)
        if differ:
            groups.setdefault(differ, []).append((key, [values[n] for n in differ]))
    for differ, rows in groups.items():
        _update_rows(store, table, [columns[n] for n in differ], rows)


def _update_rows(
    store: Store, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, list[Any]]]
) -> None:
    """Write the new values of rows (key, values in ``columns`` order): one statement
    for each few thousand rows, reading them from a JSON array."""
    sets = ", ".join(f"[{c}] = json_extract(j.value, '$[{n}]')" for n, c in enumerate(columns))
    sql = (
        f"update [{table}] set {sets} from json_each(?) as j "
        f"where [{table}].id = json_extract(j.value, '$[{len(columns)}]')"
    )
    for start in range(0, len(rows), UPDATE_CHUNK):
        chunk = rows[start : start + UPDATE_CHUNK]
        store.execute(sql, [json.dumps([[*values, key] for key, values in chunk])])


def link_citation(store: Store, claim_id: str, study_id: int) -> None:
    """A citation in the document links claim and study (origin ``citation``)."""
    store.insert_ignore(
        "evidence",
        {
            "claim_id": claim_id,
            "study_id": study_id,
            "stance": "mentions",
            "origin": "citation",
            "note": None,
            "created_at": now(),
        },
    )


def year(value: Any) -> int | None:
    text = str(value or "").strip()[:4]
    return int(text) if text.isdigit() else None
