"""`evidence verify --all` over 1,000 studies against the local fake services.

The library is what a user has after ``evidence import refs.bib``: 1,000 journal
articles with DOIs, 700 of them with their PMIDs too (PubMed exports carry them), read
and saved by ``import_files`` into a fresh Store. Then ``select(all_studies=True)``
and ``verify_studies`` run with an ``HttpClient`` configured from the environment, as
``evidence verify --all`` does, against the fake at the published limits (Crossref
polite pool: list queries 3 req/s and 3 concurrent; PubMed 3 req/s) with 50 ms latency.

Measured in one run: requests per service against the fewest the batch sizes allow
for what the library holds; wall time against the rate-limit floor of that minimum;
against one Crossref ``/works/{doi}`` per study in sequence (a subset, scaled); and a
second ``verify --all`` right after, when no verdict is stale.

    .venv/bin/python bench/bench_verify.py
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# tests/fake_services.py imports its sibling modules by their bare names, as under pytest.
sys.path.insert(1, str(ROOT / "tests"))

from bench.bench_fetch import (  # noqa: E402
    BASELINE_SUBSET,
    CROSSREF_BATCH,
    CROSSREF_LIST_RATE,
    EFETCH_BATCH,
    ESEARCH_BATCH,
    LATENCY,
    PUBMED_RATE,
    _row,
    counts,
    fake_environment,
    make_records,
    rate_floor,
    sequential_baseline,
)
from bib.formats import write_bibliography  # noqa: E402
from bib.http import HttpClient, HttpConfig  # noqa: E402
from bib.work import Author, Work  # noqa: E402
from evidence.library_io import import_files  # noqa: E402
from evidence.store import Store  # noqa: E402
from evidence.verify import select, verify_studies  # noqa: E402
from tests.fake_services import FakeServices  # noqa: E402


def write_library(records: list[dict[str, Any]], path: Path) -> Path:
    """A BibTeX file of the records as a user's bibliography would hold them."""
    works = [
        Work(
            doi=r["doi"],
            pmid=r.get("pmid"),
            title=r["title"],
            authors=[Author(family, given) for family, given in r["authors"]],
            journal=r["journal"],
            year=r["year"],
            volume=r["volume"],
            issue=r["issue"],
            pages=r["pages"],
            type="journal-article",
            citekey=f"study{i:04d}",
            source="bibtex",
        )
        for i, r in enumerate(records)
    ]
    path.write_text(write_bibliography(works, "bibtex"), encoding="utf-8")
    return path


