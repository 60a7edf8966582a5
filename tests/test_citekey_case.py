"""Citekeys a user types are found whatever their case, as BibTeX finds them; keys that
differ only by case are named, never chosen between."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bib.citekey_lookup import CitekeyLookup, fold_citekey
from evidence.cli import app
from evidence.errors import AmbiguousCitekey
from evidence.library import get_study
from evidence.store import Store

DENG = """
@article{Deng2018,
  author = {Deng, Gary},
  title = {Massage for anxiety in adults},
  journal = {Journal of Tests},
  year = {2018},
}
"""
# Another work whose key differs from Deng2018 only by case (a second file's key).
DENG_UPPER = """
@article{DENG2018,
  author = {Deng, Hua},
  title = {Acupuncture for chronic pain},
  journal = {Pain Reports},
  year = {2018},
}
"""
TWINS = '"DENG2018" and "Deng2018", which differ only by case'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def bib(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def claim_ids() -> list[str]:
    code, out, err = run("claims", "--json")
    assert code == 0, err
    return [c["id"] for c in json.loads(out)]


# --- the rule ---------------------------------------------------------------------------


def test_fold_is_ascii_case_as_bibtex_and_sqlite_nocase() -> None:
    assert fold_citekey("Deng2018") == fold_citekey("DENG2018") == "deng2018"
    # Only ASCII letters fold (SQLite's NOCASE does the same), after Unicode NFC.
    assert fold_citekey("Müller2020") == "müller2020"
    assert fold_citekey("Mu\u0308ller2020") == "müller2020"
    assert fold_citekey("MÜLLER2020") != fold_citekey("müller2020")


def test_lookup_exact_first_then_the_one_other_case() -> None:
    keys = CitekeyLookup([("Deng2018", 1), ("smith2020", 2), ("SMITH2020", 3)])
    assert keys.find("deng2018") == keys.find("DENG2018") == 1
    assert keys.matches("deng2018") == ["Deng2018"]
    # Typed exactly as stored: that one, though another differs only by case.
    assert keys.find("smith2020") == 2 and keys.find("SMITH2020") == 3
    # Typed as neither: both named, none chosen.
    assert keys.find("Smith2020") is None
    assert sorted(keys.matches("Smith2020")) == ["SMITH2020", "smith2020"]
    assert keys.find("jones2019") is None and keys.matches("jones2019") == []
    assert "DENG2018" in keys and "jones2019" not in keys


# --- the library ------------------------------------------------------------------------


def test_show_finds_a_key_in_another_case(tmp_path: Path) -> None:
    assert run("import", str(bib(tmp_path, "a.bib", DENG)))[0] == 0
    for typed in ("deng2018", "DENG2018", " Deng2018 "):
        code, out, err = run("show", typed, "--json")
        assert code == 0, err
        assert json.loads(out)["citekey"] == "Deng2018"


def test_keys_differing_only_by_case_are_named_not_chosen(tmp_path: Path) -> None:
    assert run("import", str(bib(tmp_path, "a.bib", DENG)))[0] == 0
    assert run("import", str(bib(tmp_path, "b.bib", DENG_UPPER)))[0] == 0
    code, out, err = run("show", "deng2018")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f'Error: citekey "deng2018" matches {TWINS}. '
        "Use the one you mean, exactly as it is written."
    ]
    # Each is found when typed exactly.
    for key in ("Deng2018", "DENG2018"):
        code, out, _ = run("show", key, "--json")
        assert code == 0 and json.loads(out)["citekey"] == key
    store = Store(tmp_path / "evidence.db")
    with pytest.raises(AmbiguousCitekey, match=TWINS):
        get_study(store, "dEnG2018")


def test_tag_untag_and_verify_take_any_case(tmp_path: Path) -> None:
    assert run("import", str(bib(tmp_path, "a.bib", DENG)))[0] == 0
    doc = tmp_path / "paper.md"
    doc.write_text("Massage reduced anxiety in adults by half in a trial.\n", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    [claim] = claim_ids()
    code, out, err = run("tag", claim, "DENG2018", "--stance", "supports")
    assert code == 0, err
    assert out.strip() == f"{claim} supports Deng2018 (user)"
    code, out, err = run("untag", claim, "deng2018")
    assert code == 0, err
    code, out, err = run("--offline", "verify", "deng2018", "--json")
    assert "No study" not in err
    assert "Deng2018" in out


def test_lookup_uses_the_citekey_index(tmp_path: Path) -> None:
    """One indexed search, whatever the size of the library."""
    store = Store(tmp_path / "e.db")
    with store.transaction():
        store.insert_rows("studies", [{"citekey": f"Key{i}"} for i in range(2000)])
    assert get_study(store, "key1999")["citekey"] == "Key1999"
    plan = store.query(
        "explain query plan select * from studies where citekey = ? collate nocase", ["x"]
    )
    assert [p["detail"] for p in plan] == [
        "SEARCH studies USING INDEX idx_studies_citekey_nocase (citekey=?)"
    ]


# --- documents --------------------------------------------------------------------------


def test_document_cites_a_bib_key_in_another_case(tmp_path: Path) -> None:
    refs = bib(tmp_path, "refs.bib", DENG)
    doc = tmp_path / "paper.md"
    doc.write_text("Massage reduced anxiety in adults [@deng2018].\n", encoding="utf-8")
    code, out, err = run("ingest", "--bib", str(refs), "--json", str(doc))
    assert code == 0, err
    assert json.loads(out)[0]["problems"] == []
    code, out, _ = run("claims", "--json")
    [claim] = json.loads(out)
    assert claim["status"] == "cited"
    assert [m["study"] for m in claim["mentions"]] == ["Deng2018"]


def test_bib_file_keys_come_before_the_library(tmp_path: Path) -> None:
    """``\\cite{deng2018}`` with a --bib file holding Deng2018 means that entry, as
    BibTeX would read it, even when the library has another study under DENG2018."""
    assert run("import", str(bib(tmp_path, "b.bib", DENG_UPPER)))[0] == 0
    refs = bib(tmp_path, "refs.bib", DENG)
    doc = tmp_path / "paper.tex"
    doc.write_text(
        "\\documentclass{article}\\begin{document}\n"
        "Massage reduced anxiety in adults \\cite{deng2018}.\n\\end{document}\n",
        encoding="utf-8",
    )
    code, _, err = run("ingest", "--bib", str(refs), str(doc))
    assert code == 0, err
    code, out, _ = run("claims", "--json")
    assert [m["study"] for c in json.loads(out) for m in c["mentions"]] == ["Deng2018"]


def test_document_key_naming_two_case_twins_is_a_problem(tmp_path: Path) -> None:
    assert run("import", str(bib(tmp_path, "a.bib", DENG)))[0] == 0
    assert run("import", str(bib(tmp_path, "b.bib", DENG_UPPER)))[0] == 0
    doc = tmp_path / "paper.md"
    doc.write_text(
        "Massage reduced anxiety in adults [@deng2018].\n\nIt also eased pain [@deng2018].\n",
        encoding="utf-8",
    )
    code, out, err = run("ingest", str(doc))
    assert code == 0
    assert [line for line in err.splitlines() if "differ only by case" in line] == [
        f'paper.md: citekey "deng2018" matches {TWINS}. '
        "Use the one you mean, exactly as it is written"
    ]
    code, out, _ = run("claims", "--json")
    assert [m["study"] for c in json.loads(out) for m in c["mentions"]] == [None, None]


def test_resolve_finds_a_key_added_after_the_ingest(tmp_path: Path) -> None:
    doc = tmp_path / "paper.md"
    doc.write_text("Massage reduced anxiety in adults [@deng2018].\n", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    assert run("import", str(bib(tmp_path, "a.bib", DENG)))[0] == 0
    code, out, err = run("--offline", "resolve", "--json")
    assert code == 0, err
    assert json.loads(out)["resolved"] == 1
    code, out, _ = run("claims", "--json")
    assert [m["study"] for c in json.loads(out) for m in c["mentions"]] == ["Deng2018"]


def test_resolve_names_case_twins(tmp_path: Path) -> None:
    doc = tmp_path / "paper.md"
    doc.write_text("Massage reduced anxiety in adults [@deng2018].\n", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    assert run("import", str(bib(tmp_path, "a.bib", DENG)))[0] == 0
    assert run("import", str(bib(tmp_path, "b.bib", DENG_UPPER)))[0] == 0
    code, out, err = run("--offline", "resolve", "--json")
    assert json.loads(out)["resolved"] == 0
    assert any(TWINS in line for line in [*json.loads(out)["unresolved"], *err.splitlines()])
