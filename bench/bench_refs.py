"""`evidence verify refs.bib` of 1,000 references without identifiers, against the fake.

The bibliography is what a computer-science author cites: 1,000 synthetic works (titles
of 6 to 12 words from a word list, 2 to 6 authors, a venue from the canonical names of
bib/data/venues.json, years 2015 to 2024). Seven in ten are conference papers without a
DOI, held by DBLP, Semantic Scholar and OpenAlex; the rest are journal articles with a
DOI, held by Crossref too. The .bib file carries no identifier at all: title, authors,
booktitle or journal and year, exactly as the services' records say, so every reference
should come out ``verified``.

The CLI runs in a subprocess (``evidence --db … verify refs.bib --json``) against
tests/fake_services.py at the services' limits (default_limits()) with 50 ms latency, the
HTTP cache in the temporary folder. Title searches go in stages by cost
(bib/checking/search.py): OpenAlex ``title.search`` first (with a key), then Crossref,
Semantic Scholar and DBLP for what it did not find, then arXiv. Measured in one run:

- requests per reference and service (the fake's counters) and the 429s it gave;
- wall time against the rate-limit floor of the requests made: per service, the first
  request at once and one more every 1/rate seconds at the rate the client keeps to
  (bib/http/policies.py), services in parallel, plus one latency;
- ``verify refs.bib`` again with the same database and HTTP cache: no request;
- without an OpenAlex key, where Crossref, Semantic Scholar and DBLP carry the search: on
  the first 100 references (at one request a second that alone takes 100 s), scaled.

    .venv/bin/python bench/bench_refs.py
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# tests/fake_services.py imports its sibling modules by their bare names, as under pytest.
sys.path.insert(1, str(ROOT / "tests"))

from bench.bench_fetch import LATENCY, MAILTO, _row  # noqa: E402
from bib.formats import write_bibliography  # noqa: E402
from bib.http.policies import POLICIES  # noqa: E402
from bib.http.throttle import PACE  # noqa: E402
from bib.work import Author, Work  # noqa: E402
from tests.fake_services import OPENALEX_TEST_KEY, FakeServices  # noqa: E402

REFERENCES = 1_000
CONFERENCE_SHARE = 0.7
NO_KEY_SUBSET = 100
EVIDENCE = ROOT / ".venv" / "bin" / "evidence"
VENUES_FILE = ROOT / "bib" / "data" / "venues.json"
SEARCHED = ("openalex", "crossref", "s2", "dblp", "arxiv")

# The rate each title search goes at: the client's pace for the service (Crossref's
# search is a list request, limited apart). The fake lets OpenAlex take 100 a second,
# its published cap; the client keeps to 10, so 10 is the floor's rate.
SEARCH_RATES = {
    "openalex": POLICIES["openalex"].rate,
    "crossref": POLICIES["crossref"].list_rate or POLICIES["crossref"].rate,
    "s2": POLICIES["s2"].rate,
    "dblp": POLICIES["dblp"].rate,
    "arxiv": POLICIES["arxiv"].rate,
}

# How DBLP prints the journals used (its venue field); conferences print their short name.
DBLP_JOURNALS = {
    "Journal of Machine Learning Research": "J. Mach. Learn. Res.",
    "Transactions on Machine Learning Research": "Trans. Mach. Learn. Res.",
    "IEEE Transactions on Pattern Analysis and Machine Intelligence": (
        "IEEE Trans. Pattern Anal. Mach. Intell."
    ),
    "International Journal of Computer Vision": "Int. J. Comput. Vis.",
    "IEEE Transactions on Neural Networks and Learning Systems": (
        "IEEE Trans. Neural Networks Learn. Syst."
    ),
    "IEEE Transactions on Image Processing": "IEEE Trans. Image Process.",
    "IEEE Transactions on Knowledge and Data Engineering": "IEEE Trans. Knowl. Data Eng.",
    "Machine Learning": "Mach. Learn.",
    "Artificial Intelligence": "Artif. Intell.",
    "Journal of Artificial Intelligence Research": "J. Artif. Intell. Res.",
    "Neural Computation": "Neural Comput.",
    "Pattern Recognition": "Pattern Recognit.",
    "Transactions of the Association for Computational Linguistics": (
        "Trans. Assoc. Comput. Linguistics"
    ),
    "Proceedings of the VLDB Endowment": "Proc. VLDB Endow.",
}

_METHODS = (
    "sparse", "contrastive", "hierarchical", "bayesian", "federated", "adversarial",
    "causal", "differentiable", "equivariant", "scalable", "robust", "efficient",
    "self-supervised", "multimodal", "probabilistic", "structured", "latent", "neural",
    "diffusion", "recurrent", "convolutional", "graph", "kernel", "variational", "spectral",
    "implicit", "modular", "continual", "meta", "few-shot",
)  # fmt: skip
_THINGS = (
    "attention", "transformers", "representations", "embeddings", "policies", "priors",
    "networks", "autoencoders", "estimators", "kernels", "features", "objectives",
    "ensembles", "agents", "models", "retrieval", "distillation", "optimization",
    "regularization", "pretraining", "alignment", "tokenization", "planning", "inference",
    "calibration", "pruning", "quantization", "sampling", "routing", "memory",
)  # fmt: skip
_TASKS = (
    "image segmentation", "question answering", "molecule generation", "speech recognition",
    "link prediction", "anomaly detection", "machine translation", "object tracking",
    "code completion", "time series forecasting", "protein folding", "entity linking",
    "reinforcement learning", "point cloud registration", "text classification",
    "recommendation", "semantic parsing", "depth estimation", "dialogue generation",
    "domain adaptation", "visual navigation", "program synthesis", "summarization",
    "pose estimation", "drug discovery", "traffic prediction", "document ranking",
)  # fmt: skip
_SETTINGS = (
    "noisy labels", "distribution shift", "limited supervision", "long contexts",
    "partial observability", "sparse rewards", "heterogeneous clients", "small budgets",
    "missing modalities", "class imbalance", "streaming data", "adversarial perturbations",
    "privacy constraints", "low resources", "unknown dynamics", "multiple scales",
)  # fmt: skip
_LEADS = ("Revisiting", "Rethinking", "Learning", "On", "Towards")
_LINKS = ("for", "for", "for", "towards", "in")
_TAILS = ("under", "with", "from", "beyond", "without")
_FAMILIES = (
    "Zhang", "Wang", "Li", "Chen", "Liu", "Smith", "Johnson", "Müller", "Schmidt", "García",
    "Martínez", "Rossi", "Bianchi", "Kim", "Park", "Lee", "Nguyen", "Tanaka", "Suzuki",
    "Kowalski", "Novak", "Dubois", "Lefèvre", "Silva", "Santos", "Ivanov", "Petrov", "Khan",
    "Singh", "Patel", "Gupta", "Cohen", "Levi", "O'Connor", "Murphy", "Andersson",
    "Nielsen", "Virtanen", "Yilmaz", "Demir", "Okafor", "Mensah", "Haddad", "Farouk",
    "Hoffmann", "Becker", "van der Berg", "de Vries", "Costa", "Ferreira", "Alvarez",
    "Romero", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Young", "Hall", "Allen",
)  # fmt: skip
_GIVEN = (
    "Wei", "Jing", "Yue", "Hao", "Anna", "Maria", "José", "Lucía", "Luca", "Giulia", "Min-jun",
    "Seo-yeon", "Minh", "Hiroshi", "Yuki", "Piotr", "Jan", "Camille", "Léa", "João", "Ana",
    "Dmitri", "Olga", "Aisha", "Arjun", "Priya", "Noam", "Sarah", "Sean", "Erik", "Freja",
    "Aino", "Emre", "Chinedu", "Kwame", "Omar", "Layla", "Jonas", "Lena", "Thomas", "Emily",
    "James", "Olivia", "Daniel", "Sofia", "David", "Laura", "Michael", "Chen", "Ravi",
)  # fmt: skip


def load_venues() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Main conferences and the journals of :data:`DBLP_JOURNALS`, from the venue table."""
    venues = json.loads(VENUES_FILE.read_text(encoding="utf-8"))["venues"]
    conferences = [
        v for v in venues if v["kind"] == "conference" and v.get("dblp") and not v.get("part_of")
    ]
    conferences = [v for v in conferences if not v.get("platform")]
    journals = [v for v in venues if v["kind"] == "journal" and v["name"] in DBLP_JOURNALS]
    return conferences, journals


