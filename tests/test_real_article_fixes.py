"""Losses and inventions that real articles showed, each on a small example in the shape
the article had, and the same articles of ../shared/data/corpora/pdf-articles read from
their JATS XML and from that XML rendered as a publisher's web page would show it."""

from __future__ import annotations

import html
import re
from collections import Counter
from xml.etree import ElementTree

import pytest

from evidence.extract import extract
from evidence.extract.segment import split_text
from evidence.read import Document, parse_reference, read_document
from tests.conftest import CORPORA, shared_path

# Five numbered entries, as a plain-text reference list prints them.
NUMBERED = "\n\nReferences\n\n" + "".join(
    f"{n}. {name} A. Title {n}. J Biol. 200{n};{n}:1-2.\n"
    for n, name in enumerate(["Feeny", "Berkes", "Ostrom", "Imreh", "Molnar"], start=1)
)


def _numbers(text: str, fmt: str = "text") -> list[tuple[str, list[int]]]:
    doc = read_document(None, text=text, fmt=fmt)
    return [(m.text, m.numbers) for m in extract(doc).mentions if m.kind == "numbered"]


# ---------------------------------------------------------------------------------------
# HTML: captions and tables


# A figure and a table as publishers' pages mark them up (HTML5 <figure>/<figcaption>,
# <table> with its <caption>), between paragraphs long enough to be the page's main text.
_PAGE = """<html><body><article>
<h2>Results</h2>
<p>Milk protein rose over the first weeks of lactation in all six pandas sampled [1].</p>
<figure><img src="f1.png" alt=""><figcaption><b>Figure 1.</b> Protein by week, as in
earlier work on bears [2, 3].</figcaption></figure>
<p>Sugars fell steadily over the same weeks in every animal that was sampled here [4].</p>
<div class="table-wrap"><table><caption>Table 1. Milk sugars and where they were
reported.</caption>
<thead><tr><th>Sugar</th><th>Source</th><th></th></tr></thead>
<tbody><tr><td>Lactose</td><td>Known from bears [5]</td><td></td></tr></tbody></table></div>
<p>The composition of panda milk thus changes more than that of other bears studied.</p>
</article></body></html>"""


def test_html_keeps_figure_and_table_captions_and_table_rows() -> None:
    doc = read_document(None, text=_PAGE + NUMBERED.replace("\n", "<br>"), fmt="html")
    blocks = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert ("paragraph", "Figure 1. Protein by week, as in earlier work on bears [2, 3].") in blocks
    caption = blocks.index(("paragraph", "Table 1. Milk sugars and where they were reported."))
    assert blocks[caption + 1 : caption + 3] == [
        ("table_row", "Sugar | Source"),
        ("table_row", "Lactose | Known from bears [5]"),
    ]
    cited = {n for m in extract(doc).mentions if m.kind == "numbered" for n in m.numbers}
    assert cited == {1, 2, 3, 4, 5}


# ---------------------------------------------------------------------------------------
# Numbered citations: statistics, enumerations, counts, spaced brackets


def test_html_ordered_reference_list_is_numbered_by_position() -> None:
    # A browser numbers <ol> items; the numbers are not in the HTML, yet "[2]" cites item 2.
    page = (
        "<html><body><article><h1>T</h1><p>Massage reduced pain in older adults in a "
        "randomised trial [1]. Exercise improved sleep quality in a large cohort [2].</p>"
        "<ol><li>We recruited adults.</li><li>We measured pain.</li></ol>"
        "<h2>References</h2><ol><li>Smith J, Jones K. Massage for pain. J Pain. "
        "2010;3:1-5.</li><li>Brown A. Exercise and sleep. Sleep. 2012;4:2-9.</li></ol>"
        "</article></body></html>"
    )
    doc = read_document(None, text=page, fmt="html")
    assert [(r.label, r.surnames[0]) for r in doc.references] == [("1", "Smith"), ("2", "Brown")]
    ties = {m.text: m.reference_index for m in extract(doc).mentions if m.kind == "numbered"}
    assert ties == {"[1]": 0, "[2]": 1}
    # The numbers stay out of the text: the procedure steps read as written.
    assert "1. We recruited" not in doc.text and "We recruited adults." in doc.text


