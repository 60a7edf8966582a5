"""Bibliography text read whole: the formats and their file extensions, the format told
from the content, a file's text whatever its encoding, text parsed at once.
(bib.formats.stream reads a file in chunks and falls back on these.)"""

from __future__ import annotations

import re
from pathlib import Path

from bib.citekeys import normal_citekey
from bib.encoding import TooLarge, Undecodable, decode_text, read_capped
from bib.errors import FormatError
from bib.formats.bibtex import parse_bibtex
from bib.formats.common import ReadResult
from bib.formats.csljson import parse_csl_json
from bib.formats.ris import parse_ris

FORMATS = ("bibtex", "csl-json", "ris")

# File extensions of each format (lower-case, with the dot).
EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".json": "csl-json",
    ".csl": "csl-json",
    ".ris": "ris",
}


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
