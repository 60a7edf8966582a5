"""PDF ingest speed and memory against pdfminer.six's own text extraction.

The document: a 30-page two-column article printed by headless Chromium from HTML
(CSS columns) made here from a fixed seed: sections of generated prose whose sentences
cite by number (``[12]``, ``[3, 7]``, ``[20–23]``), then a numbered reference list of
150 entries with DOIs. The section is skipped with a note when Chromium is absent.

Two sides, each in a fresh subprocess, alternating, fastest of two runs:

(a) pdfminer.six's ``extract_text`` on the file (the baseline: the library alone);
(b) ``evidence --offline --db <fresh> ingest x.pdf`` end to end (start-up, reading with
    the layout analysis, reading order, references and superscripts, extraction of
    sentences, claims and mentions, storing).

Peak memory is each side's peak resident set (``ru_maxrss`` of the finished child,
measured by a small wrapper process). Budgets: ingest at most 2x the baseline's time
(pages per second) and peak memory.

    .venv/bin/python bench/bench_pdf.py
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = 30
RUNS = 2
REFERENCES = 150

_WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
if done.returncode != 0:
    sys.stderr.write(done.stderr)
    sys.exit(done.returncode)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "stdout": done.stdout[-2000:]}))
"""

_BASELINE = (
    "import sys; from pdfminer.high_level import extract_text; "
    "print(len(extract_text(sys.argv[1])))"
)

_SUBJECTS = [
    "Sleep deprivation",
    "Shift work",
    "Caffeine intake",
    "Regular exercise",
    "Evening light exposure",
    "Chronic insomnia",
    "Daytime napping",
    "Obstructive sleep apnoea",
    "Melatonin treatment",
    "Screen use before bed",
]
_VERBS = [
    "impairs",
    "improves",
    "reduces",
    "increases",
    "predicts",
    "is associated with",
    "has no measurable effect on",
    "partly restores",
]
_OBJECTS = [
    "working memory in healthy adults",
    "reaction times in night-shift nurses",
    "the consolidation of declarative memory",
    "glucose tolerance in young men",
    "attention in adolescents",
    "mood ratings over the following day",
    "the risk of road accidents among drivers",
    "blood pressure in older adults",
    "the duration of slow-wave sleep",
    "recall of word lists after a delay",
]
_QUALIFIERS = [
    "in a randomised trial of 120 participants",
    "across three cohorts followed for ten years",
    "in a meta-analysis of 42 studies",
    "after two weeks of restricted sleep",
    "when measured with actigraphy",
    "in a sample of 2,400 workers",
    "although the effect was small",
    "with a dose-dependent pattern",
]
_JOURNALS = ["J Sleep Res", "Sleep", "Lancet", "BMJ", "Neurology", "Nature", "PLoS One"]
_SURNAMES = ["Smith", "Brown", "Garcia", "Chen", "Okafor", "Nielsen", "Rossi", "Kowalski"]


def _citation(rng: random.Random) -> str:
    first = rng.randint(1, REFERENCES - 4)
    kind = rng.random()
    if kind < 0.6:
        return f"[{first}]"
    if kind < 0.8:
        return f"[{first}, {rng.randint(1, REFERENCES)}]"
    return f"[{first}–{first + rng.randint(1, 3)}]"


def _sentence(rng: random.Random) -> str:
    text = (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
        f"{rng.choice(_QUALIFIERS)}"
    )
    if rng.random() < 0.45:
        text += " " + _citation(rng)
    return text + "."


def article_html(paragraphs: int, seed: int = 12) -> str:
    """The benchmark article: ``paragraphs`` paragraphs of prose in sections, then the
    reference list; the same text for the same arguments."""
    rng = random.Random(seed)
    parts = ["<h1>Sleep, memory and health: a generated review</h1>"]
    for number in range(paragraphs):
        if number % 12 == 0:
            parts.append(f"<h2>{number // 12 + 1}. {rng.choice(_SUBJECTS)} and outcomes</h2>")
        sentences = " ".join(_sentence(rng) for _ in range(rng.randint(5, 9)))
        parts.append(f"<p>{sentences}</p>")
    parts.append("<h2>References</h2>")
    for n in range(1, REFERENCES + 1):
        authors = ", ".join(
            f"{rng.choice(_SURNAMES)} {chr(65 + rng.randint(0, 25))}" for _ in range(3)
        )
        year = rng.randint(1990, 2023)
        parts.append(
            f"<p>[{n}] {authors}. {rng.choice(_OBJECTS).capitalize()} and sleep. "
            f"{rng.choice(_JOURNALS)}. {year};{rng.randint(1, 90)}:{rng.randint(1, 900)}-"
            f"{rng.randint(901, 999)}. doi:10.{rng.randint(1000, 9999)}/bench.{n:04d}</p>"
        )
    style = (
        "@page { size: A4; margin: 18mm; } body { font: 9.5pt/1.25 serif; } "
        "article { column-count: 2; column-gap: 7mm; text-align: justify; } "
        "h1 { column-span: all; font-size: 16pt; } h2 { font-size: 11pt; } p { margin: 0 0 4pt; }"
    )
    body = "\n".join(parts)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><style>{style}</style></head>'
        f"<body><article>\n{body}\n</article></body></html>\n"
    )


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    return None