def test_html_superscript_numbers_after_words_are_citations() -> None:
    page = (
        "<html><body><article><h1>T</h1><p>Massage reduced pain in older adults in a "
        "randomised trial.<sup>1</sup> Exercise improved sleep quality in a large cohort,"
        '<sup><a href="#r2">2</a>,<a href="#r3">3</a></sup> and yoga helped in several '
        "trials.<sup>4–6</sup> The lesion measured 5 cm<sup>2</sup> and counts reached "
        "10<sup>3</sup> in the samples.</p><h2>References</h2><ol>"
        + "".join(f"<li>Author{n} A. Title {n}. J. 201{n}.</li>" for n in range(1, 7))
        + "</ol></article></body></html>"
    )
    doc = read_document(None, text=page, fmt="html")
    numbered = [m.numbers for m in extract(doc).mentions if m.kind == "numbered"]
    assert numbered == [[1], [2, 3], [4, 5, 6]]
    assert "5 cm2 and counts reached 103 in" in doc.text  # units and powers stay text


def test_degrees_of_freedom_and_comparisons_are_not_citations() -> None:
    text = (
        "Milk sugars differed between weeks, F[1,12] = 8.42, and t[23] = 2.10 in males, "
        "while χ2[2] was small [2]. The index [3] = 0.4 was low." + NUMBERED
    )
    assert _numbers(text) == [("[2]", [2])]


def test_enumerations_and_counts_in_parentheses_are_not_citations() -> None:
    # F1000's "assumptions: (1) the birthmark …", BMC's "two main groups: (1) responses".
    enumerated = (
        "Age was estimated under the assumptions: (1) the birthmark was formed at birth, "
        "(2) the first band was formed 6 months later, and (3) the third band was formed "
        "1 year later." + NUMBERED
    )
    assert _numbers(enumerated) == []
    # Where a document cites in parentheses, "(1)" after a word is still a citation.
    assert _numbers("Malaria kills children (1) and adults (2, 3)." + NUMBERED) == [
        ("(1)", [1]),
        ("(2, 3)", [2, 3]),
    ]
    # BMC: brackets cite, so "(62)" and "(57)" are the counts they are.
    counts = (
        "Commons were regulated [1]. Village area (62), water bodies (57) and fallows (5) "
        "were referred to only rarely." + NUMBERED
    )
    assert _numbers(counts) == [("[1]", [1])]


def test_brackets_with_spaces_inside_are_citations() -> None:
    # BMC's web pages print the XML's line breaks inside brackets as spaces.
    text = "Local knowledge helps conserve diversity [ 1 – 3 ] and commons [ 4 , 5 ]." + NUMBERED
    assert _numbers(text) == [("[ 1 – 3 ]", [1, 2, 3]), ("[ 4 , 5 ]", [4, 5])]


# ---------------------------------------------------------------------------------------
# Author-year: the number of authors


_AUTHOR_YEAR = """Trees grow slowly in dry years (Allmann et al., 2010). Bark thickens (Allmann & Baldwin, 2010). Roots deepen (Allmann, 2010).

References

Allmann J, Baldwin K. 2010. Trees of the north. J Bot 1:1-2.
Allmann J, Chen L, Diaz M. 2010. Dry years. J Bot 2:3-4.
"""


def test_author_year_ties_respect_the_number_of_authors() -> None:
    doc = read_document(None, text=_AUTHOR_YEAR, fmt="text")
    extraction = extract(doc)
    ties = {m.text: m.reference_index for m in extraction.mentions if m.kind == "author-year"}
    assert ties == {
        "Allmann et al., 2010": 1,  # three authors
        "Allmann & Baldwin, 2010": 0,  # two
        "Allmann, 2010": None,  # no entry has Allmann alone
    }
    assert any(
        p.kind == "mismatched-citation" and "Allmann, 2010" in p.message
        for p in extraction.problems
    )


