"""Document readers: plain text, Markdown, HTML and LaTeX to prose with structure.

Each reader turns a file into a :class:`Document`: the prose text, its blocks
(headings, paragraphs, list items, quotes, reference entries) with offsets into
that text, the citations written in the format's own syntax (pandoc ``[@key]``,
LaTeX ``\\cite{key}``), the links, and the reference list at the end if any.
Every offset points into ``Document.text``; nothing here touches the network.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bib.encoding import Undecodable, decode_text
from evidence.errors import DocumentError

MAX_BYTES = 50 * 1024 * 1024
"""Default size limit of a document (files larger than this are refused)."""

FORMATS = ("text", "markdown", "html", "latex")
SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".qmd": "markdown",
    ".rmd": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".tex": "latex",
    ".latex": "latex",
}
BLOCK_KINDS = ("heading", "paragraph", "list_item", "quote", "reference", "table_row")

REFERENCE_HEADING = re.compile(
    r"^\s*(?:\d+\.?\s*)?(references?(?: cited)?|bibliography|works cited|literature cited|"
    r"literature|sources|citations|notes and references)\s*:?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Block:
    """A structural unit of the prose: sentences never cross block boundaries."""

    kind: str
    start: int
    end: int
    level: int = 0


@dataclass(frozen=True)
class Citation:
    """One cited key as written in the format's citation syntax.

    ``start``/``end`` cover the key token (``@doi:10.1/x``) in the document text,
    ``group_start``/``group_end`` the whole bracketed group or rendered command.
    ``resolved`` is the target of a Manubot ``[@tag:X]: doi:…`` definition."""

    syntax: str
    key: str
    start: int
    end: int
    group_start: int
    group_end: int
    command: str = ""
    locator: str = ""
    resolved: str | None = None


@dataclass(frozen=True)
class Link:
    """A hyperlink: its target and the span of its visible text."""

    target: str
    start: int
    end: int


@dataclass(frozen=True)
class Reference:
    """One entry of the document's reference list, with what could be parsed from it."""

    text: str
    start: int
    end: int
    label: str | None = None
    surnames: tuple[str, ...] = ()
    year: str | None = None


@dataclass
class Document:
    """A read document: prose text and everything located in it."""

    text: str
    format: str
    blocks: list[Block] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tag_definitions: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]


# ---------------------------------------------------------------------------
# Entry point


def read_document(
    path: Path | str | None,
    *,
    text: str | None = None,
    fmt: str | None = None,
    bib_keys: Collection[str] | None = None,
    max_bytes: int = MAX_BYTES,
) -> Document:
    """Read a document from ``path`` (a file, or a directory of Manubot-style
    Markdown files read in name order) or from ``text``.

    ``fmt`` is one of FORMATS; by default it follows the file suffix, and for
    ``text`` it is guessed. ``bib_keys``, when given, narrows bare Markdown
    ``@word`` citations to known keys (bracketed ones always count).
    Raises DocumentError for unreadable, binary, empty or oversized input."""
    source_path = Path(path) if path is not None else None
    if text is None:
        if source_path is None:
            raise DocumentError("No document given. Pass a path or text.")
        if source_path.is_dir():
            text, fmt = _read_directory(source_path, fmt, max_bytes)
        else:
            text = read_text_file(source_path, max_bytes=max_bytes)
            if fmt is None:
                fmt = SUFFIXES.get(source_path.suffix.lower()) or sniff_format(text)
    else:
        if len(text) > max_bytes:
            raise DocumentError(
                f"Document is larger than the {max_bytes}-byte limit. Split it or raise the limit."
            )
        if "\x00" in text:
            raise DocumentError("Document contains NUL bytes; it looks binary. Give a text file.")
        text = text.lstrip("\ufeff")
        if fmt is None:
            fmt = SUFFIXES.get(source_path.suffix.lower(), "") if source_path else ""
            fmt = fmt or sniff_format(text)
    if fmt not in FORMATS:
        raise DocumentError(f"Unknown document format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        name = str(source_path) if source_path else "Document"
        raise DocumentError(f"{name} is empty. Give a document with some text.")
    if fmt == "markdown":
        doc = _read_markdown(text, bib_keys)
    elif fmt == "html":
        doc = _read_html(text)
    elif fmt == "latex":
        base = source_path.parent if source_path and source_path.is_file() else Path.cwd()
        root = source_path if source_path and source_path.is_file() else None
        doc = _read_latex(text, base, root, max_bytes)
    else:
        doc = _read_plain(text)
    doc.path = source_path
    _mark_references(doc)
    return doc


def sniff_format(text: str) -> str:
    """Guess the format of a string by its first few kilobytes."""
    head = text[:4096]
    if re.search(r"<(?:!doctype html|html|body|article|div|p)\b", head, re.IGNORECASE):
        return "html"
    if re.search(r"\\(?:documentclass|begin\{document\}|section\*?\{|cite[pt]?\{)", head):
        return "latex"
    if head.startswith("---\n") or re.search(r"(?m)^#{1,6} |\[@[\w]", head):
        return "markdown"
    return "text"


def read_text_file(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The decoded text of a file: UTF-8 (with or without BOM), UTF-16 with BOM,
    else what charset-normalizer detects."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror}. Check the path.") from exc
    if size > max_bytes:
        raise DocumentError(
            f"{path} is {size} bytes, over the {max_bytes}-byte limit. Split it or raise the limit."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror}. Check the path.") from exc
    return decode_bytes(data, str(path))


def decode_bytes(data: bytes, name: str = "Document") -> str:
    """The text of a document's bytes (bib.encoding.decode_text), or a DocumentError
    saying what is wrong with them."""
    try:
        return decode_text(data)
    except Undecodable as exc:
        message = _UNDECODABLE[exc.reason].format(name=name, codec=exc.codec)
        raise DocumentError(message) from None


_UNDECODABLE = {
    "empty": "{name} is empty. Give a document with some text.",
    "bad-mark": "{name} has a {codec} mark but is not {codec}. Re-save it.",
    "binary": "{name} is a binary file, not text. Give a text document.",
    "controls": "{name} looks binary, not text. Give a text document.",
    "unknown": "Cannot tell the encoding of {name}. Re-save it as UTF-8.",
}


def _read_directory(directory: Path, fmt: str | None, max_bytes: int) -> tuple[str, str]:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".md")
    if not files:
        raise DocumentError(f"{directory} holds no Markdown (.md) files. Give a document file.")
    parts: list[str] = []
    total = 0
    for file in files:
        part = read_text_file(file, max_bytes=max_bytes)
        total += len(part)
        if total > max_bytes:
            raise DocumentError(
                f"{directory} is over the {max_bytes}-byte limit. Split it or raise the limit."
            )
        parts.append(part.strip("\n"))
    return "\n\n".join(parts) + "\n", fmt or "markdown"


