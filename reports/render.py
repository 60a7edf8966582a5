"""Render a report model (a plain, JSON-serialisable dict) as Markdown, HTML or JSON.

Templates, built-in or the user's own, run in Jinja's immutable sandbox with strict
undefined: a template can read the model and call the helpers below, and nothing
else (no attribute tricks, no mutation, no file or network access). HTML output is
autoescaped; Markdown output escapes every expression through :func:`md_escape`
unless it is already ``Markup`` (the helpers' output). Either way, text from a
document or a bibliographic service always renders as text.

A template receives every top-level key of the model as a variable (``title``,
``summary``, ``claims``, ``studies``, …), the whole model as ``model``, and:

- ``reference(study_or_id)``: the formatted reference (CSL, citeproc-py);
- ``status_bar(counts)`` / ``evidence_map_svg()``: inline SVG (HTML);
- ``compact``: true for long reports (more than COMPACT_CLAIMS claims);
- ``map_extent``: how much of the evidence map the drawing shows; ``map_cells(claim,
  study)`` (the links in one cell) and ``map_table(max_studies, max_claims)`` (rows);
- ``text_bar(count, total, width=20)`` and ``pct(count, total)``;
- ``claim_number``, ``claim_anchor``, ``study_anchor``: id -> number / fragment id;
- ``claims_by_id``, ``lacking_claims`` (the claims of ``lacking_sources``), ``citing`` (study id -> ids of the claims that lean on it);
- ``labels`` (vocabulary tables) and ``label(table, key)``;
- ``links(study)`` (DOI, PubMed… links) and ``when(iso_timestamp)``;
- the filter ``md`` (escape for Markdown, returns Markup).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, get_args
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from . import labels as vocab
from .budget import BoundedEnvironment, Limits, render_bounded
from .citation import FormattedReference, format_references
from .errors import ReportError, TemplateError
from .escape import md_escape
from .normalise import normalise_model
from .resources import templates_dir
from .svg import map_extent, render_evidence_map, render_status_bar

Format = Literal["md", "html", "json"]
FORMATS: tuple[str, ...] = get_args(Format)

# Beyond this many claims the HTML report shows each claim's studies by key and verdict
# and lists full references once, under Studies (keeps 10,000 claims under 5 MB).
COMPACT_CLAIMS = 1000

_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def render_report(
    model: Mapping[str, Any],
    fmt: str,
    template: Path | None = None,
    *,
    limits: Limits | None = None,
) -> str:
    """The report in ``fmt`` (md, html or json), through ``template`` when given.

    A user's ``template`` runs within ``limits`` (time and output size, see
    :mod:`reports.budget`). Raises TemplateError for a template that is missing,
    invalid, unsafe or over its limits, and ReportError for an unknown format or a
    model that is not a mapping.
    """
    if fmt not in FORMATS:
        raise ReportError(f"Unknown report format {fmt!r}. Use one of: {', '.join(FORMATS)}")
    if not isinstance(model, Mapping):
        raise ReportError("The report model must be a mapping (a JSON object)")
    if template is not None and fmt == "json":
        raise TemplateError(
            "A template renders Markdown or HTML, not JSON. "
            "Use --format md or --format html with --template"
        )
    if fmt == "json":
        return render_json(model)
    if template is None:
        env = builtin_environment(fmt)
        compiled = env.get_template(f"report.{fmt}.j2")
        name = f"built-in report.{fmt}.j2"
    else:
        compiled = _load_user_template(Path(template), fmt, limits or Limits())
        name = str(template)
    output = _render(compiled, build_context(model, fmt), name)
    if fmt == "md":
        output = _TRAILING_SPACE.sub("\n", output)
        output = _BLANK_LINES.sub("\n\n", output).strip("\n") + "\n"
    return output


def render_json(model: Mapping[str, Any]) -> str:
    """The model as indented JSON, keys in the model's order (stable for a stable model)."""
    try:
        return json.dumps(model, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    except (TypeError, ValueError) as exc:
        raise ReportError(f"The report model is not JSON-serialisable: {exc}") from exc


def _json_default(value: object) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} value {value!r}")


