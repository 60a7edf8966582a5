"""The PDF reader: reading order, running heads, hyphenation, captions, the reference
list, superscript citations (a PDF printed by Chromium from HTML with <sup>), bad
input, and the real articles of ../shared/data/corpora/pdf-articles against their XML."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bib.identifiers import find_identifiers
from evidence.errors import DocumentError
from evidence.extract import extract
from evidence.read import read_document
from evidence.read.pdf import pdf_document
from tests.conftest import CORPORA, shared_path
from tests.helpers import assert_document_refused

# ---------------------------------------------------------------------------------------
# Hand-made PDFs: the file structure of ISO 32000-1 §7.5 (header, numbered objects, a
# cross-reference table of 20-byte entries, trailer), text drawn with BT/Tf/Td/Tj in the
# standard Helvetica font (§9.6.2.2), so that no font file is needed.

Text = tuple[float, float, float, str]  # x, y, font size, text


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(
    pages: list[list[Text]],
    *,
    extra_trailer: str = "",
    extra_objects: str = "",
    strokes: list[list[tuple[float, float, float]]] | None = None,
) -> bytes:
    """A PDF of US-letter pages, each drawing its texts at the given places, and on each
    page the horizontal strokes given as (x0, x1, y) (path operators m, l, S: §8.5.2)."""
    objects: list[str] = []
    count = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects.append("<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>")
    font = 3 + 2 * count
    for i, texts in enumerate(pages):
        stream = "".join(
            f"BT /F1 {size} Tf {x} {y} Td ({_escape(text)}) Tj ET\n" for x, y, size, text in texts
        )
        for x0, x1, y in (strokes or [[]] * count)[i]:
            stream += f"0.5 w {x0} {y} m {x1} {y} l S\n"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}endstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if extra_objects:
        objects.append(extra_objects)
    out = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out.encode("latin-1")))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out.encode("latin-1"))
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {extra_trailer}>>\n"
    out += f"startxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def _column(x: float, top: float, lines: list[str], size: float = 10) -> list[Text]:
    return [(x, top - 12 * i, size, line) for i, line in enumerate(lines)]


def _two_column_article() -> bytes:
    """Three pages: running head and page number on each, two columns, a paragraph going
    on from the left column to the right one with a hyphenated word, a caption, and a
    numbered reference list on the last page."""
    page1 = [
        (72, 740, 16, "Sleep and Memory"),
        *_column(
            72,
            700,
            [
                "Sleep loss impairs working memory in",
                "healthy adults [1]. Recovery sleep re-",
            ],
        ),
        *_column(
            320,
            700,
            [
                "stores only part of the loss [2, 3].",
                "Figure 1: Recall after sleep loss [3].",
            ],
        ),
    ]
    page2 = [
        *_column(72, 700, ["Older adults recover more slowly", "than younger ones [2-3]."]),
        *_column(320, 700, ["A second study found the same", "pattern in children [1]."]),
    ]
    page3 = [
        (72, 700, 12, "References"),
        *_column(
            72,
            680,
            [
                "[1] Smith J. Sleep loss and memory. J Sleep Res.",
                "2010;19:100-110. doi:10.1111/jsr.2010.001",
                "[2] Brown A. Duration of sleep deprivation. Sleep.",
                "2012;35:200-210.",
                "[3] Green B. Recovery sleep. Lancet. 2015;385:400-410.",
            ],
        ),
    ]
    pages = [page1, page2, page3]
    for number, page in enumerate(pages, 1):
        page.append((72, 760, 8, "Journal of Sleep Studies 12 (2020)"))
        page.append((300, 30, 8, str(number)))
    return make_pdf(pages)


def test_two_columns_in_reading_order_without_running_heads() -> None:
    doc = pdf_document(_two_column_article(), "article.pdf")
    assert doc.format == "pdf"
    assert "Journal of Sleep Studies" not in doc.text
    paragraphs = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert (
        "Sleep loss impairs working memory in healthy adults [1]. Recovery sleep restores "
        "only part of the loss [2, 3]." in paragraphs
    )
    assert "Figure 1: Recall after sleep loss [3]." in paragraphs
    assert "Older adults recover more slowly than younger ones [2-3]." in paragraphs
    assert paragraphs.index("Older adults recover more slowly than younger ones [2-3].") < (
        paragraphs.index("A second study found the same pattern in children [1].")
    )
    assert not any(p.strip().isdigit() for p in paragraphs)


def test_reference_list_entries_with_their_doi() -> None:
    doc = pdf_document(_two_column_article(), "article.pdf")
    assert [r.label for r in doc.references] == ["1", "2", "3"]
    first = doc.references[0]
    assert first.text == (
        "[1] Smith J. Sleep loss and memory. J Sleep Res. 2010;19:100-110. doi:10.1111/jsr.2010.001"
    )
    assert first.surnames[:1] == ("Smith",) and first.year == "2010"
    assert first.identifiers == ("doi:10.1111/jsr.2010.001",)
    assert all(doc.text[r.start : r.end] == r.text for r in doc.references)
    mentions = [m for m in extract(doc).mentions if m.kind == "numbered"]
    assert [m.numbers for m in mentions] == [[1], [2, 3], [3], [2, 3], [1]]
    assert mentions[0].reference == first.text


def test_line_numbers_in_the_margin_are_dropped() -> None:
    """A manuscript's line numbers, counted on across pages, are not text."""
    first = ["Sleep loss impairs working memory in healthy", "adults [1]. Recovery sleep"]
    first += ["restores only part of the loss [2]."]
    page1 = [(40, 700 - 12 * i, 8, str(i + 1)) for i in range(3)] + _column(72, 700, first)
    page2 = [(40, 700 - 12 * i, 8, str(i + 4)) for i in range(2)]
    page2 += _column(72, 700, ["A second study found the same pattern", "in children [1]."])
    page2 += [(72, 640, 12, "References")]
    page2 += _column(72, 620, ["[1] Smith J. Sleep. J Sleep Res. 2010;19:100-110."])
    page2 += _column(72, 608, ["[2] Brown A. Naps. Sleep. 2012;35:200-210."])
    doc = pdf_document(make_pdf([page1, page2]), "manuscript.pdf")
    assert doc.text.split("\n\n")[:3] == [
        "Sleep loss impairs working memory in healthy adults [1]. Recovery sleep restores "
        "only part of the loss [2].",
        "A second study found the same pattern in children [1].",
        "References",
    ]
    assert [r.label for r in doc.references] == ["1", "2"]


