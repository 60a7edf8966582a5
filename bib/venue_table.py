"""The venue table: which conference, journal or preprint server a venue name denotes.

The facts live in ``bib/data/venues.json`` (canonical names, kinds, abbreviations,
alternate names, DBLP venue keys, with their sources), loaded once. A name is looked up
in steps, each stricter about what it accepts than the free text it is given:

1. the whole name, folded to its significant words: case, accents, punctuation, a
   leading "Proceedings of the" / "Proc." / "In", ordinals ("Thirty-Fifth", "35th"),
   years and volume numbers do not count; for conferences a sponsor ("IEEE/CVF",
   "ACM") does not either; then word by word as an ISO 4 abbreviation
   ("Proc. Int. Conf. Mach. Learn.");
2. a name marked as a sub-venue ("Workshop", "Findings", "Companion", "Extended
   Abstracts") is never its main venue: it is the table's sub-venue of that conference,
   or a workshop of it that the table does not list, or unknown;
3. the parts of a long proceedings title ("…, ICML 2021, 18-24 July 2021, Virtual
   Event", "… (CVPR)").

``bib.journals`` compares two names with this table (``same_venue``, ``venue_agrees``);
``bib.venues`` is the public face of both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from bib.text import abbreviates, ascii_words

KINDS = frozenset({"conference", "journal", "preprint-server", "workshop"})


@dataclass(frozen=True)
class Venue:
    """One venue. ``part_of``: the main venues of a sub-venue (a workshop, Findings, a
    companion volume); ``platform``: a host of several venues (OpenReview, PMLR), never
    in disagreement with a venue it hosts; ``in_table``: False for a workshop of a known
    conference that the table does not list by name."""

    id: str
    name: str
    kind: str
    short: str | None = None
    abbreviations: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    dblp: tuple[str, ...] = ()
    part_of: tuple[str, ...] = ()
    marker: str | None = None
    platform: bool = False
    in_table: bool = True

    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.abbreviations, *self.names)


# Words that never tell venues apart: connectives, "Proceedings", "annual", ordinals.
_FILLER = frozenset("the of on for and in at proceedings proc annual edition volume vol".split())
_ORDINAL_WORDS = frozenset(
    (
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth "
        "hundredth twenty thirty forty fifty sixty seventy eighty ninety"
    ).split()
)
_NUMBERISH = re.compile(r"^\d+(?:st|nd|rd|th)?$")
# Sponsors in conference names: "IEEE/CVF Conference on …" is "Conference on …".
_SPONSORS = frozenset("ieee cvf acm usenix siam rsj sigkdd sigsac".split())
# Words that make a name a sub-venue of a conference rather than the conference.
_MARKERS: dict[str, str] = {
    "workshop": "workshop",
    "workshops": "workshop",
    "findings": "findings",
    "companion": "companion",
    "extended abstracts": "extended abstracts",
    "demo": "demo",
    "demos": "demo",
    "demonstrations": "demo",
    "demonstration": "demo",
    "tutorial": "tutorial",
    "tutorials": "tutorial",
    "doctoral consortium": "doctoral consortium",
    "student research": "student research",
    "symposium": "symposium",
    "symposia": "symposium",
}
_MARKER_RE = re.compile(r"\b(" + "|".join(sorted(_MARKERS, key=len, reverse=True)) + r")\b")
# Identifiers that follow a preprint server's name: "arXiv preprint arXiv:1606.06565",
# "CoRR abs/1606.06565", "arXiv:hep-th/9901001v2".
_PREPRINT_ID = re.compile(
    r"(?:arxiv\s*:\s*)?(?:abs/)?(?:\d{4}\.\d{4,5}|[a-z][a-z.\-]+/\d{7})(?:v\d+)?", re.IGNORECASE
)
_MARKUP = re.compile(r"\\[a-zA-Z]+\s*|[{}$]")
_PARENS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
# Where a long proceedings title splits into parts: commas, semicolons, NLM's " : " and
# " = ", a dash between spaces, "@", and a colon right after a volume or year
# ("Advances in Neural Information Processing Systems 36: Annual Conference …"); other
# colons belong to the name ("Robotics: Science and Systems").
_SEGMENT = re.compile(r"[,;@]|\s[:=]\s|\s[-–—]\s|(?<=\d):")


def _words(text: str) -> list[str]:
    # "NeurIPS'21" is NeurIPS of 2021; "Women's" is one word.
    text = re.sub(r"['’](?=\d)", " ", text.replace("&", " and "))
    return ascii_words(re.sub(r"['’]", "", text))


def _key_tokens(text: str) -> tuple[str, ...]:
    """The significant words of a venue name, in order."""
    return tuple(
        w
        for w in _words(text)
        if w not in _FILLER and w not in _ORDINAL_WORDS and not _NUMBERISH.match(w)
    )


def _strip_sponsors(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in tokens if t not in _SPONSORS)


def _abbreviated(short: str, full: str) -> bool:
    # A word one letter shorter is a plural or another word, not an ISO 4 abbreviation
    # ("Cell" does not abbreviate "Cells").
    return short == full or (len(full) - len(short) >= 2 and abbreviates(short, full))


def _iso4_equal(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
    if len(ta) != len(tb):
        return False
    return all(_abbreviated(x, y) or _abbreviated(y, x) for x, y in zip(ta, tb, strict=True))


@dataclass(frozen=True)
class _Index:
    venues: dict[str, Venue]
    exact: dict[tuple[str, ...], str]
    unsponsored: dict[tuple[str, ...], str]
    by_length: dict[int, list[tuple[tuple[str, ...], str]]]
    by_key: dict[str, list[str]]
    sources: tuple[str, ...]


def _to_venue(raw: dict[str, object]) -> Venue:
    def strings(name: str) -> tuple[str, ...]:
        value = raw.get(name) or []
        assert isinstance(value, list)
        return tuple(str(v) for v in value)

    kind = str(raw["kind"])
    if kind not in KINDS:
        raise ValueError(f"venue {raw['id']}: unknown kind {kind!r}")
    short = raw.get("short")
    marker = raw.get("marker")
    return Venue(
        id=str(raw["id"]),
        name=str(raw["name"]),
        kind=kind,
        short=str(short) if short else None,
        abbreviations=strings("abbreviations"),
        names=strings("names"),
        dblp=strings("dblp"),
        part_of=strings("part_of"),
        marker=str(marker) if marker else None,
        platform=bool(raw.get("platform")),
    )


def _add(index: dict[tuple[str, ...], str], key: tuple[str, ...], venue_id: str) -> None:
    other = index.setdefault(key, venue_id)
    if other != venue_id:
        raise ValueError(f"venue name {' '.join(key)!r} is both {other} and {venue_id}")


@cache
def _index() -> _Index:
    data = json.loads(files("bib").joinpath("data/venues.json").read_text(encoding="utf-8"))
    venues: dict[str, Venue] = {}
    exact: dict[tuple[str, ...], str] = {}
    unsponsored: dict[tuple[str, ...], str] = {}
    by_length: dict[int, list[tuple[tuple[str, ...], str]]] = {}
    by_key: dict[str, list[str]] = {}
    for raw in data["venues"]:
        venue = _to_venue(raw)
        if venue.id in venues:
            raise ValueError(f"venue {venue.id} listed twice")
        venues[venue.id] = venue
        for name in venue.all_names():
            tokens = _key_tokens(name)
            if not tokens:
                continue
            _add(exact, tokens, venue.id)
            by_length.setdefault(len(tokens), []).append((tokens, venue.id))
        for key in venue.dblp:
            by_key.setdefault(key, []).append(venue.id)
    # Without sponsors only where that stays unambiguous: a conference's name minus
    # "IEEE" must not become another venue's name.
    for venue in venues.values():
        if venue.kind not in ("conference", "workshop"):
            continue
        for name in venue.all_names():
            tokens = _strip_sponsors(_key_tokens(name))
            # One word left ("Multimedia", "Security") names no venue on its own.
            if len(tokens) >= 2 and exact.get(tokens, venue.id) == venue.id:
                _add(unsponsored, tokens, venue.id)
    for venue in venues.values():
        for parent in venue.part_of:
            if parent not in venues:
                raise ValueError(f"venue {venue.id} is part of unknown venue {parent}")
    return _Index(venues, exact, unsponsored, by_length, by_key, tuple(data["sources"]))


def all_venues() -> list[Venue]:
    """Every venue of the table."""
    return list(_index().venues.values())


def venue_sources() -> tuple[str, ...]:
    """Where the table's facts come from."""
    return _index().sources


