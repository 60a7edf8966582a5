"""A bibliography file read in chunks of works: memory bounded by a chunk, not the file.

:func:`open_bibliography` checks the file before anything is read from it for good (so
that a file refused is refused before an import saves any of it) and says how it will
be read:

* a regular file of UTF-8 text (with or without a byte-order mark) streams: RIS record
  by record, a CSL-JSON array item by item, BibTeX command by command
  (bib.formats.bibtex_stream). The first pass over its bytes checks that all of it is
  UTF-8 and, for BibTeX, whether it uses crossref or xref fields;
* anything else is read whole, as before, within MAX_BYTES: text in another encoding
  (told apart by bib.encoding.decode_text, which needs all of it), a device or a pipe,
  a CSL-JSON file that is not an array, a BibTeX file with crossrefs (inheritance needs
  every entry at once).

Either way :meth:`Bibliography.chunks` gives ReadResults of at most ``size`` works, with
the problems met on the way, in file order.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from bib.citekeys import normal_citekey
from bib.errors import FormatError
from bib.formats.bibtex_stream import iter_bibtex_entries
from bib.formats.common import MAX_ENTRY_CHARS, EntryTooLong, Problem, ReadResult
from bib.formats.csljson import iter_csl_json_array
from bib.formats.reading import EXTENSIONS, parse_bibliography, read_text, sniff_format
from bib.formats.ris import iter_ris_records
from bib.work import Work

_BLOCK = 1 << 20
_HEAD = 65536
_CROSSREF = re.compile(rb"\b(?:crossref|xref)\s*=")  # in lower-cased text
_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


class Bibliography:
    """An opened bibliography file: its format and how to read its works in chunks."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        *,
        whole: ReadResult | None = None,
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.streamed = whole is None
        self._whole = whole
        self._items: Callable[[], Iterator[Work | Problem]] | None = None
        self.size = path.stat().st_size if whole is None else 0
        self._source: TextIO | None = None

    def bytes_read(self) -> int:
        """How far into the file reading has gone (read ahead by a window), for a
        progress bar."""
        source = self._source
        if source is None or source.closed:
            return self.size
        return int(source.buffer.tell())

    def chunks(self, size: int = 500) -> Iterator[ReadResult]:
        """ReadResults of at most ``size`` works each (and the problems met since the
        chunk before), in file order; the last may hold problems only. Raises
        FormatError (EntryTooLong) for an entry too long to read."""
        if self._whole is not None:
            works, problems = self._whole.works, self._whole.problems
            for start in range(0, max(len(works), 1), size):
                yield ReadResult(works[start : start + size], problems if start == 0 else [])
            return
        assert self._items is not None
        chunk = ReadResult()
        try:
            for item in self._items():
                if isinstance(item, Problem):
                    chunk.problems.append(item)
                    continue
                if item.citekey:
                    item.citekey = normal_citekey(item.citekey)
                chunk.works.append(item)
                if len(chunk.works) >= size:
                    yield chunk
                    chunk = ReadResult()
        except EntryTooLong:
            if chunk.works or chunk.problems:
                yield chunk  # what came before the entry, then the refusal
            raise
        if chunk.works or chunk.problems:
            yield chunk


def open_bibliography(path: str | Path, fmt: str | None = None) -> Bibliography:
    """Check a BibTeX, CSL-JSON or RIS file and make it ready to read in chunks; the
    format comes from ``fmt``, the extension or (for an unknown extension) the content.
    Raises FormatError for a file that cannot be read at all, as read_bibliography."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    checked = _utf8_file(path) if stat.S_ISREG(info.st_mode) else None
    fmt = fmt or EXTENSIONS.get(path.suffix.lower())
    if checked is not None:
        codec, crossrefs = checked
        if fmt is None:
            with _open(path, codec) as head:
                fmt = sniff_format(head.read(_BLOCK))
        streams = fmt == "ris" or (fmt == "bibtex" and not crossrefs)
        if fmt == "csl-json":
            with _open(path, codec) as head:
                streams = head.read(_BLOCK).lstrip("\ufeff \t\r\n").startswith("[")
        if streams and fmt is not None:
            opened = Bibliography(path, fmt)
            opened._items = _reader(opened, codec, info.st_size)
            return opened
    text = read_text(path)
    if fmt is None:
        fmt = sniff_format(text)
        if fmt is None:
            raise FormatError(
                f"{path}: unrecognised bibliography format; "
                "use a .bib (BibTeX), .json (CSL-JSON) or .ris (RIS) file"
            )
    return Bibliography(path, fmt, whole=parse_bibliography(text, fmt, str(path)))


def _reader(opened: Bibliography, codec: str, size: int) -> Callable[[], Iterator[Work | Problem]]:
    name, fmt = str(opened.path), opened.fmt

    def items() -> Iterator[Work | Problem]:
        with _open(opened.path, codec) as source:
            opened._source = source
            if fmt == "bibtex":
                yield from iter_bibtex_entries(source, name, size)
            elif fmt == "csl-json":
                yield from iter_csl_json_array(source, name)
            else:
                yield from iter_ris_records(_lines(source), name)

    return items


def _open(path: Path, codec: str) -> TextIO:
    # newline="": line breaks reach the readers as they are, as in the text read whole.
    return open(path, encoding=codec, newline="")


def _lines(source: TextIO) -> Iterator[str]:
    """The lines of ``source`` as ``str.splitlines`` gives those of the whole text."""
    rest = ""
    while True:
        piece = source.read(_BLOCK)
        text = rest + piece
        if not piece:
            yield from text.splitlines()
            return
        # A "\r" at the end may be the first half of "\r\n"; the last line may go on.
        lines = text.splitlines(keepends=True)
        rest = lines.pop() if lines else ""
        if len(rest) > MAX_ENTRY_CHARS:
            raise EntryTooLong(str(getattr(source, "name", "")), 0, MAX_ENTRY_CHARS)
        for line in lines:
            yield line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _utf8_file(path: Path) -> tuple[str, bool] | None:
    """("utf-8" or "utf-8-sig", whether it has crossref or xref fields) for a file that
    is UTF-8 text with something besides blanks in it; None for any other (read whole:
    bib.encoding tells its encoding, or why it has none)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    crossrefs = False
    blank = True
    tail = b""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_HEAD)
            if head.startswith(_MARKS) or b"\x00" in head:
                return None  # UTF-16 or -32, or binary
            codec = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
            block = head
            while block:
                decoder.decode(block)
                if blank and block.strip():
                    blank = False
                if not crossrefs:
                    # The plain search first: the regular expression is far slower.
                    low = (tail + block).lower()
                    if b"xref" in low or b"crossref" in low:
                        crossrefs = _CROSSREF.search(low) is not None
                    tail = block[-32:]
                block = stream.read(_BLOCK)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    return None if blank else (codec, crossrefs)
