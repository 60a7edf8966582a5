"""Reports written piece by piece (evidence.reportstream, reports.stream) against the
whole model in memory (evidence.reportmodel, reports.render): the same bytes, in every
format, for a document and for the whole library, in small chunks and in the compact
layout; and the CLI writing them."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import evidence.reportmodel
import evidence.reportstream
import reports.render
import reports.stream
from evidence.cli import app
from evidence.reportmodel import build_report_model
from evidence.reportstream import open_report_model
from evidence.store import Store
from reports import render_json, render_report
from reports.jsontext import json_text
from reports.render import _json_default
from reports.stream import iter_json, iter_report, tidy_markdown
from tests.test_report_references import STUDIES, build_store

DATA = Path(__file__).resolve().parent / "data"
STAMP = "2026-12-01T09:00:00+00:00"

# Studies beyond those of test_report_references: one never checked, one with a
# correction notice, a probable duplicate of it, one a candidate reaches only, one no
# claim reaches, one whose check predates the fields (mismatches only).
EXTRA: list[dict[str, Any]] = [
    {"row": {"citekey": "adams2020plain", "title": "A plain trial", "year": 2020}},
    {
        "row": {
            "citekey": "baker2019corrected",
            "title": "A corrected cohort",
            "authors": [{"family": "Baker", "given": "B"}],
            "journal": "BMJ",
            "year": 2019,
            "evidence_level": "observational",
        },
        "notice": {"kind": "correction", "source": "crossref", "date": "2021-05-01"},
        "check": {"status": "verified", "sources": ["crossref"], "reason": "found"},
    },
    {"row": {"citekey": "baker2019corrected2", "title": "A corrected cohort", "year": 2019}},
    {"row": {"citekey": "cole2018candidate", "title": "A candidate", "year": 2018}},
    {"row": {"citekey": "zed2000unused", "title": "Never cited", "year": 2000}},
    {
        "row": {"citekey": "old2010legacy", "title": "Old check", "year": 2010},
        "check": {
            "status": "mismatch",
            "sources": ["crossref"],
            "mismatches": [{"field": "year", "ours": 2010, "theirs": 2011, "source": "crossref"}],
            "reason": "year",
        },
    },
]


def _ids(store: Store) -> dict[str, int]:
    return {r["citekey"]: r["id"] for r in store.query("select id, citekey from studies")}


def _claim(store: Store, doc: int, n: int, text: str, **extra: Any) -> str:
    claim_id = f"d{doc}-c{n}"
    store.insert(
        "claims",
        {
            "id": claim_id,
            "document_id": doc,
            "position": n,
            "text": text,
            "start": n * 100,
            "end": n * 100 + len(text),
            "checkworthiness": 0.5 + n / 100,
            "reasons": ["numbers"] if n % 2 else [],
            **extra,
        },
    )
    return claim_id


def _mention(store: Store, claim: str, doc: int, kind: str, text: str, **extra: Any) -> int:
    return store.insert(
        "mentions",
        {"claim_id": claim, "document_id": doc, "kind": kind, "text": text, **extra},
    )


def _link(store: Store, claim: str, study: int, stance: str, origin: str, note: Any = None) -> None:
    store.insert(
        "evidence",
        {"claim_id": claim, "study_id": study, "stance": stance, "origin": origin, "note": note},
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Two documents whose claims reach studies of every kind of verdict and notice."""
    store = build_store(tmp_path / "evidence.db", STUDIES + EXTRA)
    ids = _ids(store)
    store.update("studies", ids["baker2019corrected2"], {"duplicate_of": ids["baker2019corrected"]})
    a = store.insert("documents", {"name": "a.md", "format": "markdown", "ingested_at": STAMP})
    b = store.insert("documents", {"name": "b.md", "format": "markdown", "ingested_at": STAMP})
    c = _claim(store, a, 1, "Attention helps <b>a lot</b> | really.")
    _mention(
        store, c, a, "doi", "doi:10.1/x", identifier="10.1/x", study_id=ids["vaswani2017attention"]
    )
    _link(store, c, ids["vaswani2017attention"], "supports", "citation")
    c = _claim(store, a, 2, "Folding works [@quill2024neural].")
    _mention(
        store,
        c,
        a,
        "citekey",
        "@quill2024neural",
        citekey="quill2024neural",
        study_id=ids["quill2024neural"],
    )
    _link(store, c, ids["quill2024neural"], "mentions", "citation")
    c = _claim(store, a, 3, "BERT is strong.")
    _link(store, c, ids["devlin2019bert"], "contradicts", "user", "n=50, *not* blinded")
    _link(store, c, ids["adams2020plain"], "supports", "user")
    c = _claim(store, a, 4, "The Lancet says walking helps.")
    m = _mention(store, c, a, "journal", "The Lancet", journal="The Lancet")
    store.insert(
        "candidates",
        {
            "mention_id": m,
            "study_id": ids["cole2018candidate"],
            "score": 0.71,
            "reasons": ["journal", "year"],
            "rank": 1,
            "accepted": 0,
        },
    )
    store.insert(
        "candidates",
        {
            "mention_id": m,
            "doi": "10.9/found",
            "title": "Found work",
            "journal": "Lancet",
            "year": 2001,
            "score": 0.4,
            "rank": 2,
            "accepted": 0,
        },
    )
    _claim(store, a, 5, "Nothing backs this up.")
    c = _claim(store, a, 6, "Experts agree.")
    _mention(store, c, a, "vague", "experts")
    c = _claim(store, a, 7, "Removed since.", removed_at=STAMP)
    _link(store, c, ids["zed2000unused"], "supports", "user")
    c = _claim(store, a, 8, "MMR causes harm.")
    _mention(
        store, c, a, "doi", "doi:10.1016/S0140-6736(97)11096-0", study_id=ids["wakefield1998ileal"]
    )
    _link(store, c, ids["wakefield1998ileal"], "supports", "citation")
    c = _claim(store, a, 9, "Cohorts agree.")
    _link(store, c, ids["baker2019corrected2"], "supports", "suggested")
    _link(store, c, ids["old2010legacy"], "mentions", "user")
    c = _claim(store, b, 1, "A corrected cohort found it.")
    _link(store, c, ids["baker2019corrected"], "supports", "user")
    _claim(store, b, 2, "Also unsourced.")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def pinned_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence.reportmodel, "now", lambda: STAMP)