def venue_by_id(venue_id: str) -> Venue | None:
    return _index().venues.get(venue_id)


def venues_for_key(key: str) -> list[Venue]:
    """The venues DBLP files under a venue key ("conf/nips", or a record key such as
    "conf/nips/AbbasS21"): main venues first."""
    parts = key.strip().strip("/").split("/")
    if len(parts) < 2:
        return []
    index = _index()
    found = [index.venues[v] for v in index.by_key.get("/".join(parts[:2]).lower(), [])]
    return sorted(found, key=lambda v: bool(v.part_of))


def _exact(text: str) -> Venue | None:
    """The venue a whole name (or part of one) denotes, without splitting it."""
    index = _index()
    tokens = _key_tokens(text)
    if not tokens:
        return None
    venue_id = index.exact.get(tokens) or index.unsponsored.get(_strip_sponsors(tokens))
    if venue_id is None:
        venue_id = _by_abbreviation(tokens)
    return index.venues[venue_id] if venue_id else None


def _by_abbreviation(tokens: tuple[str, ...]) -> str | None:
    # One word is an acronym as often as an abbreviation ("ACM" would abbreviate
    # "ACMMM"): single-word abbreviations are in the table itself ("Nat.").
    if len(tokens) < 2:
        return None
    index = _index()
    matches: set[str] = set()
    for candidates in (tokens, _strip_sponsors(tokens)):
        for name_tokens, venue_id in index.by_length.get(len(candidates), []):
            if _iso4_equal(candidates, name_tokens):
                matches.add(venue_id)
        if matches:
            break
    # An abbreviation that fits two venues names neither.
    return matches.pop() if len(matches) == 1 else None


