"""HALLMARK dev split through `evidence verify` end to end, against the fake services.

    .venv/bin/python bench/refcheck.py                     # writes docs/refcheck.md
    .venv/bin/python bench/refcheck.py --json /tmp/refcheck.json --limit 100

The truth is written down before the run: the labels of dev_public.jsonl (VALID or
HALLUCINATED with its type). The fake (tests/fake_services.py) holds the real works only
(tests/hallmark.py: the pools and the VALID dev entries, each in the services that really
hold it). The dev split is written to a temporary .bib file and checked by the CLI in a
subprocess (`evidence --db tmp.db verify dev.bib --json`), every EVIDENCE_*_URL pointing at
the fake, the cache in the temporary folder; then the verdicts are scored
(tests.hallmark.score) and docs/refcheck.md is written.

This measures accuracy, not speed (`make bench` does that). ``--rates fast`` (the default)
lifts the published rate limits of both the fake and the client (each service 50 req/s,
concurrency as published) so the 1,119 references take minutes, not the hour that
arXiv's one request every three seconds and DBLP's and S2's one a second would make it;
the verdicts do not depend on the pace. ``--rates published`` keeps every limit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
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

from tests.fake_services import OPENALEX_TEST_KEY, FakeServices, Limit  # noqa: E402
from tests.hallmark import (  # noqa: E402
    FABRICATED_TYPES,
    FLAGGED_VERDICTS,
    corpus_records,
    fold_title,
    load_dev,
    load_pools,
    score,
    truth_of,
    write_bib,
)

SHARED = ROOT.parent / "shared"
PYTHON = ROOT / ".venv" / "bin" / "python"
LATENCY = 0.02
FAST_RATE = 50.0
MAILTO = "refcheck@example.org"

# Runs the console script's main(); with --rates fast, every service's published rate
# is first raised to FAST_RATE (concurrency untouched): the same CLI, only paced faster.
LAUNCHER = """
import dataclasses, sys
from bib.http import policies
if RATE:
    for name, p in list(policies.POLICIES.items()):
        fast = {f: RATE for f in ("rate", "rate_with_key", "rate_without_mailto", "list_rate",
                "list_rate_without_mailto") if getattr(p, f, None)}
        policies.POLICIES[name] = dataclasses.replace(p, **fast)
from evidence.cli import main
sys.argv[0] = "evidence"
main()
"""


# ----------------------------------------------------------------------------- running


def child_env(fake: FakeServices, tmp: Path, checkout: Path | None = None) -> dict[str, str]:
    """The environment of the CLI: no EVIDENCE_* of the caller, every service at the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env.pop("PYTHONPATH", None)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve())
    env.update(fake.env())
    env["EVIDENCE_RETRACTIONS_URL"] = f"{fake.url}/retractions"
    env.update(fake.env())
    env["EVIDENCE_OPENALEX_KEY"] = OPENALEX_TEST_KEY
    env["EVIDENCE_CACHE"] = str(tmp / "http-cache.sqlite")
    env["EVIDENCE_MAILTO"] = MAILTO
    env["EVIDENCE_DB"] = str(tmp / "refcheck.db")
    return env


def command(rates: str, *args: str) -> list[str]:
    """The CLI's argv: the console script's ``main`` run by the virtualenv's Python."""
    rate = repr(FAST_RATE) if rates == "fast" else "None"
    return [str(PYTHON), "-c", LAUNCHER.replace("RATE", rate), *args]


def run_cli(argv: list[str], env: dict[str, str]) -> tuple[int, Any, str]:
    """Exit code, parsed JSON of stdout (None when it is not JSON) and stderr. The code
    is imported from ``env["PYTHONPATH"]`` when set (--checkout), else from ROOT."""
    cwd = env.get("PYTHONPATH") or ROOT
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=cwd)
    try:
        data = json.loads(done.stdout) if done.stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    return done.returncode, data, done.stderr


def parse_verify_output(data: Any) -> dict[str, dict[str, Any]]:
    """citekey -> {verdict, reason, likely, fields, matched, searched} from either shape.

    ``verify FILE --json``: ``{"references": [{citekey, verdict, reason, fields, matched,
    searched, likely}], "counts": {...}}``; ``verify --all --json`` (older):
    ``{"verdicts": {citekey: verdict}, "reasons": {citekey: reason}}``.
    """
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        return {
            str(ref["citekey"]): {
                "verdict": ref.get("verdict"),
                "reason": ref.get("reason"),
                "likely": ref.get("likely"),
                "fields": ref.get("fields") or [],
                "matched": ref.get("matched"),
                "searched": ref.get("searched") or [],
            }
            for ref in data["references"]
        }
    if isinstance(data, dict) and isinstance(data.get("verdicts"), dict):
        reasons = data.get("reasons") or {}
        return {
            str(key): {"verdict": verdict, "reason": reasons.get(key), "likely": None}
            for key, verdict in data["verdicts"].items()
        }
    raise ValueError(f"unexpected verify output: {str(data)[:300]}")


