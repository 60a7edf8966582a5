"""`evidence demo`: offline, from the bundled answers, it shows every status and verdict."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bib.services import arxiv, crossref, dblp, pubmed, semanticscholar
from evidence.cli import app
from evidence.demo import ANSWERS, bundled
from evidence.vocab import STATUSES, VERDICTS


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"the demo opened a connection: {args}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], Path]:
    """One demo run, offline, with every socket connection refused."""
    out_dir = tmp_path_factory.mktemp("demo") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVIDENCE_OFFLINE", "1")
        # Services at an unroutable address, as in every test: the demo's own client
        # answers from its bundled cache and must not care.
        for name in ("CROSSREF", "PUBMED", "S2", "OPENALEX", "DBLP", "ARXIV", "OPENLIBRARY"):
            mp.setenv(f"EVIDENCE_{name}_URL", "http://10.255.255.1:9")
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        result = CliRunner().invoke(app, ["demo", "--output-dir", str(out_dir)])
    assert result.exit_code == 0, result.stderr
    model = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    return result.stdout, model, out_dir


def test_every_status_and_verdict_is_shown(demo: tuple[str, dict[str, Any], Path]) -> None:
    _out, model, out_dir = demo
    summary = model["summary"]
    assert {s for s, n in summary["claims_by_status"].items() if n} == set(STATUSES)
    assert {v for v, n in summary["studies_by_verdict"].items() if n} == set(VERDICTS)
    verdicts = {key: s["verification"]["verdict"] for key, s in model["studies"].items()}
    assert verdicts == {
        "field1996massage": "verified",
        "gross1999neck": "mismatch",
        "harrow2017walking": "not_found",
        "wakefield1998ileallymphoidnodular": "retracted",
        "walker2017why": "unverified",
    }
    for name in ("report.html", "report.md"):
        text = (out_dir / name).read_text(encoding="utf-8")
        for key in verdicts:
            assert key in text


def test_designs_come_from_pubmed_publication_types(
    demo: tuple[str, dict[str, Any], Path],
) -> None:
    _out, model, _ = demo
    levels = {key: s["evidence_level"] for key, s in model["studies"].items()}
    assert levels["field1996massage"] == "rct"
    assert levels["wakefield1998ileallymphoidnodular"] == "case-report"
    assert levels["gross1999neck"] == "systematic-review"
    assert (
        "Randomized Controlled Trial" in model["studies"]["field1996massage"]["publication_types"]
    )


def test_the_mismatch_shows_its_field_and_the_fabrication_its_searches(
    demo: tuple[str, dict[str, Any], Path],
) -> None:
    _out, model, _ = demo
    assert model["summary"]["mismatched_sources"] == ["gross1999neck"]
    gross = model["studies"]["gross1999neck"]["verification"]
    assert [(f["field"], f["cited"], f["found"], f["severity"]) for f in gross["fields"]] == [
        ("year", 1999, 1996, "major")
    ]
    assert gross["likely"] == "miscited"
    invented = model["studies"]["harrow2017walking"]["verification"]
    assert invented["likely"] == "fabricated"
    assert {s["service"] for s in invented["searched"]} == {"crossref", "s2", "dblp", "arxiv"}
    assert not any(s.get("error") for s in invented["searched"])
    retracted = model["studies"]["wakefield1998ileallymphoidnodular"]
    assert retracted["retracted"] is True
    assert retracted["verification"]["likely"] is None


def test_the_attribution_is_resolved_from_the_library(
    demo: tuple[str, dict[str, Any], Path],
) -> None:
    _out, model, _ = demo
    journal = [
        (claim, m)
        for claim in model["claims"]
        for m in claim["mentions"]
        if m["journal"] == "International Journal of Neuroscience"
    ]
    assert len(journal) == 2  # the sentence and "The study also found…"
    for claim, mention in journal:
        assert mention["study"] == "field1996massage"
        assert claim["status"] == "cited"
        top = mention["candidates"][0]
        assert top["study"] == "field1996massage" and top["accepted"]
        assert top["score"] >= 0.55


def test_the_demo_says_where_its_answers_came_from(
    demo: tuple[str, dict[str, Any], Path],
) -> None:
    out, model, _ = demo
    assert "bundled service answers" in out
    assert "verifying offline" in out
    assert "gross1999neck: year (major)" in out
    statuses = {c["status"] for c in model["claims"]}
    assert {"supported", "disputed"} <= statuses


def test_the_bundled_answers_parse_as_the_services_answers() -> None:
    folder = bundled(ANSWERS)
    manifest = json.loads((folder / "answers.json").read_text("utf-8"))
    files = {entry["file"] for entry in manifest["answers"]}
    assert files | {"answers.json", "README.md"} == {p.name for p in folder.iterdir()}
    works = crossref.parse_work_list(
        json.loads((folder / "crossref_works_by_doi.json").read_text())
    )
    assert {w.doi for w in works} == {"10.3109/00207459608986710", "10.1016/s0140-6736(97)11096-0"}
    articles = {w.pmid: w for w in pubmed.parse_efetch((folder / "pubmed_efetch.xml").read_bytes())}
    assert set(articles) == {"8884390", "9110943", "9500320"}
    assert articles["9500320"].retracted
    assert articles["9110943"].year == 1996
    assert pubmed.parse_esearch((folder / "pubmed_esearch_dois.xml").read_bytes()) == [
        "9500320",
        "8884390",
    ]
    empty = json.loads((folder / "crossref_bibliographic_empty.json").read_text())
    assert crossref.parse_work_list(empty) == []
    assert (
        semanticscholar.parse_match(json.loads((folder / "s2_match_empty.json").read_text())) == []
    )
    assert dblp.parse_search(json.loads((folder / "dblp_search_empty.json").read_text())) == []
    assert arxiv.parse_feed((folder / "arxiv_query_empty.xml").read_bytes()) == []


def test_a_stored_answer_is_found_offline_under_the_clients_own_credentials(
    tmp_path: Path,
) -> None:
    from bib.errors import ConfigError, OfflineMiss
    from bib.http import HttpClient, HttpConfig

    config = HttpConfig(
        offline=True,
        cache_path=str(tmp_path / "cache.sqlite"),
        mailto="someone@example.org",
        keys={"pubmed": "secret", "s2": "secret"},
    )
    with HttpClient(config) as client:
        # PubMed's email=, tool= and api_key= are added to the stored request as to a sent one.
        client.store_answer(
            "pubmed",
            "GET",
            "/esearch.fcgi",
            b"<eSearchResult/>",
            params={"term": "x"},
            content_type="text/xml",
        )
        client.store_answer("s2", "POST", "/paper/batch", b"[null]", json_body={"ids": ["DOI:1"]})
        assert client.get_bytes("pubmed", "/esearch.fcgi", {"term": "x"}) == b"<eSearchResult/>"
        assert client.post_json("s2", "/paper/batch", None, {"ids": ["DOI:1"]}) == [None]
        with pytest.raises(OfflineMiss):
            client.post_json("s2", "/paper/batch", None, {"ids": ["DOI:2"]})
    with (
        HttpClient(HttpConfig(offline=True)) as uncached,
        pytest.raises(ConfigError, match="cache"),
    ):
        uncached.store_answer("s2", "GET", "/paper/x", b"{}")