def _width(text: str, size: float) -> float:
    """The width of ``text`` set in Helvetica at ``size`` (its metrics: pdfminer's copy
    of the standard 14 fonts' AFM files)."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica"][1]
    return sum(widths.get(c, 556) for c in text) * size / 1000


def _footnoted_article() -> bytes:
    """Page 1: a title page (journal, dates, affiliation, licence), then two columns; the
    left column's paragraph is interrupted at the foot by a note under a short rule
    (its marker a superscript 1 in the text) and a note marked "*", and goes on at the
    top of the right column. Page 2: the reference list."""
    lead = "healthy adults"
    after = ". Recovery sleep re-"
    x_sup = 72 + _width(lead, 10) + 0.5
    page1: list[Text] = [
        (72, 750, 8, "Journal of Sleep Studies Volume 12, Article ID 123456, 6 pages"),
        (72, 720, 16, "Sleep and Memory"),
        (72, 700, 9, "Received 2 March 2020; Accepted 4 May 2020"),
        (72, 688, 9, "Academic Editor: Anna Example"),
        (72, 676, 9, "Copyright 2020 J. Smith. This is an open access article distributed"),
        (72, 666, 9, "under the Creative Commons Attribution License, which permits"),
        (72, 656, 9, "unrestricted use, provided the original work is properly cited."),
        (72, 620, 12, "1. Introduction"),
        *_column(72, 600, ["Sleep loss impairs working memory in"]),
        (72, 588, 10, lead),
        (x_sup, 592, 6, "1"),
        (x_sup + _width("1", 6) + 0.5, 588, 10, after),
        (72, 115, 5, "1"),
        (
            72 + _width("1", 5) + 0.5,
            112,
            7,
            "The scores were standardised within each age group of",
        ),
        (72, 104, 7, "the sample, as the test manual advises."),
        (72, 90, 7, "* The data are available from the author on request."),
        (320, 600, 10, "stores only part of the loss [2]. A second"),
        (320, 588, 10, "study found the same pattern in children [1]."),
    ]
    page2 = [
        (72, 700, 12, "References"),
        *_column(72, 680, ["[1] Smith J. Sleep loss and memory. J Sleep Res. 2010;19:100-110."]),
        *_column(72, 668, ["[2] Brown A. Duration of sleep deprivation. Sleep. 2012;35:200-210."]),
    ]
    return make_pdf([page1, page2], strokes=[[(72, 140, 122)], []])


def test_footnotes_are_blocks_of_their_own() -> None:
    doc = pdf_document(_footnoted_article(), "notes.pdf")
    paragraphs = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert (
        "Sleep loss impairs working memory in healthy adults. Recovery sleep restores only "
        "part of the loss [2]. A second study found the same pattern in children [1]."
    ) in paragraphs
    # The notes after the page's text, each a block, the rule's note without a marker.
    assert paragraphs[-2:] == [
        "1 The scores were standardised within each age group of the sample, as the test "
        "manual advises.",
        "* The data are available from the author on request.",
    ]
    # The superscript 1 points at the note, not at reference 1.
    mentions = [m for m in extract(doc).mentions if m.kind == "numbered"]
    assert [m.numbers for m in mentions] == [[2], [1]]


def test_title_page_furniture_is_not_text() -> None:
    doc = pdf_document(_footnoted_article(), "notes.pdf")
    for furniture in ("Article ID", "Received 2 March", "Academic Editor", "open access"):
        assert furniture not in doc.text
    assert doc.text.startswith("Sleep and Memory\n\n1. Introduction")
    claims = [c.text for c in extract(doc).claims]
    assert not any("Creative Commons" in c or "Accepted" in c for c in claims)


@pytest.mark.parametrize(
    "text,furniture",
    [
        ("\x011\x02Department of Surgery, Yokosuka General Hospital, Kanagawa, Japan", True),
        ("Department of Surgery, Yokosuka General Hospital, Uwamachi, Kanagawa 238-8567", True),
        ("Received 22 October 2015; Revised 15 December 2015; Accepted 20 December", True),
        ("Copyright © 2016 S. Vilvanathan et al. This is an open access article", True),
        ("Academic Editor: Subhada Prasad Pani", True),
        ("University students reported more sleep problems, fatigue, and stress in Europe.", False),
        ("Department stores were closed, and shoppers stayed home, in Japan.", False),
        ("Received wisdom holds that sleep loss is harmless.", False),
    ],
)
def test_title_page_furniture_told_from_text(text: str, furniture: bool) -> None:
    from evidence.read.pdf_layout import Box, Line
    from evidence.read.pdf_notes import is_affiliation, is_front_furniture

    box = Box([Line(text, 72, 700, 500, 710, 9, False)], 0, 72, 700, 500, 710)
    assert (is_front_furniture(box) or is_affiliation(box)) is furniture


def test_read_document_reads_a_pdf_by_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "article.pdf"
    path.write_bytes(_two_column_article())
    doc = read_document(path)
    assert doc.format == "pdf" and len(doc.references) == 3 and doc.path == path


# ---------------------------------------------------------------------------------------
# Bad input: a one-line error, exit 2, nothing stored.

_ENCRYPT = "<< /Filter /Standard /V 1 /R 2 /O <{0}> /U <{0}> /P -4 >>".format(
    "41" * 32
)  # the standard security handler (ISO 32000-1 §7.6.3) with a user password


def _bad_pdfs() -> list[tuple[str, bytes, str]]:
    article = _two_column_article()
    encrypted = make_pdf(
        [[(72, 700, 10, "Secret text")]],
        extra_objects=_ENCRYPT,
        extra_trailer="/Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> "
        "<0123456789abcdef0123456789abcdef>] ",
    )
    return [
        ("not-a-pdf", b"hello, this is text in a .pdf file\n", "is not a PDF"),
        ("damaged", b"%PDF-1.4\n" + bytes(range(256)) * 20, "is damaged"),
        ("truncated", article[: len(article) // 3], "is damaged"),
        ("encrypted", encrypted, "is encrypted"),
        ("scanned", make_pdf([[], []]), "this PDF has no text layer: it needs OCR first"),
    ]


@pytest.mark.parametrize("name,data,message", _bad_pdfs(), ids=[b[0] for b in _bad_pdfs()])
def test_bad_pdf_is_a_one_line_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    assert_document_refused(path, message)


def test_too_many_pages_or_bytes(tmp_path: Path) -> None:
    data = _two_column_article()
    with pytest.raises(DocumentError, match="has 3 pages, over the 2-page limit"):
        pdf_document(data, "long.pdf", max_pages=2)
    path = tmp_path / "big.pdf"
    path.write_bytes(data)
    with pytest.raises(DocumentError, match="byte limit"):
        read_document(path, max_bytes=1000)


def test_a_pdf_is_not_read_from_text() -> None:
    with pytest.raises(DocumentError, match="read from a file"):
        read_document(None, text="%PDF-1.4", fmt="pdf")


# ---------------------------------------------------------------------------------------
# Superscript citations, as medical journals print them: a PDF printed by Chromium from
# HTML with <sup> numbers. A superscript after a unit or a number is not a citation.

_SUPERSCRIPT_HTML = """<!doctype html><html><body style="font: 11pt serif">
<h1>Sleep and memory in adults</h1>
<h2>Introduction</h2>
<p>Sleep deprivation impairs working memory in healthy adults.<sup>1</sup> The effect grows
with the length of deprivation,<sup>2,3</sup> and recovery sleep restores performance only
in part.<sup>4&ndash;6</sup> Naps are reviewed in<sup>5</sup>. Each sample covered 5 cm<sup>2</sup> and the dose was
10<sup>3</sup> units.</p>
<h2>References</h2>
<ol>
<li>Smith J, Jones K. Sleep loss and working memory. J Sleep Res. 2010;19:100-110.
doi:10.1111/j.1365-2869.2010.00001.x</li>
<li>Brown A. Duration of sleep deprivation. Sleep. 2012;35:200-210.</li>
<li>Green B, White C. Dose and response in sleep loss. Neurology. 2014;82:300-310.</li>
<li>Black D. Recovery sleep. Lancet. 2015;385:400-410.</li>
<li>Grey E. Partial recovery after sleep loss. BMJ. 2016;352:i500.</li>
<li>Blue F. Recovery of attention. Nature. 2017;543:600-610.</li>
</ol></body></html>
"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    return None


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed")
def test_superscript_citations_from_size_and_baseline(tmp_path: Path) -> None:
    html = tmp_path / "article.html"
    html.write_text(_SUPERSCRIPT_HTML, encoding="utf-8")
    pdf = tmp_path / "article.pdf"
    command = [str(_chromium()), "--headless", "--no-sandbox", "--disable-gpu"]
    command += ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    if not pdf.exists():
        pytest.skip("Chromium could not print a PDF here")
    doc = read_document(pdf)
    assert "healthy adults.[1] The effect" in doc.text
    assert "deprivation,[2,3] and" in doc.text and "in part.[4–6]" in doc.text
    assert "reviewed in [5]." in doc.text  # after a short word, set off from it
    assert "5 cm2 and" in doc.text and "was 103 units" in doc.text
    assert len(doc.references) == 6
    assert doc.references[0].identifiers == ("doi:10.1111/j.1365-2869.2010.00001.x",)
    numbered = [m for m in extract(doc).mentions if m.kind == "numbered"]
    assert [m.numbers for m in numbered] == [[1], [2, 3], [4, 5, 6], [5]]
    assert numbered[0].reference_index == 0


