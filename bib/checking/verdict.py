"""One verdict for one citation, with the evidence behind it.

``judge`` takes the citation, what its identifier led to (``bib.lookup``) and what the
title searches found (``bib.checking.search``), and says:

- ``verified``: the work exists and the citation agrees with it;
- ``mismatch``: the work exists, the citation gets fields wrong (each listed, with its
  severity); an identifier that does not exist or belongs to another work is one of them
  when the title and authors lead to the work;
- ``not_found``: every service that covers such a work was searched and none knows it;
- ``unverified``: it could not be decided (offline, a service failed, no title to search,
  a kind of work the services do not index). Never reported as fabricated.

``likely`` says which of the two a flagged citation looks like: ``fabricated`` (no such
work; an identifier that does not exist; a venue nobody knows; a real identifier under a
changed title and other authors) or ``miscited`` (a real work cited with wrong details).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bib.checking.compare import (
    TITLE_MINOR,
    FieldDiff,
    compare_citation,
    future_year,
    match_authors,
)
from bib.checking.search import SearchOutcome, searchable
from bib.errors import OfflineMiss, ServiceError
from bib.lookup import LookupResult
from bib.text import title_similarity
from bib.work import Work

# Kinds of work that no searched service indexes reliably: not finding one proves nothing.
UNINDEXED_TYPES = frozenset(
    {
        "book",
        "book-chapter",
        "chapter",
        "thesis",
        "dataset",
        "software",
        "webpage",
        "post",
        "post-weblog",
        "report",
        "manuscript",
        "standard",
        "patent",
        "motion_picture",
        "personal_communication",
    }
)
# Findings that alone leave a citation verified (listed, not flagged): print and online
# years, preprint and paper, differ by one as a matter of course.
TOLERATED_KINDS = frozenset({"year-off-by-one"})
# Findings that make a flagged citation look invented rather than miscited.
FABRICATION_KINDS = frozenset({"unknown-id", "unknown-venue", "id-of-other-work"})


@dataclass
class Verification:
    """A verdict and its evidence (the study JSON's ``verification`` object)."""

    verdict: str
    reason: str
    fields: list[FieldDiff] = field(default_factory=list)
    matched: Work | None = None
    searched: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    likely: str | None = None

    def matched_dict(self) -> dict[str, Any] | None:
        work = self.matched
        if work is None:
            return None
        return {
            "doi": work.doi,
            "arxiv": work.arxiv,
            "title": work.title,
            "authors": [a.family for a in work.authors],
            "venue": work.journal,
            "year": work.year,
            "source": work.source,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "likely": self.likely,
            "fields": [f.to_dict() for f in self.fields],
            "matched": self.matched_dict(),
            "searched": self.searched,
            "sources": self.sources,
        }


def same_work(cited: Work, versions: Sequence[Work]) -> bool:
    """Whether the records an identifier led to describe the cited work: a title close
    enough, or a title half-right with a cited author among the work's."""
    if not cited.title:
        return True  # nothing to tell them apart by
    titled = [v for v in versions if v.title]
    if not titled:
        return True
    best = max(title_similarity(cited.title, v.title) for v in titled)
    if best >= TITLE_MINOR:
        return True
    if best < 0.5:
        return False
    people = [a for a in cited.authors if a.family.lower() != "others"]
    return any(
        any(m is not None for m in match_authors(people, v.authors)) for v in versions if v.authors
    )


def _searched(by_id: LookupResult | None, search: SearchOutcome | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if by_id is not None:
        ident = f"{by_id.identifier.kind}:{by_id.identifier.value}"
        for service in by_id.works:
            out.append({"service": service, "query": ident, "hits": 1, "accepted": ident})
        for service, where in by_id.not_found.items():
            out.append({"service": service, "query": where, "hits": 0, "accepted": None})
        for service, error in by_id.errors.items():
            out.append({"service": service, "query": ident, "hits": 0, "error": _error_text(error)})
    if search is not None:
        out.extend(s.to_dict() for s in search.searched)
    return out


def _error_text(error: ServiceError) -> str:
    return "offline: not in the HTTP cache" if isinstance(error, OfflineMiss) else error.reason


def _unverified_reason(by_id: LookupResult | None, search: SearchOutcome | None) -> str:
    errors: dict[str, ServiceError] = {}
    if by_id is not None:
        errors.update(by_id.errors)
    if search is not None:
        errors.update(search.errors)
    if errors and all(isinstance(e, OfflineMiss) for e in errors.values()):
        return "offline: not in the HTTP cache"
    if errors:
        return "; ".join(f"{s}: {_error_text(e)}" for s, e in errors.items())
    return "no service could be asked"


def _likely(verdict: str, fields: list[FieldDiff]) -> str | None:
    if verdict == "not_found":
        return "fabricated"
    if verdict != "mismatch":
        return None
    kinds = {f.kind for f in fields}
    if kinds & FABRICATION_KINDS:
        return "fabricated"
    # A changed title under authors who did not write the work: an invented reference
    # dressed in a real one's identifier.
    if "other-authors" in kinds and kinds & {"title-words", "other-title"}:
        return "fabricated"
    return "miscited"


def _decide(
    cited: Work,
    versions: list[Work],
    id_findings: list[FieldDiff],
    sources: list[str],
    searched: list[dict[str, Any]],
    this_year: int | None,
) -> Verification:
    fields = id_findings + compare_citation(cited, versions, this_year=this_year)
    matched = versions[0]
    if all(f.kind in TOLERATED_KINDS for f in fields):
        agrees = "the citation agrees" + (" (a year one off)" if fields else "")
        return Verification(
            "verified",
            f"found in {', '.join(sources)}; {agrees}",
            fields,
            matched,
            searched,
            sources,
        )
    worst = "major" if any(f.severity == "major" for f in fields) else "minor"
    names = ", ".join(dict.fromkeys(f.field for f in fields))
    reason = f"{names} ({worst}); found in {', '.join(sources)}"
    return Verification(
        "mismatch", reason, fields, matched, searched, sources, _likely("mismatch", fields)
    )


def judge(
    cited: Work,
    by_id: LookupResult | None,
    search: SearchOutcome | None,
    *,
    this_year: int | None = None,
) -> Verification:
    """The verdict for ``cited`` from its identifier lookup and its title searches."""
    searched = _searched(by_id, search)
    found_by_search = list(search.found.values()) if search else []
    search_sources = list(search.found) if search else []
    id_versions = list(by_id.works.values()) if by_id is not None else []
    id_label = f"{by_id.identifier.kind}:{by_id.identifier.value}" if by_id else ""

    if id_versions and same_work(cited, id_versions):
        versions = id_versions + [w for w in found_by_search if w not in id_versions]
        sources = list(dict.fromkeys([*by_id.works, *search_sources])) if by_id else []
        return _decide(cited, versions, [], sources, searched, this_year)

    id_findings: list[FieldDiff] = []
    if id_versions and by_id is not None:
        other = next((v.title for v in id_versions if v.title), "another work")
        id_findings.append(
            FieldDiff(
                by_id.identifier.kind,
                by_id.identifier.value,
                f"belongs to another work: {other}",
                "major",
                "id-of-other-work",
            )
        )
    elif by_id is not None and by_id.not_found and not by_id.errors:
        id_findings.append(
            FieldDiff(
                by_id.identifier.kind,
                by_id.identifier.value,
                "no such identifier in " + ", ".join(by_id.not_found),
                "major",
                "unknown-id",
            )
        )

    if found_by_search:
        # An identifier that could not be checked (a service failed) adds no finding.
        return _decide(cited, found_by_search, id_findings, search_sources, searched, this_year)

    future = future_year(cited, this_year)
    if id_findings and not cited.title and by_id is not None and not by_id.works:
        # A bare identifier that no service knows: nothing else to search by.
        reason = "not found in " + ", ".join(f"{s} ({w})" for s, w in by_id.not_found.items())
        return Verification("not_found", reason, id_findings, None, searched, [], "fabricated")
    decided = search is not None and search.complete() and searchable(cited)
    if by_id is not None and by_id.errors and not by_id.works:
        decided = False
    if decided and (cited.type or "") in UNINDEXED_TYPES:
        return Verification(
            "unverified",
            f"not found, but the services do not index every {cited.type}",
            [future] if future else [],
            None,
            searched,
        )
    if decided:
        asked = ", ".join(dict.fromkeys(s["service"] for s in searched)) or "no service"
        if id_versions:
            other = next((v.title for v in id_versions if v.title), "another work")
            reason = (
                f"no work with this title and these authors in {asked}; "
                f"{id_label} belongs to another work: {other}"
            )
        elif id_findings:
            reason = f"{id_label} does not exist and no work with this title is in {asked}"
        else:
            reason = f"no work with this title and these authors in {asked}"
        fields = id_findings + ([future] if future else [])
        return Verification("not_found", reason, fields, None, searched, [], "fabricated")
    if search is None or not searchable(cited):
        reason = (
            "no identifier that leads to the work and no title to search"
            if not cited.title
            else "the title is too short to search"
            if not searchable(cited)
            else _unverified_reason(by_id, search)
        )
        if by_id is not None and by_id.errors:
            reason = _unverified_reason(by_id, search)
        return Verification("unverified", reason, [future] if future else [], None, searched)
    return Verification(
        "unverified",
        _unverified_reason(by_id, search),
        [future] if future else [],
        None,
        searched,
    )
