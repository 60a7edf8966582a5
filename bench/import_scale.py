"""Import as the library grows and as the file grows (the second and third parts of
bench_import): generated entries, generated libraries, each measured in a subprocess.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import FAMILIES, JOURNALS, WORDS, build_library  # noqa: E402

TIME = "/usr/bin/time"
EVIDENCE = str(Path(sys.executable).with_name("evidence"))
RUNS = 2

# Time import_files alone (the store opened before the clock starts): the per-entry
# cost, not the cost of opening a large database.
_TIMED_IMPORT = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from evidence.library_io import import_files
from evidence.store import Store
store = Store(Path(sys.argv[1]))
start, cpu = time.perf_counter(), time.process_time()
report = import_files(store, [Path(sys.argv[2])], keep_entries=False)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
store.close()
print(json.dumps({{"seconds": seconds, "cpu": cpu, "files": report.files}}))
"""


def _item(
    i: int, rng: random.Random, with_doi: bool, locators: bool = True, pages: bool = True
) -> dict[str, Any]:
    """A CSL-JSON item like the generated library's studies: the same authors, years,
    journals and words (so that first author and year meet the library's), volumes,
    issues and pages of their own."""
    family = rng.choice(FAMILIES)
    item: dict[str, Any] = {
        "id": f"imp{i}",
        "type": "article-journal",
        "title": " ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + f" {i}",
        "author": [{"family": family, "given": "C"}, {"family": rng.choice(FAMILIES)}],
        "container-title": rng.choice(JOURNALS),
        "issued": {"date-parts": [[1980 + rng.randrange(45)]]},
        "volume": str(1 + rng.randrange(60)),
        "issue": str(1 + rng.randrange(12)),
        "page": f"{1 + rng.randrange(900)}-{1000 + rng.randrange(900)}",
    }
    if with_doi:
        item["DOI"] = f"10.9999/import.{i}"
    if not locators:
        del item["volume"], item["issue"]
    if not pages:
        del item["page"]
    return item


