"""Same article, every format: a JATS article rendered to HTML, plain text and (through
headless Chromium) PDF in three citation styles (bench/formats.py) gives the citations,
ties and cited claims of the JATS reading. The development articles of
../shared/data/corpora/pdf-articles are measured the same way; the whole table is
`.venv/bin/python bench/formats.py` (docs/documents.md, "Same article, every format")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.formats import Score, chromium, load, measure, print_pdf, readings, render
from evidence.read import read_document
from tests.conftest import shared_path

# A small article in the shape of the JATS 1.1 Archiving tag set (jats.nlm.nih.gov):
# <front>/<article-meta> with the title and abstract, a <body> of <sec>s with bracketed
# xrefs (a range marked up as its two ends, as the publishers of the development set do),
# a figure caption citing, and a <back>/<ref-list> of <element-citation>s with DOIs.
ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">
<front><article-meta><title-group><article-title>Sleep and memory in adults</article-title>
</title-group><abstract><p>Sleep loss impairs memory in adults.</p></abstract>
</article-meta></front>
<body>
<sec><title>Introduction</title>
<p>Sleep deprivation impairs working memory in healthy adults [<xref ref-type="bibr"
rid="B1">1</xref>]. The effect grows with the length of deprivation [<xref ref-type="bibr"
rid="B2">2</xref>, <xref ref-type="bibr" rid="B3">3</xref>], and recovery sleep restores
performance only in part [<xref ref-type="bibr" rid="B4">4</xref>&#x2013;<xref
ref-type="bibr" rid="B6">6</xref>].</p>
<p>Older adults recover more slowly than younger adults after a night without sleep
[<xref ref-type="bibr" rid="B5">5</xref>].</p>
<fig id="F1"><label>Figure 1</label><caption><p>Recall after sleep loss fell in every
group that was tested [<xref ref-type="bibr" rid="B1">1</xref>].</p></caption></fig>
</sec>
<sec><title>Discussion</title>
<p>Naps of twenty minutes restore attention in shift workers [<xref ref-type="bibr"
rid="B6">6</xref>].</p>
</sec>
</body>
<back><ref-list><title>References</title>
<ref id="B1"><label>1</label><element-citation publication-type="journal"><person-group
person-group-type="author"><name><surname>Smith</surname><given-names>J</given-names></name>
<name><surname>Jones</surname><given-names>K</given-names></name></person-group>
<article-title>Sleep loss and working memory</article-title><source>J Sleep Res</source>
<year>2010</year><volume>19</volume><fpage>100</fpage><lpage>110</lpage>
<pub-id pub-id-type="doi">10.1111/j.1365-2869.2010.00001.x</pub-id></element-citation></ref>
<ref id="B2"><label>2</label><element-citation publication-type="journal"><person-group
person-group-type="author"><name><surname>Brown</surname><given-names>A</given-names></name>
</person-group><article-title>Duration of sleep deprivation</article-title><source>Sleep
</source><year>2012</year><volume>35</volume><fpage>200</fpage><lpage>210</lpage>
<pub-id pub-id-type="doi">10.5665/sleep.1234</pub-id></element-citation></ref>
<ref id="B3"><label>3</label><element-citation publication-type="journal"><person-group
person-group-type="author"><name><surname>Green</surname><given-names>B</given-names></name>
<name><surname>White</surname><given-names>C</given-names></name><name><surname>Gray
</surname><given-names>D</given-names></name></person-group><article-title>Dose and response
in sleep loss</article-title><source>Neurology</source><year>2014</year><volume>82</volume>
<fpage>300</fpage><lpage>310</lpage></element-citation></ref>
<ref id="B4"><label>4</label><element-citation publication-type="journal"><person-group
person-group-type="author"><name><surname>Black</surname><given-names>D</given-names></name>
</person-group><article-title>Recovery sleep</article-title><source>Lancet</source>
<year>2015</year><volume>385</volume><fpage>400</fpage><lpage>410</lpage>
<pub-id pub-id-type="doi">10.1016/S0140-6736(15)00001-1</pub-id></element-citation></ref>
<ref id="B5"><label>5</label><element-citation publication-type="journal"><person-group
person-group-type="author"><name><surname>Grey</surname><given-names>E</given-names></name>
</person-group><article-title>Partial recovery after sleep loss in older adults
</article-title><source>BMJ</source><year>2016</year><volume>352</volume>
<elocation-id>i500</elocation-id></element-citation></ref>
<ref id="B6"><label>6</label><element-citation publication-type="journal"><person-group
person-group-type="author"><name><surname>Blue</surname><given-names>F</given-names></name>
</person-group><article-title>Recovery of attention after naps</article-title><source>
Nature</source><year>2017</year><volume>543</volume><fpage>600</fpage><lpage>610</lpage>
</element-citation></ref>
</ref-list></back>
</article>
"""


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    folder = tmp_path / "sleep"
    folder.mkdir()
    (folder / "paper.xml").write_text(ARTICLE, encoding="utf-8")
    return folder


