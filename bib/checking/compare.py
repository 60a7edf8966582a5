"""Which fields of a citation disagree with the work it names, and how badly.

A citation is compared with every record the services gave for the one work (Crossref,
DBLP, arXiv, … each describe a version of it): a field agrees when it agrees with any of
them, so a preprint's year or DOI beside the published one never counts against a
citation. What disagrees is a :class:`FieldDiff` with a severity:

- ``minor``: typo-level, the citation still names the work unambiguously (a word of the
  title, one misspelt or missing author among many, a page range, a year one off between
  preprint and publication);
- ``major``: the citation describes something else (another author list, placeholder or
  swapped authors, a venue the work never appeared in, a preprint cited as published, an
  identifier of another work, a title far from the work's, a year in the future).

``kind`` names the finding for the verdict (which ones make a citation likely fabricated
rather than miscited is decided in :mod:`bib.checking.verdict`).
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from bib.matching.references import is_preprint
from bib.text import family_key, normalize_title, title_similarity
from bib.venues import is_known_venue, is_preprint_server, venue_agrees
from bib.work import Author, Work

# Below this, a title is another title (not a typo of the work's).
TITLE_MINOR = 0.8
# Two family names this close (rapidfuzz ratio, 0-100) are one name spelt two ways
# (transliterations, a dropped letter), for names of five letters or more.
NAME_CLOSE = 85


@dataclass(frozen=True)
class FieldDiff:
    """One field of a citation that disagrees with the work found."""

    field: str
    cited: Any
    found: Any
    severity: str  # "minor" | "major"
    kind: str  # what was found wrong, e.g. "other-authors", "unknown-venue"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "cited": self.cited,
            "found": self.found,
            "severity": self.severity,
            "kind": self.kind,
            "note": self.note,
        }


def compare_citation(
    cited: Work, versions: Sequence[Work], *, this_year: int | None = None
) -> list[FieldDiff]:
    """The disagreements between ``cited`` and the work described by ``versions`` (one
    record per service that knows it; at least one). Identifiers are judged by the
    caller, which knows how the work was found."""
    if not versions:
        return []
    this_year = this_year or datetime.date.today().year
    out: list[FieldDiff] = []
    title = _title_diff(cited, versions)
    if title:
        out.append(title)
    out.extend(_author_diffs(cited, versions))
    year = _year_diff(cited, versions, this_year)
    if year:
        out.append(year)
    venue = _venue_diff(cited, versions)
    if venue:
        out.append(venue)
    out.extend(_locator_diffs(cited, versions))
    return out


def future_year(cited: Work, this_year: int | None = None) -> FieldDiff | None:
    """A year after this one: wrong whatever the work (published works have a past)."""
    this_year = this_year or datetime.date.today().year
    if cited.year and int(cited.year) > this_year:
        return FieldDiff(
            "year", cited.year, None, "major", "future-year", f"later than {this_year}"
        )
    return None


# --- title


def _title_diff(cited: Work, versions: Sequence[Work]) -> FieldDiff | None:
    titled = [v for v in versions if v.title]
    if not cited.title or not titled:
        return None
    ours = normalize_title(html.unescape(cited.title))
    if any(normalize_title(v.title) == ours for v in titled):
        return None
    best = max(titled, key=lambda v: title_similarity(cited.title, v.title))
    similarity = title_similarity(cited.title, best.title)
    if similarity >= 0.97:
        return None  # a subtitle left out, a trailing word: the same title
    if similarity >= TITLE_MINOR:
        return FieldDiff("title", cited.title, best.title, "minor", "title-words")
    return FieldDiff("title", cited.title, best.title, "major", "other-title")


# --- authors


def _name_keys(author: Author) -> tuple[str, str]:
    """The family name whole and its last word ("de Vries" and "Vries"), as letters;
    HTML entities that bibliographies carry over from web pages (``d&apos;Amore``) read
    as their characters."""
    family = html.unescape(author.family).strip()
    last = family.split()[-1] if family.split() else family
    return family_key(family), family_key(last)


def _same_person(a: Author, b: Author) -> bool:
    a_full, a_last = _name_keys(a)
    b_full, b_last = _name_keys(b)
    if not a_last or not b_last:
        return False
    if a_full == b_full or a_last == b_last or a_full == b_last or a_last == b_full:
        return True
    # A name written given-name last by one side ("Wei Liu" read as family "Wei").
    if (
        family_key(html.unescape(a.given)) == b_last
        and family_key(html.unescape(b.given)) == a_last
    ):
        return True
    longest = max(len(a_last), len(b_last))
    return longest >= 5 and fuzz.ratio(a_last, b_last) >= NAME_CLOSE


def match_authors(cited: list[Author], found: list[Author]) -> list[int | None]:
    """For each cited author, the index of the same person in ``found`` (each used once)."""
    used: set[int] = set()
    out: list[int | None] = []
    for person in cited:
        hit = next(
            (i for i, other in enumerate(found) if i not in used and _same_person(person, other)),
            None,
        )
        if hit is not None:
            used.add(hit)
        out.append(hit)
    return out


def _names(authors: Sequence[Author], limit: int = 6) -> str:
    shown = [a.family for a in authors[:limit]]
    more = len(authors) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _author_diffs(cited: Work, versions: Sequence[Work]) -> list[FieldDiff]:
    people = [a for a in cited.authors if a.family.lower() not in ("others", "et al.", "et al")]
    listed = [v for v in versions if v.authors]
    if not people or not listed:
        return []
    truncated = bool(cited.extra.get("authors_incomplete")) or len(people) < len(cited.authors)
    # The version whose list agrees best (one service may list fewer authors).
    best = max(listed, key=lambda v: sum(m is not None for m in match_authors(people, v.authors)))
    found = best.authors
    matched = match_authors(people, found)
    hits = [m for m in matched if m is not None]
    cited_names, found_names = _names(people), _names(found)
    if not hits:
        return [
            FieldDiff(
                "authors",
                cited_names,
                found_names,
                "major",
                "other-authors",
                "none of the cited authors is an author of the work",
            )
        ]
    out: list[FieldDiff] = []
    strangers = [p.family for p, m in zip(people, matched, strict=True) if m is None]
    # A service's list shorter than the citation's may itself be cut: one name it lacks
    # among many proves nothing.
    if len(strangers) == 1 and len(found) < len(people) and len(people) >= 5:
        strangers = []
    if strangers:
        few = len(strangers) == 1 and len(people) >= 3
        out.append(
            FieldDiff(
                "authors",
                cited_names,
                found_names,
                "minor" if few else "major",
                "foreign-authors",
                "not authors of the work: " + ", ".join(strangers),
            )
        )
    missing = len(found) - len(hits)
    if missing > 0 and not truncated:
        out.append(
            FieldDiff(
                "authors",
                cited_names,
                found_names,
                "major" if missing >= 2 or len(hits) * 2 <= len(found) else "minor",
                "cut-authors",
                f"{len(hits)} of the work's {len(found)} authors cited, the list not marked as cut",
            )
        )
    if matched[0] is not None and matched[0] != 0 and 0 not in hits:
        out.append(
            FieldDiff(
                "first_author",
                people[0].family,
                found[0].family,
                "major",
                "first-author",
                "the work's first author is not cited",
            )
        )
    elif hits != sorted(hits):
        out.append(
            FieldDiff(
                "authors",
                cited_names,
                found_names,
                "major" if matched[0] not in (0, None) else "minor",
                "author-order",
                "the authors in another order",
            )
        )
    return out


# --- year


def _year_diff(cited: Work, versions: Sequence[Work], this_year: int) -> FieldDiff | None:
    future = future_year(cited, this_year)
    if future:
        return future
    years = sorted({int(v.year) for v in versions if v.year})
    if not cited.year or not years:
        return None
    year = int(cited.year)
    if year in years:
        return None
    gap = min(abs(year - y) for y in years)
    nearest = min(years, key=lambda y: abs(year - y))
    has_preprint = any(is_preprint(v) for v in versions) or len(years) > 1
    if gap == 1:
        # Online-first and print years differ by one as often as preprint and paper do.
        note = "a year off, as between preprint and publication" if has_preprint else ""
        return FieldDiff("year", year, nearest, "minor", "year-off-by-one", note)
    return FieldDiff("year", year, nearest, "major", "other-year")


# --- venue


def _venue_names(work: Work) -> list[str]:
    names = [n for n in (work.journal, work.journal_abbrev) if n]
    names.extend(str(n) for n in work.extra.get("venue_names") or [] if n)
    return names


def _venue_diff(cited: Work, versions: Sequence[Work]) -> FieldDiff | None:
    venue = (cited.journal or "").strip()
    if not venue:
        return None
    if any(venue_agrees(venue, v) for v in versions):
        return None
    published = [v for v in versions if not is_preprint(v) and _venue_names(v)]
    found_names = list(dict.fromkeys(n for v in versions for n in _venue_names(v)))
    shown = "; ".join(found_names[:4]) or None
    if is_preprint_server(venue):
        if published or any(is_preprint(v) for v in versions):
            return None  # citing the preprint of a work is citing the work
        return FieldDiff("venue", venue, shown, "major", "not-a-preprint")
    if not is_known_venue(venue) and (published or any(is_preprint(v) for v in versions)):
        return FieldDiff(
            "venue",
            venue,
            shown or "a preprint",
            "major",
            "unknown-venue",
            "no service and no venue list knows this venue",
        )
    if not published:
        if not found_names and not any(is_preprint(v) for v in versions):
            return None  # no service says where it appeared: nothing to compare
        return FieldDiff(
            "venue",
            venue,
            shown or "a preprint",
            "major",
            "preprint-as-published",
            "only a preprint of the work is known",
        )
    return FieldDiff("venue", venue, shown, "major", "other-venue")


# --- volume, pages


def _first_page(pages: str) -> str:
    return pages.replace("–", "-").replace("—", "-").split("-")[0].strip().lower()


def _locator_diffs(cited: Work, versions: Sequence[Work]) -> list[FieldDiff]:
    out: list[FieldDiff] = []
    volumes = {str(v.volume).strip().lower() for v in versions if v.volume}
    if cited.volume and volumes and str(cited.volume).strip().lower() not in volumes:
        out.append(FieldDiff("volume", cited.volume, sorted(volumes)[0], "minor", "other-volume"))
    firsts = {_first_page(v.pages) for v in versions if v.pages}
    if cited.pages and firsts and _first_page(cited.pages) not in firsts:
        shown = next(v.pages for v in versions if v.pages)
        out.append(FieldDiff("pages", cited.pages, shown, "minor", "other-pages"))
    return out
