"""What the LaTeX reader knows about macros and environments.

Citation, heading and glossary commands are declared to pylatexenc with their
arguments (``latex_context``) so that their keys and titles arrive as arguments
rather than as loose text; the other sets say what the renderer keeps of each.
"""

from __future__ import annotations

from typing import Any

CITE_MACROS = {
    "cite",
    "citep",
    "citet",
    "citealp",
    "citealt",
    "citeauthor",
    "citeyear",
    "citeyearpar",
    "parencite",
    "textcite",
    "autocite",
    "footcite",
    "smartcite",
    "supercite",
    "Cite",
    "Citep",
    "Citet",
    "Parencite",
    "Textcite",
    "Autocite",
    "nocite",
}
# Author-year commands that name the authors in the sentence (no brackets).
NARRATIVE_CITES = {"citet", "citealt", "citeauthor", "textcite", "Citet", "Textcite"}
HEADING_LEVELS = {
    "part": 1,
    "chapter": 1,
    "title": 1,
    "section": 2,
    "subsection": 3,
    "subsubsection": 4,
    "paragraph": 5,
    "subparagraph": 6,
}
GLOSSARY_MACROS = {
    "gls",
    "Gls",
    "GLS",
    "glspl",
    "Glspl",
    "glsfirst",
    "Glsfirst",
    "acrshort",
    "acrlong",
    "acrfull",
    "ac",
    "acs",
    "acl",
    "acf",
    "acp",
    "Ac",
}
# Commands whose arguments are not prose.
DROPPED_MACROS = {
    "label",
    "includegraphics",
    "bibliographystyle",
    "bibliography",
    "addbibresource",
    "usepackage",
    "documentclass",
    "newcommand",
    "renewcommand",
    "providecommand",
    "DeclareMathOperator",
    "vspace",
    "hspace",
    "vskip",
    "setlength",
    "setcounter",
    "addtolength",
    "printglossary",
    "printbibliography",
    "maketitle",
    "tableofcontents",
    "clearpage",
    "newpage",
    "pagebreak",
    "linespread",
    "geometry",
    "thanks",
    "author",
    "date",
    "affiliation",
    "address",
    "email",
    "keywords",
    "newacronym",
    "newglossaryentry",
    "hypersetup",
    "graphicspath",
    "pagestyle",
    "thispagestyle",
    "centering",
    "noindent",
    "tightlist",
    "todo",
    "comment",
}
REF_MACROS = {"ref", "cref", "Cref", "autoref", "eqref", "pageref", "nameref", "vref"}
# Environments whose content is not prose (thebibliography is rendered apart).
DROPPED_ENVIRONMENTS = {
    "tabular",
    "tabular*",
    "tabularx",
    "longtable",
    "equation",
    "equation*",
    "align",
    "align*",
    "gather",
    "gather*",
    "multline",
    "multline*",
    "eqnarray",
    "eqnarray*",
    "displaymath",
    "math",
    "verbatim",
    "lstlisting",
    "minted",
    "tikzpicture",
    "thebibliography",
    "comment",
    "titlepage",
}
TABLE_ENVIRONMENTS = {"tabular", "tabular*", "tabularx", "longtable", "tabulary", "supertabular"}
# Table-cell commands whose last argument is the cell's text.
LAST_ARGUMENT_MACROS = {"multirow", "multicolumn", "makecell", "thead"}
FLOAT_ENVIRONMENTS = {"figure", "figure*", "table", "table*", "wrapfigure", "sidewaystable"}
LIST_ENVIRONMENTS = {"itemize", "enumerate", "description", "compactitem", "tablenotes"}
QUOTE_ENVIRONMENTS = {"quote", "quotation", "displayquote"}


def latex_context() -> Any:
    """pylatexenc's default macro database with the argument specs of our commands."""
    from pylatexenc import latexwalker, macrospec

    db = latexwalker.get_default_latex_context_db()
    macros = [macrospec.MacroSpec(name, "*[[{") for name in CITE_MACROS]
    macros += [macrospec.MacroSpec(name, "[{[") for name in GLOSSARY_MACROS]
    macros += [macrospec.MacroSpec(name, "*[{") for name in HEADING_LEVELS]
    macros += [
        macrospec.MacroSpec("caption", "[{"),
        macrospec.MacroSpec("footnote", "[{"),
        macrospec.MacroSpec("href", "{{"),
        macrospec.MacroSpec("url", "{"),
        macrospec.MacroSpec("item", "["),
        macrospec.MacroSpec("bibitem", "[{"),
        macrospec.MacroSpec("includegraphics", "[{"),
        macrospec.MacroSpec("label", "{"),
        macrospec.MacroSpec("todo", "[{"),
        macrospec.MacroSpec("comment", "{"),
        macrospec.MacroSpec("vskip", ""),
        macrospec.MacroSpec("multirow", "[{[{[{"),
        macrospec.MacroSpec("multicolumn", "{{{"),
        macrospec.MacroSpec("makecell", "[{"),
    ]
    macros += [macrospec.MacroSpec(name, "*{") for name in REF_MACROS]
    db.add_context_category("evidence", macros=macros, prepend=True)
    return db
