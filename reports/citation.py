"""Formatted references for studies, through citeproc-py and the bundled CSL style.

Study objects (the ``studies --json`` shape) become CSL-JSON items, which citeproc-py
formats with ``templates/evidence-vancouver.csl``. citeproc-py's HTML formatter does
not escape the data it is given, so formatting runs through a private formatter that
marks italic and bold with private-use characters; the result is escaped for HTML or
Markdown afterwards and only then are the marks turned into tags. Formatting costs
about a millisecond per reference, so results are cached per item for the process.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
)
from citeproc.model import CitationStylesElement
from citeproc.source.json import CiteProcJSON
from markupsafe import Markup, escape

from .escape import md_escape
from .resources import templates_dir

STYLE_FILE = "evidence-vancouver.csl"

# Private-use marks for emphasis; stripped from the input so data cannot forge them.
_ITALIC = ("\ue000", "\ue001")
_BOLD = ("\ue002", "\ue003")
# "<" is hidden from citeproc-py, which would otherwise read <span class="nocase"> in
# titles as markup and drop it; it comes back as text after formatting.
_LT = "\ue004"
_PRIVATE = re.compile("[\ue000-\ue004]")
_MARKS = re.compile("[\ue000-\ue003]")
_INITIALS = re.compile(r"^[A-Z]{2,4}$")

# Crossref / BibTeX work types -> CSL item types.
CSL_TYPES = {
    "journal-article": "article-journal",
    "article": "article-journal",
    "review": "article-journal",
    "letter": "article-journal",
    "editorial": "article-journal",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "chapter": "chapter",
    "incollection": "chapter",
    "inbook": "chapter",
    "proceedings-article": "paper-conference",
    "inproceedings": "paper-conference",
    "posted-content": "article",
    "preprint": "article",
    "report": "report",
    "techreport": "report",
    "dissertation": "thesis",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "dataset": "dataset",
    "webpage": "webpage",
}

_CACHE_LIMIT = 50_000
_cache: dict[str, str] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class FormattedReference:
    """One formatted reference; ``marked`` carries private emphasis marks."""

    marked: str

    @property
    def text(self) -> str:
        """Plain text, no emphasis."""
        return _MARKS.sub("", self.marked)

    @property
    def html(self) -> Markup:
        """Escaped HTML with <i>/<b> for the style's emphasis."""
        value = str(escape(self.marked))
        for (start, end), tag in ((_ITALIC, "i"), (_BOLD, "b")):
            value = value.replace(start, f"<{tag}>").replace(end, f"</{tag}>")
        return Markup(value)

    @property
    def markdown(self) -> Markup:
        """Escaped Markdown with *…* and **…** for the style's emphasis."""
        value = md_escape(self.marked)
        for (start, end), mark in ((_ITALIC, "*"), (_BOLD, "**")):
            value = value.replace(start, mark).replace(end, mark)
        return Markup(value)

    def __str__(self) -> str:
        return self.text


def _clean(value: Any) -> str:
    return _PRIVATE.sub("", str(value)).replace("<", _LT).strip()


def _csl_names(authors: Any) -> list[dict[str, str]]:
    names: list[dict[str, str]] = []
    for author in authors or []:
        if isinstance(author, str):
            if author.strip():
                names.append({"literal": _clean(author)})
            continue
        if not isinstance(author, Mapping):
            continue
        family = _clean(author.get("family") or "")
        given = _clean(author.get("given") or "")
        if _INITIALS.match(given):
            # "AJ" is two initials (MEDLINE style), not one name: citeproc must see "A J".
            given = " ".join(given)
        literal = _clean(author.get("literal") or author.get("name") or "")
        if family:
            names.append({"family": family, "given": given} if given else {"family": family})
        elif literal or given:
            names.append({"literal": literal or given})
    return names


def to_csl_item(study: Mapping[str, Any], item_id: str | None = None) -> dict[str, Any]:
    """A CSL-JSON item for a study object (``studies --json`` shape)."""
    raw_type = str(study.get("type") or "").lower()
    csl_type = CSL_TYPES.get(raw_type)
    if csl_type is None:
        csl_type = "article-journal" if study.get("journal") else "article"
    item: dict[str, Any] = {"id": item_id or str(study.get("id") or "item"), "type": csl_type}
    names = _csl_names(study.get("authors"))
    if names:
        item["author"] = names
    simple = {
        "title": "title",
        "journal": "container-title",
        "journal_abbrev": "container-title-short",
        "publisher": "publisher",
        "volume": "volume",
        "issue": "issue",
        "pages": "page",
        "doi": "DOI",
        "isbn": "ISBN",
        "pmid": "PMID",
        "pmcid": "PMCID",
    }
    for key, csl_key in simple.items():
        value = study.get(key)
        if value not in (None, "", []):
            item[csl_key] = _clean(value)
    year = study.get("year")
    if isinstance(year, int) or (isinstance(year, str) and year.strip().isdigit()):
        item["issued"] = {"date-parts": [[int(year)]]}
    return item


