"""`evidence add` of 1,000 DOIs against the local fake services, at the real limits.

The fake (tests/fake_services.py) serves Crossref and PubMed at their published limits
(Crossref polite pool: 10 req/s and 3 concurrent, list queries 3 req/s; PubMed 3 req/s
without a key) with 50 ms of latency on every answer. ``add_studies`` runs its real
path: identifiers parsed as the CLI parses them, an ``HttpClient`` configured from the
environment (``EVIDENCE_*_URL`` pointing at the fake, ``EVIDENCE_CACHE`` in the
temporary directory, a mailto), a fresh Store.

Measured in one run:

- requests per service and endpoint against the minimum the batch sizes allow
  (Crossref 50 DOIs per ``filter=doi:`` call; PubMed one ORed ``[aid]`` esearch per 200
  DOIs and one efetch per 200 PMIDs);
- wall time against the rate-limit floor: the time the minimum number of requests
  needs at the published rates (first request at once, then one per 1/rate seconds,
  services in parallel, plus one latency for the last answer);
- wall time against one Crossref ``/works/{doi}`` request per DOI in sequence (measured
  on a subset, scaled to the whole batch);
- a second ``add`` of the same DOIs into a fresh Store with the warm HTTP cache.

OpenAlex is left out: without ``EVIDENCE_OPENALEX_KEY`` the client skips it (the
default for a user without a key). Everything goes to 127.0.0.1.

    .venv/bin/python bench/bench_fetch.py
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# tests/fake_services.py imports its sibling modules by their bare names, as under pytest.
sys.path.insert(1, str(ROOT / "tests"))

from bib.http import HttpClient, HttpConfig  # noqa: E402
from bib.services import crossref  # noqa: E402
from evidence.library_io import add_studies, inspect_identifiers  # noqa: E402
from evidence.store import Store  # noqa: E402
from tests.fake_services import FakeServices  # noqa: E402

STUDIES = 1_000
WITH_PMID = 0.7
LATENCY = 0.05
BASELINE_SUBSET = 100
MAILTO = "bench@example.org"

# Published limits (SERVICES.md); the fake enforces the same numbers.
CROSSREF_LIST_RATE = 3.0
CROSSREF_CONCURRENCY = 3
PUBMED_RATE = 3.0
CROSSREF_BATCH = 50
ESEARCH_BATCH = 200
EFETCH_BATCH = 200

_TOPICS = (
    "massage therapy",
    "aerobic exercise",
    "vitamin D supplementation",
    "cognitive behavioural therapy",
    "mindfulness training",
    "acupuncture",
    "dietary fibre",
    "sleep extension",
    "resistance training",
    "omega-3 fatty acids",
)
_OUTCOMES = (
    "anxiety",
    "chronic low back pain",
    "blood pressure",
    "depressive symptoms",
    "knee osteoarthritis",
    "insulin sensitivity",
    "fall risk",
    "postoperative recovery",
)
_GROUPS = ("older adults", "adolescents", "pregnant women", "office workers", "athletes")
_DESIGNS = (
    ("a randomized controlled trial", [("Randomized Controlled Trial", "D016449")]),
    ("a systematic review and meta-analysis", [("Meta-Analysis", "D017418")]),
    ("a prospective cohort study", [("Observational Study", "D064888")]),
    ("a pilot study", [("Clinical Trial", "D016430")]),
)
_FAMILIES = (
    "Field",
    "Hernandez-Reif",
    "Diego",
    "Schanberg",
    "Kuhn",
    "Moyer",
    "Rounds",
    "Hannum",
    "Cherkin",
    "Sherman",
    "Furlan",
    "Imamura",
    "Müller",
    "Nakamura",
    "O'Brien",
)
_GIVEN = ("T", "M", "A", "S", "C", "D", "J", "K", "L", "R")
_JOURNALS = (
    ("International Journal of Neuroscience", "Int J Neurosci", "0020-7454"),
    ("Journal of Bodywork and Movement Therapies", "J Bodyw Mov Ther", "1360-8592"),
    ("Psychological Bulletin", "Psychol Bull", "0033-2909"),
    ("Annals of Internal Medicine", "Ann Intern Med", "0003-4819"),
    ("BMJ", "BMJ", "0959-8138"),
    ("Pain", "Pain", "0304-3959"),
)


def make_records(n: int = STUDIES, with_pmid: float = WITH_PMID, seed: int = 11) -> list[dict]:
    """``n`` distinct, plausible journal articles; ``with_pmid`` of them are in PubMed."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        phrase, types = _DESIGNS[i % len(_DESIGNS)]
        topic, outcome = rng.choice(_TOPICS), rng.choice(_OUTCOMES)
        journal, abbrev, issn = rng.choice(_JOURNALS)
        year = 1990 + i % 35
        first_page = rng.randint(1, 900)
        record: dict[str, Any] = {
            "doi": f"10.{5000 + i % 40}/bench.{year}.{i:05d}",
            "title": f"Effects of {topic} on {outcome} in {rng.choice(_GROUPS)}: {phrase} "
            f"(cohort {i})",
            "authors": [(rng.choice(_FAMILIES), rng.choice(_GIVEN)) for _ in range(1 + i % 4)],
            "journal": journal,
            "journal_abbrev": abbrev,
            "issn": issn,
            "year": year,
            "volume": str(1 + i % 90),
            "issue": str(1 + i % 12),
            "pages": f"{first_page}-{first_page + rng.randint(4, 15)}",
            "publication_types": [("Journal Article", "D016428"), *types],
        }
        # with_pmid = 0.7: seven in every ten consecutive records are in PubMed.
        if i % 10 < round(with_pmid * 10):
            record["pmid"] = str(30_000_000 + i * 7)
        else:
            record["services"] = ["crossref", "openalex", "s2"]
        records.append(record)
    return records


