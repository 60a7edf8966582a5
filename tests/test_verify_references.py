"""`evidence verify FILE.bib` end to end against the fake services (tests/fake_services.py):
references without identifiers found by title, fabricated ones not found, kinds of work
the services do not index left undecided, failing services never read as fabrication,
and a check that never adds a study."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app

PAPER = {
    "title": "Combinatorial Optimization for Panoptic Segmentation: A Fully Differentiable Approach",
    "authors": [("Abbas", "Ahmed"), ("Swoboda", "Paul")],
    "year": 2021,
    "journal": "Advances in Neural Information Processing Systems",
    "venue": "NeurIPS",
    "dblp_key": "conf/nips/AbbasS21",
    "type": "proceedings-article",
    # A DOI-less conference paper: DBLP, Semantic Scholar and OpenAlex know it.
    "services": ["dblp", "s2", "openalex"],
}

BIB = """\
@inproceedings{abbas2021,
  title = {Combinatorial Optimization for Panoptic Segmentation: A Fully Differentiable Approach},
  author = {Ahmed Abbas and Paul Swoboda},
  booktitle = {NeurIPS},
  year = {2021}
}
@inproceedings{swapped2021,
  title = {Combinatorial Optimization for Panoptic Segmentation: A Fully Differentiable Approach},
  author = {Petra Silva and Yacouba Ndiaye},
  booktitle = {ICML},
  year = {2021}
}
@inproceedings{invented2022,
  title = {Structured fast fourier transform attention for vision transformers},
  author = {Yoonwoo Lee and Jaehyeong Kang},
  booktitle = {NeurIPS},
  year = {2022}
}
@book{somebook,
  title = {A Handbook of Things Nobody Indexed Anywhere},
  author = {Jane Roe},
  publisher = {Small Press},
  year = {2001}
}
@misc{onlyurl,
  url = {https://example.org/some/page}
}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def study_count() -> int:
    code, out, _ = run("studies", "--json")
    return len(json.loads(out)) if code == 0 else 0


def write_bib(tmp_path: Path) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    return path


def test_verify_a_bibliography_entry_by_entry(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(PAPER)
    bib = write_bib(tmp_path)
    code, out, err = run("verify", str(bib), "--json")
    assert code == 1, err  # a reference that does not exist, one cited wrongly
    result = json.loads(out)
    refs = {r["citekey"]: r for r in result["references"]}
    assert refs["abbas2021"]["verdict"] == "verified"
    assert refs["abbas2021"]["matched"]["title"] == PAPER["title"]
    swapped = refs["swapped2021"]
    assert swapped["verdict"] == "mismatch" and swapped["likely"] == "miscited"
    assert {(f["kind"], f["severity"]) for f in swapped["fields"]} == {
        ("other-authors", "major"),
        ("other-venue", "major"),
    }
    invented = refs["invented2022"]
    assert invented["verdict"] == "not_found" and invented["likely"] == "fabricated"
    assert {s["service"] for s in invented["searched"]} >= {"openalex", "crossref", "dblp", "s2"}
    assert refs["somebook"]["verdict"] == "unverified"
    # An entry with nothing to check is named on stderr, never judged.
    assert "onlyurl" not in refs
    assert "onlyurl: no title; entry skipped" in err
    assert result["counts"] == {"verified": 1, "mismatch": 1, "not_found": 1, "unverified": 1}
    # The study JSON carries the same evidence.
    studies = {s["citekey"]: s for s in json.loads(run("studies", "--json")[1])}
    assert studies["swapped2021"]["verification"]["verdict"] == "mismatch"
    assert studies["swapped2021"]["verification"]["fields"]


def test_text_output_groups_problems_by_verdict(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(PAPER)
    code, out, _ = run("verify", str(write_bib(tmp_path)))
    assert code == 1
    lines = out.splitlines()
    assert lines.index("not_found (1)") < lines.index("mismatch (1)")
    assert any(line.startswith("  swapped2021 [likely miscited]:") for line in lines)
    assert any(
        "authors (major): cited Silva, Ndiaye; found Abbas, Swoboda" in line for line in lines
    )
    assert lines[-1] == "4 checked: 1 mismatch, 1 not_found, 1 unverified, 1 verified."


def test_a_check_never_adds_a_study(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(PAPER)
    bib = write_bib(tmp_path)
    assert run("import", str(bib))[0] == 1  # the entry without a title is skipped
    before = study_count()
    run("verify", "--all", "--refresh")
    run("verify", str(bib))
    assert study_count() == before


def test_failing_services_leave_references_unverified_and_a_rerun_decides(  # type: ignore[no-untyped-def]
    fake_services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A service that keeps failing is given up after this many seconds of retries.
    monkeypatch.setenv("EVIDENCE_HTTP_BUDGET", "3")
    fake_services.add(PAPER)
    bib = tmp_path / "two.bib"
    entries = BIB.split("@")
    bib.write_text("@" + entries[1] + "@" + entries[3], encoding="utf-8")
    for service in ("openalex", "crossref", "s2", "dblp", "arxiv"):
        fake_services.inject(service, "500", count=200)
    code, out, _ = run("verify", str(bib), "--json")
    assert code == 1
    verdicts = {r["citekey"]: r["verdict"] for r in json.loads(out)["references"]}
    # Nothing reads as fabricated while the services fail.
    assert set(verdicts.values()) == {"unverified"}
    fake_services._faults.clear()
    monkeypatch.delenv("EVIDENCE_HTTP_BUDGET")
    code, out, _ = run("verify", str(bib), "--json")
    verdicts = {r["citekey"]: r["verdict"] for r in json.loads(out)["references"]}
    assert verdicts["abbas2021"] == "verified"
    assert verdicts["invented2022"] == "not_found"


def test_verify_a_manuscript_checks_the_studies_it_cites(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(
        doi="10.3109/00207459608986710",
        title="Massage therapy reduces anxiety and enhances EEG pattern of alertness and math computations",
        authors=[("Field", "T"), ("Ironson", "G")],
        journal="International Journal of Neuroscience",
        year=1996,
    )
    doc = tmp_path / "draft.md"
    doc.write_text(
        "# Draft\n\nMassage lowers anxiety in adults (doi:10.3109/00207459608986710).\n\n"
        "Massage also cures every known disease (doi:10.5555/does.not.exist).\n",
        encoding="utf-8",
    )
    code, out, err = run("verify", str(doc), "--json")
    verdicts = {r["verdict"] for r in json.loads(out)["references"]}
    assert verdicts == {"verified", "not_found"}, err
    assert code == 1
    # The manuscript is in the library now, its claims tied to what they cite.
    assert json.loads(run("claims", "--json", "--document", "draft.md")[1])
