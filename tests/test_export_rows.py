"""Exports written from the library's rows (bib.records) give, byte for byte, the text
the Work writers give for the same studies (``iter_export_through_works``: each study built by
library.row_to_work, written by bib.formats.iter_bibliography):
on generated libraries of every shape the writers meet, and on real BibTeX files imported
into a store. The keys are handed out by the file's rule, holding only the changed ones."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bib.citekeys import OrderedKeys, iter_unique_citekeys
from bib.formats import iter_bibliography, iter_records
from bib.formats.bibtex_rows import _dashes, _pages, decodes_to
from bib.formats.latex import latex_to_unicode
from bib.formats.ris_rows import _spaced
from bib.work import Author, Work
from evidence.library import row_to_work
from evidence.library_io import _LibraryKeys, export_keys, import_files, iter_export
from evidence.listing import iter_export_records, record_work
from evidence.store import Store, now
from tests.conftest import shared_path

FORMATS = ("bibtex", "csl-json", "ris")


def iter_export_through_works(store: Store, fmt: str) -> Iterator[str]:
    """The export's text through Works: every study (citekey order) with its notices
    built by library.row_to_work and written by the Work writers, the crossrefs kept as
    the export keeps them."""
    works = (
        row_to_work(
            row, store.query("select * from notices where study_id = ? order by id", [row["id"]])
        )
        for row in store.stream("select * from studies order by citekey")
    )
    return iter_bibliography(works, fmt, bibtex_keys=_LibraryKeys(store))


def _both(store: Store, fmt: str) -> tuple[str, str]:
    with store.snapshot():
        rows = "".join(iter_export(store, fmt))
        works = "".join(iter_export_through_works(store, fmt))
    return rows, works


def _first_difference(a: str, b: str) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"at {at}: {a[max(0, at - 120) : at + 120]!r}\n!=\n{b[max(0, at - 120) : at + 120]!r}"


def assert_same_exports(store: Store) -> None:
    for fmt in FORMATS:
        rows, works = _both(store, fmt)
        assert rows == works, f"{fmt} {_first_difference(rows, works)}"


# --------------------------------------------------------------------------------------
# Generated libraries


def _library(tmp_path: Path, rows: list[dict[str, Any]], name: str = "e.db") -> Store:
    store = Store(tmp_path / name)
    stamp = now()
    with store.transaction():
        for row in rows:
            store.insert("studies", {"added_at": stamp} | row)
    return store


TEXTS = [
    "Effects of massage on anxiety",
    "Pain & stiffness: 50% of {DNA} cases_1 ~ $x^2$ \\ back",
    "A -- B --- C `` quoted '' text",
    "Über die Elektrodynamik bewegter Körper",
    "Line\nbreak and\ttab and  double  spaces ",
    " leading space",
    "Soft\u00adhyphen and no\u2028break\u00a0space",
    'Quote " and backslash \\ in JSON',
    "",
    "日本語のタイトル",
    "Control \x01 character",
]
PAGES = [
    "1-10",
    "1--10",
    "e123",
    "1 - 10",
    "10-",
    "-5",
    "1-2-3",
    "A1-A9",
    "x",
    "",
    "12–19",
    "3-{}4",
]
PAGES += ["²-³", "١٢-١٣", "12-x", "1-2 ", "1\t-2", "1-\u00a02"]
DATES = ["2001", "2001-02", "2001-02-03", "Spring 2001", "1999", "2001-13-45", "", "2001\n"]
TYPES = ["journal-article", "book", "proceedings-article", "book-chapter", "report", None]
TYPES += ["weird-type", "posted-content", "dataset", "other"]
PEOPLE = [
    ("Smith", "Jane"),
    ("von Neumann", "John"),
    ("Martin Luther", "King, Jr."),
    ("", "Cher"),
    ("Solo", ""),
    ('O"Brien \\ x', "A"),
    ("Müller", "Ä"),
    ("Bell, II", "Alexander"),
    ("Sand and Stone", "Ltd"),
    ("Group Name", ""),
    ("others", ""),
    ("Cut}, {Here", "Name"),
    ("Cut", "Name}, {X"),
]


def _authors(rng: random.Random) -> Any:
    shape = rng.random()
    if shape < 0.08:
        return None
    if shape < 0.14:
        return "[]"
    people = [{"family": f, "given": g} for f, g in rng.sample(PEOPLE, rng.randint(1, 3))]
    if shape < 0.22:
        # as another writer might store them: escaped, or with a name missing
        people[0].pop("given")
        return json.dumps(people)
    if shape < 0.28:
        return json.dumps(people, ensure_ascii=True)
    if shape < 0.31:
        # JSON of other shapes: the library reads them as it can
        return rng.choice(["null", "{}", '[{"family": "Doe"}, {}]', " []"])
    return people


def _maybe(rng: random.Random, values: list[Any], p: float = 0.6) -> Any:
    return rng.choice(values) if rng.random() < p else None


def _extra(rng: random.Random, keys: list[str]) -> Any:
    shape = rng.random()
    if shape < 0.3:
        return {}
    if shape < 0.35:
        return None
    if shape < 0.37:
        return rng.choice(["null", "[]", " {} "])
    extra: dict[str, Any] = {}
    if rng.random() < 0.6:
        extra["bibtex_type"] = rng.choice(["article", "book", "inproceedings", "misc", "phdthesis"])
        bibtex: dict[str, Any] = {}
        for name, value in (
            ("month", rng.choice(["October", "oct", "10", "Mayish"])),
            ("day", rng.choice(["3", "31", "x"])),
            ("bibdate", "Fri Jul 13 10:24:20 MDT 2007"),
            ("acknowledgement", "\\path|ack@example.org|"),
            ("note", "A {note} with \\'e"),
            ("address", "Providence, RI"),
            ("location", "Utah"),
            ("school", "MIT"),
            ("edition", "Second"),
            ("series", "LNCS"),
            ("crossref", rng.choice(keys + ["Missing:Key", keys[0].upper()])),
            ("xref", rng.choice(keys + ["nowhere"])),
            ("archiveprefix", "arXiv"),
            ("eprinttype", "arxiv"),
        ):
            if rng.random() < 0.25:
                bibtex[name] = value
        if bibtex or rng.random() < 0.5:
            extra["bibtex"] = bibtex
        raw: dict[str, Any] = {}
        for name, value in (
            ("title", rng.choice(["{Massage} and {DNA}", "{Effects of massage on anxiety}"])),
            ("journal", "{J. Bodyw.}"),
            ("year", rng.choice(["2001a", "circa 2001", "{2001}"])),
            ("isbn", "978-3-16-148410-0 (pbk)"),
            ("issn", "1234-5678, 8765-4321"),
            ("eprint", "arXiv:2101.00001"),
            ("volume", "{12}"),
            ("keywords", "a; b"),
        ):
            if rng.random() < 0.3:
                raw[name] = value
        if raw:
            extra["bibtex_raw"] = raw
    for name, value in (
        ("authors_incomplete", True),
        ("editors", [{"family": "Editor", "given": "E."}, {"family": "Two", "given": ""}]),
        ("editors_incomplete", True),
        ("bibtex_container", "journaltitle"),
        ("bibtex_abbrev_field", "journalabbrev"),
        ("bibtex_issue_field", "issue"),
        ("doi_from_url", True),
        ("arxiv_from_journal", True),
        ("csl_type", rng.choice(["article-journal", "manuscript", "post-weblog"])),
        ("csl", {"accessed": {"date-parts": [[2020, 1, 2]]}, "note": "csl note", "DOI": "bad"}),
        ("ris_type", rng.choice(["JOUR", "EJOUR", "GEN"])),
        ("ris", {"N1": ["ris note"], "Y2": ["2020/01/01"], "PY": ["2001///"]}),
        ("ris", {"DA": ["2001/02/03/"], "M3": ["  spaced   value "]}),
    ):
        if rng.random() < 0.08:
            extra[name] = value
    return extra


def _rows(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    plain = [f"{rng.choice(['smith', 'Jones', 'field'])}{1990 + i % 30}k{i}" for i in range(count)]
    odd = [
        "",
        "Smith2020",
        "smith2020",
        "SMITH2020",
        "smith2020a",
        "Smith2020b",
        "O'Brien2020",
        "OBrien2020",
        "obrien2020",
        "key with spaces",
        "k{1}",
        "k1",
        "Müller2020",
        "MÜLLER2020",
        "müller2020",
        "\u212aelvin",
        "kelvin",
        "KELVIN",
        "x=y",
        "xy",
        "İstanbul",
        "i̇stanbul",
        "100%",
        "100",
    ]
    keys = plain + odd
    rng.shuffle(keys)
    rows = []
    for i, key in enumerate(keys):
        title = rng.choice(TEXTS) if rng.random() < 0.9 else None
        row: dict[str, Any] = {
            "citekey": key,
            "doi": _maybe(rng, [f"10.1000/x.{i}"]),
            "pmid": _maybe(rng, [str(1000 + i)], 0.2),
            "pmcid": _maybe(rng, [f"PMC{i}"], 0.2),
            "arxiv": _maybe(rng, ["2101.00001", "hep-th/9901001"], 0.2),
            "isbn": _maybe(rng, ["9783161484100"], 0.2),
            "title": title,
            "authors": _authors(rng),
            "journal": _maybe(rng, ["Journal of Things", "J & K", "arXiv: 2101.00001", ""]),
            "journal_abbrev": _maybe(rng, ["J. Things", "J_K"], 0.3),
            "publisher": _maybe(rng, ["Springer", "ACM & IEEE", "  Spaced  "], 0.3),
            "year": _maybe(rng, [1990 + i % 30, 2001], 0.85),
            "date": _maybe(rng, DATES, 0.4),
            "issn": _maybe(rng, [["1234-5678"], ["1234-5678", "8765-4321"], [], "[]"], 0.4),
            "volume": _maybe(rng, ["1", "12", "1--2", ""], 0.5),
            "issue": _maybe(rng, ["3", "Suppl 1"], 0.4),
            "pages": _maybe(rng, PAGES, 0.7),
            "type": rng.choice(TYPES),
            "publication_types": rng.choice([[], [{"name": "Review", "ui": "D016454"}]]),
            "abstract": _maybe(rng, TEXTS, 0.3),
            "url": _maybe(rng, ["https://example.org/a b", "https://doi.org/10.1/x"], 0.3),
            "language": _maybe(rng, ["en", "de"], 0.2),
            "keywords": _maybe(rng, [["massage", "pain"], [""], ["x  y"], []], 0.3),
            "retracted": _maybe(rng, [0, 1], 0.2),
            "extra": _extra(rng, keys),
            "provenance": {"title": "crossref"},
            "source": rng.choice(["crossref", "bibtex", None]),
        }
        if rng.random() < 0.04:
            # a year that is not a number (kept as text by the column), with no date
            row["year"], row["date"] = rng.choice(["2001a", "n.d."]), None
        if rng.random() < 0.04:
            # list columns that are not JSON lists: read as the library reads them
            row[rng.choice(["issn", "keywords"])] = rng.choice(["1234-5678", '{"a": 1}', "null"])
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_generated_libraries_export_the_same_text(tmp_path: Path, seed: int) -> None:
    store = _library(tmp_path, _rows(seed, 150))
    try:
        with store.transaction():
            for study_id in range(1, 150, 9):
                store.insert(
                    "notices",
                    {"study_id": study_id, "kind": "retraction", "source": "crossref"},
                )
        assert_same_exports(store)
    finally:
        store.close()


def test_the_shapes_each_writer_reads_itself(tmp_path: Path) -> None:
    """The plain and imported shapes, and the keys that need no question, are written
    from the rows, with no Work built; the keys match the rule and only changed or
    non-ASCII keys are held."""
    rows = [
        {
            "citekey": "Welland:TB1-1-2",
            "title": "Editor's Comments",
            "year": 1980,
            "authors": [{"family": "Welland", "given": "Robert"}],
            "journal": "TUGboat",
            "pages": "2-3",
            "issn": ["0896-3207"],
            "type": "journal-article",
            "extra": {
                "bibtex_type": "article",
                "bibtex": {"month": "October", "bibdate": "x"},
                "bibtex_raw": {"title": "{Editor's Comments}"},
            },
            "date": "1980-10",
        },
        {
            "citekey": "plain2001",
            "title": "Plain",
            "year": 2001,
            "type": "journal-article",
            "authors": [{"family": "Field", "given": "T"}],
            "pages": "1-10",
            "extra": {},
        },
        {"citekey": "Plain2001", "title": "Case twin", "extra": {}},
        {"citekey": "Müller2020", "title": "Non-ASCII key", "extra": {}},
        {"citekey": "k'1", "title": "Breaker", "extra": {}},
        {
            "citekey": "",
            "title": "No key",
            "year": 2001,
            "authors": [{"family": "Field", "given": "T"}],
            "extra": {},
        },
    ]
    store = _library(tmp_path, rows)
    built: list[str] = []
    try:

        def work_of(record: tuple[Any, ...]) -> Work:
            built.append(record[0])
            return record_work(record)

        for fmt in FORMATS:
            built.clear()
            with store.snapshot():
                keys = export_keys(store)
                text = "".join(
                    iter_records(iter_export_records(store), fmt, keys=keys, work_of=work_of)
                )
                assert text == "".join(iter_export_through_works(store, fmt))
            # only the study with no key is built (for the key made from its metadata)
            assert built == [""], fmt
            assert keys.held == {"field2001key", "müller2020", "k1", "plain2001a"}
            assert keys.twins == {"plain2001", "Plain2001"}
    finally:
        store.close()


# --------------------------------------------------------------------------------------
# The key rule alone


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _ordered_keys(citekeys: list[str]) -> OrderedKeys:
    """OrderedKeys asking a list, as the library's case-blind index answers."""
    folded: dict[str, list[str]] = {}
    for key in citekeys:
        folded.setdefault(_ascii_lower(key), []).append(key)
    twins = {k for group in folded.values() if len(group) > 1 for k in group}

    def earlier(lower: str, current: str) -> bool:
        return any(k < current for k in folded.get(_ascii_lower(lower), []))

    return OrderedKeys(twins, earlier)


