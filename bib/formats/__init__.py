"""Bibliography files: BibTeX, CSL-JSON and RIS, read into and written from Works.

Reading never stops at a bad entry: every entry that can be understood becomes a
:class:`~bib.work.Work`, and every one that cannot (or that has something wrong with it)
becomes a :class:`Problem` that names the file, the line where the entry starts and its
key. Only a file that cannot be read at all (empty, binary, undecodable, unknown format)
raises :class:`~bib.errors.FormatError`.

Round trips: each reader keeps the fields that have no column of their own in
``Work.extra`` (``extra["bibtex"]``, ``extra["csl"]``, ``extra["ris"]``) and its writer
gives them back, so import then export loses nothing the target format can hold.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

from bib.citekeys import normal_citekey
from bib.encoding import TooLarge, Undecodable, decode_text, read_capped
from bib.errors import FormatError
from bib.formats.bibtex import iter_bibtex, parse_bibtex, write_bibtex
from bib.formats.common import Problem, ReadResult
from bib.formats.csljson import iter_csl_json, parse_csl_json, write_csl_json
from bib.formats.ris import iter_ris, parse_ris, write_ris
from bib.formats.stream import Bibliography, open_bibliography
from bib.work import Work

__all__ = [
    "Bibliography",
    "EXTENSIONS",
    "FORMATS",
    "MAX_BYTES",
    "Problem",
    "ReadResult",
    "iter_bibliography",
    "open_bibliography",
    "parse_bibliography",
    "read_bibliography",
    "read_text",
    "sniff_format",
    "write_bibliography",
]

FORMATS = ("bibtex", "csl-json", "ris")

# File extensions of each format (lower-case, with the dot).
EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".json": "csl-json",
    ".csl": "csl-json",
    ".ris": "ris",
}


def read_bibliography(path: str | Path, fmt: str | None = None) -> ReadResult:
    """Read a BibTeX, CSL-JSON or RIS file; the format comes from ``fmt``, the extension,
    or (for an unknown extension) the content. The whole file's works at once: an
    import reads :func:`open_bibliography`'s chunks instead."""
    result = ReadResult()
    for chunk in open_bibliography(path, fmt).chunks():
        result.works.extend(chunk.works)
        result.problems.extend(chunk.problems)
    return result


def parse_bibliography(text: str, fmt: str, filename: str = "<string>") -> ReadResult:
    """Parse bibliography text already in memory (``fmt``: one of FORMATS). Citekeys
    come back in one Unicode form (bib.citekeys.normal_citekey)."""
    if fmt == "bibtex":
        result = parse_bibtex(text, filename)
    elif fmt == "csl-json":
        result = parse_csl_json(text, filename)
    elif fmt == "ris":
        result = parse_ris(text, filename)
    else:
        raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")
    for work in result.works:
        if work.citekey:
            work.citekey = normal_citekey(work.citekey)
    return result


def write_bibliography(works: list[Work], fmt: str) -> str:
    """Serialise works as ``bibtex``, ``csl-json`` or ``ris`` text."""
    if fmt == "bibtex":
        return write_bibtex(works)
    if fmt == "csl-json":
        return write_csl_json(works)
    if fmt == "ris":
        return write_ris(works)
    raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")


def iter_bibliography(
    works: Iterable[Work], fmt: str, *, bibtex_keys: Container[str] | None = None
) -> Iterator[str]:
    """The text of :func:`write_bibliography` in pieces, reading ``works`` as it goes:
    a bibliography of any size is written holding one entry (and the keys handed out).

    ``bibtex_keys`` answers which lower-case keys the BibTeX file holds, for its
    crossrefs (see :func:`~bib.formats.bibtex.iter_bibtex`)."""
    if fmt == "bibtex":
        return iter_bibtex(works, bibtex_keys)
    if fmt == "csl-json":
        return iter_csl_json(works)
    if fmt == "ris":
        return iter_ris(works)
    raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")


_RIS_START = re.compile(r"^\s*TY  -", re.MULTILINE)
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def sniff_format(text: str) -> str | None:
    """Guess the format of bibliography text from its content, or None."""
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        return "csl-json"
    if _RIS_START.search(text, 0, 20000):
        return "ris"
    if _BIBTEX_START.search(text):
        return "bibtex"
    return None


# The largest file read whole (bib.formats.stream says which are): parsing it holds
# every entry in memory (about ten times the file's size). UTF-8 files stream, whatever
# their size.
MAX_BYTES = 200 * 1024 * 1024


def read_text(path: Path) -> str:
    """The text of a bibliography file, whatever its encoding.

    Decoded by bib.encoding.decode_text. Raises FormatError for a missing, oversized,
    empty, binary or undecodable file.
    """
    try:
        data = read_capped(path, MAX_BYTES)
    except TooLarge as exc:
        size = f"is {exc.size / 1e6:,.0f} MB," if exc.size is not None else "holds"
        raise FormatError(
            f"{path}: the file {size} more than the "
            f"{MAX_BYTES / 1e6:,.0f} MB a bibliography may hold here; split it into "
            "smaller files and import them together"
        ) from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        return decode_text(data)
    except Undecodable as exc:
        raise FormatError(f"{path}: {_UNDECODABLE[exc.reason].format(codec=exc.codec)}") from None


_UNDECODABLE = {
    "empty": "the file is empty",
    "bad-mark": "not valid {codec} text",
    "binary": "binary file, not a bibliography",
    "controls": "binary file, not a bibliography",
    "unknown": "cannot decode the text (not UTF-8, no other encoding fits)",
}