def _exact(score: Score) -> None:
    assert score.truth == 9  # 1; 2, 3; 4, 5, 6; 5; the caption's 1; 6
    assert score.recalled == score.truth and score.invented == 0
    assert score.tied_right == score.checked > 0
    assert score.same_claims == score.claims == 5
    assert score.entries_found == score.entries == 6
    assert score.dois_found == score.dois == 3


@pytest.mark.parametrize("style", ["as printed", "author-year"])
@pytest.mark.parametrize("suffix", [".html", ".txt"])
def test_html_and_text_give_the_jats_citations(
    article: Path, tmp_path: Path, style: str, suffix: str
) -> None:
    parsed, jats = load(article)
    page, text = render(parsed, style)
    path = tmp_path / f"rendered{suffix}"
    path.write_text(page if suffix == ".html" else text, encoding="utf-8")
    _exact(measure(read_document(path), jats))


def test_the_renderings_write_each_style() -> None:
    """What the three styles print for the same groups (the measure depends on it)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "paper.xml").write_text(ARTICLE, encoding="utf-8")
        parsed, _ = load(folder)
    printed, _ = render(parsed, "as printed")
    assert "healthy adults [1]." in printed and "in part [4–6]." in printed
    sup, _ = render(parsed, "superscript")
    assert "healthy adults.<sup>1</sup>" in sup and "deprivation,<sup>2,3</sup>" in sup
    assert "in part.<sup>4–6</sup>" in sup
    _, text = render(parsed, "author-year")
    assert "(Brown, 2012; Green et al., 2014)" in text
    assert "(Black, 2015; Grey, 2016; Blue, 2017)" in text
    assert "\nSmith J, Jones K. Sleep loss" in text or "\nSmith J, Jones K." in text


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")
@pytest.mark.parametrize("style", ["as printed", "superscript", "author-year"])
def test_pdf_printed_by_chromium_gives_the_jats_citations(
    article: Path, tmp_path: Path, style: str
) -> None:
    parsed, jats = load(article)
    page, _ = render(parsed, style)
    html_path = tmp_path / "rendered.html"
    html_path.write_text(page, encoding="utf-8")
    pdf_path = tmp_path / "rendered.pdf"
    if not print_pdf(html_path, pdf_path):
        pytest.skip("Chromium could not print a PDF here")
    _exact(measure(read_document(pdf_path), jats))


# ---------------------------------------------------------------------------------------
# A real article in every format (the shortest of the development set; the others are
# measured by bench/formats.py).

# Measured floors of recall (docs/documents.md); "author-year" loses one citation whose
# entry's title holds a second name and year ("(Macaca mulatta)").
_FLOORS = {
    ("JATS XML", "as printed"): 1.0,
    ("HTML", "as printed"): 1.0,
    ("text", "as printed"): 1.0,
    ("PDF (Chromium)", "as printed"): 1.0,
    ("PDF (Chromium)", "superscript"): 1.0,
    ("HTML", "author-year"): 0.9,
    ("text", "author-year"): 0.9,
    ("PDF (Chromium)", "author-year"): 0.85,
    ("PDF (publisher)", "as printed"): 1.0,
}


def test_real_article_in_every_format(tmp_path: Path) -> None:
    folder = shared_path("data", "corpora", "pdf-articles", "hindawi-helicobacter-aneurysm")
    scores = readings(folder, tmp_path, with_pdf=chromium() is not None)
    for key, floor in _FLOORS.items():
        if key not in scores:
            continue  # a PDF of Chromium's when it is absent
        score = scores[key]
        assert score.recalled >= floor * score.truth, key
        assert score.entries_found == score.entries, key
    publisher = scores[("PDF (publisher)", "as printed")]
    assert publisher.invented == 0 and publisher.same_claims == publisher.claims
