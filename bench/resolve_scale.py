"""Scale of `evidence resolve`: the bundled example article's mentions resolved in
libraries of 10,000 to 1,000,000 studies.

Each library is bench_scale.build_library's (five journals, a fifth of the studies
each, one of them the International Journal of Neuroscience the article names); the
article is ingested into a copy, then `evidence --offline resolve --document ARTICLE`
runs in a subprocess under ``/usr/bin/time`` (fastest of 2, each on a fresh copy).
Offline, an attribution is scored against the library's studies of the named journal
alone, so this measures the tool's own work: finding the journal's studies, scoring
them, keeping the best candidates.

``--baseline DIR`` also runs the code of another checkout (PYTHONPATH=DIR) at the
sizes up to ``--baseline-max`` in the same run, for a ratio against it.

    .venv/bin/python bench/resolve_scale.py [--sizes 10000,100000] [--keep DIR]
        [--baseline DIR] [--output FILE]
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import _run, build_library  # noqa: E402
from evidence.demo import ARTICLE, bundled  # noqa: E402

SIZES = (10_000, 100_000)
RUNS = 2
JOURNAL = "International Journal of Neuroscience"


def _library(size: int, folder: Path, keep: Path | None) -> Path:
    """A library of ``size`` studies: the one bench_scale kept under ``keep`` (made
    there when missing), or a new one in ``folder``."""
    if keep is not None:
        db = keep / f"lib-{size}" / "evidence.db"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            build_library(db, size)
        return db
    db = folder / f"lib-{size}.db"
    build_library(db, size)
    return db


def _copy_with_article(library: Path, folder: Path, checkout: Path | None) -> Path:
    db = folder / "resolve.db"
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(library, db)
    # Ingested by the code that resolves: a library another version has upgraded is
    # refused by an older one.
    done = _run(["ingest", str(bundled(ARTICLE))], db, folder, checkout)
    if done["code"] != 0:
        raise RuntimeError(f"ingest failed: {done['stderr']}")
    return db


def _resolve(library: Path, folder: Path, checkout: Path | None) -> dict[str, Any]:
    runs = []
    for _ in range(RUNS):
        db = _copy_with_article(library, folder, checkout)
        done = _run(["resolve", "--document", ARTICLE], db, folder, checkout)
        if done["code"] not in (0, 1):
            raise RuntimeError(f"resolve failed: {done['stderr']}")
        runs.append(done)
    return min(runs, key=lambda r: r["cpu"])


def run(
    tmpdir: str | Path,
    sizes: tuple[int, ...] = SIZES,
    keep: Path | None = None,
    baseline: Path | None = None,
    baseline_max: int = 100_000,
) -> dict[str, Any]:
    tmp = Path(tmpdir)
    rows = []
    for size in sizes:
        library = _library(size, tmp, keep)
        with sqlite3.connect(library) as conn:
            in_journal = conn.execute(
                "select count(*) from studies where journal = ?", [JOURNAL]
            ).fetchone()[0]
        ours = _resolve(library, tmp, None)
        row: dict[str, Any] = {
            "studies": f"{size:,}",
            f"in {JOURNAL}": f"{in_journal:,}",
            "wall s": ours["seconds"],
            "CPU s": ours["cpu"],
            "CPU µs a journal study": 1e6 * ours["cpu"] / max(in_journal, 1),
            "peak MB": ours["peak_mb"],
        }
        if baseline is not None:
            if size <= baseline_max:
                before = _resolve(library, tmp, baseline)
                row["baseline CPU s"] = before["cpu"]
                row["baseline peak MB"] = before["peak_mb"]
                row["CPU ratio"] = ours["cpu"] / before["cpu"]
            else:
                row["baseline CPU s"] = row["baseline peak MB"] = row["CPU ratio"] = None
        rows.append(row)
        if keep is None:
            library.unlink()
    first, last = rows[0], rows[-1]
    notes = [
        "Each library: bench_scale.build_library (five journals, a fifth of the studies "
        "each); the bundled example article ingested into a copy; `evidence --offline "
        "resolve --document demo_article.md` under `/usr/bin/time`, fastest of "
        f"{RUNS} on fresh copies. Four of the article's mentions are attributions to "
        "journals; one names the International Journal of Neuroscience, whose studies "
        "are all scored against its finding.",
        f"CPU a study of that journal, {last['studies']} over {first['studies']} studies: "
        f"{last['CPU µs a journal study'] / first['CPU µs a journal study']:.2f}×.",
    ]
    if baseline is not None:
        commit = subprocess.run(
            ["git", "-C", str(baseline), "log", "-1", "--format=%h"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        notes.append(
            f"Baseline: the code of commit {commit or baseline} (PYTHONPATH), run in the same "
            f"run at sizes up to {baseline_max:,}; ratio = ours / baseline in CPU seconds."
        )
    return {
        "title": "Scale: `resolve` of an article as the library grows",
        "rows": rows,
        "notes": notes,
    }


def main() -> int:
    from bench.run import finish, size_parser, sizes_of

    parser = size_parser(__doc__, SIZES)
    parser.add_argument("--keep", type=Path, help="bench_scale's --keep folder of libraries")
    parser.add_argument("--baseline", type=Path, help="a checkout to compare with")
    parser.add_argument("--baseline-max", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(tmp, sizes_of(args.sizes, SIZES), args.keep, args.baseline, args.baseline_max)
    finish("resolve-scale", result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
