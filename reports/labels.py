"""Words and colours for the report's vocabularies (statuses, verdicts, designs, stances).

Every colour is dark enough for white text (WCAG AA, 4.5:1; a test checks it) and is
never the only signal: each use comes with its label.
"""

from __future__ import annotations

from typing import Final

STATUSES: Final = (
    "supported",
    "disputed",
    "retracted",
    "cited",
    "attributed",
    "vague",
    "unsourced",
)
STATUS_LABELS: Final = {
    "supported": "Supported",
    "disputed": "Disputed",
    "retracted": "Retracted source",
    "cited": "Cited",
    "attributed": "Attributed",
    "vague": "Vague",
    "unsourced": "Unsourced",
}
STATUS_DESCRIPTIONS: Final = {
    "supported": "a verified, unretracted study supports it",
    "disputed": "evidence on record contradicts it",
    "retracted": "it rests on a retracted study",
    "cited": "it cites a study whose stance is not yet reviewed",
    "attributed": "it names a journal or institution but no specific study",
    "vague": "it appeals to unnamed research",
    "unsourced": "it gives no source",
}
STATUS_COLOURS: Final = {
    "supported": "#1a7f37",
    "disputed": "#9a4a00",
    "retracted": "#a40e26",
    "cited": "#0b5cad",
    "attributed": "#6639ba",
    "vague": "#7a5c00",
    "unsourced": "#57606a",
}
# Statuses a reader should act on, worst first (the "at a glance" line).
PROBLEM_STATUSES: Final = ("retracted", "disputed", "unsourced", "vague", "attributed")

VERDICTS: Final = ("verified", "mismatch", "not_found", "retracted", "unverified")
VERDICT_LABELS: Final = {
    "verified": "Verified",
    "mismatch": "Details differ",
    "not_found": "Not found",
    "retracted": "Retracted",
    "unverified": "Unverified",
}
VERDICT_DESCRIPTIONS: Final = {
    "verified": "found in the bibliographic services and matching",
    "mismatch": "found, but some details differ from the citation",
    "not_found": "no bibliographic service knows it",
    "retracted": "a retraction notice is on record",
    "unverified": "not checked yet (offline or a service error)",
}
VERDICT_COLOURS: Final = {
    "verified": "#1a7f37",
    "mismatch": "#9a4a00",
    "not_found": "#a40e26",
    "retracted": "#a40e26",
    "unverified": "#57606a",
}

EVIDENCE_LEVELS: Final = (
    "systematic-review",
    "rct",
    "trial",
    "observational",
    "case-report",
    "review",
    "other",
    "unknown",
)
EVIDENCE_LEVEL_LABELS: Final = {
    "systematic-review": "Systematic review or meta-analysis",
    "rct": "Randomised controlled trial",
    "trial": "Clinical trial (not randomised)",
    "observational": "Observational study",
    "case-report": "Case report",
    "review": "Narrative review",
    "other": "Other design",
    "unknown": "Design unknown",
}

STANCES: Final = ("supports", "contradicts", "mentions")
STANCE_LABELS: Final = {
    "supports": "Supports",
    "contradicts": "Contradicts",
    "mentions": "Mentions",
}
STANCE_COLOURS: Final = {
    "supports": "#1a7f37",
    "contradicts": "#b3261e",
    "mentions": "#57606a",
}
# A glyph per stance, so the evidence map reads without colour.
STANCE_GLYPHS: Final = {"supports": "+", "contradicts": "\u2212", "mentions": "\u2022"}
ORIGIN_LABELS: Final = {
    "user": "tagged by a reviewer",
    "citation": "from the document's citation",
    "suggested": "suggested, not yet confirmed",
}

MENTION_KIND_LABELS: Final = {
    "doi": "DOI",
    "pmid": "PubMed ID",
    "pmcid": "PubMed Central ID",
    "arxiv": "arXiv ID",
    "url": "URL",
    "citekey": "Citation key",
    "numbered": "Numbered reference",
    "author-year": "Author-year citation",
    "journal": "Names a journal or institution",
    "vague": "Vague appeal to research",
}

NOTICE_LABELS: Final = {
    "retraction": "Retraction",
    "correction": "Correction",
    "erratum": "Erratum",
    "expression_of_concern": "Expression of concern",
    "withdrawal": "Withdrawal",
    "new_version": "New version",
}

FALLBACK_COLOUR: Final = "#57606a"


def label(table: dict[str, str], key: object) -> str:
    """The label for ``key``, or the key itself made readable when the table lacks it."""
    text = str(key)
    return table.get(text, text.replace("_", " ").replace("-", " ").capitalize())