def _title(rng: random.Random, used: set[frozenset[str]]) -> str:
    """A title of 6 to 12 words whose word set no earlier title has."""
    while True:
        words = [rng.choice(_LEADS)] if rng.random() < 0.3 else []
        words += [*rng.sample(_METHODS, rng.randint(1, 3)), rng.choice(_THINGS)]
        words += [rng.choice(_LINKS), *rng.choice(_TASKS).split()]
        if rng.random() < 0.7:
            words += [rng.choice(_TAILS), *rng.choice(_SETTINGS).split()]
        if not 6 <= len(words) <= 12:
            continue
        key = frozenset(words)
        if key in used:
            continue
        used.add(key)
        words[0] = words[0][0].upper() + words[0][1:]
        return " ".join(words)


def _dblp_key(stream: str, authors: list[tuple[str, str]], year: int) -> str:
    """A key in DBLP's pattern: stream/first author's family name and initials, year."""
    first = "".join(c for c in authors[0][0] if c.isalpha())
    initials = "".join(f[0] for f, _ in authors[1:3])
    return f"{stream}/{first}{initials}{year % 100:02d}"


def make_works(n: int = REFERENCES, seed: int = 11) -> list[dict[str, Any]]:
    """``n`` distinct works as fake-service records; seven in ten are conference papers
    without a DOI, the rest journal articles with one."""
    rng = random.Random(seed)
    conferences, journals = load_venues()
    used: set[frozenset[str]] = set()
    records = []
    for i in range(n):
        title = _title(rng, used)
        people = rng.sample(_FAMILIES, rng.randint(2, 6))
        authors = [(family, rng.choice(_GIVEN)) for family in people]
        year = rng.randint(2015, 2024)
        record: dict[str, Any] = {"title": title, "authors": authors, "year": year}
        # i % 10 < 7: seven in every ten consecutive works are conference papers.
        if i % 10 < round(CONFERENCE_SHARE * 10):
            venue = rng.choice(conferences)
            record.update(
                type="proceedings-article",
                journal=venue["name"],
                venue=venue.get("short") or venue["name"],
                venue_alternates=[venue["name"], *venue.get("abbreviations", [])],
                dblp_key=_dblp_key(venue["dblp"][0], authors, year),
                services=["dblp", "openalex", "s2"],
            )
        else:
            venue = rng.choice(journals)
            first_page = rng.randint(1, 4000)
            record.update(
                type="journal-article",
                doi=f"10.{5000 + i % 40}/refs.{year}.{i:05d}",
                journal=venue["name"],
                venue=DBLP_JOURNALS[venue["name"]],
                volume=str(year - 2000 + rng.randint(0, 20)),
                pages=f"{first_page}-{first_page + rng.randint(8, 30)}",
                dblp_key=_dblp_key(venue["dblp"][0], authors, year),
                services=["crossref", "dblp", "openalex", "s2"],
            )
        records.append(record)
    return records


