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
start = time.perf_counter()
report = import_files(store, [Path(sys.argv[2])], keep_entries=False)
seconds = time.perf_counter() - start
store.close()
print(json.dumps({{"seconds": seconds, "files": report.files}}))
"""


def _item(i: int, rng: random.Random, with_doi: bool, locators: bool = True) -> dict[str, Any]:
    """A CSL-JSON item like the generated library's studies: the same authors, years,
    journals and words (so that first author and year meet the library's), volumes and
    issues of their own."""
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
    return item


def write_entries(
    path: Path, count: int, *, with_doi: bool = True, locators: bool = True, seed: int = 5
) -> Path:
    """``count`` generated entries, as CSL-JSON (``.json``) or BibTeX (``.bib``),
    written an entry at a time."""
    rng = random.Random(seed)
    as_json = path.suffix == ".json"
    with open(path, "w", encoding="utf-8") as out:
        out.write("[\n" if as_json else "")
        for i in range(count):
            item = _item(i, rng, with_doi, locators)
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
        "pages": item["page"].replace("-", "--"),
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
    rows, notes = [], []
    variants = (
        ("with DOIs", True, True),
        ("without DOIs", False, True),
        ("without DOI, volume or issue", False, False),
    )
    for label, with_doi, locators in variants:
        file = write_entries(
            folder / f"entries-{with_doi}-{locators}.json",
            entries,
            with_doi=with_doi,
            locators=locators,
        )
        measured: dict[str, list[dict[str, Any]]] = {"empty": [], "big": []}
        for n in range(RUNS):
            for which in measured:
                db = folder / f"run-{which}-{n}.db"
                if which == "big":
                    for suffix in ("", "-wal", "-shm"):
                        source = big.with_name(big.name + suffix)
                        if source.exists():
                            shutil.copy(source, db.with_name(db.name + suffix))
                measured[which].append(_timed_import(db, file))
                for suffix in ("", "-wal", "-shm"):
                    db.with_name(db.name + suffix).unlink(missing_ok=True)
        empty, grown = (min(measured[w], key=lambda r: r["seconds"]) for w in ("empty", "big"))
        rows.append(
            _row(
                f"import {entries:,} entries ({label}): ms an entry into {size:,} studies "
                "vs into an empty library",
                grown["seconds"] / entries * 1000,
                empty["seconds"] / entries * 1000,
                1.2,
            )
        )
        counts = grown["files"][0]
        notes.append(
            f"{entries:,} entries {label} into {size:,} studies: {grown['seconds']:.1f} s "
            f"(empty library {empty['seconds']:.1f} s); {counts['added']:,} added, "
            f"{counts['duplicates']:,} flagged as probable duplicates."
        )
    notes.insert(
        0,
        f"The library of {size:,} studies is bench_scale.build_library's ({built:.0f} s to "
        "generate: 20 first authors over 45 years, so about "
        f"{size // 900:,} studies share each first author and year, all with DOIs; volume "
        "and issue follow the author and year). The entries are generated alike (same "
        "authors, years, journals and words; volume and issue drawn at random, so few "
        "studies agree with an entry on them). An entry without a DOI, volume or issue "
        "is compared by title with every study of its first author and year: that last "
        "row is the cost the index cannot take away without changing what is flagged "
        "(titles match by similarity, not equality). Time is "
        f"import_files alone, store already open, fastest of {RUNS} runs, each into a copy.",
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
