"""API keys never leave the process except towards their service: with recognisable keys
set, add, resolve, verify and report run against the fake (faults included, so that error
messages are written), and nothing the runs wrote holds a key: not stdout or stderr, not
the database, not the HTTP cache, not a report, not any other file in the working folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_services import FakeServices

from tests.reliability.conftest import Run, run_child

pytestmark = pytest.mark.reliability

KEYS = {
    "EVIDENCE_OPENALEX_KEY": "oa-SECRET-7f3a9c1d2e",
    "EVIDENCE_NCBI_KEY": "ncbi-SECRET-55e1d0b4a9",
    "EVIDENCE_S2_KEY": "s2-SECRET-c0ffee9911",
}


def leaks(data: bytes) -> list[str]:
    found = []
    for name, key in KEYS.items():
        # Also as it would look percent-encoded or in UTF-16 (SQLite can store either).
        for form in (key.encode(), key.encode("utf-16-le"), key.replace("-", "%2D").encode()):
            if form in data:
                found.append(name)
    return found


def test_keys_appear_nowhere_but_in_requests(
    fake_services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVIDENCE_MAILTO", "reliability@example.org")
    monkeypatch.chdir(tmp_path)
    fake = fake_services
    for i in range(4):
        fake.add(
            doi=f"10.5555/secret.{i}",
            pmid=str(33000000 + i),
            title=f"Massage and anxiety, secret cohort {i}",
            authors=[("Field", "T")],
            journal="International Journal of Neuroscience",
            year=2000 + i,
            services=None if i % 2 else ["s2", "openalex"],
        )
    fake.add(arxiv="2101.00001", title="A preprint on massage", year=2021, services=["s2"])
    db = tmp_path / "evidence.db"
    doc = tmp_path / "article.md"
    doc.write_text(
        "Massage therapy reduced anxiety by 30% in 50 adults (https://doi.org/10.5555/secret.1).\n\n"
        "Massage lowered cortisol by 20% in 40 adults (PMID: 33000003).\n",
        encoding="utf-8",
    )
    runs: list[Run] = []

    def run(*args: str) -> Run:
        result = run_child(["--db", str(db), *args])
        runs.append(result)
        return result

    # Faults on every keyed service while adding: error messages name requests and causes.
    fake.inject("openalex", "500", count=2)
    fake.inject("pubmed", "invalid-body", count=1)
    fake.inject("s2", "html", count=1)
    run("add", "10.5555/secret.0", "10.5555/secret.1", "pmid:33000002", "arXiv:2101.00001")
    run("add", "10.5555/unknown.everywhere")
    run("ingest", str(doc))
    fake.inject("pubmed", "truncated", count=2)
    run("resolve")
    fake.inject("openalex", "html", count=1)
    fake.inject("s2", "500", count=2)
    run("verify", "--all", "--refresh")
    run("--offline", "verify", "--all", "--refresh")
    run("verify", "--all", "--json")
    for fmt in ("html", "md", "json"):
        run("report", "--format", fmt, "--output", str(tmp_path / f"report.{fmt}"))
    run("export", "--format", "bibtex", "--output", str(tmp_path / "library.bib"))
    run("studies", "--json")

    # The services did receive their keys.
    assert any(
        ("api_key", KEYS["EVIDENCE_OPENALEX_KEY"]) in r.query for r in fake.requests_for("openalex")
    )
    assert any(
        ("api_key", KEYS["EVIDENCE_NCBI_KEY"]) in r.query for r in fake.requests_for("pubmed")
    )
    assert any(
        r.headers.get("x-api-key") == KEYS["EVIDENCE_S2_KEY"] for r in fake.requests_for("s2")
    )
    assert any(r.code != 0 for r in runs), "no run met a fault"

    for r in runs:
        assert "Traceback" not in r.output, r.output
        assert leaks(r.output.encode()) == [], r.output
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".http-cache") or "cache" in p.name for p in written), written
    for path in written:
        if path == doc:
            continue
        assert leaks(path.read_bytes()) == [], path
    print(f"\nSECRETS: {len(runs)} runs, {len(written)} files written, no key found")