def write_refs(records: list[dict[str, Any]], path: Path) -> Path:
    """The works as a .bib file without identifiers: the fields cited as the records say."""
    works = [
        Work(
            title=r["title"],
            authors=[Author(family, given) for family, given in r["authors"]],
            journal=r["journal"],
            year=r["year"],
            type=r["type"],
            citekey=f"ref{i:04d}",
            source="bibtex",
        )
        for i, r in enumerate(records)
    ]
    path.write_text(write_bibliography(works, "bibtex"), encoding="utf-8")
    return path


def search_floor(made: dict[str, int], latency: float = LATENCY) -> float:
    """Seconds the requests made need at the rates the client keeps to: per service the
    first at once and one every 1/rate seconds, services in parallel, plus one latency."""
    spans = [(n - 1) / SEARCH_RATES[s] for s, n in made.items() if n > 0]
    return max(spans, default=0.0) + latency


def cli_env(fake: FakeServices, folder: Path, *, openalex_key: bool) -> dict[str, str]:
    """The CLI's environment: no EVIDENCE_* of the caller, every service at the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env.pop("PYTHONPATH", None)
    env.update(fake.env())
    # Nothing here should fetch the Retraction Watch file; if it did, the fake says 404.
    env["EVIDENCE_RETRACTIONS_URL"] = f"{fake.url}/retractions"
    env["EVIDENCE_CACHE"] = str(folder / "http-cache.sqlite")
    env["EVIDENCE_MAILTO"] = MAILTO
    if openalex_key:
        env["EVIDENCE_OPENALEX_KEY"] = OPENALEX_TEST_KEY
    return env


@dataclass
class Run:
    """One ``verify refs.bib``: its time, verdicts and what the fake saw."""

    seconds: float
    code: int
    verdicts: Counter[str]
    made: dict[str, int]
    rejected: int
    # Seconds from the start to the first request, and from the last answer to the end.
    before_first: float = 0.0
    after_last: float = 0.0
    concurrency: dict[str, int] = field(default_factory=dict)
    stderr: str = ""


def verify_bib(fake: FakeServices, bib: Path, folder: Path, *, openalex_key: bool) -> Run:
    """``evidence --db folder/refs.db verify bib --json`` in a subprocess, timed."""
    env = cli_env(fake, folder, openalex_key=openalex_key)
    argv = [str(EVIDENCE), "--db", str(folder / "refs.db"), "verify", str(bib), "--json"]
    fake.reset_stats()
    start = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT)
    end = time.monotonic()
    data = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    log = list(fake.log)
    run = Run(
        seconds=end - start,
        code=done.returncode,
        verdicts=Counter((data.get("verdicts") or {}).values()),
        made={s: fake.count(s) for s in SEARCHED},
        rejected=sum(fake.rejected.values()),
        concurrency=dict(fake.max_concurrency),
        stderr=done.stderr[-2000:],
    )
    if log:
        run.before_first = min(r.started for r in log) - start
        run.after_last = end - max(r.finished for r in log)
    return run


def _per_ref(run: Run, refs: int) -> str:
    return ", ".join(f"{s} {n / refs:.2f}" for s, n in run.made.items() if n) or "none"


def run(tmpdir: str | Path) -> dict[str, Any]:
    tmp = Path(tmpdir)
    records = make_works()
    conference = sum(1 for r in records if not r.get("doi"))
    bib = write_refs(records, tmp / "refs.bib")
    subset_bib = write_refs(records[:NO_KEY_SUBSET], tmp / "refs-100.bib")
    (tmp / "key").mkdir()
    (tmp / "nokey").mkdir()
    with FakeServices(latency=LATENCY) as fake:
        fake.add_records(records)
        cold = verify_bib(fake, bib, tmp / "key", openalex_key=True)
        warm = verify_bib(fake, bib, tmp / "key", openalex_key=True)
        nokey = verify_bib(fake, subset_bib, tmp / "nokey", openalex_key=False)
        # A citekey the library lacks: the command fails before any request.
        startup = verify_bib(fake, Path("no-such-citekey"), tmp / "key", openalex_key=True)

    n, m = len(records), NO_KEY_SUBSET
    floor, nokey_floor = search_floor(cold.made), search_floor(nokey.made)
    made, warm_made = sum(cold.made.values()), sum(warm.made.values())
    verified = cold.verdicts.get("verified", 0)
    nokey_verified = nokey.verdicts.get("verified", 0)
    rows = [
        _row(
            "requests per reference: openalex (plan: one title.search each)",
            cold.made["openalex"] / n,
            1.0,
            cold.made["openalex"] / n,
            "≤ 1.1",
            cold.made["openalex"] <= 1.1 * n,
        ),
        _row(
            "requests per reference: crossref, s2, dblp, arxiv",
            (made - cold.made["openalex"]) / n,
            0.0,
            "—",
            "0",
            made == cold.made["openalex"],
        ),
        _row("429 answers drawn", cold.rejected, 0, float(cold.rejected), "0", cold.rejected == 0),
        _row(
            "wall s vs rate-limit floor",
            cold.seconds,
            floor,
            cold.seconds / floor,
            "≤ 1.3",
            cold.seconds <= 1.3 * floor,
        ),
        _row("references verified", verified, n, verified / n, "all", verified == n),
        _row(
            "requests, second verify refs.bib (same cache)",
            warm_made,
            0,
            float(warm_made),
            "0",
            warm_made == 0,
        ),
        _row(
            f"no key, {m} refs: requests per reference (crossref+s2+dblp+arxiv)",
            sum(nokey.made.values()) / m,
            3.0,
            sum(nokey.made.values()) / m / 3.0,
            "≤ 1.1",
            sum(nokey.made.values()) <= 1.1 * 3 * m,
        ),
        _row(
            f"no key, {m} refs: wall s vs rate-limit floor",
            nokey.seconds,
            nokey_floor,
            nokey.seconds / nokey_floor,
            "≤ 1.3",
            nokey.seconds <= 1.3 * nokey_floor,
        ),
        _row(
            f"no key, {m} refs: 429 answers drawn",
            nokey.rejected,
            0,
            float(nokey.rejected),
            "0",
            nokey.rejected == 0,
        ),
    ]
    searching = cold.seconds - cold.before_first - cold.after_last
    spaced = (cold.made["openalex"] - 1) / (PACE * SEARCH_RATES["openalex"])
    notes = [
        f"{n:,} references without identifiers ({conference:,} conference papers held by "
        f"DBLP, S2 and OpenAlex; {n - conference:,} journal articles with a DOI held by "
        "Crossref too, cited without it); titles of 6 to 12 words, 2 to 6 authors, venues "
        "by their canonical names in bib/data/venues.json, years 2015-2024. Verdicts: "
        f"{dict(cold.verdicts)} (exit {cold.code}); the second run: {dict(warm.verdicts)} "
        f"in {warm.seconds:.2f} s.",
        f"Requests per reference with the key: {_per_ref(cold, n)}. Highest concurrency "
        f"seen: {cold.concurrency}.",
        f"Rate-limit floor {floor:.2f} s: the requests made at the client's rates "
        f"(OpenAlex {SEARCH_RATES['openalex']:g}/s, Crossref lists "
        f"{SEARCH_RATES['crossref']:g}/s, S2 and DBLP {SEARCH_RATES['dblp']:g}/s, arXiv one "
        "every 3 s), services in parallel, first request at once, plus one "
        f"{LATENCY * 1000:.0f} ms latency. The fake allows OpenAlex 100/s (its published "
        f"cap); the client keeps to 10/s and spaces requests at {PACE:g} of a rate "
        f"(bib/http/throttle.py PACE), so {1 / PACE:.2f}x is the least the ratio can be.",
        f"Where the {cold.seconds:.1f} s went: {cold.before_first:.2f} s from the command's "
        f"start to the first request (interpreter start, imports, reading and importing "
        f"the .bib; `verify` of an unknown citekey, which fails before any request, takes "
        f"{startup.seconds:.2f} s), {searching:.1f} s between the first request and the "
        f"last answer ({spaced:.1f} s is what {made - 1:,} gaps at {PACE:g} of the OpenAlex "
        f"rate take), {cold.after_last:.2f} s after it (judging, saving the checks, the "
        "JSON).",
        f"Without an OpenAlex key, on the first {m} references (the same mix): requests "
        f"per reference {_per_ref(nokey, m)}; verdicts {dict(nokey.verdicts)}; "
        f"{nokey.seconds:.1f} s against a floor of {nokey_floor:.1f} s. Crossref, S2 and "
        "DBLP are asked together in one stage, so S2 and DBLP at one request a second "
        f"set the pace: scaled to {n:,} references, about "
        f"{nokey.seconds * n / m / 60:.0f} minutes (floor "
        f"{search_floor({s: k * n // m for s, k in nokey.made.items()}) / 60:.0f} "
        "minutes).",
    ]
    if nokey_verified < m or verified < n:
        notes.append(
            f"Not verified: {n - verified} of {n:,} with the key, {m - nokey_verified} of "
            f"{m} without."
        )
    return {
        "title": "Verify references: `evidence verify refs.bib` of 1,000 references "
        "without identifiers",
        "rows": rows,
        "notes": notes,
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(tmp), indent=2, default=str))
