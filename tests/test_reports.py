"""The report renderer: golden output, sections, escaping, the template sandbox, references."""

from __future__ import annotations

import copy
import html
import json
import os
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from citeproc import CitationStylesStyle
from markdown_it import MarkdownIt

from reports import (
    ReportError,
    TemplateError,
    format_reference,
    format_references,
    md_escape,
    render_evidence_map,
    render_report,
    render_status_bar,
    to_csl_item,
)
from reports import labels as vocab
from reports.resources import templates_dir

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden"
HOSTILE = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "[click](javascript:alert(1))",
    "![img](https://evil.example/x.png)",
    "**bold** _em_ | pipe",
]


def load_model() -> dict[str, Any]:
    return json.loads((DATA / "report_model.json").read_text(encoding="utf-8"))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing; run with UPDATE_GOLDEN=1 once and commit it"
    assert text == path.read_text(encoding="utf-8")


# --- golden files ----------------------------------------------------------------------


def test_markdown_matches_golden() -> None:
    check_golden("report.md", render_report(load_model(), "md"))


def test_json_matches_golden_and_round_trips() -> None:
    model = load_model()
    text = render_report(model, "json")
    check_golden("report.json", text)
    assert json.loads(text) == model
    assert render_report(model, "json") == text


def test_fixture_covers_every_status_and_verdict() -> None:
    model = load_model()
    assert {c["status"] for c in model["claims"]} == set(vocab.STATUSES)
    verdicts = {s["verification"]["status"] for s in model["studies"].values()}
    assert verdicts == set(vocab.VERDICTS)


# --- content and sections --------------------------------------------------------------


