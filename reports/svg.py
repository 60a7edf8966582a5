"""Inline SVG for the HTML report: the claim status bar and the evidence map.

Built in Python rather than in a template because the geometry is arithmetic; every
piece of text goes through markupsafe's escape. Each shape carries a <title> (a
tooltip and an accessible name) and every colour comes with a label or a glyph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from .labels import (
    FALLBACK_COLOUR,
    STANCE_COLOURS,
    STANCE_GLYPHS,
    STATUS_COLOURS,
    STATUS_LABELS,
    STATUSES,
    label,
)

# The map is an overview; beyond this it would be unreadable and huge. Every link
# is listed under its claim as well, so nothing is lost by capping the drawing.
MAP_MAX_CLAIMS = 120
MAP_MAX_STUDIES = 40

_CELL = 22
_ROW_LABEL_WIDTH = 72
_COLUMN_LABEL_CHARS = 24
# Rough advance of one 12px sans-serif character, to size the rotated column labels.
_CHAR_WIDTH = 6.6
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def _esc(value: object) -> str:
    return str(escape(str(value)))


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def render_status_bar(counts: Mapping[str, int], *, title: str = "Claims by status") -> Markup:
    """A horizontal bar, one proportional segment per status that has claims.

    Widths are percentages, so the bar fills any page width; counts sit inside the
    segments that are wide enough, and every segment has a <title> with its label.
    """
    ordered = [s for s in STATUSES if counts.get(s)] + [
        s for s in counts if s not in STATUSES and counts.get(s)
    ]
    total = sum(int(counts[s]) for s in ordered)
    summary = ", ".join(f"{int(counts[s])} {label(STATUS_LABELS, s).lower()}" for s in ordered)
    parts = [
        '<svg class="status-bar" xmlns="http://www.w3.org/2000/svg" width="100%" height="40"'
        f' role="img" aria-labelledby="status-bar-title" font-family="{_FONT}">',
        f'<title id="status-bar-title">{_esc(title)}: {_esc(summary or "no claims")}</title>',
    ]
    if not total:
        parts.append('<rect x="0" y="4" width="100%" height="32" rx="4" fill="#d0d7de"/>')
    offset = 0.0
    for status in ordered:
        count = int(counts[status])
        share = 100.0 * count / total
        colour = STATUS_COLOURS.get(status, FALLBACK_COLOUR)
        name = label(STATUS_LABELS, status)
        parts.append(
            f'<g data-status="{_esc(status)}"><title>{_esc(name)}: {count} of {total}'
            f" ({share:.0f}%)</title>"
            f'<rect x="{_pct(offset)}" y="4" width="{_pct(share)}" height="32"'
            f' fill="{colour}" stroke="#fff" stroke-width="1"/>'
        )
        if share >= 4:
            parts.append(
                f'<text x="{_pct(offset + share / 2)}" y="25" text-anchor="middle"'
                f' fill="#fff" font-size="14" font-weight="600">{count}</text>'
            )
        parts.append("</g>")
        offset += share
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class MapExtent:
    """How much of the evidence map the drawing shows."""

    claims_shown: int
    claims_total: int
    studies_shown: int
    studies_total: int

    @property
    def complete(self) -> bool:
        return self.claims_shown == self.claims_total and self.studies_shown == self.studies_total


def map_extent(
    evidence_map: Mapping[str, Any],
    max_claims: int = MAP_MAX_CLAIMS,
    max_studies: int = MAP_MAX_STUDIES,
) -> MapExtent:
    claims = list(evidence_map.get("claims") or [])
    studies = list(evidence_map.get("studies") or [])
    return MapExtent(
        min(len(claims), max_claims), len(claims), min(len(studies), max_studies), len(studies)
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def render_evidence_map(
    evidence_map: Mapping[str, Any],
    *,
    claim_labels: Mapping[str, str],
    claim_titles: Mapping[str, str] | None = None,
    claim_anchors: Mapping[str, str] | None = None,
    study_anchors: Mapping[str, str] | None = None,
    max_claims: int = MAP_MAX_CLAIMS,
    max_studies: int = MAP_MAX_STUDIES,
) -> Markup:
    """The claims × studies grid, one coloured cell with a glyph per evidence link.

    Supports: green "+"; contradicts: red "−"; mentions: grey "·". Suggested links
    (not yet confirmed) are drawn outlined and dashed instead of filled. Row and column
    labels link to the claim and the study further down the page.
    """
    claim_titles = claim_titles or {}
    claim_anchors = claim_anchors or {}
    study_anchors = study_anchors or {}
    claims: Sequence[str] = list(evidence_map.get("claims") or [])[:max_claims]
    studies: Sequence[str] = list(evidence_map.get("studies") or [])[:max_studies]
    rows = {claim: i for i, claim in enumerate(claims)}
    columns = {study: i for i, study in enumerate(studies)}
    # Column labels run up and to the right at 60 degrees: make room above and beside.
    longest = max((len(_short(study, _COLUMN_LABEL_CHARS)) for study in studies), default=0)
    label_length = longest * _CHAR_WIDTH
    top = int(label_length * 0.87) + 16
    width = _ROW_LABEL_WIDTH + _CELL * len(studies) + int(label_length * 0.5) + 8
    height = top + _CELL * len(claims) + 4
    left = _ROW_LABEL_WIDTH
    parts = [
        f'<svg class="evidence-map" xmlns="http://www.w3.org/2000/svg" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" role="img"'
        f' aria-labelledby="evidence-map-title" font-size="12" font-family="{_FONT}">',
        '<title id="evidence-map-title">Evidence map: which studies support, contradict'
        f" or mention which claims ({len(claims)} claims, {len(studies)} studies)</title>",
    ]
    for i, claim in enumerate(claims):
        y = top + i * _CELL
        if i % 2 == 0:
            parts.append(
                f'<rect x="{left}" y="{y}" width="{_CELL * len(studies)}" height="{_CELL}"'
                ' fill="#f3f4f6"/>'
            )
        text = _esc(claim_labels.get(claim, claim))
        tip = _esc(claim_titles.get(claim, claim_labels.get(claim, claim)))
        anchor = claim_anchors.get(claim)
        label_svg = (
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end"><title>{tip}</title>{text}</text>'
        )
        if anchor:
            label_svg = f'<a href="#{_esc(anchor)}">{label_svg}</a>'
        parts.append(label_svg)
    for j, study in enumerate(studies):
        x = left + j * _CELL + _CELL // 2 + 3
        text = _esc(_short(study, _COLUMN_LABEL_CHARS))
        label_svg = (
            f'<text transform="translate({x},{top - 6}) rotate(-60)"><title>{_esc(study)}'
            f"</title>{text}</text>"
        )
        anchor = study_anchors.get(study)
        if anchor:
            label_svg = f'<a href="#{_esc(anchor)}">{label_svg}</a>'
        parts.append(label_svg)
    for cell in evidence_map.get("cells") or []:
        row = rows.get(cell.get("claim"))
        column = columns.get(cell.get("study"))
        if row is None or column is None:
            continue
        stance = str(cell.get("stance") or "mentions")
        origin = str(cell.get("origin") or "")
        colour = STANCE_COLOURS.get(stance, FALLBACK_COLOUR)
        glyph = STANCE_GLYPHS.get(stance, "?")
        x = left + column * _CELL + 2
        y = top + row * _CELL + 2
        size = _CELL - 4
        suggested = origin == "suggested"
        claim_name = claim_labels.get(cell["claim"], cell["claim"])
        tip = f"{claim_name} \u2014 {cell['study']}: {stance}" + (
            " (suggested, not confirmed)" if suggested else f" ({origin})" if origin else ""
        )
        if suggested:
            shape = (
                f'<rect x="{x + 1}" y="{y + 1}" width="{size - 2}" height="{size - 2}"'
                f' fill="#fff" stroke="{colour}" stroke-width="2" stroke-dasharray="3 2"/>'
            )
            glyph_colour = colour
        else:
            shape = f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{colour}"/>'
            glyph_colour = "#fff"
        parts.append(
            f'<g class="cell" data-stance="{_esc(stance)}" data-origin="{_esc(origin)}">'
            f"<title>{_esc(tip)}</title>{shape}"
            f'<text x="{x + size / 2}" y="{y + size / 2 + 5}" text-anchor="middle"'
            f' font-size="15" font-weight="700" fill="{glyph_colour}">{glyph}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