def verify_bib(bib: Path, env: dict[str, str], rates: str) -> tuple[dict[str, Any], str, int]:
    """Verdicts by citekey, the command that gave them and its exit code."""
    db = env["EVIDENCE_DB"]
    argv = command(rates, "--db", db, "verify", str(bib), "--json")
    code, data, err = run_cli(argv, env)
    if isinstance(data, dict) and "references" in data:
        return parse_verify_output(data), "evidence --db tmp.db verify dev.bib --json", code
    # `verify FILE` not available: import, then verify the library.
    code, _, err = run_cli(command(rates, "--db", db, "import", str(bib), "--json"), env)
    if code not in (0, 1):
        raise RuntimeError(f"evidence import failed ({code}):\n{err[-2000:]}")
    code, data, err = run_cli(command(rates, "--db", db, "verify", "--all", "--json"), env)
    if data is None:
        raise RuntimeError(f"evidence verify failed ({code}):\n{err[-2000:]}")
    used = "evidence --db tmp.db import dev.bib && evidence --db tmp.db verify --all --json"
    return parse_verify_output(data), used, code


def fake_limits(rates: str) -> dict[str, Limit] | None:
    if rates == "published":
        return None
    from tests.fake_services import default_limits

    return {name: Limit(None, limit.concurrency) for name, limit in default_limits().items()}


def pick(entries: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """``limit`` entries spread evenly over the split (all of them without a limit)."""
    if not limit or limit >= len(entries):
        return entries
    step = len(entries) / limit
    return [entries[int(i * step)] for i in range(limit)]


def measure(
    *,
    limit: int | None = None,
    rates: str = "fast",
    latency: float = LATENCY,
    checkout: Path | None = None,
) -> dict[str, Any]:
    """Run the measurement; the results as one JSON-able dict."""
    dev, pools = load_dev(SHARED), load_pools(SHARED)
    if dev is None or pools is None:
        raise RuntimeError(f"HALLMARK data not found under {SHARED}")
    entries = pick(dev, limit)
    truth = truth_of(entries)  # fixed before anything runs
    records = corpus_records(dev, pools)
    with (
        tempfile.TemporaryDirectory() as tmpdir,
        FakeServices(latency=latency, limits=fake_limits(rates)) as fake,
    ):
        tmp = Path(tmpdir)
        fake.add_records(records)
        bib = write_bib(entries, tmp / "dev.bib")
        start = time.perf_counter()
        verdicts, used, code = verify_bib(bib, child_env(fake, tmp, checkout), rates)
        wall = time.perf_counter() - start
        requests = {f"{s} {e}": n for (s, e), n in sorted(fake.counts.items())}
        rejected = dict(fake.rejected)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "python": platform.python_version(),
        "command": used,
        "exit_code": code,
        "rates": rates,
        "latency": latency,
        "wall_seconds": wall,
        "entries": len(entries),
        "corpus": corpus_summary(records, entries),
        "requests": requests,
        "rejected_429": rejected,
        "score": score(truth, verdicts),
        # Miscitations of works outside the fake's corpus can only come out not_found:
        # measured again without them (the real services hold those works).
        "unreachable": (gone := unreachable(entries, records, verdicts)),
        "score_reachable": score({k: v for k, v in truth.items() if k not in gone}, verdicts),
        "truth": {k: {"label": v[0], "type": v[1]} for k, v in truth.items()},
        "verdicts": verdicts,
    }


def unreachable(
    entries: list[dict[str, Any]], records: list[dict[str, Any]], verdicts: dict[str, Any]
) -> list[str]:
    """Miscitations reported not_found whose work the fake does not hold: no corpus record
    has their DOI or a title within the checker's near-title threshold (0.8)."""
    from bib.text import title_similarity

    titles = [r["title"] for r in records if r.get("title")]
    dois = {str(r["doi"]).lower() for r in records if r.get("doi")}
    out = []
    for e in entries:
        kind = e.get("hallucination_type")
        if e["label"] != "HALLUCINATED" or kind in FABRICATED_TYPES:
            continue
        verdict = verdicts.get(e["bibtex_key"])
        if not isinstance(verdict, dict) or verdict.get("verdict") != "not_found":
            continue
        fields = e["fields"]
        if str(fields.get("doi", "")).lower() in dois:
            continue
        if any(title_similarity(fields.get("title"), t) >= 0.8 for t in titles):
            continue
        out.append(e["bibtex_key"])
    return out