def test_vancouver_entries_give_their_authors_and_the_locators_year() -> None:
    # F1000's list: Vancouver authors, the year after the title, a year inside the title.
    entry = (
        "Loefer JK, Sedberry GR, et al.: Life history of the Atlantic sharpnose shark "
        "(Rhizoprionodon terraenovae) (Richardson, 1836) off the southeastern United "
        "States. Fish Bull. 2003;101:75–88."
    )
    assert parse_reference(entry) == (None, ("Loefer", "Sedberry"), "2003")
    assert parse_reference("12. Smith J, Jones K. Title of work. J Biol. 2006;1:2.") == (
        "12",
        ("Smith", "Jones"),
        "2006",
    )


def _ties(text: str) -> dict[str, int | None]:
    doc = read_document(None, text=text, fmt="text")
    return {m.text: m.reference_index for m in extract(doc).mentions if m.kind == "author-year"}


def test_author_year_entries_by_a_body_are_tied_by_its_name_or_abbreviation() -> None:
    # As BMC and Hindawi articles cite bodies: the name, with its abbreviation or alone.
    text = """Semen was examined (World Health Organization (WHO), 2010).
Older samples were read as before (World Health Organization, 1999).
Services were classed in two ways (CICES, 2013; WHO, 2010).
Indicators followed the agency (European Environment Agency (EEA), 1999).
Bacteria were typed (Clinical Laboratory Standards Institute, 2014).
Prices were deflated as the office does (Eurostat, 2019).

References

World Health Organization (WHO). WHO Laboratory Manual for the Examination of Human Semen. 2010.
World Health Organization. WHO Laboratory Manual for the Examination of Semen. 1999.
CICES. Common International Classification of Ecosystem Services version 4.3. 2013.
European Environment Agency (EEA). Environmental Indicators: Typology and Overview. 1999.
Clinical Laboratory Standards Institute. M100-s24: Performance Standards. 2014.
Eurostat. Harmonised Index of Consumer Prices: Methodological Manual. 2019.
"""
    assert _ties(text) == {
        "World Health Organization (WHO), 2010": 0,
        "World Health Organization, 1999": 1,
        "CICES, 2013": 2,
        "WHO, 2010": 0,
        "European Environment Agency (EEA), 1999": 3,
        "Clinical Laboratory Standards Institute, 2014": 4,
        "Eurostat, 2019": 5,
    }
    # A body no entry names is not a citation: "(Phase II, 2010)" is left alone.
    assert _ties("Trials ran long (Phase II, 2010).\n\nReferences\n\nCICES. Title. 2013.\n") == {}


def test_author_year_surnames_with_a_particle_or_an_apostrophe_are_tied() -> None:
    # Hindawi's and RSOS's lists: "Van Wijk N", "D'Hooge R, De Deyn PP", "Le Maux S".
    text = """Rats learned the maze (Tamashiro et al., 2000; Van Wijk et al., 2008). Memory was
tested (D'Hooge and De Deyn, 2001). Whey was heated (Le Maux et al., 2014).

References

Tamashiro KL, Wakayama T, Yanagimachi R. Title one. J A. 2000;1:1-2.
Van Wijk N, Rijntjes E, Van De Heijning BJM. Perinatal hypothyroidism. Exp Physiol. 2008;93:1199-1209.
D'Hooge R, De Deyn PP. Applications of the Morris water maze. Brain Res Rev. 2001;36:60-90.
Le Maux S, Bouhallab S, Giblin L, Brodkorb A, Croguennec T 2014 Bovine whey. Dairy Sci Technol 94, 409-426.
"""
    assert _ties(text) == {
        "Tamashiro et al., 2000": 0,
        "Van Wijk et al., 2008": 1,
        "D'Hooge and De Deyn, 2001": 2,
        "Le Maux et al., 2014": 3,
    }
    assert parse_reference("D'Hooge R, De Deyn PP. Title. Brain Res Rev. 2001;36:60-90.") == (
        None,
        ("D'Hooge", "Deyn"),
        "2001",
    )


