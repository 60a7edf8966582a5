"""Records: a library's rows as the bibliography writers read them, with no Work per entry.

A record holds what the writers read of a Work, in :data:`RECORD_FIELDS` order: the
scalars as they are, the lists (authors, ISSNs, keywords) and ``extra`` as the JSON text
the library keeps them in (each author as ``Author.to_dict`` gives it). The record writers
(:mod:`bib.formats.bibtex_rows`, :mod:`bib.formats.csljson_rows`,
:mod:`bib.formats.ris_rows`) give exactly the text :func:`bib.formats.iter_bibliography`
gives for the same Works; a record they cannot read as they expect (JSON of another
shape, a year that is not a number) is written through its Work, which ``work_of``
builds.

Records come in the order of their citekeys, each citekey held by one record only, so
that keys are handed out by :class:`bib.citekeys.OrderedKeys` (:func:`keyed_batches`,
behind :func:`bib.formats.iter_records`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bib.citekeys import KEY_BREAKS, OrderedKeys
from bib.work import Work

# The Work fields a record holds, in order (the library's columns of the same names).
RECORD_FIELDS = (
    "citekey",
    "doi",
    "pmid",
    "pmcid",
    "arxiv",
    "isbn",
    "title",
    "authors",
    "journal",
    "journal_abbrev",
    "issn",
    "publisher",
    "year",
    "date",
    "volume",
    "issue",
    "pages",
    "type",
    "abstract",
    "url",
    "language",
    "keywords",
    "extra",
)

Record = tuple[Any, ...]

# Entries joined into one piece of text: few pieces for a caller to write, little held.
BATCH = 200


class Odd(Exception):
    """A record whose JSON the record writers do not read themselves: its Work is
    written instead."""


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:  # text that is not JSON: the library reads it as it is
        raise Odd from None


def names(text: str | None) -> list[tuple[str, str]]:
    """The (family, given) names of an authors column, as the Work's Authors hold them
    (a missing name is an empty one)."""
    if text is None or text == "[]":
        return []
    # json.dumps of Author.to_dict: without a backslash, no quote is inside a name.
    if text[:13] == '[{"family": "' and text[-3:] == '"}]' and "\\" not in text:
        out = []
        for person in text[13:-3].split('"}, {"family": "'):
            family, given_is, given = person.partition('", "given": "')
            if not given_is or '"' in family or '"' in given:
                break
            out.append((family, given))
        else:
            return out
    value = _loads(text)
    if type(value) is not list:
        raise Odd
    out = []
    for person in value:
        if type(person) is not dict:
            raise Odd
        family = person.get("family") or ""
        given = person.get("given") or ""
        if type(family) is not str or type(given) is not str:
            raise Odd
        out.append((family, given))
    return out


_FAMILY = '"family": "'
_GIVEN = '", "given": "'


def person_chunks(text: str) -> list[str] | None:
    """The people of an authors column as the library writes them, each as its text
    between braces (``"family": "Doe", "given": "Jane"``), unparsed: writers keep what
    they make of each by that text, as people come again and again. None for a column
    of another shape (escapes in it, say): :func:`names` reads those."""
    if text[:2] == "[{" and text[-2:] == "}]" and "\\" not in text:
        return text[2:-2].split("}, {")
    return None


def person(chunk: str) -> tuple[str, str] | None:
    """The (family, given) of one of :func:`person_chunks`'s pieces; None when it is
    not one person as the library writes them (a name that held ``}, {`` was cut)."""
    # Without a backslash, the only quotes are the eight around the keys and names.
    if chunk[:11] == _FAMILY and chunk[-1:] == '"' and chunk.count('"') == 8:
        family, given_is, given = chunk[11:-1].partition(_GIVEN)
        if given_is:
            return family, given
    return None


def strings(text: str | None) -> list[str]:
    """A list-of-strings column (ISSNs, keywords)."""
    if text is None or text == "[]":
        return []
    # json.dumps of strings: without a backslash, no quote is inside a value.
    if len(text) > 3 and text[:2] == '["' and text[-2:] == '"]' and "\\" not in text:
        parts = text[2:-2].split('", "')
        for part in parts:
            if '"' in part:
                break
        else:
            return parts
    value = _loads(text)
    if type(value) is not list:
        raise Odd
    for item in value:
        if type(item) is not str:
            raise Odd
    return value


# What an empty list column and an empty extra give: shared, never changed, so that the
# writers skip the call for the common columns.
NO_STRINGS: list[str] = []
NO_EXTRA: dict[str, Any] = {}


def extra_of(text: str | None) -> dict[str, Any]:
    """The ``extra`` column (empty: ``{}``)."""
    if text is None or text == "{}":
        return {}
    value = _loads(text)
    if type(value) is not dict:
        raise Odd
    return value


def record_lists(
    year: Any, issn: str | None, keywords: str | None, extra: str | None
) -> tuple[list[str], list[str], dict[str, Any]]:
    """What every record writer reads first: the ISSNs, keywords and ``extra`` of a
    record (the shared empty ones for the common empty columns, with no call); raises Odd
    for a year that is not a number."""
    if year is not None and type(year) is not int:
        raise Odd
    return (
        strings(issn) if issn is not None and issn != "[]" else NO_STRINGS,
        strings(keywords) if keywords is not None and keywords != "[]" else NO_STRINGS,
        extra_of(extra) if extra is not None and extra != "{}" else NO_EXTRA,
    )


def keyed_batches(
    records: Iterable[Record],
    keys: OrderedKeys,
    work_of: Callable[[Record], Work],
    write: Callable[[Record, str], str],
    write_work: Callable[[Work, str], str],
) -> Iterator[list[str]]:
    """The text of each record under the key ``keys`` hands out, BATCH records at a
    time: ``write`` writes it from the record, or ``write_work`` from its Work (which
    ``work_of`` builds) when ``write`` raises Odd."""
    twins, held = keys.twins, keys.held
    breaks = KEY_BREAKS
    batch: list[str] = []
    for record in records:
        citekey = record[0]
        # A plain key is the record's own (OrderedKeys.plain, inline; an ASCII identifier
        # holds no breaking character).
        if (
            citekey
            and citekey.isascii()
            and (citekey.isidentifier() or breaks(citekey) is None)
            and citekey not in twins
            and (not held or citekey.lower() not in held)
        ):
            key = citekey
        else:
            key = keys.key(citekey, lambda: work_of(record))  # noqa: B023 (called at once)
        try:
            batch.append(write(record, key))
        except Odd:
            batch.append(write_work(work_of(record), key))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
