"""Report rendering at scale: 10,000 claims and 2,000 studies, in Markdown, HTML and JSON;
then `evidence report` itself on documents of 1,000 and 100,000 claims.

Each format is rendered twice in one run: with an empty model (the fixed cost of the
templates and the environment) and with the large synthetic model. Time is measured
without tracemalloc (which slows allocation-heavy code unevenly), then peak memory
with it. The reference cache is cleared before every measurement, so each large
render pays for citeproc formatting of its 2,000 references. The HTML size budget is
5 MB.

The second table runs `evidence report --document D` in a subprocess (under
/usr/bin/time, for its peak RSS) on a generated library of 100,000 studies with two
documents, of 1,000 and of 100,000 claims, each claim citing a different study (the
claims, mentions and evidence links written as ingest and resolve write them): a
report's memory should follow what it shows, and stay under 500 MB at 100,000 claims.
EVIDENCE_BENCH_REPORT_CLAIMS sets the larger size (it takes minutes).

    .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import citation, render_report  # noqa: E402

CLAIMS = 10_000
STUDIES = 2_000
SCALE_STUDIES = 100_000
SCALE_CLAIMS = (1_000, int(os.environ.get("EVIDENCE_BENCH_REPORT_CLAIMS", "100000")))
MEMORY_TARGET_MB = 500
HTML_BUDGET = 5_000_000  # bytes
STATUSES = ("supported", "disputed", "retracted", "cited", "attributed", "vague", "unsourced")
VERDICTS = ("verified", "mismatch", "not_found", "retracted", "unverified")
LEVELS = ("systematic-review", "rct", "trial", "observational", "case-report", "review", "other")
WORDS = (
    "massage therapy reduces anxiety pain stiffness sleep quality older adults trial "
    "randomised cohort patients chronic low back knee osteoarthritis function mobility "
    "weeks sessions improved compared control group significant effect"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def build_model(claims: int = CLAIMS, studies: int = STUDIES, seed: int = 7) -> dict[str, Any]:
    """A synthetic report model with the shape `evidence report --format json` produces."""
    rng = random.Random(seed)
    study_ids = [f"author{i}{1990 + i % 35}{rng.choice(WORDS)}" for i in range(studies)]
    study_map: dict[str, Any] = {}
    for i, sid in enumerate(study_ids):
        verdict = VERDICTS[i % len(VERDICTS)] if i % 10 == 0 else "verified"
        study_map[sid] = {
            "id": sid,
            "doi": f"10.{1000 + i % 9000}/bench.{i}",
            "pmid": str(10_000_000 + i),
            "pmcid": None,
            "arxiv": None,
            "isbn": None,
            "openalex": f"W{3_000_000_000 + i}",
            "title": _sentence(rng, 12),
            "authors": [
                {"family": f"Author{i}x{k}", "given": rng.choice(["AB", "C", "DE", "F G"])}
                for k in range(rng.randint(1, 8))
            ],
            "journal": rng.choice(["Int J Neurosci", "BMJ", "The Lancet", "PLoS ONE"]),
            "issn": ["0020-7454"],
            "year": 1990 + i % 35,
            "volume": str(1 + i % 300),
            "issue": str(1 + i % 12),
            "pages": f"{100 + i % 500}-{110 + i % 500}",
            "type": "journal-article",
            "publication_types": ["Journal Article", "Randomized Controlled Trial"],
            "evidence_level": LEVELS[i % len(LEVELS)],
            "retracted": verdict == "retracted",
            "notices": (
                [{"kind": "retraction", "source": "crossref", "date": "2020-01-01", "doi": None}]
                if verdict == "retracted"
                else []
            ),
            "verification": {
                "status": verdict,
                "checked_at": "2026-11-26T09:59:00+00:00",
                "sources": ["crossref", "pubmed"],
                "mismatches": (
                    [{"field": "year", "ours": "1999", "theirs": "2000", "source": "crossref"}]
                    if verdict == "mismatch"
                    else []
                ),
                "reason": "offline" if verdict == "unverified" else None,
            },
        }
    claim_list = []
    cells = []
    for i in range(claims):
        status = STATUSES[rng.randrange(len(STATUSES))]
        cid = f"doc-{i:08x}"
        mentions: list[dict[str, Any]] = []
        evidence: list[dict[str, Any]] = []
        if status in ("supported", "disputed", "retracted", "cited"):
            sid = rng.choice(study_ids)
            mentions.append({"kind": "citekey", "text": f"[@{sid}]", "citekey": sid, "study": sid})
            evidence.append(
                {"study": sid, "stance": "supports", "origin": "citation", "note": None}
            )
            if status == "disputed":
                other = rng.choice(study_ids)
                evidence.append(
                    {"study": other, "stance": "contradicts", "origin": "user", "note": "n=40"}
                )
        elif status == "attributed":
            mentions.append(
                {
                    "kind": "journal",
                    "text": "A study published in the BMJ",
                    "journal": "BMJ",
                    "candidates": [
                        {
                            "study": rng.choice(study_ids),
                            "score": round(rng.random(), 2),
                            "reasons": ["journal matches"],
                            "accepted": False,
                        }
                        for _ in range(3)
                    ],
                }
            )
        elif status == "vague":
            mentions.append({"kind": "vague", "text": "Research has shown"})
        for link in evidence:
            cells.append(
                {"claim": cid, "study": link["study"], "stance": link["stance"], "origin": "user"}
            )
        claim_list.append(
            {
                "id": cid,
                "document": "doc.md",
                "index": i,
                "text": _sentence(rng, rng.randint(12, 30)) + ".",
                "status": status,
                "checkworthiness": round(rng.random(), 2),
                "reasons": ["states a research finding"],
                "mentions": mentions,
                "evidence": evidence,
            }
        )
    by_status = Counter(c["status"] for c in claim_list)
    by_verdict = Counter(s["verification"]["status"] for s in study_map.values())
    by_level = Counter(s["evidence_level"] for s in study_map.values())
    return {
        "generated_at": "2026-11-26T10:00:00+00:00",
        "tool": {"name": "evidence", "version": "0.1.0"},
        "title": "Evidence report: doc.md",
        "documents": [
            {"name": "doc.md", "format": "md", "ingested_at": "2026-11-26T09:00:00+00:00"}
        ],
        "summary": {
            "claims_total": len(claim_list),
            "claims_by_status": {s: by_status.get(s, 0) for s in STATUSES},
            "studies_total": len(study_map),
            "studies_by_verdict": {v: by_verdict.get(v, 0) for v in VERDICTS},
            "evidence_levels": {lv: by_level.get(lv, 0) for lv in (*LEVELS, "unknown")},
            "retracted_sources": [s for s in study_map if study_map[s]["retracted"]],
            "mismatched_sources": [
                s for s in study_map if study_map[s]["verification"]["status"] == "mismatch"
            ],
        },
        "claims": claim_list,
        "studies": study_map,
        "evidence_map": {
            "claims": list(dict.fromkeys(c["claim"] for c in cells)),
            "studies": list(dict.fromkeys(c["study"] for c in cells)),
            "cells": cells,
        },
        "lacking_sources": [
            c["id"] for c in claim_list if c["status"] in ("unsourced", "vague", "attributed")
        ],
        "attention": [
            {"study": s, "reasons": [study_map[s]["verification"]["status"]]}
            for s in study_map
            if study_map[s]["verification"]["status"] != "verified"
        ],
    }


EMPTY_MODEL: dict[str, Any] = {
    "generated_at": "2026-11-26T10:00:00+00:00",
    "tool": {"name": "evidence", "version": "0.1.0"},
    "title": "Evidence report: empty.md",
    "documents": [],
    "summary": {},
    "claims": [],
    "studies": {},
    "evidence_map": {"claims": [], "studies": [], "cells": []},
    "lacking_sources": [],
    "attention": [],
}


def _measure(render: Callable[[], str]) -> dict[str, Any]:
    citation._cache.clear()
    gc.collect()
    start = time.perf_counter()
    output = render()
    seconds = time.perf_counter() - start
    citation._cache.clear()
    gc.collect()
    tracemalloc.start()
    render()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak_bytes": peak, "bytes": len(output.encode("utf-8"))}


def run(tmpdir: str | Path) -> dict[str, Any]:
    """Render every format with the empty and the large model; numbers and ratios."""
    tmp = Path(tmpdir)
    model = build_model()
    for fmt in ("md", "html", "json"):  # compile templates once, outside the measurements
        render_report(EMPTY_MODEL, fmt)
    results: dict[str, Any] = {}
    rows = []
    for fmt in ("md", "html", "json"):
        empty = _measure(lambda fmt=fmt: render_report(EMPTY_MODEL, fmt))
        large = _measure(lambda fmt=fmt: render_report(model, fmt))
        (tmp / f"report.{fmt}").write_text(render_report(model, fmt), encoding="utf-8")
        results[fmt] = {
            "empty": empty,
            "large": large,
            "time_ratio": large["seconds"] / empty["seconds"],
            "memory_ratio": large["peak_bytes"] / empty["peak_bytes"],
        }
        rows.append(
            {
                "format": fmt,
                "empty model (s)": empty["seconds"],
                "10,000 claims (s)": large["seconds"],
                "time ratio": results[fmt]["time_ratio"],
                "empty peak (MB)": empty["peak_bytes"] / 1e6,
                "large peak (MB)": large["peak_bytes"] / 1e6,
                "memory ratio": results[fmt]["memory_ratio"],
                "output (MB)": large["bytes"] / 1e6,
            }
        )
    studies = list(model["studies"].values())
    citation._cache.clear()
    start = time.perf_counter()
    citation.format_references(studies)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    citation.format_references(studies)
    warm = time.perf_counter() - start
    html_bytes = results["html"]["large"]["bytes"]
    scale = measure_scale(tmp)
    return {
        "title": "Report rendering (10,000 claims, 2,000 studies)",
        "rows": rows,
        "notes": [
            f"HTML size {html_bytes / 1e6:.2f} MB (budget {HTML_BUDGET / 1e6:.2f} MB): "
            + ("within budget" if html_bytes <= HTML_BUDGET else "OVER BUDGET"),
            f"citeproc references for {len(studies)} studies: {cold:.2f} s cold, "
            f"{warm:.3f} s from the cache",
            "Ratios are large model / empty model, same templates, same run; "
            "every large render includes citeproc formatting (cache cleared).",
        ],
        "claims": CLAIMS,
        "studies": STUDIES,
        "formats": results,
        "html_bytes": html_bytes,
        "html_within_budget": html_bytes <= HTML_BUDGET,
        "citeproc_cold_seconds": cold,
        "citeproc_warm_seconds": warm,
        "tables": [scale],
    }


def build_documents(db: Path, sizes: tuple[int, ...]) -> list[str]:
    """A library of SCALE_STUDIES studies and one document per size, each claim citing
    its own study by citekey (mention resolved, citation link), spread over the library."""
    from bench.bench_scale import build_library, citekey
    from evidence.store import Store, now

    build_library(db, SCALE_STUDIES)
    stamp = now()
    rng = random.Random(3)
    store = Store(db)
    names = []
    try:
        for number, size in enumerate(sizes, start=1):
            name = f"doc{size}.md"
            names.append(name)
            picked = sorted(rng.sample(range(SCALE_STUDIES), size))
            with store.transaction():
                store.insert(
                    "documents",
                    {"id": number, "name": name, "format": "markdown", "ingested_at": stamp},
                )
            for start in range(0, size, 10_000):
                chunk = list(enumerate(picked[start : start + 10_000], start=start))
                claims, mentions, links = [], [], []
                for position, study in chunk:
                    claim_id = f"doc{size}-{position:08x}"
                    key = citekey(study)
                    words = " ".join(rng.choice(WORDS) for _ in range(10))
                    text = f"Study {position} found that {words} improved significantly [@{key}]."
                    claims.append(
                        {
                            "id": claim_id,
                            "document_id": number,
                            "position": position,
                            "text": text,
                            "start": position * 160,
                            "end": position * 160 + len(text),
                            "checkworthiness": 0.95,
                            "reasons": '["states a research finding"]',
                            "block": "paragraph",
                        }
                    )
                    mentions.append(
                        {
                            "claim_id": claim_id,
                            "document_id": number,
                            "kind": "citekey",
                            "text": f"@{key}",
                            "citekey": key,
                            "authors": "[]",
                            "numbers": "[]",
                            "study_id": study + 1,
                        }
                    )
                    links.append(
                        {
                            "claim_id": claim_id,
                            "study_id": study + 1,
                            "stance": "mentions",
                            "origin": "citation",
                            "created_at": stamp,
                        }
                    )
                with store.transaction():
                    store.insert_rows("claims", claims)
                    store.insert_rows("mentions", mentions)
                    store.insert_rows("evidence", links)
    finally:
        store.close()
    return names


def _report(db: Path, document: str, fmt: str, out: Path) -> dict[str, Any]:
    """`evidence report` in a subprocess under /usr/bin/time: seconds, peak RSS, size."""
    evidence = str(Path(sys.executable).with_name("evidence"))
    env = {**os.environ, "EVIDENCE_DB": str(db)}
    start = time.perf_counter()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            evidence,
            "report",
            "--document",
            document,
            "--format",
            fmt,
            "--output",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    last = (done.stderr.strip().splitlines() or ["0"])[-1]
    if done.returncode != 0:
        raise RuntimeError(f"report failed: {done.stderr[-500:]}")
    return {
        "seconds": seconds,
        "peak_mb": int(last) / 1024 if last.isdigit() else None,
        "output_mb": out.stat().st_size / 1e6,
    }


def measure_scale(tmp: Path) -> dict[str, Any]:
    """`evidence report` of the 1,000- and the large document, each format."""
    db = tmp / "scale.db"
    small, large = build_documents(db, SCALE_CLAIMS)
    rows, results = [], {}
    for fmt in ("md", "html", "json"):
        few = _report(db, small, fmt, tmp / f"small.{fmt}")
        many = _report(db, large, fmt, tmp / f"large.{fmt}")
        results[fmt] = {"small": few, "large": many}
        rows.append(
            {
                "format": fmt,
                f"{SCALE_CLAIMS[0]:,} claims (s)": few["seconds"],
                f"{SCALE_CLAIMS[0]:,} claims peak (MB)": few["peak_mb"],
                f"{SCALE_CLAIMS[1]:,} claims (s)": many["seconds"],
                f"{SCALE_CLAIMS[1]:,} claims peak (MB)": many["peak_mb"],
                "peak ratio": many["peak_mb"] / few["peak_mb"],
                "time per claim ratio": (many["seconds"] / SCALE_CLAIMS[1])
                / (few["seconds"] / SCALE_CLAIMS[0]),
                "output (MB)": many["output_mb"],
            }
        )
    worst = max(r["large"]["peak_mb"] for r in results.values())
    return {
        "title": (
            f"`evidence report` of {SCALE_CLAIMS[0]:,} and {SCALE_CLAIMS[1]:,} claims "
            f"({SCALE_STUDIES:,} studies)"
        ),
        "rows": rows,
        "notes": [
            f"Peak RSS of the {SCALE_CLAIMS[1]:,}-claim report: at most {worst:.0f} MB "
            f"(target {MEMORY_TARGET_MB} MB): "
            + ("within target" if worst <= MEMORY_TARGET_MB else "OVER TARGET"),
            "Each claim cites its own study, so the large report shows "
            f"{SCALE_CLAIMS[1]:,} studies, each formatted by citeproc once.",
            "Peak ratio: large report / small report, same library, same run.",
        ],
        "formats": results,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(tmp), indent=2, default=str))
