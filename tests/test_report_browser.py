"""The HTML report in a real browser: headless Chromium, from a file URL, no network.

Console output is read from Chromium's log (``--enable-logging=stderr``): the page has
no scripts, so any console line (a script error or a Content-Security-Policy refusal
of a script or a network asset) fails the test. The DOM after load is read with
``--dump-dom`` and checked against the model.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from reports import render_report

DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and Path("/usr/bin/chromium").exists():
    CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)

TITLE = "Evidence report: article.md"
SCRIPT = "<script>document.title='pwned'</script>"
IMAGE = "<img src=x onerror=\"document.title='pwned'\">"
TEMPLATE_SYNTAX = "{{ 7*7 }} {% if true %}"


def run_chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        # The document title only: SVG shapes carry <title> elements too.
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def hostile_model() -> dict[str, Any]:
    model = json.loads((DATA / "report_model.json").read_text(encoding="utf-8"))
    model["claims"][0]["text"] = f"Research shows {SCRIPT} and {IMAGE} and {TEMPLATE_SYNTAX}."
    model["studies"]["field1996massage"]["title"] = f"Massage {IMAGE}"
    return model


def test_detector_sees_console_output(tmp_path: Path) -> None:
    """Control: a page that does log is caught, so silence from the report means something."""
    page = tmp_path / "control.html"
    page.write_text("<!doctype html><title>c</title><script>console.error('control')</script>")
    result = run_chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert any('"control"' in line for line in console_lines(result.stderr)), result.stderr[-2000:]


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    model = hostile_model()
    page = tmp_path / "report.html"
    page.write_text(render_report(model, "html"), encoding="utf-8")

    result = run_chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_lines(result.stderr) == []
    dom = _Dom()
    dom.feed(result.stdout)

    # No script ran and no injected element exists.
    assert dom.title == TITLE
    assert [tag for tag, _ in dom.elements if tag in ("script", "img", "iframe", "link")] == []
    assert not any(name.startswith("on") for _, attrs in dom.elements for name in attrs)
    text = "".join(dom.text)
    for hostile in (SCRIPT, IMAGE, TEMPLATE_SYNTAX):
        assert hostile in text

    # The summary the page shows is the model's.
    shown = {
        attrs["data-status"]: int(attrs["data-count"] or -1)
        for tag, attrs in dom.elements
        if tag == "tr" and "data-status" in attrs
    }
    assert shown == model["summary"]["claims_by_status"]
    verdicts = {
        attrs["data-verdict"]: int(attrs["data-count"] or -1)
        for tag, attrs in dom.elements
        if tag == "tr" and "data-verdict" in attrs
    }
    assert verdicts == model["summary"]["studies_by_verdict"]
    articles = [attrs for tag, attrs in dom.elements if tag == "article"]
    assert [a["data-status"] for a in articles] == [c["status"] for c in model["claims"]]
    segments = [a["data-status"] for tag, a in dom.elements if tag == "g" and "data-status" in a]
    assert segments == [s for s, n in model["summary"]["claims_by_status"].items() if n]

    for name, size in (("report.png", "1280,2400"), ("report-phone.png", "390,2400")):
        shot = tmp_path / name
        result = run_chromium(
            tmp_path, page.as_uri(), f"--screenshot={shot}", f"--window-size={size}"
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert console_lines(result.stderr) == []
        assert shot.stat().st_size > 10_000  # a rendered page, not a blank image
