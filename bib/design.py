"""Study design of a work, as an evidence level, from publication types.

PubMed publication types (MeSH Publication Types, https://www.nlm.nih.gov/mesh/pubtypes.html)
are indexed by NLM from the full text and are the signal used first. Semantic Scholar's
``publicationTypes`` and OpenAlex's ``type`` are machine-derived and coarse; they are a
weaker fallback used only when PubMed names no design. Crossref types (journal-article,
posted-content, …) name the document, not the design, and never decide a level.

Levels, highest first (a work with several types takes the highest):

- ``systematic-review``: Systematic Review, Meta-Analysis (incl. Network Meta-Analysis).
- ``rct``: Randomized Controlled Trial.
- ``trial``: Clinical Trial and its phases, Controlled Clinical Trial, Pragmatic /
  Adaptive Clinical Trial, Equivalence Trial.
- ``observational``: Observational Study, Comparative Study, Twin Study, and the
  cohort, case-control, cross-sectional, prospective/retrospective MeSH study headings.
- ``case-report``: Case Reports.
- ``review``: secondary and opinion literature whose method the type does not vouch for:
  Review (narrative), Scoping Review, Editorial, Comment, Letter, News, and guidelines
  (Guideline, Practice Guideline, Consensus Development Conference). Guidelines are
  placed here on purpose: the type says a body recommends something, not how the
  evidence was gathered; a guideline built on a systematic review is ranked by that
  review, not by itself.
- ``other``: anything else (Journal Article, protocols, errata, datasets, …).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bib.work import PublicationType, Work

LEVELS = (
    "systematic-review",
    "rct",
    "trial",
    "observational",
    "case-report",
    "review",
    "other",
)
# Higher is stronger evidence (the usual evidence pyramid).
RANK = {level: len(LEVELS) - 1 - i for i, level in enumerate(LEVELS)}

# PubMed publication type names (lower-case) -> level.
PUBMED_TYPES: dict[str, str] = {
    "systematic review": "systematic-review",
    "meta-analysis": "systematic-review",
    "network meta-analysis": "systematic-review",
    "randomized controlled trial": "rct",
    "randomized controlled trial, veterinary": "rct",
    "clinical trial": "trial",
    "clinical trial, phase i": "trial",
    "clinical trial, phase ii": "trial",
    "clinical trial, phase iii": "trial",
    "clinical trial, phase iv": "trial",
    "clinical trial, veterinary": "trial",
    "controlled clinical trial": "trial",
    "pragmatic clinical trial": "trial",
    "adaptive clinical trial": "trial",
    "equivalence trial": "trial",
    "observational study": "observational",
    "observational study, veterinary": "observational",
    "comparative study": "observational",
    "twin study": "observational",
    "case reports": "case-report",
    "review": "review",
    "scoping review": "review",
    "editorial": "review",
    "comment": "review",
    "letter": "review",
    "news": "review",
    "guideline": "review",
    "practice guideline": "review",
    "consensus development conference": "review",
    "consensus development conference, nih": "review",
}

# MeSH descriptors naming an observational design (not publication types, but indexed on
# the article: "Cohort Studies" D015331, "Case-Control Studies" D016022, …).
OBSERVATIONAL_MESH = {
    "cohort studies",
    "case-control studies",
    "cross-sectional studies",
    "prospective studies",
    "retrospective studies",
    "longitudinal studies",
}

# Semantic Scholar publicationTypes (S2 API docs) -> level.
S2_TYPES: dict[str, str] = {
    "metaanalysis": "systematic-review",
    "clinicaltrial": "trial",
    "casereport": "case-report",
    "review": "review",
    "editorial": "review",
    "lettersandcomments": "review",
    "news": "review",
}

# OpenAlex work types (developers.openalex.org work-types) -> level.
OPENALEX_TYPES: dict[str, str] = {
    "review": "review",
    "editorial": "review",
    "letter": "review",
}

_BY_SOURCE: dict[str, dict[str, str]] = {
    "pubmed": PUBMED_TYPES,
    "s2": S2_TYPES,
    "openalex": OPENALEX_TYPES,
}


@dataclass(frozen=True)
class StudyDesign:
    """An evidence level, its rank (higher is stronger), the source that said so and the
    type names it rests on."""

    level: str
    rank: int
    source: str | None = None
    basis: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "rank": self.rank,
            "source": self.source,
            "basis": list(self.basis),
        }


OTHER = StudyDesign("other", RANK["other"])


def classify_type(name: str, source: str = "pubmed") -> str:
    """The level one publication type names (``other`` when it names no design)."""
    table = _BY_SOURCE.get(source)
    if table is None:
        return "other"
    return table.get(name.strip().lower(), "other")


def design_from_types(
    types: Iterable[PublicationType], mesh: Iterable[str] = (), source: str = "pubmed"
) -> StudyDesign:
    """The highest level among the types of one source (and, for PubMed, MeSH headings)."""
    best = OTHER
    basis: list[str] = []
    for pt in types:
        level = classify_type(pt.name, source)
        if level == "other":
            continue
        if RANK[level] > best.rank:
            best, basis = StudyDesign(level, RANK[level], source), [pt.name]
        elif level == best.level:
            basis.append(pt.name)
    if source == "pubmed" and best.rank < RANK["observational"]:
        headings = [m for m in mesh if m.strip().lower() in OBSERVATIONAL_MESH]
        if headings:
            best, basis = StudyDesign("observational", RANK["observational"], source), headings
    if best.level == "other":
        return OTHER
    return StudyDesign(best.level, best.rank, source, tuple(basis))


def study_design(work: Work) -> StudyDesign:
    """The evidence level of a work: PubMed's when its types (or MeSH study headings)
    name a design, else the best of the weaker S2/OpenAlex types, else ``other``."""
    by_source: dict[str, list[PublicationType]] = {}
    for pt in work.publication_types:
        by_source.setdefault(pt.source, []).append(pt)
    mesh_value = work.extra.get("mesh")
    mesh = [m for m in mesh_value if isinstance(m, str)] if isinstance(mesh_value, list) else []
    design = design_from_types(by_source.get("pubmed", []), mesh, "pubmed")
    if design.level != "other":
        return design
    for source in ("s2", "openalex"):
        candidate = design_from_types(by_source.get(source, []), source=source)
        if candidate.rank > design.rank:
            design = candidate
    return design


def evidence_level(
    publication_types: Iterable[PublicationType], work_type: str | None = None
) -> str:
    """The level name for a work's publication types (what the store keeps).

    ``work_type`` (Crossref/CSL type) names the document, not the design; it only turns a
    work with no design signal into ``other`` and is accepted for callers that have it.
    """
    types = list(publication_types)
    if not types:
        return OTHER.level
    return study_design(Work(type=work_type, publication_types=types)).level
