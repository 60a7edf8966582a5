"""Four processes writing one database at once (add --no-fetch, import, tag), as four
people or scripts would: every command succeeds without "database is locked", and every
row each of them wrote is there."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.reliability.conftest import Run, assert_consistent, cli, connect, run_child

pytestmark = pytest.mark.reliability

ROUNDS = 6  # rounds of commands per writer


def bib(path: Path, prefix: str, n: int) -> Path:
    path.write_text(
        "".join(
            f"@article{{{prefix}{i},\n  title = {{Massage and sleep, {prefix} study {i}}},\n"
            f"  author = {{Writer{i}, {prefix.upper()}}},\n  year = {{{1980 + i % 40}}},\n"
            f"  doi = {{10.7777/{prefix}.{i}}},\n}}\n"
            for i in range(n)
        ),
        encoding="utf-8",
    )
    return path


def test_four_writers_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    doc = tmp_path / "claims.md"
    doc.write_text(
        "\n\n".join(
            f"Massage therapy reduced anxiety by {10 + i}% in {20 + i} adults." for i in range(40)
        )
        + "\n",
        encoding="utf-8",
    )
    seed = bib(tmp_path / "seed.bib", "seed", 40)
    assert cli("--db", str(db), "import", str(seed)).code == 0
    assert cli("--db", str(db), "ingest", str(doc)).code == 0
    claims = [c["id"] for c in cli("--db", str(db), "claims", "--json").json()]
    assert len(claims) == 40

    runs: dict[str, list[Run]] = {"add": [], "import": [], "tag": [], "mixed": []}
    files = [bib(tmp_path / f"batch{r}.bib", f"imp{r}x", 60) for r in range(ROUNDS)]
    mixed = [bib(tmp_path / f"mixed{r}.bib", f"mix{r}x", 30) for r in range(ROUNDS)]

    def adder() -> None:
        for r in range(ROUNDS):
            dois = [f"10.8888/add.{r}.{i}" for i in range(8)]
            runs["add"].append(run_child(["--db", str(db), "add", "--no-fetch", *dois]))

    def importer() -> None:
        for path in files:
            runs["import"].append(run_child(["--db", str(db), "import", str(path)]))

    def tagger() -> None:
        for r in range(ROUNDS):
            for k in range(2):
                i = r * 2 + k
                args = ["tag", claims[i], f"seed{i}", "--stance", "supports", "--note", f"n{i}"]
                runs["tag"].append(run_child(["--db", str(db), *args]))

    def mixer() -> None:
        for r in range(ROUNDS):
            runs["mixed"].append(run_child(["--db", str(db), "import", str(mixed[r])]))
            dois = [f"10.8888/mix.{r}.{i}" for i in range(4)]
            runs["mixed"].append(run_child(["--db", str(db), "add", "--no-fetch", *dois]))

    threads = [threading.Thread(target=t) for t in (adder, importer, tagger, mixer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)

    for kind, done in runs.items():
        for run in done:
            assert "locked" not in run.output.lower(), (kind, run.output)
            assert "Traceback" not in run.output, (kind, run.output)
            assert run.code == 0, (kind, run.output)
    print(f"\nCONCURRENCY: {sum(len(v) for v in runs.values())} commands from 4 writers, all ok")

    assert_consistent(db)
    conn = connect(db)
    try:
        studies = {r[0] for r in conn.execute("select doi from studies")}
        tags = conn.execute("select count(*) from evidence where origin = 'user'").fetchone()[0]
    finally:
        conn.close()
    expected = {f"10.7777/seed.{i}" for i in range(40)}
    expected |= {f"10.7777/imp{r}x.{i}" for r in range(ROUNDS) for i in range(60)}
    expected |= {f"10.7777/mix{r}x.{i}" for r in range(ROUNDS) for i in range(30)}
    expected |= {f"10.8888/add.{r}.{i}" for r in range(ROUNDS) for i in range(8)}
    expected |= {f"10.8888/mix.{r}.{i}" for r in range(ROUNDS) for i in range(4)}
    assert studies == expected
    assert tags == ROUNDS * 2
