from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bib.citekeys import ascii_fold, base_citekey, make_citekey, unique_citekeys
from bib.work import Author, Work

FIELD = Work(
    title="Massage therapy reduces anxiety and enhances EEG pattern of alertness",
    authors=[Author("Field", "T"), Author("Ironson", "G")],
    year=1996,
)


def test_author_year_title_word() -> None:
    assert make_citekey(FIELD, set()) == "field1996massage"


@pytest.mark.parametrize(
    ("work", "key"),
    [
        (
            Work(title="The effects of massage", authors=[Author("Field")], year=1996),
            "field1996effects",
        ),
        (
            Work(title="On a theory of the mind", authors=[Author("Smith")], year=2001),
            "smith2001theory",
        ),
        (Work(title="A 3D model of DNA", authors=[Author("Watson")], year=1953), "watson19533d"),
        (
            Work(title="Über die Elektrodynamik", authors=[Author("Einstein")], year=1905),
            "einstein1905uber",
        ),
        (Work(title="Études", authors=[Author("Gödel")], year=1931), "godel1931etudes"),
        (Work(title="Łódź", authors=[Author("Łukasiewicz")], year=1920), "lukasiewicz1920lodz"),
        (Work(title="Straße", authors=[Author("Weiß")], year=None), "weissndstrasse"),
        (Work(title="Data", authors=[Author("O'Brien-Smith")], year=2020), "obriensmith2020data"),
        (Work(title="Data", authors=[Author("van der Berg")], year=2020), "vanderberg2020data"),
        (Work(title="Report", authors=[], year=2020), "anon2020report"),
        (Work(title="Report", authors=[Author("李")], year=2020), "anon2020report"),
        (Work(title=None, authors=[Author("Field")], year=1996), "field1996"),
        (Work(title="The of a", authors=[Author("Field")], year=1996), "field1996"),
        (
            Work(title="<i>Drosophila</i> genes", authors=[Author("Ng")], year=2000),
            "ng2000drosophila",
        ),
        (Work(title="{DNA} repair", authors=[Author("Ng")], year=2000), "ng2000dna"),
        (Work(title="2019-nCoV outbreak", authors=[Author("Li")], year=2020), "li2020ncov"),
    ],
)
def test_key_parts(work: Work, key: str) -> None:
    assert make_citekey(work) == key


def test_first_usable_author_is_used() -> None:
    work = Work(title="Trial", authors=[Author("—"), Author("Jones")], year=2010)
    assert base_citekey(work) == "jones2010trial"


def test_clashes_get_letter_suffixes_in_order() -> None:
    taken: set[str] = set()
    keys = []
    for _ in range(4):
        key = make_citekey(FIELD, taken)
        taken.add(key)
        keys.append(key)
    assert keys == [
        "field1996massage",
        "field1996massagea",
        "field1996massageb",
        "field1996massagec",
    ]


def test_suffixes_go_past_z() -> None:
    base = "field1996massage"
    taken = {base} | {base + chr(c) for c in range(ord("a"), ord("z") + 1)}
    assert make_citekey(FIELD, taken) == base + "aa"


def test_keys_are_stable() -> None:
    copy = Work(title=FIELD.title, authors=list(FIELD.authors), year=FIELD.year)
    assert make_citekey(copy, {"other"}) == make_citekey(FIELD, {"other"})


def test_ascii_fold() -> None:
    assert ascii_fold("Müller-Łukasz Ærø") == "Muller-Lukasz AEro"


@given(
    st.text(max_size=30),
    st.one_of(st.none(), st.integers(min_value=1000, max_value=2100)),
    st.lists(st.text(max_size=15), max_size=3),
)
def test_keys_are_plain_ascii(title: str, year: int | None, families: list[str]) -> None:
    work = Work(title=title, year=year, authors=[Author(f) for f in families])
    key = make_citekey(work, {base_citekey(work)})
    assert re.fullmatch(r"[a-z]+(\d{4}|nd)[a-z0-9]*", key)
    assert key != base_citekey(work)


def _library_keys(works: list[Work]) -> list[str]:
    """Keys as the library hands them out: one at a time, each then taken."""
    taken: set[str] = set()
    keys = []
    for work in works:
        key = make_citekey(work, taken)
        taken.add(key)
        keys.append(key)
    return keys


def test_library_and_export_give_works_without_keys_the_same_keys() -> None:
    from bib.formats import parse_bibliography, write_bibliography

    works = [Work(title=FIELD.title, authors=list(FIELD.authors), year=1996) for _ in range(30)]
    works += [Work(title="Über die Elektrodynamik", authors=[Author("Einstein")], year=1905)]
    works += [Work(title="Report", authors=[], year=None)]
    keys = _library_keys(works)
    assert keys[:3] == ["field1996massage", "field1996massagea", "field1996massageb"]
    assert keys[27] == "field1996massageaa"
    assert keys[-2:] == ["einstein1905uber", "anonndreport"]
    assert unique_citekeys(works) == keys
    for fmt in ("bibtex", "csl-json", "ris"):
        written = parse_bibliography(write_bibliography(works, fmt), fmt).works
        assert [w.citekey for w in written] == keys, fmt


def test_export_keeps_own_keys_and_suffixes_case_only_clashes() -> None:
    works = [
        Work(title="A", citekey="Smith2020"),
        Work(title="B", citekey="smith2020"),
        Work(title="C", citekey="key with, spaces"),
        Work(title="Massage", authors=[Author("Field")], year=1996),
        Work(title="Massage", authors=[Author("Field")], year=1996, citekey="field1996massage"),
    ]
    assert unique_citekeys(works) == [
        "Smith2020",
        "smith2020a",
        "keywithspaces",
        "field1996massage",
        "field1996massagea",
    ]