def run(tmpdir: str | Path) -> dict[str, Any]:
    tmp = Path(tmpdir)
    records = make_records()
    pmids = sum(1 for r in records if r.get("pmid"))
    # What the library holds: every DOI, and the PMID of the 700 in PubMed. Crossref
    # needs the DOIs (50 a call); PubMed needs no esearch for a known PMID.
    minimum = {
        "crossref": math.ceil(len(records) / CROSSREF_BATCH),
        "pubmed esearch": 0,
        "pubmed efetch": math.ceil(pmids / EFETCH_BATCH),
    }
    # If only the DOIs were used: one esearch per 200 DOIs first.
    doi_only = {**minimum, "pubmed esearch": math.ceil(len(records) / ESEARCH_BATCH)}
    floor = rate_floor(minimum)
    bib = write_library(records, tmp / "library.bib")
    store = Store(tmp / "verify.db")
    imported = import_files(store, [bib])
    assert not imported.problems, imported.problems[:3]
    with FakeServices(latency=LATENCY) as fake:
        fake.add_records(records)
        with (
            fake_environment(fake, tmp / "http-cache.sqlite"),
            HttpClient(HttpConfig.from_env()) as client,
        ):
            start = time.perf_counter()
            chosen = select(store, [], all_studies=True, refresh=False)
            report = verify_studies(store, client, chosen.stale)
            cold = time.perf_counter() - start
            made = counts(fake)
            rejected = sum(fake.rejected.values())

            fake.reset_stats()
            start = time.perf_counter()
            again_chosen = select(store, [], all_studies=True, refresh=False)
            verify_studies(store, client, again_chosen.stale)
            again = time.perf_counter() - start
            again_requests = sum(fake.count(s) for s in ("crossref", "pubmed", "openalex", "s2"))

        fake.reset_stats()
        subset = [r["doi"] for r in records[:BASELINE_SUBSET]]
        baseline = sequential_baseline(fake, subset, tmp / "baseline-cache.sqlite")
        baseline_scaled = baseline * len(records) / len(subset)
    verdicts = Counter(report.verdicts.values())
    store.close()

    total_min, total_doi_only = sum(minimum.values()), sum(doi_only.values())
    total_made = sum(made.values())
    out = []
    for name in ("crossref", "pubmed esearch", "pubmed efetch"):
        least = minimum[name]
        out.append(
            _row(
                f"requests: {name}",
                made[name],
                least,
                made[name] / least if least else "—",
                "≤ 1.1",
                made[name] <= least * 1.1,
            )
        )
    out.append(
        _row(
            "requests: all services",
            total_made,
            total_min,
            total_made / total_min,
            "≤ 1.1",
            total_made <= total_min * 1.1,
        )
    )
    out.append(
        _row(
            "requests: all, vs minimum from the DOIs alone",
            total_made,
            total_doi_only,
            total_made / total_doi_only,
            "≤ 1.1",
            total_made <= total_doi_only * 1.1,
        )
    )
    out.append(
        _row("wall s vs rate-limit floor", cold, floor, cold / floor, "≤ 1.3", cold <= floor * 1.3)
    )
    out.append(
        _row(
            "speed-up vs one /works/{doi} per study in sequence",
            cold,
            baseline_scaled,
            baseline_scaled / cold,
            "≥ 10",
            baseline_scaled >= 10 * cold,
        )
    )
    out.append(
        _row(
            "requests, second verify --all (nothing stale)",
            again_requests,
            0,
            float(again_requests),
            "0",
            again_requests == 0,
        )
    )
    notes = [
        f"{len(chosen.stale):,} studies imported from BibTeX ({pmids:,} with a PMID) and "
        f"verified ({len(chosen.fresh)} skipped as fresh); verdicts: {dict(verdicts)}; "
        f"{len(report.failures)} unverified. The second verify --all found "
        f"{len(again_chosen.stale)} stale ({len(again_chosen.fresh)} fresh) and took "
        f"{again:.2f} s.",
        f"Rate-limit floor {floor:.2f} s: {minimum['crossref']} Crossref list calls at "
        f"{CROSSREF_LIST_RATE:g}/s and {minimum['pubmed efetch']} PubMed efetch calls at "
        f"{PUBMED_RATE:g}/s in parallel, first request at once, plus one latency; the "
        "wall time includes saving 1,000 checks and the merged metadata. 429 answers "
        f"given: {rejected}.",
        "The minimum counts what the library holds: a stored PMID needs no esearch, and "
        "verify passes every stored identifier to the lookup, so those go straight to "
        "efetch. The esearch calls left are for the studies with a DOI and no stored "
        "PMID, which PubMed has to be asked about; the minimum above counts them as none "
        f"(the DOI-only minimum would be {sum(doi_only.values())} requests).",
        f"Baseline: one Crossref /works/{{doi}} per study in sequence through the same "
        f"client (10 req/s, {LATENCY * 1000:.0f} ms latency), measured on {len(subset)} "
        f"studies ({baseline:.2f} s) and scaled to {len(records):,} ({baseline_scaled:.1f} s).",
        "OpenAlex is skipped (no EVIDENCE_OPENALEX_KEY), as for add.",
    ]
    return {
        "title": "Verify: `evidence verify --all` over 1,000 studies",
        "rows": out,
        "notes": notes,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(tmp), indent=2, default=str))
