"""`evidence ingest https://…`: a web page fetched through the HTTP session (cached,
offline from the cache, limits of time and size, http(s) only) and read by the reader
its Content-Type names.

Every page comes from a small HTTP server on 127.0.0.1 started here (threaded, a free
port); nothing touches the network.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bib.http import HttpConfig
from evidence.cli import app
from evidence.errors import DocumentError
from evidence.read.web import WebPage, looks_like_address, page_format, page_text, read_web_page
from tests.conftest import shared_path
from tests.test_read_jats import ARTICLE as JATS_ARTICLE
from tests.test_read_pdf import make_pdf

# An article as a news site or a journal serves it: navigation and footer around the
# text, numbered and author-year citations, and a reference list whose entries carry
# their numbers.
ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sleep and memory</title></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav>
<article>
<h1>Sleep and memory in adults</h1>
<p>Sleep deprivation reduces working memory capacity in healthy adults [1]. A single
night without sleep lowered recall by a fifth in a randomised trial [2]. Napping after
learning improves retention of word lists in students [1, 3].</p>
<p>Caffeine does not restore the lost capacity, according to a meta-analysis of twelve
trials (Müller et al., 2019).</p>
<h2>References</h2>
<p>1. Smith J, Jones K. Sleep loss and working memory. Journal of Sleep Research.
2015;24(3):123-130. doi:10.1111/jsr.12345</p>
<p>2. Brown A, Green B, White C. One night without sleep: a randomised trial. Sleep.
2018;41(2):zsx201. doi:10.1093/sleep/zsx201</p>
<p>3. Lee H. Naps and retention. Learning and Memory. 2020;27:1-8.</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
</body></html>
"""

HTML = "text/html; charset=utf-8"