# ---------------------------------------------------------------------------------------
# The real articles: each PDF against its publisher's JATS XML (the folder's SOURCES.md).

ARTICLES = sorted(p.name for p in (CORPORA / "pdf-articles").glob("*/") if p.is_dir())

# What the reader reaches on each article (measured; docs/documents.md, "PDF"): recall
# of the XML's citations, and the reference entries found.
_FLOORS = {
    "f1000-shark-longevity": 0.95,  # 25 of 26: one group cut by the reading order
    "hindawi-capsule-endoscopy-review": 0.9,  # one table is printed rotated
}


def _truth(xml: Path) -> tuple[list[str], Counter[int]]:
    """The first author's surname of each XML reference entry and, per entry index,
    how often it is cited."""
    root = ElementTree.parse(xml).getroot()
    for sub in root.iter("sub-article"):  # F1000's referee reports
        sub.clear()
    refs = list(root.iter("ref"))
    index = {ref.get("id"): i for i, ref in enumerate(refs)}
    cited: Counter[int] = Counter()
    for xref in root.iter("xref"):
        if xref.get("ref-type") == "bibr":
            for rid in (xref.get("rid") or "").split():
                if rid in index:
                    cited[index[rid]] += 1
    surnames = [next((e.text or "" for e in ref.iter("surname")), "") for ref in refs]
    return surnames, cited


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def measure(folder: Path) -> dict[str, float]:
    """Recall of the XML's in-text citations, citation groups naming no cited entry,
    reference entries found and entries with a DOI, for one article."""
    surnames, cited = _truth(folder / "paper.xml")
    doc = read_document(folder / "paper.pdf")
    found: Counter[int] = Counter()
    groups = stray = 0
    ties: Counter[bool] = Counter()
    for mention in extract(doc).mentions:
        if mention.kind == "numbered":
            targets = [n - 1 for n in mention.numbers]
        elif mention.kind == "author-year":
            targets = [] if mention.reference_index is None else [mention.reference_index]
        else:
            continue
        groups += 1
        stray += not any(cited[t] for t in targets)
        found.update(targets)
        # Tied right: the entry tied holds the first surname of the XML's entry.
        for t in targets:
            if cited[t] and t < len(doc.references) and surnames[t]:
                right = _folded(surnames[t]) in _folded(doc.references[t].text)
                ties[right] += 1
    total = sum(cited.values())
    return {
        "recall": sum(min(found[i], n) for i, n in cited.items()) / total,
        "groups": groups,
        "stray": stray,
        "tied_right": ties[True] / max(1, ties[True] + ties[False]),
        "entries": len(doc.references),
        "entries_expected": len(surnames),
        "dois": sum(
            any(i.kind == "doi" for i, _, _ in find_identifiers(r.text)) for r in doc.references
        ),
    }


@pytest.mark.parametrize("article", ARTICLES)
def test_real_article_against_its_xml(article: str) -> None:
    folder = shared_path("data", "corpora", "pdf-articles", article)
    result = measure(folder)
    print(article, result)
    assert result["recall"] >= _FLOORS.get(article, 0.99)
    assert result["tied_right"] >= 0.95
    assert result["entries"] == result["entries_expected"]
