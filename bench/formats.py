"""Same article, every format: each development article's JATS XML rendered to HTML, to
plain text and (through headless Chromium, from the HTML) to PDF, in three citation
styles, each read and extracted as `evidence ingest` does, and compared with the JATS
reading of the same XML.

Styles: "as printed" (the xref texts as the publisher wrote them: bracketed numbers,
or author-year for the F1000 article), "superscript" (each numbered group as a `<sup>`
after the word or the comma and full stop it follows, as medical journals print them)
and "author-year" (each group as "(Surname et al., 2010; …)" from the cited entries).
The publisher's own PDF is measured too.

Measured per format and style, against the JATS reading (every xref tied to its entry
by id, ranges filled):

- recall: the JATS reading's citations (one per cited entry and place) found, counted
  per entry (a numbered citation names the entry with its number; an author-year one
  the entry it is tied to);
- invented: citations found beyond those (of an entry cited fewer times, or of none);
- tied right: of the citations in the cited claims found in both readings, the share
  tied to an entry the JATS reading cites in that claim;
- same claims: the JATS reading's cited claims found with the same cited entries;
- entries: the JATS entries found in the format's reference list; DOIs: those with a
  DOI in the XML found with it.

    .venv/bin/python bench/formats.py            # prints the table
    .venv/bin/python bench/formats.py --write    # and puts it into docs/documents.md
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bib.identifiers import find_identifiers  # noqa: E402
from evidence.extract import extract  # noqa: E402
from evidence.read import Document, read_document  # noqa: E402

ARTICLES = ROOT.parent / "shared" / "data" / "corpora" / "pdf-articles"
DOCS = ROOT / "docs" / "documents.md"
START, END = "<!-- formats:start -->", "<!-- formats:end -->"
STYLES = ("as printed", "superscript", "author-year")
_TOKEN = re.compile("\x03([^\x04]*)\x04([^\x05]*)\x05")
_GROUP = re.compile(
    r"(?P<open>[\[(]?)\s*(?P<body>\x03[^\x05]*\x05(?:\s*[,;–—-]\s*\x03[^\x05]*\x05)*)"
    r"\s*(?P<close>[\])]?)"
)
_LABEL = re.compile(r"^\s*(?:\[\d+\]|\d+\.)\s*")
# Two columns; figures and tables across both, as journals set the wide ones.
_CSS = (
    "body { font: 10pt serif; } article { column-count: 2; column-gap: 2em; } "
    "figure, table { column-span: all; } "
    "table { width: 100%; font-size: 7pt; table-layout: fixed; overflow-wrap: anywhere; }"
)


# ---------------------------------------------------------------------------------------
# Rendering the XML


@dataclass
class Entry:
    """A reference entry of the XML: its id, label, text (as the JATS reader writes it),
    surnames and year."""

    rid: str
    label: str
    text: str
    surnames: list[str]
    year: str


@dataclass
class Article:
    root: Element
    entries: list[Entry]
    numbered: bool
    cite_names: dict[str, str] = field(default_factory=dict)


def load(folder: Path) -> tuple[Article, Document]:
    """The article's XML, its entries, and the JATS reading of it."""
    from defusedxml import ElementTree

    root = ElementTree.parse(folder / "paper.xml").getroot()
    for sub in list(root.iter("sub-article")):  # referee reports: not read by JATS either
        sub.clear()
    jats = read_document(folder / "paper.xml")
    refs = list(root.iter("ref"))
    entries = []
    for ref, read in zip(refs, jats.references, strict=True):
        authors = [" ".join("".join(s.itertext()).split()) for s in ref.iter("surname")] or [""]
        year = next(("".join(y.itertext()).strip()[:4] for y in ref.iter("year")), "n.d.")
        text = _entry_text(ref, read.identifiers) or _LABEL.sub("", read.text)
        entries.append(Entry(ref.get("id") or "", read.label or "", text, authors, year))
    numbered = all(e.label.isdigit() for e in entries) and not any(
        re.search(r"[A-Za-z]{3}", "".join(x.itertext()))
        for x in root.iter("xref")
        if x.get("ref-type") == "bibr"
    )
    article = Article(root, entries, numbered)
    article.cite_names = _author_year_names(entries)
    return article, jats


