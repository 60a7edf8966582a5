from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bib.errors import IdentifierError
from bib.identifiers import (
    HANDLERS,
    KINDS,
    PREFIX_TO_HANDLER,
    ArxivHandler,
    DoiHandler,
    Identifier,
    IsbnHandler,
    PmcidHandler,
    PmidHandler,
    UrlHandler,
    arxiv_unversioned,
    find_identifiers,
    identifier_url,
    inspect_identifier,
    isbn10_to_13,
    parse_identifier,
    strip_trailing_punctuation,
)

# --- registry -------------------------------------------------------------------------


def test_every_kind_has_a_handler() -> None:
    assert set(HANDLERS) == set(KINDS)
    for kind, handler in HANDLERS.items():
        assert handler.kind == kind


def test_every_prefix_maps_to_exactly_one_handler() -> None:
    all_prefixes = [p for handler in HANDLERS.values() for p in handler.prefixes]
    assert len(all_prefixes) == len(set(all_prefixes))
    for handler in HANDLERS.values():
        assert handler.prefixes, f"{handler.kind} has no prefix"
        for prefix in handler.prefixes:
            assert prefix == prefix.lower()
            assert PREFIX_TO_HANDLER[prefix] is handler


def test_handler_classes_are_registered() -> None:
    classes = {type(h) for h in HANDLERS.values()}
    assert classes == {
        DoiHandler,
        PmidHandler,
        PmcidHandler,
        ArxivHandler,
        IsbnHandler,
        UrlHandler,
    }


@pytest.mark.parametrize(
    "identifier",
    [
        Identifier("doi", "10.1080/00207459608986710"),
        Identifier("pmid", "8870945"),
        Identifier("pmcid", "PMC3159421"),
        Identifier("arxiv", "2101.00001v2"),
        Identifier("arxiv", "hep-th/9901001"),
        Identifier("isbn", "9780199291151"),
        Identifier("url", "https://example.org/report"),
    ],
)
def test_standard_values_match_the_handler_pattern(identifier: Identifier) -> None:
    handler = HANDLERS[identifier.kind]
    assert handler.pattern.match(identifier.value)
    assert handler.inspect(identifier.value) is None
    assert handler.standardize(identifier.value) == identifier.value


# --- DOI ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10.1080/00207459608986710", "10.1080/00207459608986710"),
        ("doi:10.1080/00207459608986710", "10.1080/00207459608986710"),
        ("DOI: 10.1080/00207459608986710", "10.1080/00207459608986710"),
        ("10.1371/journal.PONE.0033693", "10.1371/journal.pone.0033693"),
        ("10.1371/journal.pone.0033693.", "10.1371/journal.pone.0033693"),
        ("10.1371/journal.pone.0033693);", "10.1371/journal.pone.0033693"),
        ("<10.1371/journal.pone.0033693>", "10.1371/journal.pone.0033693"),
        ("10.1016/0140-6736(90)90001-X", "10.1016/0140-6736(90)90001-x"),
        ("10.1016/0140-6736(90)90001-X.", "10.1016/0140-6736(90)90001-x"),
        ("https://doi.org/10.1080/00207459608986710", "10.1080/00207459608986710"),
        ("http://dx.doi.org/10.1080/00207459608986710", "10.1080/00207459608986710"),
        ("https://www.doi.org/10.1000/XYZ", "10.1000/xyz"),
        ("https://doi.org/10.1002%2F%28SICI%291097", "10.1002/(sici)1097"),
        ("doi.org/10.1000/xyz", "10.1000/xyz"),
        ("doi:https://doi.org/10.1000/xyz", "10.1000/xyz"),
        ("10.1000.10/abc", "10.1000.10/abc"),
        # The arXiv DOI is kept a DOI (DataCite registers it, not arXiv).
        ("10.48550/arXiv.2101.00001", "10.48550/arxiv.2101.00001"),
        ("https://doi.org/10.48550/arXiv.2101.00001", "10.48550/arxiv.2101.00001"),
    ],
)
def test_doi_forms(text: str, value: str) -> None:
    assert parse_identifier(text) == Identifier("doi", value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "10.1234",
            '"10.1234" is not a DOI: a DOI has a suffix after the slash (10.1234/…)',
        ),
        (
            "10.1234/",
            '"10.1234/" is not a DOI: a DOI has a suffix after the slash (10.1234/…)',
        ),
        (
            "doi:11.1234/abc",
            '"11.1234/abc" is not a DOI: a DOI starts with "10." (10.1234/…)',
        ),
        (
            "10.12/abc",
            '"10.12/abc" is not a DOI: "10." is followed by a registrant of 4 to 9 digits (10.1234/…)',
        ),
        (
            "doi:10.1234/a b",
            '"10.1234/a b" is not a DOI: a DOI contains no spaces or control characters',
        ),
        (
            "https://doi.org/",
            '"" is not a DOI: a DOI starts with "10." (10.1234/…)',
        ),
    ],
)
def test_doi_messages(text: str, message: str) -> None:
    assert inspect_identifier(text) == (None, message)
    with pytest.raises(IdentifierError) as info:
        parse_identifier(text)
    assert str(info.value) == message