@pytest.mark.parametrize(
    ("entry", "year"),
    [
        # BMC's Hungarian entries: a year inside the title, glued to a word or a range.
        ("Takács P. Aranyosszék parasztvallomásai 1820-ból. Források 1587–1848. 2002.", "2002"),
        (
            "Köpeczi B, Miskolczy A, Szász Z. Erdély története III. 1830-tól napjainkig. 1986.",
            "1986",
        ),
        ("Tagányi K. Oklevéltár: 1743–1807. No. 187. Date 14.02.1787. pp. 527–531. 1896.", "1896"),
        # As a PDF's line break leaves a range; a year in a title before the locator.
        ("Tagányi K. Oklevéltár: 1743– 1807. No. 187. 1896.", "1896"),
        ("Szmorad F, Haraszthy L. Quercus. Natura 2000 fajok. 2014:904-909.", "2014"),
        # The last year before the DOI, not one inside it.
        ("Smith J. A history. London: Press; 1999. doi:10.1000/x.2008.1", "1999"),
        # An author-year entry keeps its first year.
        ("Smith, J. 2001. Events of 1990-1995 revisited. J Hist 3:1-2.", "2001"),
    ],
)
def test_reference_year_is_not_one_glued_into_the_title(entry: str, year: str) -> None:
    assert parse_reference(entry)[2] == year


_SHARKS = """Sharpnose Sharks Rhizoprionodon terraenovae (Richardson, 1836) were tagged (see Ulrich et al., 2007 for longline protocol). Vertebrae were read following the protocol of Frazier et al., 2014. Parameters came from Loefer & Sedberry, 2003 (R. terraenovae). Longevity rose (previously 9+ years [ Loefer & Sedberry, 2003]) and differs [Driggers et al., 2001]. Smith, 2003 is not cited.

Table 2. Longevity of the two species, as observed and backtransformed.

Species | Study | Sex | Observed Maximum Longevity (years) | Backtransformed (years)

R. terraenovae | western North Atlantic Loefer & Sedberry, 2003 | Female | 11+ | -

R. terraenovae | Current | Female | - | 22.9

References

Frazier BS, Driggers WB, Adams DH: Validated age of the bonnethead. J Fish Biol. 2014;85:688-712.
Loefer JK, Sedberry GR: Life history of the Atlantic sharpnose shark. Fish Bull. 2003;101:75-88.
Ulrich GF, Jones CM, Driggers WB: Habitat utilization of sharks. Am Fish Soc Symp. 2007;50:125-139.
"""


def test_author_year_without_parentheses_in_brackets_and_with_words_after_the_year() -> None:
    # F1000's shark article: citations bare, in square brackets, with words after the
    # year, in table cells; taxonomic authorities are not citations.
    assert _ties(_SHARKS) == {
        "see Ulrich et al., 2007": 2,
        "Frazier et al., 2014": 0,
        "Loefer & Sedberry, 2003": 1,
    }
    doc = read_document(None, text=_SHARKS, fmt="text")
    mentions = [m for m in extract(doc).mentions if m.kind == "author-year"]
    # Three in the prose and the table cell: each "Loefer & Sedberry, 2003" once.
    assert [m.text for m in mentions].count("Loefer & Sedberry, 2003") == 3
    assert not [m for m in mentions if m.reference_index is None]


def test_a_numbered_article_cites_by_number_not_by_the_name_beside_it() -> None:
    text = """As Feeny and Berkes, 2001 showed, commons endure [1].

References

1. Feeny D, Berkes F. The tragedy of the commons. Hum Ecol. 2001;18:1-19.
"""
    doc = read_document(None, text=text, fmt="text")
    assert [(m.kind, m.text) for m in extract(doc).mentions] == [("numbered", "[1]")]


def test_an_untied_citation_after_a_species_name_is_kept_when_its_author_is_listed() -> None:
    # Only an author no entry names reads as a taxonomic authority.
    text = """Sharks of the genus Carcharhinus acronotus (Driggers, 2009) grow fast.

References

Driggers WB, Carlson JK: Age of the blacknose shark. Fish Bull. 2004;102:1-2.
"""
    assert _ties(text) == {"Driggers, 2009": None}


