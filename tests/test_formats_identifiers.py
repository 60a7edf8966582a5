"""Every bibliography reader reads identifiers by the one rule of bib.identifiers.

A BibTeX ``pmid`` field, a CSL-JSON ``PMID`` variable and an RIS ``AN`` line holding the
same text give the identifier ``inspect_identifier("pmid:<text>")`` gives, or none when
it refuses the text, so ``evidence import`` and ``evidence add`` never disagree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bib.errors import FormatError
from bib.formats import read_bibliography
from bib.formats.bibtex import parse_bibtex
from bib.formats.csljson import parse_csl_json
from bib.formats.ris import parse_ris
from bib.identifiers import HANDLERS, inspect_identifier
from bib.work import Work
from tests.conftest import SHARED

KINDS = ("doi", "pmid", "pmcid", "isbn", "arxiv")


def expected(kind: str, value: str) -> str | None:
    """What ``evidence add <kind>:<value>`` stores, or None when it refuses the value."""
    identifier, _ = inspect_identifier(f"{kind}:{value}")
    return identifier.value if identifier is not None and identifier.kind == kind else None


def one(works: list[Work]) -> Work:
    assert len(works) == 1
    return works[0]


def from_bibtex(kind: str, value: str) -> str | None:
    field = {"arxiv": "eprint"}.get(kind, kind)
    also = ", archiveprefix = {arXiv}" if kind == "arxiv" else ""
    result = parse_bibtex(f"@misc{{k, title = {{T}}, {field} = {{{value}}}{also}}}\n")
    value_read: str | None = getattr(one(result.works), kind)
    return value_read


def from_csl_json(kind: str, value: str) -> str | None:
    item: dict[str, str] = {"id": "k", "title": "T"}
    if kind == "arxiv":
        item["note"] = f"arXiv: {value}"
    else:
        item[kind.upper()] = value
    value_read: str | None = getattr(one(parse_csl_json(json.dumps([item])).works), kind)
    return value_read


_RIS_TAGS = {"doi": "DO", "pmid": "AN", "pmcid": "C2", "isbn": "SN", "arxiv": "N1"}


def from_ris(kind: str, value: str) -> str | None:
    line = f"arXiv: {value}" if kind == "arxiv" else value
    text = f"TY  - GEN\nID  - k\nTI  - T\n{_RIS_TAGS[kind]}  - {line}\nER  - \n"
    value_read: str | None = getattr(one(parse_ris(text).works), kind)
    return value_read


READERS = {"bibtex": from_bibtex, "csl-json": from_csl_json, "ris": from_ris}


def ris_expected(kind: str, value: str) -> str | None:
    """RIS C2 is a free "custom" tag: only a PMC-labelled value in it is a PMCID."""
    if kind == "pmcid" and value.strip()[:3].upper() != "PMC":
        return None
    return expected(kind, value)


AWKWARD: list[tuple[str, str]] = [
    ("pmid", "8870945"),
    ("pmid", "008870945"),
    ("pmid", " 123 "),
    ("pmid", "0"),
    ("pmid", "000"),
    ("pmid", "1234567890"),
    ("pmid", "12a"),
    ("pmid", "١٢٣"),
    ("pmid", "PMC123"),
    ("pmid", "https://pubmed.ncbi.nlm.nih.gov/8870945/"),
    ("doi", "10.1234/ABC"),
    ("doi", "10.12/abc"),
    ("doi", "10.1/x"),
    ("doi", "10.1234/"),
    ("doi", "10.1234"),
    ("doi", "doi:10.1234/Abc"),
    ("doi", "DOI: 10.1234/abc"),
    ("doi", "https://doi.org/10.1234/ABC"),
    ("doi", "http://dx.doi.org/10.1002%2FABC.123"),
    ("doi", "doi.org/10.1234/x"),
    ("doi", "https://www.doi.org/10.1234/x"),
    ("doi", "10.1234/abc."),
    ("doi", "10.1016/0140-6736(90)90001-X"),
    ("doi", "10.١٢٣٤/x"),
    ("doi", "not a doi"),
    ("pmcid", "PMC1234567"),
    ("pmcid", "pmc1234567"),
    ("pmcid", "PMC001234567"),
    ("pmcid", "1234567"),
    ("pmcid", "PMC0"),
    ("pmcid", "PMC"),
    ("pmcid", "PMCX12"),
    ("pmcid", "https://pmc.ncbi.nlm.nih.gov/articles/PMC1234567/"),
    ("isbn", "0-306-40615-2"),
    ("isbn", "0306406152"),
    ("isbn", "978-0-306-40615-7"),
    ("isbn", "9780306406157"),
    ("isbn", "978 0 306 40615 7"),
    ("isbn", "080442957X"),
    ("isbn", "080442957x"),
    ("isbn", "0-306-40615-3"),
    ("isbn", "0000000000"),
    ("isbn", "123"),
    ("arxiv", "2101.00001"),
    ("arxiv", "2101.00001V2"),
    ("arxiv", "arXiv:2101.00001v2"),
    ("arxiv", "hep-th/9901001"),
    ("arxiv", "Math.gt/0309136"),
    ("arxiv", "2113.00001"),
    ("arxiv", "https://arxiv.org/abs/2101.00001"),
]


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize(("kind", "value"), AWKWARD)
def test_readers_read_awkward_identifiers_as_add_does(kind: str, value: str, reader: str) -> None:
    if reader == "csl-json" and kind == "arxiv" and " " in value.strip():
        pytest.skip("a note line holds an id without spaces")
    want = ris_expected(kind, value) if reader == "ris" else expected(kind, value)
    assert READERS[reader](kind, value) == want


@pytest.mark.parametrize(("kind", "value"), AWKWARD)
def test_handlers_agree_with_inspect_identifier(kind: str, value: str) -> None:
    """A bare value its handler accepts is what inspect_identifier makes of it."""
    handler = HANDLERS[kind]
    if "://" in value or ":" in value.split("/")[0]:
        return  # links and prefixed values are read by inspect_identifier alone
    by_handler = handler.standardize(value) if handler.inspect(value) is None else None
    assert by_handler == expected(kind, value)


def test_the_awkward_set_covers_acceptance_and_refusal() -> None:
    for kind in KINDS:
        results = {expected(k, v) is not None for k, v in AWKWARD if k == kind}
        assert results == {True, False}, kind
    assert expected("pmid", "008870945") == expected("pmid", "8870945") == "8870945"
    assert expected("isbn", "0-306-40615-2") == expected("isbn", "9780306406157")
    assert expected("pmcid", "1234567") == expected("pmcid", "pmc1234567") == "PMC1234567"
    assert expected("doi", "10.12/abc") is None


# --------------------------------------------------------------------------------------
# Real bibliographies

BIBTEX = SHARED / "data" / "corpora" / "bibtex"
# A braced or quoted value of one identifier field (values holding braces are skipped).
_FIELD = re.compile(
    r"(?<![\w-])(doi|pmid|pmcid|isbn|eprint)\s*=\s*(?:\{([^{}]*)\}|\"([^\"{}]*)\")",
    re.IGNORECASE,
)


def _corpus_files() -> list[Path]:
    return sorted(BIBTEX.rglob("*.bib")) if BIBTEX.is_dir() else []


def _corpus_values() -> list[tuple[str, str]]:
    """(kind, value) of every identifier field written in the real .bib files."""
    found: set[tuple[str, str]] = set()
    for path in _corpus_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _FIELD.finditer(text):
            name = match.group(1).lower()
            value = " ".join((match.group(2) or match.group(3) or "").split())
            if value:
                found.add(("arxiv" if name == "eprint" else name, value))
    return sorted(found)


def test_readers_agree_on_every_identifier_of_the_real_bibtex_files() -> None:
    values = _corpus_values()
    if not values:
        pytest.skip(f"{BIBTEX} not available")
    assert len(values) > 40
    disagreements = []
    for kind, value in values:
        for reader, read in READERS.items():
            if reader == "csl-json" and kind == "arxiv" and " " in value:
                continue
            got = read(kind, value)
            want = ris_expected(kind, value) if reader == "ris" else expected(kind, value)
            if kind == "isbn" and want is None and got is not None:
                # A field with several ISBNs or a qualifier ("(pbk.)"): the first valid
                # ISBN in it, itself accepted by the handler.
                words = re.split(r"[\s,;()]+", value)
                if any(expected("isbn", word) == got for word in words):
                    continue
            if kind == "isbn" and reader == "ris" and got is None and want is not None:
                continue  # SN holds ISSNs too: a value shaped like one is read as one
            if got != want:
                disagreements.append((reader, kind, value, got, want))
    assert disagreements == []


@pytest.mark.parametrize(
    "path", _corpus_files() or [pytest.param(None, marks=pytest.mark.skip("no corpus"))]
)
def test_works_read_from_real_files_hold_standard_identifiers(path: Path) -> None:
    """Whatever a file's entries inherit or derive (crossref, url, journal), every
    identifier of a Work read from it is one inspect_identifier accepts unchanged."""
    try:
        works = read_bibliography(path).works
    except FormatError:
        return  # empty or undecodable on purpose (reader tests)
    for work in works:
        for kind in KINDS:
            value = getattr(work, kind)
            if value is not None:
                assert expected(kind, value) == value, (path.name, work.citekey, kind)
        for name, value in (work.extra.get("bibtex") or {}).items():
            if name in ("doi", "pmid", "pmcid"):
                assert expected(name, value) is None, (path.name, work.citekey, name)
