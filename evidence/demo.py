"""`evidence demo`: the whole pipeline on the bundled example article, with no network.

The example (evidence/data/demo_article.md) is a short health article with vague
claims, journal-only attributions, DOI and citekey citations and unsourced claims. Its
studies come from a bundled CSL-JSON library, the retraction from a one-row file in the
Retraction Watch layout, and the services' answers about those studies from bundled
records in the services' own shapes (evidence/data/demo_answers/, described in its
README). Those answers are put into a private HTTP cache that verification then reads
offline, so every verdict, claim status and study design the report knows is shown:
a supported claim, a disputed one, a retracted study, a miscited one with its wrong
field, a fabricated one, a book the services were not asked about, and a narrative
attribution resolved to a study of the library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bib.http import HttpClient, HttpConfig
from bib.http.policies import POLICIES
from bib.services.retractions import parse_retraction_data
from evidence.claims import check_claims
from evidence.ingest import Citekeys, ingest_document
from evidence.library_io import import_files, write_atomically
from evidence.linking import tag
from evidence.reportmodel import build_report_model
from evidence.resolve import resolve_mentions
from evidence.store import Store
from evidence.verify import load_retractions, select, verify_studies
from reports.render import render_report

ARTICLE = "demo_article.md"
ANSWERS = "demo_answers"

# What a reviewer does after reading the studies: (citekey, a phrase of the claim, stance,
# note). The phrase picks the claim that cites the study.
REVIEWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "field1996massage",
        "controlled study of adults",
        "supports",
        "Trial of 50 adults: chair massage lowered anxiety and sped up math computations.",
    ),
    (
        "gross1999neck",
        "stiff neck",
        "contradicts",
        "Systematic review: manual therapy with other treatments eased neck pain; "
        "little or no evidence for rest.",
    ),
)


@dataclass
class DemoSummary:
    lines: list[str] = field(default_factory=list)
    keep_db: bool = True


def bundled(name: str) -> Path:
    return Path(str(resources.files("evidence") / "data" / name))


def demo_client(cache_path: Path) -> HttpClient:
    """An offline client whose only answers are the bundled ones, at the services' public
    addresses and without keys or e-mail, whatever the environment says: the answers were
    written for those requests."""
    config = HttpConfig(
        offline=True,
        cache_path=str(cache_path),
        base_urls={name: policy.base_url for name, policy in POLICIES.items()},
        cache_expire=None,
    )
    return HttpClient(config)


def load_answers(client: HttpClient, folder: Path | None = None) -> dict[str, int]:
    """Put the bundled answers (``answers.json`` beside their bodies) into the client's
    cache; returns how many per service."""
    folder = folder or bundled(ANSWERS)
    manifest: dict[str, Any] = json.loads((folder / "answers.json").read_text("utf-8"))
    counts: dict[str, int] = {}
    for entry in manifest["answers"]:
        body = (folder / entry["file"]).read_bytes()
        client.store_answer(
            entry["service"],
            entry["method"],
            entry["path"],
            body,
            params=[tuple(pair) for pair in entry.get("params") or []],
            json_body=entry.get("json"),
            content_type=entry.get("content_type", "application/json"),
        )
        counts[entry["service"]] = counts.get(entry["service"], 0) + 1
    return counts


def _claim_citing(store: Store, citekey: str, phrase: str) -> str | None:
    row = store.one(
        "select c.id from claims c join mentions m on m.claim_id = c.id "
        "join studies s on s.id = m.study_id where s.citekey = ? and c.text like ? "
        "order by c.id limit 1",
        [citekey, f"%{phrase}%"],
    )
    return str(row["id"]) if row else None


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
        ingested = ingest_document(
            store, bundled(ARTICLE), name=ARTICLE, citekeys=Citekeys.of_library(store)
        )
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(ingested.mentions_by_kind.items()))
        say(f"Ingested {ARTICLE}: {ingested.claims} claims; mentions: {kinds}.")
        # The library alone: every cited study is in it, and so is the study the
        # International Journal of Neuroscience attribution describes.
        resolved = resolve_mentions(store, None, ARTICLE, accept=True)
        by_kind = ", ".join(f"{n} {k}" for k, n in sorted(resolved.by_kind.items()))
        say(f"Resolved {resolved.resolved} mentions to studies in the library ({by_kind}).")
        with demo_client(db.with_name(db.stem + "-http-cache.sqlite")) as client:
            loaded = load_answers(client)
            services = ", ".join(f"{n} {s}" for s, n in sorted(loaded.items()))
            say(
                f"Loaded {sum(loaded.values())} bundled service answers ({services}) into a "
                "private HTTP cache; verifying offline from it."
            )
            chosen = select(store, [], all_studies=True, refresh=True)
            report = verify_studies(store, client, chosen.stale)
        say(
            "Verified: "
            + ", ".join(f"{key} {status}" for key, status in sorted(report.verdicts.items()))
            + "."
        )
        for key, status in sorted(report.verdicts.items()):
            if status in ("mismatch", "not_found", "unverified"):
                say(f"  {key}: {report.reasons.get(key, '')}")
        # What a reviewer does next: read the studies and record their stance on the claims.
        for citekey, phrase, stance, note in REVIEWS:
            claim_id = _claim_citing(store, citekey, phrase)
            if claim_id:
                tag(store, claim_id, citekey, stance, note)
                say(f"Tagged claim {claim_id}: {citekey} {stance} it.")
        result = check_claims(store, ARTICLE)
        counts = ", ".join(f"{n} {s}" for s, n in result["counts"].items() if n)
        say(f"Check: {counts}; {len(result['failing'])} claims fail the default check.")
        model = build_report_model(store, ARTICLE)
        output_dir.mkdir(parents=True, exist_ok=True)
        for fmt, name in (("html", "report.html"), ("md", "report.md"), ("json", "report.json")):
            write_atomically(output_dir / name, render_report(model, fmt))
    finally:
        store.close()
    return summary
