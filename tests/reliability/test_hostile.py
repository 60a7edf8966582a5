"""Hostile input: broken and malicious bibliographies, documents, identifiers and service
answers (tests/data/hostile/, and large files generated here). Each gives a one-line
error or a handled per-item failure, never a traceback; nothing runs (the reports show
hostile strings as inert text); and a database that received nothing valid is
byte-identical afterwards.

Files named ``invalid-*`` hold nothing usable; ``hostile-*`` files hold usable entries or
claims with hostile content, which are stored and then rendered.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fake_services import FakeServices
from markdown_it import MarkdownIt

from tests.conftest import CORPORA
from tests.reliability.conftest import (
    HOSTILE,
    Run,
    assert_clean_failure,
    assert_consistent,
    cli,
    file_digest,
)

pytestmark = pytest.mark.reliability

BIBLIOGRAPHIES = sorted(
    p for sub in ("bib", "csl", "ris") for p in (HOSTILE / sub).iterdir() if p.is_file()
)
DOCUMENTS = sorted(p for p in (HOSTILE / "docs").iterdir() if p.is_file())
IDENTIFIERS: list[dict[str, str]] = json.loads((HOSTILE / "identifiers.json").read_text())

# Payloads whose text must come out of every report literally, evaluated by nothing.
PAYLOADS = (
    "<script>alert('pwned')</script>",
    "[click me](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    "{{ 7*7 }}",
    "{% for x in range(3) %}loop{% endfor %}",
)


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def invalid(path: Path) -> bool:
    return path.name.startswith("invalid-")


@pytest.fixture
def empty_db(db_path: Path) -> Path:
    """A database with the schema and nothing else (made by the store, as a writing
    command would; a reading command refuses a database that does not exist)."""
    from evidence.store import Store

    Store(db_path).close()
    assert cli("studies").code == 0
    return db_path


def assert_one_line_errors(run: Run, path: Path | None = None) -> None:
    """Every stderr line is an `Error: …` line or a `file:line: key: problem` line."""
    assert_clean_failure(run)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines, f"no message for a failure: {run.output}"
    for line in lines:
        assert line.startswith("Error: ") or (path is not None and line.startswith(str(path))), line


# --- bibliographies ---------------------------------------------------------------------


def test_at_least_sixty_cases() -> None:
    assert len(BIBLIOGRAPHIES) + len(DOCUMENTS) + len(IDENTIFIERS) >= 60


@pytest.mark.parametrize("path", BIBLIOGRAPHIES, ids=case_id)
def test_import_hostile_bibliography(empty_db: Path, path: Path) -> None:
    before = file_digest(empty_db)
    run = cli("import", str(path))
    assert_clean_failure(run)
    assert run.code in (0, 1, 2), run.output
    if invalid(path):
        assert run.code in (1, 2), run.output
        assert_one_line_errors(run, path)
        assert file_digest(empty_db) == before, "a file with nothing valid changed the database"
    else:
        assert run.code in (0, 1), run.output
        assert_consistent(empty_db, identifiers_required=False)
        stored = cli("studies", "--json").json()
        assert stored, f"nothing stored from {path.name}: {run.output}"
        for study in stored:
            doi = study["doi"]
            assert doi is None or re.fullmatch(r"10\.[0-9]{4,9}/\S+", doi), doi
            assert study["pmid"] is None or study["pmid"].isdigit(), study["pmid"]
            assert study["year"] is None or -10000 < study["year"] < 10000, study["year"]


# --- documents --------------------------------------------------------------------------


@pytest.mark.parametrize("path", DOCUMENTS, ids=case_id)
def test_ingest_hostile_document(empty_db: Path, path: Path) -> None:
    before = file_digest(empty_db)
    run = cli("ingest", str(path))
    assert_clean_failure(run)
    if invalid(path):
        assert run.code == 2, run.output
        assert_one_line_errors(run)
        assert file_digest(empty_db) == before
    else:
        assert run.code == 0, run.output
        assert_consistent(empty_db, identifiers_required=False)
        assert cli("claims", "--json").json(), run.output


# --- identifiers ------------------------------------------------------------------------


@pytest.mark.parametrize("case", IDENTIFIERS, ids=lambda c: c["why"])
def test_add_hostile_identifier(empty_db: Path, case: dict[str, str]) -> None:
    before = file_digest(empty_db)
    run = cli("add", "--no-fetch", case["id"])
    assert_clean_failure(run)
    if run.code == 0:
        # Only an identifier that standardises to a well-formed one may be stored.
        (study,) = cli("studies", "--json").json()
        ids = {k: study[k] for k in ("doi", "pmid", "pmcid", "arxiv", "isbn") if study[k]}
        assert len(ids) == 1, ids
        ((kind, value),) = ids.items()
        assert value.isascii() and value.isprintable() and " " not in value, ids
        if kind == "doi":
            assert re.fullmatch(r"10\.[0-9]{4,9}/\S+", value), value
        return
    assert run.code == 2, run.output
    assert_one_line_errors(run)
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert file_digest(empty_db) == before


# --- generated large and deep inputs ------------------------------------------------------


def write_size(path: Path, head: str, filler: str, size: int, tail: str = "") -> Path:
    chunk = filler * max(1, 65536 // len(filler))
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        written = len(head)
        while written < size:
            fh.write(chunk)
            written += len(chunk)
        fh.write(tail)
    return path


def generated_cases(tmp: Path) -> list[tuple[str, Path, str]]:
    """(command, file, kind) for inputs too large to keep in the repository."""
    mb = 1024 * 1024
    binary = tmp / "binary-100mb.bib"
    with binary.open("wb") as fh:
        block = bytes(range(256)) * 4096
        for _ in range(100):
            fh.write(block)
    return [
        ("import", binary, "binary"),
        (
            "import",
            write_size(tmp / "words-100mb.bib", "", "no entries, only words ", 100 * mb),
            "text",
        ),
        (
            "import",
            write_size(
                tmp / "deep-braces.bib",
                "@article{deep,\n  title = ",
                "{",
                10_000,
                "}" * 10_000 + ",\n}\n",
            ),
            "deep",
        ),
        (
            "import",
            write_size(tmp / "unclosed-braces.bib", "@article{deep,\n  title = ", "{", 10_000),
            "deep",
        ),
        ("import", write_size(tmp / "deep.json", "", "[", 100_000, "]" * 100_000), "deep"),
        (
            "ingest",
            write_size(tmp / "huge-100mb.txt", "", "Studies show massage works. ", 100 * mb),
            "large",
        ),
        ("ingest", write_size(tmp / "huge-100mb.md", "", "x", 100 * mb), "large"),
        (
            "ingest",
            write_size(
                tmp / "deep.html",
                "<html><body>",
                "<div>",
                10_000,
                "Studies show massage works.</body></html>",
            ),
            "deep",
        ),
        (
            "ingest",
            write_size(tmp / "deep-braces.tex", "Studies show massage works.", "{", 10_000),
            "deep",
        ),
    ]


def test_generated_large_and_deep_inputs(empty_db: Path, tmp_path: Path) -> None:
    for command, path, kind in generated_cases(tmp_path):
        before = file_digest(empty_db)
        run = cli(command, str(path))
        assert_clean_failure(run)
        if kind in ("binary", "large", "text"):
            # Nothing usable in these: a one-line error, and the database untouched.
            assert run.code in (1, 2), (path.name, run.output)
            assert_one_line_errors(run, path)
            assert file_digest(empty_db) == before, path.name
        else:
            assert run.code in (0, 1, 2), (path.name, run.output)
            assert_consistent(empty_db, identifiers_required=False)
        path.unlink()


# --- hostile service answers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "fault", "identifier"),
    [
        ("pubmed", "xml-bomb", "pmid:31000001"),
        ("pubmed", "xxe", "pmid:31000001"),
        ("crossref", "huge-json", "10.5555/hostile.answer"),
        ("crossref", "deep-json", "10.5555/hostile.answer"),
        ("crossref", "html", "10.5555/hostile.answer"),
    ],
)
def test_hostile_service_answers(
    fake_services: FakeServices,
    empty_db: Path,
    fast_http: None,
    service: str,
    fault: str,
    identifier: str,
) -> None:
    fake_services.huge_bytes = 50 * 1024 * 1024
    fake_services.add(
        doi="10.5555/hostile.answer",
        pmid="31000001",
        title="A study known to one service",
        authors=[("Field", "T")],
        year=2001,
        services=[service],
    )
    fake_services.inject(service, fault, count=100)
    before = file_digest(empty_db)
    run = cli("add", identifier)
    assert_clean_failure(run, 1)
    (line,) = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert f"{service} failed" in line, line
    assert "root:" not in run.output  # no /etc/passwd content anywhere
    assert file_digest(empty_db) == before


# --- the reports: hostile text stays text -------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(source: str) -> _Tags:
    parser = _Tags()
    parser.feed(source)
    parser.close()
    return parser


def assert_inert(page: _Tags, where: str) -> None:
    names = [t for t, _ in page.tags]
    for bad in ("script", "iframe", "img", "object", "embed", "meta", "base", "form"):
        if bad == "meta" and where == "html":
            continue  # the page's own charset/viewport meta tags
        assert bad not in names, (where, bad)
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (where, tag)
        if tag == "meta" and "http-equiv" in attrs:
            # Only the page's own Content-Security-Policy; never a refresh or redirect.
            assert (attrs["http-equiv"] or "").lower() == "content-security-policy", attrs


def hostile_library(fake: FakeServices, tmp: Path) -> None:
    """Import every hostile bibliography, ingest every hostile document and a document
    citing the hostile entries, and add a study whose service metadata is hostile."""
    for path in BIBLIOGRAPHIES:
        if not invalid(path):
            cli("import", str(path))
    for path in DOCUMENTS:
        if not invalid(path):
            assert cli("ingest", str(path)).code == 0
    keys = [s["id"] for s in cli("studies", "--json").json()]
    citing = tmp / "citing.md"
    citing.write_text(
        "\n\n".join(
            f"Massage reduced anxiety by {10 + i}% in {20 + i} adults [@{key}]."
            for i, key in enumerate(keys)
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli("ingest", str(citing)).code == 0
    fake.add(
        doi="10.5555/hostile.metadata",
        title="<script>alert('pwned')</script> {{ 7*7 }} [click me](javascript:alert(1))",
        abstract="![x](https://evil.example/track.png) {% for x in range(3) %}loop{% endfor %}",
        journal="<img src=x onerror=alert(1)>",
        authors=[("<b>Bold</b>", "{{ config }}")],
        year=2020,
    )
    added = cli("add", "10.5555/hostile.metadata")
    assert added.code == 0, added.output


def test_reports_show_hostile_text_as_text(
    fake_services: FakeServices, db_path: Path, tmp_path: Path
) -> None:
    hostile_library(fake_services, tmp_path)
    assert_consistent(db_path, identifiers_required=False)
    outputs: dict[str, str] = {}
    for fmt in ("html", "md", "json"):
        target = tmp_path / f"report.{fmt}"
        run = cli("report", "--format", fmt, "--output", str(target))
        assert run.code == 0, run.output
        outputs[fmt] = target.read_text(encoding="utf-8")

    html_page = parse_html(outputs["html"])
    assert_inert(html_page, "html")
    html_text = "".join(html_page.text)

    md = outputs["md"]
    assert "{{" not in md and "{%" not in md
    assert "<script" not in md.lower() and "<img" not in md.lower()
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    md_page = parse_html(rendered)
    assert_inert(md_page, "md")
    md_text = "".join(md_page.text)

    model = json.loads(outputs["json"])
    json_text = json.dumps(model, ensure_ascii=False)
    for payload in PAYLOADS:
        assert payload in html_text, ("html", payload)
        assert payload in md_text, ("md", payload)
        assert payload in json_text, ("json", payload)


# --- real malformed BibTeX ---------------------------------------------------------------


def bibtexparser_cases() -> list[Path]:
    folder = CORPORA / "bibtex" / "bibtexparser-v1-tests"
    return sorted(folder.glob("*.bib")) if folder.is_dir() else []


@pytest.mark.parametrize("path", bibtexparser_cases(), ids=lambda p: p.name)
def test_bibtexparser_inputs_never_crash(db_path: Path, path: Path) -> None:
    run = cli("import", str(path))
    assert_clean_failure(run)
    assert run.code in (0, 1, 2), run.output
    if run.code != 0:
        assert_one_line_errors(run, path)
    assert_consistent(db_path, identifiers_required=False)


def test_bibtexparser_corpus_present() -> None:
    if not bibtexparser_cases():
        pytest.skip("../shared/data/corpora/bibtex/bibtexparser-v1-tests not available")


def test_absurd_service_metadata_is_stored_safely(
    fake_services: FakeServices, db_path: Path
) -> None:
    fake_services.add(
        doi="10.5555/absurd.metadata",
        title="Title with a NUL \x00 and a bell \x07 inside",
        authors=[("", ""), ("X" * 5000, "")],
        year=10**30,
        volume="-1",
        pages="99999999999999999999999-1",
        services=["crossref"],
    )
    run = cli("add", "10.5555/absurd.metadata")
    assert_clean_failure(run, 0)
    (study,) = cli("studies", "--json").json()
    assert study["year"] is None
    assert_consistent(db_path)
    assert cli("report", "--format", "html").code == 0