def _clean(name: str) -> str:
    text = _MARKUP.sub(" ", name)
    text = _PREPRINT_ID.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def _parentheticals(text: str) -> list[str]:
    return [a or b for a, b in _PARENS.findall(text)]


def _segments(text: str) -> Iterator[str]:
    for part in _SEGMENT.split(text):
        part = part.strip()
        if part:
            yield part


def _main_venue(text: str) -> Venue | None:
    """The venue a name without sub-venue markers denotes, whole or by its parts."""
    venue = _exact(text)
    if venue:
        return venue
    bare = _PARENS.sub(" ", text)
    venue = _exact(bare)
    if venue:
        return venue
    for part in _parentheticals(text):
        venue = _exact(part)
        if venue:
            return venue
    for part in _segments(bare):
        venue = _exact(part)
        if venue:
            return venue
    return None


def _marker(text: str) -> tuple[str, int, int] | None:
    match = _MARKER_RE.search(text.lower())
    if not match:
        return None
    return _MARKERS[match.group(1)], match.start(), match.end()


def _parent(head: str, tail: str) -> Venue | None:
    """The main venue named around a sub-venue marker: before it ("ICML 2021 Workshop
    on …") or after it ("Findings of EMNLP", "Workshop on … at NeurIPS")."""
    candidates: list[str] = [head] if head.strip() else []
    candidates.append(tail)
    candidates.extend(re.split(r"\bat\b|\bco-located with\b|\bheld with\b", tail, flags=re.I)[1:])
    for text in candidates:
        venue = _main_venue(text)
        if venue and not venue.part_of and not venue.platform:
            return venue
    return None


def _sub_venue(text: str, marker: str, start: int, end: int) -> Venue | None:
    head, tail = text[:start], text[end:]
    parent = _parent(head, tail)
    if parent is None:
        return None
    for venue in _index().venues.values():
        if venue.marker == marker and parent.id in venue.part_of:
            return venue
    # A sub-venue the table does not list: kept apart from the conference and from
    # other workshops by its topic ("ICML Workshop on Theoretical Foundations of …").
    topic = " ".join(_key_tokens(tail)) if not _exact(tail) else ""
    label = parent.short or parent.name
    return Venue(
        id=f"{parent.id}/{marker}" + (f":{topic}" if topic else ""),
        name=f"{label} {marker}" + (f" on {topic}" if topic else ""),
        kind="workshop" if marker == "workshop" else parent.kind,
        part_of=(parent.id,),
        marker=marker,
        in_table=False,
    )


@lru_cache(maxsize=65536)
def canonical_venue(name: str | None) -> Venue | None:
    """The venue a name denotes: the table's entry, a workshop of a known conference
    that the table does not list (``in_table`` False), or None when unknown."""
    if not name or not name.strip():
        return None
    text = _clean(name)
    if not text:
        # Only an identifier was left out: "arXiv:2101.00001" is arXiv.
        return _exact("arXiv") if _PREPRINT_ID.search(name) else None
    venue = _exact(text) or _exact(_PARENS.sub(" ", text))
    if venue:
        return venue
    marked = _marker(text)
    if marked:
        return _sub_venue(text, *marked)
    return _main_venue(text)


def is_known_venue(name: str | None) -> bool:
    """Whether the table knows the venue (a workshop of a known conference that the
    table does not list by name is not known: it may not exist)."""
    venue = canonical_venue(name)
    return venue is not None and venue.in_table


def is_preprint_server(name: str | None) -> bool:
    """Whether a name is a preprint server's (arXiv, CoRR, bioRxiv, medRxiv, SSRN,
    Research Square, OpenReview, …), with or without the preprint's identifier."""
    venue = canonical_venue(name)
    return venue is not None and venue.kind == "preprint-server"


def known_names(venues: Iterable[Venue]) -> list[str]:
    """Every name of some venues, for messages and searches."""
    return [name for venue in venues for name in venue.all_names()]
