"""Extraction on real manuscripts and health news (skipped when ../shared is absent).

Expected counts are computed independently here, with simple regular
expressions over the raw files, and compared with what the readers found."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.errors import DocumentError
from evidence.extract import Extraction, extract
from evidence.read import read_document
from tests.conftest import TEST_DATA, shared_path

MANUSCRIPTS = ("data", "corpora", "manuscripts")


def _bib_keys(path: Path) -> set[str]:
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", path.read_text(encoding="utf-8")))


def _spans_ok(result: Extraction) -> None:
    text = result.document.text
    for claim in result.scored:
        assert text[claim.start : claim.end] == claim.text
        for mention in claim.mentions:
            assert text[mention.start : mention.end] == mention.text


# --- deep-review (Manubot, pandoc citations) -------------------------------


@pytest.fixture(scope="module")
def deep_review() -> tuple[Path, Extraction]:
    content = shared_path(*MANUSCRIPTS, "deep-review", "content")
    return content, extract(read_document(content))


def test_deep_review_every_citation_found_none_invented(
    deep_review: tuple[Path, Extraction],
) -> None:
    content, result = deep_review
    expected: Counter[str] = Counter()
    for path in sorted(content.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        # The back matter's "[@tag:X]: doi:…" lines define tags; they cite nothing.
        raw = re.sub(r"(?m)^\[@tag:[^\]]+\]:.*$", "", raw)
        for m in re.finditer(r"@((?:tag|doi|arxiv|url|pmcid):[^\s;\]]+)", raw):
            expected[m.group(1).rstrip(".,")] += 1
    assert sum(expected.values()) == 844
    found = Counter(c.key for c in result.document.citations)
    assert found == expected
    kinds = Counter(k.split(":")[0] for k in found.elements())
    assert kinds == {"tag": 464, "doi": 302, "arxiv": 60, "url": 13, "pmcid": 5}
    _spans_ok(result)


def test_deep_review_tags_resolve_through_back_matter(
    deep_review: tuple[Path, Extraction],
) -> None:
    content, result = deep_review
    back = (content / "90.back-matter.md").read_text(encoding="utf-8")
    definitions = dict(re.findall(r"(?m)^\[@(tag:[^\]]+)\]:\s*(\S+)", back))
    tags = [c for c in result.document.citations if c.key.startswith("tag:")]
    assert tags and all(c.resolved == definitions[c.key] for c in tags)
    mentions = [m for m in result.mentions if m.citekey and m.citekey.startswith("tag:")]
    assert len(mentions) == len(tags)
    for mention in mentions:
        target = definitions[mention.citekey or ""]
        assert mention.kind == target.split(":")[0]
    assert not [p for p in result.problems if p.kind == "unknown-citekey"]


# --- JOSS paper ----------------------------------------------------------------


def test_joss_paper_keys_and_no_email_citations() -> None:
    folder = shared_path(*MANUSCRIPTS, "joss-y0-paper")
    raw = (folder / "paper.md").read_text(encoding="utf-8")
    keys = _bib_keys(folder / "paper.bib")
    result = extract(read_document(folder / "paper.md"), keys)
    cited = {c.key for c in result.document.citations}
    body = raw.split("\n---\n", 1)[1]
    expected = set(re.findall(r"(?<![\w.])@([\w][\w:.\-é]*[\w])", body)) & keys
    assert cited == expected
    assert len(cited) == 39 and len(keys - cited) == 5
    emails = set(re.findall(r"[\w.]+@([\w.]+)", raw))
    assert emails and not any(c.key in emails or "." in c.key for c in result.document.citations)
    assert not [p for p in result.problems if p.kind == "unknown-citekey"]
    _spans_ok(result)


# --- LaTeX meta-analysis ---------------------------------------------------------


def _latex_cites(path: Path, root: Path, seen: set[Path]) -> list[str]:
    source = re.sub(r"(?<!\\)%.*", "", path.read_text(encoding="utf-8"))
    keys: list[str] = []
    for m in re.finditer(r"\\input\{([^}]+)\}|\\cite\w*\*?(?:\[[^\]]*\])*\{([^}]*)\}", source):
        if m.group(1):
            target = root / (m.group(1) + ".tex")
            if target not in seen:
                seen.add(target)
                keys += _latex_cites(target, root, seen)
        else:
            keys += [k.strip() for k in m.group(2).split(",") if k.strip()]
    return keys


def test_latex_meta_analysis_every_cite_found() -> None:
    root = shared_path(*MANUSCRIPTS, "neurofeedback-meta-analysis-latex")
    expected = Counter(_latex_cites(root / "manuscript.tex", root, set()))
    result = extract(read_document(root / "manuscript.tex"), _bib_keys(root / "bibliography.bib"))
    assert Counter(c.key for c in result.document.citations) == expected
    assert sum(expected.values()) > 200
    assert "\\cite" not in result.document.text and "\\gls" not in result.document.text
    assert result.problems == []
    _spans_ok(result)


# --- cefiderocol systematic review --------------------------------------------------


def test_cefiderocol_missing_keys_reported() -> None:
    folder = shared_path(*MANUSCRIPTS, "cefiderocol-systematic-review")
    keys = _bib_keys(folder / "bibliography.bib")
    result = extract(read_document(folder / "Main.tex"), keys)
    missing = {p.key for p in result.problems if p.kind == "unknown-citekey"}
    assert missing == {"elhaj2024", "göpel2024", "stolfa2021"}
    raw = (folder / "Main.tex").read_text(encoding="utf-8")
    count = sum(len(g.split(",")) for g in re.findall(r"\\citep\{([^}]*)\}", raw))
    assert len(result.document.citations) == count
    qmd = extract(read_document(folder / "Main.qmd"), keys)
    assert len(qmd.document.citations) == count
    _spans_ok(result)


# --- deliberately flawed demo paper -------------------------------------------------


@pytest.mark.parametrize("name", ["to_err_is_human.qmd", "to_err_is_human.txt"])
def test_flawed_paper_author_year_matching(name: str) -> None:
    path = shared_path(*MANUSCRIPTS, "metacheck-to-err-is-human", name)
    result = extract(read_document(path))
    references = result.document.references
    assert [r.surnames[0] for r in references] == ["Gino", "Smith", "Lakens"]
    author_year = [m for m in result.mentions if m.kind == "author-year"]
    assert [(m.text, m.reference_index) for m in author_year] == [
        ("Gino & Wiltermuth, 2014", 0),
        ("Smithy, 2020", None),
    ]
    problems = {
        (p.kind, result.document.text[p.start or 0 : p.end or 0][:12]) for p in result.problems
    }
    assert problems == {
        ("mismatched-citation", "Smithy, 2020"),
        ("uncited-reference", "Lakens, D. ("),
    }
    # The Quarto cross-reference "@tbl-summary" is not a citation.
    assert result.document.citations == []
    _spans_ok(result)


# --- health news: narrative attributions ----------------------------------------------


def test_health_news_journal_attributions() -> None:
    path = shared_path("data", "corpora", "claims", "health-news-fakehealth")
    articles = {}
    with (path / "health_news_with_study_attributions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            articles[row["id"]] = row
    with (TEST_DATA / "fakehealth_journals.tsv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle, delimiter="\t"))
    assert len(articles) == 120 and len(expected) == 145
    results: dict[str, Extraction] = {}
    checked = 0
    for row in expected:
        article = articles[row["article_id"]]
        sentence = article["study_attribution_sentences"][int(row["sentence_index"])]
        if not row["journal"]:
            continue
        result = results.get(row["article_id"])
        if result is None:
            result = results[row["article_id"]] = extract(
                read_document(None, text=article["text"], fmt="text")
            )
        at = result.document.text.find(sentence)
        assert at >= 0
        names = [
            m.journal
            for m in result.mentions
            if m.kind == "journal" and at <= m.start < at + len(sentence)
        ]
        assert row["journal"] in names, (row, names)
        assert row["journal"] in sentence
        checked += 1
    assert checked >= 125


# --- bad input and arbitrary text ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("", "text"),
        ("\\section{Open {{{ \\cite{a", "latex"),
        ("}}}} \\end{itemize} \\item x \\begin{figure}", "latex"),
        ("<html><body><div><p>unclosed <b><i>tags & entities &bogus;", "html"),
        ("<<<>>>", "html"),
        ("```\nonly code\n```\n\n    indented code\n", "markdown"),
        ("[@", "markdown"),
        ("@", "markdown"),
    ],
)
def test_bad_input_is_an_error_or_empty(text: str, fmt: str) -> None:
    try:
        result = extract(read_document(None, text=text, fmt=fmt))
    except DocumentError:
        return
    _spans_ok(result)


def test_huge_and_binary_files(tmp_path: Path) -> None:
    huge = tmp_path / "huge.md"
    with huge.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    with pytest.raises(DocumentError, match="limit"):
        read_document(huge)
    binary = tmp_path / "data.tex"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DocumentError, match="binary"):
        read_document(binary)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(min_size=1, max_size=400),
    fmt=st.sampled_from(["text", "markdown", "html", "latex"]),
)
def test_never_crashes_and_spans_point_into_text(text: str, fmt: str) -> None:
    try:
        result = extract(read_document(None, text=text, fmt=fmt))
    except DocumentError:
        return
    _spans_ok(result)
    for sentence in result.sentences:
        assert result.document.text[sentence.start : sentence.end] == sentence.text