@dataclass
class Site:
    """What the server answers: ``pages`` maps a path to (status, headers, body);
    ``/hang`` and the paths in ``hanging`` never answer, ``/endless`` sends a body without end. ``hits`` counts the
    requests per path, ``endless_sent`` the bytes the endless body got out."""

    url: str = ""
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    hanging: set[str] = field(default_factory=set)
    endless_sent: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def page(
        self,
        path: str,
        body: str | bytes,
        content_type: str = HTML,
        status: int = 200,
        **headers: str,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (status, {"Content-Type": content_type, **headers}, data)
        return self.url + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.page(path, b"", "text/plain", status, Location=location)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        site = self.site
        site.hits[self.path] = site.hits.get(self.path, 0) + 1
        if self.path == "/hang" or self.path in site.hanging:
            site.release.wait(30)
            return
        if self.path == "/endless":
            self._endless()
            return
        status, headers, body = site.pages.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"no such page")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _endless(self) -> None:
        """A page that never ends (as a 2 GB answer would be, only longer): stops when
        the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        chunk = b"<p>" + b"all work and no play " * 3000 + b"</p>\n"
        try:
            while True:
                self.wfile.write(chunk)
                self.site.endless_sent += len(chunk)
        except OSError:
            pass
        finally:
            self.close_connection = True


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()
    handler = type("_Bound", (_Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def documents() -> list[tuple[str, str, str]]:
    db = Path(os.environ["EVIDENCE_DB"])
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("select name, path, format from documents").fetchall()


def claims(document: str | None = None) -> list[dict[str, Any]]:
    code, out, err = run("claims", "--json", *(["-d", document] if document else []))
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def assert_refused(url: str, message: str, *options: str) -> str:
    """One `Error:` line naming ``message``, exit 2, no document stored."""
    code, _, err = run(*options, "ingest", url)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("Error:"), err
    assert message in lines[0], lines[0]
    assert documents() == []
    return lines[0]


# --- a page through the CLI ------------------------------------------------------------


def test_an_article_is_stored_under_its_address_with_claims_and_tied_citations(
    site: Site, tmp_path: Path
) -> None:
    url = site.page("/news/sleep-and-memory.html", ARTICLE)
    code, out, err = run("ingest", url)
    assert code == 0, err
    assert f"{url}: 4 claims" in out
    assert documents() == [(url, url, "html")]
    found = claims(url)
    by_text = {c["text"].split()[0]: c for c in found}
    assert set(by_text) == {"Sleep", "A", "Napping", "Caffeine"}
    assert all(c["status"] == "cited" for c in found)
    assert [m["text"] for m in by_text["Napping"]["mentions"]] == ["[1, 3]"]
    assert [m["kind"] for m in by_text["Caffeine"]["mentions"]] == ["author-year"]
    with sqlite3.connect(os.environ["EVIDENCE_DB"]) as conn:
        ties = dict(conn.execute("select text, reference from mentions where kind = 'numbered'"))
    assert ties["[1]"].startswith("1. Smith J, Jones K.")
    assert ties["[2]"].startswith("2. Brown A") and "10.1093/sleep/zsx201" in ties["[2]"]
    assert ties["[1, 3]"].split(" | ")[1].startswith("3. Lee H.")
    # The same bytes as a file give the same claims and mentions: the page is read as
    # an HTML file is.
    file = tmp_path / "sleep-and-memory.html"
    file.write_text(ARTICLE, encoding="utf-8")
    assert run("ingest", str(file))[0] == 0
    as_file = claims("sleep-and-memory.html")
    assert [(c["text"], [m["text"] for m in c["mentions"]]) for c in as_file] == [
        (c["text"], [m["text"] for m in c["mentions"]]) for c in found
    ]
    # The claim ids come from the address's last part, as a file's from its name.
    assert {c["id"].rsplit("-", 1)[0] for c in found} == {"sleep-and-memory"}


@pytest.mark.parametrize(
    ("article", "name", "content_type"),
    [
        ("rsos-panda-milk", "paper.xml", "application/xml"),
        ("hindawi-silicone-embolism", "paper.xml", "text/xml; charset=utf-8"),
        ("hindawi-helicobacter-aneurysm", "paper.pdf", "application/pdf"),
    ],
)
def test_a_real_article_by_address_equals_the_same_file(
    site: Site, article: str, name: str, content_type: str
) -> None:
    """Publishers' JATS and PDF files (../shared/data/corpora/pdf-articles), served as a
    publisher's site serves them, give the claims and mentions of the file itself."""
    file = shared_path("data", "corpora", "pdf-articles", article, name)
    url = site.page(f"/{article}/{name}", file.read_bytes(), content_type)
    assert run("ingest", url)[0] == 0
    assert run("ingest", str(file))[0] == 0
    by_address, as_file = claims(url), claims(name)
    assert len(by_address) > 20
    assert [(c["text"], [m["text"] for m in c["mentions"]]) for c in by_address] == [
        (c["text"], [m["text"] for m in c["mentions"]]) for c in as_file
    ]


def test_offline_ingest_answers_from_the_cache(site: Site) -> None:
    url = site.page("/article.html", ARTICLE)
    assert run("ingest", url)[0] == 0
    first = claims(url)
    Path(os.environ["EVIDENCE_DB"]).unlink()
    del site.pages["/article.html"]  # gone from the server: only the cache has it
    code, out, err = run("--offline", "ingest", url)
    assert code == 0, err
    assert f"{url}: 4 claims" in out
    assert site.hits["/article.html"] == 1
    assert claims(url) == first
    # An unchanged page offline is known by its bytes.
    code, out, _ = run("--offline", "ingest", url)
    assert code == 0 and "unchanged since the last ingest" in out