def _entry_text(ref: Element, identifiers: tuple[str, ...]) -> str:
    """An entry as a journal prints it: "Smith J, Jones K. Title. Source. 2010;19:100-110.
    doi:…" (names, title, source, year, volume, pages and DOI of its citation element)."""

    def first(*tags: str) -> str:
        for tag in tags:
            found = ref.find(f".//{tag}")
            if found is not None:
                return " ".join("".join(found.itertext()).split())
        return ""

    names = []
    for name in ref.iter("name"):
        surname = " ".join("".join(name.findtext("surname") or "").split())
        given_names = re.split(r"[\s.\-]+", name.findtext("given-names") or "")
        given = "".join(w[0] for w in given_names if w)
        names.append(f"{surname} {given}".strip())
    names += [" ".join("".join(c.itertext()).split()) for c in ref.iter("collab")]
    title, source, year = first("article-title", "chapter-title"), first("source"), first("year")
    if not names or not (title or source):
        return ""
    pages = "-".join(p for p in (first("fpage"), first("lpage")) if p) or first("elocation-id")
    volume = first("volume")
    locator = year + (f";{volume}" if volume else "") + (f":{pages}" if pages else "")
    parts = [", ".join(names[:6]) + (", et al" if len(names) > 6 else ""), title, source, locator]
    text = ". ".join(p.rstrip(".") for p in parts if p) + "."
    dois = [i.removeprefix("doi:") for i in identifiers if i.startswith("doi:")]
    return text + (f" doi:{dois[0]}" if dois else "")


def _author_year_names(entries: list[Entry]) -> dict[str, str]:
    """ "Smith et al., 2010a" for each entry id, letters told apart where two entries
    would read the same."""
    names: dict[str, str] = {}
    for e in entries:
        # An entry without a person's name is cited by its author's (the body's) name.
        s = [x for x in e.surnames if x] or [e.text.split(".")[0].strip()]
        who = s[0] if len(s) == 1 else f"{s[0]} and {s[1]}" if len(s) == 2 else f"{s[0]} et al."
        names[e.rid] = f"{who}, {e.year}"
    seen = Counter(names.values())
    letters: Counter[str] = Counter()
    for e in entries:
        if seen[names[e.rid]] > 1:
            base = names[e.rid]
            names[e.rid] = base + "abcdefghij"[letters[base]]
            letters[base] += 1
    return names


def _year_of(article: Article, entry: Entry) -> str:
    return article.cite_names[entry.rid].rsplit(", ", 1)[1]


def _inline(element: Element) -> str:
    """An element's text with each bibr xref as a token (its id and printed text)."""
    parts = [html.escape(element.text or "")]
    for child in element:
        if child.tag == "xref" and child.get("ref-type") == "bibr":
            parts.append(f"\x03{child.get('rid') or ''}\x04{''.join(child.itertext())}\x05")
        elif child.tag in ("sup", "sub", "italic", "bold", "sc", "monospace", "underline"):
            parts.append(_inline(child))
        elif child.tag not in ("fig", "table-wrap", "disp-formula", "list"):
            parts.append(_inline(child))
        parts.append(html.escape(child.tail or ""))
    return "".join(parts)


def _styled(text: str, article: Article, style: str, markup: bool) -> str:
    """Citation tokens written in a style; ``markup``: HTML (``<sup>``) or plain text."""
    order = {e.rid: i for i, e in enumerate(article.entries)}

    def group(m: re.Match[str]) -> str:
        tokens = _TOKEN.findall(m.group("body"))
        printed = _TOKEN.sub(lambda t: t.group(2), m.group(0))
        if style == "as printed" or not article.numbered:
            return printed
        if style == "superscript":
            inner = re.sub(r"\s+", "", _TOKEN.sub(lambda t: t.group(2), m.group("body")))
            return f"\x06{inner}\x07" if markup else printed
        ids = _filled([rid for rid, _ in tokens], m.group("body"), order)
        names = [article.cite_names[r] for r in ids if r in article.cite_names]
        return f"({'; '.join(names)})" if names else printed

    out = _GROUP.sub(group, text)
    out = _TOKEN.sub(lambda t: t.group(2), out)
    if style == "superscript":
        # After the word, and after the comma or full stop that follows it.
        out = re.sub(r"\s*\x06([^\x07]*)\x07([.,;:]?)", r"\2<sup>\1</sup>", out)
    return out


