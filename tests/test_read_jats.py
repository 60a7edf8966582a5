"""The JATS reader: structure, citations tied by xref id, reference fields, bad XML,
and the real articles of ../shared/data/corpora/pdf-articles (their publisher's XML)."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from evidence.extract import extract
from evidence.read import Document, read_document, sniff_format
from tests.conftest import CORPORA, shared_path
from tests.helpers import assert_document_refused

# A small article in the shape of the JATS 1.1 Archiving tag set (jats.nlm.nih.gov):
# <front>/<article-meta>, <body> of <sec>s, <fig>/<table-wrap> with <caption>, and
# <back>/<ref-list> of <ref>s holding <element-citation> or <mixed-citation>.
ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.1 20151215//EN" "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">
<front><article-meta><title-group><article-title>Milk of pandas</article-title></title-group>
<abstract><p>Panda milk changes over lactation.</p></abstract></article-meta></front>
<body>
<sec><title>Introduction</title>
<p>Milk composition differs between bears [<xref ref-type="bibr" rid="B1">1</xref>].
Lactation was studied in many species [<xref ref-type="bibr" rid="B2">2</xref>&#x2013;<xref ref-type="bibr" rid="B5">5</xref>].
Two reports disagree [<xref ref-type="bibr" rid="B1">1</xref>, <xref ref-type="bibr" rid="B6">6</xref>].</p>
<sec><title>Aims</title><p>We measured sugars. Milk was (1) weighed and (2) frozen (Smith, 2001).</p></sec>
</sec>
<sec><title>Results</title>
<p>Protein rose over time (<xref ref-type="fig" rid="F1">Figure 1</xref>).</p>
<fig id="F1"><label>Figure 1</label><caption><p>Protein by week, as in earlier work [<xref ref-type="bibr" rid="B6">6</xref>].</p></caption></fig>
<table-wrap id="T1"><label>Table 1</label><caption><title>Milk sugars.</title></caption>
<table><tr><th>Sugar</th><th>Source</th></tr>
<tr><td>Lactose</td><td>[<xref ref-type="bibr" rid="B2">2</xref>]</td></tr></table></table-wrap>
</sec>
</body>
<back><ref-list><title>References</title>
<ref id="B1"><label>1</label><element-citation publication-type="journal">
<person-group person-group-type="author"><name><surname>Oftedal</surname><given-names>OT</given-names></name>
<name><surname>Iverson</surname><given-names>SJ</given-names></name></person-group>
<article-title>Milk of bears</article-title><source>J Mammal</source><year>1995</year>
<volume>76</volume><fpage>10</fpage><lpage>19</lpage>
<pub-id pub-id-type="doi">10.1000/bears.1</pub-id><pub-id pub-id-type="pmid">1234567</pub-id>
</element-citation></ref>
<ref id="B2"><label>2</label><mixed-citation publication-type="journal"><person-group person-group-type="author"><name><surname>Skibiel</surname><given-names>AL</given-names></name></person-group> <year>2013</year> <article-title>Milk evolution</article-title>. <source>J. Anim. Ecol</source>. <volume>82</volume>, <fpage>1254</fpage>. (<ext-link ext-link-type="uri" xlink:href="http://dx.doi.org/10.1111/1365-2656.12095">doi:10.1111/1365-2656.12095</ext-link>)</mixed-citation></ref>
<ref id="B3"><label>3</label><mixed-citation>Third A. Lactation. 2001.</mixed-citation></ref>
<ref id="B4"><label>4</label><mixed-citation>Fourth B. Lactation. 2002.</mixed-citation></ref>
<ref id="B5"><label>5</label><mixed-citation>Fifth C. Lactation. 2003.</mixed-citation></ref>
<ref id="B6"><label>6</label><element-citation><person-group><name><surname>Sixth</surname></name></person-group><source>Book of milk</source><year>2004</year><pub-id pub-id-type="pmcid">PMC1234</pub-id></element-citation></ref>
</ref-list></back>
</article>
"""