# --- PMID, PMCID ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8870945", Identifier("pmid", "8870945")),
        ("pmid:8870945", Identifier("pmid", "8870945")),
        ("PMID: 8870945", Identifier("pmid", "8870945")),
        ("PMID 8870945", Identifier("pmid", "8870945")),
        ("pmid:008870945", Identifier("pmid", "8870945")),
        ("https://pubmed.ncbi.nlm.nih.gov/8870945/", Identifier("pmid", "8870945")),
        ("https://pubmed.ncbi.nlm.nih.gov/8870945", Identifier("pmid", "8870945")),
        ("https://www.ncbi.nlm.nih.gov/pubmed/8870945", Identifier("pmid", "8870945")),
        ("http://ncbi.nlm.nih.gov/pubmed/8870945/", Identifier("pmid", "8870945")),
        ("https://europepmc.org/article/MED/8870945", Identifier("pmid", "8870945")),
        ("PMC3159421", Identifier("pmcid", "PMC3159421")),
        ("pmc3159421", Identifier("pmcid", "PMC3159421")),
        ("pmcid:PMC3159421", Identifier("pmcid", "PMC3159421")),
        ("pmcid:3159421", Identifier("pmcid", "PMC3159421")),
        ("PMCID: PMC3159421", Identifier("pmcid", "PMC3159421")),
        (
            "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3159421/",
            Identifier("pmcid", "PMC3159421"),
        ),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC3159421/", Identifier("pmcid", "PMC3159421")),
        ("https://europepmc.org/article/PMC/PMC3159421", Identifier("pmcid", "PMC3159421")),
    ],
)
def test_pubmed_forms(text: str, expected: Identifier) -> None:
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pmid:abc", '"abc" is not a PMID: a PMID is a number such as 8870945'),
        ("pmid:0", '"0" is not a PMID: PMIDs start at 1'),
        ("pmid:1234567890", '"1234567890" is not a PMID: PMIDs have at most 9 digits'),
        (
            "pmcid:PMCx",
            '"PMCx" is not a PMCID: a PMCID is PMC followed by digits (PMC1234567)',
        ),
    ],
)
def test_pubmed_messages(text: str, message: str) -> None:
    assert inspect_identifier(text) == (None, message)


def test_a_pubmed_search_link_is_a_plain_url() -> None:
    text = "https://pubmed.ncbi.nlm.nih.gov/?term=massage"
    assert parse_identifier(text) == Identifier("url", text)


# --- arXiv ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2101.00001", "2101.00001"),
        ("2101.00001v2", "2101.00001v2"),
        ("2101.00001V2", "2101.00001v2"),
        ("0704.0001", "0704.0001"),
        ("arXiv:2101.00001", "2101.00001"),
        ("ARXIV:2101.00001", "2101.00001"),
        ("arxiv: 2101.00001v3", "2101.00001v3"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("HEP-TH/9901001v2", "hep-th/9901001v2"),
        ("arXiv:math.gt/0309136", "math.GT/0309136"),
        ("https://arxiv.org/abs/2101.00001", "2101.00001"),
        ("https://arxiv.org/abs/2101.00001v2", "2101.00001v2"),
        ("https://arxiv.org/pdf/2101.00001v2.pdf", "2101.00001v2"),
        ("https://arxiv.org/pdf/2101.00001", "2101.00001"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001v1"),
    ],
)
def test_arxiv_forms(text: str, value: str) -> None:
    assert parse_identifier(text) == Identifier("arxiv", value)


def test_arxiv_messages_and_versions() -> None:
    identifier, message = inspect_identifier("arxiv:2113.00001")  # month 13
    assert identifier is None
    assert message is not None and message.startswith('"2113.00001" is not an arXiv id')
    assert arxiv_unversioned("2101.00001v2") == "2101.00001"
    assert arxiv_unversioned("hep-th/9901001v10") == "hep-th/9901001"
    assert arxiv_unversioned("2101.00001") == "2101.00001"


