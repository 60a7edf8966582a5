"""tag, untag, resolve, report and demo through the CLI, on the bundled example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app
from evidence.demo import bundled
from evidence.reportmodel import build_report_model
from evidence.store import Store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def demo_db(tmp_path: Path) -> Store:
    """The bundled article and library, resolved, with the bundled retraction loaded."""
    assert run("import", str(bundled("demo_library.json")))[0] == 0
    assert run("retractions", "update", "--file", str(bundled("demo_retractions.csv")))[0] == 0
    assert run("ingest", str(bundled("demo_article.md")))[0] == 0
    code, out, _ = run("--offline", "resolve")
    assert code == 0
    assert out.strip() == "Resolved 2 mentions (2 doi)."
    run("--offline", "verify", "--all")
    return Store(tmp_path / "evidence.db")


def claims() -> list[dict]:
    return json.loads(run("claims", "--json")[1])


def test_retracted_citation_makes_claim_retracted(demo_db: Store) -> None:
    by_status: dict[str, list[dict]] = {}
    for c in claims():
        by_status.setdefault(c["status"], []).append(c)
    (retracted,) = by_status["retracted"]
    assert "measles, mumps and rubella" in retracted["text"]
    assert retracted["mentions"][0]["study"] == "wakefield1998ileallymphoidnodular"
    code, out, _ = run("check")
    assert code == 1
    assert "rests on retracted study wakefield1998ileallymphoidnodular" in out


def test_tag_untag_and_user_tag_wins(demo_db: Store) -> None:
    cited = next(c for c in claims() if c["status"] == "cited")
    unsourced = next(c for c in claims() if c["status"] == "unsourced")
    code, out, _ = run(
        "tag",
        unsourced["id"],
        "10.3109/00207459608986710",
        "--stance",
        "contradicts",
        "--note",
        "n=50",
    )
    assert code == 0, out
    after = {c["id"]: c for c in claims()}
    assert after[unsourced["id"]]["status"] == "disputed"
    assert after[unsourced["id"]]["evidence"] == [
        {"study": "field1996massage", "stance": "contradicts", "origin": "user", "note": "n=50"}
    ]
    # a user tag beside the automatic citation link: both kept, the user's counts
    assert run("tag", cited["id"], "field1996massage", "--stance", "contradicts")[0] == 0
    assert {c["id"]: c for c in claims()}[cited["id"]]["status"] == "disputed"
    assert run("untag", unsourced["id"], "field1996massage")[0] == 0
    assert {c["id"]: c for c in claims()}[unsourced["id"]]["status"] == "unsourced"
    code, _, err = run("untag", unsourced["id"], "field1996massage")
    assert code == 1
    assert err.startswith(f"Error: claim {unsourced['id']} has no user tag for field1996massage.")
    code, _, err = run("tag", "nope", "field1996massage", "--stance", "supports")
    assert code == 2
    assert err.strip() == 'Error: No claim "nope". Use `evidence claims` to see the claim ids.'
    code, _, err = run("tag", cited["id"], "field1996massage", "--stance", "likes")
    assert code == 2
    assert err.strip() == 'Error: unknown stance "likes". Use supports, contradicts or mentions.'


def test_report_model_counts_and_bounded_queries(demo_db: Store) -> None:
    statements: list[str] = []
    demo_db.trace(lambda sql, params: statements.append(sql))
    model = build_report_model(demo_db, "demo_article.md")
    queries = len(statements)
    summary = model["summary"]
    assert (
        summary["claims_total"] == len(model["claims"]) == sum(summary["claims_by_status"].values())
    )
    assert summary["claims_by_status"]["retracted"] == 1
    assert summary["retracted_sources"] == ["wakefield1998ileallymphoidnodular"]
    assert {a["study"] for a in model["attention"]} == {"wakefield1998ileallymphoidnodular"}
    assert set(model["lacking_sources"]) == {
        c["id"] for c in model["claims"] if c["status"] in ("unsourced", "vague", "attributed")
    }
    # the number of queries does not grow with the number of claims
    for i in range(30):
        demo_db.insert(
            "claims",
            {
                "id": f"extra-{i}",
                "document_id": 1,
                "position": 100 + i,
                "text": f"Extra claim {i}.",
            },
        )
    statements.clear()
    bigger = build_report_model(demo_db, "demo_article.md")
    assert len(bigger["claims"]) == len(model["claims"]) + 30
    assert len(statements) == queries


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_report_formats(demo_db: Store, tmp_path: Path, fmt: str) -> None:
    out_file = tmp_path / f"report.{fmt}"
    code, _, err = run("report", "--format", fmt, "--output", str(out_file))
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    assert "wakefield1998ileallymphoidnodular" in text
    if fmt == "json":
        model = json.loads(text)
        assert model["summary"]["claims_by_status"]["retracted"] == 1
    if fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html>")
        assert "<script" not in text.lower()


def test_report_user_template_and_errors(demo_db: Store, tmp_path: Path) -> None:
    template = tmp_path / "mine.j2"
    template.write_text(
        "{% for c in claims %}{{ c.status }}|{% endfor %}{{ summary.claims_total }}",
        encoding="utf-8",
    )
    code, out, err = run("report", "--template", str(template))
    assert code == 0, err
    parts = out.strip().split("|")
    assert parts[-1] == str(len(parts) - 1)
    code, _, err = run("report", "--format", "pdf")
    assert code == 2
    assert err.strip() == 'Error: unknown format "pdf". Use md, html or json.'
    code, _, err = run("report", "--template", str(tmp_path / "none.j2"))
    assert code == 2


def test_demo_runs_offline_and_writes_reports(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = run("demo", "--output-dir", str(out_dir))
    assert code == 0, err
    assert "wakefield1998ileallymphoidnodular retracted" in out
    for name in ("report.html", "report.md", "report.json"):
        assert (out_dir / name).stat().st_size > 1000
    model = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    counts = model["summary"]["claims_by_status"]
    assert counts["retracted"] == 1
    # The rest of what the demo shows is in tests/test_demo.py.
    assert counts["attributed"] == 2
    assert counts["vague"] >= 2
    assert counts["unsourced"] >= 1
    assert model["summary"]["studies_by_verdict"]["unverified"] == 1