# ---------------------------------------------------------------------------
# Building prose text with blocks


class _Builder:
    """Accumulates prose block by block; whitespace inside a block is collapsed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.blocks: list[Block] = []
        self.citations: list[Citation] = []
        self.links: list[Link] = []
        self._block_start: int | None = None
        self._kind = "paragraph"
        self._level = 0
        self._last = "\n"

    def start(self, kind: str, level: int = 0) -> None:
        self.end()
        self._kind, self._level = kind, level

    def add(self, text: str) -> None:
        if not text:
            return
        text = _SPACES.sub(" ", text)
        if self._block_start is None:
            text = text.lstrip(" ")
            if not text:
                return
            if self.parts:
                self._write("\n\n")
            self._block_start = self.pos
        elif self._last == " " and text.startswith(" "):
            text = text[1:]
        self._write(text)

    def _write(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.pos += len(text)
            self._last = text[-1]

    def mark(self) -> tuple[int, int]:
        """A position to measure what is added after it (see ``span_since``)."""
        return len(self.parts), self.pos

    def span_since(self, mark: tuple[int, int]) -> tuple[int, int]:
        """Offsets of the prose added since ``mark``, without leading separators."""
        start = mark[1]
        added = "".join(self.parts[mark[0] :])
        start += len(added) - len(added.lstrip())
        return start, max(start, self.pos)

    def end(self) -> None:
        if self._block_start is None:
            return
        if self._last == " ":
            last = self.parts[-1]
            self.parts[-1] = last[:-1]
            self.pos -= 1
            if not self.parts[-1]:
                self.parts.pop()
        self.blocks.append(Block(self._kind, self._block_start, self.pos, self._level))
        self._block_start = None
        self._last = "\n"

    def text(self) -> str:
        return "".join(self.parts)


# ---------------------------------------------------------------------------
# Plain text

_SPACES = re.compile(r"\s+")
_LIST_LINE = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•–]|\(\w\)|\[\d{1,3}\])\s+\S")
_TERMINAL = re.compile(r"[.!?:;\"”’')\]]\s*$")
_FUNCTION_END = re.compile(
    r"\b(?:the|a|an|of|and|or|to|in|on|for|with|by|from|that|as|at|is|are|was|were)\s*$",
    re.IGNORECASE,
)


def _heading_like(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 16
        and not _TERMINAL.search(line)
        and not _FUNCTION_END.search(line)
        and not line.rstrip().endswith((",", "-"))
    )


def _read_plain(text: str) -> Document:
    """Plain text keeps the text itself; blocks come from blank lines and from
    lines that end a sentence, head a section or start a list item."""
    doc = Document(text=text, format="text")
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    current: list[tuple[int, int]] = []

    def flush() -> None:
        if not current:
            return
        start, end = current[0][0], current[-1][1]
        first = text[start : current[0][1]]
        stripped_start = start + (len(first) - len(first.lstrip()))
        while end > stripped_start and text[end - 1].isspace():
            end -= 1
        if end > stripped_start:
            content = text[stripped_start:end]
            if _LIST_LINE.match(content):
                kind = "list_item"
            elif len(current) == 1 and _heading_like(content):
                kind = "heading"
            elif content.startswith(">"):
                kind = "quote"
            else:
                kind = "paragraph"
            doc.blocks.append(Block(kind, stripped_start, end))
        current.clear()

    for i, (start, end) in enumerate(lines):
        line = text[start:end]
        if not line.strip():
            flush()
            continue
        if current and _LIST_LINE.match(line):
            flush()
        current.append((start, end))
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        next_line = text[nxt[0] : nxt[1]] if nxt else ""
        if not next_line.strip():
            continue
        if _LIST_LINE.match(next_line):
            flush()
            continue
        joins = not _TERMINAL.search(line) and (
            next_line.lstrip()[:1].islower()
            or _FUNCTION_END.search(line) is not None
            or line.rstrip().endswith((",", "-"))
        )
        if not joins:
            flush()
    flush()
    doc.citations = _find_pandoc_citations(text, doc.blocks, bare=False, bib_keys=None)
    return doc


# ---------------------------------------------------------------------------
# Pandoc citations (Markdown; bracketed forms also in other formats)

# Pandoc: a key starts with a letter, digit or _, and may hold internal
# punctuation; trailing punctuation belongs to the prose.
_KEY = r"[\w][\w:.#$%&\-+?<>~/=*]*"
_BRACKET_GROUP = re.compile(r"\[([^\[\]\n]*?-?@" + r"[^\[\]\n]*)\]")
_KEY_IN_GROUP = re.compile(r"(-?)@(\{[^{}]+\}|" + _KEY + r")")
_BARE = re.compile(r"(?<![\w.@/\[])(-?)@(\{[^{}]+\}|" + _KEY + r")")
_CROSSREF = re.compile(r"^(?:fig|tbl|sec|eq|lst|thm|lem|def|apx)[:\-]", re.IGNORECASE)
_TAG_DEFINITION = re.compile(r"(?m)^\[@([^\]\s]+)\]:\s*(\S+)[ \t]*$")


def _clean_key(key: str) -> str:
    if key.startswith("{") and key.endswith("}"):
        return key[1:-1]
    return key.rstrip(".:,;?!~/-=*>")


def _find_pandoc_citations(
    text: str, blocks: Iterable[Block], *, bare: bool, bib_keys: Collection[str] | None
) -> list[Citation]:
    found: list[Citation] = []
    for block in blocks:
        segment = text[block.start : block.end]
        taken: list[tuple[int, int]] = []
        for group in _BRACKET_GROUP.finditer(segment):
            inner = group.group(1)
            inner_start = group.start(1)
            items = inner.split(";")
            offset = 0
            keys: list[Citation] = []
            valid = True
            for item in items:
                if not item.strip():
                    offset += len(item) + 1
                    continue
                m = _KEY_IN_GROUP.search(item)
                if m is None or (m.start() > 0 and (item[m.start() - 1].isalnum())):
                    valid = False
                    break
                key = _clean_key(m.group(2))
                if not key or _CROSSREF.match(key):
                    valid = False
                    break
                raw_key_end = (
                    m.start(2)
                    + len(m.group(2))
                    - (len(m.group(2)) - len(key) if not m.group(2).startswith("{") else 0)
                )
                k_start = block.start + inner_start + offset + m.start()
                k_end = block.start + inner_start + offset + raw_key_end
                locator = item[raw_key_end:].strip().lstrip(",").strip()
                keys.append(
                    Citation(
                        syntax="pandoc",
                        key=key,
                        start=k_start,
                        end=k_end,
                        group_start=block.start + group.start(),
                        group_end=block.start + group.end(),
                        command="[-@]" if m.group(1) else "[@]",
                        locator=locator,
                    )
                )
                offset += len(item) + 1
            if valid and keys:
                found.extend(keys)
                taken.append((group.start(), group.end()))
        if not bare:
            continue
        for m in _BARE.finditer(segment):
            if any(s <= m.start() < e for s, e in taken):
                continue
            key = _clean_key(m.group(2))
            if not key or _CROSSREF.match(key) or key[0] in "-":
                continue
            if bib_keys is not None and ":" not in key and key not in bib_keys:
                continue
            # An e-mail address or handle glued to a word is not a citation.
            if m.start() > 0 and segment[m.start() - 1].isalnum():
                continue
            length = len(key) + 2 if m.group(2).startswith("{") else len(key)
            start = block.start + m.start()
            end = block.start + m.start(2) + length
            found.append(
                Citation(
                    syntax="pandoc",
                    key=key,
                    start=start,
                    end=end,
                    group_start=start,
                    group_end=end,
                    command="-@" if m.group(1) else "@",
                )
            )
    found.sort(key=lambda c: c.start)
    return found


# ---------------------------------------------------------------------------
# Markdown

_FRONT_MATTER = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\.\.\.|\+\+\+)[ \t]*(?:\n|\Z)", re.S
)
_ATTRIBUTES = re.compile(r"\{[#.][^{}\n]*\}|\{(?:height|width)=[^{}\n]*\}|\{##.*?##\}|\{%.*?%\}")


def _read_markdown(text: str, bib_keys: Collection[str] | None) -> Document:
    from markdown_it import MarkdownIt

    source = _FRONT_MATTER.sub("", text, count=1)
    definitions: dict[str, str] = {}
    for m in _TAG_DEFINITION.finditer(source):
        definitions[m.group(1)] = m.group(2)
    # Manubot tag definitions look like link reference definitions; removed so that
    # the Markdown parser keeps the in-text ``[@tag:X]`` as written.
    source = _TAG_DEFINITION.sub("", source)
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(source)
    builder = _Builder()
    context: list[str] = []
    list_depth = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            builder.start("heading", int(token.tag[1:]) if token.tag[1:].isdigit() else 1)
        elif kind in ("heading_close", "paragraph_close", "th_close", "td_close"):
            builder.end()
        elif kind == "bullet_list_open" or kind == "ordered_list_open":
            list_depth += 1
        elif kind == "bullet_list_close" or kind == "ordered_list_close":
            list_depth -= 1
        elif kind == "list_item_open":
            context.append("list_item")
            builder.start("list_item", list_depth)
        elif kind == "list_item_close":
            context.pop()
            builder.end()
        elif kind == "blockquote_open":
            context.append("quote")
        elif kind == "blockquote_close":
            context.pop()
        elif kind == "paragraph_open":
            if context and context[-1] == "list_item":
                # A loose list item: its first paragraph continues the item block.
                if builder._block_start is None:
                    builder.start("list_item", list_depth)
            else:
                builder.start("quote" if "quote" in context else "paragraph")
        elif kind in ("th_open", "td_open"):
            builder.start("paragraph")
        elif kind == "inline":
            _render_inline(token.children or [], builder)
        # code blocks, fences, html blocks and rules are not prose
    builder.end()
    doc = Document(text=builder.text(), format="markdown", blocks=builder.blocks)
    doc.links = builder.links
    doc.tag_definitions = definitions
    citations = _find_pandoc_citations(doc.text, doc.blocks, bare=True, bib_keys=bib_keys)
    doc.citations = [
        Citation(**{**c.__dict__, "resolved": definitions.get(c.key)})
        if c.key in definitions
        else c
        for c in citations
    ]
    return doc


def _render_inline(children: list[Any], builder: _Builder) -> None:
    link_stack: list[tuple[str, tuple[int, int]]] = []
    for child in children:
        kind = child.type
        if kind == "text":
            content = child.content
            builder.add(_ATTRIBUTES.sub("", content) if "{" in content else content)
        elif kind in ("softbreak", "hardbreak"):
            builder.add(" ")
        elif kind == "link_open":
            link_stack.append((str(child.attrGet("href") or ""), builder.mark()))
        elif kind == "link_close" and link_stack:
            href, mark = link_stack.pop()
            start, end = builder.span_since(mark)
            if href and not href.startswith(("#", "mailto:")) and end > start:
                builder.links.append(Link(href, start, end))
        elif kind == "image":
            _render_inline(child.children or [], builder)
        # inline code, raw HTML, emphasis markers carry no prose of their own


# ---------------------------------------------------------------------------
# HTML


def _read_html(text: str) -> Document:
    import trafilatura
    from defusedxml import ElementTree

    builder = _Builder()
    xml: str | None = None
    try:
        xml = trafilatura.extract(
            text,
            output_format="xml",
            include_links=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            favor_recall=True,
        )
    except Exception:  # trafilatura on very broken markup: fall back below
        xml = None
    root = None
    if xml:
        try:
            root = ElementTree.fromstring(xml)
        except Exception:
            root = None
    if root is not None:
        main = root.find("main")
        _render_xml(main if main is not None else root, builder, "paragraph")
    else:
        plain = ""
        try:
            plain = trafilatura.html2txt(text) or ""
        except Exception:
            plain = ""
        if not plain.strip():
            plain = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>|<[^>]*>", " ", text)
        for para in re.split(r"\n\s*\n|\n", plain):
            builder.start("paragraph")
            builder.add(para)
    builder.end()
    doc = Document(text=builder.text(), format="html", blocks=builder.blocks)
    doc.links = builder.links
    doc.citations = _find_pandoc_citations(doc.text, doc.blocks, bare=False, bib_keys=None)
    return doc


def _render_xml(element: Any, builder: _Builder, kind: str) -> None:
    for child in element:
        tag = child.tag
        if tag == "head":
            level = child.get("rend", "h2")[1:]
            builder.start("heading", int(level) if level.isdigit() else 2)
            _render_xml_inline(child, builder)
            builder.end()
        elif tag == "p":
            builder.start(kind)
            _render_xml_inline(child, builder)
            builder.end()
        elif tag == "list":
            _render_xml(child, builder, "list_item")
        elif tag == "item":
            builder.start("list_item")
            _render_xml_inline(child, builder)
            builder.end()
        elif tag == "quote":
            if any(grand.tag in ("p", "list", "head") for grand in child):
                _render_xml(child, builder, "quote")
            else:
                builder.start("quote")
                _render_xml_inline(child, builder)
                builder.end()
        elif tag in ("code", "graphic", "table", "comments"):
            continue
        else:
            _render_xml(child, builder, kind)


def _render_xml_inline(element: Any, builder: _Builder) -> None:
    builder.add(element.text or "")
    for child in element:
        if child.tag == "lb":
            builder.add(" ")
        elif child.tag == "ref":
            mark = builder.mark()
            _render_xml_inline(child, builder)
            start, end = builder.span_since(mark)
            target = child.get("target") or ""
            if target and end > start:
                builder.links.append(Link(target, start, end))
        elif child.tag in ("list", "p"):
            _render_xml_inline(child, builder)
        else:
            _render_xml_inline(child, builder)
        builder.add(child.tail or "")


# ---------------------------------------------------------------------------
# LaTeX

_LATEX_CITE = {
    "cite",
    "citep",
    "citet",
    "citealp",
    "citealt",
    "citeauthor",
    "citeyear",
    "citeyearpar",
    "parencite",
    "textcite",
    "autocite",
    "footcite",
    "smartcite",
    "supercite",
    "Cite",
    "Citep",
    "Citet",
    "Parencite",
    "Textcite",
    "Autocite",
    "nocite",
}
_LATEX_NARRATIVE = {"citet", "citealt", "citeauthor", "textcite", "Citet", "Textcite"}
_LATEX_HEADINGS = {
    "part": 1,
    "chapter": 1,
    "title": 1,
    "section": 2,
    "subsection": 3,
    "subsubsection": 4,
    "paragraph": 5,
    "subparagraph": 6,
}
_LATEX_GLOSSARY = {
    "gls",
    "Gls",
    "GLS",
    "glspl",
    "Glspl",
    "glsfirst",
    "Glsfirst",
    "acrshort",
    "acrlong",
    "acrfull",
    "ac",
    "acs",
    "acl",
    "acf",
    "acp",
    "Ac",
}
_LATEX_DROP_MACROS = {
    "label",
    "includegraphics",
    "bibliographystyle",
    "bibliography",
    "addbibresource",
    "usepackage",
    "documentclass",
    "newcommand",
    "renewcommand",
    "providecommand",
    "DeclareMathOperator",
    "vspace",
    "hspace",
    "vskip",
    "setlength",
    "setcounter",
    "addtolength",
    "printglossary",
    "printbibliography",
    "maketitle",
    "tableofcontents",
    "clearpage",
    "newpage",
    "pagebreak",
    "linespread",
    "geometry",
    "thanks",
    "author",
    "date",
    "affiliation",
    "address",
    "email",
    "keywords",
    "newacronym",
    "newglossaryentry",
    "hypersetup",
    "graphicspath",
    "pagestyle",
    "thispagestyle",
    "centering",
    "noindent",
    "tightlist",
    "todo",
    "comment",
}
_LATEX_REFS = {"ref", "cref", "Cref", "autoref", "eqref", "pageref", "nameref", "vref"}
_LATEX_DROP_ENVS = {
    "tabular",
    "tabular*",
    "tabularx",
    "longtable",
    "equation",
    "equation*",
    "align",
    "align*",
    "gather",
    "gather*",
    "multline",
    "multline*",
    "eqnarray",
    "eqnarray*",
    "displaymath",
    "math",
    "verbatim",
    "lstlisting",
    "minted",
    "tikzpicture",
    "thebibliography",
    "comment",
    "titlepage",
}
_LATEX_TABLES = {"tabular", "tabular*", "tabularx", "longtable", "tabulary", "supertabular"}
_LATEX_LAST_ARG = {"multirow", "multicolumn", "makecell", "thead"}
_LATEX_FLOATS = {"figure", "figure*", "table", "table*", "wrapfigure", "sidewaystable"}
_LATEX_LISTS = {"itemize", "enumerate", "description", "compactitem", "tablenotes"}
_LATEX_QUOTES = {"quote", "quotation", "displayquote"}
_INCLUDE = re.compile(r"\\(input|include|subfile)\s*\{([^{}]+)\}")
_SIMPLE_MATH = re.compile(r"^[\d\s.,;:+\-<>=()%/]*$")


def _strip_tex_comments(source: str) -> str:
    out: list[str] = []
    lines = source.split("\n")
    for index, line in enumerate(lines):
        cut = None
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "%":
                cut = i
                break
            i += 1
        if cut is None:
            out.append(line + ("\n" if index < len(lines) - 1 else ""))
        elif not line[:cut].strip():
            continue  # a whole-line comment vanishes with its line
        else:
            out.append(line[:cut])  # TeX joins a line ending in % with the next
    return "".join(out)


def _expand_includes(
    source: str,
    directory: Path,
    root_dir: Path,
    stack: tuple[Path, ...],
    warnings: list[str],
    budget: list[int],
) -> str:
    def replace(m: re.Match[str]) -> str:
        name = m.group(2).strip()
        candidates = []
        for base in (directory, root_dir):
            candidate = base / name
            candidates.append(candidate)
            if candidate.suffix != ".tex":
                candidates.append(base / (name + ".tex"))
        target = next((c for c in candidates if c.is_file()), None)
        if target is None:
            warnings.append(f"LaTeX file {name!r} not found")
            return " "
        resolved = target.resolve()
        if resolved in stack:
            warnings.append(f"LaTeX include cycle at {name!r}; not followed again")
            return " "
        if len(stack) > 32:
            warnings.append(f"LaTeX includes nested too deep at {name!r}")
            return " "
        included = _strip_tex_comments(read_text_file(target, max_bytes=budget[0]))
        budget[0] -= len(included)
        if budget[0] < 0:
            raise DocumentError("LaTeX document with its inputs is over the size limit.")
        expanded = _expand_includes(
            included, resolved.parent, root_dir, (*stack, resolved), warnings, budget
        )
        return "\n" + expanded + "\n"

    return _INCLUDE.sub(replace, source)


def _latex_context() -> Any:
    from pylatexenc import latexwalker, macrospec

    db = latexwalker.get_default_latex_context_db()
    macros = [macrospec.MacroSpec(name, "*[[{") for name in _LATEX_CITE]
    macros += [macrospec.MacroSpec(name, "[{[") for name in _LATEX_GLOSSARY]
    macros += [macrospec.MacroSpec(name, "*[{") for name in _LATEX_HEADINGS]
    macros += [
        macrospec.MacroSpec("caption", "[{"),
        macrospec.MacroSpec("footnote", "[{"),
        macrospec.MacroSpec("href", "{{"),
        macrospec.MacroSpec("url", "{"),
        macrospec.MacroSpec("item", "["),
        macrospec.MacroSpec("bibitem", "[{"),
        macrospec.MacroSpec("includegraphics", "[{"),
        macrospec.MacroSpec("label", "{"),
        macrospec.MacroSpec("todo", "[{"),
        macrospec.MacroSpec("comment", "{"),
        macrospec.MacroSpec("vskip", ""),
        macrospec.MacroSpec("multirow", "[{[{[{"),
        macrospec.MacroSpec("multicolumn", "{{{"),
        macrospec.MacroSpec("makecell", "[{"),
    ]
    macros += [macrospec.MacroSpec(name, "*{") for name in _LATEX_REFS]
    db.add_context_category("evidence", macros=macros, prepend=True)
    return db


def _read_latex(text: str, base: Path, root: Path | None, max_bytes: int) -> Document:
    from pylatexenc.latexwalker import LatexWalker

    warnings: list[str] = []
    source = _strip_tex_comments(text)
    stack = (root.resolve(),) if root is not None else ()
    source = _expand_includes(source, base, base, stack, warnings, [max_bytes])
    begin = source.find("\\begin{document}")
    if begin >= 0:
        end = source.find("\\end{document}", begin)
        source = source[begin + len("\\begin{document}") : end if end >= 0 else len(source)]
    try:
        walker = LatexWalker(source, latex_context=_latex_context(), tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
    except Exception as exc:  # pylatexenc gives up on some malformed input
        raise DocumentError(f"Cannot parse the LaTeX: {exc}. Check the braces.") from exc
    renderer = _LatexRenderer()
    renderer.builder.start("paragraph")
    renderer.render(nodes or [])
    renderer.builder.end()
    b = renderer.builder
    doc = Document(text=b.text(), format="latex", blocks=b.blocks, warnings=warnings)
    doc.citations = b.citations
    doc.links = b.links
    _mark_references(doc)
    if len(renderer.bibkeys) == len(doc.references):
        doc.references = [
            Reference(r.text, r.start, r.end, key, r.surnames, r.year)
            for r, key in zip(doc.references, renderer.bibkeys, strict=True)
        ]
    return doc


class _LatexRenderer:
    def __init__(self) -> None:
        from pylatexenc.latex2text import LatexNodes2Text

        self.builder = _Builder()
        self.to_text = LatexNodes2Text(math_mode="remove", strict_latex_spaces=True)
        self.kind = "paragraph"
        self.list_depth = 0
        self.bibkeys: list[str] = []

    def render(self, nodes: Iterable[Any]) -> None:
        from pylatexenc import latexwalker as lw

        for node in nodes:
            if node is None:
                continue
            if isinstance(node, lw.LatexCharsNode):
                self._chars(node.chars)
            elif isinstance(node, lw.LatexGroupNode):
                self.render(node.nodelist)
            elif isinstance(node, lw.LatexMacroNode):
                self._macro(node)
            elif isinstance(node, lw.LatexEnvironmentNode):
                self._environment(node)
            elif isinstance(node, lw.LatexMathNode):
                if node.displaytype == "inline":
                    latex = node.latex_verbatim()[1:-1].strip("$")
                    if _SIMPLE_MATH.match(latex):
                        self.builder.add(latex.replace("\\%", "%"))
            elif isinstance(node, lw.LatexSpecialsNode):
                if node.specials_chars == "&":
                    self.builder.add(" | ")
                else:
                    self.builder.add(self._safe_text(node))
            # comments were stripped before parsing

    def _safe_text(self, node: Any) -> str:
        try:
            return str(self.to_text.nodelist_to_text([node]))
        except Exception:
            return ""

    def _chars(self, chars: str) -> None:
        pieces = re.split(r"\n[ \t]*\n\s*", chars)
        for index, piece in enumerate(pieces):
            if index > 0:
                self.builder.start(self.kind, self.list_depth)
            self.builder.add(piece)

    def _args(self, node: Any) -> list[Any]:
        argd = node.nodeargd
        if argd is None or not getattr(argd, "argnlist", None):
            return []
        return list(argd.argnlist)

    def _arg_text(self, arg: Any) -> str:
        if arg is None:
            return ""
        try:
            return re.sub(r"\s+", " ", str(self.to_text.nodelist_to_text([arg]))).strip()
        except Exception:
            return ""

    def _macro(self, node: Any) -> None:
        name = node.macroname
        args = self._args(node)
        b = self.builder
        if name in _LATEX_CITE:
            self._cite(node, args)
        elif name in _LATEX_HEADINGS:
            b.start("heading", _LATEX_HEADINGS[name])
            if args:
                self.render([args[-1]])
            b.end()
            b.start(self.kind, self.list_depth)
        elif name in _LATEX_GLOSSARY:
            label = self._arg_text(args[1]) if len(args) > 1 else ""
            shown = label.upper() if name not in ("acrlong", "acl") else label
            if name.endswith("pl") or name == "acp":
                shown += "s"
            b.add(shown)
        elif name == "item":
            b.start("list_item", self.list_depth)
            if args and args[0] is not None:
                self.render([args[0]])
                b.add(" ")
        elif name in ("caption", "footnote"):
            if name == "caption":
                b.start("paragraph")
            else:
                b.add(" (")
            if args:
                self.render([args[-1]])
            if name == "caption":
                b.end()
                b.start(self.kind, self.list_depth)
            else:
                b.add(")")
        elif name == "href" and len(args) == 2:
            target = self._arg_text(args[0])
            mark = b.mark()
            self.render([args[1]])
            start, end = b.span_since(mark)
            if target and end > start:
                b.links.append(Link(target, start, end))
        elif name == "url" and args:
            target = args[0].latex_verbatim()[1:-1] if args[0] is not None else ""
            mark = b.mark()
            b.add(target)
            start, end = b.span_since(mark)
            if target and end > start:
                b.links.append(Link(target, start, end))
        elif name == "par":
            b.start(self.kind, self.list_depth)
        elif name in _LATEX_LAST_ARG:
            if args and args[-1] is not None:
                self.render([args[-1]])
        elif name in _LATEX_REFS:
            b.add("??")
        elif name in _LATEX_DROP_MACROS:
            return
        elif args:
            # Formatting commands: their text arguments are prose.
            rendered_any = False
            for arg in args:
                if arg is not None and hasattr(arg, "nodelist"):
                    self.render(arg.nodelist)
                    rendered_any = True
            if not rendered_any:
                b.add(self._safe_text(node))
        else:
            b.add(self._safe_text(node))
            if node.macro_post_space:
                b.add(" ")

    def _cite(self, node: Any, args: list[Any]) -> None:
        name = node.macroname
        if name == "nocite" or not args or args[-1] is None:
            return
        keys_arg = args[-1]
        raw = keys_arg.latex_verbatim()[1:-1]
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        if not keys:
            return
        locator = ""
        optionals = [a for a in args[1:-1] if a is not None]
        if optionals:
            locator = self._arg_text(optionals[-1])
        b = self.builder
        narrative = name in _LATEX_NARRATIVE
        if b._block_start is not None and b._last not in " ([":
            b.add(" ")
        mark = b.mark()
        pending: list[tuple[str, int, int]] = []
        if not narrative:
            b.add("[")
        for index, key in enumerate(keys):
            if index:
                b.add("; ")
            key_mark = b.mark()
            b.add("@" + key)
            start, end = b.span_since(key_mark)
            pending.append((key, start, end))
        if locator and not narrative:
            b.add(", " + locator)
        if not narrative:
            b.add("]")
        group_start = b.span_since(mark)[0]
        for key, start, end in pending:
            b.citations.append(
                Citation(
                    syntax="latex",
                    key=key,
                    start=start,
                    end=end,
                    group_start=group_start,
                    group_end=b.pos,
                    command="\\" + name,
                    locator=locator,
                )
            )
        if node.macro_post_space:
            b.add(" ")

    def _environment(self, node: Any) -> None:
        name = node.environmentname
        b = self.builder
        if name in _LATEX_TABLES:
            self._render_table_rows(node.nodelist)
            return
        if name in _LATEX_DROP_ENVS and name != "thebibliography":
            return
        if name == "thebibliography":
            self._render_bibliography(node)
            return
        if name in _LATEX_FLOATS:
            self._render_captions(node.nodelist)
            return
        saved = (self.kind, self.list_depth)
        if name in _LATEX_LISTS:
            self.list_depth += 1
            self.kind = "list_item"
        elif name in _LATEX_QUOTES:
            self.kind = "quote"
        elif name == "abstract":
            b.start("heading", 2)
            b.add("Abstract")
            b.end()
        b.start(self.kind, self.list_depth)
        self.render(node.nodelist)
        b.end()
        self.kind, self.list_depth = saved
        b.start(self.kind, self.list_depth)

    def _render_table_rows(self, nodes: Iterable[Any]) -> None:
        """Table cells are not prose; a row that cites something is kept as one
        ``table_row`` block so that its citations stay located."""
        from pylatexenc import latexwalker as lw

        row: list[Any] = []
        rows: list[list[Any]] = []
        for node in nodes:
            if isinstance(node, lw.LatexMacroNode) and node.macroname in ("\\", "tabularnewline"):
                rows.append(row)
                row = []
            else:
                row.append(node)
        rows.append(row)
        for cells in rows:
            probe = _LatexRenderer()
            probe.builder.start("table_row")
            probe.render(cells)
            if not probe.builder.citations:
                continue
            self.builder.start("table_row")
            self.render(cells)
            self.builder.end()
        self.builder.start(self.kind, self.list_depth)

    def _render_captions(self, nodes: Iterable[Any]) -> None:
        from pylatexenc import latexwalker as lw

        for node in nodes:
            if isinstance(node, lw.LatexMacroNode) and node.macroname == "caption":
                self._macro(node)
            elif isinstance(node, lw.LatexEnvironmentNode):
                if node.environmentname in _LATEX_LISTS or node.environmentname in _LATEX_TABLES:
                    self._environment(node)
                elif node.environmentname not in _LATEX_DROP_ENVS:
                    self._render_captions(node.nodelist)
            elif isinstance(node, lw.LatexGroupNode):
                self._render_captions(node.nodelist)

    def _render_bibliography(self, node: Any) -> None:
        b = self.builder
        b.start("heading", 2)
        b.add("References")
        b.end()
        current_key: str | None = None
        for child in node.nodelist:
            from pylatexenc import latexwalker as lw

            if isinstance(child, lw.LatexMacroNode) and child.macroname == "bibitem":
                args = self._args(child)
                current_key = self._arg_text(args[-1]) if args else ""
                b.start("reference")
                self.bibkeys.append(current_key)
                continue
            if current_key is None:
                continue
            self.render([child])
        b.end()
        b.start(self.kind, self.list_depth)


# ---------------------------------------------------------------------------
# Reference lists

_YEAR = re.compile(r"\((\d{4}[a-z]?)\)|\b((?:1[6-9]|20)\d{2}[a-z]?)\b")
_NUMBER_LABEL = re.compile(r"^\s*(?:\[(\d{1,4})\]|(\d{1,4})[.)])\s+")


_AFTER_REFERENCES = re.compile(
    r"^\s*(?:appendix|appendices|acknowledge?ments?|supplementary|supporting information|"
    r"figures?|tables?|footnotes|notes|author contributions|funding|conflicts? of interest)\b",
    re.IGNORECASE,
)


def parse_reference(text: str) -> tuple[str | None, tuple[str, ...], str | None]:
    """Label, author surnames and year of one reference entry (best effort)."""
    label = None
    m = _NUMBER_LABEL.match(text)
    body = text
    if m:
        label = m.group(1) or m.group(2)
        body = text[m.end() :]
    year_match = _YEAR.search(body)
    year = (year_match.group(1) or year_match.group(2)) if year_match else None
    author_part = body[: year_match.start()] if year_match else body.split(".")[0]
    surnames: list[str] = []
    for piece in re.split(r",|;|\s&\s|\band\b|\bet al\b", author_part):
        piece = piece.strip(" .&()")
        words = [w for w in piece.split() if not re.fullmatch(r"(?:[A-Z]\.?-?)+", w)]
        if not words:
            continue
        word = words[0] if len(words) == 1 else words[-1] if piece[:1].islower() else words[0]
        if re.fullmatch(r"[^\W\d_][\w'’\-]+", word) and word[:1].isupper():
            surnames.append(word)
    return label, tuple(surnames), year


def _mark_references(doc: Document) -> None:
    """Turn the blocks after a closing "References" heading into reference entries."""
    if doc.references:
        return
    heading_index = None
    for index, block in enumerate(doc.blocks):
        if block.kind == "heading" and REFERENCE_HEADING.match(doc.text[block.start : block.end]):
            heading_index = index
        elif (
            block.kind == "paragraph"
            and REFERENCE_HEADING.match(doc.text[block.start : block.end])
            and index + 1 < len(doc.blocks)
        ):
            heading_index = index
            doc.blocks[index] = Block("heading", block.start, block.end, 2)
    if heading_index is None:
        return
    level = doc.blocks[heading_index].level
    references: list[Reference] = []
    for index in range(heading_index + 1, len(doc.blocks)):
        block = doc.blocks[index]
        if block.kind == "heading":
            heading = doc.text[block.start : block.end]
            # Plain-text headings are guesses (level 0): only a known section name
            # ends the list there; marked-up headings end it at their level.
            if level and block.level and block.level <= level:
                break
            if not (level and block.level) and _AFTER_REFERENCES.match(heading):
                break
        entry = doc.text[block.start : block.end]
        label, surnames, year = parse_reference(entry)
        doc.blocks[index] = Block("reference", block.start, block.end, block.level)
        references.append(Reference(entry, block.start, block.end, label, surnames, year))
    doc.references = references


def plain_text(value: str) -> str:
    """Accent-free, case-folded text for comparing names."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
