"""Mention extraction: identifiers, keys, numbered, author-year, journal, vague."""

from __future__ import annotations

import pytest

from evidence.extract import extract
from evidence.extract.attribution_mentions import journal_mentions
from evidence.extract.mention import Mention
from evidence.extract.mentions import find_mentions
from evidence.extract.segment import Sentence, segment
from evidence.extract.vague_mentions import vague_mentions
from evidence.read import read_document


def _one(text: str) -> Sentence:
    return Sentence(0, text, 0, len(text), 0, "paragraph")


def _mentions(text: str, fmt: str = "text", keys: set[str] | None = None) -> list[Mention]:
    doc = read_document(None, text=text, fmt=fmt)
    found = [m for ms in find_mentions(doc, segment(doc), keys) for m in ms]
    for m in found:
        assert doc.text[m.start : m.end] == m.text
    return found


def test_identifiers_in_prose() -> None:
    found = _mentions("See doi:10.1000/ABC.123 and PMID: 12345678 and https://example.org/x.")
    assert [(m.kind, m.identifier) for m in found] == [
        ("doi", "doi:10.1000/abc.123"),
        ("pmid", "pmid:12345678"),
        ("url", "url:https://example.org/x"),
    ]


def test_pandoc_keys_known_and_unknown() -> None:
    found = _mentions("Shown [@smith2020; @nobody2001; @doi:10.1/x].", "markdown", {"smith2020"})
    assert [(m.kind, m.citekey, m.known) for m in found] == [
        ("citekey", "smith2020", True),
        ("citekey", "nobody2001", False),
        ("doi", "doi:10.1/x", True),
    ]


_NUMBERED_LIST = (
    "\n\nReferences\n1. Lee A. One. 2001.\n2. Kim B. Two. 2002.\n3. Cho C. Three. 2003.\n"
)


def test_numbered_citations_tied_to_references() -> None:
    text = "Massage helps [1]. Pain fell [2–3] and [1, 3]." + _NUMBERED_LIST
    found = [m for m in _mentions(text) if m.kind == "numbered"]
    assert [(m.text, m.numbers) for m in found] == [
        ("[1]", [1]),
        ("[2–3]", [2, 3]),
        ("[1, 3]", [1, 3]),
    ]
    assert found[0].reference and found[0].reference.startswith("1. Lee A.")
    # Numbers in parentheses cite where the document cites in parentheses only.
    text = "Massage helps (1). Pain fell (2–3) and (1, 3)." + _NUMBERED_LIST
    found = [m for m in _mentions(text) if m.kind == "numbered"]
    assert [(m.text, m.numbers) for m in found] == [
        ("(1)", [1]),
        ("(2–3)", [2, 3]),
        ("(1, 3)", [1, 3]),
    ]
    # Where brackets cite, parentheses hold counts (BMC: "water bodies (57)").
    text = "Massage helps [1]. Pain fell in rooms (2) and wards (3)." + _NUMBERED_LIST
    found = [m for m in _mentions(text) if m.kind == "numbered"]
    assert [(m.text, m.numbers) for m in found] == [("[1]", [1])]


def test_author_year_forms() -> None:
    text = (
        "Massage works (Smith et al., 2020; Lee & Park, 2019). "
        "Smith and Jones (2018) disagreed. In (2019) nothing.\n\n"
        "References\nSmith, A., Doe, B., & Roe, E. (2020). Title. J, 1.\nLee, C., & Park, D. (2019). T. J.\n"
    )
    found = [m for m in _mentions(text) if m.kind == "author-year"]
    assert [(m.text, m.authors, m.year, m.reference_index) for m in found] == [
        ("Smith et al., 2020", ["Smith"], "2020", 0),
        ("Lee & Park, 2019", ["Lee", "Park"], "2019", 1),
        ("Smith and Jones (2018)", ["Smith", "Jones"], "2018", None),
    ]


@pytest.mark.parametrize(
    ("sentence", "journal", "institution"),
    [
        (
            "A study published in the Journal of Clinical Nursing found that X.",
            "Journal of Clinical Nursing",
            None,
        ),
        ("According to a 2019 study in The Lancet, sleep matters.", "The Lancet", None),
        (
            "The study, published Monday in the New England Journal of Medicine , tested it.",
            "New England Journal of Medicine",
            None,
        ),
        (
            "It was published in the journal Cancer Epidemiology, Biomarkers and Prevention, and found X.",
            "Cancer Epidemiology, Biomarkers and Prevention",
            None,
        ),
        ("The trial, published in Diabetes Care, is the latest.", "Diabetes Care", None),
        (
            "Results were published in the American Heart Association's journal Circulation today.",
            "Circulation",
            "American Heart Association",
        ),
        ("It appeared in the Lancet medical journal last year.", "Lancet", None),
        ("A study published in JAMA Surgery in June 2016 found few clots.", "JAMA Surgery", None),
        (
            "It was published online today in ecancermedicalscience, they said.",
            "ecancermedicalscience",
            None,
        ),
        ("Researchers at Harvard found that naps help.", None, "Harvard"),
        ("A study by the Mayo Clinic showed gains.", None, "Mayo Clinic"),
    ],
)
def test_journal_and_institution_names(
    sentence: str, journal: str | None, institution: str | None
) -> None:
    found = journal_mentions(_one(sentence), sentence)
    assert len(found) == 1
    assert (found[0].journal, found[0].institution) == (journal, institution)
    assert sentence[found[0].start : found[0].end] == found[0].text


