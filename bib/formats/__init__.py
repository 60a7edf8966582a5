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

from collections.abc import Callable, Container, Iterable, Iterator
from pathlib import Path

from bib.citekeys import OrderedKeys
from bib.errors import FormatError
from bib.formats.bibtex import iter_bibtex, write_bibtex
from bib.formats.common import Problem, ReadResult
from bib.formats.csljson import iter_csl_json, write_csl_json
from bib.formats.reading import (
    EXTENSIONS,
    FORMATS,
    MAX_BYTES,
    parse_bibliography,
    read_text,
    sniff_format,
)
from bib.formats.ris import iter_ris, write_ris
from bib.formats.stream import Bibliography, open_bibliography
from bib.records import Record
from bib.work import Work

__all__ = [
    "Bibliography",
    "EXTENSIONS",
    "FORMATS",
    "MAX_BYTES",
    "Problem",
    "ReadResult",
    "iter_bibliography",
    "iter_records",
    "open_bibliography",
    "parse_bibliography",
    "read_bibliography",
    "read_text",
    "sniff_format",
    "write_bibliography",
]


def read_bibliography(path: str | Path, fmt: str | None = None) -> ReadResult:
    """Read a BibTeX, CSL-JSON or RIS file; the format comes from ``fmt``, the extension,
    or (for an unknown extension) the content. The whole file's works at once: an
    import reads :func:`open_bibliography`'s chunks instead."""
    result = ReadResult()
    for chunk in open_bibliography(path, fmt).chunks():
        result.works.extend(chunk.works)
        result.problems.extend(chunk.problems)
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


def iter_records(
    records: Iterable[Record],
    fmt: str,
    *,
    keys: OrderedKeys,
    work_of: Callable[[Record], Work],
    bibtex_keys: Container[str] | None = None,
) -> Iterator[str]:
    """The text :func:`iter_bibliography` gives for the Works of ``records``
    (:mod:`bib.records`: a library's rows, in citekey order), written from the
    records with no Work built, in pieces of a few hundred entries. ``keys`` hands out
    the keys; ``work_of`` builds a record's Work (for a record of a shape the writers do
    not read themselves, and for a key made from its metadata); ``bibtex_keys`` answers
    which lower-case keys the BibTeX file holds, for its crossrefs."""
    if fmt == "bibtex":
        from bib.formats.bibtex_rows import iter_bibtex_records

        return iter_bibtex_records(records, keys, work_of, bibtex_keys)
    if fmt == "csl-json":
        from bib.formats.csljson_rows import iter_csl_json_records

        return iter_csl_json_records(records, keys, work_of)
    if fmt == "ris":
        from bib.formats.ris_rows import iter_ris_records

        return iter_ris_records(records, keys, work_of)
    raise FormatError(f"unknown bibliography format {fmt!r}; use one of {', '.join(FORMATS)}")
