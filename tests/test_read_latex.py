"""LaTeX reader: the document's own macros, every citation command, tables, and the
real manuscripts in ../shared (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.errors import DocumentError
from evidence.extract import extract
from evidence.read import read_document
from evidence.read.document import Document
from evidence.read.latex_defs import MAX_DEPTH, expand_macros
from evidence.read.latex_macros import RESERVED_MACROS
from tests.conftest import shared_path
from tests.helpers import assert_document_refused

MANUSCRIPTS = ("data", "corpora", "manuscripts")


def _read(body: str, preamble: str = "") -> Document:
    source = (
        "\\documentclass{article}\n"
        + preamble
        + "\n\\begin{document}\n"
        + body
        + "\n\\end{document}\n"
    )
    return read_document(None, text=source, fmt="latex")


def _blocks(doc: Document, kind: str) -> list[str]:
    return [doc.text[b.start : b.end] for b in doc.blocks if b.kind == kind]


def _expand(source: str) -> str:
    return expand_macros(source, RESERVED_MACROS, 1_000_000)


# --- the document's own macros ------------------------------------------------------


def test_a_macro_that_wraps_a_citation_is_followed() -> None:
    doc = _read(
        "Sleep helps memory \\inlinecite{smith2020}.",
        "\\newcommand{\\inlinecite}[1]{\\citen{#1}}",
    )
    assert [(c.key, c.command) for c in doc.citations] == [("smith2020", "\\citen")]
    assert doc.text == "Sleep helps memory [@smith2020]."


def test_text_macros_stay_in_the_sentence() -> None:
    doc = _read(
        "Because \\tool{} is modular and \\pkg\\ is small, \\tool\\xspace works.",
        "\\newcommand{\\tool}{FooBar}\n\\def\\pkg{BazLib}",
    )
    assert doc.text == "Because FooBar is modular and BazLib is small, FooBar works."
    claims = extract(doc).scored
    assert claims and claims[0].text.startswith("Because FooBar is modular")


@pytest.mark.parametrize(
    ("definition", "use", "expected"),
    [
        ("\\newcommand{\\pair}[2]{#2 and #1}", "\\pair{A}{B}", "B and A"),
        ("\\newcommand\\pair[2]{#2 and #1}", "\\pair A B", "B and A"),
        ("\\newcommand*{\\opt}[2][x]{<#1 #2>}", "\\opt{y} \\opt[z]{w}", "<x y> <z w>"),
        ("\\DeclareRobustCommand{\\two}[1]{#1#1}", "\\two{ab}", "abab"),
        ("\\def\\swap#1#2{#2#1}", "\\swap{A}{B}", "BA"),
        ("\\newcommand{\\a}{one}\\renewcommand{\\a}{two}", "\\a.", "two."),
        ("\\newcommand{\\a}{one}\\providecommand{\\a}{two}", "\\a.", "one."),
        (
            "\\newcommand{\\outer}[1]{[\\inner{#1}]}\\newcommand{\\inner}[1]{#1!}",
            "\\outer{x}",
            "[x!]",
        ),
        ("\\newcommand{\\a}{\\b}\\newcommand{\\b}[1]{(#1)}", "\\a{x}", "(x)"),
        ("\\newcommand{\\hash}[1]{##1 #1}", "\\hash{x}", "#1 x"),
        ("\\newcommand{\\spaced}[1]\n{<#1>}", "\\spaced {x}", "<x>"),
    ],
)
def test_definitions_and_their_arguments(definition: str, use: str, expected: str) -> None:
    assert _expand(definition + "\\begin{document}" + use) == "\\begin{document}" + expected


def test_a_definition_counts_from_where_it_stands() -> None:
    out = _expand("\\begin{document}\\x. \\def\\x{now}\\x.")
    assert out == "\\begin{document}\\x. now."


def test_let_copies_a_meaning_and_keeps_the_original_of_a_command() -> None:
    doc = _read(
        "It works \\mycite{a}. An \\emph{idea}.",
        "\\let\\mycite\\citep\n\\let\\oldemph\\emph\n\\renewcommand{\\emph}[1]{\\oldemph{#1}!}",
    )
    assert doc.text == "It works [@a]. An idea!."
    assert [c.command for c in doc.citations] == ["\\citep"]


def test_macros_defined_in_an_input_file_count(tmp_path: Path) -> None:
    (tmp_path / "macros.tex").write_text("\\newcommand{\\tool}{FooBar}\n", encoding="utf-8")
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\input{macros}\n\\begin{document}\n"
        "The \\tool{} package is fast \\cite{k}.\n\\end{document}\n",
        encoding="utf-8",
    )
    doc = read_document(tmp_path / "main.tex")
    assert doc.text == "The FooBar package is fast [@k]."


def test_the_readers_own_commands_keep_their_meaning() -> None:
    doc = _read(
        "\\section{Intro}It works \\cite{a}.",
        "\\renewcommand{\\cite}[1]{hidden}\n\\renewcommand{\\section}[1]{\\textbf{#1}}\n"
        "\\makeatletter\\def\\fps@figure{htbp}\\makeatother",
    )
    assert _blocks(doc, "heading") == ["Intro"]
    assert [c.key for c in doc.citations] == ["a"] and "hidden" not in doc.text
    assert "htbp" not in doc.text


def test_programming_macros_are_not_followed() -> None:
    out = _expand(
        "\\newcommand{\\loop}{\\ifx\\a\\b x\\else\\loop\\fi}"
        "\\def\\delim#1.{#1}\\begin{document}\\loop \\delim a."
    )
    assert out == "\\begin{document}\\loop \\delim a."


def test_the_documents_environments_are_expanded() -> None:
    doc = _read(
        "\\begin{note}Naps help \\cite{a}.\\end{note}\n"
        "\\begin{boxed}{T}body\\end{boxed} \\begin{boxed}[C]{U}more\\end{boxed}\n\n"
        "\\begin{itemize}\\item one\\end{itemize}",
        "\\newenvironment{note}{\\begin{quote}Note: }{\\end{quote}}\n"
        "\\newenvironment{boxed}[2][B]{<#1 #2: }{>}\n"
        "\\renewenvironment{itemize}{hidden}{hidden}",
    )
    assert _blocks(doc, "quote") == ["Note: Naps help [@a]."]
    assert _blocks(doc, "paragraph") == ["<B T: body> <C U: more>"]
    assert _blocks(doc, "list_item") == ["one"]
    assert "hidden" not in doc.text


def test_biblatex_multicitations() -> None:
    doc = _read("Naps \\parencites(all)()[see][3]{a}[4]{b, c} and \\textcites{d}{e} help.")
    assert doc.text == "Naps [see @a, 3] [@b; @c, 4] and @d @e help."
    assert [(c.key, c.command, c.locator) for c in doc.citations] == [
        ("a", "\\parencite", "3"),
        ("b", "\\parencite", "4"),
        ("c", "\\parencite", "4"),
        ("d", "\\textcite", ""),
        ("e", "\\textcite", ""),
    ]


def test_verbatim_is_not_expanded() -> None:
    out = _expand("\\def\\x{X}\\begin{document}\\verb|\\x| \\begin{verbatim}\\x\\end{verbatim}\\x")
    assert out == "\\begin{document}\\verb|\\x| \\begin{verbatim}\\x\\end{verbatim}X"


def test_a_use_without_its_argument_stays_as_written() -> None:
    assert _expand("\\newcommand{\\f}[1]{<#1>}\\begin{document}\\f{open") == (
        "\\begin{document}\\f{open"
    )
    unclosed = "\\begin{document}\\newcommand{\\b}{x"
    assert _expand(unclosed) == unclosed


@pytest.mark.parametrize(
    ("definitions", "message"),
    [
        ("\\def\\a{\\a\\a}", "expands into itself"),
        ("\\def\\a{x\\a}", "expands into itself"),
        ("\\newcommand{\\a}{\\b}\\newcommand{\\b}{\\a}", "expands into itself"),
        (
            "".join(f"\\def\\m{chr(97 + i)}{{\\m{chr(98 + i)}\\m{chr(98 + i)}}}" for i in range(24))
            + "\\def\\my{xxxxxxxx}",
            "more than",
        ),
    ],
)
def test_a_runaway_macro_is_refused(tmp_path: Path, definitions: str, message: str) -> None:
    path = tmp_path / "loop.tex"
    path.write_text(
        "\\documentclass{article}\n" + definitions + "\n\\begin{document}\n"
        "Sleep helps memory \\cite{a}. \\a \\ma\n\\end{document}\n",
        encoding="utf-8",
    )
    assert_document_refused(path, message)


def test_the_expanded_size_is_bounded() -> None:
    with pytest.raises(DocumentError, match="size limit"):
        expand_macros("\\def\\a{" + "x" * 1000 + "}\\begin{document}" + "\\a" * 200, (), 100_000)


def test_a_recursive_macro_that_is_never_used_is_harmless() -> None:
    doc = _read("Sleep helps memory \\cite{a}.", "\\def\\a{\\a\\a}")
    assert doc.text == "Sleep helps memory [@a]."
    assert MAX_DEPTH >= 16


# --- citation commands ----------------------------------------------------------------

BRACKETED = [
    "cite",
    "citep",
    "citealp",
    "citeyearpar",
    "citepalias",
    "citenum",
    "citen",
    "citeNP",
    "parencite",
    "autocite",
    "footcite",
    "smartcite",
    "supercite",
    "fullcite",
    "Cite",
    "Citep",
    "Citealp",
    "Parencite",
    "Autocite",
]
NARRATIVE = [
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
]


@pytest.mark.parametrize("command", BRACKETED + NARRATIVE)
@pytest.mark.parametrize("star", ["", "*"])
def test_every_citation_command_is_read(command: str, star: str) -> None:
    doc = _read(f"Naps help \\{command}{star}{{smith2020, jones2019}} a lot.")
    assert [c.key for c in doc.citations] == ["smith2020", "jones2019"]
    assert all(c.command == "\\" + command for c in doc.citations)
    shown = "@smith2020; @jones2019"
    assert doc.text == "Naps help " + (shown if command in NARRATIVE else f"[{shown}]") + " a lot."


@pytest.mark.parametrize(
    ("use", "text", "locator"),
    [
        ("\\citep[see][p. 3]{a}", "[see @a, p. 3]", "p. 3"),
        ("\\citep[p.~3]{a}", "[@a, p. 3]", "p. 3"),
        ("\\citep[see][]{a}", "[see @a]", ""),
        ("\\parencite[compare][chap. 2]{a}", "[compare @a, chap. 2]", "chap. 2"),
        ("\\citet[p. 5]{a}", "@a", "p. 5"),
    ],
)
def test_prenotes_and_postnotes(use: str, text: str, locator: str) -> None:
    doc = _read(f"Naps help {use}.")
    assert doc.text == f"Naps help {text}."
    assert [(c.key, c.locator) for c in doc.citations] == [("a", locator)]


def test_author_and_year_commands_in_a_sentence_tie_to_the_entry() -> None:
    doc = _read(
        "\\citeauthor{smith} showed in \\citeyear{smith} that naps restore attention in adults."
    )
    claim = extract(doc, {"smith"}).scored[0]
    assert [(m.kind, m.citekey) for m in claim.mentions] == [
        ("citekey", "smith"),
        ("citekey", "smith"),
    ]
    assert claim.text == "@smith showed in @smith that naps restore attention in adults."


def test_nocite_is_not_a_citation() -> None:
    assert _read("Text \\nocite{*}\\nocite{a}.").citations == []


# --- tables ---------------------------------------------------------------------------


def test_table_cells_are_rows_with_their_citations() -> None:
    doc = _read(
        "\\begin{table}\\centering\n\\caption{Studies \\cite{review}.}\n"
        "\\resizebox{\\textwidth}{!}{\\begin{tabular}{@{}lcc@{}}\\toprule\n"
        "Study & N & Effect \\\\ \\midrule\n"
        "\\citeauthor{smith} \\citep{smith} & 12 & \\hskip 0.12in 0.3 \\\\\n"
        "\\cmidrule(lr){2-3}\n\n"
        "\\multicolumn{2}{l}{\\textcolor{red}{Pooled \\cite{jones, lee}}} & 0.2 \\\\\n"
        "\\bottomrule\\end{tabular}}\n"
        "\\footnotesize Source: \\citet{registry}.\n\\end{table}"
    )
    assert _blocks(doc, "table_row") == [
        "Study | N | Effect",
        "@smith [@smith] | 12 | 0.3",
        "Pooled [@jones; @lee] | 0.2",
    ]
    assert _blocks(doc, "paragraph") == ["Studies [@review].", "Source: @registry."]
    assert [c.key for c in doc.citations] == [
        "review",
        "smith",
        "smith",
        "jones",
        "lee",
        "registry",
    ]
    for c in doc.citations:
        assert doc.text[c.start : c.end] == "@" + c.key


def test_a_longtable_outside_a_float() -> None:
    doc = _read(
        "Before.\n\\begin{longtable}{ll}\\caption{Long \\cite{a}}\\\\\n"
        "A & \\cite{b} \\\\ \\endhead\nB & \\cite{c} \\\\\n\\end{longtable}\nAfter."
    )
    assert _blocks(doc, "table_row") == ["A | [@b]", "B | [@c]"]
    assert _blocks(doc, "paragraph") == ["Before.", "Long [@a]", "After."]


def test_table_rows_stay_out_of_claims() -> None:
    doc = _read(
        "\\begin{tabular}{ll} Naps improve memory in every adult studied & \\cite{a} \\\\"
        "\\end{tabular}"
    )
    result = extract(doc, {"a"})
    assert [m.citekey for m in result.mentions] == ["a"]
    assert result.claims == []


# --- real manuscripts ----------------------------------------------------------------

# Citation mentions each manuscript gave before the macros and tables were read.
BEFORE = {
    ("cefiderocol-systematic-review", "Main.tex"): 94,
    ("neurofeedback-meta-analysis-latex", "manuscript.tex"): 248,
}


@pytest.mark.parametrize(("folder", "name"), sorted(BEFORE))
def test_real_manuscripts_keep_their_citations(folder: str, name: str) -> None:
    path = shared_path(*MANUSCRIPTS, folder, name)
    doc = read_document(path)
    assert len(doc.citations) >= BEFORE[(folder, name)]
    assert "\\cite" not in doc.text and "(lr)" not in doc.text
    for row in _blocks(doc, "table_row"):
        assert "0.12in" not in row


def test_real_manuscript_tables_are_rows() -> None:
    root = shared_path(*MANUSCRIPTS, "neurofeedback-meta-analysis-latex")
    doc = read_document(root / "manuscript.tex")
    rows = _blocks(doc, "table_row")
    assert "| | | @Baumeister2016 | 2016 | 8" in rows
    assert any(row.startswith("Parents | Total |") for row in rows)