# ---------------------------------------------------------------------------------------
# A citation after the full stop belongs to the sentence before


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Graphene is strong. [@geim2007] It conducts heat well.",
            ["Graphene is strong. [@geim2007]", "It conducts heat well."],
        ),
        (
            "Metals corrode in water.[12] Steel rusts in salt.[3–5, 9] Copper is soft.",
            ["Metals corrode in water.[12]", "Steel rusts in salt.[3–5, 9]", "Copper is soft."],
        ),
        (
            "Iron rusts in water.¹²˒¹³ Copper is soft.",
            ["Iron rusts in water.¹²˒¹³", "Copper is soft."],
        ),
        # A citation that is the subject of the next sentence stays with it.
        ("Iron is magnetic. [12] showed why.", ["Iron is magnetic.", "[12] showed why."]),
    ],
)
def test_citation_after_the_full_stop_stays_with_its_sentence(
    text: str, sentences: list[str]
) -> None:
    assert [text[a:b] for a, b in split_text(text)] == sentences


def test_citation_after_the_full_stop_cites_the_claim_before() -> None:
    text = "Graphene is a strong material with many layers.[@geim2007] It is thin."
    doc = read_document(None, text=text, fmt="markdown")
    claims = {c.text: [m.citekey for m in c.mentions] for c in extract(doc).scored}
    assert claims["Graphene is a strong material with many layers.[@geim2007]"] == ["geim2007"]


# ---------------------------------------------------------------------------------------
# Markdown: url citations, raw HTML blocks, pipe tables


def test_markdown_url_citation_html_blocks_and_tables() -> None:
    # Shapes from the deep-review manuscript (Manubot): "[@url:…]" citations, a <div>
    # block, a pipe table.
    text = """Numerous commentators have described data as the new oil [@url:https://example.org/oil].

<div class="note">
Neural networks predict splicing accurately [@doi:10.1000/splice].
</div>

<!-- a comment, not prose -->

| Model | Finding |
|---|---|
| CNN | improves accuracy [@doi:10.1000/cnn] |
"""
    doc = read_document(None, text=text, fmt="markdown")
    blocks = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert blocks[1:] == [
        ("paragraph", "Neural networks predict splicing accurately [@doi:10.1000/splice]."),
        ("table_row", "Model | Finding"),
        ("table_row", "CNN | improves accuracy [@doi:10.1000/cnn]"),
    ]
    claims = {c.text: c for c in extract(doc).claims}
    oil = claims[
        "Numerous commentators have described data as the new oil [@url:https://example.org/oil]."
    ]
    assert oil.sourced
    assert [m.identifier for m in oil.mentions] == ["url:https://example.org/oil"]
    assert "Neural networks predict splicing accurately [@doi:10.1000/splice]." in claims


# ---------------------------------------------------------------------------------------
# The real articles as JATS and as a web page