@pytest.mark.parametrize("seed", range(6))
def test_ordered_keys_follow_the_file_rule(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["a", "A", "b", "B", "ä", "Ä", "\u212a", "k", "K", "'", " ", "İ", "i", "1"]
    pool = {"".join(rng.choices(alphabet, k=rng.randint(0, 4))) for _ in range(400)}
    citekeys = sorted(pool)  # code point order, as SQLite's binary collation
    works = [
        Work(citekey=k, title="Massage", authors=[Author("Field")], year=1996) for k in citekeys
    ]
    expected = [key for _, key in iter_unique_citekeys(works)]
    keys = _ordered_keys(citekeys)
    got = [
        k if keys.plain(k) else keys.key(k, lambda w=w: w)
        for k, w in zip(citekeys, works, strict=True)
    ]
    assert got == expected
    changed = {
        k.lower() for k, c in zip(expected, citekeys, strict=True) if k != c or not k.isascii()
    }
    assert keys.held == changed


def test_plain_keys_are_not_held() -> None:
    citekeys = sorted(f"Smith{i}" for i in range(1000))
    keys = _ordered_keys(citekeys)
    assert all(keys.plain(k) for k in citekeys)
    assert not keys.held


# --------------------------------------------------------------------------------------
# The shortcuts the record writers take, against what they stand for

_LATEX_ALPHABET = "ab {}{}\\~$-`'\t\n  é"


def test_decodes_to_agrees_with_decoding() -> None:
    rng = random.Random(21)
    for _ in range(20_000):
        original = "".join(rng.choices(_LATEX_ALPHABET, k=rng.randint(0, 10)))
        decoded = latex_to_unicode(original)
        for value in (decoded, decoded + " ", original, original.replace("{", "")):
            assert decodes_to(original, value) == (decoded == value), (original, value)


def test_page_dashes_agree_with_escaping() -> None:
    rng = random.Random(8)
    for _ in range(20_000):
        pages = "".join(rng.choices("12a -\u2013\t\u00a0", k=rng.randint(0, 7)))
        assert _dashes(pages) == _pages(pages), repr(pages)


def test_spaced_finds_every_white_space_but_the_space() -> None:
    rng = random.Random(4)
    alphabet = "ab \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2028é"
    for _ in range(20_000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 6)))
        only_spaces = all(c == " " or not c.isspace() for c in text)
        if text.isascii():
            assert _spaced(text) == only_spaces, repr(text)
        elif _spaced(text):
            assert only_spaces, repr(text)


