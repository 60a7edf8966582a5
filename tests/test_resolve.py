"""resolve: identifiers, citekeys and reference-list entries become studies."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evidence.cli import app
from evidence.store import Store
from tests.test_verify import RCT

DOC = """Massage and anxiety

Chair massage lowered anxiety scores in office workers [1]. Meditation improved sleep
in older adults (Nobody et al., 2003).

References

1. Field T, Ironson G, Scafidi F, et al. Massage therapy reduces anxiety and enhances EEG
pattern of alertness and math computations. Int J Neurosci. 1996;86(3-4):197-205.
2. Nobody A, Somebody B. Meditation and sleep in older adults. J Imaginary Stud. 2003;4:1-9.
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_numbered_reference_is_matched_and_linked(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(RCT)
    fake_services.add(
        dict(
            RCT,
            doi="10.3109/other",
            pmid="2",
            title="Massage therapy for infants",
            year=1990,
            volume="50",
            pages="1-5",
        )
    )
    doc = tmp_path / "paper.txt"
    doc.write_text(DOC, encoding="utf-8")
    code, out, err = run("ingest", str(doc))
    assert code == 0, err
    code, out, err = run("resolve", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["by_kind"].get("numbered") == 1
    claims = json.loads(run("claims", "--json")[1])
    massage = next(c for c in claims if c["text"].startswith("Chair massage"))
    assert massage["status"] == "cited"
    assert massage["mentions"][0]["study"] is not None
    assert {e["origin"] for e in massage["evidence"]} == {"citation"}
    study = json.loads(run("show", massage["mentions"][0]["study"], "--json")[1])
    assert study["doi"] == RCT["doi"]
    # the author-year citation whose reference no service knows stays unresolved
    meditation = next(c for c in claims if c["text"].startswith("Meditation"))
    assert meditation["mentions"][0]["study"] is None
    assert any("no confident match" in line for line in summary["unresolved"])
    # resolving again changes nothing and asks no more of the services than the failures
    store = Store(tmp_path / "evidence.db")
    links = store.count("evidence")
    run("resolve")
    assert store.count("evidence") == links


def test_offline_resolve_reports_what_it_could_not_do(tmp_path: Path) -> None:
    doc = tmp_path / "paper.txt"
    doc.write_text(DOC, encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    code, out, err = run("--offline", "resolve", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["resolved"] == 0
    assert err.splitlines()[0] == (
        "Error: reference 'Field T, Ironson G, Scafidi F, et al. Massage therapy reduce': "
        "offline and not in the HTTP cache"
    )
