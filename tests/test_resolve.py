"""resolve: identifiers, citekeys and reference-list entries become studies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence import resolve as resolving
from evidence.cli import app
from evidence.store import Store
from tests.test_verify import RCT

DOC = """Massage and anxiety

Chair massage lowered anxiety scores in office workers [1]. Meditation improved sleep
in older adults (Nobody & Somebody, 2003).

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


ATTRIBUTED = (
    "A study released in the International Journal of Neuroscience discovered that attendees "
    "who gotten a 15-minute office chair massage experienced a notable decrease in anxiety "
    "contrasted to those who simply sat quietly. The study also found that math computations "
    "got faster and more accurate after the massage.\n\n"
    "One more research study released in the Journal of Clinical Nursing discovered that "
    "normal massage decreased indicators of anxiety among office workers.\n"
)
FIELD_ABSTRACT = (
    "Twenty-six adults were given a chair massage and 24 control group adults were asked to "
    "relax in the chair for 15 minutes, two times per week for five weeks. Anxiety levels "
    "and job stress were lower after massage, and math computations were completed in less "
    "time with fewer errors."
)


def test_attribution_candidates_and_accept(fake_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_services.add(dict(RCT, abstract=FIELD_ABSTRACT))
    fake_services.add(
        dict(
            RCT,
            doi="10.3109/other",
            pmid="7",
            title="Spinal cord injury outcomes after surgery",
            abstract="Outcomes of spinal surgery in 40 patients.",
            year=2001,
        )
    )
    doc = tmp_path / "article.txt"
    doc.write_text(ATTRIBUTED, encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    code, out, err = run("resolve", "--json")
    assert code == 0, err
    listed = run("claims", "--json")[1]
    claims = json.loads(listed)
    assert [c["status"] for c in claims] == ["attributed", "attributed", "attributed"]
    # mentions with candidates: the claim template writes what json.dumps writes
    assert any(m["candidates"] for c in claims for m in c["mentions"])
    assert listed == json.dumps(claims, indent=2, ensure_ascii=False) + "\n"
    model = json.loads(run("report", "--format", "json")[1])
    first = model["claims"][0]["mentions"][0]
    assert first["candidates"][0]["doi"] == RCT["doi"]
    assert first["candidates"][0]["accepted"] is False
    # candidates not yet in the library are shown by title and DOI in both reports
    for fmt in ("md", "html"):
        text = run("report", "--format", fmt)[1]
        assert "Massage therapy reduces anxiety and enhances EEG pattern" in text
        assert f"doi:{RCT['doi']}" in text
    # --accept takes it, for the sentence and its continuation, never for the other journal
    code, out, err = run("resolve", "--accept", "--json")
    assert code == 0, err
    claims = json.loads(run("claims", "--json")[1])
    assert [c["status"] for c in claims] == ["cited", "cited", "attributed"]
    assert claims[0]["mentions"][0]["study"] == claims[1]["mentions"][0]["study"]
    nursing = claims[2]["mentions"][0]
    assert nursing["journal"] == "Journal of Clinical Nursing" and nursing["study"] is None


LIBRARY_ATTRIBUTION = (
    "A study published in the International Journal of Neuroscience found that a chair "
    "massage twice a week reduced anxiety and improved alertness and math computations in "
    "adults.\n"
)


def _field_library(tmp_path: Path) -> Path:
    """A CSL-JSON library holding the Field (1996) study and an unrelated one of the journal."""
    library = tmp_path / "library.json"
    library.write_text(
        json.dumps(
            [
                {
                    "id": "field1996massage",
                    "type": "article-journal",
                    "title": RCT["title"],
                    "author": [{"family": "Field", "given": "T"}],
                    "container-title": "International Journal of Neuroscience",
                    "issued": {"date-parts": [[1996]]},
                    "DOI": RCT["doi"],
                },
                {
                    "id": "other1990spine",
                    "type": "article-journal",
                    "title": "Spinal cord injury outcomes after surgery",
                    "author": [{"family": "Other", "given": "A"}],
                    "container-title": "Int J Neurosci",
                    "issued": {"date-parts": [[1990]]},
                },
            ]
        ),
        encoding="utf-8",
    )
    return library


def test_offline_the_library_study_is_a_candidate_and_accepted(tmp_path: Path) -> None:
    assert run("import", str(_field_library(tmp_path)))[0] == 0
    doc = tmp_path / "article.txt"
    doc.write_text(LIBRARY_ATTRIBUTION, encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    code, out, err = run("--offline", "resolve", "--json")
    # No service is asked: the library's study is clearly right, so offline is no failure.
    assert code == 0, err
    summary = json.loads(out)
    assert summary["failures"] == []
    assert summary["resolved"] == 0
    (line,) = summary["unresolved"]
    assert "attributed to International Journal of Neuroscience: best candidate scores" in line
    model = json.loads(run("report", "--format", "json")[1])
    mention = model["claims"][0]["mentions"][0]
    # The unrelated study of the same journal shares no key term: it is no candidate.
    assert [(c["study"], c["accepted"]) for c in mention["candidates"]] == [
        ("field1996massage", False)
    ]
    assert mention["candidates"][0]["score"] >= 0.55
    code, out, err = run("--offline", "resolve", "--accept", "--json")
    assert code == 0, err
    assert json.loads(out)["by_kind"] == {"journal": 1}
    claim = json.loads(run("claims", "--json")[1])[0]
    assert claim["status"] == "cited"
    assert claim["mentions"][0]["study"] == "field1996massage"
    assert Store(tmp_path / "evidence.db").count("studies") == 2  # nothing added


def test_a_weak_library_candidate_is_ranked_with_the_services(
    fake_services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # The library holds the study without its title words of the finding; the services
    # know it with its abstract, and another study of the journal.
    fake_services.add(dict(RCT, abstract=FIELD_ABSTRACT))
    library = tmp_path / "library.json"
    library.write_text(
        json.dumps(
            [
                {
                    "id": "field1996",
                    "type": "article-journal",
                    "title": "Massage therapy and anxiety",
                    "container-title": "International Journal of Neuroscience",
                    "issued": {"date-parts": [[1996]]},
                    "PMID": RCT["pmid"],
                }
            ]
        ),
        encoding="utf-8",
    )
    assert run("import", str(library))[0] == 0
    doc = tmp_path / "article.txt"
    doc.write_text(ATTRIBUTED.split("\n\n")[0] + "\n", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    code, out, err = run("resolve", "--accept", "--json")
    assert code == 0, err
    model = json.loads(run("report", "--format", "json")[1])
    mention = model["claims"][0]["mentions"][0]
    # One record: the library's study (same PMID) stands for the service's copy.
    assert [c["study"] for c in mention["candidates"]] == ["field1996"]
    assert mention["study"] == "field1996"
    assert Store(tmp_path / "evidence.db").count("studies") == 1


def test_an_attribution_keeps_its_best_candidates_of_a_large_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of the library's many studies of the named journal that share the finding's
    terms, the best CANDIDATES_KEPT are stored, and the summary says how many scored;
    ranking only the best KNOWN_KEPT of them stores the same candidates."""
    entries = json.loads(_field_library(tmp_path).read_text(encoding="utf-8"))[:1]
    entries += [
        {
            "id": f"roe{n}",
            "type": "article-journal",
            "title": f"Massage and anxiety in office workers, report {n}",
            "author": [{"family": "Roe", "given": "R"}],
            "container-title": "International Journal of Neuroscience",
            "issued": {"date-parts": [[1980 + n]]},
        }
        for n in range(14)
    ]
    library = tmp_path / "many.json"
    library.write_text(json.dumps(entries), encoding="utf-8")
    assert run("import", str(library))[0] == 0
    doc = tmp_path / "article.txt"
    doc.write_text(LIBRARY_ATTRIBUTION, encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    stored = []
    for known_kept in (resolving.KNOWN_KEPT, 11):
        monkeypatch.setattr(resolving, "KNOWN_KEPT", known_kept)
        code, out, err = run("--offline", "resolve", "--json")
        assert code == 0, err
        (line,) = json.loads(out)["unresolved"]
        assert line.endswith("(15 candidates, the best 10 kept)"), line
        mention = json.loads(run("report", "--format", "json")[1])["claims"][0]["mentions"][0]
        stored.append(mention["candidates"])
    scores = [c["score"] for c in stored[0]]
    assert len(scores) == 10 and scores == sorted(scores, reverse=True)
    assert stored[0][0]["study"] == "field1996massage"
    assert len(set(scores)) < len(scores)  # ties, kept in the library's order
    assert stored[1] == stored[0]
