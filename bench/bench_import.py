"""Import speed and memory against pybtex alone.

Builds a ~27,000-entry BibTeX file from the TUGboat bibliography (repeated ten times with
renamed keys), then measures, each in a fresh subprocess so that caches and peak memory
do not leak from one to the other:

(a) ``pybtex.database.parse_file`` alone;
(b) ``bib.formats.read_bibliography`` (pybtex's scanner plus conversion to Works).

Peak memory is tracemalloc's peak (Python allocations). The budget is
``time_ratio <= 1.5`` and ``memory_ratio <= 2.0``.

    .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TUGBOAT = ROOT.parent / "shared" / "data" / "corpora" / "bibtex" / "tugboat" / "tugboat.bib"
COPIES = 10

_MEASURE = r"""
import json, sys, time, tracemalloc
sys.path.insert(0, {root!r})
which, path = sys.argv[1], sys.argv[2]
if which == "pybtex":
    from pybtex.database import parse_file
    run = lambda: len(parse_file(path, bib_format="bibtex").entries)
else:
    from bib.formats import read_bibliography
    run = lambda: len(read_bibliography(path).works)
tracemalloc.start()
start = time.perf_counter()
count = run()
wall = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
# Time again without tracemalloc, which slows allocation-heavy code unevenly.
if which == "pybtex":
    import pybtex.database
    start = time.perf_counter(); run(); wall = time.perf_counter() - start
else:
    import bib.formats.bibtex as b
    b._NAME_CACHE.clear(); b._DECODE_CACHE.clear()
    start = time.perf_counter(); run(); wall = time.perf_counter() - start
print(json.dumps({{"count": count, "seconds": wall, "peak_bytes": peak}}))
"""

_ENTRY_KEY = re.compile(
    r"^(@\s*(?!string|preamble|comment)[A-Za-z]+\s*\{\s*)([^,\s]+)", re.M | re.I
)


def build_file(tmpdir: str | Path, copies: int = COPIES) -> tuple[Path, int]:
    """Write TUGboat ``copies`` times (keys suffixed with the copy number); return the
    path and the number of entries."""
    text = TUGBOAT.read_text(encoding="utf-8")
    parts = [text]
    for n in range(1, copies):
        body = _ENTRY_KEY.sub(lambda m, n=n: f"{m.group(1)}{m.group(2)}-copy{n}", text)
        parts.append(body)
    path = Path(tmpdir) / f"tugboat-x{copies}.bib"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path, len(_ENTRY_KEY.findall(text)) * copies


def _measure(which: str, path: Path) -> dict[str, Any]:
    code = _MEASURE.format(root=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", code, which, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(tmpdir: str | Path) -> dict[str, Any]:
    """Build the file in ``tmpdir``, measure both readers, return numbers and ratios."""
    path, entries = build_file(tmpdir)
    pybtex = _measure("pybtex", path)
    ours = _measure("evidence", path)
    return {
        "entries": entries,
        "pybtex": pybtex,
        "evidence": ours,
        "time_ratio": ours["seconds"] / pybtex["seconds"],
        "memory_ratio": ours["peak_bytes"] / pybtex["peak_bytes"],
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(tmp), indent=2))