def write_entries(
    path: Path,
    count: int,
    *,
    with_doi: bool = True,
    locators: bool = True,
    pages: bool = True,
    seed: int = 5,
) -> Path:
    """``count`` generated entries, as CSL-JSON (``.json``) or BibTeX (``.bib``),
    written an entry at a time."""
    rng = random.Random(seed)
    as_json = path.suffix == ".json"
    with open(path, "w", encoding="utf-8") as out:
        out.write("[\n" if as_json else "")
        for i in range(count):
            item = _item(i, rng, with_doi, locators, pages)
            if as_json:
                out.write(("" if i == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
            else:
                out.write(_bibtex(item))
        out.write("\n]\n" if as_json else "")
    return path


def _bibtex(item: dict[str, Any]) -> str:
    authors = " and ".join(f"{a['family']}, {a.get('given', 'D')}" for a in item["author"])
    fields = {
        "author": authors,
        "title": item["title"],
        "journal": item["container-title"],
        "year": item["issued"]["date-parts"][0][0],
        "volume": item.get("volume"),
        "number": item.get("issue"),
        "pages": item["page"].replace("-", "--") if "page" in item else None,
        "doi": item.get("DOI"),
    }
    body = "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items() if v is not None)
    return f"@article{{{item['id']},\n{body}}}\n\n"


def _timed_import(db: Path, entries: Path) -> dict[str, Any]:
    code = _TIMED_IMPORT.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), str(entries)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def library_growth(tmp: Path, size: int, entries: int = 10_000) -> tuple[list[dict], list[str]]:
    """Per-entry import time into a library of ``size`` studies over an empty one."""
    from bench.bench_import import _row

    folder = tmp / "growth"
    folder.mkdir(exist_ok=True)
    big = folder / "library.db"
    start = time.perf_counter()
    build_library(big, size)
    built = time.perf_counter() - start
    db = sqlite_utils.Database(big)
    per_key = db.execute(
        "select count(*) * 1.0 / count(distinct dedup_key) from studies"
    ).fetchone()[0]
    db.close()
    rows, notes = [], []
    # label, DOIs, volume and issue, pages; the target (None: the cost of a comparison
    # the index cannot narrow, reported without one)
    variants = (
        ("with DOIs", True, True, True, 1.2),
        ("without DOIs", False, True, True, 1.2),
        ("without DOI, volume or issue", False, False, True, 1.2),
        ("without DOI, volume, issue or pages", False, False, False, None),
    )
    for label, with_doi, locators, pages, target in variants:
        file = write_entries(
            folder / f"entries-{with_doi}-{locators}-{pages}.json",
            entries,
            with_doi=with_doi,
            locators=locators,
            pages=pages,
        )
        measured: dict[str, list[dict[str, Any]]] = {"empty": [], "big": []}
        for n in range(RUNS):
            for which in measured:
                db_path = folder / f"run-{which}-{n}.db"
                if which == "big":
                    for suffix in ("", "-wal", "-shm"):
                        source = big.with_name(big.name + suffix)
                        if source.exists():
                            shutil.copy(source, db_path.with_name(db_path.name + suffix))
                measured[which].append(_timed_import(db_path, file))
                for suffix in ("", "-wal", "-shm"):
                    db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        empty, grown = (min(measured[w], key=lambda r: r["seconds"]) for w in ("empty", "big"))
        measure = (
            f"import {entries:,} entries ({label}): ms an entry into {size:,} studies "
            "vs into an empty library"
        )
        ours, baseline = grown["seconds"] / entries * 1000, empty["seconds"] / entries * 1000
        if target is None:
            rows.append(
                {
                    "measure": measure,
                    "ours": ours,
                    "baseline": baseline,
                    "ratio": ours / baseline,
                    "target": "none (see notes)",
                    "met": "",
                }
            )
        else:
            rows.append(_row(measure, ours, baseline, target))
        counts = grown["files"][0]
        notes.append(
            f"{entries:,} entries {label} into {size:,} studies: {grown['seconds']:.1f} s, "
            f"{grown['cpu']:.1f} s CPU (empty library {empty['seconds']:.1f} s, "
            f"{empty['cpu']:.1f} s CPU); {counts['added']:,} added, "
            f"{counts['duplicates']:,} flagged as probable duplicates."
        )
    notes.insert(
        0,
        f"The library of {size:,} studies is bench_scale.build_library's ({built:.0f} s to "
        "generate, all with DOIs): 20 first authors and 45 years, a study's author, year, "
        "volume, issue and page all following its number, so the studies share 180 of the "
        f"900 author-year pairs, about {per_key:,.0f} studies each, with one volume, one "
        "issue and five first pages each. The entries are generated alike (same authors, "
        "years, journals and words) but draw author, year, volume, issue and pages at "
        "random: one entry in five meets the studies of its author and year, and few "
        "agree with them on volume, issue or first page. build_library stores each "
        "study's first page as saving a study does. An entry with pages reads only the studies of its author and year on "
        "the same first page or without one, whether or not it gives a volume and issue. "
        "An entry without pages, DOI, volume or issue is compared by title with every "
        "study of its first author and year: that last row is the cost the index cannot "
        "take away without changing what is flagged (titles match by similarity, not "
        "equality). Time is import_files alone, store already open, fastest of "
        f"{RUNS} runs, each into a copy.",
    )
    return rows, notes


def _peak_import(db: Path, entries: Path) -> dict[str, Any]:
    env = {**os.environ, "EVIDENCE_DB": str(db)}
    start = time.perf_counter()
    done = subprocess.run(
        [TIME, "-f", "%M", EVIDENCE, "--offline", "import", str(entries)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    last = done.stderr.strip().splitlines()[-1]
    if done.returncode != 0 or not last.isdigit():
        raise RuntimeError(f"import failed: {done.stderr[-500:]}")
    return {"seconds": seconds, "peak_mb": int(last) / 1024}


def file_growth(tmp: Path, sizes: tuple[int, ...]) -> tuple[list[dict], list[str]]:
    """Peak resident memory of ``evidence import`` of the largest file over the
    smallest, for BibTeX and CSL-JSON."""
    from bench.bench_import import _row

    folder = tmp / "files"
    folder.mkdir(exist_ok=True)
    rows, notes = [], []
    for suffix in (".bib", ".json"):
        measured = {}
        for size in sizes:
            file = write_entries(folder / f"entries-{size}{suffix}", size)
            db = folder / f"import-{size}{suffix}.db"
            measured[size] = _peak_import(db, file)
            megabytes = file.stat().st_size / 1e6
            file.unlink()
            for extra in ("", "-wal", "-shm"):
                db.with_name(db.name + extra).unlink(missing_ok=True)
            measured[size]["file_mb"] = megabytes
        small, large = sizes[0], sizes[-1]
        fmt = "BibTeX" if suffix == ".bib" else "CSL-JSON"
        rows.append(
            _row(
                f"`evidence import` peak RSS MB: {large:,}-entry {fmt} file vs {small:,}",
                measured[large]["peak_mb"],
                measured[small]["peak_mb"],
                1.2,
            )
        )
        notes.append(
            f"{fmt}: "
            + "; ".join(
                f"{size:,} entries ({m['file_mb']:,.0f} MB) {m['seconds']:.0f} s, "
                f"{m['peak_mb']:.0f} MB peak"
                for size, m in measured.items()
            )
            + " (whole command, into an empty library; `/usr/bin/time -f %M`)."
        )
    return rows, notes