# --- the template context ----------------------------------------------------------------


def _pct(count: Any, total: Any) -> str:
    try:
        share = 100.0 * float(count) / float(total)
    except (TypeError, ValueError, ZeroDivisionError):
        return "0%"
    if 0 < share < 1:
        return "<1%"
    return f"{share:.0f}%"


def _text_bar(count: Any, total: Any, width: int = 20) -> str:
    try:
        cells = round(width * float(count) / float(total))
    except (TypeError, ValueError, ZeroDivisionError):
        cells = 0
    if count and not cells:
        cells = 1  # a status with claims never looks empty
    cells = max(0, min(width, cells))
    return "\u2588" * cells + "\u2591" * (width - cells)


_LINK_BASES = (
    ("doi", "DOI", "https://doi.org/"),
    ("pmid", "PubMed", "https://pubmed.ncbi.nlm.nih.gov/"),
    ("pmcid", "PMC", "https://www.ncbi.nlm.nih.gov/pmc/articles/"),
    ("arxiv", "arXiv", "https://arxiv.org/abs/"),
    ("openalex", "OpenAlex", "https://openalex.org/"),
)


def identifier_links(study: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Links to a study's records: label, text and a URL safe in HTML and Markdown.

    The URL is a fixed https base plus the percent-encoded identifier: no scheme or
    markup can come from the data.
    """
    links = []
    for key, name, base in _LINK_BASES:
        value = study.get(key)
        if value in (None, ""):
            continue
        text = str(value).strip()
        if key == "openalex":
            text = text.rsplit("/", 1)[-1]
        links.append({"label": name, "text": text, "url": Markup(base + quote(text, safe="/:"))})
    return links


def when(value: Any) -> str:
    """An ISO timestamp as ``2026-11-26 10:00 UTC`` (other text is returned as is)."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ReportIndex:
    """What a template looks up across the whole report: numbers and anchors by id, the
    claims that cite each study, the claims that lack sources, and each study's
    formatted reference (``formatted``: study id -> reference, for ids of the model's
    studies)."""

    claim_number: Mapping[str, int]
    claim_anchor: Mapping[str, str]
    study_anchor: Mapping[str, str]
    claims_by_id: Mapping[str, Mapping[str, Any]]
    lacking_claims: list[Mapping[str, Any]]
    citing: Mapping[str, list[Any]]
    claim_titles: Mapping[str, str]
    claim_labels: Mapping[str, str]
    formatted: Callable[[Any], FormattedReference | None]
    compact: bool


def build_context(model: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """Everything a template sees: the model's keys, ``model`` and the helpers."""
    data = normalise_model(model)
    claims: list[dict[str, Any]] = data["claims"]
    studies: dict[str, dict[str, Any]] = data["studies"]
    claim_number: dict[str, int] = {c["id"]: n for n, c in enumerate(claims, start=1)}
    claims_by_id = {c["id"]: c for c in claims}
    citing: dict[str, list[Any]] = {sid: [] for sid in studies}
    for claim in claims:
        ids = [link.get("study") for link in claim["evidence"]]
        ids += [m.get("study") for m in claim["mentions"]]
        for sid in dict.fromkeys(ids):
            if sid in citing:
                citing[sid].append(claim.get("id"))
    formatted = dict(zip(studies, format_references(studies.values()), strict=True))
    index = ReportIndex(
        claim_number=claim_number,
        claim_anchor={cid: f"claim-{n}" for cid, n in claim_number.items()},
        study_anchor={sid: f"study-{n}" for n, sid in enumerate(studies, start=1)},
        claims_by_id=claims_by_id,
        lacking_claims=[
            claims_by_id[cid] for cid in data["lacking_sources"] if cid in claims_by_id
        ],
        citing=citing,
        claim_titles={
            c["id"]: f"Claim {claim_number[c['id']]}: {str(c['text'])[:120]}" for c in claims
        },
        claim_labels={cid: f"Claim {n}" for cid, n in claim_number.items()},
        formatted=formatted.get,
        compact=len(claims) > COMPACT_CLAIMS,
    )
    return context_of(data, fmt, index)


def context_of(data: dict[str, Any], fmt: str, index: ReportIndex) -> dict[str, Any]:
    """The template context of a normalised model (``data``) and its ``index``."""
    studies: Mapping[str, Mapping[str, Any]] = data["studies"]

    def reference(study: Any) -> Markup:
        if isinstance(study, Mapping):
            sid = study.get("id")
            ref = index.formatted(sid) if sid in studies else None
            if ref is None:
                ref = format_references([study])[0]
        else:
            ref = (index.formatted(study) if study in studies else None) or FormattedReference("")
        if not ref.marked:
            return Markup("")
        return ref.html if fmt == "html" else ref.markdown

    def evidence_map_svg() -> Markup:
        return render_evidence_map(
            data["evidence_map"],
            claim_labels=index.claim_labels,
            claim_titles=index.claim_titles,
            claim_anchors=index.claim_anchor,
            study_anchors=index.study_anchor,
        )

    cells_at: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for cell in data["evidence_map"]["cells"] or []:
        if isinstance(cell, Mapping):
            by_study = cells_at.setdefault(str(cell.get("claim")), {})
            by_study.setdefault(str(cell.get("study")), []).append(cell)

    def map_cells(claim_id: Any, study_id: Any) -> list[Mapping[str, Any]]:
        return cells_at.get(str(claim_id), {}).get(str(study_id), [])

    def map_table(max_studies: int = 8, max_claims: int = 60) -> dict[str, Any]:
        """The evidence map as table rows: the first studies, and the claims linked to them."""
        all_studies = list(data["evidence_map"]["studies"] or [])
        shown = all_studies[:max_studies]
        linked = [
            cid
            for cid in data["evidence_map"]["claims"] or []
            if any(map_cells(cid, sid) for sid in shown)
        ]
        rows = [
            {"claim": cid, "cells": [map_cells(cid, sid) for sid in shown]}
            for cid in linked[:max_claims]
        ]
        return {
            "studies": shown,
            "rows": rows,
            "studies_total": len(all_studies),
            "claims_total": len(linked),
            "complete": len(shown) == len(all_studies) and len(rows) == len(linked),
        }

    tables = {
        "status": vocab.STATUS_LABELS,
        "status_description": vocab.STATUS_DESCRIPTIONS,
        "status_colour": vocab.STATUS_COLOURS,
        "statuses": vocab.STATUSES,
        "problem_statuses": vocab.PROBLEM_STATUSES,
        "verdict": vocab.VERDICT_LABELS,
        "verdict_description": vocab.VERDICT_DESCRIPTIONS,
        "verdict_colour": vocab.VERDICT_COLOURS,
        "verdicts": vocab.VERDICTS,
        "level": vocab.EVIDENCE_LEVEL_LABELS,
        "levels": vocab.EVIDENCE_LEVELS,
        "stance": vocab.STANCE_LABELS,
        "stance_colour": vocab.STANCE_COLOURS,
        "stance_glyph": vocab.STANCE_GLYPHS,
        "stances": vocab.STANCES,
        "origin": vocab.ORIGIN_LABELS,
        "mention_kind": vocab.MENTION_KIND_LABELS,
        "notice": vocab.NOTICE_LABELS,
    }
    helpers: dict[str, Any] = {
        "model": data,
        "compact": index.compact,
        "format": fmt,
        "reference": reference,
        "status_bar": render_status_bar,
        "evidence_map_svg": evidence_map_svg,
        "map_extent": map_extent(data["evidence_map"]),
        "map_cells": map_cells,
        "map_table": map_table,
        "text_bar": _text_bar,
        "pct": _pct,
        "claim_number": index.claim_number,
        "claim_anchor": index.claim_anchor,
        "study_anchor": index.study_anchor,
        "claims_by_id": index.claims_by_id,
        "lacking_claims": index.lacking_claims,
        "citing": index.citing,
        "labels": tables,
        "label": vocab.label,
        "links": identifier_links,
        "when": when,
    }
    return {**data, **helpers}


# --- environments ------------------------------------------------------------------------


def _finalize_html(value: Any) -> Any:
    return "" if value is None else value


def _finalize_md(value: Any) -> Any:
    if value is None:
        return ""
    return md_escape(value)


def _md_filter(value: Any) -> Markup:
    return Markup(md_escape(value))


def _environment(
    fmt: str, loader: BaseLoader, limits: Limits | None = None, name: str = ""
) -> ImmutableSandboxedEnvironment:
    """The sandbox for ``fmt``; with ``limits``, one that also bounds time and size."""
    finalize: Callable[[Any], Any] = _finalize_html if fmt == "html" else _finalize_md
    bounds: dict[str, Any] = {} if limits is None else {"limits": limits, "name": name}
    env = (ImmutableSandboxedEnvironment if limits is None else BoundedEnvironment)(
        **bounds,
        loader=loader,
        autoescape=fmt == "html",
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,
        auto_reload=False,
    )
    env.filters["md"] = _md_filter
    if isinstance(env, BoundedEnvironment):
        env.bound_callables()
    return env


@cache
def builtin_environment(fmt: str) -> ImmutableSandboxedEnvironment:
    return _environment(fmt, FileSystemLoader(str(templates_dir())))


def _load_user_template(path: Path, fmt: str, limits: Limits) -> Template:
    if not path.is_file():
        raise TemplateError(f"Template file {path} not found. Check the --template path")
    # The template's own folder first (its partials), then the built-in partials.
    loader = ChoiceLoader(
        [FileSystemLoader(str(path.resolve().parent)), FileSystemLoader(str(templates_dir()))]
    )
    env = _environment(fmt, loader, limits, str(path))
    try:
        return env.get_template(path.name)
    except TemplateSyntaxError as exc:
        where = f"{path}, line {exc.lineno}" if exc.lineno else str(path)
        raise TemplateError(f"Template {where}: {exc.message}. Fix the template syntax") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(f"Template {path} is not UTF-8 text. Save it as UTF-8") from exc
    except TemplateNotFound as exc:
        raise TemplateError(
            f"Template {path} could not be read. Check the --template path"
        ) from exc


def _template_line(tb: TracebackType | None, filename: str | None) -> int | None:
    """The template line of the innermost frame that ran the template (Jinja rewrites
    tracebacks so that template frames carry template line numbers)."""
    line = None
    while tb is not None:
        if filename and tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render(template: Template, context: dict[str, Any], name: str) -> str:
    try:
        env = template.environment
        if isinstance(env, BoundedEnvironment):
            return render_bounded(template, context, env.budget)
        return template.render(context)
    except ReportError:
        raise
    except Exception as exc:
        raise template_error(exc, template, name) from exc


def template_error(exc: Exception, template: Template, name: str) -> TemplateError:
    """The error to show for ``exc``, raised while ``template`` ran: where and what to do."""
    line = _template_line(exc.__traceback__, template.filename)
    where = f"{name}, line {line}" if line else name
    if isinstance(exc, SecurityError):
        fix = "Templates may only read the report model and call the report helpers"
    elif isinstance(exc, UndefinedError):
        fix = "Use only the report model's keys (see `evidence report --format json`)"
    elif isinstance(exc, TemplateSyntaxError):
        fix = "Fix the template syntax"
    elif isinstance(exc, TemplateNotFound):
        fix = "Put included templates next to the main template"
    else:
        fix = "Check the template's expressions against the report model"
    message = str(getattr(exc, "message", None) or exc).splitlines()[0] if str(exc) else ""
    detail = (message or type(exc).__name__).rstrip(".")
    return TemplateError(f"Template {where}: {detail}. {fix}")
