"""Signals, closed streams and hostile inputs, through the installed command:

- Ctrl-C while a lookup waits for a server that never answers stops at once (exit 130,
  one line), and a Ctrl-C in the first moments of a command prints no traceback;
- SIGTERM while a report is being written leaves no temporary file behind;
- a closed standard output is one `Error:` line and exit 2, never silence or a crash;
- a user's template that loops for hours stops at its time bound;
- a BibTeX file of doubling @string macros imports in bounded memory and time.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    Run,
    assert_clean_failure,
    child_env,
    evidence_command,
    run_child,
)

pytestmark = pytest.mark.reliability

SERVICES = ("CROSSREF", "OPENALEX", "PUBMED", "S2", "OPENLIBRARY")
ARTICLE = "Massage therapy reduced anxiety in 50 adults.\n\nStudies show that it helps.\n"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        server.close()


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*evidence_command(), *args],
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float) -> Run:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return Run(proc.returncode, stdout, stderr)


def test_ctrl_c_during_a_lookup_stops_at_once(silent_server: str, tmp_path: Path) -> None:
    env = {f"EVIDENCE_{name}_URL": f"{silent_server}/{name.lower()}" for name in SERVICES}
    env["EVIDENCE_DB"] = str(tmp_path / "evidence.db")
    proc = start(["add", "10.5555/slow.1", "pmid:8870945"], env)
    time.sleep(3)  # start-up done, the lookups are waiting for the server
    assert proc.poll() is None, finish(proc, 5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    run = finish(proc, 30)
    assert time.monotonic() - sent < 10, run  # the lookups themselves wait far longer
    assert_clean_failure(run, 130)
    assert run.stderr.strip().splitlines() == [
        "Error: interrupted; 0 of 2 studies were looked up and saved (run the command again for "
        "the rest)."
    ]


def reached_main(pid: int) -> bool:
    """Whether the process runs ``main()``: the first thing it does is catch SIGTERM,
    which Python itself never does (Linux: the SigCgt mask of /proc/PID/status)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        except OSError:
            return False
        caught = re.search(r"^SigCgt:\s*([0-9a-f]+)", status, re.MULTILINE)
        if caught and int(caught.group(1), 16) & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.001)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0, 0.05, 0.15, 0.3])
def test_ctrl_c_during_start_up_prints_no_traceback(delay: float, tmp_path: Path) -> None:
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    proc = start(["ingest", str(doc)], {"EVIDENCE_DB": str(tmp_path / "evidence.db")})
    assert reached_main(proc.pid), finish(proc, 60)
    time.sleep(delay)  # within the imports of the commands (or just after them)
    proc.send_signal(signal.SIGINT)
    run = finish(proc, 60)
    assert_clean_failure(run)
    assert run.code in (130, 0), run  # stopped quietly, or already finished
    assert len(run.stderr.strip().splitlines()) <= 1, run.stderr


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    env = {"EVIDENCE_DB": str(db)}
    assert run_child(["ingest", str(doc)], env).code == 0
    big = tmp_path / "big.j2"
    big.write_text("{% for i in range(60000) %}{{ 'y' * 1000 }}\n{% endfor %}", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "report.md"
    target.write_text("old report\n", encoding="utf-8")
    caught = 0
    for _ in range(6):
        if caught >= 2:
            break
        proc = start(["report", "--template", str(big), "--output", str(target)], env)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if len(os.listdir(out_dir)) > 1:  # the temporary file is being written
                proc.send_signal(signal.SIGTERM)
                caught += 1
                break
            time.sleep(0.001)
        run = finish(proc, 60)
        assert_clean_failure(run)
        assert os.listdir(out_dir) == ["report.md"], (os.listdir(out_dir), run)
        content = target.read_text(encoding="utf-8")
        assert content == "old report\n" or len(content) > 60_000_000
        target.write_text("old report\n", encoding="utf-8")
    assert caught, "SIGTERM never arrived while the report was being written"


@pytest.mark.parametrize("args", [["claims", "--json"], ["export"], ["studies"], ["report"]])
def test_a_closed_stdout_is_an_error(args: list[str], tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    env = {"EVIDENCE_DB": str(db), "EVIDENCE_OFFLINE": "1"}
    assert run_child(["ingest", str(doc)], env).code == 0
    assert run_child(["add", "--no-fetch", "pmid:8870945"], env).code == 0
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *evidence_command(), *args],
        env=child_env(env),
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    run = Run(proc.returncode, "", proc.stderr)
    assert_clean_failure(run, 2)
    assert run.stderr.splitlines() == [
        "Error: standard output is closed; nothing was printed. "
        "Redirect it to a file (or use --output where the command has it)."
    ]


def test_a_template_that_loops_for_hours_stops_at_its_bound(tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    env = {"EVIDENCE_DB": str(db), "EVIDENCE_TEMPLATE_SECONDS": "2"}
    assert run_child(["ingest", str(doc)], env).code == 0
    loops = tmp_path / "loops.j2"
    loops.write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    started = time.monotonic()
    run = run_child(["report", "--template", str(loops)], env, timeout=120)
    assert time.monotonic() - started < 30, run
    assert_clean_failure(run, 2)
    assert run.stderr.splitlines() == [
        f"Error: Template {loops} ran for more than 2 seconds. Make its loops smaller."
    ]


def test_doubling_string_macros_import_in_bounded_memory(tmp_path: Path) -> None:
    lines = ['@string{s0 = "yyyyyyyy"}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 64)]
    lines.append("@article{bomb, title = s63, author = {Doe, J}, doi = {10.5555/bomb}}")
    lines.append("@article{fine, title = {Fine}, author = {Doe, J}, doi = {10.5555/fine}}")
    bib = tmp_path / "bomb.bib"
    bib.write_text("\n".join(lines), encoding="utf-8")
    env = {"EVIDENCE_DB": str(tmp_path / "evidence.db")}
    run = run_child(["import", "--json", str(bib)], env, timeout=120)
    assert_clean_failure(run, 1)  # one entry imported, one skipped with a problem line
    assert run.json()["files"][0]["added"] == 1
    assert any("@string macros are expanded" in line for line in run.stderr.splitlines())