def corpus_summary(records: list[dict[str, Any]], entries: list[dict[str, Any]]) -> dict[str, Any]:
    services: Counter[str] = Counter(s for r in records for s in r["services"])
    titles = {fold_title(r["title"]) for r in records}
    reachable: Counter[str] = Counter()
    for e in entries:
        if e["label"] == "HALLUCINATED" and fold_title(e["fields"].get("title", "")) in titles:
            reachable[e["hallucination_type"]] += 1
    return {"records": len(records), "by_service": dict(services), "title_in_corpus": reachable}


# ----------------------------------------------------------------------------- report


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def render(result: dict[str, Any], argv: str) -> str:
    s = result["score"]
    truth = result["truth"]
    verdicts = result["verdicts"]
    types = Counter(t["type"] for t in truth.values() if t["label"] == "HALLUCINATED")
    lines = [
        "# Reference checking measured on HALLMARK",
        "",
        f"Produced by `{argv}` on {result['date']} (Python {result['python']}). The references "
        f"were checked by `{result['command']}` (exit code {result['exit_code']}) in "
        f"{result['wall_seconds']:.0f} s, against tests/fake_services.py with "
        f"{result['latency'] * 1000:.0f} ms latency and "
        + (
            "the services' published rate limits."
            if result["rates"] == "published"
            else f"rates lifted to {FAST_RATE:g} req/s per service (concurrency as published): "
            "this run measures accuracy; speed is measured by `make bench`."
        ),
        "",
        "## The truth (fixed before the run)",
        "",
        f"The labels of HALLMARK's dev split (`../shared/data/corpora/hallmark/dev_public.jsonl`): "
        f"{result['entries']} BibTeX entries, {s['valid']} `VALID` and {s['hallucinated']} "
        "`HALLUCINATED`, by type: "
        + ", ".join(f"{t} {n}" for t, n in sorted(types.items()))
        + ". Fabricated types: "
        + ", ".join(sorted(FABRICATED_TYPES))
        + "; the others are miscitations of real works. A reference counts as flagged when "
        "its verdict is " + ", ".join(sorted(FLAGGED_VERDICTS)) + " (unverified is not).",
        "",
        f"The fake holds {result['corpus']['records']:,} real works (tests/hallmark.py: "
        "HALLMARK's pools and the VALID dev entries, never a HALLUCINATED one), by service: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result["corpus"]["by_service"].items()))
        + ". A miscitation can only be told from a fabrication when its real work is in the "
        "pools; hallucinated entries whose (folded) title is a corpus title, by type: "
        + ", ".join(
            f"{t} {result['corpus']['title_in_corpus'].get(t, 0)}/{n}"
            for t, n in sorted(types.items())
        )
        + ".",
        "",
        "What the fake cannot know, whatever `verify` does: a miscitation whose real work "
        "is not in the pools (about half the swapped_authors and arxiv_version_mismatch "
        "entries cite DOIs or titles of works outside them, e.g. ACL Anthology DOIs) can "
        "only come out `not_found`; three VALID dev entries were cut off inside a TeX group "
        "(their author lists end in a fragment; one title is lost and that work is left "
        "out of the corpus); some VALID entries carry DBLP's HTML entities (`d&apos;Amore`) "
        "where the services print the character.",
        "",
        "## Overall",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| precision (HALLUCINATED) | {_pct(s['precision'])} | |",
        f"| recall (HALLUCINATED) | {_pct(s['recall'])} | |",
        f"| F1 | {_pct(s['f1'])} | ≥ 0.97 |",
        f"| false-positive rate (VALID flagged) | {_pct(s['fpr'])} | ≤ 0.02 |",
        f"| detected fabrications reported `not_found` | {_pct(s['fabricated_as_not_found'])} | |",
        f"| detected miscitations reported `mismatch` | {_pct(s['miscited_as_mismatch'])} | |",
        f"| fabricated-vs-miscited split right (verdict) | {_pct(s['split_right'])} | ≥ 0.90 |",
        f"| detected fabrications with `likely: fabricated` | {_pct(s['fabricated_likely'])} | |",
        f"| detected miscitations with `likely: miscited` | {_pct(s['miscited_likely'])} | |",
        f"| split right (`likely`) | {_pct(s['split_likely_right'])} | ≥ 0.90 |",
        f"| split right (`likely`), leaving out the {len(result['unreachable'])} "
        "miscitations of works the fake does not hold (reported `not_found`) | "
        f"{_pct(result['score_reachable']['split_likely_right'])} | ≥ 0.90 |",
        f"| split right (verdict), leaving those out | "
        f"{_pct(result['score_reachable']['split_right'])} | |",
        f"| unverified (not flagged) | {s['unverified']} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(s['unverified_by_label'].items()))}) | |",
        "",
        f"Counts: TP {s['tp']}, FP {s['fp']}, FN {s['fn']}, TN {s['tn']}. Verdicts of VALID "
        "entries: " + _verdict_counts(verdicts, truth, "VALID") + "; of HALLUCINATED "
        "entries: " + _verdict_counts(verdicts, truth, "HALLUCINATED") + ". `missing`: "
        "the output had no reference with that citekey.",
        "",
        "## Per hallucination type",
        "",
        "| type | group | n | flagged | recall | verdicts |",
        "|---|---|---|---|---|---|",
    ]
    for kind, row in s["per_type"].items():
        counts = ", ".join(f"{k} {v}" for k, v in row["verdicts"].items())
        lines.append(
            f"| {kind} | {row['group']} | {row['n']} | {row['flagged']} | "
            f"{_pct(row['recall'])} | {counts} |"
        )
    lines += ["", *_listing(result, "False positives (VALID flagged)", fp=True)]
    lines += ["", *_listing(result, "Misses (HALLUCINATED not flagged)", fp=False)]
    lines += ["", *_split_errors(result)]
    req = result["requests"]
    lines += [
        "",
        "## Requests",
        "",
        ", ".join(f"{k} {v}" for k, v in req.items()) or "none",
        "",
        f"429 answers from the fake: {result['rejected_429'] or 'none'}.",
        "",
    ]
    return "\n".join(lines)