class _Collector(HTMLParser):
    """Elements, attributes and text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(source: str) -> _Collector:
    collector = _Collector()
    collector.feed(source)
    return collector


def test_html_summary_counts_match_model() -> None:
    model = load_model()
    page = parse_html(render_report(model, "html"))
    shown = {
        a["data-status"]: int(a["data-count"] or 0)
        for t, a in page.tags
        if t == "tr" and "data-status" in a
    }
    assert shown == model["summary"]["claims_by_status"]
    verdicts = {
        a["data-verdict"]: int(a["data-count"] or 0)
        for t, a in page.tags
        if t == "tr" and "data-verdict" in a
    }
    assert verdicts == model["summary"]["studies_by_verdict"]
    claims = [a for t, a in page.tags if t == "article"]
    assert [a["data-claim"] for a in claims] == [c["id"] for c in model["claims"]]
    assert [a["data-status"] for a in claims] == [c["status"] for c in model["claims"]]


def test_html_is_self_contained() -> None:
    source = render_report(load_model(), "html")
    page = parse_html(source)
    tags = {t for t, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not any("src" in a for _, a in page.tags)
    assert '<meta name="viewport"' in source and "@media print" in source
    assert source.count('<svg class="status-bar"') == 1
    assert source.count('<svg class="evidence-map"') == 1
    # Every claim status colour has its label next to it.
    for status in vocab.STATUSES:
        assert vocab.STATUS_LABELS[status] in source


def test_claim_details_are_rendered() -> None:
    md = render_report(load_model(), "md")
    # Formatted reference through the CSL style, verdict, design, stance and note.
    assert (
        "Field T, Ironson G, Scafidi F, Nawrocki T, Goncalves A, Burman I, et al. Massage therapy"
        " reduces anxiety and enhances EEG pattern of alertness and math computations."
        " *International Journal of Neuroscience*. 1996;86(3-4):197–205."
        " doi:10.3109/00207459608986710"
    ) in md
    assert "- **Supports** (tagged by a reviewer)" in md
    assert "- **Contradicts** (tagged by a reviewer)" in md
    assert "Note: Cochrane review: short-term benefit only" in md
    assert "⚠ **Retraction** (retraction-watch, 2010-02-06)" in md
    # Candidate studies with their scores for an attributed mention.
    assert "[cherkin2011comparison](#study-3), score 0.62: topic overlap 0.55" in md
    assert "Details differ, year: the document says 2012, crossref says 2011." in md


def _headings(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("#")]


def test_sections_absent_without_data() -> None:
    model = load_model()
    model["studies"] = {}
    model["attention"] = []
    model["lacking_sources"] = []
    model["evidence_map"] = {"claims": [], "studies": [], "cells": []}
    model["summary"].update(
        studies_total=0,
        studies_by_verdict={},
        evidence_levels={},
        retracted_sources=[],
        mismatched_sources=[],
    )
    for claim in model["claims"]:
        claim["evidence"] = []
    md = render_report(model, "md")
    headings = _headings(md)
    assert "## Claims" in headings
    for absent in (
        "## Studies",
        "## Sources that need attention",
        "## Claims that lack sources",
        "### Evidence map",
        "### Studies by verdict",
        "### Study designs",
        "### Retracted sources",
        "### Sources whose details differ",
    ):
        assert absent not in headings
    assert "Evidence:" not in md
    page = render_report(model, "html")
    for absent in ('id="studies"', 'id="attention"', 'id="lacking-sources"', 'id="evidence-map"'):
        assert absent not in page


def test_sections_present_with_data() -> None:
    headings = _headings(render_report(load_model(), "md"))
    for present in (
        "## Summary",
        "### Studies by verdict",
        "### Study designs",
        "### Retracted sources",
        "### Sources whose details differ",
        "### Evidence map",
        "## Claims",
        "## Claims that lack sources",
        "## Sources that need attention",
        "## Studies",
    ):
        assert present in headings
    order = [
        headings.index(h)
        for h in (
            "## Summary",
            "## Claims",
            "## Claims that lack sources",
            "## Sources that need attention",
        )
    ]
    assert order == sorted(order)


def test_empty_model_renders_without_empty_sections() -> None:
    model: dict[str, Any] = {"title": "Evidence report: empty.md", "claims": [], "studies": {}}
    md = render_report(model, "md")
    assert _headings(md) == ["# Evidence report: empty.md", "## Summary"]
    assert "**0 claims.**" in md
    page = render_report(model, "html")
    assert 'id="claims"' not in page and "<svg" not in page


def test_unknown_format_and_bad_model() -> None:
    with pytest.raises(ReportError, match="Unknown report format 'pdf'"):
        render_report(load_model(), "pdf")
    with pytest.raises(ReportError, match="mapping"):
        render_report([], "md")  # type: ignore[arg-type]


# --- hostile text ----------------------------------------------------------------------


def hostile_model() -> dict[str, Any]:
    model = load_model()
    joined = " ".join(HOSTILE)
    claim = model["claims"][4]
    claim["text"] = joined
    claim["reasons"] = [joined]
    claim["mentions"][0]["text"] = joined
    claim["mentions"][0]["journal"] = joined
    claim["evidence"][0]["note"] = joined
    study = model["studies"]["field1996massage"]
    study["title"] = joined
    study["authors"] = [{"family": "<b>Evil</b>", "given": "<i>X</i>"}]
    model["title"] = "Report <script>document.title='pwned'</script>"
    model["attention"].append({"study": "field1996massage", "reasons": [joined]})
    return model


def _rendered_markdown_html(md: str) -> str:
    # GitHub-like: raw HTML allowed, tables on. If our escaping failed, tags would appear.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


def test_hostile_text_is_inert_in_markdown() -> None:
    md = render_report(hostile_model(), "md")
    assert "<script" not in md and "<img" not in md and "{{" not in md and "{%" not in md
    rendered = _rendered_markdown_html(md)
    page = parse_html(rendered)
    tags = {t for t, _ in page.tags}
    assert "script" not in tags and "img" not in tags and "b" not in tags and "i" not in tags
    hrefs = [a.get("href") or "" for t, a in page.tags if t == "a"]
    assert not any("javascript" in h or "evil.example" in h for h in hrefs)
    text = html.unescape("".join(page.text))
    for hostile in HOSTILE:
        assert hostile in text, hostile
    assert "49" not in text.replace("2010", "")


def test_hostile_text_is_inert_in_html() -> None:
    source = render_report(hostile_model(), "html")
    page = parse_html(source)
    assert [t for t, _ in page.tags if t in ("script", "img", "b")] == []
    for _, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs)
        assert "javascript" not in (attrs.get("href") or "")
    text = "".join(page.text)
    for hostile in HOSTILE:
        assert hostile in text, hostile
    assert "<b>Evil</b>" in text
    assert "<title>Report &lt;script&gt;" in source


def test_markdown_escape_cases() -> None:
    assert md_escape("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert md_escape("![i](u)") == r"!\[i\](u)"
    assert md_escape("a <b> & c") == "a &lt;b> & c"
    assert md_escape("{{ 7*7 }}") == r"&#123;{ 7\*7 }}"
    assert md_escape("1. item") == r"1\. item"
    assert md_escape("0.74") == "0.74"
    assert md_escape("- item") == r"\- item"
    assert md_escape("---") == r"\---"
    assert md_escape("# not a heading") == r"\# not a heading"
    assert md_escape("a|b") == r"a\|b"
    assert md_escape("line one\nline two") == "line one line two"


# --- user templates and the sandbox ----------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_template_receives_the_model(tmp_path: Path) -> None:
    template = write(
        tmp_path,
        "mine.md.j2",
        "{{ title }}|{{ summary.claims_total }}|{{ model.claims | length }}|"
        "{{ studies.field1996massage.year }}|{{ reference('wakefield1998ileal') }}|"
        "{% for c in claims if c.status == 'retracted' %}{{ c.id }}{% endfor %}\n",
    )
    out = render_report(load_model(), "md", template)
    assert out.startswith("Evidence report: article.md|12|12|1996|Wakefield AJ, Murch SH")
    assert out.rstrip().endswith("|article-9f31a6e0")


def test_user_html_template_is_autoescaped(tmp_path: Path) -> None:
    template = write(
        tmp_path,
        "mine.j2",
        "<h1>{{ claims[0].text }}</h1>{{ status_bar(summary.claims_by_status) }}",
    )
    out = render_report(hostile_model_first_claim(), "html", template)
    assert "<h1>&lt;script&gt;" in out
    assert '<svg class="status-bar"' in out


def hostile_model_first_claim() -> dict[str, Any]:
    model = load_model()
    model["claims"][0]["text"] = HOSTILE[0]
    return model


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ claims.__class__ }}",
        "{{ reference.__globals__ }}",
        "{{ label.__code__ }}",
        "{% set x = claims.append(1) %}",
        "{{ summary.claims_by_status.update({'supported': 99}) }}",
    ],
)
def test_sandbox_blocks_code_and_mutation(tmp_path: Path, source: str) -> None:
    template = write(tmp_path, "evil.j2", "line one\n" + source + "\n")
    model = load_model()
    with pytest.raises(TemplateError) as caught:
        render_report(model, "md", template)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{template}, line 2" in message
    assert (
        "unsafe" in message or "not safely callable" in message or "Templates may only" in message
    )
    assert model == load_model()  # nothing was changed


def test_template_errors_are_one_line(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.j2", "ok\n{% for x in claims %}\n")
    with pytest.raises(TemplateError, match=r"broken.j2, line \d+: .*Fix the template syntax"):
        render_report(load_model(), "md", broken)
    missing_key = write(tmp_path, "missing.j2", "{{ summary.no_such_key }}")
    with pytest.raises(
        TemplateError, match=r"missing.j2, line 1: .*no_such_key.*report model's keys"
    ):
        render_report(load_model(), "md", missing_key)
    with pytest.raises(TemplateError, match="not found"):
        render_report(load_model(), "md", tmp_path / "absent.j2")
    with pytest.raises(TemplateError, match="not JSON"):
        render_report(load_model(), "json", missing_key)


# --- references ------------------------------------------------------------------------


def test_csl_style_is_valid_csl() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # citeproc-py warns when schema validation fails
        CitationStylesStyle(str(templates_dir() / "evidence-vancouver.csl"), validate=True)


def test_csl_item_from_study() -> None:
    study = load_model()["studies"]["cherkin2011comparison"]
    item = to_csl_item(study)
    assert item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Cherkin", "given": "D C"}
    assert item["container-title"] == "Annals of Internal Medicine"
    assert item["issued"] == {"date-parts": [[2011]]}
    assert (item["volume"], item["issue"], item["page"]) == ("155", "1", "1-9")
    assert item["DOI"] == "10.7326/0003-4819-155-1-201107050-00002"
    book = to_csl_item(
        {"id": "b", "type": "book", "title": "T", "publisher": "P", "isbn": "9780198526636"}
    )
    assert (book["type"], book["publisher"], book["ISBN"]) == ("book", "P", "9780198526636")


def test_formatted_reference_styles_and_escapes() -> None:
    ref = format_reference(
        {
            "id": "x",
            "title": "Sugar & <spice>",
            "authors": [{"family": "Doe", "given": "Jane Q"}],
            "journal": "J Test",
            "year": 2020,
            "volume": "3",
            "pages": "10-12",
        }
    )
    assert ref.text == "Doe JQ. Sugar & <spice>. J Test. 2020;3:10–12."
    assert str(ref.html) == "Doe JQ. Sugar &amp; &lt;spice&gt;. <i>J Test</i>. 2020;3:10–12."
    assert str(ref.markdown) == "Doe JQ. Sugar & &lt;spice>. *J Test*. 2020;3:10–12."
    book = format_reference(
        {
            "id": "b",
            "type": "book",
            "title": "A Book",
            "publisher": "OUP",
            "year": 2001,
            "authors": [{"family": "Roe", "given": "R"}],
        }
    )
    assert book.text == "Roe R. A Book. OUP; 2001."
    assert format_reference({"id": "empty"}).text == ""


def test_many_references_are_formatted_in_one_run_and_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """citeproc runs once for the studies not formatted yet, and not again for the same
    studies (its speed is measured in bench/bench_report.py, not here)."""
    from reports import citation

    citation._cache.clear()
    runs: list[int] = []
    real = citation._format_items

    def counting(items: list[dict[str, object]]) -> list[str]:
        runs.append(len(items))
        return real(items)

    monkeypatch.setattr(citation, "_format_items", counting)
    studies = [
        {
            "id": f"s{i}",
            "title": f"Trial number {i} of massage",
            "authors": [{"family": "Field", "given": "T"}, {"family": "Diego", "given": "M"}],
            "journal": "Int J Neurosci",
            "year": 1990 + i % 30,
            "volume": str(i % 90),
            "pages": f"{i}-{i + 9}",
            "doi": f"10.1000/bench.{i}",
        }
        for i in range(300)
    ]
    first = format_references(studies)
    again = format_references(studies)
    assert runs == [300]
    assert [r.text for r in first] == [r.text for r in again]
    assert (
        first[7].text
        == "Field T, Diego M. Trial number 7 of massage. Int J Neurosci. 1997;7:7–16. doi:10.1000/bench.7"
    )


# --- SVG ---------------------------------------------------------------------------------


def test_status_bar_is_proportional_and_labelled() -> None:
    svg = str(render_status_bar({"supported": 1, "unsourced": 3, "vague": 0}))
    assert svg.count("<rect") == 2
    assert 'x="0%" y="4" width="25%"' in svg and 'x="25%" y="4" width="75%"' in svg
    assert "<title>Supported: 1 of 4 (25%)</title>" in svg
    assert "<title>Unsourced: 3 of 4 (75%)</title>" in svg
    assert 'role="img"' in svg and 'data-status="vague"' not in svg


def test_evidence_map_cells_escaping_and_limits() -> None:
    evidence_map = {
        "claims": ["c1", "c2"],
        "studies": ["<b>s1</b>", "s2"],
        "cells": [
            {"claim": "c1", "study": "<b>s1</b>", "stance": "supports", "origin": "user"},
            {"claim": "c2", "study": "s2", "stance": "contradicts", "origin": "user"},
            {"claim": "c2", "study": "<b>s1</b>", "stance": "supports", "origin": "suggested"},
            {"claim": "c9", "study": "s2", "stance": "mentions", "origin": "user"},
        ],
    }
    svg = str(render_evidence_map(evidence_map, claim_labels={"c1": "Claim 1", "c2": "Claim 2"}))
    assert "<b>" not in svg and "&lt;b&gt;s1&lt;/b&gt;" in svg
    assert svg.count('class="cell"') == 3  # the cell for an unknown claim is skipped
    assert 'data-stance="contradicts"' in svg and "stroke-dasharray" in svg
    assert "Claim 2 — &lt;b&gt;s1&lt;/b&gt;: supports (suggested, not confirmed)" in svg
    small = str(render_evidence_map(evidence_map, claim_labels={}, max_claims=1, max_studies=1))
    assert small.count('class="cell"') == 1


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_colours_meet_contrast_with_white_text() -> None:
    colours = [
        *vocab.STATUS_COLOURS.values(),
        *vocab.VERDICT_COLOURS.values(),
        *vocab.STANCE_COLOURS.values(),
    ]
    for colour in colours:
        assert re.fullmatch(r"#[0-9a-f]{6}", colour)
        ratio = 1.05 / (_luminance(colour) + 0.05)
        assert ratio >= 4.5, colour


def test_templates_ship_with_the_package() -> None:
    folder = templates_dir()
    for name in ("report.md.j2", "report.html.j2", "evidence-vancouver.csl"):
        assert (folder / name).is_file()


def test_normalisation_does_not_touch_the_model() -> None:
    model = load_model()
    del model["claims"][0]["reasons"]
    del model["studies"]["smith2019hip"]["verification"]
    before = copy.deepcopy(model)
    render_report(model, "html")
    render_report(model, "md")
    assert model == before


def test_long_report_is_compact_and_complete() -> None:
    model = load_model()
    base = model["claims"]
    model["claims"] = [
        {**claim, "id": f"{claim['id']}-{n}"} for n in range(90) for claim in base
    ]  # 1,080 claims
    model["lacking_sources"] = [
        c["id"] for c in model["claims"] if c["status"] in ("unsourced", "vague", "attributed")
    ]
    source = render_report(model, "html")
    page = parse_html(source)
    articles = [a for t, a in page.tags if t == "article"]
    assert len(articles) == len(model["claims"])
    badges = [
        a["class"] for t, a in page.tags if t == "b" and (a.get("class") or "").startswith("s-")
    ]
    assert badges == [f"s-{c['status']}" for c in model["claims"]]
    text = "".join(page.text)
    # Claim ids are shown (they are what `evidence tag` takes), studies by key, bad verdicts by label.
    assert "article-9f31a6e0-89" in text
    assert "− Contradicts furlan2015massage" in text
    assert (
        source.count("Wakefield AJ, Murch SH") == 3
    )  # retracted list, attention, studies: once each
    assert (
        "Retracted" in text and "candidates: cherkin2011comparison 0.62, smith2019hip 0.41" in text
    )
    assert "A long report, so shown compactly" in text
    assert len(source) < 600 * len(model["claims"])
