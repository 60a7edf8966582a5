"""Shared fixtures. Real third-party material is read from ../shared (never copied);
tests that need it skip when it is absent.

EVIDENCE_TESTS_NO_SHARED=1 hides ../shared even when it is there, so that one machine can
prove the suite passes in a clone that has nothing beside it (.ci/run does both runs).
Every test finds ../shared through SHARED or shared_path() below, never by a path of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = (
    ROOT / ".no-shared-folder"
    if os.environ.get("EVIDENCE_TESTS_NO_SHARED", "").lower() in {"1", "true", "yes"}
    else ROOT.parent / "shared"
)
REAL_API = SHARED / "data" / "real-api"
CORPORA = SHARED / "data" / "corpora"
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared_path(*parts: str) -> Path:
    """Path inside ../shared, skipping the calling test when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may reach the network or a user's database by accident."""
    for name in (
        "EVIDENCE_DB",
        "EVIDENCE_CACHE",
        "EVIDENCE_OPENALEX_KEY",
        "EVIDENCE_NCBI_KEY",
        "EVIDENCE_S2_KEY",
        "EVIDENCE_MAILTO",
    ):
        monkeypatch.delenv(name, raising=False)
    # Unroutable by construction: a test that forgets to point a service at a fake
    # fails fast instead of touching the real service.
    for name in (
        "EVIDENCE_CROSSREF_URL",
        "EVIDENCE_OPENALEX_URL",
        "EVIDENCE_PUBMED_URL",
        "EVIDENCE_S2_URL",
        "EVIDENCE_OPENLIBRARY_URL",
        "EVIDENCE_DBLP_URL",
        "EVIDENCE_ARXIV_URL",
        "EVIDENCE_RETRACTIONS_URL",
    ):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("EVIDENCE_DB", str(tmp_path / "evidence.db"))


# --- the fake bibliographic services (tests/fake_services.py) ---------------------------
from collections.abc import Iterator  # noqa: E402

from fake_services import OPENALEX_TEST_KEY, FakeServices  # noqa: E402


@pytest.fixture
def fake_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServices]:
    """A running fake of Crossref, OpenAlex, PubMed, Semantic Scholar and Open Library on
    127.0.0.1, with every EVIDENCE_*_URL pointing at it and an OpenAlex key set (the fake,
    like OpenAlex, refuses requests without one). Add records with ``fake_services.add``;
    see tests/fake_services.py for faults, limits and counters."""
    with FakeServices() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("EVIDENCE_OPENALEX_KEY", OPENALEX_TEST_KEY)
        yield fake