def _verdict_counts(verdicts: dict[str, Any], truth: dict[str, Any], label: str) -> str:
    counts = Counter(
        (verdicts.get(k) or {}).get("verdict") or "missing"
        for k, t in truth.items()
        if t["label"] == label
    )
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _explain(verdict: dict[str, Any]) -> str:
    """The reason, then each differing field as cited → found (severity), shortened."""
    parts = [str(verdict.get("reason") or "")]
    for f in verdict.get("fields") or []:
        parts.append(
            f"{f.get('field')}: {str(f.get('cited'))[:60]!r} → {str(f.get('found'))[:60]!r}"
            f" ({f.get('severity')})"
        )
    return "; ".join(p for p in parts if p)[:400]


def _listing(result: dict[str, Any], title: str, *, fp: bool) -> list[str]:
    rows = []
    for key, t in sorted(result["truth"].items(), key=lambda kv: (str(kv[1]["type"]), kv[0])):
        v = result["verdicts"].get(key) or {}
        flagged = v.get("verdict") in FLAGGED_VERDICTS
        if (fp and t["label"] == "VALID" and flagged) or (
            not fp and t["label"] == "HALLUCINATED" and not flagged
        ):
            rows.append(
                f"| {key} | {t['type'] or 'VALID'} | {v.get('verdict') or 'missing'} | "
                f"{_cell(_explain(v))} |"
            )
    head = [f"## {title}: {len(rows)}", ""]
    if not rows:
        return head + ["None."]
    return head + ["| citekey | type | verdict | reason |", "|---|---|---|---|", *rows]


def _split_errors(result: dict[str, Any]) -> list[str]:
    rows = []
    for key, t in sorted(result["truth"].items(), key=lambda kv: (str(kv[1]["type"]), kv[0])):
        v = result["verdicts"].get(key) or {}
        verdict = v.get("verdict")
        if t["label"] != "HALLUCINATED" or verdict not in FLAGGED_VERDICTS:
            continue
        wanted = "not_found" if t["type"] in FABRICATED_TYPES else "mismatch"
        if verdict != wanted:
            rows.append(
                f"| {key} | {t['type']} | {verdict} | {v.get('likely') or ''} | "
                f"{_cell(_explain(v))} |"
            )
    head = [f"## Detected, but on the wrong side of fabricated/miscited: {len(rows)}", ""]
    if not rows:
        return head + ["None."]
    return head + [
        "| citekey | type | verdict | likely | reason |",
        "|---|---|---|---|---|",
        *rows,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "refcheck.md")
    parser.add_argument("--json", type=Path, help="also dump the raw results here")
    parser.add_argument("--limit", type=int, help="check only this many entries (spread evenly)")
    parser.add_argument("--rates", choices=("fast", "published"), default="fast")
    parser.add_argument("--latency", type=float, default=LATENCY, help="fake latency (s)")
    parser.add_argument(
        "--checkout", type=Path, help="run the CLI of this source tree (e.g. a git worktree)"
    )
    args = parser.parse_args()
    try:
        result = measure(
            limit=args.limit, rates=args.rates, latency=args.latency, checkout=args.checkout
        )
    except RuntimeError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    argv = " ".join([".venv/bin/python bench/refcheck.py", *sys.argv[1:]])
    args.output.write_text(render(result, argv), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    s = result["score"]
    print(
        f"F1 {_pct(s['f1'])}  precision {_pct(s['precision'])}  recall {_pct(s['recall'])}  "
        f"FPR {_pct(s['fpr'])}  split {_pct(s['split_right'])}  unverified {s['unverified']}  "
        f"({result['wall_seconds']:.0f} s) -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
