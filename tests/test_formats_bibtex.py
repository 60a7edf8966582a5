"""BibTeX reading and writing: inline entries and the real files in ../shared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bib.errors import FormatError
from bib.formats import Problem, parse_bibliography, read_bibliography, write_bibliography
from bib.formats.bibtex import parse_bibtex, write_bibtex
from bib.formats.latex import latex_to_unicode, unicode_to_latex
from bib.work import Author, Work
from tests.conftest import SHARED, shared_path

BIBTEX = ("data", "corpora", "bibtex")


def by_key(works: list[Work]) -> dict[str, Work]:
    return {w.citekey or "": w for w in works}


# --------------------------------------------------------------------------------------
# LaTeX decoding


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller", "Müller"),
        (r"M\"uller", "Müller"),
        (r"Jos\'{e}", "José"),
        (r"Fran\c{c}ois", "François"),
        (r"Fran\c cois", "François"),
        (r"\v{S}koda", "Škoda"),
        (r"Stra{\ss}e", "Straße"),
        (r"{\AA}ngstr{\"o}m", "Ångström"),
        (r"Erd\H{o}s", "Erdős"),
        (r"{\o}re", "øre"),
        (r"na\"{\i}ve", "naïve"),
        (r"{\L}{\'o}d{\'z}", "Łódź"),
        (r"The {DNA} of {\TeX}", "The DNA of TeX"),
        (r"\emph{Very} \textbf{bold}", "Very bold"),
        (r"Pages 1--2 and 3---4", "Pages 1–2 and 3—4"),
        (r"``quoted''", "“quoted”"),
        (r"R\&D at 50\% \$", "R&D at 50% $"),
        (r"n.s.~2", "n.s. 2"),
        (r"$\alpha$-particles", "α-particles"),
        (r"\textbackslash{}x \textbraceleft{}y\textbraceright{}", "\\x {y}"),
        ("plain text", "plain text"),
        (r"\path|a@b.org|", "a@b.org"),
    ],
)
def test_latex_to_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


@pytest.mark.parametrize(
    "text",
    ["R&D 100% {braces} a\\b", "x--y `` '' ~^_#$", "Ærø – naïve", "{unbalanced"],
)
def test_unicode_to_latex_is_undone_by_decoding(text: str) -> None:
    escaped = unicode_to_latex(text)
    assert latex_to_unicode(escaped) == text
    # Escaped text keeps its braces balanced, which BibTeX requires.
    assert escaped.count("{") == escaped.count("}")


def test_unicode_output_leaves_non_ascii_alone() -> None:
    assert unicode_to_latex("Ünïcödé Ελληνικά") == "Ünïcödé Ελληνικά"


# --------------------------------------------------------------------------------------
# Reading inline entries

SAMPLE = r"""
@string{jphys = "Journal of Physics"}
@string{vol = "12"}

