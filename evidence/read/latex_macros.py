"""What the LaTeX reader knows about macros and environments.

Citation, heading and glossary commands are declared to pylatexenc with their
arguments (``latex_context``) so that their keys and titles arrive as arguments
rather than as loose text; the other sets say what the renderer keeps of each.
"""

from __future__ import annotations

from typing import Any

# natbib, biblatex and apacite citation commands (each also starred: ``\\citet*``).
CITE_MACROS = {
    "cite",
    "citep",
    "citet",
    "citealp",
    "citealt",
    "citeauthor",
    "citeyear",
    "citeyearpar",
    "citepalias",
    "citetalias",
    "citenum",
    "citen",
    "citeA",
    "citeNP",
    "parencite",
    "textcite",
    "autocite",
    "footcite",
    "footcitetext",
    "smartcite",
    "supercite",
    "fullcite",
    "Cite",
    "Citep",
    "Citet",
    "Citealp",
    "Citealt",
    "Citeauthor",
    "Parencite",
    "Textcite",
    "Autocite",
    "Smartcite",
    "Footcite",
    "nocite",
}
# Commands that print a name, a year or an alias within the sentence (no brackets).
NARRATIVE_CITES = {
    "citet",
    "citealt",
    "citeauthor",
    "citeyear",
    "citetalias",
    "citeA",
    "textcite",
    "Citet",
    "Citealt",
    "Citeauthor",
    "Textcite",
}
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
    "color",
    "xspace",
    "hline",
    "toprule",
    "midrule",
    "bottomrule",
    "cline",
    "addlinespace",
    "rowcolor",
    "cellcolor",
    "columncolor",
    "endhead",
    "endfirsthead",
    "endfoot",
    "endlastfoot",
    "arraybackslash",
    "raggedright",
    "raggedleft",
    "def",
    "let",
    "newenvironment",
    "renewenvironment",
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
# Table-cell and box commands whose last argument is the text (the others are sizes,
# colours, positions).
LAST_ARGUMENT_MACROS = {
    "multirow",
    "multicolumn",
    "makecell",
    "thead",
    "resizebox",
    "scalebox",
    "makebox",
    "parbox",
    "raisebox",
    "rotatebox",
    "adjustbox",
    "textcolor",
    "colorbox",
    "fcolorbox",
}
FLOAT_ENVIRONMENTS = {"figure", "figure*", "table", "table*", "wrapfigure", "sidewaystable"}
LIST_ENVIRONMENTS = {"itemize", "enumerate", "description", "compactitem", "tablenotes"}
QUOTE_ENVIRONMENTS = {"quote", "quotation", "displayquote"}
# The commands this reader gives a meaning of its own: a document's definitions of
# these are not followed (evidence/read/latex_defs.py).
RESERVED_MACROS = (
    CITE_MACROS
    | set(HEADING_LEVELS)
    | GLOSSARY_MACROS
    | DROPPED_MACROS
    | REF_MACROS
    | LAST_ARGUMENT_MACROS
    | {"caption", "footnote", "href", "url", "item", "bibitem", "par", "begin", "end"}
    | {"input", "include", "subfile", "verb"}
)
RESERVED_ENVIRONMENTS = (
    DROPPED_ENVIRONMENTS
    | TABLE_ENVIRONMENTS
    | FLOAT_ENVIRONMENTS
    | LIST_ENVIRONMENTS
    | QUOTE_ENVIRONMENTS
    | {"abstract", "document"}
)


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
        macrospec.MacroSpec("resizebox", "*{{{"),
        macrospec.MacroSpec("scalebox", "{[{"),
        macrospec.MacroSpec("makebox", "[[{"),
        macrospec.MacroSpec("parbox", "[[[{{"),
        macrospec.MacroSpec("raisebox", "{[[{"),
        macrospec.MacroSpec("rotatebox", "[{{"),
        macrospec.MacroSpec("adjustbox", "{{"),
        macrospec.MacroSpec("cline", "{"),
        macrospec.MacroSpec("rowcolor", "[{"),
        macrospec.MacroSpec("cellcolor", "[{"),
        macrospec.MacroSpec("columncolor", "[{"),
        macrospec.MacroSpec("addlinespace", "["),
    ]
    macros += [macrospec.MacroSpec(name, "*{") for name in REF_MACROS]
    environments = [
        macrospec.EnvironmentSpec("longtable", "[{"),
        macrospec.EnvironmentSpec("tabulary", "{{"),
        macrospec.EnvironmentSpec("supertabular", "{"),
        macrospec.EnvironmentSpec("minipage", "[[[{"),
        macrospec.EnvironmentSpec("adjustbox", "{"),
        macrospec.EnvironmentSpec("threeparttable", "["),
        macrospec.EnvironmentSpec("wrapfigure", "[{[{"),
    ]
    db.add_context_category("evidence", macros=macros, environments=environments, prepend=True)
    return db