def test_when_the_server_fails_the_cached_copy_is_read_with_a_line_saying_so(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = site.page("/article.html", ARTICLE)
    assert run("ingest", url)[0] == 0
    Path(os.environ["EVIDENCE_DB"]).unlink()
    site.hanging.add("/article.html")
    monkeypatch.setenv("EVIDENCE_HTTP_DEADLINE", "0.5")
    code, out, err = run("ingest", url)
    assert code == 0, err
    assert site.hits["/article.html"] == 2
    assert f"{url}: the network failed; read the copy in the HTTP cache." in err
    assert f"{url}: 4 claims" in out


def test_offline_without_a_cached_copy_is_one_clear_error(site: Site) -> None:
    url = site.page("/never-fetched.html", ARTICLE)
    line = assert_refused(url, "offline and the page is not in the HTTP cache", "--offline")
    assert url in line
    assert site.hits == {}


def test_a_redirected_page_is_stored_under_the_address_given_and_found_offline(
    site: Site,
) -> None:
    site.page("/2024/article.html", ARTICLE)
    url = site.redirect("/old-address", "/2024/article.html", status=301)
    assert run("ingest", url)[0] == 0
    assert documents() == [(url, url, "html")]
    Path(os.environ["EVIDENCE_DB"]).unlink()
    code, out, err = run("--offline", "ingest", url)
    assert code == 0, err
    assert f"{url}: 4 claims" in out


def test_an_online_reingest_fetches_the_page_again_and_keeps_claim_ids(site: Site) -> None:
    url = site.page("/article.html", ARTICLE)
    assert run("ingest", url)[0] == 0
    before = {c["text"]: c["id"] for c in claims(url)}
    edited = ARTICLE.replace("lowered recall by a fifth", "lowered recall by a quarter")
    site.page("/article.html", edited)
    code, out, err = run("ingest", url)
    assert code == 0, err
    assert site.hits["/article.html"] == 2
    assert "claims kept their ids" in out
    after = {c["text"]: c["id"] for c in claims(url)}
    assert len(after) == 4 and len(set(after.values()) & set(before.values())) == 4
    assert any("a quarter" in text for text in after)


def test_the_user_agent_names_the_tool_and_no_contact_address(site: Site) -> None:
    seen: dict[str, str] = {}

    class Recording(_Handler):
        def do_GET(self) -> None:
            seen.update(self.headers.items())
            super().do_GET()

    url = site.page("/article.html", ARTICLE)
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("_R", (Recording,), {"site": site}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/article.html"
        code, _, err = run("--mailto", "me@example.org", "ingest", url)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0, err
    assert seen["User-Agent"].startswith("evidence/")
    assert "me@example.org" not in json.dumps(seen)


# --- bad addresses and bad servers: one line, exit 2, nothing stored -------------------


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ftp://example.org/paper.html", "ftp: is not a web address"),
        ("file:///etc/passwd", "file: is not a web address"),
        ("data:text/html,<p>Sleep helps.</p>", "data: is not a web address"),
        ("javascript:alert(1)", "javascript: is not a web address"),
        ("https:///no-host", "names no host"),
    ],
)
def test_other_schemes_are_refused_before_anything_is_fetched(address: str, message: str) -> None:
    assert_refused(address, message)


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://127.0.0.1/article.html", "data:text/html,<p>Hello.</p>"],
)
def test_a_redirect_to_another_scheme_is_refused(site: Site, location: str) -> None:
    url = site.redirect("/moved", location)
    scheme = location.split(":")[0]
    assert_refused(url, f"redirected to a {scheme}: address")


def test_endless_redirects_are_refused(site: Site) -> None:
    url = site.redirect("/loop", "/loop")
    assert_refused(url, "more than 5 redirects")


def test_a_server_that_never_answers_is_cut_off_at_the_deadline(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_HTTP_DEADLINE", "0.5")
    line = assert_refused(site.url + "/hang", "no complete answer within 0.5 s")
    assert "EVIDENCE_HTTP_DEADLINE" in line


def test_an_endless_body_is_cut_at_the_size_limit(site: Site) -> None:
    limit = HttpConfig().max_body_bytes
    assert_refused(site.url + "/endless", f"the page is larger than {limit} bytes")
    # Reading stopped at the limit: the server got out little more than that (what the
    # sockets' buffers held), far from the whole body.
    assert limit < site.endless_sent < 2 * limit


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "not found (HTTP 404)"),
        (410, "not found (HTTP 410)"),
        (500, "the server answered HTTP 500"),
        (403, "the server answered HTTP 403"),
    ],
)
def test_an_error_status_is_refused_with_the_status(site: Site, status: int, message: str) -> None:
    url = site.page("/page.html", "<p>Nothing here.</p>", status=status)
    assert_refused(url, message)


def test_a_server_that_is_not_there_is_refused(site: Site) -> None:
    assert_refused("http://127.0.0.1:9/article.html", "cannot connect to the server")