def _as_web_page(root: ElementTree.Element) -> str:
    """The article as a publisher's page shows it: sections as <h2>, paragraphs with each
    xref as its text, figures as <figure>/<figcaption>, tables with their <caption>, and
    the reference list as "[n] Authors: …" paragraphs (names joined by commas)."""
    parts = ["<html><body><article>"]
    inline_tags = {"fig", "table-wrap", "list", "disp-quote", "boxed-text", "p", "sec"}

    def text(element: ElementTree.Element | None) -> str:
        return html.escape("".join(element.itertext())) if element is not None else ""

    def label(element: ElementTree.Element) -> str:
        found = element.find("label")
        return text(found) + " " if found is not None else ""

    def block(element: ElementTree.Element) -> None:
        tag = element.tag
        if tag == "title":
            parts.append(f"<h2>{text(element)}</h2>")
        elif tag == "p":
            pieces, later = [html.escape(element.text or "")], []
            for child in element:
                if child.tag in inline_tags:
                    later.append(child)
                else:
                    pieces.append(text(child))
                pieces.append(html.escape(child.tail or ""))
            parts.append(f"<p>{''.join(pieces)}</p>")
            for child in later:
                block(child)
        elif tag == "list":
            items = "".join(f"<li>{text(item)}</li>" for item in element.iter("list-item"))
            parts.append(f"<ul>{items}</ul>")
        elif tag == "fig":
            caption = f"{label(element)}{text(element.find('caption'))}"
            parts.append(f'<figure><img src="f.png"><figcaption>{caption}</figcaption></figure>')
        elif tag == "table-wrap":
            parts.append(f"<table><caption>{label(element)}{text(element.find('caption'))}")
            parts.append("</caption>")
            for row in element.iter("tr"):
                cells = "".join(f"<td>{text(c)}</td>" for c in row if c.tag in ("td", "th"))
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
            for foot in element.iter("table-wrap-foot"):
                parts.append(f"<p>{text(foot)}</p>")
        else:
            for child in element:
                block(child)

    for part in ("body", "floats-group"):
        found = root.find(part)
        if found is not None:
            block(found)
    parts.append("<h2>References</h2>")
    for ref in root.iter("ref"):
        number = text(ref.find("label")).strip().rstrip(".")
        pieces = []
        for citation in ref:
            if citation.tag == "label":
                continue
            pieces.append(citation.text or "")
            for child in citation:
                if child.tag == "person-group":
                    names = [
                        " ".join(t.strip() for t in name.itertext() if t.strip())
                        for name in child
                        if name.tag in ("name", "collab")
                    ]
                    pieces.append(", ".join(names))
                else:
                    pieces.append("".join(child.itertext()))
                pieces.append(child.tail or "")
        entry = html.escape(re.sub(r"\s+", " ", "".join(pieces)).strip())
        parts.append(f"<p>{'[' + number + '] ' if number else ''}{entry}</p>")
    parts.append("</article></body></html>")
    return "\n".join(parts)


def _cited(doc: Document) -> Counter[int]:
    """How often each reference entry (by its place in the list) is cited."""
    place = {r.label.rstrip(".") if r.label else None: i for i, r in enumerate(doc.references)}
    cited: Counter[int] = Counter()
    for mention in extract(doc).mentions:
        if mention.kind == "numbered" and doc.format != "jats":
            cited.update(place[str(n)] for n in mention.numbers if str(n) in place)
        elif mention.kind in ("numbered", "author-year") and mention.reference_index is not None:
            cited[mention.reference_index] += 1
    return cited


ARTICLES = sorted(p.name for p in (CORPORA / "pdf-articles").glob("*/") if p.is_dir())
# Every article, the author-year F1000 one included, cites what its XML cites.
_FLOORS: dict[str, float] = {}


@pytest.mark.parametrize("name", ARTICLES or ["absent"])
def test_real_article_as_a_web_page_cites_what_its_xml_cites(name: str) -> None:
    path = shared_path("data", "corpora", "pdf-articles", name, "paper.xml")
    root = ElementTree.parse(path).getroot()
    for holder in list(root.iter()):
        for child in list(holder):
            if child.tag == "sub-article":  # F1000's referee reports
                holder.remove(child)
    jats = read_document(None, text=ElementTree.tostring(root, encoding="unicode"), fmt="jats")
    page = read_document(None, text=_as_web_page(root), fmt="html")
    assert len(page.references) == len(jats.references)
    from_jats, from_page = _cited(jats), _cited(page)
    recall = sum((from_jats & from_page).values()) / sum(from_jats.values())
    assert recall >= _FLOORS.get(name, 1.0)
    # Nothing cited that the XML does not cite, but for the entries between the ends of
    # a range: BMC's XML marks "[5–8]" up as two xrefs, 5 and 8.
    inside = Counter(
        n - 1
        for m in extract(page).mentions
        if m.kind == "numbered"
        for low, high in re.findall(r"(\d+)\s*[-–]\s*(\d+)", m.text)
        for n in range(int(low) + 1, int(high))
    )
    assert from_page - from_jats <= inside
