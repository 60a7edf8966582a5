"""Every fault of the fake services, met by `add`, `verify --all` and `resolve` as run
from the command line: each command finishes, reports each failed item with its reason,
exits 1, leaves the database consistent, stays within each service's concurrency, and a
rerun once the fault is gone completes exactly what was left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_services import FAULTS, FakeServices

from tests.reliability.conftest import (
    assert_clean_failure,
    assert_consistent,
    clear_faults,
    cli,
    concurrency_overruns,
)

pytestmark = pytest.mark.reliability

MAILTO = "reliability@example.org"
# Faults that only mean something for an XML service.
XML_FAULTS = {"xml-bomb", "xxe"}


def target_of(fault: str) -> str:
    return "pubmed" if fault in XML_FAULTS else "crossref"


def record(prefix: str, n: int, services: list[str] | None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "doi": f"10.5555/{prefix}.{n}",
        "pmid": str(31000000 + hash((prefix, n)) % 1000000),
        "title": f"Effects of massage therapy on anxiety in cohort {prefix} {n}",
        "authors": [("Field", "Tiffany"), ("Ironson", "Gail")],
        "journal": "International Journal of Neuroscience",
        "year": 1996 + n,
        "volume": str(80 + n),
        "pages": f"{100 + n}-{110 + n}",
        "publication_types": [("Randomized Controlled Trial", "D016449")],
    }
    if services is not None:
        rec["services"] = services
    return rec


def populate(fake: FakeServices, prefix: str, target: str) -> tuple[list[str], list[str]]:
    """Three works only ``target`` knows (they fail while it is faulty) and three every
    service knows (they succeed through the others)."""
    lonely = [fake.add(record(f"{prefix}only", i, [target]))["doi"] for i in range(3)]
    shared = [fake.add(record(f"{prefix}all", i, None))["doi"] for i in range(3)]
    return lonely, shared


def study_dois(db: Path) -> list[str]:
    rows = cli("--db", str(db), "studies", "--json").json()
    return sorted(s["doi"] for s in rows)


def check_database(db: Path, fake: FakeServices) -> None:
    assert_consistent(db)
    assert concurrency_overruns(fake, mailto=True) == []


@pytest.fixture
def fake(fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch, fast_http: None) -> Any:
    fake_services.fault_timeout = 1.0
    fake_services.huge_bytes = 8 * 1024 * 1024
    monkeypatch.setenv("EVIDENCE_MAILTO", MAILTO)
    return fake_services


@pytest.mark.parametrize("fault", FAULTS)
def test_add_reports_each_failed_item_and_rerun_completes(
    fake: FakeServices, db_path: Path, fault: str
) -> None:
    target = target_of(fault)
    lonely, shared = populate(fake, "add", target)
    fake.inject(target, fault, count=10_000)
    run = cli("add", *lonely, *shared)
    assert_clean_failure(run, 1)
    failed = [line for line in run.stderr.splitlines() if line.startswith("Error: doi:")]
    assert sorted(line.split()[1].rstrip(":") for line in failed) == sorted(
        f"doi:{d}" for d in lonely
    ), run.stderr
    for line in failed:
        assert f"{target} failed" in line, line
    assert study_dois(db_path) == sorted(shared)
    check_database(db_path, fake)

    clear_faults(fake)
    again = cli("add", *lonely, *shared)
    assert again.code == 0, again.output
    assert study_dois(db_path) == sorted(lonely + shared)
    check_database(db_path, fake)


@pytest.mark.parametrize("fault", FAULTS)
def test_verify_all_reports_each_unverified_study_and_rerun_completes(
    fake: FakeServices, db_path: Path, fault: str
) -> None:
    target = target_of(fault)
    lonely, shared = populate(fake, "ver", target)
    assert cli("add", "--no-fetch", *lonely, *shared).code == 0
    fake.inject(target, fault, count=10_000)
    run = cli("verify", "--all", "--json")
    assert_clean_failure(run, 1)
    result = run.json()
    by_doi = {s["doi"]: s["id"] for s in cli("studies", "--json").json()}
    for doi in lonely:
        key = by_doi[doi]
        assert result["verdicts"][key] == "unverified", (fault, result)
        assert target in result["reasons"][key], result["reasons"][key]
    for doi in shared:
        assert result["verdicts"][by_doi[doi]] == "verified", (fault, result)
    check_database(db_path, fake)

    clear_faults(fake)
    again = cli("verify", "--all", "--json")
    assert again.code == 0, again.output
    result = again.json()
    # Exactly what was left is asked again: the unverified studies; the fresh verdicts
    # are reported as they stand.
    rechecked = [r["citekey"] for r in result["references"] if not r.get("fresh")]
    assert sorted(rechecked) == sorted(by_doi[d] for d in lonely)
    assert sorted(result["verdicts"]) == sorted(by_doi[d] for d in lonely + shared)
    assert set(result["verdicts"].values()) == {"verified"}
    assert result["skipped_fresh"] == len(shared)
    check_database(db_path, fake)


@pytest.mark.parametrize("fault", FAULTS)
def test_resolve_reports_each_failed_mention_and_rerun_completes(
    fake: FakeServices, db_path: Path, tmp_path: Path, fault: str
) -> None:
    target = target_of(fault)
    lonely, shared = populate(fake, "res", target)
    doc = tmp_path / "article.md"
    doc.write_text(
        "\n\n".join(
            f"Massage therapy reduced anxiety scores by {20 + i}% in a randomised trial "
            f"of {40 + i} adults (https://doi.org/{doi})."
            for i, doi in enumerate(lonely + shared)
        )
        + "\n",
        encoding="utf-8",
    )
    ingested = cli("ingest", str(doc))
    assert ingested.code == 0, ingested.output
    fake.inject(target, fault, count=10_000)
    run = cli("resolve", "--json")
    assert_clean_failure(run, 1)
    result = run.json()
    assert result["resolved"] == len(shared), result
    failed = sorted(f.split(":", 2)[1].split()[0] for f in result["failures"])
    assert failed == sorted(lonely), result["failures"]
    assert all(f"{target} failed" in f for f in result["failures"])
    check_database(db_path, fake)

    clear_faults(fake)
    again = cli("resolve", "--json")
    assert again.code == 0, again.output
    assert again.json()["resolved"] == len(lonely)
    claims = cli("claims", "--json").json()
    assert len(claims) == len(lonely + shared)
    assert all(m["study"] for c in claims for m in c["mentions"] if m["kind"] == "doi")
    check_database(db_path, fake)