# --- ISBN -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("978-0-19-929115-1", "9780199291151"),
        ("9780199291151", "9780199291151"),
        ("978 0 19 929115 1", "9780199291151"),
        ("isbn:978-0-19-929115-1", "9780199291151"),
        ("ISBN-13: 978-0-19-929115-1", "9780199291151"),
        ("ISBN 0-306-40615-2", "9780306406157"),
        ("0-306-40615-2", "9780306406157"),
        ("0306406152", "9780306406157"),
        ("isbn:0-8044-2957-X", "9780804429573"),
        ("ISBN-10: 080442957x", "9780804429573"),
    ],
)
def test_isbn_forms(text: str, value: str) -> None:
    assert parse_identifier(text) == Identifier("isbn", value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("978-0-19-929115-2", "ISBN 978-0-19-929115-2 has a wrong check digit (expected 1)"),
        ("isbn:0-306-40615-3", "ISBN 0-306-40615-3 has a wrong check digit (expected 2)"),
        ("isbn:0-8044-2957-1", "ISBN 0-8044-2957-1 has a wrong check digit (expected X)"),
        ("isbn:12345", "ISBN 12345 has 5 digits: an ISBN has 10 or 13"),
        (
            "isbn:123-4567890123",
            "ISBN 123-4567890123 is not an ISBN-13: an ISBN-13 starts with 978 or 979",
        ),
        (
            "isbn:abc",
            '"abc" is not an ISBN: an ISBN is 10 or 13 digits (978-0-19-929115-1)',
        ),
    ],
)
def test_isbn_messages(text: str, message: str) -> None:
    assert inspect_identifier(text) == (None, message)


def test_isbn10_conversion() -> None:
    assert isbn10_to_13("0306406152") == "9780306406157"
    assert isbn10_to_13("080442957X") == "9780804429573"


# --- URLs and inference ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("https://example.org/study", "https://example.org/study"),
        ("HTTPS://Example.ORG/Study?Id=3", "https://example.org/Study?Id=3"),
        ("https://example.org/study.", "https://example.org/study"),
        ("url:https://example.org/study", "https://example.org/study"),
        ("www.example.org/a", "https://www.example.org/a"),
    ],
)
def test_other_urls(text: str, value: str) -> None:
    assert parse_identifier(text) == Identifier("url", value)


@pytest.mark.parametrize(
    "text",
    ["ftp://example.org/file", "https://", "https://[", "url:example.org", "massage", "12ab"],
)
def test_unusable_input_has_a_message(text: str) -> None:
    identifier, message = inspect_identifier(text)
    assert identifier is None
    assert message
    assert text.split(":")[-1].strip("/[") in message


def test_empty_input() -> None:
    assert inspect_identifier("   ") == (
        None,
        "An empty identifier was given: expected a DOI, PMID, PMCID, arXiv id, ISBN or URL",
    )


def test_bare_numbers_are_pmids_or_isbns_by_length() -> None:
    assert parse_identifier("123").kind == "pmid"
    assert parse_identifier("123456789").kind == "pmid"
    assert parse_identifier("0306406152").kind == "isbn"
    # 13 digits that are not an ISBN-13 nor a PMID: nothing fits.
    assert inspect_identifier("1234567890123")[0] is None


def test_identifier_urls_parse_back() -> None:
    for identifier in (
        Identifier("doi", "10.1080/00207459608986710"),
        Identifier("pmid", "8870945"),
        Identifier("pmcid", "PMC3159421"),
        Identifier("arxiv", "hep-th/9901001v2"),
        Identifier("url", "https://example.org/x"),
    ):
        url = identifier_url(identifier)
        assert url is not None
        assert parse_identifier(url) == identifier
    assert identifier_url(Identifier("isbn", "9780199291151")) == (
        "https://openlibrary.org/isbn/9780199291151"
    )


def test_strip_trailing_punctuation_keeps_balanced_brackets() -> None:
    assert strip_trailing_punctuation("10.1/a(b)") == "10.1/a(b)"
    assert strip_trailing_punctuation("10.1/ab)") == "10.1/ab"
    assert strip_trailing_punctuation("10.1/ab].,;") == "10.1/ab"
    assert strip_trailing_punctuation('10.1/ab"') == "10.1/ab"


# --- prose ----------------------------------------------------------------------------


def test_find_identifiers_in_prose() -> None:
    text = (
        "Field et al. (doi:10.3109/00207459608986710.) reported it; see also "
        "https://doi.org/10.1371/journal.pone.0033693, PMID: 8870945 and PMCID: PMC3159421. "
        "The preprint (arXiv:2101.00001v2) and [the abstract](https://pubmed.ncbi.nlm.nih.gov/123456/) "
        "agree; a bare 10.1016/0140-6736(90)90001-X, too. ISBN 978-0-19-929115-1."
    )
    found = find_identifiers(text)
    assert [identifier for identifier, _, _ in found] == [
        Identifier("doi", "10.3109/00207459608986710"),
        Identifier("doi", "10.1371/journal.pone.0033693"),
        Identifier("pmid", "8870945"),
        Identifier("pmcid", "PMC3159421"),
        Identifier("arxiv", "2101.00001v2"),
        Identifier("pmid", "123456"),
        Identifier("doi", "10.1016/0140-6736(90)90001-x"),
        Identifier("isbn", "9780199291151"),
    ]
    spans = [text[start:end] for _, start, end in found]
    assert spans == [
        "doi:10.3109/00207459608986710",
        "https://doi.org/10.1371/journal.pone.0033693",
        "PMID: 8870945",
        "PMCID: PMC3159421",
        "arXiv:2101.00001v2",
        "https://pubmed.ncbi.nlm.nih.gov/123456/",
        "10.1016/0140-6736(90)90001-X",
        "ISBN 978-0-19-929115-1",
    ]