@Article{Smith2020,
  author = {van der Berg, Jan and Smith, Jr., John and {World Health Organization}},
  title = {The {DNA} of {\"O}sterreich},
  journal = jphys # " A",
  year = 2020,
  month = mar,
  volume = vol,
  number = {3},
  pages = {100--110},
  doi = {https://doi.org/10.1000/ABC.Def},
  isbn = {0-306-40615-2},
  issn = {1234-567x},
  note = {Kept as written: {\em note}},
  keywords = {alpha; beta, gamma},
}

@inproceedings{Lee2019,
  author = "Lee, Ann and others",
  title = "Fast things",
  booktitle = "Proc. of Things",
  eprint = {1905.01234},
  archivePrefix = {arXiv},
  year = "2019",
}
"""


def test_inline_entries_become_works() -> None:
    result = parse_bibtex(SAMPLE, "sample.bib")
    assert result.problems == []
    works = by_key(result.works)
    smith = works["Smith2020"]
    assert smith.source == "bibtex"
    assert smith.type == "journal-article"
    assert smith.title == "The DNA of Österreich"
    assert smith.extra["bibtex_raw"]["title"] == r"The {DNA} of {\"O}sterreich"
    assert smith.authors == [
        Author("van der Berg", "Jan"),
        Author("Smith", "John, Jr."),
        Author("World Health Organization", ""),
    ]
    assert smith.journal == "Journal of Physics A"
    assert (smith.year, smith.date, smith.volume, smith.issue) == (2020, "2020-03", "12", "3")
    assert smith.pages == "100-110"
    assert smith.doi == "10.1000/abc.def"
    assert smith.isbn == "9780306406157"
    assert smith.issn == ["1234-567X"]
    assert smith.keywords == ["alpha", "beta", "gamma"]
    assert smith.extra["bibtex"] == {"month": "March", "note": r"Kept as written: {\em note}"}
    lee = works["Lee2019"]
    assert lee.type == "proceedings-article"
    assert lee.journal == "Proc. of Things"
    assert lee.arxiv == "1905.01234"
    assert lee.authors == [Author("Lee", "Ann")]
    assert lee.extra["authors_incomplete"] is True


def test_broken_entry_is_reported_with_its_line_and_the_rest_imported() -> None:
    text = """@article{good1,
  title = {First},
}

@article{broken,
  title = {Missing comma}
  year = {2001},
}

@article{good2, title = {Second}, year = 2002}
"""
    result = parse_bibtex(text, "f.bib")
    assert [w.citekey for w in result.works] == ["good1", "good2"]
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.file, problem.line, problem.key) == ("f.bib", 5, "broken")
    assert "syntax error" in problem.message
    assert str(problem).startswith("f.bib:5: broken: syntax error (line 7)")


def test_unterminated_last_entry_is_reported() -> None:
    result = parse_bibtex("@book{a, title={Ok}}\n\n@book{b, title = {never closed\n", "f.bib")
    assert [w.citekey for w in result.works] == ["a"]
    assert [(p.line, p.key) for p in result.problems] == [(3, "b")]
    assert "premature end of file" in result.problems[0].message


def test_entries_without_title_duplicates_and_undefined_macros_are_problems() -> None:
    text = """@misc{notitle, author = {A. Person}}
@misc{dup, title = {One}}
@misc{DUP, title = {Two}}
@misc{twice, title = {A}, title = {B}}
@misc{macro, title = {T}, journal = nosuchmacro}
"""
    result = parse_bibtex(text, "p.bib")
    assert [w.citekey for w in result.works] == ["dup", "twice", "macro"]
    assert by_key(result.works)["twice"].title == "A"
    messages = {(p.line, p.key): p.message for p in result.problems}
    assert messages[(1, "notitle")] == "no title; entry skipped"
    assert messages[(3, "DUP")].startswith("duplicate key (first defined at line 2)")
    assert messages[(4, "twice")].startswith("duplicate field 'title'")
    assert "undefined @string macro 'nosuchmacro'" in messages[(5, "macro")]


def test_crossref_inheritance_inline() -> None:
    text = """@inproceedings{paper, title = {A paper}, crossref = {Proc}, pages = {1--2}}
@proceedings{proc, title = {Proceedings of X}, year = 1999, publisher = {ACM},
  editor = {Doe, Jane}}
"""
    works = by_key(parse_bibtex(text).works)
    paper = works["paper"]
    assert paper.title == "A paper"
    assert paper.journal == "Proceedings of X"
    assert (paper.year, paper.publisher) == (1999, "ACM")
    assert paper.extra["editors"] == [{"family": "Doe", "given": "Jane"}]


def test_identifier_fields_are_normalised() -> None:
    text = """@misc{a, title = {T}, DOI = {doi:10.5555/XYZ}, pmid = { 123 }, PMCID = {PMC42},
  eprint = {arXiv:2101.00001v2}}
@misc{b, title = {T}, url = {http://dx.doi.org/10.1000/ABC}}
@misc{c, title = {T}, doi = {not a doi}}
"""
    works = by_key(parse_bibtex(text).works)
    assert (works["a"].doi, works["a"].pmid, works["a"].pmcid) == ("10.5555/xyz", "123", "PMC42")
    assert works["a"].arxiv == "2101.00001v2"
    assert works["b"].doi == "10.1000/abc"
    assert works["c"].doi is None
    assert works["c"].extra["bibtex"]["doi"] == "not a doi"


@pytest.mark.parametrize(
    ("entry_type", "work_type"),
    [
        ("article", "journal-article"),
        ("book", "book"),
        ("incollection", "book-chapter"),
        ("inproceedings", "proceedings-article"),
        ("conference", "proceedings-article"),
        ("phdthesis", "dissertation"),
        ("techreport", "report"),
        ("misc", "other"),
        ("somethingelse", "other"),
    ],
)
def test_entry_types_map_to_work_types(entry_type: str, work_type: str) -> None:
    (work,) = parse_bibtex(f"@{entry_type}{{k, title = {{T}}}}").works
    assert work.type == work_type
    assert work.extra["bibtex_type"] == entry_type
    # The original type comes back on export.
    assert write_bibtex([work]).startswith(f"@{entry_type}{{k,")


# --------------------------------------------------------------------------------------
# Writing


def test_writer_escapes_and_orders_fields_stably() -> None:
    work = Work(
        title="R&D: 100% {new}",
        authors=[Author("O'Neil", "Ann"), Author("Ministry of Health"), Author("King", "M., Jr.")],
        journal="J. Stuff",
        year=2021,
        volume="3",
        pages="5-9",
        doi="10.1000/x_y",
        type="journal-article",
        citekey="oneil2021",
    )
    text = write_bibtex([work])
    assert text == (
        "@article{oneil2021,\n"
        "  author = {O'Neil, Ann and {Ministry of Health} and King, Jr., M.},\n"
        r"  title = {R\&D: 100\% \textbraceleft{}new\textbraceright{}}," + "\n"
        "  journal = {J. Stuff},\n"
        "  year = {2021},\n"
        "  volume = {3},\n"
        "  pages = {5--9},\n"
        "  doi = {10.1000/x_y},\n"
        "}\n"
    )
    (back,) = parse_bibtex(text).works
    assert back.title == work.title
    assert back.authors == work.authors
    assert back.doi == work.doi


def test_writer_gives_back_case_protecting_braces_unless_the_title_changed() -> None:
    (work,) = parse_bibtex("@article{k, title = {The {DNA} helix}}").works
    assert "title = {The {DNA} helix}" in write_bibtex([work])
    work.title = "The RNA helix"
    assert "title = {The RNA helix}" in write_bibtex([work])


def test_writer_makes_unique_keys_for_works_without_one() -> None:
    works = [
        Work(title="Alpha study", authors=[Author("Müller", "A")], year=2000),
        Work(title="Alpha study", authors=[Author("Müller", "A")], year=2000),
    ]
    keys = re.findall(r"^@\w+\{([^,]+),", write_bibtex(works), re.M)
    assert keys == ["muller2000alpha", "muller2000alphaa"]


def test_write_bibliography_rejects_unknown_format() -> None:
    with pytest.raises(FormatError, match="unknown bibliography format 'docx'"):
        write_bibliography([], "docx")


# --------------------------------------------------------------------------------------
# Files that cannot be read at all, encodings, sniffing


def test_unreadable_files_raise_format_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.bib"
    empty.write_bytes(b"  \n")
    with pytest.raises(FormatError, match="empty.bib: the file is empty"):
        read_bibliography(empty)
    binary = tmp_path / "image.bib"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(FormatError, match="binary file"):
        read_bibliography(binary)
    with pytest.raises(FormatError, match="cannot read the file"):
        read_bibliography(tmp_path / "missing.bib")
    unknown = tmp_path / "notes.txt"
    unknown.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(FormatError, match="unrecognised bibliography format"):
        read_bibliography(unknown)


def test_encodings_bom_and_latin1(tmp_path: Path) -> None:
    entry = "@article{k, title = {Élan vital in Zürich and Kraków}, author = {Łukasz Żółw}}\n"
    for name, data in (
        ("bom.bib", b"\xef\xbb\xbf" + entry.encode("utf-8")),
        ("utf16.bib", entry.encode("utf-16")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        (work,) = read_bibliography(path).works
        assert work.title == "Élan vital in Zürich and Kraków"
        assert work.authors == [Author("Żółw", "Łukasz")]
    latin1 = tmp_path / "latin1.bib"
    latin1.write_bytes(
        "@article{k, title = {Les élèves de l'école française étudient à Genève}}\n".encode(
            "latin-1"
        )
    )
    (work,) = read_bibliography(latin1).works
    assert work.title == "Les élèves de l'école française étudient à Genève"


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "refs.txt"
    path.write_text("% refs\n@book{b, title = {Sniffed}}\n", encoding="utf-8")
    assert [w.title for w in read_bibliography(path).works] == ["Sniffed"]


def test_problem_renders_file_line_key_message() -> None:
    assert str(Problem("a.bib", 12, "k", "no title")) == "a.bib:12: k: no title"
    assert str(Problem("a.json", None, None, "bad")) == "a.json: (no key): bad"


# --------------------------------------------------------------------------------------
# Real files

ENTRY_START = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)", re.MULTILINE)


def test_tugboat_reads_every_entry() -> None:
    path = shared_path(*BIBTEX, "tugboat", "tugboat.bib")
    text = path.read_text(encoding="utf-8")
    expected = [
        key
        for kind, key in ENTRY_START.findall(text)
        if kind.lower() not in ("string", "preamble", "comment")
    ]
    assert len(expected) == 2720
    result = read_bibliography(path)
    # Two entries have an empty title ("{}"): problems, not works.
    assert [(p.key, p.message) for p in result.problems] == [
        ("program:TB24-3-306", "empty title; entry skipped"),
        ("program:TB25-1-4", "empty title; entry skipped"),
    ]
    assert sorted(
        [w.citekey or "" for w in result.works] + [p.key or "" for p in result.problems]
    ) == sorted(expected)
    works = by_key(result.works)
    assert all(w.journal == "TUGboat" for w in result.works)
    assert all(w.issn == ["0896-3207"] for w in result.works)
    lindner = works["Lindner:TB10-3-368"]
    assert lindner.title == "Towards a complete and comfortable TeX System"
    # "\rlap{Lutz Birkhahn}" is one brace group, so one word to BibTeX: a family name.
    assert lindner.authors == [Author("Lindner", "Stephan"), Author("Lutz Birkhahn")]
    andre = works["Andre:TB24-3-314"]
    assert andre.authors == [Author("André", "Jacques")]
    assert andre.title.startswith("The Cassetin project—Towards an inventory")


def corpus_files() -> list[str]:
    names = []
    for folder in ("bibtexparser-v1-tests", "pybtex-tests"):
        base = SHARED.joinpath(*BIBTEX) / folder
        if base.exists():
            names += [f"{folder}/{p.name}" for p in sorted(base.glob("*.bib"))]
    return names or ["bibtexparser-v1-tests/article.bib"]


@pytest.mark.parametrize("name", corpus_files())
def test_corpus_file_imports_or_reports_problems_never_raises(name: str) -> None:
    path = shared_path(*BIBTEX, *name.split("/"))
    if path.stat().st_size == 0:
        with pytest.raises(FormatError, match="the file is empty"):
            read_bibliography(path)
        return
    result = read_bibliography(path)
    for problem in result.problems:
        assert problem.file == str(path)
        assert isinstance(problem.line, int) and problem.line >= 1
        assert problem.message
    for work in result.works:
        assert work.title and work.citekey


def corpus(*parts: str) -> dict[str, Work]:
    return by_key(read_bibliography(shared_path(*BIBTEX, *parts)).works)


def test_corpus_string_macro_expanded() -> None:
    work = corpus("bibtexparser-v1-tests", "string.bib")["cha:oakland15"]
    assert work.journal == "Proceedings of the IEEE Symposium on Security and Privacy"
    assert work.title == "Program-Adaptive Mutational Fuzzing"
    assert work.type == "proceedings-article"
    rief = corpus("bibtexparser-v1-tests", "features2.bib")
    assert len(rief) == 1


def test_corpus_crossref_inherited() -> None:
    works = corpus("bibtexparser-v1-tests", "crossref_entries.bib")
    cr1 = works["cr1"]
    assert cr1.journal == "Graphs of the Continent"  # the parent's title, as booktitle
    assert (cr1.publisher, cr1.year) == ("Grimble", 1974)
    assert cr1.extra["editors"] == [{"family": "Erbriss", "given": "Edgar"}]
    # A child's own fields win over the parent's.
    assert works["cr6"].journal == "Manual booktitle"
    xampl = corpus("pybtex-tests", "xampl.bib")
    assert xampl["inproceedings-crossref"].journal == (
        "Proc. Fifteenth Annual ACM Symposium on the Theory of Computing"
    )
    assert xampl["article-crossref"].journal == "G-Animal's Journal"  # key case differs
    assert xampl["article-crossref"].year == 1986


def test_corpus_accents_decoded() -> None:
    work = corpus("bibtexparser-v1-tests", "article_with_special_characters.bib")["Cesar2013"]
    assert work.authors == [Author("Césarü", "Jean")]
    brembs = corpus("retraction-check-refs", "refs.bib")["Brembs2018"]
    assert brembs.authors == [Author("Brembs", "Björn")]
    cyrillic = corpus("pybtex-tests", "cyrillic.bib")["viktorov-metodoj"]
    assert cyrillic.authors == [Author("Викторов", "Михаил Маркович")]
    assert cyrillic.title == "Методы вычисления физико-химических величин и прикладные расчёты"


def test_corpus_broken_entries_reported_with_line() -> None:
    path = shared_path(*BIBTEX, "bibtexparser-v1-tests", "wrong.bib")
    result = read_bibliography(path)
    assert result.works == []
    assert [(p.line, p.key, p.message) for p in result.problems] == [
        (3, "foo", "no title (unknown entry type @wrong); entry skipped"),
        (7, "bar", "no title; entry skipped"),
    ]
    cycle = read_bibliography(
        shared_path(*BIBTEX, "bibtexparser-v1-tests", "crossref_cascading_cycle.bib")
    )
    assert (11, "circ2", "crossref cycle through 'circ1'; inheritance stopped") in [
        (p.line, p.key, p.message) for p in cycle.problems
    ]
    missing = read_bibliography(
        shared_path(*BIBTEX, "bibtexparser-v1-tests", "crossref_missing_entries.bib")
    )
    assert [(p.line, p.key) for p in missing.problems] == [(2, "mcr")]
    assert [w.citekey for w in missing.works] == ["mcr"]


def test_corpus_bom_and_biber_duplicate() -> None:
    bom = corpus("bibtexparser-v1-tests", "article_start_with_bom.bib")
    assert list(bom) == ["Cesar2013"]
    result = read_bibliography(shared_path(*BIBTEX, "bibtexparser-v1-tests", "biber-examples.bib"))
    duplicates = [p for p in result.problems if p.message.startswith("duplicate key")]
    assert [(p.line, p.key) for p in duplicates] == [(1543, "tmn4")]


def test_metacheck_duplicates_reported() -> None:
    path = shared_path(*BIBTEX, "metacheck-bibs", "references.bib")
    result = read_bibliography(path)
    duplicates = [(p.line, p.key) for p in result.problems if "duplicate key" in p.message]
    assert duplicates == [
        (48, "nuijten_prevalencestatisticalreporting_2015"),
        (82, "bartos_zcurve_2020"),
        (122, "ferguson_survey_2023"),
        (152, "spitzer_registered_2023"),
    ]
    assert len(result.works) == 10
    akker = by_key(result.works)["vandenakker_potential_2024"]
    assert akker.authors[0] == Author("van den Akker", "Olmo R.")
    assert akker.extra["authors_incomplete"] is True  # "and et al."
    missing = read_bibliography(shared_path(*BIBTEX, "metacheck-bibs", "missing_dois.bib"))
    assert missing.problems == []
    assert sum(1 for w in missing.works if w.doi is None) >= 10
    bendel = by_key(missing.works)["bendel1977comparison"]
    assert bendel.title == "Comparison of stopping rules in forward “stepwise” regression"
    assert bendel.publisher == "Taylor & Francis"


def test_retraction_refs_dois_and_pages() -> None:
    result = read_bibliography(shared_path(*BIBTEX, "retraction-check-refs", "refs.bib"))
    assert result.problems == []
    works = by_key(result.works)
    assert len(works) == 28
    assert sum(1 for w in works.values() if w.doi) == 24
    deng = works["Deng2018"]
    assert deng.doi == "10.1155/2018/4537214"
    assert deng.issn == ["1687-8345"]
    assert deng.pages == "1-6"
    assert deng.authors[0] == Author("Deng", "Qiong")


def test_parse_bibliography_dispatches_on_format() -> None:
    result = parse_bibliography("@misc{k, title={T}}", "bibtex", "x.bib")
    assert [w.title for w in result.works] == ["T"]
    with pytest.raises(FormatError, match="unknown bibliography format"):
        parse_bibliography("", "endnote")
