"""Hostile or broken services, met through the installed command as a user would:

- a redirect to another host never carries a key there;
- a gzip bomb or an endless body is cut at the limit without the memory growing with it;
- an answer trickled a byte at a time ends at the request deadline, and the service is
  given up once its failures used up their time;
- absurd rate-limit headers give up on the service instead of sleeping for hours;
- a damaged HTTP cache is set aside with one warning line and the command goes on;
- `retractions update --url` loads a file larger than the 64 MB answer limit;
- pacing at 90% of the published rates draws no 429 from a strict sliding window.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fake_services import OPENALEX_TEST_KEY, FakeServices

from bib.http import HttpClient, HttpConfig
from tests.reliability.conftest import Run, assert_clean_failure, child_env, evidence_command

pytestmark = pytest.mark.reliability

S2_KEY = "s2-SECRET-redirect-77"
NCBI_KEY = "ncbi-SECRET-redirect-55"


def run_measured(args: list[str], env: dict[str, str], tmp: Path, timeout: float = 120) -> Run:
    """Run the CLI; its stdout, stderr and peak memory (``Run.peak_mb``).

    The peak is the child's own high-water mark (``VmHWM``, which starts afresh at exec),
    read until it exits. ``ru_maxrss`` would not do: Linux carries it over from the
    process that forked the child, here the whole test session."""
    out, err = tmp / "stdout", tmp / "stderr"
    peak_kb = 0
    with out.open("w") as o, err.open("w") as e:
        proc = subprocess.Popen(
            [*evidence_command(), *args], env=child_env(env), stdout=o, stderr=e
        )
        status_file = Path(f"/proc/{proc.pid}/status")
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            try:
                for line in status_file.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.02)
    assert peak_kb > 10_000, "no memory reading of the child (is /proc there?)"
    run = Run(proc.returncode, out.read_text(), err.read_text())
    run.peak_mb = peak_kb / 1024  # type: ignore[attr-defined]
    return run


@pytest.fixture
def env(fake_services: FakeServices, tmp_path: Path) -> dict[str, str]:
    fake_services.add(
        doi="10.5555/net.1",
        pmid="33100001",
        title="Massage and anxiety in adults",
        authors=[("Field", "T")],
        journal="Pain",
        year=2001,
    )
    return {
        **fake_services.env(),
        "EVIDENCE_OPENALEX_KEY": OPENALEX_TEST_KEY,
        "EVIDENCE_S2_KEY": S2_KEY,
        "EVIDENCE_NCBI_KEY": NCBI_KEY,
        "EVIDENCE_MAILTO": "net@example.org",
        "EVIDENCE_DB": str(tmp_path / "evidence.db"),
    }


def test_no_key_follows_a_redirect_to_another_host(
    fake_services: FakeServices, env: dict[str, str], tmp_path: Path
) -> None:
    fake = fake_services
    for service in ("s2", "openalex", "pubmed"):
        fake.inject(service, "redirect-away", count=100)
    run = run_measured(["add", "10.5555/net.1"], env, tmp_path)
    assert_clean_failure(run)
    to_elsewhere = [r for r in fake.log if r.headers.get("Host", "").startswith("localhost")]
    for request in to_elsewhere:
        sent = repr((request.query, request.headers, request.body))
        for secret in (S2_KEY, NCBI_KEY, OPENALEX_TEST_KEY, "net@example.org"):
            assert secret not in sent, (request.service, request.path)
    # Crossref carries no key: its answers still come, so the study is added.
    assert run.code == 0, run.output


@pytest.mark.parametrize("fault", ["gzip-bomb", "endless"])
def test_a_bomb_or_an_endless_body_does_not_fill_memory(
    fake_services: FakeServices, env: dict[str, str], tmp_path: Path, fault: str
) -> None:
    fake = fake_services
    fake.huge_bytes = 2 * 1024**3  # inflates to 2 GB from about 2 MB
    for service in ("crossref", "openalex", "pubmed", "s2"):
        fake.inject(service, fault, count=100)
    run = run_measured(["add", "10.5555/net.1"], {**env, "EVIDENCE_HTTP_BUDGET": "30"}, tmp_path)
    assert_clean_failure(run)
    assert run.peak_mb < 600, f"{run.peak_mb:.0f} MB at the peak"  # type: ignore[attr-defined]
    assert "larger than 67108864 bytes" in run.output or "gave up" in run.output, run.output


def test_a_trickled_answer_cannot_hold_a_command(
    fake_services: FakeServices, env: dict[str, str], tmp_path: Path
) -> None:
    fake = fake_services
    fake.trickle_interval = 1.0  # never a read timeout, never an answer
    for service in ("crossref", "openalex", "pubmed", "s2"):
        fake.inject(service, "trickle", count=1000)
    started = time.monotonic()
    run = run_measured(
        ["add", "10.5555/net.1"],
        {**env, "EVIDENCE_HTTP_DEADLINE": "2", "EVIDENCE_HTTP_BUDGET": "5"},
        tmp_path,
    )
    assert time.monotonic() - started < 90, "the deadline and the budget did not hold"
    assert_clean_failure(run)
    assert "no complete answer within 2 s" in run.output or "gave up" in run.output, run.output


def test_absurd_rate_headers_do_not_put_a_command_to_sleep(
    fake_services: FakeServices, env: dict[str, str], tmp_path: Path
) -> None:
    fake = fake_services
    fake.add(doi="10.5555/net.2", title="Massage and sleep in adults", year=2002)
    fake.extra_headers["crossref"] = {
        "x-rate-limit-limit": "1",
        "x-rate-limit-interval": "100000s",
    }
    started = time.monotonic()
    run = run_measured(["add", "10.5555/net.1", "10.5555/net.2"], env, tmp_path)
    assert time.monotonic() - started < 90
    assert_clean_failure(run)


def test_a_damaged_http_cache_is_set_aside(env: dict[str, str], tmp_path: Path) -> None:
    cache = tmp_path / "evidence.db.http-cache"
    cache.write_bytes(b"not a database at all\n" * 200)
    run = run_measured(["add", "10.5555/net.1"], env, tmp_path)
    assert run.code == 0, run.output
    warnings = [line for line in run.stderr.splitlines() if "damaged" in line]
    assert len(warnings) == 1 and str(cache) in warnings[0] and "set aside" in warnings[0]
    assert [p for p in tmp_path.iterdir() if p.name.startswith(cache.name + ".corrupt-")]
    # The fresh cache answers the next run.
    assert run_measured(["add", "10.5555/net.1"], env, tmp_path).code == 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A plain file server on 127.0.0.1 for tmp_path."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_retractions_update_url_loads_more_than_64_mb(
    env: dict[str, str], tmp_path: Path, served: str
) -> None:
    reason = "+Concerns/Issues About Data;" * 30
    rows = 80_000
    with (tmp_path / "rw.csv").open("w", encoding="utf-8") as f:
        f.write("Record ID,Title,OriginalPaperDOI,RetractionNature,Reason\n")
        for n in range(rows):
            f.write(f'{n},"Study {n}",10.5555/rw.{n},Retraction,"{reason}"\n')
    assert (tmp_path / "rw.csv").stat().st_size > 64 * 1024 * 1024
    run = run_measured(["retractions", "update", "--url", f"{served}/rw.csv"], env, tmp_path)
    assert run.code == 0, run.output
    assert run.stdout.strip() == f"Loaded {rows} Retraction Watch notices."
    assert run.peak_mb < 400, f"{run.peak_mb:.0f} MB at the peak"  # type: ignore[attr-defined]


def test_pacing_draws_no_429_from_a_strict_sliding_window(
    fake_services: FakeServices,
) -> None:
    fake = fake_services
    fake.window = "sliding"
    fake.add(doi="10.5555/net.1", title="Massage and anxiety in adults", year=2001)
    config = replace(HttpConfig.from_env(mailto="net@example.org"), backoff_base=0.01)
    with HttpClient(config) as client:
        # Crossref's list requests (3 a second) and PubMed without a key (3 a second),
        # each published limit enforced exactly over any one-second window.
        calls = [
            lambda: [
                client.get_json("crossref", "/works", {"query.bibliographic": f"massage {n}"})
                for n in range(25)
            ],
            lambda: [
                client.get_bytes("pubmed", "/esearch.fcgi", {"db": "pubmed", "term": f"pain {n}"})
                for n in range(25)
            ],
        ]
        threads = [threading.Thread(target=call) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert fake.count("crossref") == 25 and fake.count("pubmed") == 25
    assert sum(fake.rejected.values()) == 0, dict(fake.rejected)