@contextmanager
def fake_environment(fake: FakeServices, cache: Path) -> Iterator[None]:
    """Point the client's environment at the fake; restore it afterwards."""
    names = [
        *fake.env(),
        "EVIDENCE_CACHE",
        "EVIDENCE_MAILTO",
        "EVIDENCE_OFFLINE",
        "EVIDENCE_OPENALEX_KEY",
        "EVIDENCE_NCBI_KEY",
        "EVIDENCE_S2_KEY",
    ]
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.pop(name, None)
    os.environ.update(fake.env())
    os.environ["EVIDENCE_CACHE"] = str(cache)
    os.environ["EVIDENCE_MAILTO"] = MAILTO
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def minimum_requests(dois: int, pmids: int) -> dict[str, int]:
    """Fewest requests the batch sizes allow for ``dois`` DOIs of which ``pmids`` are in
    PubMed (only the DOI is given, so PubMed needs its esearch first)."""
    return {
        "crossref": math.ceil(dois / CROSSREF_BATCH),
        "pubmed esearch": math.ceil(dois / ESEARCH_BATCH),
        "pubmed efetch": math.ceil(pmids / EFETCH_BATCH),
    }


def rate_floor(minimum: dict[str, int], latency: float = LATENCY) -> float:
    """Seconds the minimum requests need at the published rates: per service, the first
    request at once and one more every 1/rate seconds (concurrency 3 at 50 ms latency
    allows 60 req/s, so the rate binds), the last answer one latency later; services
    run in parallel."""
    crossref_n = minimum["crossref"]
    crossref_s = max(
        (crossref_n - 1) / CROSSREF_LIST_RATE,
        math.ceil(crossref_n / CROSSREF_CONCURRENCY) * latency - latency,
    )
    pubmed_n = minimum["pubmed esearch"] + minimum["pubmed efetch"]
    pubmed_s = (pubmed_n - 1) / PUBMED_RATE
    return max(crossref_s, pubmed_s) + latency


def counts(fake: FakeServices) -> dict[str, int]:
    return {
        "crossref": fake.count("crossref"),
        "pubmed esearch": fake.count("pubmed", "esearch"),
        "pubmed efetch": fake.count("pubmed", "efetch"),
        "other": sum(fake.count(s) for s in ("openalex", "s2", "openlibrary"))
        + fake.count("pubmed")
        - fake.count("pubmed", "esearch")
        - fake.count("pubmed", "efetch"),
    }


def sequential_baseline(fake: FakeServices, dois: list[str], cache: Path) -> float:
    """Seconds for one Crossref ``GET /works/{doi}`` per DOI, one after the other, through
    the same HttpClient (its own cold cache) and the same limits."""
    with fake_environment(fake, cache), HttpClient(HttpConfig.from_env()) as client:
        start = time.perf_counter()
        for doi in dois:
            crossref.parse_work(crossref.fetch_work(client, doi))
        return time.perf_counter() - start


def _row(
    what: str, ours: float, baseline: float, ratio: float | str, target: str, met: bool
) -> dict:
    return {
        "measure": what,
        "ours": ours,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "met": "yes" if met else "**no**",
    }