def _filled(ids: list[str], body: str, order: dict[str, int]) -> list[str]:
    """The ids of a group, a dash between two of them standing for those in between."""
    result: list[str] = []
    pieces = re.split(r"(\x03[^\x05]*\x05)", body)
    previous: str | None = None
    dash = False
    by_index = {i: rid for rid, i in order.items()}
    for piece in pieces:
        token = _TOKEN.fullmatch(piece)
        if token is None:
            dash = dash or bool(re.search(r"[–—-]", piece))
            continue
        rid = token.group(1)
        if dash and previous in order and rid in order and order[rid] > order[previous]:
            result.extend(by_index[i] for i in range(order[previous] + 1, order[rid]))
        result.append(rid)
        previous, dash = rid, False
    return list(dict.fromkeys(r for r in result if r in order))


def render(article: Article, style: str) -> tuple[str, str]:
    """The article as an HTML page and as plain text in a citation style."""
    page: list[str] = []
    text: list[str] = []

    def para(element: Element, tag: str = "p") -> None:
        raw = _inline(element)
        page.append(f"<{tag}>{_styled(raw, article, style, True)}</{tag}>")
        plain = html.unescape(_styled(raw, article, style, False))
        text.append(re.sub(r"\s+", " ", plain).strip())
        # Figures, tables and lists set inside the paragraph, after it.
        walk(element, 9)

    def heading(title: str, level: int) -> None:
        page.append(f"<h{level}>{html.escape(title)}</h{level}>")
        text.append(title)

    def walk(element: Element, depth: int) -> None:
        for child in element:
            tag = child.tag
            if tag in ("sec", "ack", "app", "boxed-text", "notes", "fn-group", "glossary"):
                title = child.find("title")
                if title is not None:
                    heading(" ".join("".join(title.itertext()).split()), min(depth, 4))
                walk(child, depth + 1)
            elif tag == "p":
                para(child)
            elif tag == "list":
                for item in child.iter("list-item"):
                    for p in item.findall("p"):
                        para(p, "li")
            elif tag == "disp-quote":
                for p in child.iter("p"):
                    para(p, "blockquote")
            elif tag in ("fig", "table-wrap"):
                floating(child)
            elif tag not in ("title", "label", "ref-list") and depth < 9:
                walk(child, depth)

    def floating(element: Element) -> None:
        label = (
            " ".join("".join(element.find("label").itertext()).split())
            if element.find("label") is not None
            else ""
        )
        caption = element.find("caption")
        if caption is not None:
            raw = " ".join(_inline(c) for c in caption)
            styled = _styled(f"{html.escape(label)}. {raw}" if label else raw, article, style, True)
            page.append(f"<figure><figcaption>{styled}</figcaption></figure>")
            plain = html.unescape(
                _styled(f"{label}. {raw}" if label else raw, article, style, False)
            )
            text.append(re.sub(r"\s+", " ", plain).strip())
        rows = list(element.iter("tr"))
        if rows:
            page.append("<table>")
            for row in rows:
                cells = [_styled(_inline(c), article, style, True) for c in row]
                page.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
                plain = [html.unescape(_styled(_inline(c), article, style, False)) for c in row]
                text.append(" | ".join(re.sub(r"\s+", " ", c).strip() for c in plain))
            page.append("</table>")

    title = article.root.find(".//article-title")
    if title is not None:
        heading(" ".join("".join(title.itertext()).split()), 1)
    abstract = article.root.find(".//abstract")
    if abstract is not None:
        heading("Abstract", 2)
        walk(abstract, 3)
    # The floats (at the article's end in some XML) before the back matter and references.
    for part in ("body", "floats-group", "back"):
        found = article.root.find(part)
        if found is not None:
            walk(found, 2)
    heading("References", 2)
    for entry in article.entries:
        line = entry.text
        if article.numbered and style != "author-year":
            line = f"[{entry.label}] {line}"
        elif entry.year != _year_of(article, entry):
            line = line.replace(entry.year, _year_of(article, entry), 1)
        page.append(f"<p>{html.escape(line)}</p>")
        text.append(line)
    body = "\n".join(page)
    document = (
        f'<!doctype html><html><head><meta charset="utf-8"><style>{_CSS}</style></head>'
        f"<body><article>\n{body}\n</article></body></html>\n"
    )
    return document, "\n\n".join(t for t in text if t) + "\n"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    return None


def print_pdf(page: Path, out: Path) -> bool:
    """``page`` printed to ``out`` by headless Chromium; False when it cannot be."""
    binary = chromium()
    if binary is None:
        return False
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
    command += [f"--print-to-pdf={out}", page.as_uri()]
    subprocess.run(command, capture_output=True, timeout=300, check=False)
    return out.exists() and out.stat().st_size > 0