def _streamed(store: Store, document: str | None, fmt: str) -> str:
    with store.snapshot():
        return "".join(iter_report(open_report_model(store, document), fmt))


def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    for module, names in (
        (reports.stream, ("CHUNK", "STUDY_CACHE", "REFERENCE_CACHE", "PIECE")),
        (evidence.reportstream, ("STUDY_CHUNK", "CLAIM_CHUNK", "TALLY_CHUNK")),
    ):
        for name in names:
            monkeypatch.setattr(module, name, 2)


@pytest.mark.parametrize("document", ["a.md", "b.md", None])
@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_streamed_report_is_the_in_memory_report(store: Store, document: Any, fmt: str) -> None:
    expected = render_report(build_report_model(store, document), fmt)
    assert _streamed(store, document, fmt) == expected


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_streamed_report_in_small_chunks_and_compact(
    store: Store, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    _small_chunks(monkeypatch)
    for compact in (1000, 2):  # the full layout, then the compact one (more than 2 claims)
        monkeypatch.setattr(reports.render, "COMPACT_CLAIMS", compact)
        for document in ("a.md", None):
            expected = render_report(build_report_model(store, document), fmt)
            assert _streamed(store, document, fmt) == expected, (compact, document)


def test_streamed_model_has_the_in_memory_content(store: Store) -> None:
    memory = build_report_model(store, "a.md")
    with store.snapshot():
        streamed = open_report_model(store, "a.md")
        assert list(streamed) == list(memory)
        assert list(streamed["claims"]) == memory["claims"]
        assert list(streamed["claims"]) == memory["claims"]  # read again, the same
        assert dict(streamed["studies"].items()) == memory["studies"]
        assert len(streamed["claims"]) == 8 and len(streamed["studies"]) == 8
        for key in ("summary", "evidence_map", "lacking_sources", "attention", "references"):
            assert streamed[key] == memory[key], key
    # the study no claim reaches, and the removed claim's, are not in the report
    assert "zed2000unused" not in memory["studies"]
    assert memory["summary"]["claims_by_status"]["retracted"] == 1
    assert [a["study"] for a in memory["attention"]] == [
        "baker2019corrected2",
        "devlin2019bert",
        "old2010legacy",
        "quill2024neural",
        "wakefield1998ileal",
    ]


def test_streamed_report_reads_claims_in_bounded_queries(store: Store) -> None:
    statements: list[str] = []
    store.trace(lambda sql, params: statements.append(sql))
    _streamed(store, "a.md", "html")
    first = len(statements)
    for n in range(10, 40):
        _claim(store, 1, n, f"Extra claim {n}.")
    statements.clear()
    _streamed(store, "a.md", "html")
    assert len(statements) == first


# --- the JSON and Markdown writers against json.dumps and the regular expressions -------


def test_iter_json_is_render_json() -> None:
    model = json.loads((DATA / "report_model.json").read_text(encoding="utf-8"))
    assert "".join(iter_json(model)) == render_json(model)
    odd: dict[str, Any] = {
        "empty": {},
        "none": [],
        "claims": ({"a": (1, 2)}, "\u2028 é \n"),
        "studies": {1: {"x": {2.5, 1.5}}, "k": None},
        "n": 3,
    }
    assert "".join(iter_json(odd)) == render_json(odd)
    assert "".join(iter_json({})) == render_json({}) == "{}\n"


def _tidy_by_regex(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def test_tidy_markdown_is_the_regular_expressions() -> None:
    rng = random.Random(5)
    alphabet = ["a", "b", " ", "\t", "\n", "\n", "\n", "\r", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        cuts = sorted(rng.sample(range(len(text) + 1), min(3, len(text) + 1)))
        pieces = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        assert "".join(tidy_markdown(pieces)) == _tidy_by_regex(text), repr(text)


# --- the CLI -----------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_cli_report_streams_the_in_memory_report(store: Store, tmp_path: Path, fmt: str) -> None:
    expected = render_report(build_report_model(store, "a.md"), fmt)
    out_file = tmp_path / f"report.{fmt}"
    code, _, err = run("report", "--document", "a.md", "--format", fmt, "--output", str(out_file))
    assert code == 0, err
    assert out_file.read_text(encoding="utf-8") == expected
    code, out, err = run("report", "--document", "a.md", "--format", fmt)
    assert code == 0, err
    assert out == (expected if expected.endswith("\n") else expected + "\n")


def test_cli_report_of_an_unknown_document_writes_nothing(store: Store, tmp_path: Path) -> None:
    out_file = tmp_path / "report.md"
    code, _, err = run("report", "--document", "nope.md", "--output", str(out_file))
    assert code == 2
    assert err.startswith('Error: No document named "nope.md".')
    assert not out_file.exists()
    assert not list(tmp_path.glob(".evidence-*"))


def test_cli_user_template_reads_the_whole_model(store: Store, tmp_path: Path) -> None:
    template = tmp_path / "mine.j2"
    template.write_text(
        "{% for c in claims %}{{ c.id }}:{{ claims_by_id[c.id].status }}|{% endfor %}"
        "{{ studies | length }}",
        encoding="utf-8",
    )
    code, out, err = run("report", "--document", "a.md", "--template", str(template))
    assert code == 0, err
    model = build_report_model(store, "a.md")
    expected = "".join(f"{c['id']}:{c['status']}|" for c in model["claims"])
    assert out == f"{expected}{len(model['studies'])}\n"


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    scalars: list[Any] = [
        "",
        "plain",
        'quote " back \\ slash',
        "line\nbreak\ttab\x01\u2028é😀",
        0,
        -7,
        2**70,
        1.5,
        -0.0,
        1e300,
        float("inf"),
        float("-inf"),
        True,
        False,
        None,
    ]
    if depth > 3 or rng.random() < 0.4:
        return rng.choice(scalars)
    size = rng.randrange(0, 4)
    shape = rng.randrange(4)
    if shape == 0:
        return [_random_value(rng, depth + 1) for _ in range(size)]
    if shape == 1:
        return tuple(_random_value(rng, depth + 1) for _ in range(size))
    if shape == 2:
        return {rng.choice([1, 2]), rng.choice(["a", "b"])} if size else set()
    keys: list[Any] = ["k", "é", 'q"', 3, 2.5, True, False, None]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(size)}


def test_json_text_is_json_dumps() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        value = _random_value(rng)
        expected = json.dumps(value, indent=2, ensure_ascii=False, default=_json_default)
        for level in (0, 2):
            assert json_text(value, level, _json_default) == expected.replace(
                "\n", "\n" + "  " * level
            ), repr(value)
    with pytest.raises(TypeError):
        json_text({(1, 2): 0}, 0, _json_default)
    with pytest.raises(TypeError):
        json_text(object(), 0, _json_default)


def test_remembered_style_searches_format_as_citeproc_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from citeproc.model import CitationStylesElement

    from reports import citation

    studies = [
        {"id": f"s{i}", **spec}
        for i, spec in enumerate(
            [
                {
                    "title": "A trial",
                    "authors": [{"family": "Field", "given": "TM"}],
                    "journal": "J Pain",
                    "year": 2001,
                    "volume": "3",
                    "issue": "2",
                    "pages": "10-19",
                    "doi": "10.1/a",
                },
                {
                    "title": "A book",
                    "type": "book",
                    "publisher": "OUP",
                    "year": 1999,
                    "authors": [{"family": f"A{n}", "given": "B"} for n in range(8)],
                },
                {"title": "Chapter <i>x</i>", "type": "chapter", "isbn": "978-0"},
                {"title": "Untitled preprint", "type": "preprint", "authors": ["Org Name"]},
                {},
            ]
        )
    ]
    citation._cache.clear()
    remembered = [r.marked for r in citation.format_references(studies)]
    assert getattr(CitationStylesElement.xpath_search, "remembers", False)
    monkeypatch.setattr(
        CitationStylesElement, "xpath_search", CitationStylesElement.xpath_search.original
    )
    citation._cache.clear()
    assert [r.marked for r in citation.format_references(studies)] == remembered
    citation._cache.clear()


def _escape_everything(text: str) -> str:
    """md_escape without its shortcut for text no pattern can match."""
    from reports import escape as e

    value = e._NEWLINES.sub(" ", text)
    value = e._REFERENCE.sub("&amp;", value)
    value = e._INLINE.sub(r"\\\1", value)
    value = e._OPENING.sub("&lt;", value)
    value = e._LEADING_QUOTE.sub("&gt;", value)
    value = e._TEMPLATE.sub("&#123;", value)
    value = e._LEADING_ORDERED.sub(r"\1\\\2", value)
    value = e._LEADING_BULLET.sub(r"\\\1", value)
    return e._SETEXT.sub(lambda m: "\\" + m.group(0), value)


def test_md_escape_shortcut_changes_nothing() -> None:
    from reports.escape import md_escape

    alphabet = [*"ab 1-+=.)&<>{}#*_[]|~\\`\r\n\t\u2028é!\u0663", "&amp;", "&#12;", "<a"]
    alphabet += ["x@y>", "{{", "{%", "===", "---"]
    rng = random.Random(2)
    for _ in range(50_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8)))
        assert md_escape(text) == _escape_everything(text), repr(text)
