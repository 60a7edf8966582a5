"""Matching bibliographic text to works.

- :mod:`bib.matching.references`: a free-text reference to the work it cites
  (parsing in :mod:`bib.matching.parsing`);
- :mod:`bib.matching.attribution`: a narrative attribution ("a study in X found …") to
  the study it reports (key terms in :mod:`bib.matching.findings`);
- :mod:`bib.matching.duplicates`: when two records are one work.

Journal names are compared in :mod:`bib.journals`, titles and names folded in
:mod:`bib.text`. The names below are re-exported for convenience; the modules above
are their homes.
"""

from __future__ import annotations

from bib.matching.duplicates import (
    DuplicateFacts,
    duplicate_facts,
    first_page,
    probable_duplicate,
    same_candidate,
)
from bib.matching.parsing import ParsedReference, parse_reference
from bib.matching.references import (
    MARGIN,
    THRESHOLD,
    CandidateScore,
    MatchResult,
    choose,
    is_preprint,
    score_candidate,
)

__all__ = [
    "MARGIN",
    "THRESHOLD",
    "CandidateScore",
    "DuplicateFacts",
    "MatchResult",
    "ParsedReference",
    "choose",
    "duplicate_facts",
    "first_page",
    "is_preprint",
    "parse_reference",
    "probable_duplicate",
    "same_candidate",
    "score_candidate",
]
