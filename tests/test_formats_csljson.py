"""CSL-JSON reading and writing."""

from __future__ import annotations

import json
from pathlib import Path

from bib.formats import read_bibliography, write_bibliography
from bib.formats.csljson import parse_csl_json, write_csl_json
from bib.work import Author, Work

ITEMS = """[
  {
    "id": "smith2020",
    "type": "article-journal",
    "title": "Hip massage and  recovery",
    "author": [
      {"family": "Smith", "given": "Jane"},
      {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
      {"family": "King", "given": "Martin", "suffix": "Jr."},
      {"literal": "World Health Organization"}
    ],
    "editor": [{"family": "Doe", "given": "J."}],
    "container-title": "Journal of Massage",
    "container-title-short": "J. Mass.",
    "issued": {"date-parts": [[2020, 3, 5]]},
    "volume": 12,
    "issue": "3",
    "page": "100\u2013110",
    "DOI": "https://doi.org/10.1000/ABC",
    "PMID": "123456",
    "ISSN": ["1234-5678", "8765-432x"],
    "keyword": "massage, hips",
    "note": "arXiv: 2101.00001\\nSome remark",
    "publisher-place": "Oslo"
  },
  {
    "id": "notitle",
    "type": "book"
  },
  "not an object",
  {
    "id": "SMITH2020",
    "title": "Duplicate"
  },
  {
    "id": "raw-date",
    "type": "report",
    "title": "Raw",
    "issued": {"raw": "Spring 1999"}
  }
]
"""


def test_items_become_works_with_problems_per_item() -> None:
    result = parse_csl_json(ITEMS, "refs.json")
    assert [w.citekey for w in result.works] == ["smith2020", "raw-date"]
    assert [(p.line, p.key, p.message) for p in result.problems] == [
        (26, "notitle", "no title; item skipped"),
        (30, None, "item is a JSON str, not an object; skipped"),
        (31, "SMITH2020", "duplicate id (first at line 2); item skipped"),
    ]
    work = result.works[0]
    assert work.source == "csl-json"
    assert work.type == "journal-article"
    assert work.title == "Hip massage and recovery"
    assert work.authors == [
        Author("Smith", "Jane"),
        Author("van der Berg", "Jan"),
        Author("King", "Martin, Jr."),
        Author("World Health Organization"),
    ]
    assert work.extra["editors"] == [{"family": "Doe", "given": "J."}]
    assert (work.journal, work.journal_abbrev) == ("Journal of Massage", "J. Mass.")
    assert (work.year, work.date) == (2020, "2020-03-05")
    assert (work.volume, work.issue, work.pages) == ("12", "3", "100-110")
    assert (work.doi, work.pmid, work.arxiv) == ("10.1000/abc", "123456", "2101.00001")
    assert work.issn == ["1234-5678", "8765-432X"]
    assert work.keywords == ["massage", "hips"]
    assert work.extra["csl"] == {"note": "Some remark", "publisher-place": "Oslo"}
    raw = result.works[1]
    assert (raw.year, raw.date, raw.type) == (1999, "Spring 1999", "report")


def test_invalid_json_reports_the_line_and_keeps_earlier_items() -> None:
    text = '[\n {"id": "a", "title": "A"},\n {"id": "b", "title": "B",,}\n]\n'
    result = parse_csl_json(text, "bad.json")
    assert [w.citekey for w in result.works] == ["a"]
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.line == 3
    assert problem.message.startswith("invalid JSON (")
    assert str(problem).startswith("bad.json:3: (no key): invalid JSON")


def test_single_object_and_items_wrapper() -> None:
    one = parse_csl_json('{"id": "x", "title": "One"}')
    assert [w.title for w in one.works] == ["One"]
    wrapped = parse_csl_json('{"items": [{"id": "y", "title": "Two"}]}')
    assert [w.title for w in wrapped.works] == ["Two"]
    assert parse_csl_json("[]").works == []


def test_writer_output_reads_back_the_same_work() -> None:
    work = Work(
        citekey="k1",
        type="book-chapter",
        title="A chapter",
        authors=[Author("de la Cruz", "Ana"), Author("Lee", "Bo, III"), Author("ACME Group")],
        journal="The Book",
        publisher="Pub",
        year=2001,
        date="2001-07",
        pages="5-9",
        doi="10.1000/x",
        pmid="42",
        pmcid="PMC7",
        isbn="9780306406157",
        issn=["1234-5678"],
        arxiv="2101.00001",
        url="https://example.org/x",
        abstract="Text.",
        language="en",
        keywords=["a", "b"],
        extra={"editors": [{"family": "Ed", "given": "Itor"}]},
    )
    text = write_csl_json([work])
    item = json.loads(text)[0]
    assert item["type"] == "chapter"
    assert item["issued"] == {"date-parts": [[2001, 7]]}
    assert item["author"][1] == {"family": "Lee", "given": "Bo", "suffix": "III"}
    assert item["note"] == "arXiv: 2101.00001"
    (back,) = parse_csl_json(text).works
    for name in (
        "citekey type title authors journal publisher year date pages doi pmid pmcid isbn "
        "issn arxiv url abstract language keywords"
    ).split():
        assert getattr(back, name) == getattr(work, name), name
    assert back.extra["editors"] == work.extra["editors"]


def test_bibtex_fields_with_a_csl_variable_are_exported() -> None:
    work = Work(
        title="T",
        citekey="k",
        extra={"bibtex": {"note": r"See {\"u}ber", "address": 'Z{\\"u}rich', "bibdate": "x"}},
    )
    item = json.loads(write_bibliography([work], "csl-json"))[0]
    assert item["note"] == "See über"
    assert item["publisher-place"] == "Zürich"
    assert "bibdate" not in item


def test_read_json_file(tmp_path: Path) -> None:
    path = tmp_path / "refs.json"
    path.write_text(ITEMS, encoding="utf-8")
    result = read_bibliography(path)
    assert len(result.works) == 2
    assert all(p.file == str(path) for p in result.problems)
    sniffed = tmp_path / "refs.data"
    sniffed.write_text(ITEMS, encoding="utf-8")
    assert len(read_bibliography(sniffed).works) == 2
