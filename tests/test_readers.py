"""Readers: formats, encodings, structure, citations and bad input."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest

from bib.citekeys import normal_citekey
from evidence.errors import DocumentError
from evidence.read import FORMATS, READERS, SUFFIXES, read_document, sniff_format
from evidence.read.document import Document
from tests.test_read_pdf import make_pdf


def _spans_ok(doc: Document) -> None:
    for block in doc.blocks:
        assert 0 <= block.start < block.end <= len(doc.text)
        assert doc.text[block.start : block.end].strip() == doc.text[block.start : block.end]
    for citation in doc.citations:
        assert doc.text[citation.start : citation.end].lstrip("-@{").startswith(citation.key[:1])
    for link in doc.links:
        assert 0 <= link.start < link.end <= len(doc.text)


def test_plain_text_keeps_the_text_and_finds_structure(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "A Short Title\nFirst sentence here. Second one.\nThese include:\n"
        "1. One item.\n2. Another item.\n\nReferences\n[1] Smith J. A paper. 2020.\n",
        encoding="utf-8",
    )
    doc = read_document(path)
    assert doc.format == "text"
    assert doc.text == path.read_text(encoding="utf-8")
    kinds = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert kinds[:5] == [
        ("heading", "A Short Title"),
        ("paragraph", "First sentence here. Second one."),
        ("paragraph", "These include:"),
        ("list_item", "1. One item."),
        ("list_item", "2. Another item."),
    ]
    assert [(r.label, r.surnames, r.year) for r in doc.references] == [("1", ("Smith",), "2020")]
    _spans_ok(doc)


def test_wrapped_plain_text_lines_join() -> None:
    doc = read_document(
        None, text="This sentence is wrapped\nacross two lines. Then more.\n", fmt="text"
    )
    assert len(doc.blocks) == 1


def test_markdown_structure_front_matter_and_code() -> None:
    text = (
        "---\ntitle: x\nauthor: someone@example.org\n---\n\n# Heading\n\n"
        "Para with `code @notakey` and [a link](https://doi.org/10.1000/xyz) [@smith2020, p. 3; @doi:10.1/abc].\n\n"
        "```python\nx = '[@incode]'\n```\n\n- item one [-@jones2019]\n- item two\n\n> quoted text\n"
    )
    doc = read_document(None, text=text, fmt="markdown")
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "list_item", "list_item", "quote"]
    assert "code" not in doc.text and "incode" not in doc.text and "someone" not in doc.text
    keys = [(c.key, c.command, c.locator) for c in doc.citations]
    assert keys == [
        ("smith2020", "[@]", "p. 3"),
        ("doi:10.1/abc", "[@]", ""),
        ("jones2019", "[-@]", ""),
    ]
    assert [doc.text[c.start : c.end] for c in doc.citations] == [
        "@smith2020",
        "@doi:10.1/abc",
        "-@jones2019",
    ]
    assert [(link.target, doc.text[link.start : link.end]) for link in doc.links] == [
        ("https://doi.org/10.1000/xyz", "a link")
    ]
    _spans_ok(doc)


def test_bare_citations_but_not_emails_or_crossrefs() -> None:
    text = "As @smith2020 showed, mail me at me@example.org; see @fig:one and @tbl-two.\n"
    doc = read_document(None, text=text, fmt="markdown")
    assert [c.key for c in doc.citations] == ["smith2020"]
    known = read_document(None, text=text, fmt="markdown", bib_keys={"other"})
    assert known.citations == []


def test_manubot_tag_definitions_resolve() -> None:
    text = "Deep nets [@tag:Abe; @arxiv:1409.0473] work.\n\n[@tag:Abe]: doi:10.1101/gr.634603\n"
    doc = read_document(None, text=text, fmt="markdown")
    assert [(c.key, c.resolved) for c in doc.citations] == [
        ("tag:Abe", "doi:10.1101/gr.634603"),
        ("arxiv:1409.0473", None),
    ]
    assert "gr.634603" not in doc.text


def test_html_main_text_without_boilerplate_or_scripts() -> None:
    html = (
        "<html><head><script>var secret = 'SCRIPT';</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About us</a></nav><article>"
        "<h1>Massage and pain</h1><p>A study published in the Journal of Pain found that "
        "massage reduced pain by 20 percent in adults with chronic back pain over eight weeks.</p>"
        "<ul><li>First listed point with several words in it.</li></ul>"
        "<p>Read <a href='https://doi.org/10.1000/abc'>the paper</a> for the details of the trial.</p>"
        "</article><footer>Copyright 2020 Example News</footer></body></html>"
    )
    doc = read_document(None, text=html, fmt="html")
    assert "SCRIPT" not in doc.text and "About us" not in doc.text and "Copyright" not in doc.text
    assert [b.kind for b in doc.blocks][:3] == ["heading", "paragraph", "list_item"]
    assert [(link.target, doc.text[link.start : link.end]) for link in doc.links] == [
        ("https://doi.org/10.1000/abc", "the paper")
    ]
    _spans_ok(doc)


def test_broken_html_still_reads() -> None:
    doc = read_document(None, text="<html><body><p>Unclosed <b>bold <div>text here", fmt="html")
    assert "text here" in doc.text


def test_latex_inputs_cites_math_and_floats(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{natbib}\n\\begin{document}\n"
        "\\section{Intro}\nNeurofeedback helps \\citep[p.~3]{a2020, b2019}. % \\cite{commented}\n"
        "As \\citet{c2018} showed, $x^2 + y$ matters for 5\\% of cases.\n\n"
        "\\input{part}\n"
        "\\begin{figure}\\includegraphics{f.png}\\caption{A caption citing \\cite{d2017}.}\\end{figure}\n"
        "\\begin{table}\\begin{tabular}{ll} secret & cell \\\\ \\end{tabular}\\end{table}\n"
        "\\begin{itemize}\\item First point. \\item Second point.\\end{itemize}\n"
        "\\end{document}\n",
        encoding="utf-8",
    )
    (tmp_path / "part.tex").write_text("Included text \\parencite{e2016}.\n\\input{main}\n")
    doc = read_document(tmp_path / "main.tex")
    assert [c.key for c in doc.citations] == ["a2020", "b2019", "c2018", "e2016", "d2017"]
    assert [c.command for c in doc.citations][:3] == ["\\citep", "\\citep", "\\citet"]
    assert doc.citations[0].locator == "p. 3"
    assert "commented" not in doc.text and "x^2" not in doc.text
    rows = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "table_row"]
    assert rows == ["secret | cell"]
    assert "5% of cases" in doc.text
    assert any("cycle" in w for w in doc.warnings)
    assert [b.kind for b in doc.blocks].count("list_item") == 2
    assert doc.blocks[0].kind == "heading" and doc.text[: doc.blocks[0].end] == "Intro"
    _spans_ok(doc)


def test_latex_unbalanced_braces_do_not_crash() -> None:
    doc = read_document(
        None, text="\\section{Open\nText \\cite{a and more } } }}{ \\emph{x", fmt="latex"
    )
    assert isinstance(doc.text, str)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("café naïve".encode(), "café naïve"),
        (b"\xef\xbb\xbf" + "café".encode(), "café"),
        (
            "caf\u00e9 au lait, cr\u00e8me br\u00fbl\u00e9e et na\u00efvet\u00e9 des \u00e9l\u00e8ves fran\u00e7ais".encode(
                "cp1252"
            ),
            "café au lait, crème brûlée et naïveté des élèves français",
        ),
        ("utf16 text".encode("utf-16"), "utf16 text"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    assert read_document(path).text == expected


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n \t\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_unreadable_input(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=message):
        read_document(path)


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(DocumentError, match="limit"):
        read_document(path, max_bytes=1000)
    with pytest.raises(DocumentError, match="limit"):
        read_document(None, text="x" * 2000, max_bytes=1000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="Cannot read"):
        read_document(tmp_path / "nope.txt")


def test_markdown_all_code_is_empty_not_an_error() -> None:
    doc = read_document(None, text="```\ncode only\n```\n", fmt="markdown")
    assert doc.text == "" and doc.blocks == []


def test_sniffing() -> None:
    assert sniff_format("<html><body><p>x</p></body></html>") == "html"
    assert sniff_format("\\section{A} text") == "latex"
    assert sniff_format("# Title\n\ntext") == "markdown"
    assert sniff_format("Just words.") == "text"


def _docx_bytes(text: str) -> bytes:
    """The smallest Word package: word/document.xml (ECMA-376 Part 1, §17.2) in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def test_every_registered_format_is_read_by_its_suffix(tmp_path: Path) -> None:
    samples = {
        "text": "A sentence of plain text.\n",
        "markdown": "# Title\n\nA sentence [@key].\n",
        "html": "<html><body><p>A sentence of html text.</p></body></html>",
        "latex": "\\section{Title}\nA sentence \\cite{key}.\n",
        "jats": "<article article-type='x'><body><p>A sentence of JATS.</p></body></article>",
        "docx": _docx_bytes("A sentence of Word."),
        "pdf": make_pdf([[(72, 700, 10, "A sentence of PDF.")]]),
    }
    assert set(samples) == set(FORMATS) == {f.name for f in READERS}
    assert len(SUFFIXES) == sum(len(f.suffixes) for f in READERS)  # no suffix claimed twice
    for entry in READERS:
        assert entry.suffixes and all(s.startswith(".") and s == s.lower() for s in entry.suffixes)
        for suffix in entry.suffixes:
            path = tmp_path / f"doc{suffix}"
            sample = samples[entry.name]
            if isinstance(sample, bytes):
                path.write_bytes(sample)
            else:
                path.write_text(sample, encoding="utf-8")
            doc = read_document(path)
            assert doc.format == entry.name and doc.path == path and "sentence" in doc.text


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(DocumentError, match="Use one of: text, markdown, html, latex"):
        read_document(None, text="words", fmt="rtf")


