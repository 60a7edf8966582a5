"""Scale: what one-item commands and a document's report cost as the library grows.

For each library size (10,000 and 100,000 studies; 1,000,000 with ``--scale-1m`` or
``EVIDENCE_BENCH_1M=1``, it takes minutes to generate) a library is generated straight
through the store: studies with authors, journals and DOIs, a verification check for
every study (a library after ``verify --all``), a retraction notice on one study in a
hundred and a probable duplicate on one in a hundred. A 1,000-claim Markdown document
citing 1,000 of the studies by citekey is ingested into it; for the listings of claims a
100,000-claim document joins it after the one-item commands (``--no-long-document``
leaves it out).

Each command then runs as the user runs it (``evidence …`` in a subprocess), twice; the
faster run counts, with the peak resident memory of that process. The ratio column is
the largest size's time over the smallest's: a command about one item (or a report of a
fixed document) should cost the same at every size.

    .venv/bin/python bench/bench_scale.py [--sizes 10000,100000] [--scale-1m]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evidence.store import Store, now  # noqa: E402

SIZES = (10_000, 100_000)
MILLION = 1_000_000
CLAIMS = 1_000
# A long document for the claim listings: claims --json and check --json of it.
LONG_CLAIMS = 100_000
LONG_DOCUMENT = "long.md"
CHUNK = 20_000
RUNS = 3
EVIDENCE = str(Path(sys.executable).with_name("evidence"))
TIME = "/usr/bin/time"

FAMILIES = (
    "smith jones field garcia nguyen müller rossi kowalski tanaka okafor "
    "silva cohen dubois larsen novak patel ivanova haddad moreau brennan"
).split()
WORDS = (
    "massage therapy anxiety pain stiffness sleep quality adults randomised cohort "
    "patients chronic back knee osteoarthritis function mobility exercise trial "
    "depression outcomes cortisol blood pressure recovery fatigue elderly"
).split()
JOURNALS = (
    "Journal of Bodywork and Movement Therapies",
    "International Journal of Neuroscience",
    "Complementary Therapies in Medicine",
    "BMJ Open",
    "Pain Medicine",
)


def citekey(i: int) -> str:
    return f"{FAMILIES[i % len(FAMILIES)]}{1980 + i % 45}s{i}"


def _study_row(i: int, rng: random.Random, stamp: str) -> dict[str, Any]:
    family = FAMILIES[i % len(FAMILIES)]
    year = 1980 + i % 45
    title = " ".join(rng.choice(WORDS) for _ in range(9)).capitalize()
    authors = [{"family": family, "given": "A"}, {"family": rng.choice(FAMILIES), "given": "B"}]
    return {
        "citekey": citekey(i),
        "doi": f"10.{1000 + i % 9000}/scale.{i}",
        "pmid": None,
        "title": title,
        "authors": json.dumps(authors, ensure_ascii=False),  # as the store writes it
        "journal": JOURNALS[i % len(JOURNALS)],
        "year": year,
        "volume": str(1 + i % 60),
        "issue": str(1 + i % 12),
        "pages": f"{1 + i % 900}-{10 + i % 900}",
        "first_page": str(1 + i % 900),  # as saving a study stores it beside its pages
        "type": "journal-article",
        "publication_types": "[]",
        "evidence_level": None,
        "retracted": 1 if i % 100 == 42 else None,
        "extra": "{}",
        "provenance": "{}",
        "user_fields": "[]",
        "duplicate_of": i if i % 100 == 17 else None,  # row id i is study i - 1
        "dedup_key": f"{family}|{year}",
        "source": "crossref",
        "added_at": stamp,
        "updated_at": stamp,
        "fetched_at": stamp,
    }


def _check_row(study_id: int, stamp: str) -> dict[str, Any]:
    return {
        "study_id": study_id,
        "checked_at": stamp,
        "status": "verified",
        "sources": json.dumps(["crossref"]),
        "mismatches": "[]",
        "reason": None,
        "response": json.dumps({"crossref": {"title": "x" * 200}}),
        "verification": json.dumps({"fields": [], "likely": None, "searched": []}),
    }


def build_library(path: Path, size: int, seed: int = 14) -> None:
    """``size`` studies, a check for each, a retraction notice and a probable duplicate
    in every hundred, inserted in chunks through the store."""
    rng = random.Random(seed)
    stamp = now()
    store = Store(path)
    try:
        for start in range(0, size, CHUNK):
            ids = range(start, min(size, start + CHUNK))
            with store.transaction():
                store.insert_rows("studies", [_study_row(i, rng, stamp) for i in ids])
                store.insert_rows("checks", [_check_row(i + 1, stamp) for i in ids])
                notices = [
                    {
                        "study_id": i + 1,
                        "kind": "retraction",
                        "source": "crossref",
                        "date": "2020-01-01",
                        "doi": f"10.{1000 + i % 9000}/notice.{i}",
                        "pmid": None,
                        "reason": None,
                    }
                    for i in ids
                    if i % 100 == 42
                ]
                store.insert_rows("notices", notices)
    finally:
        store.close()


def build_document(path: Path, size: int, claims: int = CLAIMS, seed: int = 3) -> list[str]:
    """A Markdown document of ``claims`` sentences, each citing one study by citekey
    (spread over the whole library); the cited keys."""
    rng = random.Random(seed)
    if claims <= size:
        picked = [citekey(i) for i in sorted(rng.sample(range(size), claims))]
    else:  # more claims than studies: some studies are cited more than once
        picked = [citekey(i) for i in sorted(rng.randrange(size) for _ in range(claims))]
    lines = ["# Scale document", ""]
    for n, key in enumerate(picked):
        words = " ".join(rng.choice(WORDS) for _ in range(10))
        lines.append(f"Study {n} found that {words} improved significantly [@{key}].")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return picked


def _run(args: list[str], db: Path, cwd: Path, checkout: Path | None = None) -> dict[str, Any]:
    """One command in a subprocess: wall time, CPU seconds (user + system), peak RSS,
    exit code. ``checkout``: run the code of that checkout (PYTHONPATH) instead.

    The command runs under /usr/bin/time, which reports its CPU and peak RSS (%M, KiB):
    a process forked straight from this one would count this process's own resident set
    in its peak (Linux keeps the high-water mark across exec)."""
    # --offline, not EVIDENCE_OFFLINE: the flag keeps every run off the network without
    # making commands that never go online import the HTTP stack to read the variable.
    env = {**os.environ, "EVIDENCE_DB": str(db)}
    env.pop("EVIDENCE_OFFLINE", None)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve())
    start = time.perf_counter()
    done = subprocess.run(
        [TIME, "-f", "%U %S %M", EVIDENCE, "--offline", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        check=False,
    )
    seconds = time.perf_counter() - start
    lines = done.stderr.strip().splitlines() or [""]
    measured = lines[-1].split()
    user, system, peak = measured if len(measured) == 3 else (None, None, "")
    return {
        "seconds": seconds,
        "cpu": float(user) + float(system) if user is not None and system is not None else None,
        "peak_mb": int(peak) / 1024 if peak.isdigit() else None,
        "code": done.returncode,
        "stderr": "\n".join(lines[:-1])[-500:],
    }


def _fastest(make_args: Callable[[int], list[str]], db: Path, cwd: Path) -> dict[str, Any]:
    runs = [_run(make_args(n), db, cwd) for n in range(RUNS)]
    return min(runs, key=lambda r: r["seconds"])


def _operations(doc: Path, keys: list[str], size: int) -> dict[str, Callable[[int], list[str]]]:
    flagged = citekey(117 if size > 117 else 17)  # a probable duplicate
    return {
        "`evidence --help`": lambda n: ["--help"],
        "`show KEY`": lambda n: ["show", keys[n]],
        "`show KEY` (probable duplicate)": lambda n: ["show", flagged, "--json"],
        "`search WORDS`": lambda n: ["search", "massage cortisol", "--json"],
        "`add --no-fetch DOI`": lambda n: ["add", "--no-fetch", f"10.5555/new.{n}", "--json"],
        "`claims --document` (1,000 claims)": lambda n: [
            "claims",
            "--document",
            doc.name,
            "--json",
        ],
        "`check --document` (1,000 claims)": lambda n: [
            "check",
            "--document",
            doc.name,
            "--json",
        ],
        "`ingest` unchanged (1,000 claims)": lambda n: ["ingest", str(doc)],
        "`report --document -f md` (1,000 claims)": lambda n: [
            "report",
            "--document",
            doc.name,
            "--format",
            "md",
        ],
        "`report --document -f json` (1,000 claims)": lambda n: [
            "report",
            "--document",
            doc.name,
            "--format",
            "json",
        ],
    }


# --- listings and exports against SQLite alone -------------------------------------------

# What a plain cursor loop reads for each listing: the same rows and columns as the
# command, through Python's sqlite3 with nothing done to them. It runs in its own
# subprocess, timed like the command.
_LATEST_CHECKS = (
    "select c.study_id, c.checked_at, c.status, c.sources, c.mismatches, c.reason, "
    "c.verification from checks c join (select study_id, max(id) as id from checks "
    "group by study_id) last on last.id = c.id"
)
_OBJECT_COLUMNS = (
    "id, citekey, doi, pmid, pmcid, arxiv, isbn, openalex, title, authors, journal, issn, "
    "year, volume, issue, pages, type, publication_types, evidence_level, retracted, "
    "duplicate_of, abstract, url, added_at"
)


def _claims_rows(document: str) -> list[str]:
    """A document's claims, its mentions and its evidence links, every column; the
    studies they cite (citekey, retraction flag, latest verdict) with their retraction
    notices; the mentions' candidates with their studies' citekeys: every row the
    claims' statuses and objects are made from."""
    doc = f"(select id from documents where name = '{document}')"
    cited = (
        f"select m.study_id from mentions m where m.document_id = {doc} union "
        "select e.study_id from evidence e join claims c on c.id = e.claim_id "
        f"where c.document_id = {doc}"
    )
    return [
        f"select c.*, d.name from claims c join documents d on d.id = c.document_id "
        f"where d.id = {doc} order by c.position",
        f"select m.* from mentions m where m.document_id = {doc}",
        "select e.* from evidence e join claims c on c.id = e.claim_id "
        f"where c.document_id = {doc}",
        "select s.id, s.citekey, s.retracted, (select k.status from checks k "
        "where k.study_id = s.id order by k.id desc limit 1), n.source, n.date, n.doi "
        "from studies s left join notices n on n.study_id = s.id and n.kind = 'retraction' "
        f"where s.id in ({cited})",
        "select k.*, s.citekey from mentions m join candidates k on k.mention_id = m.id "
        f"left join studies s on s.id = k.study_id where m.document_id = {doc}",
    ]


