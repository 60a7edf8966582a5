"""`evidence demo`: the whole pipeline on the bundled example article, with no network.

The example (evidence/data/demo_article.md) is a short health article with vague
claims, journal-only attributions, a DOI citation, a citation of a retracted study and
unsourced claims. Its two studies come from a bundled CSL-JSON library and the retraction
from a one-row file in the Retraction Watch layout, so every step runs offline: lookups
are reported as unverified, and everything else works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bib.http import HttpClient, HttpConfig
from bib.services.retractions import parse_retraction_data
from evidence.claims import check_claims
from evidence.ingest import Citekeys, ingest_document
from evidence.library_io import import_files, write_atomically
from evidence.linking import tag
from evidence.reportmodel import build_report_model
from evidence.resolve import resolve_mentions
from evidence.store import Store
from evidence.verify import load_retractions, select_studies, verify_studies
from reports.render import render_report


@dataclass
class DemoSummary:
    lines: list[str] = field(default_factory=list)
    keep_db: bool = True


def bundled(name: str) -> Path:
    return Path(str(resources.files("evidence") / "data" / name))


def run_demo(db: Path, output_dir: Path) -> DemoSummary:
    summary = DemoSummary()
    say = summary.lines.append
    store = Store(db)
    try:
        imported = import_files(store, [bundled("demo_library.json")])
        say(f"Imported {imported.files[0]['added']} studies from the bundled library.")
        count = load_retractions(
            store, parse_retraction_data(bundled("demo_retractions.csv").read_bytes())
        )
        say(f"Loaded {count} Retraction Watch notice (bundled sample).")
        article = bundled("demo_article.md")
        ingested = ingest_document(
            store, article, name="demo_article.md", citekeys=Citekeys.of_library(store)
        )
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(ingested.mentions_by_kind.items()))
        say(f"Ingested demo_article.md: {ingested.claims} claims; mentions: {kinds}.")
        resolved = resolve_mentions(store, None, "demo_article.md")
        say(f"Resolved {resolved.resolved} citations to studies in the library.")
        with HttpClient(HttpConfig.from_env(offline=True)) as client:
            rows, _fresh = select_studies(store, [], all_studies=True, refresh=True)
            verdicts = verify_studies(store, client, rows).verdicts
        say(
            "Verified offline: "
            + ", ".join(f"{key} {status}" for key, status in sorted(verdicts.items()))
            + "."
        )
        # What a reviewer does next: read the study and record its stance on the claim.
        cited = store.one(
            "select m.claim_id from mentions m join studies s on s.id = m.study_id "
            "where s.citekey = 'field1996massage' order by m.id limit 1"
        )
        if cited:
            tag(
                store,
                cited["claim_id"],
                "field1996massage",
                "supports",
                "Randomised trial, 50 adults: chair massage lowered anxiety scores.",
            )
            say(f"Tagged claim {cited['claim_id']} as supported by field1996massage.")
        result = check_claims(store, "demo_article.md")
        counts = ", ".join(f"{n} {s}" for s, n in result["counts"].items() if n)
        say(f"Check: {counts}; {len(result['failing'])} claims fail the default check.")
        model = build_report_model(store, "demo_article.md")
        output_dir.mkdir(parents=True, exist_ok=True)
        for fmt, name in (("html", "report.html"), ("md", "report.md"), ("json", "report.json")):
            write_atomically(output_dir / name, render_report(model, fmt))
    finally:
        store.close()
    return summary