def test_every_space_but_the_space_is_unprintable() -> None:
    """What the RIS writer's one test over a record's values rests on: a value whose
    white space str.split() would change holds an unprintable character or a doubled,
    leading or trailing space."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert " " in spaces and "\u3000" in spaces
    assert all(not c.isprintable() for c in spaces if c != " ")


# --------------------------------------------------------------------------------------
# Real BibTeX files imported into a store


def _bib_files() -> list[Path]:
    folder = shared_path("data", "corpora", "bibtex")
    return sorted(p for p in folder.rglob("*.bib") if "reserve" not in p.parts)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    files = _bib_files()
    store = Store(tmp_path_factory.mktemp("imported") / "e.db")
    import_files(store, files, keep_entries=False)
    yield store
    store.close()


def test_imported_bibtex_files_export_the_same_text(imported: Store) -> None:
    assert imported.count("studies") > 2500
    assert_same_exports(imported)


def test_imported_studies_are_written_from_their_rows(imported: Store) -> None:
    """Almost every imported study (bibtex_type, bibtex and bibtex_raw in extra) is
    written from its row: the Works built are a small share."""
    count = imported.count("studies")
    for fmt in FORMATS:
        built = 0

        def work_of(record: tuple[Any, ...]) -> Work:
            nonlocal built
            built += 1
            return record_work(record)

        with imported.snapshot():
            for _ in iter_records(
                iter_export_records(imported), fmt, keys=export_keys(imported), work_of=work_of
            ):
                pass
        assert built < count * 0.05, (fmt, built, count)


def test_each_real_file_alone(tmp_path: Path) -> None:
    """Each file in a store of its own: keys, crossrefs and duplicates within one file."""
    for i, path in enumerate(_bib_files()):
        store = Store(tmp_path / f"{i}.db")
        try:
            import_files(store, [path], keep_entries=False)
            assert_same_exports(store)
        finally:
            store.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