def test_reader_modules_never_import_the_package() -> None:
    """Shared things live in evidence.read.document (and siblings), so the package's
    __init__, which imports every reader, is never imported back. (web.py, which picks
    a reader for a fetched page, is not imported by the package and may use it.)"""
    package = Path(__file__).resolve().parent.parent / "evidence" / "read"
    for module in sorted(package.glob("*.py")):
        if module.name in ("__init__.py", "web.py"):
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "evidence.read" and node.level == 0, module.name
            elif isinstance(node, ast.Import):
                assert all(alias.name != "evidence.read" for alias in node.names), module.name
    init = (package / "__init__.py").read_text(encoding="utf-8")
    assert "evidence.read.web" not in init and "import web" not in init


def test_a_device_is_read_with_the_limit_kept(tmp_path: Path) -> None:
    """/dev/zero has no size to check beforehand: the limit is kept while reading."""
    with pytest.raises(DocumentError, match="limit"):
        read_document(Path("/dev/zero"), max_bytes=100_000)


def _outside_and_inside(tmp_path: Path) -> tuple[Path, Path]:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "notes.tex").write_text("Hidden words from elsewhere.\n", encoding="utf-8")
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "part.tex").write_text("Inside words of the paper.\n", encoding="utf-8")
    return secret, paper