# ---------------------------------------------------------------------------------------
# Measuring a reading against the JATS reading


@dataclass
class Score:
    """Counts of one reading against the JATS reading, summed over articles."""

    truth: int = 0
    found: int = 0
    recalled: int = 0
    invented: int = 0
    checked: int = 0
    tied_right: int = 0
    claims: int = 0
    same_claims: int = 0
    entries: int = 0
    entries_found: int = 0
    dois: int = 0
    dois_found: int = 0
    articles: int = 0

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]{3,}", text.casefold()))


def entry_map(doc: Document, jats: Document) -> dict[int, int]:
    """Each entry of ``doc``'s reference list to the JATS entry it shares most words
    with (at least half of the smaller)."""
    targets = [_words(_LABEL.sub("", r.text)) for r in jats.references]
    mapping: dict[int, int] = {}
    for i, ref in enumerate(doc.references):
        words = _words(_LABEL.sub("", ref.text))
        if not words:
            continue
        best, score = -1, 0.0
        for j, target in enumerate(targets):
            if target:
                overlap = len(words & target) / min(len(words), len(target))
                if overlap > score:
                    best, score = j, overlap
        if score >= 0.5:
            mapping[i] = best
    return mapping


def _cited_claims(
    doc: Document, target: Callable[[object], list[int | None]]
) -> dict[str, list[int | None]]:
    """Cited claims by their words without the citations: the entries each cites."""
    out: dict[str, list[int | None]] = {}
    for claim in extract(doc).claims:
        cited = [t for m in claim.mentions for t in target(m)]
        if not cited:
            continue
        text = claim.text
        for m in sorted(claim.mentions, key=lambda m: -m.start):
            a, b = m.start - claim.start, m.end - claim.start
            if 0 <= a <= b <= len(text):
                text = text[:a] + " " + text[b:]
        key = re.sub(r"[^a-z]+", "", text.casefold())[:80]
        if len(key) >= 20:
            out.setdefault(key, []).extend(cited)
    return out


def measure(doc: Document, jats: Document) -> Score:
    """One reading of an article against its JATS reading."""
    mapping = entry_map(doc, jats)
    by_label = {r.label: i for i, r in enumerate(jats.references) if r.label}
    doc_label = {r.label: i for i, r in enumerate(doc.references) if r.label}

    def jats_targets(m: object) -> list[int | None]:
        if getattr(m, "kind", "") in ("numbered", "author-year"):
            index = getattr(m, "reference_index", None)
            return [index] if index is not None else []
        return []

    def named(m: object) -> list[int | None]:
        """The JATS entries a citation names (its numbers; an author-year tie)."""
        kind = getattr(m, "kind", "")
        if kind == "numbered":
            return [by_label.get(str(n)) for n in getattr(m, "numbers", [])]
        if kind == "author-year":
            index = getattr(m, "reference_index", None)
            return [mapping.get(index) if index is not None else None]
        return []

    def tied(m: object) -> list[int | None]:
        """The JATS entries the entries a citation is tied to stand for."""
        kind = getattr(m, "kind", "")
        if kind == "numbered":
            return [
                mapping.get(doc_label[str(n)]) if str(n) in doc_label else None
                for n in getattr(m, "numbers", [])
            ]
        return named(m)

    score = Score(articles=1)
    truth = Counter(t for m in extract(jats).mentions for t in jats_targets(m))
    found = Counter(t for m in extract(doc).mentions for t in named(m))
    score.truth = sum(truth.values())
    score.found = sum(found.values())
    score.recalled = sum(min(found[i], n) for i, n in truth.items())
    score.invented = sum(n - min(n, truth[i]) if i is not None else n for i, n in found.items())
    ours = _cited_claims(doc, tied)
    theirs = _cited_claims(jats, jats_targets)
    score.claims = len(theirs)
    for key, cited in theirs.items():
        mine = ours.get(key)
        if mine is None:
            continue
        wanted = set(cited)
        score.checked += len(mine)
        score.tied_right += sum(1 for t in mine if t in wanted)
        score.same_claims += set(mine) == wanted
    score.entries = len(jats.references)
    score.entries_found = len(set(mapping.values()))
    inverse = {j: i for i, j in mapping.items()}
    for j, ref in enumerate(jats.references):
        dois = {i.removeprefix("doi:").casefold() for i in ref.identifiers if i.startswith("doi:")}
        if not dois:
            continue
        score.dois += 1
        if j in inverse:
            mine = doc.references[inverse[j]]
            have = {
                i.removeprefix("doi:").casefold() for i in mine.identifiers if i.startswith("doi:")
            }
            have |= {
                f.value.casefold() for f, _, _ in find_identifiers(mine.text) if f.kind == "doi"
            }
            score.dois_found += bool(dois & have)
    return score