@cache
def _style() -> CitationStylesStyle:
    _remember_style_searches()
    return CitationStylesStyle(str(templates_dir() / STYLE_FILE), validate=False)


def _remember_style_searches() -> None:
    """Make citeproc-py search each style node for each XPath expression once.

    citeproc-py finds the nodes of the style and its locale (macros, terms, options) by
    XPath, about forty searches a reference and a fifth of its time. Nothing changes
    those trees once read, so a search gives the same nodes every time: the first
    answer is kept. The searched node is kept with it, so lxml goes on handing out that
    same element object for the node, and no other node can take its identity.
    """
    original = CitationStylesElement.xpath_search
    if getattr(original, "remembers", False):
        return
    found: dict[tuple[Any, str], list[Any]] = {}

    def xpath_search(self: Any, expression: str) -> list[Any]:
        key = (self, expression)
        nodes = found.get(key)
        if nodes is None:
            nodes = found[key] = list(original(self, expression))
        return list(nodes)

    xpath_search.remembers = True  # type: ignore[attr-defined]
    xpath_search.original = original  # type: ignore[attr-defined]
    CitationStylesElement.xpath_search = xpath_search


def _marked_formatter() -> SimpleNamespace:
    """A citeproc-py formatter that wraps emphasis in private marks and escapes nothing."""

    def wrap(marks: tuple[str, str]) -> Any:
        return lambda value: f"{marks[0]}{value}{marks[1]}"

    return SimpleNamespace(
        preformat=lambda value: value,
        Italic=wrap(_ITALIC),
        Oblique=wrap(_ITALIC),
        Bold=wrap(_BOLD),
        Light=str,
        Underline=str,
        Superscript=str,
        Subscript=str,
        SmallCaps=str,
    )


_FORMATTER = _marked_formatter()


def _fallback(item: Mapping[str, Any]) -> str:
    """Reference text without citeproc, for items the processor cannot format."""
    parts = [
        str(item.get(key))
        for key in ("title", "container-title", "DOI", "ISBN")
        if item.get(key) is not None
    ]
    year = item.get("issued", {}).get("date-parts", [[None]])[0][0]
    if year:
        parts.insert(2 if len(parts) >= 2 else len(parts), str(year))
    return ". ".join(parts) + ("." if parts else "")


def _run_citeproc(items: list[dict[str, Any]]) -> list[str]:
    """Format CSL items with the bundled style, in order (ids must be unique)."""
    source = CiteProcJSON(items)
    bibliography = CitationStylesBibliography(_style(), source, _FORMATTER)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def _format_items(items: list[dict[str, Any]]) -> list[str]:
    # citeproc-py lower-cases ids: use our own positional ids.
    numbered = [{**item, "id": f"r{i}"} for i, item in enumerate(items)]
    _style()  # a missing style is an installation problem, not a data problem: raise it
    try:
        with _lock:  # the style object carries the current formatter
            results = _run_citeproc(numbered)
        if len(results) == len(numbered):
            return results
    except Exception:
        pass
    # One odd item (or one citeproc drops) must not cost the whole list its formatting.
    results = []
    for item in numbered:
        try:
            with _lock:
                results.append((_run_citeproc([item]) or [""])[0])
        except Exception:
            results.append(_fallback(item))
    return results


def _cache_key(item: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in item.items() if k != "id"}, sort_keys=True)


def format_references(studies: Iterable[Mapping[str, Any]]) -> list[FormattedReference]:
    """Formatted references for many studies, in order; one citeproc run for the new ones."""
    items = [to_csl_item(study) for study in list(studies)]
    keys = [_cache_key(item) for item in items]
    missing: dict[str, dict[str, Any]] = {}
    for key, item in zip(keys, items, strict=True):
        if key not in _cache and key not in missing:
            missing[key] = item
    if missing:
        formatted = _format_items(list(missing.values()))
        if len(_cache) + len(missing) > _CACHE_LIMIT:
            _cache.clear()
        for key, text in zip(missing, formatted, strict=True):
            _cache[key] = text
    out: list[FormattedReference] = []
    for key, item in zip(keys, items, strict=True):
        cached = _cache.get(key)
        # None only when a concurrent call cleared the cache in between.
        text = cached if cached is not None else _format_items([item])[0]
        text = " ".join(text.replace(_LT, "<").split())
        out.append(FormattedReference(text or _fallback(item)))
    return out


def format_reference(study: Mapping[str, Any]) -> FormattedReference:
    """The formatted reference of one study."""
    return format_references([study])[0]
