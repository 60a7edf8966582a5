"""Bibliographies read in pieces give what the whole text gives.

Every hostile file of tests/data and the BibTeX corpora of ../shared are read through
bib.formats.open_bibliography with windows of a few characters (so that entries,
tokens, line breaks and JSON numbers are cut everywhere), in small chunks, and compared
with parse_bibliography of the whole text: the same works, in order, and the same
problems."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

import bib.formats.bibtex_stream
import bib.formats.csljson
import bib.formats.stream
from bib.errors import FormatError
from bib.formats import (
    EXTENSIONS,
    open_bibliography,
    parse_bibliography,
    read_text,
)
from bib.formats.common import EntryTooLong, SeenKeys
from tests.conftest import shared_path

HOSTILE = Path(__file__).parent / "data" / "hostile"


def _hostile_files() -> list[Path]:
    return sorted(p for kind in ("bib", "csl", "ris") for p in (HOSTILE / kind).iterdir())


@pytest.fixture(params=[3, 64, 1 << 20], ids=["window-3", "window-64", "window-1M"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    for module in (bib.formats.bibtex_stream, bib.formats.csljson):
        monkeypatch.setattr(module, "WINDOW", request.param)
    monkeypatch.setattr(bib.formats.stream, "_BLOCK", request.param)
    yield request.param


def _streamed(path: Path) -> tuple[list[dict], list[str], bool]:
    opened = open_bibliography(path)
    works, problems = [], []
    for chunk in opened.chunks(size=2):
        assert len(chunk.works) <= 2
        works.extend(asdict(w) for w in chunk.works)
        problems.extend(str(p) for p in chunk.problems)
    return works, problems, opened.streamed


def _whole(path: Path) -> tuple[list[dict], list[str]]:
    text = read_text(path)
    fmt = EXTENSIONS[path.suffix.lower()]
    result = parse_bibliography(text, fmt, str(path))
    return [asdict(w) for w in result.works], [str(p) for p in result.problems]


def _same(path: Path) -> bool:
    """Whether reading in pieces gives what the whole text gives; whether it streamed."""
    try:
        whole = _whole(path)
    except FormatError as exc:
        with pytest.raises(FormatError) as caught:
            _streamed(path)
        assert str(caught.value) == str(exc)
        return False
    works, problems, streamed = _streamed(path)
    assert works == whole[0]
    assert sorted(problems) == sorted(whole[1])
    return streamed


@pytest.mark.parametrize("path", _hostile_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hostile_files_read_in_pieces_as_whole(path: Path, window: int) -> None:
    _same(path)


def test_most_hostile_files_stream(window: int) -> None:
    streamed = [p.name for p in _hostile_files() if _same(p)]
    assert "hostile-crlf.bib" in streamed
    assert "invalid-unclosed-brace.bib" in streamed
    assert "invalid-truncated.json" in streamed
    assert "invalid-unterminated.ris" in streamed
    # read whole: Latin-1 text, a crossref, a CSL object that is not an array
    assert "hostile-latin1.bib" not in streamed
    assert "invalid-crossref-cycle.bib" not in streamed
    assert "hostile-object-not-array.json" not in streamed


@pytest.mark.parametrize("corpus", ["bibtexparser-v1-tests", "pybtex-tests", "metacheck-bibs"])
def test_bibtex_corpora_read_in_pieces_as_whole(corpus: str, window: int) -> None:
    folder = shared_path("data", "corpora", "bibtex", corpus)
    files = sorted(folder.rglob("*.bib"))
    assert files
    for path in files:
        _same(path)


def test_tugboat_streams_in_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_path("data", "corpora", "bibtex", "tugboat", "tugboat.bib")
    monkeypatch.setattr(bib.formats.bibtex_stream, "WINDOW", 4096)
    assert _same(path)


def test_an_entry_longer_than_the_limit_stops_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command never closed (or too long) is not held whole: the file is refused
    from there with the line where the entry starts."""
    for module in (bib.formats.bibtex_stream, bib.formats.csljson, bib.formats.ris):
        monkeypatch.setattr(module, "MAX_ENTRY_CHARS", 5000, raising=False)
    monkeypatch.setattr(bib.formats.stream, "MAX_ENTRY_CHARS", 5000)
    monkeypatch.setattr(bib.formats.bibtex_stream, "WINDOW", 1000)
    monkeypatch.setattr(bib.formats.csljson, "WINDOW", 1000)
    good = "@article{a, title={A}, author={Doe, J}, year={2001}}\n"
    bib_file = tmp_path / "long.bib"
    bib_file.write_text(good + "@article{b, title={" + "x" * 20000 + "}}\n" + good)
    json_file = tmp_path / "long.json"
    json_file.write_text(
        '[{"id": "a", "title": "A"},\n{"id": "b", "title": "' + "x" * 20000 + '"}]'
    )
    for path in (bib_file, json_file):
        chunks = open_bibliography(path).chunks(size=1)
        first = next(chunks)
        assert [w.citekey for w in first.works] == ["a"]
        with pytest.raises(EntryTooLong) as caught:
            next(chunks)
        assert str(caught.value).startswith(f"{path}:2: an entry longer than")


def test_seen_keys_spill_to_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SeenKeys, "SPILL", 10)
    seen = SeenKeys()
    for n in range(35):
        seen.add(f"Key{n}", n + 1)
    assert len(seen._memory) == 5
    assert seen.get("key3") == 4 and seen.get("KEY34") == 35 and seen.get("other") is None
    seen.close()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_json_are_refused(
    tmp_path: Path, window: int, constant: str
) -> None:
    # Python's decoder reads them; RFC 8259 has no such values: a problem, nothing saved
    # from that item on, read whole or in pieces alike.
    path = tmp_path / "refs.json"
    path.write_text(
        '[{"id": "a", "title": "Kept"},\n {"id": "b", "title": ' + constant + "}]",
        encoding="utf-8",
    )
    works, problems, _ = _streamed(path)
    assert [w["title"] for w in works] == ["Kept"]
    assert len(problems) == 1 and f"{constant} is not a JSON value" in problems[0]
    assert ":2:" in problems[0]  # the line of the item
    assert (works, problems) == _whole(path)


def test_invalid_json_in_the_last_window_names_its_own_line(tmp_path: Path, window: int) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n {"id": "a", "title": "A"},\n {"id": "b", "title": "B",,}\n]\n')
    works, problems, _ = _streamed(path)
    assert [w["citekey"] for w in works] == ["a"]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:3: (no key): invalid JSON")
