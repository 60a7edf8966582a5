"""Work types and what each bibliography format calls them.

``Work.type`` is a Crossref type where Crossref has one (``journal-article``,
``book-chapter``…), else a CSL type. Each format has a table from its own types to Work
types (several may map to one) and one back (what a writer uses when the Work carries no
type of that format).
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------
# BibTeX

# BibTeX/biblatex entry type -> Work.type (Crossref type where there is one, else CSL).
ENTRY_TYPES: dict[str, str] = {
    "article": "journal-article",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "collection": "edited-book",
    "mvcollection": "edited-book",
    "inbook": "book-chapter",
    "incollection": "book-chapter",
    "bookinbook": "book-chapter",
    "suppbook": "book-chapter",
    "suppcollection": "book-chapter",
    "inproceedings": "proceedings-article",
    "conference": "proceedings-article",
    "proceedings": "proceedings",
    "mvproceedings": "proceedings",
    "phdthesis": "dissertation",
    "mastersthesis": "dissertation",
    "thesis": "dissertation",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "posted-content",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "standard": "standard",
    "periodical": "journal-issue",
    "misc": "other",
}

# Work.type -> entry type written when the Work carries no BibTeX type of its own.
WORK_TYPES: dict[str, str] = {
    "journal-article": "article",
    "book": "book",
    "edited-book": "book",
    "monograph": "book",
    "book-chapter": "incollection",
    "book-section": "incollection",
    "book-part": "incollection",
    "proceedings-article": "inproceedings",
    "proceedings": "proceedings",
    "dissertation": "phdthesis",
    "report": "techreport",
    "posted-content": "unpublished",
}


# --------------------------------------------------------------------------------------
# CSL: https://docs.citationstyles.org/en/stable/specification.html#appendix-iii-types

# Work.type -> CSL item type.
WORK_TO_CSL: dict[str, str] = {
    "journal-article": "article-journal",
    "posted-content": "article",
    "book": "book",
    "edited-book": "book",
    "monograph": "book",
    "proceedings": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "proceedings-article": "paper-conference",
    "dissertation": "thesis",
    "report": "report",
    "dataset": "dataset",
    "webpage": "webpage",
    "software": "software",
    "patent": "patent",
    "standard": "standard",
    "reference-entry": "entry-encyclopedia",
    "journal-issue": "periodical",
    "other": "document",
}

# CSL types no Work type is written as, read as the nearest one.
_CSL_ALIASES: dict[str, str] = {
    "post-weblog": "webpage",
    "manuscript": "posted-content",
    "entry-dictionary": "reference-entry",
}

# CSL item type -> Work.type: WORK_TO_CSL read backwards (its first Work type for each
# CSL type), and the aliases.
CSL_TO_WORK: dict[str, str] = {
    **{csl: work for work, csl in reversed(WORK_TO_CSL.items())},
    **_CSL_ALIASES,
}


# --------------------------------------------------------------------------------------
# RIS

# RIS type -> Work.type.
RIS_TYPES: dict[str, str] = {
    "JOUR": "journal-article",
    "JFULL": "journal-issue",
    "ABST": "journal-article",
    "EJOUR": "journal-article",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "edited-book",
    "CHAP": "book-chapter",
    "ECHAP": "book-chapter",
    "CPAPER": "proceedings-article",
    "CONF": "proceedings",
    "THES": "dissertation",
    "RPRT": "report",
    "UNPB": "posted-content",
    "DATA": "dataset",
    "ELEC": "webpage",
    "WEB": "webpage",
    "COMP": "software",
    "PAT": "patent",
    "STAND": "standard",
    "ENCYC": "reference-entry",
    "GEN": "other",
}

WORK_TO_RIS: dict[str, str] = {
    "journal-article": "JOUR",
    "journal-issue": "JFULL",
    "book": "BOOK",
    "monograph": "BOOK",
    "edited-book": "EDBOOK",
    "book-chapter": "CHAP",
    "book-section": "CHAP",
    "book-part": "CHAP",
    "proceedings-article": "CPAPER",
    "proceedings": "CONF",
    "dissertation": "THES",
    "report": "RPRT",
    "posted-content": "UNPB",
    "dataset": "DATA",
    "webpage": "ELEC",
    "software": "COMP",
    "patent": "PAT",
    "standard": "STAND",
    "reference-entry": "ENCYC",
    "other": "GEN",
}
