"""Scale of `evidence verify --all`: the tool's own time a study, and its memory, as the
library grows from 10,000 to 100,000 studies.

Each library is what ``evidence import refs.bib`` makes of a generated bibliography
(bench_fetch.make_records: journal articles with DOIs, seven in ten with their PMIDs).
`evidence verify --all --json` then runs as the user runs it, in a subprocess under
``/usr/bin/time``, against the local fake services (tests/fake_services.py, answering in
the services' shapes). The fake's limits are lifted and the client's published rates are
raised (to ``RATE`` requests a second a service, concurrency as published), so that the
run measures the tool and not the pace the services ask for; the fake answers in the
same process as this script, so its work is not in the command's CPU seconds.

Reported per size: the command's wall and CPU seconds (user + system), CPU
milliseconds a study, peak resident memory, and the requests made; the ratio of CPU a
study at the largest size to the smallest (target ≤ 1.2: flat in the library's size).

    .venv/bin/python bench/verify_scale.py [--sizes 10000,100000] [--output FILE]
"""

from __future__ import annotations

import json
import os
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

from bench.bench_fetch import make_records  # noqa: E402
from bench.bench_verify import write_library  # noqa: E402
from bench.refcheck import LAUNCHER as REFCHECK_LAUNCHER  # noqa: E402
from evidence.library_io import import_files  # noqa: E402
from evidence.store import Store  # noqa: E402
from tests.fake_services import FakeServices, Limit, default_limits  # noqa: E402

SIZES = (10_000, 100_000)
RATE = 1000.0
LATENCY = 0.0
MAILTO = "verify-scale@example.org"
TIME = "/usr/bin/time"

# The console script's main() with every service's published rate raised to RATE
# (bench/refcheck.py's launcher): the same command, only paced faster.
LAUNCHER = REFCHECK_LAUNCHER.replace("RATE", repr(RATE))


def _library(records: list[dict[str, Any]], folder: Path) -> Path:
    """The records imported from a BibTeX file into a fresh library; its path."""
    bib = write_library(records, folder / "library.bib")
    db = folder / "evidence.db"
    store = Store(db)
    try:
        imported = import_files(store, [bib])
        assert not imported.problems, imported.problems[:3]
    finally:
        store.close()
    return db


def _environment(fake: FakeServices, db: Path, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env.update(fake.env())
    env["EVIDENCE_CACHE"] = str(folder / "http-cache.sqlite")
    env["EVIDENCE_MAILTO"] = MAILTO
    env["EVIDENCE_DB"] = str(db)
    return env


def measure(size: int, folder: Path) -> dict[str, Any]:
    """Import ``size`` generated studies, then time `verify --all --json` on them."""
    records = make_records(size)
    start = time.perf_counter()
    db = _library(records, folder)
    imported = time.perf_counter() - start
    limits = {name: Limit(None, limit.concurrency) for name, limit in default_limits().items()}
    with FakeServices(latency=LATENCY, limits=limits) as fake:
        fake.add_records(records)
        command = [TIME, "-f", "%e %U %S %M", sys.executable, "-c", LAUNCHER]
        done = subprocess.run(
            [*command, "verify", "--all", "--json"],
            env=_environment(fake, db, folder),
            capture_output=True,
            text=True,
            check=False,
        )
        requests = {s: fake.count(s) for s in ("crossref", "pubmed", "openalex", "s2")}
    lines = done.stderr.strip().splitlines()
    wall, user, system, peak = lines[-1].split()
    # What the command said besides its progress (a service given up on, a notice).
    said = [line.strip() for line in lines[:-1] if "gave up" in line or "Notice" in line]
    if done.returncode not in (0, 1):
        raise RuntimeError(f"verify --all failed ({done.returncode}): {done.stderr[-800:]}")
    result = json.loads(done.stdout)
    verdicts = dict(Counter(result.get("verdicts", {}).values()))
    cpu = float(user) + float(system)
    return {
        "size": size,
        "import_seconds": imported,
        "wall": float(wall),
        "cpu": cpu,
        "cpu_ms_a_study": 1000 * cpu / size,
        "peak_mb": int(peak) / 1024,
        "requests": requests,
        "verdicts": verdicts,
        "said": said[:5],
    }


def run(tmpdir: str | Path, sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    tmp = Path(tmpdir)
    results = []
    for size in sizes:
        folder = tmp / f"verify-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        results.append(measure(size, folder))
    first, last = results[0], results[-1]
    rows = [
        {
            "studies": f"{r['size']:,}",
            "wall s": r["wall"],
            "CPU s": r["cpu"],
            "CPU ms a study": r["cpu_ms_a_study"],
            "peak MB": r["peak_mb"],
            "requests (Crossref, PubMed)": f"{r['requests']['crossref']}, {r['requests']['pubmed']}",
        }
        for r in results
    ]
    growth = last["cpu_ms_a_study"] / first["cpu_ms_a_study"]
    notes = [
        "Each library: `import` of a generated BibTeX file (journal articles with DOIs, seven "
        "in ten with PMIDs; "
        + ", ".join(f"{r['size']:,} in {r['import_seconds']:.0f} s" for r in results)
        + "); then `evidence verify --all --json` in a subprocess under `/usr/bin/time`, "
        "against tests/fake_services.py with its limits lifted and the client's rates raised "
        f"to {RATE:.0f} requests a second a service (concurrency as published).",
        f"CPU a study at {last['size']:,} over {first['size']:,}: {growth:.2f}× (target ≤ 1.2, "
        "flat in the library's size). CPU seconds are the command's own (the fake answers "
        "in another process); wall seconds include waiting for the fake.",
        "Verdicts: "
        + "; ".join(f"{r['size']:,}: {json.dumps(r['verdicts'], sort_keys=True)}" for r in results)
        + ".",
        *[
            f"At {r['size']:,} the command said: {' / '.join(r['said'])}"
            for r in results
            if r["said"]
        ],
    ]
    return {
        "title": "Scale: `verify --all` as the library grows",
        "rows": rows,
        "notes": notes,
        "results": results,
    }


def main() -> int:
    from bench.run import finish, size_parser, sizes_of

    args = size_parser(__doc__, SIZES).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(tmp, sizes_of(args.sizes, SIZES))
    finish("verify-scale", result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
