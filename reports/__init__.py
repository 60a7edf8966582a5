"""Render an evidence report model (a plain dict) as Markdown, HTML or JSON.

Pure: nothing here touches the database or the network. The model is built by
``evidence``; this package only turns it into text.
"""

from __future__ import annotations

from .citation import FormattedReference, format_reference, format_references, to_csl_item
from .errors import ReportError, TemplateError
from .escape import md_escape
from .render import FORMATS, build_context, normalise_model, render_json, render_report
from .svg import render_evidence_map, render_status_bar

__all__ = [
    "FORMATS",
    "FormattedReference",
    "ReportError",
    "TemplateError",
    "build_context",
    "format_reference",
    "format_references",
    "md_escape",
    "normalise_model",
    "render_evidence_map",
    "render_json",
    "render_report",
    "render_status_bar",
    "to_csl_item",
]
