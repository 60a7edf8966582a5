"""A faster path to the answers of the claim and mention patterns, never another answer.

The specification is the plain regular expressions of ``claims`` and the mention finders:
what ``pattern.search`` and ``pattern.finditer`` return is what extraction means. This
module only skips work that cannot change those answers, and ``tests/test_prefilter.py``
holds it to that: every prefiltered pattern is compared with its plain search on
labelled sentences, the demo article, edge cases and (when present) real manuscripts and
news. To change what is found, change a pattern; never this module.

How it saves work: most sentences match few of the patterns, and Python's ``re`` tries
every alternative of a pattern at every position before it can say "no". So each pattern
is read once, with the standard library's own parser, for what every match must contain:
sets of literal strings (or "a digit"), one of each set (its *needs*). All the literals
go into one Aho-Corasick automaton (``Screen``, pyahocorasick); one pass over a
lower-cased sentence tells which sets it meets. A *gate* is the needs of one pattern (or
alternative): while they are not all met, it cannot match and is not run.

``AnyMatch`` answers ``bool(pattern.search(text))`` by trying the pattern's alternatives,
alone or in groups, each behind its own gate, and those anchored at the start with a
single ``match``. ``AllMatches`` answers ``pattern.finditer(text)``: the pattern whole,
behind its gate.

Why the answers are the same: a literal is needed only where the parser shows it is part
of every match, and a text holding one of the characters that ``re``'s IGNORECASE folds to
ASCII letters opens every gate.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import ahocorasick

try:  # The parser that re.compile itself uses (re._parser since Python 3.11).
    _parser: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - another Python: patterns are simply run
    _parser = _c = None

# A set of literals worth a gate: not so many that the gate is always open, and each
# long enough to be rarer than the words around it.
_MAX_LITERALS = 200
_MIN_LENGTH = 3
# A pattern with more gated alternatives than this runs them in groups, or whole.
_MAX_PARTS = 12
# Characters that re's IGNORECASE matches to an ASCII letter while str.lower() does not
# lower them to it (dotless i, long s, dotted capital I and its combining dot).
_FOLD_TRAPS = ("ı", "ſ", "İ", "\u0307")
# Stands for "a digit" (what \d matches) among the literals.
DIGIT = "\\d"
_DIGIT = re.compile(r"\d")


# What a match needs: each set in the tuple must be met by one of its literals.
Needs = tuple[frozenset[str], ...]
# More sets than this add little: the best few are kept.
_MAX_NEEDS = 3


def _needs(items: Any) -> list[frozenset[str]]:
    """Sets of literals, lower-cased, such that every match of the parsed sequence
    ``items`` contains one literal of each (compared with the lower-cased text)."""
    if _c is None:
        return []
    options: list[frozenset[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            options.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _c.IN and av == [(_c.CATEGORY, _c.CATEGORY_DIGIT)]:
            close_run()
            options.append(frozenset({DIGIT}))
            continue
        if op is _c.LITERAL:
            run.append(chr(av).lower())
            continue
        close_run()
        if op is _c.SUBPATTERN:
            options.extend(_needs(av[3].data))
        elif op is _c.BRANCH:
            union = _union([_best(_needs(branch.data)) for branch in av[1]])
            if union is not None:
                options.append(union)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, item = av
            if low >= 1:
                options.extend(_needs(item.data))
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            options.extend(_needs(av.data))
        # character classes, anchors, lookarounds, back-references: no literal
    close_run()
    return [option for option in options if _useful(option)]


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    return max(options, key=_rank) if options else None


def _union(parts: list[frozenset[str] | None]) -> frozenset[str] | None:
    if any(p is None for p in parts):
        return None
    merged = frozenset().union(*(p for p in parts if p is not None))
    return merged if _useful(merged) else None


def _useful(option: frozenset[str]) -> bool:
    # Letters are ASCII only: an ASCII string in a text stays, lower-cased, in the
    # lower-cased text. Characters without case (’, digits, punctuation) stay as they are.
    return 0 < len(option) <= _MAX_LITERALS and all(
        literal == DIGIT or (len(literal) >= _MIN_LENGTH and all(map(_plain, literal)))
        for literal in option
    )


def _plain(char: str) -> bool:
    return char.isascii() or char.lower() == char == char.upper()


def _rank(option: frozenset[str]) -> tuple[int, int]:
    """Longer literals are rarer, and so are fewer of them. (A digit is about as common
    as a three-letter string.)"""
    return (min(_MIN_LENGTH if x == DIGIT else len(x) for x in option), -len(option))


def _needs_of(pattern: re.Pattern[str]) -> Needs:
    """What every match of ``pattern`` needs (empty: nothing known)."""
    if _parser is None:
        return ()
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags & ~re.U)
    except Exception:  # pragma: no cover - the pattern compiled, so this should not fail
        return ()
    options = sorted(set(_needs(parsed.data)), key=_rank, reverse=True)
    return tuple(options[:_MAX_NEEDS])


# What re.VERBOSE ignores outside character classes (the parser's own list).
_LAYOUT = frozenset(" \t\n\r\v\f")


def plain_source(pattern: re.Pattern[str]) -> str:
    """The source of ``pattern`` as it reads without re.VERBOSE: layout whitespace and
    ``#`` comments dropped, escapes and character classes kept as written."""
    source = pattern.pattern
    if not pattern.flags & re.VERBOSE:
        return source
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # "]" first in a class (after an optional "^") is a literal, not its end.
            lead = 2 if source[i + 1 : i + 2] == "^" else 1
            if source[i + lead : i + lead + 1] == "]":
                lead += 1
            out.append(source[i : i + lead])
            i += lead
            continue
        elif char == "#":
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
            continue
        elif char in _LAYOUT:
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _structure(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """The characters of a pattern's source that give it structure (parentheses and
    ``|``), with their index and the nesting depth around them; escaped characters
    and character classes are passed over."""
    depth = 0
    in_class = False
    i = start
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if source[i + 1 : i + 2] == "^":
                i += 1
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif char == "(":
            yield i, char, depth
            depth += 1
        elif char == ")":
            depth -= 1
            yield i, char, depth
        elif char == "|":
            yield i, char, depth
        i += 1


def _split_top(source: str) -> list[str]:
    """The top-level alternatives of a pattern's source text."""
    parts: list[str] = []
    start = 0
    for i, char, depth in _structure(source):
        if char == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
    parts.append(source[start:])
    return parts


def _closing(source: str, open_at: int) -> int:
    """Index of the parenthesis closing the one at ``open_at`` (-1 if unbalanced)."""
    for i, char, depth in _structure(source, open_at):
        if char == ")" and depth == 0:
            return i
    return -1


def _alternatives(source: str) -> list[str]:
    """Alternatives whose matches together are the pattern's: the top-level ones, and
    those of a ``\\b(?:a|b|c)`` group that makes up a whole alternative."""
    out: list[str] = []
    for part in _split_top(source):
        head = "\\b(?:" if part.startswith("\\b(?:") else "(?:" if part.startswith("(?:") else ""
        close = _closing(part, len(head) - 3) if head else -1
        tail = part[close + 1 :] if close >= 0 else ""
        if head and tail in ("", "\\b"):
            prefix = head[: -len("(?:")]
            inner = _split_top(part[len(head) : close])
            if len(inner) > 1:
                out.extend(f"{prefix}(?:{alt}){tail}" for alt in inner)
                continue
        out.append(part)
    return out


class Screen:
    """The literals of many patterns in one Aho-Corasick automaton (pyahocorasick): one
    pass over a lower-cased sentence tells which patterns might match it."""

    def __init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        # literal -> the numbers of the literal sets (needs) it belongs to
        self._sets_of: dict[str, set[int]] = {}
        self._count = 0
        self._ready = False

    def gate(self, needs: Needs) -> frozenset[int]:
        """A new gate that opens when each set of ``needs`` is met: the numbers that a
        scan must find, all of them."""
        numbers = []
        for literals in needs:
            numbers.append(self._count)
            for literal in literals:
                self._sets_of.setdefault(literal, set()).add(self._count)
            self._count += 1
        self._ready = False
        return frozenset(numbers)

    def scan(self, lowered: str) -> Opened:
        """What ``lowered`` (a lower-cased text) holds: the numbers of the literal sets
        it meets (None: let every pattern run)."""
        if not self._ready:
            self._automaton = ahocorasick.Automaton()
            for literal, numbers in self._sets_of.items():
                if literal != DIGIT:
                    self._automaton.add_word(literal, frozenset(numbers))
            if len(self._automaton):
                self._automaton.make_automaton()
            self._ready = True
        opened: set[int] = set()
        if not lowered.isascii() and any(trap in lowered for trap in _FOLD_TRAPS):
            return None  # see _useful and _FOLD_TRAPS
        if self._automaton.kind == ahocorasick.AHOCORASICK:
            for _end, numbers in self._automaton.iter(lowered):
                opened |= numbers
        if _DIGIT.search(lowered):
            opened |= self._sets_of.get(DIGIT, set())
        return opened


# What a scan found (see Screen.scan); a gate is open when it is a subset of it.
Opened = set[int] | None


class Unscanned:
    """Stands for "no scan given: scan the text here"."""


UNSCANNED = Unscanned()


def _grouped(gated: list[tuple[str, Needs]]) -> list[tuple[str, Needs]] | None:
    """Fewer searches for many gated alternatives: those that share their main need run
    as one search behind it, the others as one search behind all of theirs (None when
    every alternative is on its own: the pattern whole is then the cheaper search)."""
    groups: dict[frozenset[str], list[str]] = {}
    for part, needs in gated:
        groups.setdefault(needs[0], []).append(part)
    shared: list[tuple[str, Needs]] = [
        (_join(parts), (need,)) for need, parts in groups.items() if len(parts) > 1
    ]
    if not shared:
        return None
    singles = [(parts[0], need) for need, parts in groups.items() if len(parts) == 1]
    if singles:
        union = frozenset().union(*(need for _, need in singles))
        if not _useful(union):
            return None
        shared.append((_join(part for part, _ in singles), (union,)))
    return shared


def _join(parts: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in parts)


class AnyMatch:
    """``bool(pattern.search(text))``, answered faster: each of the pattern's
    alternatives runs only when the screen saw one of its literals in the text."""

    def __init__(self, pattern: re.Pattern[str], screen: Screen) -> None:
        self.pattern = pattern
        # Alternatives are cut from the source text, so a verbose pattern is first
        # written without its layout.
        source = plain_source(pattern)
        flags = pattern.flags & ~re.VERBOSE
        parts = _alternatives(source)
        if re.match(r"\(\?[aiLmsux]+\)", source):
            parts = [source]  # global inline flags belong to the whole pattern
        try:
            # Alternatives that refer to each other's groups cannot stand alone.
            compiled_parts = [re.compile(part, flags) for part in parts]
        except re.error:
            parts, compiled_parts = [source], [re.compile(source, flags)]
        anchored: list[str] = []
        gated: list[tuple[str, Needs]] = []
        rest: list[str] = []
        for part, compiled in zip(parts, compiled_parts, strict=True):
            if part.startswith("^") and not flags & re.M and len(_split_top(part)) == 1:
                anchored.append(part[1:])
                continue
            needs = _needs_of(compiled)
            if needs:
                gated.append((part, needs))
            else:
                rest.append(part)
        if len(rest) > 1:
            # Several alternatives run every time anyway: the pattern as it is is cheaper
            # than its pieces.
            anchored, gated, rest = [], [], [source]
        elif len(gated) > _MAX_PARTS:
            grouped = _grouped(gated)
            if grouped is not None and len(grouped) <= _MAX_PARTS:
                gated = grouped
            elif anchored or rest:
                anchored, gated, rest = [], [], [source]
            else:
                # The pattern whole, behind all the literals of its alternatives.
                union = frozenset().union(*(needs[0] for _, needs in gated))
                if _useful(union):
                    gated = [(source, (union,))]
                else:
                    gated, rest = [], [source]
        self._start = re.compile(_join(anchored), flags) if anchored else None
        self._gated = [(screen.gate(needs), re.compile(part, flags)) for part, needs in gated]
        self._rest = re.compile(_join(rest), flags) if rest else None

    def __call__(self, text: str, opened: Opened) -> bool:
        """Whether the pattern matches ``text``, given what the screen found in it."""
        if self._start is not None and self._start.match(text):
            return True
        for gate, compiled in self._gated:
            if (opened is None or gate <= opened) and compiled.search(text):
                return True
        return self._rest is not None and self._rest.search(text) is not None


class AllMatches:
    """``pattern.finditer``, skipped where the screen saw its needs unmet."""

    def __init__(self, pattern: re.Pattern[str], screen: Screen) -> None:
        self.pattern = pattern
        self._gate = screen.gate(_needs_of(pattern))

    def finditer(self, text: str, opened: Opened) -> Iterator[re.Match[str]]:
        if opened is not None and not self._gate <= opened:
            return iter(())
        return self.pattern.finditer(text)


# The screen of the package's sentence patterns (claim scoring and mention finding):
# one scan of a sentence serves both.
SCREEN = Screen()
