"""When two records are one work, in the two senses the program needs.

- :func:`probable_duplicate`: a library entry and a study already saved probably
  describe the same work (identifiers, else title, year, locators and first author).
- :func:`same_candidate`: two candidates of one search are the same record (same object,
  DOI or PMID), so one may not count as the other's rival when choosing between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bib.text import family_key, normalize_title, normalized_title_similarity
from bib.work import Work

_FIRST_PAGE = re.compile(r"\s*([A-Za-z]?\d+[A-Za-z]?)")


def first_page(pages: str | None) -> str | None:
    """The first page of a range, lower-cased: ``"e1002-e1010"`` → ``"e1002"``."""
    if not pages:
        return None
    match = _FIRST_PAGE.match(pages)
    return match.group(1).lower() if match else None


@dataclass(slots=True)
class DuplicateFacts:
    """What probable_duplicate compares about one record, computed once: a library
    comparing one entry with many studies prepares each side a single time (the title
    the first time a comparison gets as far as the titles)."""

    # doi, pmid, pmcid, arxiv, isbn, lower-cased (None where absent)
    ids: tuple[str | None, ...]
    year: int | None
    # volume, issue, first page: stripped and lower-cased (None where absent)
    locators: tuple[str | None, ...]
    family: str
    title: str | None
    # the title through bib.text.normalize_title, once normal_title() has been asked
    normal: str | None = field(default=None, repr=False, compare=False)

    def normal_title(self) -> str:
        """The title through bib.text.normalize_title ("" where absent)."""
        if self.normal is None:
            self.normal = normalize_title(self.title)
        return self.normal

    @classmethod
    def of(
        cls,
        *,
        ids: Iterable[str | None],
        year: int | None,
        volume: Any,
        issue: Any,
        pages: str | None,
        first_author: str | None,
        title: str | None,
    ) -> DuplicateFacts:
        page = first_page(pages)
        return cls(
            tuple([str(v).lower() if v else None for v in ids]),
            year,
            (
                str(volume).strip().lower() if volume else None,
                str(issue).strip().lower() if issue else None,
                page,  # first_page gives it lower-cased, without spaces
            ),
            family_key(first_author),
            title,
        )


def duplicate_facts(work: Work) -> DuplicateFacts:
    return DuplicateFacts.of(
        ids=(work.doi, work.pmid, work.pmcid, work.arxiv, work.isbn),
        year=work.year,
        volume=work.volume,
        issue=work.issue,
        pages=work.pages,
        first_author=work.first_author,
        title=work.title,
    )


def probable_duplicate(a: Work | DuplicateFacts, b: Work | DuplicateFacts) -> bool:
    """Whether two records probably describe the same work (records or their prepared
    :class:`DuplicateFacts`).

    A shared DOI, PMID, PMCID, arXiv id or ISBN decides it; two different DOIs are
    distinct registered records (a preprint and its article included) and are never
    called duplicates. Otherwise the titles must be near-identical (≥ 0.9), the years at
    most one apart (print versus online), volume, issue and first page the same where
    both records give them, and the first authors the same when both are known.
    """
    fa = a if isinstance(a, DuplicateFacts) else duplicate_facts(a)
    fb = b if isinstance(b, DuplicateFacts) else duplicate_facts(b)
    for va, vb in zip(fa.ids, fb.ids, strict=True):
        if va is not None and va == vb:
            return True
    if fa.ids[0] is not None and fb.ids[0] is not None:
        return False
    # Cheap tests first; the fuzzy title comparison last.
    if fa.year and fb.year and abs(fa.year - fb.year) > 1:
        return False
    # Same title in another issue or on other pages is another work: a recurring column
    # ("Editorial comments", "Letters") appears in every issue of a year.
    for va, vb in zip(fa.locators, fb.locators, strict=True):
        if va is not None and vb is not None and va != vb:
            return False
    if fa.family and fb.family and fa.family != fb.family:
        return False
    return normalized_title_similarity(fa.normal_title(), fb.normal_title()) >= 0.9


def candidate_keys(work: Work) -> list[tuple[str, str]]:
    """What :func:`same_candidate` compares, as keys: two works are the same candidate
    when they are one object or share a key."""
    return [
        (kind, str(value).lower()) for kind in ("doi", "pmid") if (value := getattr(work, kind))
    ]


def same_candidate(a: Work, b: Work) -> bool:
    """Whether two candidates of one search are the same record: the same object, or a
    shared DOI or PMID (one record returned twice, or by two services)."""
    return a is b or not set(candidate_keys(a)).isdisjoint(candidate_keys(b))


def unique_candidates(works: Iterable[Work]) -> list[Work]:
    """The works in order, each record once (see :func:`same_candidate`), in one pass
    however many there are."""
    out: list[Work] = []
    objects: set[int] = set()
    keys: set[tuple[str, str]] = set()
    for work in works:
        own = candidate_keys(work)
        if id(work) in objects or any(k in keys for k in own):
            continue
        out.append(work)
        objects.add(id(work))
        keys.update(own)
    return out
