"""verify and retractions: verdicts with the evidence behind them, against the local fake
services (tests/fake_services.py) and the real Retraction Watch rows in ../shared."""

from __future__ import annotations

import gc
import json
import os
import signal
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bib import lookup
from bib.services.retractions import parse_retraction_data
from evidence import verify as verification
from evidence.cli import app
from evidence.store import Store
from tests.conftest import shared_path

RCT = {
    "doi": "10.3109/00207459608986710",
    "pmid": "8884390",
    "title": "Massage therapy reduces anxiety and enhances EEG pattern of alertness and math computations",
    "authors": [("Field", "T"), ("Ironson", "G")],
    "journal": "International Journal of Neuroscience",
    "journal_abbrev": "Int J Neurosci",
    "issn": "0020-7454",
    "year": 1996,
    "volume": "86",
    "issue": "3-4",
    "pages": "197-205",
    "type": "journal-article",
    "publication_types": [
        ("Randomized Controlled Trial", "D016449"),
        ("Journal Article", "D016428"),
    ],
}
RETRACTED = {
    "doi": "10.1016/s0140-6736(97)11096-0",
    "pmid": "9500320",
    "title": "Ileal-lymphoid-nodular hyperplasia, non-specific colitis, and pervasive developmental disorder in children",
    "authors": [("Wakefield", "A J")],
    "journal": "The Lancet",
    "year": 1998,
    "volume": "351",
    "pages": "637-641",
    "type": "journal-article",
    "retracted": True,
    "notices": [
        {
            "kind": "retraction",
            "doi": "10.1016/s0140-6736(10)60175-4",
            "pmid": "20137807",
            "date": "2010-02-06",
            "source": "retraction-watch",
        }
    ],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def studies() -> dict[str, dict]:
    return {s["doi"]: s for s in json.loads(run("studies", "--json")[1])}


def test_verify_verdicts_notices_design_and_fresh_skip(fake_services) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(RCT)
    fake_services.add(RETRACTED)
    code, _, err = run("add", "--no-fetch", RCT["doi"], RETRACTED["doi"], "10.1234/not.there")
    assert code == 0, err
    code, out, err = run("verify", "--all", "--json")
    assert code == 1, err  # a retracted study and one that does not exist
    verdicts = json.loads(out)["verdicts"]
    by_doi = studies()
    assert verdicts[by_doi[RCT["doi"]]["id"]] == "verified"
    assert verdicts[by_doi[RETRACTED["doi"]]["id"]] == "retracted"
    assert verdicts[by_doi["10.1234/not.there"]["id"]] == "not_found"
    rct = by_doi[RCT["doi"]]
    assert rct["evidence_level"] == "rct"
    assert rct["pmid"] == "8884390"
    assert rct["title"] == RCT["title"]  # filled in from the services
    assert set(rct["verification"]["sources"]) >= {"crossref", "pubmed"}
    wake = by_doi[RETRACTED["doi"]]
    assert wake["retracted"] is True
    assert {(n["kind"], n["source"]) for n in wake["notices"]} >= {
        ("retraction", "retraction-watch")
    }
    assert "not found in crossref" in by_doi["10.1234/not.there"]["verification"]["reason"]
    # nothing stale: a second verify asks no service
    fake_services.reset_stats()
    code, out, _ = run("verify", "--all", "--json")
    assert json.loads(out)["skipped_fresh"] == 3
    assert sum(fake_services.count(s) for s in ("crossref", "pubmed", "openalex", "s2")) == 0


def test_verify_in_chunks_reports_each_study_once_checked_then_fresh(  # type: ignore[no-untyped-def]
    fake_services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Studies read and checked two at a time, their verdicts kept on disk until printed:
    each study has one verdict, those checked (in library order) before the fresh ones,
    and the JSON is laid out as json.dumps lays it out."""
    monkeypatch.setattr(lookup, "LOOKUP_CHUNK", 2)
    monkeypatch.setattr(verification, "FRESH_CHUNK", 2)
    dois = [f"10.5555/chunked.{n}" for n in range(5)]
    for n, doi in enumerate(dois):
        fake_services.add(doi=doi, title=f"Chunked study {n}", authors=[("Roe", "R")], year=2001)
    fake_services.add(RETRACTED)
    missing = "10.1234/not.there"
    assert run("add", "--no-fetch", *dois, RETRACTED["doi"], missing)[0] == 0
    key = {doi: s["id"] for doi, s in studies().items()}
    assert run("verify", key[dois[1]], key[dois[3]])[0] == 0  # these two are now fresh
    code, out, err = run("verify", "--all", "--json")
    assert code == 1, err
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"
    result = json.loads(out)
    checked = [key[d] for d in (dois[0], dois[2], dois[4], RETRACTED["doi"], missing)]
    fresh = [key[dois[1]], key[dois[3]]]
    assert list(result["verdicts"]) == checked + fresh
    assert [r["citekey"] for r in result["references"]] == checked + fresh
    assert [bool(r.get("fresh")) for r in result["references"]] == [False] * 5 + [True] * 2
    assert result["verdicts"][key[RETRACTED["doi"]]] == "retracted"
    assert result["verdicts"][key[missing]] == "not_found"
    assert result["counts"] == {"verified": 5, "retracted": 1, "not_found": 1}
    assert result["skipped_fresh"] == 2
    assert list(result["reasons"]) == checked + fresh  # every verdict here has a reason
    # On a terminal: the problems grouped by verdict, then the counts.
    code, text, _ = run("verify", "--all", "--refresh")
    assert code == 1
    lines = text.splitlines()
    assert lines[:2] == ["not_found (1)", f"  {key[missing]}: {result['reasons'][key[missing]]}"]
    assert lines[2].startswith("      doi (major): cited 10.1234/not.there; found ")
    assert lines[3] == "retracted (1)" and lines[4].startswith(f"  {key[RETRACTED['doi']]}:")
    assert lines[-1] == "7 checked: 1 not_found, 1 retracted, 5 verified."
    # A study named twice is checked once.
    before = count_rows("checks")
    code, out, _ = run("verify", key[dois[0]], key[dois[0]], "--refresh", "--json")
    assert code == 0 and json.loads(out)["verdicts"] == {key[dois[0]]: "verified"}
    assert count_rows("checks") == before + 1


def test_verify_reports_mismatched_fields(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(RCT)
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{field1997,\n  author = {Field, Tiffany},\n"
        "  title = {Massage therapy reduces anxiety and enhances EEG pattern of alertness and math computations},\n"
        "  journal = {International Journal of Neuroscience},\n  year = {1997},\n  volume = {87},\n"
        "  pages = {197--205},\n  doi = {10.3109/00207459608986710},\n}\n",
        encoding="utf-8",
    )
    assert run("import", str(bib))[0] == 0
    code, out, _ = run("verify", "field1997", "--json")
    assert code == 1
    assert json.loads(out)["verdicts"] == {"field1997": "mismatch"}
    mismatches = studies()[RCT["doi"]]["verification"]["mismatches"]
    fields = {(m["field"], str(m["ours"]), str(m["theirs"])) for m in mismatches}
    assert ("year", "1997", "1996") in fields
    assert ("volume", "87", "86") in fields
    # the hand-set (imported) values are kept; the services' values are evidence only
    assert studies()[RCT["doi"]]["year"] == 1997


def test_verify_offline_is_unverified_with_reason(tmp_path: Path) -> None:
    assert run("add", "--no-fetch", RCT["doi"])[0] == 0
    code, out, err = run("--offline", "verify", "--all")
    assert code == 1
    assert "unverified" in out and "offline" in out
    assert "Traceback" not in err


def test_service_failure_is_unverified_and_rerun_completes(fake_services) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(RCT)
    assert run("add", "--no-fetch", RCT["doi"])[0] == 0
    for service in ("crossref", "pubmed", "openalex", "s2"):
        fake_services.inject(service, "500", count=50)
    code, out, _ = run("verify", "--all", "--json")
    assert code == 1
    assert list(json.loads(out)["verdicts"].values()) == ["unverified"]
    store = Store(Path(str(fake_services_db())))
    assert store.integrity_problems() == []
    for service in ("crossref", "pubmed", "openalex", "s2"):
        fake_services._faults[service].clear()  # the services are back
    code, out, _ = run("verify", "--all", "--json")
    assert code == 0
    assert list(json.loads(out)["verdicts"].values()) == ["verified"]


def fake_services_db() -> str:
    return os.environ["EVIDENCE_DB"]


def test_retractions_update_from_file_and_verify_offline(tmp_path: Path) -> None:
    csv = shared_path("data", "real-api", "crossref", "stub_retractions.csv")
    rows = list(parse_retraction_data(csv.read_bytes()))
    assert len(rows) == 20
    first = rows[0]
    assert first["original_doi"] == "10.1155/2022/9172719"
    assert first["notice_doi"] == "10.1155/2023/9756480"
    assert first["original_pmid"] == "36035816"
    assert first["date"] == "2023-07-12"
    assert first["kind"] == "retraction"
    code, out, _ = run("retractions", "update", "--file", str(csv))
    assert code == 0
    assert out.strip() == "Loaded 20 Retraction Watch notices."
    assert run("add", "--no-fetch", "10.1155/2022/9172719")[0] == 0
    code, out, _ = run("--offline", "verify", "--all", "--json")
    assert json.loads(out)["verdicts"] == {next(iter(studies().values()))["id"]: "retracted"}


def test_retraction_watch_extract_and_open_retractions() -> None:
    rw = shared_path(
        "data",
        "corpora",
        "retractions",
        "retraction-watch-doi-sample",
        "retractionwatch_doi_nature_sample.csv",
    )
    rows = list(parse_retraction_data(rw.read_bytes()))
    kinds = {(r["original_doi"], r["kind"]) for r in rows}
    assert ("10.1177/0956797614520714", "retraction") in kinds
    assert ("10.1186/gb-2013-14-10-r115", "correction") in kinds
    assert len({r["original_doi"] for r in rows}) == 4800
    jsonl = shared_path(
        "data",
        "corpora",
        "retractions",
        "open-retractions-sample",
        "open_retractions_sample500.jsonl",
    )
    rows = list(parse_retraction_data(jsonl.read_bytes()))
    assert sum(r["kind"] == "retraction" for r in rows) >= 227
    assert all(r["original_doi"].startswith("10.") for r in rows)


def test_retractions_update_downloads_from_configured_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    monkeypatch.delenv("EVIDENCE_RETRACTIONS_URL", raising=False)
    (tmp_path / "rw.csv").write_bytes(
        (
            Path(__file__).resolve().parent.parent / "evidence" / "data" / "demo_retractions.csv"
        ).read_bytes()
    )

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/rw.csv"
        code, out, err = run("retractions", "update", "--url", url)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0, err
    assert out.strip() == "Loaded 1 Retraction Watch notices."
    # The URL is an argument of the download, not left behind in the environment.
    assert "EVIDENCE_RETRACTIONS_URL" not in os.environ


def test_bad_retraction_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run("retractions", "update", "--file", str(bad))
    assert code == 2
    assert (
        err.strip()
        == "Error: not Retraction Watch data: missing column OriginalPaperDOI, RetractionNature."
    )


def interrupt_once(saved: Callable[[], int], want: int, blocked: threading.Event) -> None:
    """SIGINT this process once ``want`` items are saved and the next lookup hangs."""

    def watch() -> None:
        deadline = time.monotonic() + 120  # a loaded machine is slow to get there
        while time.monotonic() < deadline:
            if blocked.is_set() and saved() >= want:
                time.sleep(0.2)  # the saving loop is now waiting for the next chunk
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.01)

    threading.Thread(target=watch, daemon=True).start()


def hang_from_second_chunk(
    monkeypatch: pytest.MonkeyPatch, later: list[str]
) -> tuple[threading.Event, threading.Event]:
    """Chunks of two identifiers; a lookup of any of ``later`` (the identifiers after the
    first chunk) waits like a server that never answers, until released. Whatever else
    the first chunk looks up goes through."""
    real = lookup.fetch_works
    blocked, release = threading.Event(), threading.Event()

    def fetch(client: Any, idents: list[Any], *args: Any, **kwargs: Any) -> Any:
        if any(str(getattr(i, "value", i)) in later for i in idents):
            blocked.set()
            release.wait(120)
        return real(client, idents, *args, **kwargs)

    monkeypatch.setattr(lookup, "LOOKUP_CHUNK", 2)
    monkeypatch.setattr(lookup, "fetch_works", fetch)
    return blocked, release


def count_rows(table: str) -> int:
    """Rows of ``table`` as another reader sees them (0 before the database exists)."""
    db = Path(os.environ["EVIDENCE_DB"])
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not there yet
        return 0
    finally:
        conn.close()


@pytest.fixture
def abandoned_lookups() -> Iterator[None]:
    """An interrupted command leaves its in-flight lookups to their worker threads (a
    process that exits takes them along). Here the process goes on: after the test,
    wait for those threads, and collect the connections they opened after the command
    closed its client, so that no later test meets their ResourceWarning."""
    before = set(threading.enumerate())
    yield
    for thread in set(threading.enumerate()) - before:
        thread.join(30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in this process, as in a terminal, even when it was
    started with SIGINT ignored (a job a shell runs in the background is)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
@pytest.mark.usefixtures("ctrl_c_raises", "abandoned_lookups")
def test_ctrl_c_during_verify_keeps_the_verdicts_already_looked_up(  # type: ignore[no-untyped-def]
    fake_services, monkeypatch: pytest.MonkeyPatch
) -> None:
    dois = [f"10.5555/chunk.{n}" for n in range(5)]
    for n, doi in enumerate(dois):
        fake_services.add(doi=doi, title=f"Chunked study {n}", authors=[("Roe", "R")], year=2001)
    assert run("add", "--no-fetch", *dois)[0] == 0
    blocked, release = hang_from_second_chunk(monkeypatch, dois[2:])
    interrupt_once(lambda: count_rows("checks"), 2, blocked)
    try:
        code, _, err = run("verify", "--all")
    finally:
        release.set()
    assert code == 130, err
    assert "interrupted; 2 of 5 studies were checked and their verdicts saved" in err
    assert count_rows("checks") == 2
    code, out, err = run("verify", "--all", "--json")  # the rerun checks the other three
    assert code == 0, err
    again = json.loads(out)
    assert again["skipped_fresh"] == 2  # the two saved before the Ctrl-C
    assert sorted(again["verdicts"].values()) == ["verified"] * 5


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
@pytest.mark.usefixtures("ctrl_c_raises", "abandoned_lookups")
def test_ctrl_c_during_add_keeps_the_studies_already_looked_up(  # type: ignore[no-untyped-def]
    fake_services, monkeypatch: pytest.MonkeyPatch
) -> None:
    dois = [f"10.5555/added.{n}" for n in range(5)]
    for n, doi in enumerate(dois):
        fake_services.add(doi=doi, title=f"Added study {n}", authors=[("Roe", "R")], year=2002)
    blocked, release = hang_from_second_chunk(monkeypatch, dois[2:])
    interrupt_once(lambda: count_rows("studies"), 2, blocked)
    try:
        code, _, err = run("add", *dois)
    finally:
        release.set()
    assert code == 130, err
    assert "interrupted; 2 of 5 studies were looked up and saved" in err
    assert sorted(s["title"] for s in json.loads(run("studies", "--json")[1])) == [
        "Added study 0",
        "Added study 1",
    ]