def test_find_identifiers_skips_invalid_and_plain_numbers() -> None:
    text = "In 1996, 86 people (p. 197) were studied; ISBN 978-0-19-929115-2 is wrong; 10.12/x."
    assert find_identifiers(text) == []


def test_find_identifiers_does_not_split_doi_links() -> None:
    text = "Read https://dx.doi.org/10.1002%2Fabc.123 now"
    assert find_identifiers(text) == [(Identifier("doi", "10.1002/abc.123"), 5, 41)]


# --- properties -----------------------------------------------------------------------

identifier_like = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"(doi:|https://doi\.org/)?10\.\d{4,6}/[\S]{1,20}", fullmatch=True),
    st.from_regex(r"(pmid:|PMC)?\d{1,10}", fullmatch=True),
    st.from_regex(r"(arXiv:)?\d{4}\.\d{4,5}(v\d)?[.,]?", fullmatch=True),
    st.from_regex(r"(isbn:)?97[89][\d\-]{10,14}", fullmatch=True),
    st.from_regex(r"https?://[a-zA-Z0-9.\-]{1,15}(/\S{0,20})?", fullmatch=True),
)


@settings(max_examples=400)
@given(identifier_like)
def test_parsing_never_crashes_and_round_trips(text: str) -> None:
    identifier, message = inspect_identifier(text)
    assert (identifier is None) != (message is None)
    if identifier is None:
        with pytest.raises(IdentifierError):
            parse_identifier(text)
        return
    assert identifier.kind in KINDS
    assert parse_identifier(str(identifier)) == identifier
    # The standard form is a fixed point of its handler.
    handler = HANDLERS[identifier.kind]
    assert handler.inspect(identifier.value) is None
    assert handler.standardize(identifier.value) == identifier.value


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_find_identifiers_never_crashes(text: str) -> None:
    for identifier, start, end in find_identifiers(text):
        assert 0 <= start < end <= len(text)
        assert identifier.kind in KINDS


@given(st.from_regex(r"97[89][0-9]{9}", fullmatch=True))
def test_every_isbn13_body_has_exactly_one_valid_check_digit(body: str) -> None:
    valid = [d for d in "0123456789" if inspect_identifier(f"isbn:{body}{d}")[0] is not None]
    assert len(valid) == 1


def test_find_identifiers_reads_labels_as_re_ignorecase_does() -> None:
    """Labels are matched case-insensitively, including the letters re folds to ASCII
    (dotless i, dotted capital I): skipping patterns whose label is absent must not lose
    those."""
    for text in ("see PMİD: 12345678", "see pmıd: 12345678", "see Pmid: 12345678"):
        assert [str(i) for i, _, _ in find_identifiers(text)] == ["pmid:12345678"], text
    assert find_identifiers("no label here, just 12345678") == []


def _doi_cases() -> list[str]:
    from conftest import SHARED

    texts = [
        "doi:10.1000/xyz123 and DOI: 10.1000/ABC, Doi:\n\t10.1000/a.b.c.",
        "110.12345/abc 10.1010.1234/x 10.10.1234/y (10.1234/zz) /10.1234/no .10.1234/no",
        "see https://doi.org/10.1234/abc and doı: 10.1234/dotless and doi:10.12/short",
        "10.1234/a10.5678/b doi: doi: 10.1234/twice 10.123456789/ninedigits 10.1234",
        'a:10.1234/x b:  10.1234/y doi:10.1234/"quoted" <10.1234/angle>',
    ]
    for folder in (
        SHARED / "data" / "corpora" / "manuscripts" / "deep-review" / "content",
        SHARED / "data" / "corpora" / "bibtex",
    ):
        if folder.is_dir():
            for path in sorted(folder.rglob("*"))[:60]:
                if path.is_file() and path.suffix in (".md", ".bib", ".txt"):
                    texts.append(path.read_text("utf-8", errors="replace"))
    return texts


def test_doi_matches_are_what_finditer_finds() -> None:
    from bib.identifiers import _PROSE_PATTERNS, _doi_matches

    pattern = dict(_PROSE_PATTERNS)["doi"]
    found = 0
    for text in _doi_cases():
        want = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        got = [(m.span(), m.groupdict()) for m in _doi_matches(pattern, text)]
        assert got == want, text[:200]
        found += len(want)
    assert found >= 10
