"""kill -9 at random (seeded) moments of `import`, `ingest` and `verify --all`, run as the
installed console script. After every kill the database passes SQLite's checks and holds
each item whole or not at all; the interrupted command, run again, finishes, and the
final database equals a clean run's. A full disk gives one error line, exit 1, and loses
nothing stored before.

RELIABILITY_TRIALS sets the kills per command (default 20); RELIABILITY_SEED the seed.
The kills of one command are chained: each run after a kill is also the rerun that
resumes the work, as a user would do it.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake_services import FakeServices

from evidence.library_io import IMPORT_CHUNK
from tests.conftest import CORPORA
from tests.reliability.conftest import (
    SEED,
    TRIALS,
    assert_consistent,
    child_env,
    cli,
    connect,
    counts,
    evidence_command,
)

pytestmark = pytest.mark.reliability

# Columns a study gets from its bibliography entry (timestamps and row ids aside).
ENTRY_COLUMNS = (
    "citekey",
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "type",
    "doi",
    "isbn",
    "extra",
    "user_fields",
)


@dataclass
class Trials:
    """What the kills of one command met."""

    command: str
    killed: int = 0
    finished_before_kill: int = 0
    delays: list[float] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.command}: {self.killed} killed mid-run, {self.finished_before_kill} "
            f"finished before the kill"
        )


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*evidence_command(), *args],
        env=child_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run_to_end(args: list[str], env: dict[str, str]) -> tuple[int, str, float]:
    began = time.monotonic()
    proc = subprocess.run(
        [*evidence_command(), *args],
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.returncode, proc.stderr, time.monotonic() - began


def kill_at(args: list[str], env: dict[str, str], delay: float, trials: Trials) -> None:
    """Start the command, SIGKILL it after ``delay`` seconds (if still running)."""
    proc = start(args, env)
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        trials.killed += 1
    else:
        trials.finished_before_kill += 1
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err, err[-2000:]
    trials.delays.append(round(delay, 3))


def report(trials: Trials) -> None:
    # Shown with -rA / in the log of `make reliability`; docs/reliability.md is filled from it.
    print(f"\nCRASH {trials.summary()}")


# --- import -----------------------------------------------------------------------------


def large_bibliography(folder: Path) -> Path:
    """~5,400 entries: tugboat.bib twice, the copy with renamed keys; generated when
    ../shared is absent."""
    target = folder / "large.bib"
    source = CORPORA / "bibtex" / "tugboat" / "tugboat.bib"
    if source.exists():
        text = source.read_text(encoding="utf-8", errors="replace")
        copy = re.sub(
            r"(@(?!string|preamble|comment)\w+\s*\{\s*)([^,\s]+)\s*,",
            lambda m: f"{m.group(1)}{m.group(2)}-copy,",
            text,
            flags=re.IGNORECASE,
        )
        target.write_text(text + "\n" + copy, encoding="utf-8")
        return target
    rng = random.Random(SEED)
    words = "massage anxiety trial cortisol sleep pain therapy adults hip mobility".split()
    entries = []
    for i in range(5400):
        title = " ".join(rng.choice(words) for _ in range(8)).capitalize()
        entries.append(
            f"@article{{gen{i},\n  title = {{{title} {i}}},\n  author = {{Author{i % 97}, A. and "
            f"Other, B.}},\n  journal = {{Journal {i % 13}}},\n  year = {{{1950 + i % 70}}},\n"
            f"  volume = {{{i % 50}}},\n  pages = {{{i}--{i + 9}}},\n}}\n"
        )
    target.write_text("".join(entries), encoding="utf-8")
    return target


def study_rows(db: Path) -> list[dict[str, Any]]:
    conn = connect(db)
    try:
        cols = ", ".join(ENTRY_COLUMNS)
        return [dict(r) for r in conn.execute(f"select {cols} from studies order by id")]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bib_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return large_bibliography(tmp_path_factory.mktemp("crash-bib"))


def test_kill_during_import(bib_file: Path, tmp_path: Path) -> None:
    clean_db = tmp_path / "clean.db"
    code, _, _ = run_to_end(["--db", str(clean_db), "import", str(bib_file)], {})
    assert code in (0, 1)
    clean = study_rows(clean_db)
    total = len(clean)
    assert total > 5000
    # Importing the same file again changes nothing; the runs after a kill are such
    # re-imports (quicker than the first), so kill within their span.
    code, _, seconds = run_to_end(["--db", str(clean_db), "import", str(bib_file)], {})
    assert code in (0, 1)
    assert study_rows(clean_db) == clean

    db = tmp_path / "crash.db"
    rng = random.Random(SEED)
    trials = Trials("import")
    for _ in range(TRIALS):
        kill_at(["--db", str(db), "import", str(bib_file)], {}, rng.uniform(0.3, seconds), trials)
        assert_consistent(db, identifiers_required=False)
        rows = study_rows(db)
        # Chunks of IMPORT_CHUNK entries are transactions: whole chunks or nothing, and
        # every row exactly what the clean run stored for the same entry.
        assert len(rows) % IMPORT_CHUNK == 0 or len(rows) == total, len(rows)
        assert rows == clean[: len(rows)]
    code, _, _ = run_to_end(["--db", str(db), "import", str(bib_file)], {})
    assert code in (0, 1)
    assert study_rows(db) == clean
    assert counts(db) == counts(clean_db)
    report(trials)


# --- ingest -----------------------------------------------------------------------------


def large_document(folder: Path, version: int) -> Path:
    """~1,500 claims with identifiers, attributions and vague appeals. Version 1 is an
    edit of version 0: other figures in every seventh sentence, every tenth paragraph cut."""
    rng = random.Random(SEED)
    journals = ["International Journal of Neuroscience", "The Lancet", "BMJ", "Pain Medicine"]
    paragraphs = ["# Massage and health: a long review\n"]
    for p in range(360):
        sentences = []
        for s in range(5):
            n = p * 5 + s
            figure = rng.randint(5, 60) + (version if n % 7 == 0 else 0)
            sentences.append(
                (
                    f"Massage therapy reduced anxiety scores by {figure}% in a trial "
                    f"of {rng.randint(20, 400)} adults (https://doi.org/10.5555/doc.{n}).",
                    f"Studies show that weekly massage lowers cortisol by {figure}% "
                    "in older patients.",
                    f"A study published in the {rng.choice(journals)} found that hip massage "
                    f"improved mobility in {figure}% of participants.",
                    f"Pain fell by {figure} points on a hundred-point scale after "
                    f"{rng.randint(2, 12)} weeks (PMID: {30000000 + n}).",
                    f"The sessions lasted {figure} minutes in a quiet room.",
                )[n % 5]
            )
        if not (version == 1 and p % 10 == 3):
            paragraphs.append(" ".join(sentences) + "\n")
    target = folder / f"review-v{version}.md"
    target.write_text("\n".join(paragraphs), encoding="utf-8")
    return target


def document_state(db: Path) -> dict[str, Any]:
    """The document, its claims and each claim's mentions (ids aside: they depend on the
    order of earlier ingests)."""
    if not db.exists():
        return {"documents": [], "claims": []}
    conn = connect(db)
    try:
        docs = [tuple(r) for r in conn.execute("select name, sha256 from documents")]
        mentions: dict[str, list[tuple[str, str]]] = {}
        for r in conn.execute("select claim_id, kind, text from mentions order by start"):
            mentions.setdefault(r["claim_id"], []).append((r["kind"], r["text"]))
        claims = sorted(
            (r["position"], r["text"], tuple(mentions.get(r["id"], [])))
            for r in conn.execute("select id, position, text from claims")
        )
        return {"documents": docs, "claims": claims}
    finally:
        conn.close()


def test_kill_during_ingest(tmp_path: Path) -> None:
    docs = [large_document(tmp_path, 0), large_document(tmp_path, 1)]
    clean = []
    for i, doc in enumerate(docs):
        db = tmp_path / f"clean{i}.db"
        code, _, _ = run_to_end(["--db", str(db), "ingest", "--name", "review", str(doc)], {})
        assert code == 0
        clean.append(document_state(db))
    assert len(clean[0]["claims"]) > 1000 and clean[0] != clean[1]
    # The runs after the first replace one version by the other: kill within their span.
    replace = ["--db", str(tmp_path / "clean0.db"), "ingest", "--name", "review", str(docs[1])]
    code, _, seconds = run_to_end(replace, {})
    assert code == 0
    assert document_state(tmp_path / "clean0.db") == clean[1]

    db = tmp_path / "crash.db"
    rng = random.Random(SEED + 1)
    trials = Trials("ingest")
    empty = document_state(db)
    for trial in range(TRIALS):
        # Alternate the two versions: every run replaces the claims of the last one.
        args = ["--db", str(db), "ingest", "--name", "review", str(docs[trial % 2])]
        kill_at(args, {}, rng.uniform(0.3, seconds), trials)
        assert_consistent(db, identifiers_required=False)
        # One version whole, with every claim and every mention, or (at first) nothing.
        state = document_state(db)
        assert state in (*clean, empty), {k: len(v) for k, v in state.items()}
    code, _, _ = run_to_end(["--db", str(db), "ingest", "--name", "review", str(docs[0])], {})
    assert code == 0
    assert document_state(db) == clean[0]
    report(trials)


# --- verify --all -------------------------------------------------------------------------


@pytest.fixture
def library_fake(fake_services: FakeServices) -> Iterator[tuple[FakeServices, list[str]]]:
    """300 studies the fake knows; every tenth retracted, with its notice."""
    dois = []
    for i in range(300):
        rec: dict[str, Any] = {
            "doi": f"10.5555/crash.{i}",
            "pmid": str(32000000 + i),
            "title": f"Massage and anxiety, cohort {i}",
            "authors": [("Field", "T"), ("Ironson", "G")],
            "journal": "International Journal of Neuroscience",
            "year": 1990 + i % 30,
            "volume": str(i % 90),
            "pages": f"{i}-{i + 9}",
            "publication_types": [("Randomized Controlled Trial", "D016449")],
        }
        if i % 10 == 0:
            rec["retracted"] = True
            rec["notices"] = [
                {
                    "kind": "retraction",
                    "doi": f"10.5555/crash.{i}.retraction",
                    "date": "2020-01-01",
                    "source": "retraction-watch",
                }
            ]
        fake_services.add(rec)
        dois.append(rec["doi"])
    yield fake_services, dois


def verdicts(db: Path) -> dict[str, str]:
    conn = connect(db)
    try:
        return {
            r["citekey"]: r["status"]
            for r in conn.execute(
                "select s.citekey, c.status from studies s join checks c on c.study_id = s.id "
                "where c.id = (select max(id) from checks where study_id = s.id)"
            )
        }
    finally:
        conn.close()


def verify_problems(db: Path) -> list[str]:
    """A check is saved with what it found: the study's fetched metadata and notices."""
    conn = connect(db)
    problems = []
    try:
        for r in conn.execute(
            "select c.study_id, c.status, c.response, s.fetched_at, s.retracted from checks c "
            "join studies s on s.id = c.study_id"
        ):
            if r["response"] is None:
                continue
            if r["fetched_at"] is None:
                problems.append(f"study {r['study_id']}: checked but its metadata is not saved")
            response = json.loads(r["response"])
            for notice in response.get("notices") or []:
                found = conn.execute(
                    "select 1 from notices where study_id = ? and kind = ?",
                    [r["study_id"], notice["kind"]],
                ).fetchone()
                if not found:
                    problems.append(f"study {r['study_id']}: {notice['kind']} notice missing")
            if r["status"] == "retracted" and not r["retracted"]:
                problems.append(f"study {r['study_id']}: retracted verdict, flag not set")
        return problems
    finally:
        conn.close()


