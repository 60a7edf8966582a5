"""Run the benchmarks and write docs/benchmarks.md.

    make bench                      # all benchmarks
    .venv/bin/python bench/run.py --only import --output docs/benchmarks.md
    .venv/bin/python bench/run.py --only scale --scale-1m   # with 1,000,000 studies

Each benchmark module has ``run(tmpdir: Path) -> dict`` returning a title, the rows of a
table (measured in one run: ours against a baseline, as ratios) and notes. Machines are
noisy, so ratios measured side by side in one run are reported, not bare times.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCHES = {
    "import": "bench.bench_import",
    "fetch": "bench.bench_fetch",
    "verify": "bench.bench_verify",
    "verify-scale": "bench.verify_scale",
    "resolve-scale": "bench.resolve_scale",
    "refs": "bench.bench_refs",
    "ingest": "bench.bench_ingest",
    "pdf": "bench.bench_pdf",
    "report": "bench.bench_report",
    "scale": "bench.bench_scale",
}


def render(results: list[tuple[str, dict]], command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} "
        f"(Python {platform.python_version()}, {platform.machine()}, "
        f"{platform.system()}). Ratios are measured in the same run as their baseline.",
        "",
    ]
    for name, result in results:
        # A benchmark may give more tables after its first (``tables``), each a section.
        for section in [result, *result.get("tables", [])]:
            lines.extend(_section(name, section))
    return "\n".join(lines)


def _section(name: str, result: dict) -> list[str]:
    lines = [f"## {result.get('title', name)}", ""]
    if result.get("skipped"):
        lines.append(f"Skipped: {result['skipped']}")
        lines.append("")
        return lines
    rows = result.get("rows") or []
    if rows:
        headers = list(rows[0].keys())
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|" + "---|" * len(headers))
        for row in rows:
            lines.append("| " + " | ".join(_fmt(row.get(h)) for h in headers) + " |")
        lines.append("")
    for note in result.get("notes") or []:
        lines.append(f"- {note}")
    if result.get("notes"):
        lines.append("")
    return lines


def size_parser(doc: str | None, default: tuple[int, ...]) -> argparse.ArgumentParser:
    """The command line of a scale benchmark run alone: --sizes and --output."""
    parser = argparse.ArgumentParser(description=doc)
    shown = ",".join(str(s) for s in default)
    parser.add_argument("--sizes", help=f"comma-separated library sizes (default {shown})")
    parser.add_argument("--output", type=Path, help="also write the table as Markdown")
    return parser


def sizes_of(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",")) if text else default


def finish(name: str, result: dict, output: Path | None) -> None:
    """Print a benchmark's rows and notes; write its section as Markdown to ``output``."""
    for row in result.get("rows") or []:
        print(json.dumps(row, ensure_ascii=False))
    for note in result.get("notes") or []:
        print("-", note)
    if output:
        output.write_text("\n".join(_section(name, result)) + "\n", encoding="utf-8")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--only", action="append", choices=sorted(BENCHES))
    parser.add_argument(
        "--scale-1m",
        action="store_true",
        help="scale: add a library of 1,000,000 studies (generating it takes minutes)",
    )
    args = parser.parse_args()
    names = args.only or list(BENCHES)
    if args.scale_1m:
        os.environ["EVIDENCE_BENCH_1M"] = "1"
    results = []
    for name in names:
        module_name = BENCHES[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            results.append((name, {"title": name, "skipped": f"{exc}"}))
            continue
        print(f"running {name}…", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            results.append((name, module.run(Path(tmp))))
    command = (
        "make bench"
        if not args.only
        else "python bench/run.py " + " ".join(f"--only {n}" for n in args.only)
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results, command) + "\n", encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