def _read(text: str = ARTICLE, tmp_path: Path | None = None) -> Document:
    if tmp_path is None:
        return read_document(None, text=text, fmt="jats")
    path = tmp_path / "article.nxml"
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def _blocks(doc: Document) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]


def test_sections_captions_tables_and_references_in_order(tmp_path: Path) -> None:
    doc = _read(tmp_path=tmp_path)
    assert doc.format == "jats"
    blocks = _blocks(doc)
    assert blocks[:3] == [
        ("heading", "Milk of pandas"),
        ("heading", "Abstract"),
        ("paragraph", "Panda milk changes over lactation."),
    ]
    kinds = [kind for kind, _ in blocks]
    texts = [text for _, text in blocks]
    assert texts.index("Introduction") < texts.index("Aims") < texts.index("Results")
    assert ("paragraph", "Figure 1. Protein by week, as in earlier work [6].") in blocks
    assert ("paragraph", "Table 1. Milk sugars.") in blocks
    assert ("table_row", "Lactose | [2]") in blocks
    assert kinds[-6:] == ["reference"] * 6
    assert doc.blocks[texts.index("Aims")].level > doc.blocks[texts.index("Introduction")].level


def test_reference_fields_and_identifiers() -> None:
    refs = _read().references
    assert [r.label for r in refs] == ["1", "2", "3", "4", "5", "6"]
    first = refs[0]
    assert first.surnames == ("Oftedal", "Iverson")
    assert (first.title, first.source, first.year, first.volume, first.pages) == (
        "Milk of bears",
        "J Mammal",
        "1995",
        "76",
        "10–19",
    )
    assert first.identifiers == ("doi:10.1000/bears.1", "pmid:1234567")
    assert "doi:10.1000/bears.1" in first.text and "pmid:1234567" in first.text
    # A mixed citation keeps its own text, names as "Surname Given"; a DOI link counts.
    assert refs[1].text.startswith("2. Skibiel AL 2013 Milk evolution.")
    assert refs[1].identifiers == ("doi:10.1111/1365-2656.12095",)
    assert refs[5].identifiers == ("pmcid:PMC1234",)


def test_every_xref_is_a_mention_tied_to_its_entry_and_ranges_are_filled() -> None:
    doc = _read()
    mentions = extract(doc).mentions
    tied = [(m.text, m.numbers, m.reference_index) for m in mentions if m.kind == "numbered"]
    # 1; 2–5 (2, the filled 3 and 4, 5); 1, 6; the caption's 6; the table's 2.
    assert sorted(n[0] for _, n, _ in tied) == [1, 1, 2, 2, 3, 4, 5, 6, 6]
    assert all(index == numbers[0] - 1 for _, numbers, index in tied)
    assert all(m.reference is not None for m in mentions if m.kind == "numbered")
    assert not [m for m in mentions if m.kind == "numbered" and len(m.numbers) > 1]
    # The markup says what is cited: an enumeration or a name and year is not a citation.
    assert not [m for m in mentions if m.text in ("(1)", "(2)", "Smith, 2001")]
    problems = [p.kind for p in extract(doc).problems]
    assert "uncited-reference" not in problems and "missing-reference" not in problems


def test_a_range_is_filled_only_when_the_labels_are_consecutive() -> None:
    text = ARTICLE.replace("<label>4</label>", "<label>9</label>")
    numbers = sorted(
        n for m in extract(_read(text)).mentions if m.kind == "numbered" for n in m.numbers
    )
    assert 3 not in numbers and 9 not in numbers and numbers.count(5) == 1


