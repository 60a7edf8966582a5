"""Text folding for comparisons: the one place that says when two titles, names or words
are "the same" regardless of case, accents, markup and punctuation.

``ascii_fold`` is the base of every key built from free text (citekeys, family names,
title and journal words); ``caseless`` is for names whose letters may have no ASCII
form (a Chinese surname must not fold to nothing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)


def ascii_fold(text: str) -> str:
    """``Müller-Łukasz`` → ``Muller-Lukasz``: drop accents, spell out special letters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if c.isascii())


def caseless(value: str) -> str:
    """Accent-free, case-folded text for comparing names; letters without an ASCII
    form are kept."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_WORD = re.compile(r"[a-z0-9]+")


def ascii_words(text: str) -> list[str]:
    """The lower-case ASCII words of a text: ``"Déjà-vu, 2nd ed."`` →
    ``["deja", "vu", "2nd", "ed"]``."""
    return _WORD.findall(ascii_fold(text).lower())


def abbreviates(short: str, full: str) -> bool:
    """Whether one word abbreviates the other as ISO 4 does: a prefix ("Int" for
    "International") or, from four letters on, the same first three letters and the
    rest in order ("Natl" for "National")."""
    if full.startswith(short):
        return True
    if len(short) < 4 or short[:3] != full[:3]:
        return False
    rest = iter(full[3:])
    return all(ch in rest for ch in short[3:])


# HTML/JATS tags, LaTeX commands, braces and math shifts of titles from bibliographies.
_MARKUP = re.compile(r"<[^>]+>|\\[a-zA-Z]+\s*|[{}$]")


@lru_cache(maxsize=65536)
def normalize_title(s: str | None) -> str:
    """Lower-case ASCII words separated by single spaces, without markup or punctuation.

    ``"<i>In vivo</i> {DNA} Repair: a Review."`` → ``"in vivo dna repair a review"``.
    """
    if not s:
        return ""
    return " ".join(ascii_words(_MARKUP.sub(" ", s)))


@lru_cache(maxsize=65536)
def family_key(name: str | None) -> str:
    """A family name as lower-case ASCII letters only: ``"O'Brien-Smith"`` → ``obriensmith``."""
    return re.sub(r"[^a-z]", "", ascii_fold(name or "").lower())


def title_similarity(a: str | None, b: str | None) -> float:
    """Similarity of two titles in [0, 1], tolerant of case, markup, punctuation and a
    dropped subtitle or truncation (one title is the start of the other and the shorter
    still has at least four words: slightly below an exact match)."""
    return normalized_title_similarity(normalize_title(a), normalize_title(b))


def normalized_title_similarity(na: str, nb: str) -> float:
    """``title_similarity`` of two titles already through ``normalize_title``: a caller
    comparing one title with many normalises each once."""
    if not na or not nb:
        return 0.0
    ratio = _ratio()
    best = ratio(na, nb)
    shorter, longer = sorted((na, nb), key=len)
    if len(shorter.split()) >= 4:
        # One title is the other's main title (subtitle or trailing words omitted).
        head = longer[: len(shorter)]
        best = max(best, 0.97 * ratio(shorter, head))
    return best / 100.0


@cache
def _ratio() -> Callable[[str, str], float]:
    """rapidfuzz's similarity ratio (0-100), imported when first compared: most
    commands fold text without ever comparing titles, and the import costs them time."""
    from rapidfuzz.fuzz import ratio

    return ratio
