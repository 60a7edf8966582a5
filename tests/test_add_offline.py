"""Offline, a lookup the HTTP cache lacks is one short clause per service; the requests
themselves only with --verbose."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bib.errors import OfflineMiss, ServiceError
from bib.identifiers import Identifier
from bib.lookup import LookupResult
from evidence.cli import app
from evidence.store import Store

DOI = "10.3109/00207450590956459"
CROSSREF_URL = "https://api.crossref.org/works?filter=doi%3A10.3109&rows=1"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_reason_is_short_and_verbose_adds_the_request() -> None:
    result = LookupResult(
        Identifier("doi", DOI),
        errors={
            "crossref": OfflineMiss(
                "crossref", f"offline and not in the HTTP cache: {CROSSREF_URL}", CROSSREF_URL
            ),
            "s2": OfflineMiss("s2", "offline"),  # no URL known: nothing more to say
            "pubmed": ServiceError("pubmed", "HTTP 500 after 3 attempts"),
        },
    )
    assert result.reason() == (
        "crossref not in the offline cache; s2 not in the offline cache; "
        "pubmed failed: HTTP 500 after 3 attempts"
    )
    assert result.reason(verbose=True) == (
        f"crossref not in the offline cache ({CROSSREF_URL}); s2 not in the offline cache; "
        "pubmed failed: HTTP 500 after 3 attempts"
    )


@pytest.fixture
def openalex_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "offline-test-key-4f2a"
    monkeypatch.setenv("EVIDENCE_OPENALEX_KEY", key)
    return key


def test_offline_add_says_per_service_that_the_cache_lacks_it(openalex_key: str) -> None:
    code, out, err = run("--offline", "add", DOI)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert line.startswith(f"Error: doi:{DOI}: ")
    clauses = line.removeprefix(f"Error: doi:{DOI}: ").removesuffix(".").split("; ")
    assert sorted(clauses) == [
        f"{service} not in the offline cache"
        for service in ("crossref", "openalex", "pubmed", "s2")
    ]
    assert "http" not in line


def test_offline_add_verbose_names_each_request_without_keys(openalex_key: str) -> None:
    code, _, err = run("--offline", "--verbose", "add", DOI)
    assert code == 1
    [line] = err.splitlines()
    clauses = line.removeprefix(f"Error: doi:{DOI}: ").split("; ")
    services = {c.split(" ", 1)[0]: c for c in clauses}
    assert set(services) == {"crossref", "openalex", "pubmed", "s2"}
    # The tests point every service at an unroutable address (conftest.py).
    assert services["crossref"].startswith(
        "crossref not in the offline cache (http://127.0.0.1:9/works?filter=doi"
    )
    assert "/esearch.fcgi?" in services["pubmed"]
    assert "/works?" in services["openalex"]
    # The request as sent, but never the key it carried.
    assert openalex_key not in line


def test_offline_add_saves_nothing(tmp_path: Path, openalex_key: str) -> None:
    assert run("--offline", "add", DOI)[0] == 1
    assert Store(tmp_path / "evidence.db").count("studies") == 0