def test_author_year_xrefs_are_tied_once() -> None:
    text = (
        '<article article-type="research-article"><body><p>Sharks live long '
        '(<xref ref-type="bibr" rid="r1">Goldman, 2004</xref>; '
        '<xref ref-type="bibr" rid="r2">Francis et al., 2007</xref>).</p></body>'
        "<back><ref-list><ref id='r1'><mixed-citation><person-group><name><surname>Goldman"
        "</surname></name></person-group> (<year>2004</year>) Age.</mixed-citation></ref>"
        "<ref id='r2'><mixed-citation><person-group><name><surname>Francis</surname></name>"
        "<etal/></person-group> (<year>2007</year>) Growth.</mixed-citation></ref>"
        "</ref-list></back></article>"
    )
    mentions = [m for m in extract(_read(text)).mentions if m.kind == "author-year"]
    assert [(m.text, m.authors, m.year, m.reference_index) for m in mentions] == [
        ("Goldman, 2004", ["Goldman"], "2004", 0),
        ("Francis et al., 2007", ["Francis"], "2007", 1),
    ]


def test_sniffed_from_standard_input() -> None:
    assert sniff_format(ARTICLE) == "jats"
    assert read_document(None, text=ARTICLE).format == "jats"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '<?xml version="1.0"?><!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<article><body><p>&x;</p></body></article>",
            "declares XML entities",
        ),
        (
            '<!DOCTYPE article [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><article><body><p>&c;</p></body></article>',
            "declares XML entities",
        ),
        ("<article><body><p>unclosed</body></article>", "not well-formed XML"),
        ("<html><body><p>x</p></body></html>", "not a JATS article"),
    ],
)
def test_bad_xml_is_a_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    assert_document_refused(path, message)


# ---------------------------------------------------------------------------------------
# The real articles: the publisher's JATS XML of each (see the folder's SOURCES.md).

ARTICLES = sorted(p.name for p in (CORPORA / "pdf-articles").glob("*/") if p.is_dir())


def _main_article(root: ElementTree.Element) -> list[ElementTree.Element]:
    """The article's elements outside its <sub-article>s (referee reports)."""
    found = [root]
    for child in root:
        if child.tag != "sub-article":
            found.extend(_main_article(child))
    return found


def _xml(path: Path) -> ElementTree.Element:
    # The stdlib parser is enough for these known files: it reads the DOCTYPE's
    # external identifier without fetching it.
    return ElementTree.parse(path).getroot()


@pytest.mark.parametrize("name", ARTICLES or ["absent"])
def test_real_article_every_xref_tied_to_its_entry(name: str) -> None:
    path = shared_path("data", "corpora", "pdf-articles", name, "paper.xml")
    elements = _main_article(_xml(path))
    ref_ids = [e.get("id") for e in elements if e.tag == "ref"]
    xrefs = [
        (rid, "".join(x.itertext()).strip())
        for x in elements
        if x.tag == "xref"
        if x.get("ref-type") == "bibr"
        for rid in (x.get("rid") or "").split()
    ]
    doc = read_document(path)
    mentions = extract(doc).mentions
    found = Counter(
        (ref_ids[m.reference_index], re.sub(r"\s+", " ", m.text))
        for m in mentions
        if m.reference_index is not None and m.kind in ("numbered", "author-year")
    )
    wanted = Counter((rid, re.sub(r"\s+", " ", text)) for rid, text in xrefs)
    missing = wanted - found
    assert not missing, f"{sum(missing.values())} of {len(xrefs)} xrefs not tied: {missing}"
    # Every reference entry, with every DOI its <pub-id>s give.
    assert len(doc.references) == len(ref_ids)
    for ref, entry in zip((e for e in elements if e.tag == "ref"), doc.references, strict=True):
        for pub_id in ref.iter("pub-id"):
            if pub_id.get("pub-id-type") == "doi":
                assert f"doi:{(pub_id.text or '').strip()}" in entry.identifiers