BASELINES: dict[str, list[str]] = {
    "studies": [
        f"select {_OBJECT_COLUMNS} from studies order by citekey",
        _LATEST_CHECKS,
        "select * from notices",
    ],
    "page": [
        "select count(*) from studies",
        f"select {_OBJECT_COLUMNS} from studies order by citekey limit 50",
    ],
    "export": ["select * from studies order by citekey", "select * from notices"],
    "claims": _claims_rows("scale.md"),
    "long claims": _claims_rows(LONG_DOCUMENT),
    "search": [
        "select studies.* from studies join studies_fts on studies.rowid = studies_fts.rowid "
        "where studies_fts match 'massage cortisol' order by studies_fts.rank limit 20",
    ],
}
_LOOP = (
    "import sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1])\n"
    "n = 0\n"
    "for sql in sys.argv[2:]:\n"
    "    for row in db.execute(sql):\n"
    "        n += 1\n"
    "print(n)\n"
)
LISTINGS: dict[str, tuple[list[str], str]] = {
    "`studies --json`": (["studies", "--json"], "studies"),
    "`studies` piped": (["studies"], "studies"),
    "`studies` on a terminal (a page)": (["studies"], "page"),
    "`export -f bibtex`": (["export", "--format", "bibtex"], "export"),
    "`export -f csl-json`": (["export", "--format", "csl-json"], "export"),
    "`export -f ris`": (["export", "--format", "ris"], "export"),
    "`claims --json` (1,000 claims)": (["claims", "--json", "--document", "scale.md"], "claims"),
    "`check --json` (1,000 claims)": (["check", "--json", "--document", "scale.md"], "claims"),
    "`claims --json` (100,000 claims)": (
        ["claims", "--json", "--document", LONG_DOCUMENT],
        "long claims",
    ),
    "`claims` piped (100,000 claims)": (["claims", "--document", LONG_DOCUMENT], "long claims"),
    "`check --json` (100,000 claims)": (
        ["check", "--json", "--document", LONG_DOCUMENT],
        "long claims",
    ),
    "`search WORDS --json`": (["search", "massage cortisol", "--json"], "search"),
}
LISTING_RUNS = 2


