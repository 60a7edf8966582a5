"""Listings that stream: `studies`, `export`, `claims`, `check --json` give what the
whole-list code gave, a chunk at a time, from one snapshot; terminal pages; piped lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bib.formats import write_bibliography
from evidence import claims as claim_list
from evidence import library, listing
from evidence.cli import app
from evidence.cli import listing as cli_listing
from evidence.cli.context import print_json
from evidence.cli.exits import BROKEN_PIPE
from evidence.store import Store, now
from evidence.vocab import DEFAULT_FAIL_ON, STATUSES

# More than two chunks, so that chunk edges are crossed.
SIZE = 2 * listing.CHUNK + 37


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _study(i: int, stamp: str) -> dict[str, Any]:
    return {
        "citekey": f"k{i:05d}",
        "doi": f"10.1000/l.{i}",
        "title": f"Study {i} of massage and {'very ' * 30}long titles",
        "authors": [{"family": f"Author{i % 7}", "given": "A"}],
        "journal": "Journal of Listings",
        "year": 1990 + i % 30,
        "publication_types": [],
        "extra": {"bibtex": {"crossref": "k00001"}} if i % 50 == 3 else {},
        "provenance": {},
        "user_fields": [],
        "duplicate_of": i - 1 if i % 97 == 5 else None,
        "added_at": stamp,
        "updated_at": stamp,
    }


@pytest.fixture
def big_library(tmp_path: Path) -> Iterator[Store]:
    """SIZE studies (EVIDENCE_DB), with checks, notices and probable duplicates."""
    store = Store(tmp_path / "evidence.db")
    stamp = now()
    with store.transaction():
        store.insert_rows("studies", [_study(i, stamp) for i in range(1, SIZE + 1)])
        for i in range(1, SIZE + 1, 3):
            for status in ("not_found", "verified"):
                store.insert(
                    "checks",
                    {"study_id": i, "checked_at": stamp, "status": status, "sources": ["x"]},
                )
        for i in range(1, SIZE + 1, 40):
            store.insert(
                "notices",
                {"study_id": i, "kind": "retraction", "source": "crossref", "doi": f"n{i}"},
            )
    yield store
    store.close()


def test_studies_json_is_the_whole_list_written_a_chunk_at_a_time(big_library: Store) -> None:
    code, out, _ = run("studies", "--json")
    assert code == 0
    whole = library.study_objects(big_library, library.list_studies(big_library))
    assert out == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert any(s["duplicate_of"] for s in whole) and any(s["retracted"] for s in whole)


def test_json_pages_with_limit_and_offset(big_library: Store) -> None:
    code, out, _ = run("studies", "--json", "--offset", "499", "--limit", "3")
    assert code == 0
    assert [s["id"] for s in json.loads(out)] == ["k00500", "k00501", "k00502"]


@pytest.mark.parametrize("fmt", ["bibtex", "csl-json", "ris"])
def test_export_streams_the_same_text(big_library: Store, fmt: str, tmp_path: Path) -> None:
    works = [library.row_to_work(r) for r in library.list_studies(big_library)]
    expected = write_bibliography(works, fmt)
    code, out, _ = run("export", "--format", fmt)
    assert code == 0
    assert out == expected
    target = tmp_path / f"out.{fmt}"
    assert run("export", "--format", fmt, "--output", str(target))[0] == 0
    assert target.read_text(encoding="utf-8") == expected


def test_piped_studies_are_one_line_each(big_library: Store) -> None:
    code, out, _ = run("studies")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == SIZE
    cells = lines[0].split("\t")
    assert len(cells) == len(cli_listing_columns())
    assert cells[:3] == ["k00001", "1991", "Author1"]
    assert cells[3].endswith("long titles")  # never wrapped
    assert cells[5] == "doi:10.1000/l.1"
    assert cells[6] == "verified"  # the latest check
    assert cells[7] == "retracted"
    duplicate = lines[4].split("\t")
    assert duplicate[0] == "k00005" and duplicate[7] == "probable duplicate of k00004"


def cli_listing_columns() -> tuple[str, ...]:
    from evidence.cli.library import TSV_COLUMNS

    return TSV_COLUMNS


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_listing.stdout, "isatty", lambda: True)


def test_a_terminal_shows_a_page_and_formats_only_its_rows(
    big_library: Store, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    real = library.study_object

    def counting(row: dict[str, Any], *args: Any) -> dict[str, Any]:
        built.append(row["citekey"])
        return real(row, *args)

    monkeypatch.setattr(library, "study_object", counting)
    code, out, _ = run("studies")
    assert code == 0
    assert len(built) == cli_listing.PAGE
    assert "k00050" in out and "k00051" not in out
    assert f"Studies 1–50 of {SIZE:,}; {SIZE - 50:,} more. Add --offset 50" in out
    built.clear()
    code, out, _ = run("studies", "--offset", str(SIZE - 2))
    assert built == [f"k{SIZE - 1:05d}", f"k{SIZE:05d}"]
    assert f"Studies {SIZE - 1:,}–{SIZE:,} of {SIZE:,}." in out
    built.clear()
    code, out, _ = run("studies", "--all")
    assert len(built) == SIZE and "more." not in out


def test_bad_page_options(big_library: Store) -> None:
    assert run("studies", "--limit", "0")[2] == (
        "Error: --limit 0 is out of range. Give a number of 1 or more, or --all.\n"
    )
    assert run("claims", "--offset", "-1")[2] == (
        "Error: --offset -1 is out of range. Give 0 or more.\n"
    )
    code, _, err = run("studies", "--all", "--limit", "5")
    assert code == 2 and "contradict" in err
    code, out, err = run("studies", "--offset", str(SIZE))
    assert code == 0 and out == "" and f"the library holds {SIZE:,}" in err


def test_write_json_lays_out_streamed_arrays_as_print_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = {
        "a": [{"x": [1, {"y": "\u0000\n\t é"}]}, []],
        "b": [],
        "c": {"d": [3, 4]},
        "e": None,
        "f": {'k\u00e9y "1"': "v", "k2": {"z": [1]}},
        "g": {},
    }
    print_json(data)
    expected = capsys.readouterr().out
    file = cli_listing.ArrayFile(1)
    for item in data["a"]:
        file.add(item)
    members, empty = cli_listing.ObjectFile(1), cli_listing.ObjectFile(1)
    for key, value in data["f"].items():
        members.put(key, value)
    with file.file, members.file, empty.file:
        cli_listing.write_json(
            {
                "a": file.streamed(),
                "b": cli_listing.Streamed(iter([])),
                "c": {"d": cli_listing.Streamed(iter([3, 4]))},
                "e": None,
                "f": members.streamed(),
                "g": empty.streamed(),
            }
        )
    assert capsys.readouterr().out == expected
    cli_listing.write_json(cli_listing.Streamed(iter(data["a"])))
    streamed = capsys.readouterr().out
    print_json(data["a"])
    assert streamed == capsys.readouterr().out


# --- claims --------------------------------------------------------------------------------


def _document(n: int) -> str:
    lines = []
    for i in range(n):
        if i % 3 == 0:
            lines.append(f"Massage reduced pain {i} in adults [@k{i + 1:05d}].")
        elif i % 3 == 1:
            lines.append(f"Research has shown that stretching {i} helps.")
        else:
            lines.append(f"Walking {i} halves the risk of heart disease in adults.")
    return "\n\n".join(lines) + "\n"


@pytest.fixture
def claims_library(big_library: Store, tmp_path: Path) -> Store:
    doc = tmp_path / "doc.md"
    doc.write_text(_document(1200), encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    return big_library


def test_claims_and_check_json_are_the_whole_lists(claims_library: Store) -> None:
    store = claims_library
    code, out, _ = run("claims", "--json")
    assert code == 0
    streamed = json.loads(out)
    whole = claim_list.claim_objects(store)
    assert len(whole) > 2 * claim_list.CLAIM_CHUNK
    for claim in streamed:
        for m in claim["mentions"]:
            assert m.pop("candidates") == []
    assert streamed == whole
    assert {c["status"] for c in whole} >= {"cited", "vague", "unsourced", "retracted"}

    code, out, _ = run("check", "--json")
    assert code == 1
    result = claim_list.check_claims(store, None)
    assert out == json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    # check builds objects only for the claims it lists: the same as filtering them all
    fail_on = set(DEFAULT_FAIL_ON)
    assert result["counts"] == {s: sum(c["status"] == s for c in whole) for s in STATUSES}
    assert result["claims"] == len(whole)
    assert result["failing"] == [c for c in whole if c["status"] in fail_on]
    assert result["needs_attention"] == [
        c for c in whole if claim_list.needs_attention(c["status"], fail_on)
    ]
    assert 0 < len(result["needs_attention"]) < len(whole)
    wanted = ["vague", "retracted"]
    assert list(
        claim_list.claim_objects_of(claim_list.iter_claim_reads(store, statuses=wanted))
    ) == [c for c in whole if c["status"] in wanted]


def test_claims_pages_and_status_filter(claims_library: Store, terminal: None) -> None:
    code, out, _ = run("claims", "--status", "vague", "--offset", "10", "--limit", "5")
    assert code == 0
    assert out.count("vague: ") == 5
    assert "Claims 11–15 of 400; 385 more. Add --offset 15" in out
    code, out, _ = run("claims")
    assert "Claims 1–50 of 1,200; 1,150 more." in out
    code, out, _ = run("claims", "--json", "--limit", "2", "--offset", "1")
    assert [c["index"] for c in json.loads(out)] == [1, 2]


def test_a_listing_is_one_snapshot(big_library: Store, tmp_path: Path) -> None:
    reader = Store(tmp_path / "evidence.db", readonly=True)
    with reader.snapshot():
        rows = listing.iter_study_rows(reader)
        first = next(rows)
        # another process adds a study and retracts the next one meanwhile
        big_library.insert("studies", {**_study(0, now()), "citekey": "k00001a"})
        big_library.insert(
            "notices", {"study_id": 2, "kind": "retraction", "source": "x", "doi": "late"}
        )
        seen = [first, *rows]
        objs = list(listing.iter_study_objects(reader, seen))
    assert len(seen) == SIZE
    assert not objs[1]["retracted"]
    reader.close()


@pytest.mark.parametrize(
    "data",
    [
        {"a": [1, 2.5, {"b": None, "c": True, "d": False, "e": 'é\u0000\n"\\'}], "f": {}},
        {"g": [], "h": float("nan"), "i": (1, 2), "j": {1: 2}, "k": -0.0, "l": 10**30},
        [[[]], [{}], "x"],
        "plain",
    ],
)
def test_layout_is_json_dumps_with_indent(data: Any) -> None:
    expected = json.dumps(data, indent=2, ensure_ascii=False)
    assert cli_listing.layout(data) == expected
    assert cli_listing.layout(data, "    ") == expected.replace("\n", "\n    ")


# --- rows the fast layouts must lay out as the study objects do ------------------------


@pytest.fixture
def odd_library(tmp_path: Path) -> Iterator[Store]:
    """Studies whose JSON columns leave the common shapes: names with quotes, escapes
    and missing parts, authors stored with escaped non-ASCII, publication types of two
    sources, several notices, a check with findings, a study whose original is gone."""
    store = Store(tmp_path / "evidence.db")
    stamp = now()
    rows: list[dict[str, Any]] = [
        {"citekey": "a1", "authors": [{"family": 'O"Brien \\ x', "given": "Ann\tB"}]},
        {"citekey": "a2", "authors": [{"family": "Solo"}, {"given": "Only", "orcid": "0"}]},
        {"citekey": "a3", "authors": '[{"family": "M\\u00fcller", "given": "J"}]'},
        {"citekey": "a4", "authors": [{"family": None, "given": "Z"}], "year": None},
        {
            "citekey": "a5",
            "title": "Line\nbreak \u2028 and \x01 control",
            "issn": ["1234-5678", "8765-4321"],
            "keywords": ["massage", "pain"],
            "publication_types": [
                {"name": "Journal Article", "source": "crossref"},
                {"name": "Randomized Controlled Trial", "ui": "D016449", "source": "pubmed"},
                {"name": "Randomized Controlled Trial", "ui": "D016449"},
            ],
            "duplicate_of": 999,
            "extra": {"bibtex": {"note": "kept"}},
        },
        {
            "citekey": "a6",
            "publication_types": [{"name": "posted-content", "source": "crossref"}],
            "pmid": "123",
            "arxiv": "2101.00001",
            "retracted": 0,
        },
    ]
    with store.transaction():
        for row in rows:
            store.insert(
                "studies",
                {"doi": f"10.1/{row['citekey']}", "journal": "J é", "year": 2001, "added_at": stamp}
                | row,
            )
        for notice in (("correction", "b"), ("retraction", "a"), ("retraction", "c")):
            store.insert(
                "notices",
                {"study_id": 5, "kind": notice[0], "source": notice[1], "doi": "", "date": "x"},
            )
        store.insert(
            "checks",
            {
                "study_id": 1,
                "checked_at": stamp,
                "status": "mismatch",
                "sources": ["crossref", "pubmed"],
                "mismatches": [{"field": "year", "ours": 2001, "theirs": 2002.5, "source": "x"}],
                "reason": "year differs",
                "verification": {
                    "likely": "miscited",
                    "fields": [{"field": "year", "severity": "minor"}],
                    "matched": {"doi": "10.1/a1", "authors": ["Ann"]},
                    "searched": [{"service": "crossref", "hits": 3}],
                },
            },
        )
        store.insert("checks", {"study_id": 2, "checked_at": None, "status": "verified"})
    yield store
    store.close()


def test_odd_rows_are_laid_out_as_study_objects(odd_library: Store) -> None:
    code, out, _ = run("studies", "--json")
    assert code == 0
    whole = library.study_objects(odd_library, library.list_studies(odd_library))
    assert out == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert [a["family"] for s in whole for a in s["authors"]][:4] == [
        'O"Brien \\ x',
        "Solo",
        "",
        "Müller",
    ]
    assert whole[4]["notices"][0]["kind"] == "correction" and whole[4]["retracted"]


def test_odd_rows_piped_and_exported(odd_library: Store) -> None:
    code, out, _ = run("studies")
    assert code == 0
    objs = library.study_objects(odd_library, library.list_studies(odd_library))
    assert out == "".join(_line_of(s) for s in objs)
    lines = [line.split("\t") for line in out.split("\n")]
    assert lines[0][2] == 'O"Brien \\ x' and lines[0][6] == "mismatch"
    assert lines[2][2] == "Müller" and lines[3][2] == "None"
    assert lines[4][3] == "Line break and \x01 control"  # runs of white space: one space
    assert lines[4][7] == "retracted"  # its original is gone: no duplicate flag
    assert lines[5][5] == "doi:10.1/a6 pmid:123 arxiv:2101.00001"
    works = [library.row_to_work(r) for r in library.list_studies(odd_library)]
    for fmt in ("bibtex", "csl-json", "ris"):
        code, out, _ = run("export", "--format", fmt)
        assert code == 0
        assert out == write_bibliography(works, fmt), fmt


def _line_of(s: dict[str, Any]) -> str:
    """The piped line of a study object, by the rules `studies --help` states."""
    flags = ["retracted"] if s["retracted"] else []
    if s["duplicate_of"]:
        flags.append(f"probable duplicate of {s['duplicate_of']}")
    cells = (
        s["id"],
        str(s["year"] or ""),
        str(s["authors"][0]["family"]) if s["authors"] else "",
        s["title"] or "",
        s["journal"] or "",
        " ".join(f"{k}:{s[k]}" for k in ("doi", "pmid", "arxiv", "isbn") if s[k]),
        s["verification"]["status"],
        "; ".join(flags),
    )
    return "\t".join(" ".join(str(c).split()) for c in cells) + "\n"


@pytest.mark.parametrize("args", [["studies"], ["studies", "--json"], ["export"]])
def test_a_listing_whose_reader_leaves_stops_quietly(
    big_library: Store, tmp_path: Path, args: list[str]
) -> None:
    """`evidence studies | head -1`: the command stops with SIGPIPE's exit code and
    says nothing (no "Broken pipe" error, no traceback at exit)."""
    command = [sys.executable, "-c", "from evidence.cli import main; main()", "--offline"]
    env = {**os.environ, "EVIDENCE_DB": str(tmp_path / "evidence.db")}
    with subprocess.Popen(
        [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        errors = process.stderr.read()
        code = process.wait(timeout=60)
    assert first.strip()
    assert errors == b""
    assert code == BROKEN_PIPE


def test_piped_claims_are_the_lines_a_terminal_shows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Piped, `claims` writes its lines straight out; they are the console's lines
    without colour, control characters dropped as the console drops them, a ":name:"
    left as written."""
    import io

    from rich.console import Console

    from evidence.claims import ClaimRead, ClaimRow, LinkRow, MentionRow
    from evidence.cli import documents

    text = "Massage :heart: helps\x07 at 10:30:00 [bold]really[/] \u00e9\x1b[31m."
    row = ClaimRow("doc-1", "d.md", 0, text, 0.9, None, 0, len(text), None)
    doi = MentionRow("doc-1", "doi", "doi:10.1/x'y", None, None, "10.1/x'y", None, None, None, 1)
    vague = MentionRow(
        "doc-1", "vague", "research\x0b shows", None, None, None, None, None, None, None
    )
    link = LinkRow("doc-1", 1, "supports", "user", None)
    studies = {1: {"citekey": "k1", "retracted": False, "notices": [], "verification": "x"}}
    claim = ClaimRead("cited", row, [doi, vague], [link], studies)
    claims = [claim, claim._replace(status="unsourced", row=row._replace(id="doc-2"), mentions=[])]
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, soft_wrap=True, emoji=False)
    monkeypatch.setattr(documents, "out", console)
    monkeypatch.setattr(documents.stdout, "isatty", lambda: True)
    assert documents._print_claims(claims) == 2
    monkeypatch.setattr(documents.stdout, "isatty", lambda: False)
    capsys.readouterr()
    assert documents._print_claims(claims) == 2
    piped = capsys.readouterr().out
    assert piped == buffer.getvalue()
    assert ":heart:" in piped and "\x07" not in piped and "[bold]really[/]" in piped