@pytest.mark.parametrize(
    "sentence",
    [
        "The study was done in China and published in 2015.",
        "A study in mice found nothing.",
        "It was published in the Feb.",
    ],
)
def test_no_journal(sentence: str) -> None:
    assert journal_mentions(_one(sentence), sentence) == []


def test_year_and_finding() -> None:
    sentence = "A 2015 study published in the BMJ found that coffee lowers risk."
    (mention,) = journal_mentions(_one(sentence), sentence)
    assert (mention.journal, mention.year, mention.finding) == ("BMJ", "2015", "coffee lowers risk")


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Studies show that tea helps.", "Studies show"),
        ("Research has found a link.", "Research has found"),
        ("Investigation has shown that it helps.", "Investigation has shown"),
        ("Experts agree this is safe.", "Experts agree"),
        ("It is well known that salt raises blood pressure.", "It is well known"),
        ("Scientists say it works.", "Scientists say"),
        ("Many studies have shown benefits.", "Many studies have shown"),
    ],
)
def test_vague(sentence: str, phrase: str) -> None:
    assert [m.text for m in vague_mentions(_one(sentence), sentence)] == [phrase]


def test_not_vague() -> None:
    for sentence in (
        "Our study shows a gain.",
        "The research team met in May.",
        "This study found X.",
    ):
        assert vague_mentions(_one(sentence), sentence) == []


def test_continuation_inherits_journal() -> None:
    text = (
        "A study published in the Journal of Pain found that music reduced pain. "
        "The study also found that anxiety fell. It rained."
    )
    result = extract(read_document(None, text=text, fmt="text"))
    second = result.scored[1]
    (mention,) = second.mentions
    assert (mention.kind, mention.journal, mention.inherited, mention.text) == (
        "journal",
        "Journal of Pain",
        True,
        "The study",
    )
    assert second.is_claim
    assert result.scored[2].mentions == []


def test_vague_suppressed_when_concrete_source_present() -> None:
    found = _mentions("Studies show benefits [@lee2020].", "markdown")
    assert [m.kind for m in found] == ["citekey"]


@pytest.mark.parametrize(
    ("written", "kind", "identifier"),
    [
        (
            "Massage reduced anxiety in 50 adults (doi:10.1000/\u200babc.123).",
            "doi",
            "doi:10.1000/abc.123",
        ),
        ("Naps restored attention in 80 adults (PMID: 1234\u200d5678).", "pmid", "pmid:12345678"),
        (
            "Tea lowered blood pressure in 40 adults (\u202adoi:10.1000/xyz\u202c).",
            "doi",
            "doi:10.1000/xyz",
        ),
        (
            "Tea lowered blood pressure in 40 adults (\u2066doi:10.1000/\u00adxyz\u2069).",
            "doi",
            "doi:10.1000/xyz",
        ),
        ("Studies\u200b show that naps restore attention in older adults.", "vague", None),
        ("Stud\u2060ies sh\u200cow that naps restore attention in older adults.", "vague", None),
    ],
)
def test_invisible_characters_do_not_hide_a_mention(
    written: str, kind: str, identifier: str | None
) -> None:
    """Zero-width characters, soft hyphens and bidi controls are not seen by the patterns;
    the spans still point into the text as written."""
    doc = read_document(None, text=f"Some plain words here.\n\n{written}\n", fmt="text")
    extraction = extract(doc)
    [claim] = [c for c in extraction.claims if c.mentions]
    assert claim.text == doc.text[claim.start : claim.end] == written
    [mention] = claim.mentions
    assert (mention.kind, mention.identifier) == (kind, identifier)
    assert doc.text[mention.start : mention.end] == mention.text
    assert mention.text.strip("\u202a\u202c\u2066\u2069") == mention.text
    for sentence in extraction.sentences:
        assert doc.text[sentence.start : sentence.end] == sentence.text


def test_a_link_target_with_a_zero_width_space_is_its_identifier() -> None:
    html = (
        "<html><body><article><h1>Massage</h1><p>Massage reduced anxiety in adults with "
        "chronic pain over eight weeks, as <a href='https://doi.org/10.1000/&#8203;abc'>the "
        "trial</a> reported in detail.</p></article></body></html>"
    )
    found = _mentions(html, "html")
    assert [(m.kind, m.identifier) for m in found] == [("doi", "doi:10.1000/abc")]
