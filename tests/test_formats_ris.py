"""RIS reading and writing."""

from __future__ import annotations

from pathlib import Path

from bib.formats import read_bibliography
from bib.formats.ris import parse_ris, write_ris
from bib.work import Author, Work

RECORDS = """TY  - JOUR
ID  - smith2020
TI  - Hip massage and recovery
AU  - Smith, Jane
AU  - King, Martin, Jr.
AU  - World Health Organization
A2  - Doe, J.
T2  - Journal of Massage
J2  - J. Mass.
PY  - 2020
DA  - 2020/03/05/
VL  - 12
IS  - 3
SP  - 100
EP  - 110
SN  - 1234-5678
SN  - 0-306-40615-2
DO  - https://doi.org/10.1000/ABC
AN  - 123456
C2  - PMC99
UR  - https://example.org
KW  - massage
KW  - hips
AB  - A long abstract that an exporter
  wrapped onto a second line.
N1  - arXiv: 2101.00001
N1  - Some remark
CY  - Oslo
ER  -

TY  - BOOK
ID  - notitle
AU  - Nobody, A.
ER  -

TY  - CHAP
ID  - unclosed
TI  - Chapter without ER
TY  - JOUR
ID  - SMITH2020
TI  - Duplicate
ER  -
ER  -
"""


def test_records_become_works_with_problems_per_record() -> None:
    result = parse_ris(RECORDS, "refs.ris")
    assert [w.citekey for w in result.works] == ["smith2020", "unclosed"]
    assert [(p.line, p.key, p.message) for p in result.problems] == [
        (31, "notitle", "no title; record skipped"),
        (36, "unclosed", "record not closed by ER; read up to the next TY or the end"),
        (39, "SMITH2020", "duplicate ID (first at line 1); record skipped"),
        (43, None, "ER with no record open"),
    ]
    work = result.works[0]
    assert work.source == "ris"
    assert work.type == "journal-article"
    assert work.title == "Hip massage and recovery"
    assert work.authors == [
        Author("Smith", "Jane"),
        Author("King", "Martin, Jr."),
        Author("World Health Organization"),
    ]
    assert work.extra["editors"] == [{"family": "Doe", "given": "J."}]
    assert (work.journal, work.journal_abbrev) == ("Journal of Massage", "J. Mass.")
    assert (work.year, work.date) == (2020, "2020-03-05")
    assert (work.volume, work.issue, work.pages) == ("12", "3", "100-110")
    assert work.issn == ["1234-5678"]
    assert work.isbn == "9780306406157"
    assert (work.doi, work.pmid, work.pmcid, work.arxiv) == (
        "10.1000/abc",
        "123456",
        "PMC99",
        "2101.00001",
    )
    assert work.keywords == ["massage", "hips"]
    assert work.abstract == "A long abstract that an exporter wrapped onto a second line."
    assert work.extra["ris"] == {"N1": ["Some remark"], "CY": ["Oslo"]}
    assert result.works[1].type == "book-chapter"


def test_writer_output_reads_back_the_same_work() -> None:
    work = Work(
        citekey="k1",
        type="proceedings-article",
        title="A paper",
        authors=[Author("de la Cruz", "Ana"), Author("Lee", "Bo, III"), Author("ACME Group")],
        journal="Proc. Things",
        publisher="Pub",
        year=2001,
        date="2001-07",
        volume="2",
        issue="1",
        pages="e1234",
        doi="10.1000/x",
        pmid="42",
        pmcid="PMC7",
        isbn="9780306406157",
        issn=["1234-5678", "2345-6789"],
        arxiv="2101.00001",
        url="https://example.org/x",
        abstract="Text.",
        language="en",
        keywords=["a", "b"],
    )
    text = write_ris([work])
    assert text.splitlines()[0] == "TY  - CPAPER"
    assert text.splitlines()[-1] == "ER  - "
    assert "SP  - e1234" in text and "EP  -" not in text
    (back,) = parse_ris(text).works
    for name in (
        "citekey type title authors journal publisher year date volume issue pages doi "
        "pmid pmcid isbn issn arxiv url abstract language keywords"
    ).split():
        assert getattr(back, name) == getattr(work, name), name


def test_unknown_tags_are_kept_and_written_back() -> None:
    text = "TY  - JOUR\nTI  - T\nM3  - Review\nL1  - file.pdf\nER  - \n"
    (work,) = parse_ris(text).works
    assert work.extra["ris"] == {"M3": ["Review"], "L1": ["file.pdf"]}
    out = write_ris([work])
    assert "M3  - Review" in out and "L1  - file.pdf" in out


def test_read_ris_file_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_bytes(b"\xef\xbb\xbfTY  - JOUR\r\nTI  - With BOM\r\nER  - \r\n")
    assert [w.title for w in read_bibliography(path).works] == ["With BOM"]
    sniffed = tmp_path / "export.txt"
    sniffed.write_text("TY  - GEN\nTI  - Sniffed\nER  - \n", encoding="utf-8")
    assert [w.type for w in read_bibliography(sniffed).works] == ["other"]
