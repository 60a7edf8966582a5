"""Export then import gives the same studies: real TUGboat file and generated entries."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bib.formats import FORMATS, parse_bibliography, read_bibliography, write_bibliography
from bib.formats.bibtex import parse_bibtex, write_bibtex
from bib.formats.latex import latex_to_unicode, unicode_to_latex
from bib.work import Author, Work
from tests.conftest import shared_path

# The autouse fixture only sets environment variables; sharing it across examples is fine.
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def study(work: Work) -> tuple[Any, ...]:
    return (work.citekey, work.title, tuple(work.authors), work.year, work.doi)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tugboat_round_trip(fmt: str) -> None:
    path = shared_path("data", "corpora", "bibtex", "tugboat", "tugboat.bib")
    original = read_bibliography(path).works
    assert len(original) == 2718
    back = parse_bibliography(write_bibliography(original, fmt), fmt, f"out.{fmt}")
    assert back.problems == []
    assert [study(w) for w in back.works] == [study(w) for w in original]
    assert [(w.journal, w.volume, w.issue, w.pages, w.issn) for w in back.works] == [
        (w.journal, w.volume, w.issue, w.pages, w.issn) for w in original
    ]


def test_tugboat_bibtex_round_trip_is_exact() -> None:
    path = shared_path("data", "corpora", "bibtex", "tugboat", "tugboat.bib")
    original = read_bibliography(path).works
    back = parse_bibtex(write_bibtex(original)).works
    # Every field, extras included: nothing is lost by export.
    assert [w.to_dict() for w in back] == [w.to_dict() for w in original]


@pytest.mark.parametrize(
    "name",
    [
        "pybtex-tests/cyrillic.bib",
        "bibtexparser-v1-tests/crossref_entries.bib",
        "bibtexparser-v1-tests/biber-examples.bib",
        "retraction-check-refs/refs.bib",
        "metacheck-bibs/missing_dois.bib",
    ],
)
def test_corpus_bibtex_round_trip_is_exact(name: str) -> None:
    path = shared_path("data", "corpora", "bibtex", *name.split("/"))
    original = read_bibliography(path).works
    back = parse_bibtex(write_bibtex(original))
    assert back.problems == []
    assert [w.to_dict() for w in back.works] == [w.to_dict() for w in original]


def test_crossref_to_an_entry_not_exported_is_dropped_but_inherited_fields_stay() -> None:
    path = shared_path("data", "corpora", "bibtex", "pybtex-tests", "xampl.bib")
    original = {w.citekey: w for w in read_bibliography(path).works}
    child = original["article-crossref"]
    assert child.extra["bibtex"]["crossref"] == "WHOLE-JOURNAL"  # has no title: not a work
    text = write_bibtex(list(original.values()))
    back = {w.citekey: w for w in parse_bibtex(text).works}
    assert "crossref" not in back["article-crossref"].extra["bibtex"]
    assert back["article-crossref"].journal == "G-Animal's Journal"
    # A crossref whose target is exported too is kept.
    assert back["inproceedings-crossref"].extra["bibtex"]["crossref"] == "whole-proceedings"


# --------------------------------------------------------------------------------------
# Generated works

_EXCLUDED = ("Cs", "Cc", "Co", "Cn", "Cf", "Zs", "Zl", "Zp", "Mn", "Mc", "Me")


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


texts = (
    st.text(st.characters(exclude_categories=_EXCLUDED) | st.just(" "), min_size=1, max_size=40)
    .map(_clean)
    .filter(bool)
)
letters = st.sampled_from(list("abcdeéfghijklmnoöpqrsßtuvwxyzøłжя"))
capitals = st.sampled_from(list("ABCDEÉFGHIJKLMNOÖPRSTUVWXYZŁЖ"))
words = st.builds(lambda c, rest: c + "".join(rest), capitals, st.lists(letters, max_size=8))
lower_words = st.builds("".join, st.lists(letters, min_size=1, max_size=5))


@st.composite
def authors(draw: st.DrawFn) -> Author:
    particle = draw(st.lists(st.sampled_from(["van", "de", "von", "der", "la"]), max_size=2))
    family = " ".join(particle + draw(st.lists(words, min_size=1, max_size=2)))
    given = " ".join(draw(st.lists(words | lower_words, max_size=2)))
    suffix = draw(st.sampled_from(["", "", "", "Jr.", "III"]))
    if suffix and given:
        given = f"{given}, {suffix}"
    return Author(family=family, given=given)


@st.composite
def works(draw: st.DrawFn) -> Work:
    return Work(
        citekey=draw(st.from_regex(r"[A-Za-z][A-Za-z0-9:_\-]{0,15}", fullmatch=True)),
        type=draw(st.sampled_from(["journal-article", "book", "proceedings-article", "report"])),
        title=draw(texts),
        authors=draw(st.lists(authors(), max_size=4)),
        journal=draw(st.none() | texts),
        year=draw(st.none() | st.integers(1000, 2100)),
        volume=draw(st.none() | st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True)),
        pages=draw(st.none() | st.from_regex(r"[1-9][0-9]{0,3}-[1-9][0-9]{0,3}", fullmatch=True)),
        doi=draw(
            # DOIs in standard form: a last character that is not punctuation.
            st.none()
            | st.from_regex(r"10\.[0-9]{4,5}/[a-z0-9._;()/-]{0,19}[a-z0-9]", fullmatch=True)
        ),
        publisher=draw(st.none() | texts),
        abstract=draw(st.none() | texts),
        keywords=draw(st.lists(words, max_size=3, unique=True)),
    )


CORE = ("citekey", "type", "title", "authors", "journal", "year", "volume", "pages", "doi")
CORE += ("publisher", "abstract", "keywords")


@SETTINGS
@given(st.lists(works(), min_size=1, max_size=5, unique_by=lambda w: (w.citekey or "").lower()))
def test_generated_works_survive_bibtex_export_and_import(items: list[Work]) -> None:
    result = parse_bibtex(write_bibtex(items))
    assert result.problems == []
    assert len(result.works) == len(items)
    for before, after in zip(items, result.works, strict=True):
        for name in CORE:
            assert getattr(after, name) == getattr(before, name), name
    # And a second pass changes nothing at all, extras included.
    again = parse_bibtex(write_bibtex(result.works)).works
    assert [w.to_dict() for w in again] == [w.to_dict() for w in result.works]


@SETTINGS
@given(st.lists(works(), min_size=1, max_size=5, unique_by=lambda w: (w.citekey or "").lower()))
def test_generated_works_survive_csl_json_and_ris(items: list[Work]) -> None:
    for fmt in ("csl-json", "ris"):
        result = parse_bibliography(write_bibliography(items, fmt), fmt)
        assert result.problems == []
        for before, after in zip(items, result.works, strict=True):
            assert study(after) == study(before)
            assert (after.journal, after.pages, after.volume) == (
                before.journal,
                before.pages,
                before.volume,
            )


# Pieces of real-looking BibTeX: accents, protected words, escapes, logos, dashes.
latex_pieces = st.sampled_from(
    [
        r"{\"o}",
        r"\'{e}",
        r"{\ss}",
        r"\c{c}",
        r"{DNA}",
        r"\&",
        r"{\TeX}",
        "--",
        r"\emph{x}",
        "~",
        r"{\aa}",
        "plain",
        "Word",
        " ",
    ]
)


@st.composite
def bibtex_entries(draw: st.DrawFn) -> str:
    title = "".join(draw(st.lists(latex_pieces, min_size=1, max_size=8))) + " end"
    names = draw(
        st.lists(
            st.sampled_from(
                [
                    r"M{\"u}ller, Hans",
                    "Jean de la Fontaine",
                    r"{World Health Organization}",
                    "King, Jr., Martin",
                    r"Erd\H{o}s, P.",
                    "Smith, J.~R.",
                ]
            ),
            max_size=3,
        )
    )
    fields = {"title": title, "author": " and ".join(names)} if names else {"title": title}
    fields["year"] = str(draw(st.integers(1900, 2030)))
    if draw(st.booleans()):
        fields["note"] = "".join(draw(st.lists(latex_pieces, min_size=1, max_size=4)))
    kind = draw(st.sampled_from(["article", "book", "inproceedings", "misc", "phdthesis"]))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@{kind}{{gen,\n{body}\n}}\n"


@SETTINGS
@given(bibtex_entries())
def test_generated_bibtex_entries_export_losslessly(text: str) -> None:
    (first,) = parse_bibtex(text).works
    (second,) = parse_bibtex(write_bibtex([first])).works
    assert second.to_dict() == first.to_dict()


@SETTINGS
@given(texts)
def test_escaping_is_undone_by_decoding(text: str) -> None:
    assert latex_to_unicode(unicode_to_latex(text)) == text
