"""The Word (.docx) reader, on documents built here part by part.

The parts follow ECMA-376 Part 1 (Office Open XML, WordprocessingML): the package's
[Content_Types].xml and _rels/.rels (Part 2, Open Packaging Conventions),
word/document.xml (§17.2: w:body of w:p paragraphs with w:pPr/w:pStyle and w:numPr,
w:r runs of w:t text; w:tbl/w:tr/w:tc tables, §17.4), word/styles.xml (§17.7: w:style
with w:styleId and w:name "heading 1"), footnotes and endnotes (§17.11:
w:footnoteReference in the text, w:footnote in word/footnotes.xml), and fields (§17.16:
w:fldSimple with w:instr, or w:fldChar begin / w:instrText / separate / result / end).
The citation fields are shaped as Zotero and Mendeley write them: the code
``ADDIN ZOTERO_ITEM CSL_CITATION {json}`` (Mendeley: ``ADDIN CSL_CITATION {json}``) whose
JSON follows the CSL citation schema (citation-style-language/schema,
csl-citation.json: citationItems[].itemData is a CSL-JSON item), and Zotero's
bibliography field ``ADDIN ZOTERO_BIBL {…} CSL_BIBLIOGRAPHY``.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from typer.testing import CliRunner

from evidence.cli import app
from evidence.errors import DocumentError
from evidence.extract import extract
from evidence.read import Document, read_document
from tests.helpers import assert_document_refused

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
STYLES = (
    f'<w:styles {NS}><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
    '</w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
    '</w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
    "</w:styles>"
)


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*runs: str, style: str | None = None, numbered: bool = False) -> str:
    props = ""
    if style or numbered:
        props = "<w:pPr>"
        props += f'<w:pStyle w:val="{style}"/>' if style else ""
        props += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' if numbered else ""
        props += "</w:pPr>"
    return f"<w:p>{props}{''.join(runs)}</w:p>"


def complex_field(code: str, result: str) -> str:
    """A field as Word writes it: the code split over two runs, as Word often does."""
    half = len(code) // 2
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{escape(code[:half])}</w:instrText></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{escape(code[half:])}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{run(result)}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def simple_field(code: str, result: str) -> str:
    return f"<w:fldSimple w:instr={quoteattr(code)}>{run(result)}</w:fldSimple>"


SMITH = {
    "id": 101,
    "type": "article-journal",
    "title": "Exercise lowers blood pressure",
    "container-title": "Journal of Hypertension",
    "author": [{"family": "Smith", "given": "Anna"}, {"family": "Jones", "given": "Ben"}],
    "issued": {"date-parts": [[2020, 3]]},
    "volume": "38",
    "page": "100-110",
    "DOI": "10.1000/jh.2020.1",
}
LEE = {
    "id": "ITEM-2",
    "type": "article-journal",
    "title": "Salt and the heart",
    "container-title": "Heart",
    "author": [{"family": "Lee", "given": "Chen"}],
    "issued": {"date-parts": [[2019]]},
    "PMID": "31234567",
}


def zotero(*items: dict[str, object], uri: str = "http://zotero.org/users/1/items/") -> str:
    payload = {
        "citationID": "a1b2c3",
        "properties": {"formattedCitation": "", "plainCitation": "", "noteIndex": 0},
        "citationItems": [
            {"id": item["id"], "uris": [f"{uri}{item['id']}"], "itemData": item} for item in items
        ],
        "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json",
    }
    return f"ADDIN ZOTERO_ITEM CSL_CITATION {json.dumps(payload)}"


def mendeley(*items: dict[str, object]) -> str:
    payload = {
        "citationItems": [
            {
                "id": item["id"],
                "itemData": item,
                "uris": [f"http://www.mendeley.com/documents/?uuid={item['id']}"],
            }
            for item in items
        ],
        "mendeley": {"formattedCitation": "", "previouslyFormattedCitation": ""},
        "properties": {"noteIndex": 0},
        "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json",
    }
    return f"ADDIN CSL_CITATION {json.dumps(payload)}"


def docx(
    path: Path,
    body: str,
    *,
    footnotes: str = "",
    endnotes: str = "",
    extra: dict[str, str] | None = None,
) -> Path:
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": RELS,
        "word/document.xml": f"<w:document {NS}><w:body>{body}<w:sectPr/></w:body></w:document>",
        "word/styles.xml": STYLES,
    }
    separators = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    )
    if footnotes:
        parts["word/footnotes.xml"] = f"<w:footnotes {NS}>{separators}{footnotes}</w:footnotes>"
    if endnotes:
        parts["word/endnotes.xml"] = f"<w:endnotes {NS}>{endnotes}</w:endnotes>"
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def blocks(doc: Document) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]


def test_paragraphs_headings_lists_tables_and_notes(tmp_path: Path) -> None:
    body = (
        para(run("Blood pressure and exercise"), style="Title")
        + para(run("Methods"), style="Heading1")
        + para(run("We walked daily"), '<w:r><w:footnoteReference w:id="1"/></w:r>', run("."))
        + para(run("Walk briskly."), numbered=True)
        + para(run("Rest on Sundays."), numbered=True)
        + "<w:tbl><w:tr><w:tc><w:p>"
        + run("Group")
        + "</w:p></w:tc><w:tc><w:p>"
        + run("Drop")
        + "</w:p></w:tc></w:tr><w:tr><w:tc><w:p>"
        + run("Walkers")
        + "</w:p></w:tc><w:tc><w:p>"
        + run("5 mmHg")
        + "</w:p></w:tc></w:tr></w:tbl>"
        + para(run("Results"), style="Heading2")
        + para(run("Pressure fell"), '<w:r><w:endnoteReference w:id="2"/></w:r>', run("."))
    )
    footnote = f'<w:footnote w:id="1">{para(run("Ten thousand steps."))}</w:footnote>'
    endnote = f'<w:endnote w:id="2">{para(run("Measured at home."))}</w:endnote>'
    path = docx(tmp_path / "paper.docx", body, footnotes=footnote, endnotes=endnote)
    doc = read_document(path)
    assert doc.format == "docx" and doc.path == path
    assert blocks(doc) == [
        ("heading", "Blood pressure and exercise"),
        ("heading", "Methods"),
        ("paragraph", "We walked daily."),
        ("list_item", "Walk briskly."),
        ("list_item", "Rest on Sundays."),
        ("table_row", "Group | Drop"),
        ("table_row", "Walkers | 5 mmHg"),
        ("heading", "Results"),
        ("paragraph", "Pressure fell."),
        ("heading", "Notes"),
        ("paragraph", "Ten thousand steps."),
        ("paragraph", "Measured at home."),
    ]
    levels = [b.level for b in doc.blocks if b.kind == "heading"]
    assert levels == [1, 1, 2, 1]


def test_zotero_and_mendeley_fields_tie_citations_to_their_items(tmp_path: Path) -> None:
    body = (
        para(run("Introduction"), style="Heading1")
        + para(
            run("Regular exercise lowers blood pressure in adults "),
            complex_field(zotero(SMITH, LEE), "(Smith and Jones 2020; Lee 2019)"),
            run("."),
        )
        + para(
            run("Salt intake raises blood pressure in older adults "),
            simple_field(mendeley(LEE), "(Lee 2019)"),
            run("."),
        )
        + para(run("References"), style="Heading1")
        + para(
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> ADDIN ZOTERO_BIBL {"uncited":[]} '
            "CSL_BIBLIOGRAPHY </w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + run("Lee C. Salt and the heart. Heart 2019.")
        )
        + para(
            run("Smith A, Jones B. Exercise lowers blood pressure. J Hypertens 2020."),
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        )
    )
    doc = read_document(docx(tmp_path / "zotero.docx", body))
    # The generated bibliography is replaced by the items themselves, one entry each.
    assert "J Hypertens 2020" not in doc.text
    assert [r.identifiers for r in doc.references] == [
        ("doi:10.1000/jh.2020.1",),
        ("pmid:31234567",),
    ]
    smith = doc.references[0]
    assert smith.surnames == ("Smith", "Jones") and smith.year == "2020"
    assert (smith.title, smith.source, smith.volume, smith.pages) == (
        "Exercise lowers blood pressure",
        "Journal of Hypertension",
        "38",
        "100-110",
    )
    assert "doi:10.1000/jh.2020.1" in smith.text
    assert [b for b in blocks(doc) if b[0] == "heading"][-1] == ("heading", "References")
    extraction = extract(doc)
    tied = [
        (m.text, m.reference_index)
        for claim in extraction.claims
        for m in claim.mentions
        if m.reference_index is not None
    ]
    assert tied == [
        ("(Smith and Jones 2020; Lee 2019)", 0),
        ("(Smith and Jones 2020; Lee 2019)", 1),
        ("(Lee 2019)", 1),
    ]
    assert all(
        m.kind == "author-year" for m in extraction.mentions if m.reference_index is not None
    )
    assert not [
        p for p in extraction.problems if p.kind in ("uncited-reference", "missing-reference")
    ]


def test_typed_reference_list_without_fields(tmp_path: Path) -> None:
    body = (
        para(run("Walking lowers blood pressure in adults [1]."))
        + para(run("Salt raises it in older adults [2]."))
        + para(run("References"), style="Heading1")
        + para(run("1. Smith A. Exercise lowers blood pressure. J Hypertens. 2020;38:100."))
        + para(run("2. Lee C (2019) Salt and the heart. Heart 12:5."))
    )
    doc = read_document(docx(tmp_path / "typed.docx", body))
    assert [(r.label, r.surnames, r.year) for r in doc.references] == [
        ("1", ("Smith",), "2020"),
        ("2", ("Lee",), "2019"),
    ]
    numbered = [m for m in extract(doc).mentions if m.kind == "numbered"]
    assert [(m.numbers, m.reference_index) for m in numbered] == [([1], 0), ([2], 1)]


def test_ingest_a_docx_through_the_cli(tmp_path: Path) -> None:
    body = para(
        run("Regular exercise lowers blood pressure in adults "),
        complex_field(zotero(SMITH), "(Smith and Jones 2020)"),
        run("."),
    )
    path = docx(tmp_path / "manuscript.docx", body)
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(tmp_path / "evidence.db") as conn:
        rows = conn.execute("select kind, text, reference from mentions").fetchall()
    assert [(kind, text) for kind, text, _ in rows] == [("author-year", "(Smith and Jones 2020)")]
    assert "doi:10.1000/jh.2020.1" in rows[0][2]


def _not_word(tmp_path: Path) -> Path:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")
    return path


def _bomb(tmp_path: Path) -> Path:
    bomb = (
        '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        f"<w:document {NS}><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    return docx(tmp_path / "bomb.docx", "", extra={"word/document.xml": bomb})


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain.docx"
    path.write_text("Just some text, not a zip archive.", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (_not_word, "not a Word document"),
        (_text_file, "not a zip archive"),
        (_bomb, "declares XML entities"),
    ],
)
def test_bad_docx_is_a_one_line_error_and_nothing_stored(
    tmp_path: Path, make: object, message: str
) -> None:
    assert callable(make)
    path = make(tmp_path)
    assert_document_refused(path, message)


def test_docx_as_text_is_refused() -> None:
    with pytest.raises(DocumentError, match="binary zip archive"):
        read_document(None, text="PK...", fmt="docx")
