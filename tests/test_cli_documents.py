"""CLI tests for ingest, claims and check, on the seed article and small documents."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evidence.cli import app
from evidence.store import Store
from tests.conftest import shared_path

CLAIM_KEYS = {
    "id",
    "document",
    "index",
    "text",
    "status",
    "checkworthiness",
    "mentions",
    "evidence",
}
MENTION_KEYS = {"kind", "text", "journal", "identifier", "citekey", "study"}

JOURNALS = {
    "Journal of Alternative and Complementary Medicine",
    "International Journal of Therapeutic Massage & Bodywork",
    "International Journal of Neuroscience",
    "Journal of Clinical Nursing",
}


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_seed_article_check() -> None:
    article = shared_path("seed", "article.txt")
    code, out, err = run("ingest", str(article))
    assert code == 0, err
    assert "article.txt:" in out and "unsourced" in out
    code, out, _ = run("check", "--json")
    assert code == 1
    result = json.loads(out)
    assert set(result) >= {"document", "counts", "failing"}
    assert result["counts"]["attributed"] == 4
    assert result["counts"]["vague"] == 2
    code, out, _ = run("claims", "--json")
    claims = json.loads(out)
    for claim in claims:
        assert CLAIM_KEYS <= set(claim)
        for m in claim["mentions"]:
            assert MENTION_KEYS <= set(m)
    attributed = [c for c in claims if c["status"] == "attributed"]
    assert {
        m["journal"] for c in attributed for m in c["mentions"] if m["kind"] == "journal"
    } == JOURNALS
    vague = [c["text"] for c in claims if c["status"] == "vague"]
    assert any(t.startswith("Investigation has shown") for t in vague)
    assert any(t.startswith("Study has presented that") for t in vague)
    unsourced = [c["text"] for c in claims if c["status"] == "unsourced"]
    assert any(
        t.startswith("Waist massage therapies function through loosening") for t in unsourced
    )
    texts = [c["text"] for c in claims]
    assert not any(t.endswith("?") for t in texts)
    assert not any("think about making an effort out a hip massage" in t for t in texts)
    assert not any(t.startswith("That's where hip massage") for t in texts)
    # text output names the journals of attributed claims
    code, out, _ = run("check")
    assert code == 1
    assert "attributed to: Journal of Clinical Nursing" in out


def test_check_fail_on_and_bad_status(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("Research has shown that green tea lowers blood pressure.\n", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    assert run("check", "--fail-on", "unsourced")[0] == 0
    assert run("check", "--fail-on", "vague")[0] == 1
    code, _, err = run("check", "--fail-on", "vagu")
    assert code == 2
    assert err.startswith("Error: unknown status vagu. Use any of: supported,")


def test_reingest_unchanged_changes_nothing_and_edit_keeps_ids(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    first = (
        "Coffee drinking was linked to a 15% lower risk of heart failure in a cohort of 20,000 adults.\n\n"
        "Studies show that walking after meals lowers blood sugar.\n\n"
        "Daily stretching reduces the risk of back injuries by a third.\n"
    )
    doc.write_text(first, encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    db = Store(tmp_path / "evidence.db")
    before = db.query("select id, text from claims order by position")
    assert len(before) == 3
    coffee, walking, stretching = (r["id"] for r in before)
    # a user tag on the stretching claim
    sid = db.insert("studies", {"citekey": "x2020stretch", "title": "Stretching"})
    db.insert(
        "evidence",
        {"claim_id": stretching, "study_id": sid, "stance": "supports", "origin": "user"},
    )
    # and one on the coffee claim, which the edit below changes lightly
    assert run("tag", coffee, "x2020stretch", "--stance", "contradicts", "--note", "kept")[0] == 0
    snapshot = db.query("select * from claims order by id")
    code, out, _ = run("ingest", str(doc))
    assert "unchanged" in out
    assert db.query("select * from claims order by id") == snapshot
    # edit: light change to the coffee claim, remove the stretching claim, add a new one
    doc.write_text(
        "Coffee drinking was linked to a 15% lower risk of heart failure in a cohort of 21,000 adults.\n\n"
        "Studies show that walking after meals lowers blood sugar.\n\n"
        "Eating oily fish twice a week halves the risk of dementia.\n",
        encoding="utf-8",
    )
    code, out, err = run("ingest", str(doc))
    assert code == 0
    after = {r["id"]: r for r in db.query("select id, text, removed_at from claims")}
    assert coffee in after and "21,000" in after[coffee]["text"]
    assert walking in after
    assert after[stretching]["removed_at"] is not None  # kept: it carries a user tag
    assert "orphaned" in err and stretching in err
    assert db.count("evidence") == 2
    code, out, _ = run("claims", "--json")
    coffee_now = next(c for c in json.loads(out) if c["id"] == coffee)
    assert coffee_now["evidence"] == [
        {"study": "x2020stretch", "stance": "contradicts", "origin": "user", "note": "kept"}
    ]
    assert coffee_now["status"] == "disputed"
    code, out, _ = run("claims", "--json")
    assert stretching not in {c["id"] for c in json.loads(out)}


def test_ingest_stdin_and_errors(tmp_path: Path) -> None:
    code, out, err = run(
        "ingest", "-", "--name", "pasted", input="Experts agree that sleep matters for memory.\n"
    )
    assert code == 0, err
    code, out, _ = run("claims", "--document", "pasted", "--json")
    assert json.loads(out)[0]["status"] == "vague"
    code, _, err = run("ingest", str(tmp_path / "missing.txt"))
    assert code == 2
    assert err.strip() == f"Error: {tmp_path / 'missing.txt'}: no such file. Check the path."
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\xff\x00" * 50)
    code, _, err = run("ingest", str(binary))
    assert code == 2
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    code, _, err = run("claims", "--document", "nope")
    assert code == 2
    assert err.startswith('Error: No document named "nope".')


def test_ingest_with_bib_resolves_citekeys_and_reports_unknown(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{field1996,\n  author = {Field, Tiffany},\n"
        "  title = {Massage therapy reduces anxiety},\n  journal = {Int J Neurosci},\n"
        "  year = {1996},\n}\n",
        encoding="utf-8",
    )
    doc = tmp_path / "paper.md"
    doc.write_text(
        "---\ntitle: A paper\nauthor: someone@example.org\n---\n\n"
        "Chair massage lowered anxiety in office workers [@field1996].\n\n"
        "Stretching reduced injuries by a third [@nobody2020].\n",
        encoding="utf-8",
    )
    code, out, err = run("ingest", str(doc), "--bib", str(bib))
    assert code == 0, err
    assert "nobody2020" in err
    claims = {c["text"][:14]: c for c in json.loads(run("claims", "--json")[1])}
    massage = claims["Chair massage "]
    assert massage["status"] == "cited"
    assert massage["mentions"][0]["citekey"] == "field1996"
    assert massage["mentions"][0]["study"] == "field1996"
    assert claims["Stretching red"]["mentions"][0]["study"] is None


def test_unchanged_file_is_not_parsed_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "a.md"
    doc.write_text("# Title\n\nStudies show that naps restore attention.\n", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    import evidence.ingest as documents

    original = documents.read_document

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the unchanged file was parsed again")

    monkeypatch.setattr(documents, "read_document", fail)
    code, out, _ = run("ingest", str(doc))
    assert code == 0
    assert "unchanged" in out and "1 claims" in out and "0 unsourced" in out
    # a directory of Markdown files is known by the bytes of its files too
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "01.md").write_text(
        "Coffee lowers the risk of heart failure by 15%.\n", encoding="utf-8"
    )
    monkeypatch.setattr(documents, "read_document", original)
    assert run("ingest", str(folder))[0] == 0
    monkeypatch.setattr(documents, "read_document", fail)
    assert "unchanged" in run("ingest", str(folder))[1]


def test_ingest_again_with_bib_resolves_the_citekeys(tmp_path: Path) -> None:
    """`ingest doc.md` then `ingest doc.md --bib refs.bib`: the second run must read the
    document again (the --bib keys are new) and tie its citekeys to the imported studies,
    not answer "unchanged" with the keys left unresolved."""
    doc = tmp_path / "doc.md"
    doc.write_text("Massage therapy reduced anxiety in adults [@field1996].\n", encoding="utf-8")
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{field1996,\n  title = {Massage therapy reduces anxiety},\n"
        "  author = {Field, Tiffany},\n  journal = {Int J Neurosci},\n  year = {1996},\n"
        "  doi = {10.3109/00207459608986710}\n}\n",
        encoding="utf-8",
    )
    code, _, stderr = run("ingest", str(doc))
    assert code == 0, stderr
    code, _, _ = run("claims", "--json")
    assert code == 0

    code, stdout, stderr = run("ingest", str(doc), "--bib", str(bib))
    assert code == 0, stderr
    assert "unchanged" not in stdout
    code, stdout, _ = run("claims", "--json")
    (claim,) = json.loads(stdout)
    (mention,) = claim["mentions"]
    assert (mention["kind"], mention["citekey"], mention["study"]) == (
        "citekey",
        "field1996",
        "field1996",
    )
    assert claim["status"] == "cited"

    # the same command once more changes nothing
    code, stdout, _ = run("ingest", str(doc), "--bib", str(bib))
    assert code == 0 and "unchanged" in stdout