# ---------------------------------------------------------------------------------------
# The table


FORMATS = (
    ("JATS XML", "as printed"),
    ("HTML", "as printed"),
    ("text", "as printed"),
    ("PDF (Chromium)", "as printed"),
    ("HTML", "superscript"),
    ("PDF (Chromium)", "superscript"),
    ("HTML", "author-year"),
    ("text", "author-year"),
    ("PDF (Chromium)", "author-year"),
    ("PDF (publisher)", "as printed"),
)


def readings(folder: Path, tmp: Path, with_pdf: bool = True) -> dict[tuple[str, str], Score]:
    """Every format and style of one article, each measured against its JATS reading."""
    article, jats = load(folder)
    scores: dict[tuple[str, str], Score] = {("JATS XML", "as printed"): measure(jats, jats)}
    for style in STYLES:
        if style != "as printed" and not article.numbered:
            continue
        page, text = render(article, style)
        stem = tmp / f"{folder.name}-{style.replace(' ', '-')}"
        html_path = stem.with_suffix(".html")
        html_path.write_text(page, encoding="utf-8")
        scores[("HTML", style)] = measure(read_document(html_path), jats)
        if style != "superscript":
            text_path = stem.with_suffix(".txt")
            text_path.write_text(text, encoding="utf-8")
            scores[("text", style)] = measure(read_document(text_path), jats)
        pdf_path = stem.with_suffix(".pdf")
        if with_pdf and print_pdf(html_path, pdf_path):
            scores[("PDF (Chromium)", style)] = measure(read_document(pdf_path), jats)
    scores[("PDF (publisher)", "as printed")] = measure(read_document(folder / "paper.pdf"), jats)
    return scores


def folders() -> list[Path]:
    return sorted(p for p in ARTICLES.glob("*/") if (p / "paper.xml").exists())


def table(totals: dict[tuple[str, str], Score]) -> str:
    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f}%" if b else "–"

    lines = [
        "| format | citation style | articles | citations (JATS) | recall | invented "
        "| tied right | same cited claims | entries found | DOIs found |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in FORMATS:
        s = totals.get(key)
        if s is None:
            continue
        lines.append(
            f"| {key[0]} | {key[1]} | {s.articles} | {s.truth} | {pct(s.recalled, s.truth)} "
            f"| {s.invented} ({pct(s.invented, s.found)}) | {pct(s.tied_right, s.checked)} "
            f"| {s.same_claims}/{s.claims} ({pct(s.same_claims, s.claims)}) "
            f"| {s.entries_found}/{s.entries} | {s.dois_found}/{s.dois} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="put the table into " + str(DOCS))
    parser.add_argument("--article", action="append", help="only these articles (folder names)")
    parser.add_argument("--per-article", action="store_true", help="a line per article too")
    args = parser.parse_args()
    if not ARTICLES.is_dir():
        print(f"Error: {ARTICLES} is absent: the development articles are needed.", file=sys.stderr)
        return 2
    if chromium() is None:
        print("Chromium is not installed: the PDF renderings are left out.", file=sys.stderr)
    totals: dict[tuple[str, str], Score] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for folder in folders():
            if args.article and folder.name not in args.article:
                continue
            print(f"{folder.name}…", file=sys.stderr)
            for key, score in readings(folder, Path(tmp)).items():
                totals.setdefault(key, Score()).add(score)
                if args.per_article:
                    print(f"  {key[0]:16} {key[1]:12} {score}", file=sys.stderr)
    out = table(totals)
    print(out)
    if args.write:
        text = DOCS.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            text = head + START + "\n" + out + "\n" + END + rest.split(END, 1)[1]
            DOCS.write_text(text, encoding="utf-8")
            print(f"wrote {DOCS}", file=sys.stderr)
        else:
            print(f"{DOCS} has no {START} … {END} place for the table.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
