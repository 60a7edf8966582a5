"""The report model for reports of any size: the model of evidence.reportmodel, with
its claims and studies read from the database as the report is written.

``open_report_model`` makes one pass over the claims (their statuses, the evidence map,
the claims that lack sources, the outline the templates look things up in) and one
light pass over the studies the report shows (verdict, check time and design, read as
plain columns; a study that needs attention or appears under References is read whole),
then returns a :class:`reports.stream.StreamedModel` whose ``claims`` and ``studies``
are read again, a chunk at a time, while :func:`reports.stream.iter_json` or
:func:`reports.stream.iter_report` writes them. Call it, and write the report, inside
``store.snapshot()``: every read then sees the same database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from evidence.claims import claim_objects_of, document_id, iter_claim_reads
from evidence.library import study_objects
from evidence.listing import in_chunks
from evidence.reportmodel import (
    ClaimTally,
    StudyTally,
    assemble,
    attach_candidates,
    candidates_by_mention,
    documents_of,
)
from evidence.store import Store
from evidence.store.schema import JSON_COLUMNS
from evidence.vocab import LACKING_SOURCE
from reports.stream import Outline, StreamedModel

# The columns library.study_object reads (no other JSON column is decoded).
STUDY_COLUMNS = (
    "id, citekey, doi, pmid, pmcid, arxiv, isbn, openalex, title, authors, journal, issn, "
    "year, volume, issue, pages, type, publication_types, evidence_level, retracted, "
    "duplicate_of, abstract, url, added_at"
)
_JSON_COLUMNS = tuple(c for c in STUDY_COLUMNS.split(", ") if c in JSON_COLUMNS)
# Rows read per round: whole study objects, claims, and the light rows of the tally.
STUDY_CHUNK = 500
CLAIM_CHUNK = 500
TALLY_CHUNK = 5_000

# The studies a document's claims (not removed ones) reach: cited, linked as evidence,
# or candidates of a mention.
_OF_CLAIMS = (
    "join claims c on c.id = m.claim_id where c.document_id = :doc and c.removed_at is null"
)
_REFERENCED = (
    "select s.citekey, s.id from studies s where s.id in ("
    f"select m.study_id from mentions m {_OF_CLAIMS} "
    f"union select m.study_id from evidence m {_OF_CLAIMS} "
    "union select k.study_id from candidates k join mentions m on m.id = k.mention_id "
    f"{_OF_CLAIMS}) order by s.citekey"
)
# What the tally needs of a study it does not read whole.
_LIGHT = (
    "select s.id, s.evidence_level, s.retracted, s.duplicate_of is not null, k.status, "
    "k.checked_at, exists (select 1 from notices n where n.study_id = s.id) "
    "from studies s left join checks k on k.id = s.latest_check "
    "where s.id in (select value from json_each(?))"
)


class StudySource(Mapping[str, dict[str, Any]]):
    """The report's studies by citekey, in citekey order; each read is one chunk."""

    def __init__(self, store: Store, keys: list[tuple[str, int]]) -> None:
        self._store = store
        self._ids = dict(keys)

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key not in self._ids:
            raise KeyError(key)
        return self.fetch([key])[key]

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def id_of(self, key: str) -> int:
        return self._ids[key]

    def fetch(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The study objects of ``keys`` (citekeys of the report), in one read."""
        ids = [self._ids[key] for key in keys]
        if not ids:
            return {}
        cursor = self._store.execute(
            f"select {STUDY_COLUMNS} from studies where id in (select value from json_each(?))",
            [json.dumps(ids)],
        )
        names = [d[0] for d in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            # the JSON columns, decoded as Store.query decodes them
            for name in _JSON_COLUMNS:
                text = row[name]
                if text == "[]":
                    row[name] = []
                elif isinstance(text, str):
                    try:
                        row[name] = json.loads(text)
                    except ValueError:
                        pass
            rows.append(row)
        return {study["id"]: study for study in study_objects(self._store, rows)}

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:  # type: ignore[override]
        for chunk in in_chunks(self._ids, STUDY_CHUNK):
            studies = self.fetch(chunk)
            for key in chunk:
                yield key, studies[key]

    def values(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        return (study for _, study in self.items())


class ClaimSource:
    """The report's claims in document order, read a chunk at a time each time they are
    iterated, every mention with its candidate studies."""

    def __init__(self, store: Store, doc_id: int | None, total: int) -> None:
        self._store = store
        self._doc_id = doc_id
        self._total = total
        self._candidates = bool(store.scalar("select exists (select 1 from candidates)"))

    def __len__(self) -> int:
        return self._total

    def __iter__(self) -> Iterator[dict[str, Any]]:
        claims = claim_objects_of(iter_claim_reads(self._store, document_id=self._doc_id))
        for chunk in in_chunks(claims, CLAIM_CHUNK):
            candidates = (
                candidates_by_mention(self._store, self._doc_id, [c["id"] for c in chunk])
                if self._candidates
                else {}
            )
            attach_candidates(chunk, candidates)
            yield from chunk  # type: ignore[misc]


def referenced_studies(store: Store, doc_id: int | None) -> list[tuple[str, int]]:
    """(citekey, id) of the studies the report shows, in citekey order: those the
    document's claims reach, or every study when there is no document."""
    if doc_id is None:
        cursor = store.execute("select citekey, id from studies order by citekey")
    else:
        cursor = store.execute(_REFERENCED, {"doc": doc_id})
    return cursor.fetchall()


def tally_studies(store: Store, studies: StudySource, tally: StudyTally) -> None:
    """Add every study of ``studies`` to ``tally`` in order: from a few plain columns,
    or read whole when anything about it shows beyond the counts."""
    for chunk in in_chunks(studies, TALLY_CHUNK):
        light = {
            row[0]: row
            for row in store.execute(
                _LIGHT, [json.dumps([studies.id_of(key) for key in chunk])]
            ).fetchall()
        }
        whole_keys = []
        for key in chunk:
            _, _, retracted, duplicate, status, _, notices = light[studies.id_of(key)]
            if StudyTally.needs_whole(status, bool(retracted), bool(notices), bool(duplicate)):
                whole_keys.append(key)
        whole = studies.fetch(whole_keys)
        for key in chunk:
            if key in whole:
                tally.add(key, whole[key])
                continue
            _, level, _, _, status, checked_at, _ = light[studies.id_of(key)]
            tally.add(
                key,
                {
                    "verification": {"status": status or "unverified", "checked_at": checked_at},
                    "evidence_level": level,
                    "retracted": False,
                    "notices": [],
                    "title": None,
                },
            )


def open_report_model(store: Store, document: str | None = None) -> StreamedModel:
    """The report model of ``document`` (every document: None), its claims and studies
    read as they are written (see the module's docstring)."""
    doc_id = document_id(store, document)
    documents = documents_of(store, doc_id)
    studies = StudySource(store, referenced_studies(store, doc_id))
    claim_tally = ClaimTally(studies)
    outline = Outline(studies)
    for claim in claim_objects_of(iter_claim_reads(store, document_id=doc_id)):
        claim_tally.add(claim)
        outline.add(claim, claim["status"] in LACKING_SOURCE)
    study_tally = StudyTally()
    tally_studies(store, studies, study_tally)
    claims = ClaimSource(store, doc_id, claim_tally.total)
    model = assemble(document, documents, claims, studies, claim_tally, study_tally)
    return StreamedModel(model, outline)