def test_real_range_covers_the_references_between_its_ends() -> None:
    path = shared_path("data", "corpora", "pdf-articles", "hindawi-calr-leukemia-case", "paper.xml")
    doc = read_document(path)
    sentence = "have been documented in PV [5–10]"
    position = doc.text.index("[5–10]")
    assert sentence.split(" [")[0][-10:] in doc.text[position - 40 : position]
    numbers = sorted(
        n
        for m in extract(doc).mentions
        if m.kind == "numbered" and position <= m.start < position + len("[5–10]")
        for n in m.numbers
    )
    assert numbers == [5, 6, 7, 8, 9, 10]


def test_real_range_with_dotted_labels_and_spaced_dash_is_filled() -> None:
    # BMC labels its entries "5." and writes the range's dash on a line of its own.
    path = shared_path("data", "corpora", "pdf-articles", "bmc-jee-szekely-landscape", "paper.xml")
    doc = read_document(path)
    position = doc.text.index("[ 1 , 5 – 8 ]")
    numbers = sorted(
        n
        for m in extract(doc).mentions
        if m.kind == "numbered" and position <= m.start < position + len("[ 1 , 5 – 8 ]")
        for n in m.numbers
    )
    assert numbers == [1, 5, 6, 7, 8]


def _render_html(root: ElementTree.Element) -> str:
    """The article body as simple HTML, as a web page would show it: sections as <h2>,
    paragraphs as <p> with each xref replaced by its text, the references as a list of
    "[n] …" paragraphs. Figures and tables are left out (the test removes them from the
    XML too, so both sides read the same prose)."""
    parts = ["<html><body><article>"]

    def inline(element: ElementTree.Element) -> str:
        return html.escape("".join(element.itertext()))

    body = root.find("body")
    assert body is not None
    for element in body.iter():
        if element.tag == "title":
            parts.append(f"<h2>{inline(element)}</h2>")
        elif element.tag == "p":
            parts.append(f"<p>{inline(element)}</p>")
    parts.append("<h2>References</h2>")
    for ref in root.iter("ref"):
        label = "".join(ref.find("label").itertext()) if ref.find("label") is not None else ""
        dois = [p.text for p in ref.iter("pub-id") if p.get("pub-id-type") == "doi"]
        citation = re.sub(r"\s+", " ", "".join(ref.itertext())).strip()
        citation = citation.removeprefix(label).strip()
        parts.append(f"<p>[{label}] {html.escape(citation)} doi:{dois[0] if dois else ''}</p>")
    parts.append("</article></body></html>")
    return "\n".join(parts)


def test_same_article_as_jats_and_html_gives_the_same_claims_and_ties() -> None:
    path = shared_path("data", "corpora", "pdf-articles", "hindawi-calr-leukemia-case", "paper.xml")
    root = _xml(path)
    jats = read_document(path)
    # Figures and tables are left out of both: the HTML reader does not read them.
    floats = 0
    for holder in list(root.iter()):
        for child in list(holder):
            if child.tag in ("fig", "table-wrap"):
                holder.remove(child)
                floats += 1
    assert floats
    jats = read_document(None, text=ElementTree.tostring(root, encoding="unicode"), fmt="jats")
    page = read_document(None, text=_render_html(root), fmt="html")

    def ties(doc: Document) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {}
        for claim in extract(doc).claims:
            numbers = {n for m in claim.mentions if m.kind == "numbered" for n in m.numbers}
            if numbers:
                out[re.sub(r"\W+", " ", claim.text).strip()] = numbers
        return out

    from_jats, from_html = ties(jats), ties(page)
    shared = set(from_jats) & set(from_html)
    assert len(shared) >= 0.9 * len(from_jats)
    assert {k: from_jats[k] for k in shared} == {k: from_html[k] for k in shared}
    # The tied entries carry the same DOIs in both.
    jats_doi = {r.label: r.identifiers for r in jats.references}
    for entry in page.references:
        doi = re.search(r"doi:(10\.\S+)", entry.text)
        if doi and entry.label:
            assert f"doi:{doi.group(1)}" in jats_doi[entry.label]