def test_a_page_that_is_no_document_is_refused(site: Site) -> None:
    url = site.page("/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
    assert_refused(url, "the server sent image/png, not a document evidence reads")


def test_an_empty_page_is_refused(site: Site) -> None:
    url = site.page("/empty.html", "  \n")
    assert_refused(url, "the page is empty")


# --- the reader by Content-Type, the text by charset (no server needed) -----------------


@pytest.mark.parametrize(
    ("content_type", "url", "body", "expected"),
    [
        ("text/html; charset=utf-8", "https://x.org/a", b"<p>Hi.</p>", "html"),
        ("application/xhtml+xml", "https://x.org/a", b"<html/>", "html"),
        ("text/plain", "https://x.org/a.html", b"Hi.", "text"),
        ("text/markdown; charset=UTF-8", "https://x.org/a", b"# Hi", "markdown"),
        ("application/pdf", "https://x.org/a", b"%PDF-1.4", "pdf"),
        ("application/jats+xml", "https://x.org/a", b"<article/>", "jats"),
        ("application/xml", "https://x.org/a", JATS_ARTICLE.encode(), "jats"),
        ("text/xml", "https://x.org/a", b"<?xml version='1.0'?><html><body/></html>", "html"),
        ("application/x-tex", "https://x.org/a", b"\\section{A}", "latex"),
        # a type that says nothing: the suffix, then the bytes, then the text decide
        ("application/octet-stream", "https://x.org/paper.pdf?dl=1", b"%PDF-1.4", "pdf"),
        ("application/octet-stream", "https://x.org/article.nxml", b"<article/>", "jats"),
        ("application/octet-stream", "https://x.org/download", b"%PDF-1.7\n", "pdf"),
        (None, "https://x.org/download", b"# Title\n\nText [@key].", "markdown"),
        (None, "https://x.org/download", b"<!doctype html><p>Hi.</p>", "html"),
    ],
)
def test_the_reader_follows_the_content_type(
    content_type: str | None, url: str, body: bytes, expected: str
) -> None:
    assert page_format(WebPage(url, body, content_type)) == expected


def test_the_text_is_decoded_by_the_charset_the_server_names() -> None:
    text = "Les données montrent un effet réel."
    latin = WebPage("https://x.org/a", text.encode("latin-1"), "text/plain; charset=ISO-8859-1")
    assert page_text(latin) == text
    meta = (
        b'<html><head><meta charset="windows-1252"></head><body><p>'
        + text.encode("cp1252")
        + b"</p></body></html>"
    )
    assert text in page_text(WebPage("https://x.org/a", meta, "text/html"))
    # A charset the bytes do not fit, or none: the project's decoding guesses.
    wrong = WebPage("https://x.org/a", text.encode("utf-8"), "text/plain; charset=us-ascii")
    assert page_text(wrong) == text
    unknown = WebPage("https://x.org/a", text.encode("utf-8"), "text/plain; charset=klingon")
    assert page_text(unknown) == text


def test_a_pdf_and_a_jats_page_are_read_from_their_bytes() -> None:
    pdf = make_pdf(
        [
            [
                (72, 700, 11, "Sleep loss reduces working memory in adults [1]."),
                (72, 660, 14, "References"),
                (72, 640, 10, "1. Smith J. Sleep loss. J Sleep Res. 2015;24:123-130."),
            ]
        ]
    )
    doc = read_web_page(WebPage("https://x.org/paper", pdf, "application/pdf"))
    assert doc.format == "pdf" and doc.path is None
    assert "working memory" in doc.text and len(doc.references) == 1
    jats = read_web_page(WebPage("https://x.org/a", JATS_ARTICLE.encode(), "application/xml"))
    assert jats.format == "jats" and len(jats.references) == 6


def test_a_page_over_the_document_limit_is_refused() -> None:
    page = WebPage("https://x.org/a", b"<p>" + b"x" * 100 + b"</p>", HTML)
    with pytest.raises(DocumentError, match="over the 50-byte limit"):
        read_web_page(page, max_bytes=50)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("https://example.org/a", True),
        ("HTTP://EXAMPLE.ORG", True),
        ("ftp://example.org/a", True),
        ("data:text/plain,hi", True),
        ("article.html", False),
        ("C:\\papers\\article.html", False),
        ("notes:2024.txt", False),
        ("-", False),
    ],
)
def test_what_counts_as_an_address(value: str, address: bool) -> None:
    assert looks_like_address(value) is address