def test_kill_during_verify(
    library_fake: tuple[FakeServices, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, dois = library_fake
    env = {"EVIDENCE_MAILTO": "reliability@example.org"}
    base = tmp_path / "library.db"
    assert cli("--db", str(base), "add", "--no-fetch", *dois).code == 0

    clean_db = tmp_path / "clean.db"
    shutil.copy(base, clean_db)
    code, err, seconds = run_to_end(["--db", str(clean_db), "verify", "--all"], env)
    assert code == 1, err  # the library holds retracted studies: verify fails on them
    clean = verdicts(clean_db)
    assert len(clean) == len(dois) and set(clean.values()) == {"verified", "retracted"}
    # Later runs answer from the HTTP cache and are quicker: kill within their span.
    code, err, seconds = run_to_end(["--db", str(clean_db), "verify", "--all", "--refresh"], env)
    assert code == 1, err  # the library holds retracted studies: verify fails on them

    db = tmp_path / "crash.db"
    shutil.copy(base, db)
    rng = random.Random(SEED + 2)
    trials = Trials("verify")
    for _ in range(TRIALS):
        # --refresh: every run checks every study again, so a kill can land anywhere.
        args = ["--db", str(db), "verify", "--all", "--refresh"]
        kill_at(args, env, rng.uniform(0.2, seconds), trials)
        assert_consistent(db)
        assert verify_problems(db) == []
        partial = verdicts(db)
        assert all(clean[k] == v for k, v in partial.items() if v != "unverified"), partial
    code, err, _ = run_to_end(["--db", str(db), "verify", "--all"], env)
    assert code == 1, err  # the library holds retracted studies: verify fails on them
    assert verdicts(db) == clean
    assert verify_problems(db) == []
    report(trials)


# --- a full disk ----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 3 MB tmpfs when this process may mount one; None otherwise."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def library_snapshot(db: Path) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    conn = connect(db)
    try:
        studies = [dict(r) for r in conn.execute("select citekey, doi, title from studies")]
        tags = [
            tuple(r) for r in conn.execute("select claim_id, study_id, stance, note from evidence")
        ]
        return studies, tags
    finally:
        conn.close()


def test_full_disk(
    small_disk: Path | None, bib_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if small_disk is not None:
        print("\nFULL DISK: 3 MB tmpfs")
        db = small_disk / "evidence.db"
    else:
        print("\nFULL DISK: emulated with PRAGMA max_page_count")
        # No mount here: emulate a full disk with SQLite's page limit on every connection.
        from evidence import store as store_module

        db = tmp_path / "evidence.db"
        original = store_module.Store.__init__

        def limited(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self.execute("PRAGMA max_page_count = 600")

        monkeypatch.setattr(store_module.Store, "__init__", limited)
    monkeypatch.setenv("EVIDENCE_DB", str(db))
    doc = tmp_path / "note.md"
    doc.write_text("Massage therapy reduced anxiety by 30% in 50 adults [@seed2020].\n")
    seed_bib = tmp_path / "seed.bib"
    seed_bib.write_text(
        "@article{seed2020,\n  title = {Massage reduces anxiety},\n  author = {Field, T},\n"
        "  year = {2020},\n  doi = {10.5555/seed.1},\n}\n"
    )
    assert cli("import", str(seed_bib)).code == 0
    assert cli("ingest", str(doc)).code == 0
    claim = cli("claims", "--json").json()[0]["id"]
    assert cli("tag", claim, "seed2020", "--stance", "supports", "--note", "kept").code == 0
    before = library_snapshot(db)

    # The big import fills the disk part way through.
    run = cli("import", str(bib_file))
    assert run.code == 1, run.output
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "disk is full" in errors[0], run.stderr[-500:]
    assert "Traceback" not in run.output
    assert_consistent(db, identifiers_required=False)
    studies, tags = library_snapshot(db)
    assert before[0] == studies[: len(before[0])] and tags == before[1]
    # Nothing is lost on the next command either; reading works on a full disk.
    assert cli("studies", "--json").code == 0
    assert any(c["evidence"] for c in cli("claims", "--json").json())