def _timed(command: list[str], env: dict[str, str], cwd: Path, tty: bool) -> dict[str, Any]:
    """``command`` under /usr/bin/time: wall seconds and peak RSS. ``tty``: its stdout
    is a terminal (a pseudo-terminal read and thrown away), as a listing shows a page."""
    master = slave = -1
    if tty:
        master, slave = pty.openpty()
        drain = threading.Thread(target=_drain, args=(master,), daemon=True)
        drain.start()
    start = time.perf_counter()
    done = subprocess.run(
        [TIME, "-f", "%U %S %M", *command],
        cwd=cwd,
        env=env,
        stdout=slave if tty else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        check=False,
    )
    seconds = time.perf_counter() - start
    if tty:
        os.close(slave)
        drain.join(5)
    lines = done.stderr.strip().splitlines() or ["0 0 0"]
    user, system, peak = (lines[-1].split() + ["", "", ""])[:3]
    return {
        "seconds": seconds,
        "cpu": float(user) + float(system) if peak.isdigit() else None,
        "peak_mb": int(peak) / 1024 if peak.isdigit() else None,
        "code": done.returncode,
        "stderr": "\n".join(lines[:-1])[-500:],
    }


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def measure_listings(
    db: Path, cwd: Path, only: str | None = None, *, long: bool = True
) -> dict[str, Any]:
    """Each listing as the user runs it and the cursor loop reading its rows, in turn,
    LISTING_RUNS times; the fastest of each (``only``: the listings whose name holds it;
    ``long``: the listings of the long document too)."""
    env = {**os.environ, "EVIDENCE_DB": str(db), "COLUMNS": "120"}
    env.pop("EVIDENCE_OFFLINE", None)
    results: dict[str, Any] = {}
    for name, (args, baseline) in LISTINGS.items():
        if (only and only not in name) or (baseline == "long claims" and not long):
            continue
        tty = baseline == "page"
        ours, loop = [], []
        for _ in range(LISTING_RUNS):
            ours.append(_timed([EVIDENCE, "--offline", *args], env, cwd, tty))
            loop.append(
                _timed([sys.executable, "-c", _LOOP, str(db), *BASELINES[baseline]], env, cwd, tty)
            )
        best = min(ours, key=lambda r: r["seconds"])
        if best["code"] not in (0, 1):
            raise RuntimeError(f"{name} failed: {best['stderr']}")
        results[name] = {"ours": best, "loop": min(loop, key=lambda r: r["seconds"])}
    return results