def test_latex_includes_outside_the_folder_are_not_read(tmp_path: Path) -> None:
    secret, paper = _outside_and_inside(tmp_path)
    (paper / "link.tex").symlink_to(secret / "notes.tex")
    main = paper / "main.tex"
    main.write_text(
        "\\begin{document}\n\\input{part}\n\\input{../secret/notes}\n"
        f"\\input{{{secret / 'notes.tex'}}}\n\\include{{link}}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    doc = read_document(main)
    assert "Inside words" in doc.text and "Hidden" not in doc.text
    skipped = [w for w in doc.warnings if "outside the document's folder" in w]
    assert len(skipped) == 3
    assert "'../secret/notes'" in skipped[0] and "'link'" in skipped[2]
    allowed = read_document(main, allowed_roots=[secret])
    assert allowed.text.count("Hidden words") == 3 and not allowed.warnings


def test_linked_markdown_files_outside_the_folder_are_not_read(tmp_path: Path) -> None:
    secret, _ = _outside_and_inside(tmp_path)
    (secret / "private.md").write_text("Private words from elsewhere.\n", encoding="utf-8")
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "01.md").write_text("# Intro\n\nOwn words of the manuscript.\n", encoding="utf-8")
    (folder / "02.md").symlink_to(secret / "private.md")
    doc = read_document(folder)
    assert "Own words" in doc.text and "Private" not in doc.text
    assert doc.warnings == [
        f"02.md links to a file outside {folder}; not read "
        "(ingest --allow-root DIR allows a folder)"
    ]
    assert "Private words" in read_document(folder, allowed_roots=[secret]).text


def test_a_diamond_of_latex_inputs_is_bounded(tmp_path: Path) -> None:
    """Each file inputs the next twice: 2**30 includes unbounded, refused at the count."""
    levels = 30
    for level in range(levels):
        body = f"Level {level} words.\n"
        if level + 1 < levels:
            body += f"\\input{{f{level + 1}}}\n\\input{{f{level + 1}}}\n"
        (tmp_path / f"f{level}.tex").write_text(body, encoding="utf-8")
    with pytest.raises(DocumentError, match="more than 1000 files"):
        read_document(tmp_path / "f0.tex")
    # A shallow diamond reads in full.
    (tmp_path / "f5.tex").write_text("Level 5 words.\n", encoding="utf-8")
    doc = read_document(tmp_path / "f0.tex")
    assert doc.text.count("Level 5 words") == 32


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("Naps help [@mu\u0308ller2020, p. 3].\n", "markdown"),
        ("Naps help, as @mu\u0308ller2020 found.\n", "markdown"),
        ("Naps help [@mu\u0308ller\u200b2020].\n", "markdown"),
        ("Naps help \\cite{mu\u0308ller2020}.\n", "latex"),
    ],
)
def test_a_decomposed_citekey_is_read_whole_in_one_unicode_form(text: str, fmt: str) -> None:
    """Keys in Unicode normal form C: a decomposed ü (u + U+0308) neither ends the key
    nor makes a key of its own."""
    doc = read_document(None, text=text, fmt=fmt)
    assert [c.key for c in doc.citations] == ["m\u00fcller2020"]
    [citation] = doc.citations
    assert normal_citekey(doc.text[citation.start : citation.end].lstrip("@")) == citation.key
