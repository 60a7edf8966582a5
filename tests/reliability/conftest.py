"""Helpers of the reliability suites: running the CLI, judging the database afterwards.

The fixtures of tests/conftest.py (``fake_services``, the isolated environment) apply
here too. RELIABILITY_TRIALS sets the crash trials per command (default 20, seeded).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bib import http
from evidence.cli import app

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = ROOT / ".venv" / "bin" / "evidence"
TRIALS = int(os.environ.get("RELIABILITY_TRIALS", "20"))
SEED = int(os.environ.get("RELIABILITY_SEED", "20260214"))
HOSTILE = ROOT / "tests" / "data" / "hostile"
# A line of a Python traceback.
TRACE_LINE = re.compile(r'^\s*File "[^"]+", line \d+', re.MULTILINE)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli(*args: str, input: str | None = None) -> Run:
    """Run the CLI in this process (CliRunner), as a user would from a shell."""
    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"evidence {' '.join(args)} raised {result.exception!r}")
    return Run(result.exit_code, result.stdout, result.stderr)


def evidence_command() -> list[str]:
    """The installed console script (``.venv/bin/evidence``), else ``python -m``."""
    if EVIDENCE.exists():
        return [str(EVIDENCE)]
    return [sys.executable, "-c", "from evidence.cli import main; main()"]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(extra or {})
    env["COLUMNS"] = "200"
    return env


def run_child(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    proc = subprocess.run(
        [*evidence_command(), *args],
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_failure(run: Run, code: int | None = None) -> None:
    """No traceback; every error on stderr is one `Error: …` line."""
    assert "Traceback" not in run.output, run.output
    assert not TRACE_LINE.search(run.output), run.output
    if code is not None:
        assert run.code == code, run.output


# --- the database, judged from outside --------------------------------------------------


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def consistency_problems(path: Path, *, identifiers_required: bool = True) -> list[str]:
    """What is wrong with the database: SQLite's own checks, FTS indexes, half-written
    items, duplicates. Empty when sound."""
    if not path.exists():
        return []
    conn = connect(path)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            f"foreign key: {tuple(r)}" for r in conn.execute("PRAGMA foreign_key_check").fetchall()
        ]
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        if "studies" not in tables:
            return problems
        for fts in ("studies_fts", "claims_fts"):
            if fts in tables:
                try:
                    conn.execute(f"insert into {fts}({fts}) values('integrity-check')")
                except sqlite3.DatabaseError as exc:
                    problems.append(f"{fts}: {exc}")
        problems += [
            f"study {r['id']} without citekey"
            for r in conn.execute("select id from studies where citekey is null or citekey = ''")
        ]
        if identifiers_required:
            problems += [
                f"study {r['citekey']} without an identifier"
                for r in conn.execute(
                    "select citekey from studies where coalesce(doi, pmid, pmcid, arxiv, isbn)"
                    " is null"
                )
            ]
        for column in ("doi", "pmid"):
            problems += [
                f"duplicate {column} {r[0]}"
                for r in conn.execute(
                    f"select lower({column}) from studies where {column} is not null "
                    f"group by lower({column}) having count(*) > 1"
                )
            ]
        problems += [
            f"study {r['citekey']} retracted flag without a retraction notice"
            for r in conn.execute(
                "select citekey from studies s where retracted = 1 and not exists "
                "(select 1 from notices n where n.study_id = s.id and n.kind = 'retraction')"
            )
        ]
        problems += [
            f"study {r['citekey']} has a retraction notice but is not flagged"
            for r in conn.execute(
                "select citekey from studies s where coalesce(retracted, 0) = 0 and exists "
                "(select 1 from notices n where n.study_id = s.id and n.kind = 'retraction')"
            )
        ]
        problems += [
            f"duplicate mention {tuple(r)}"
            for r in conn.execute(
                "select claim_id, kind, start, count(*) from mentions "
                "group by claim_id, kind, start, text having count(*) > 1"
            )
        ]
        problems += [
            f"claim {r['id']} of a missing document"
            for r in conn.execute(
                "select id from claims where document_id not in (select id from documents)"
            )
        ]
        return problems
    finally:
        conn.close()


def assert_consistent(path: Path, **options: Any) -> None:
    problems = consistency_problems(path, **options)
    assert not problems, problems[:20]


def counts(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    conn = connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type='table' and name not like '%_fts%' "
                "and name not like 'sqlite_%' and name != '_evidence_migrations'"
            )
        ]
        return {n: conn.execute(f"select count(*) from [{n}]").fetchone()[0] for n in names}
    finally:
        conn.close()


def checkpoint(path: Path) -> None:
    """Fold the WAL into the database file so that its bytes say everything."""
    if path.exists():
        conn = sqlite3.connect(str(path))
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def file_digest(path: Path) -> str:
    checkpoint(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


# --- services ------------------------------------------------------------------------


def clear_faults(fake: Any) -> None:
    """Let the fake answer normally again (faults still pending are dropped)."""
    with fake._lock:
        fake._faults.clear()


def concurrency_overruns(fake: Any, *, mailto: bool) -> list[str]:
    """Services that saw more simultaneous requests than their published limit."""
    out = []
    for service, seen in fake.max_concurrency.items():
        if service not in http.POLICIES:
            continue
        ours = http.POLICIES[service].limits(has_key=False, has_mailto=mailto).concurrency
        bucket = service if service != "crossref" or mailto else "crossref-public"
        theirs = fake.limits.get(bucket)
        allowed = min(ours, theirs.concurrency) if theirs and theirs.concurrency else ours
        if seen > allowed:
            out.append(f"{service}: {seen} at once (limit {allowed})")
    return out


@pytest.fixture
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short timeouts and backoff for in-process runs: the faults are the same, the
    waits shorter (a timeout fault of the fake outlasts the 0.5 s timeout)."""
    original = http.HttpConfig.from_env.__func__  # type: ignore[attr-defined]

    def from_env(cls: type[http.HttpConfig], **kwargs: Any) -> http.HttpConfig:
        config = original(cls, **kwargs)
        config.timeout = 0.5
        config.connect_timeout = 0.5
        config.backoff_base = 0.05
        config.backoff_cap = 0.2
        return config

    monkeypatch.setattr(http.HttpConfig, "from_env", classmethod(from_env))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return Path(os.environ["EVIDENCE_DB"])


def iter_lines(text: str, prefix: str) -> Iterator[str]:
    return (line for line in text.splitlines() if line.startswith(prefix))