def listing_table(by_size: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The listings at every size: seconds and peak MB of the command, seconds of the
    cursor loop, and their ratio (target ≤ 2, and ≤ 200 MB)."""
    rows = []
    measured = next(iter(by_size.values()), {})
    for name in [n for n in LISTINGS if n in measured]:
        row: dict[str, Any] = {"listing": name}
        for size, results in by_size.items():
            ours, loop = results[name]["ours"], results[name]["loop"]
            row[f"{size:,} s"] = ours["seconds"]
            row[f"{size:,} loop s"] = loop["seconds"]
            row[f"{size:,} ratio"] = ours["seconds"] / loop["seconds"]
            row[f"{size:,} CPU ratio"] = ours["cpu"] / max(loop["cpu"], 0.01)
            row[f"{size:,} MB"] = ours["peak_mb"]
        rows.append(row)
    return {
        "title": "Scale: listings and exports against a plain SQLite cursor loop",
        "rows": rows,
        "notes": [
            "Each listing runs as the user runs it (`evidence …`, stdout to /dev/null; the "
            "page on a pseudo-terminal); the loop is Python's sqlite3 reading the same rows "
            "and columns (the study rows, their latest checks and notices; every column for "
            "an export; the document's claims, mentions and evidence, the studies they cite "
            "with their latest verdicts and retraction notices, and the mentions' candidates; "
            "the search's ranked FTS query) in its own process, doing nothing with them. Both are timed in the same run, the "
            f"fastest of {LISTING_RUNS}; ratio = command / loop in wall-clock seconds (target "
            "≤ 2, peak ≤ 200 MB); CPU ratio = the same in user + system CPU seconds of each "
            "process, which other work on a shared machine disturbs less.",
            "Times include start-up (about 0.2 s for the command, 0.03 s for the loop): "
            "for the listings of a few rows (a page, search) the ratio is mostly start-up, "
            "not reading.",
        ],
    }


def measure_size(
    tmp: Path,
    size: int,
    *,
    ops: bool = True,
    keep: Path | None = None,
    only: str | None = None,
    long: bool = True,
) -> dict[str, Any]:
    """Generate one library and run every operation and listing on it (``ops`` False:
    the listings only; ``only``: the listings whose name holds it). ``keep``: a folder
    where the generated library stays, and is used again by the next run of the same
    size instead of being generated anew. ``long``: ingest a LONG_CLAIMS-claim document
    and list its claims too."""
    folder = (keep or tmp) / f"lib-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "evidence.db"
    start = time.perf_counter()
    if keep is None or not db.exists():
        build_library(db, size)
    built = time.perf_counter() - start
    doc = folder / "scale.md"
    keys = build_document(doc, size)
    ingest = _run(["ingest", str(doc)], db, folder)
    if ingest["code"] != 0:
        raise RuntimeError(f"ingest failed: {ingest['stderr']}")
    results: dict[str, Any] = {"build_seconds": built, "first_ingest": ingest, "ops": {}}
    for name, make_args in _operations(doc, keys, size).items() if ops else ():
        result = _fastest(make_args, db, folder)
        if result["code"] not in (0, 1):
            raise RuntimeError(f"{name} failed at {size}: {result['stderr']}")
        results["ops"][name] = result
    # The long document joins the library after the one-item commands ran, before the
    # listings of it.
    wanted = [n for n in LISTINGS if only is None or only in n]
    with_long = long and any(LISTINGS[n][1] == "long claims" for n in wanted)
    if with_long:
        long_doc = folder / LONG_DOCUMENT
        build_document(long_doc, size, claims=LONG_CLAIMS, seed=5)
        results["long_ingest"] = _run(["ingest", str(long_doc)], db, folder)
        if results["long_ingest"]["code"] != 0:
            raise RuntimeError(f"ingest failed: {results['long_ingest']['stderr']}")
    results["listings"] = measure_listings(db, folder, only, long=with_long)
    return results


def run(
    tmpdir: str | Path,
    sizes: tuple[int, ...] | None = None,
    *,
    ops: bool = True,
    keep: Path | None = None,
    only: str | None = None,
    long: bool = True,
) -> dict[str, Any]:
    """Every operation at every size; rows of time and peak memory, and the ratio; the
    listings against the cursor loop as a second table (``tables``)."""
    if sizes is None:
        sizes = SIZES + ((MILLION,) if os.environ.get("EVIDENCE_BENCH_1M") == "1" else ())
    tmp = Path(tmpdir)
    by_size = {
        size: measure_size(tmp, size, ops=ops, keep=keep, only=only, long=long) for size in sizes
    }
    first, last = sizes[0], sizes[-1]
    rows = []
    for name in by_size[first]["ops"]:
        row: dict[str, Any] = {"operation": name}
        for size in sizes:
            op = by_size[size]["ops"][name]
            row[f"{size:,} (s)"] = op["seconds"]
            row[f"{size:,} (MB)"] = op["peak_mb"]
        row[f"{last:,} / {first:,}"] = (
            by_size[last]["ops"][name]["seconds"] / by_size[first]["ops"][name]["seconds"]
        )
        rows.append(row)
    notes = [
        "Each library is generated through the store: "
        + ", ".join(f"{s:,} studies in {by_size[s]['build_seconds']:.0f} s" for s in sizes)
        + "; every study has a verification check, one in a hundred a retraction notice, "
        "one in a hundred is a probable duplicate.",
        f"The document has {CLAIMS:,} claims, each citing one study by citekey; its first "
        "ingest took "
        + ", ".join(f"{by_size[s]['first_ingest']['seconds']:.2f} s at {s:,}" for s in sizes)
        + ".",
        *(
            [
                f"The listings' long document ({LONG_CLAIMS:,} claims citing studies by citekey, "
                "some more than once) joined each library after the one-item commands; its "
                "ingest took "
                + ", ".join(
                    f"{by_size[s]['long_ingest']['seconds']:.1f} s at {s:,}"
                    for s in sizes
                    if "long_ingest" in by_size[s]
                )
                + "."
            ]
            if any("long_ingest" in by_size[s] for s in sizes)
            else []
        ),
        "Times are wall-clock seconds of the whole command (start-up included), the fastest "
        f"of {RUNS} runs; memory is that run's peak resident set (`/usr/bin/time -f %M`).",
    ]
    if MILLION not in sizes:
        notes.append(
            "1,000,000 studies: `EVIDENCE_BENCH_1M=1 python bench/run.py --only scale` "
            "(generating the library takes minutes)."
        )
    return {
        "title": "Scale: one-item commands and a document's report as the library grows",
        "rows": rows,
        "notes": notes,
        "tables": [listing_table({s: r["listings"] for s, r in by_size.items()})],
        "results": {str(k): v for k, v in by_size.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", help="comma-separated library sizes")
    parser.add_argument("--scale-1m", action="store_true", help="add a 1,000,000-study library")
    parser.add_argument(
        "--listings-only", action="store_true", help="measure the listings table only"
    )
    parser.add_argument("--listing", help="measure only the listings whose name holds this")
    parser.add_argument(
        "--no-long-document",
        action="store_true",
        help=f"leave out the {LONG_CLAIMS:,}-claim document and the listings of it",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="folder to keep the generated libraries in and use them again (they are "
        "written there once; delete the folder after a change to the generator)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="also write the tables to this file as Markdown sections, as make bench does",
    )
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else SIZES
    if args.scale_1m:
        sizes += (MILLION,)
    ops = not (args.listings_only or args.listing)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(
            tmp, sizes, ops=ops, keep=args.keep, only=args.listing, long=not args.no_long_document
        )
    for table in [result, *result["tables"]]:
        for row in table["rows"]:
            print(json.dumps(row, ensure_ascii=False))
        for note in table["notes"]:
            print("-", note)
    if args.output:
        from bench.run import _section

        sections = [result, *result["tables"]] if ops else result["tables"]
        text = "\n".join(line for table in sections for line in _section("scale", table))
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