def page_count(path: Path) -> int:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    with path.open("rb") as handle:
        return sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(handle))))


def build_pdf(tmp: Path, binary: str, pages: int = PAGES) -> tuple[Path, int]:
    """A PDF of about ``pages`` pages (the paragraph count scaled until it prints so)."""
    paragraphs = 12 * pages
    out = tmp / "article.pdf"
    count = 0
    for _ in range(5):
        page = tmp / "article.html"
        page.write_text(article_html(paragraphs), encoding="utf-8")
        out.unlink(missing_ok=True)
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu"]
        command += ["--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        subprocess.run(command, capture_output=True, timeout=600, check=False)
        if not out.exists():
            raise RuntimeError("Chromium printed no PDF")
        count = page_count(out)
        if count == pages:
            break
        # Scale the body (the reference list is a fixed part of the pages).
        refs = 5
        paragraphs = max(1, round(paragraphs * (pages - refs) / max(1, count - refs)))
        if count > pages:
            paragraphs -= 1
    return out, count


def _timed(command: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(tmpdir: str | Path) -> dict[str, Any]:
    title = "PDF: `evidence ingest` of a 30-page two-column PDF against pdfminer.six alone"
    binary = chromium()
    if binary is None:
        return {"title": title, "skipped": "Chromium is not installed (it prints the test PDF)."}
    tmp = Path(tmpdir)
    pdf, pages = build_pdf(tmp, binary)
    evidence = str(Path(sys.executable).with_name("evidence"))
    base_runs: list[dict[str, Any]] = []
    ingest_runs: list[dict[str, Any]] = []
    for number in range(RUNS):
        base_runs.append(_timed([sys.executable, "-c", _BASELINE, str(pdf)]))
        db = tmp / f"ingest-{number}.db"
        ingest_runs.append(
            _timed([evidence, "--offline", "--db", str(db), "ingest", str(pdf), "--json"])
        )
    # The ingest command's own start-up (its imports), on a one-line text file.
    tiny = tmp / "one-line.txt"
    tiny.write_text("Sleep loss impairs working memory [1].\n", encoding="utf-8")
    startup = _timed([evidence, "--offline", "--db", str(tmp / "tiny.db"), "ingest", str(tiny)])
    imported = _timed([sys.executable, "-c", "import pdfminer.high_level"])
    base = min(base_runs, key=lambda r: r["seconds"])
    ing = min(ingest_runs, key=lambda r: r["seconds"])
    summary = json.loads(ing["stdout"])[0]
    time_ratio = ing["seconds"] / base["seconds"]
    memory_ratio = ing["peak_bytes"] / base["peak_bytes"]
    rows = [
        {
            "measure": "pages/s",
            "ingest": pages / ing["seconds"],
            "pdfminer extract_text": pages / base["seconds"],
            "ratio": time_ratio,
            "target": "≤ 2×",
            "met": "yes" if time_ratio <= 2 else "**no**",
        },
        {
            "measure": "peak RSS, MB",
            "ingest": ing["peak_bytes"] / 1e6,
            "pdfminer extract_text": base["peak_bytes"] / 1e6,
            "ratio": memory_ratio,
            "target": "≤ 2×",
            "met": "yes" if memory_ratio <= 2 else "**no**",
        },
    ]
    notes = [
        f"The PDF: {pages} pages, {pdf.stat().st_size / 1e6:.2f} MB, printed by Chromium from "
        f"generated HTML (two CSS columns, {REFERENCES} numbered references with DOIs); the "
        f"ingest found {summary.get('sentences', 0):,} sentences, {summary.get('claims', 0):,} "
        f"claims and {summary.get('mentions_by_kind', {}).get('numbered', 0):,} numbered "
        "citations.",
        f"Seconds: ingest {ing['seconds']:.2f}, pdfminer's extract_text "
        f"{base['seconds']:.2f}; both in fresh subprocesses, start-up included, each run "
        f"{RUNS} times alternating, the fastest counted. In the memory row the ratio "
        "column is the ratio of peak RSS.",
        f"Memory: `evidence ingest` of a one-line text file peaks at "
        f"{startup['peak_bytes'] / 1e6:.0f} MB (the command's start-up and imports), so "
        f"reading, extracting and storing the PDF add "
        f"{(ing['peak_bytes'] - startup['peak_bytes']) / 1e6:.0f} MB to it; of the "
        f"baseline's peak, Python with pdfminer imported is {imported['peak_bytes'] / 1e6:.0f} MB.",
    ]
    return {"title": title, "rows": rows, "notes": notes}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        print(json.dumps(run(Path(directory)), indent=2, ensure_ascii=False))