def run(tmpdir: str | Path) -> dict[str, Any]:
    tmp = Path(tmpdir)
    records = make_records()
    texts = [f"doi:{r['doi']}" for r in records]
    idents, problems = inspect_identifiers(texts)
    assert not problems, problems
    pmids = sum(1 for r in records if r.get("pmid"))
    minimum = minimum_requests(len(records), pmids)
    floor = rate_floor(minimum)
    with FakeServices(latency=LATENCY) as fake:
        fake.add_records(records)
        cache = tmp / "http-cache.sqlite"

        with fake_environment(fake, cache), HttpClient(HttpConfig.from_env()) as client:
            store = Store(tmp / "cold.db")
            start = time.perf_counter()
            report = add_studies(store, client, list(idents))
            cold = time.perf_counter() - start
            saved = store.count("studies")
            with_pmid = int(store.scalar("select count(*) from studies where pmid is not null"))
            store.close()
        cold_counts = counts(fake)
        rejected = sum(fake.rejected.values())
        concurrency = dict(fake.max_concurrency)

        fake.reset_stats()
        with fake_environment(fake, cache), HttpClient(HttpConfig.from_env()) as client:
            store = Store(tmp / "warm.db")
            start = time.perf_counter()
            warm_report = add_studies(store, client, list(idents))
            warm = time.perf_counter() - start
            warm_saved = store.count("studies")
            store.close()
        warm_requests = sum(fake.count(s) for s in ("crossref", "pubmed", "openalex", "s2"))

        fake.reset_stats()
        subset = [r["doi"] for r in records[:BASELINE_SUBSET]]
        baseline = sequential_baseline(fake, subset, tmp / "baseline-cache.sqlite")
        baseline_scaled = baseline * len(records) / len(subset)

    total_min = sum(minimum.values())
    total_made = sum(cold_counts.values())
    rows = []
    for name in ("crossref", "pubmed esearch", "pubmed efetch"):
        made, least = cold_counts[name], minimum[name]
        rows.append(
            _row(f"requests: {name}", made, least, made / least, "≤ 1.1", made <= least * 1.1)
        )
    rows.append(
        _row(
            "requests: all services",
            total_made,
            total_min,
            total_made / total_min,
            "≤ 1.1",
            total_made <= total_min * 1.1,
        )
    )
    rows.append(
        _row("wall s vs rate-limit floor", cold, floor, cold / floor, "≤ 1.3", cold <= floor * 1.3)
    )
    rows.append(
        _row(
            "speed-up vs one /works/{doi} per DOI in sequence",
            cold,
            baseline_scaled,
            baseline_scaled / cold,
            "≥ 10",
            baseline_scaled >= 10 * cold,
        )
    )
    rows.append(
        _row(
            "requests, second add (warm cache)",
            warm_requests,
            0,
            float(warm_requests),
            "0",
            warm_requests == 0,
        )
    )
    notes = [
        f"{len(records):,} DOIs, {pmids:,} of them in PubMed; {saved:,} studies saved "
        f"({with_pmid:,} with a PMID), {len(report.failures)} failures; the warm second add "
        f"saved {warm_saved:,} in {warm:.2f} s ({len(warm_report.failures)} failures).",
        f"Fake services: {LATENCY * 1000:.0f} ms latency; Crossref list queries "
        f"{CROSSREF_LIST_RATE:g} req/s with {CROSSREF_CONCURRENCY} concurrent, single works "
        f"10 req/s; PubMed {PUBMED_RATE:g} req/s. 429 answers given: {rejected}; highest "
        f"concurrency seen: {concurrency}.",
        f"Rate-limit floor {floor:.2f} s: {minimum['crossref']} Crossref list calls at "
        f"{CROSSREF_LIST_RATE:g}/s and {minimum['pubmed esearch'] + minimum['pubmed efetch']} "
        f"PubMed calls at {PUBMED_RATE:g}/s in parallel, first request at once, plus one "
        "latency. The wall time includes saving the 1,000 studies.",
        f"Baseline: one Crossref /works/{{doi}} per DOI in sequence through the same client "
        f"(10 req/s, {LATENCY * 1000:.0f} ms latency), measured on {len(subset)} DOIs "
        f"({baseline:.2f} s) and scaled to {len(records):,} ({baseline_scaled:.1f} s); it "
        "fetches Crossref only, so it is the cheaper side of the comparison.",
        "OpenAlex is skipped: no EVIDENCE_OPENALEX_KEY (the default without a key); with "
        "one, 10 more filter=doi: calls (100 DOIs each) run in parallel at 10 req/s and do "
        "not move the floor. Requests to other services: "
        f"{cold_counts['other']}.",
    ]
    return {"title": "Fetch: `evidence add` of 1,000 DOIs", "rows": rows, "notes": notes}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(tmp), indent=2, default=str))
