"""The document's own macros: ``\\newcommand``, ``\\renewcommand``,
``\\providecommand``, ``\\DeclareRobustCommand``, ``\\def`` and ``\\let`` definitions,
expanded in the text before it is parsed.

Expansion works on the source text as TeX reads it: a definition is known from the
point where it appears (in the preamble, the body or an ``\\input`` file), and each use
of a defined macro is replaced by its body with the arguments put in (``#1`` … ``#9``;
a first argument in brackets when the definition gives it a default), then read again,
so macros that use other macros, and macros that wrap ``\\cite``, come out as the
commands the reader knows.

Not followed, so their uses stay as they are:

- definitions of the commands the reader handles itself (citations, headings, captions,
  glossary and cross-reference commands…): the reader keeps its own meaning for them;
- names with ``@`` (package internals), and ``\\def`` with delimited parameters;
- programming macros: bodies with conditionals (``\\if…``, ``\\else``, ``\\fi``,
  ``\\@ifnextchar``, ``\\IfBooleanTF``…), ``\\csname`` or ``\\expandafter``, whose
  result depends on tests this reader does not evaluate.

Bounded: a macro whose expansion nests more than ``MAX_DEPTH`` deep (``\\def\\a{\\a}``),
more than ``MAX_EXPANSIONS`` expansions in one document, or an expanded text over the
size limit is a DocumentError: TeX itself stops on such a document ("TeX capacity
exceeded").
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from evidence.errors import DocumentError

MAX_DEPTH = 64
"""Expansions inside expansions, deeper than this, are taken for a loop."""
MAX_EXPANSIONS = 100_000
"""Uses of the document's macros expanded in one document, at most."""

DEFINERS = {"newcommand", "renewcommand", "providecommand", "DeclareRobustCommand"}
ENVIRONMENT_DEFINERS = {"newenvironment", "renewenvironment"}
# biblatex's multi-citations, each written out as its one-group command:
# \parencites[see][3]{a}[4]{b} -> \parencite[see][3]{a}\parencite[4]{b}.
MULTICITES = {
    name + "s": name
    for name in (
        "cite",
        "parencite",
        "textcite",
        "autocite",
        "footcite",
        "smartcite",
        "supercite",
        "Cite",
        "Parencite",
        "Textcite",
        "Autocite",
        "Smartcite",
        "Footcite",
    )
}
_DEF = {"def", "gdef", "edef", "xdef"}
_VERBATIM = {"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment"}
_CS = re.compile(r"\\([A-Za-z@]+|.)", re.S)
_NAME = re.compile(r"[A-Za-z@]+|.", re.S)
_GROUP = re.compile(r"\\.|[{}]", re.S)
_BRACKET = re.compile(r"\\.|[{}\]]", re.S)
_PARAM = re.compile(r"#(#|[1-9])")
_PROGRAMMING = re.compile(
    r"\\(?:@?if|If|else(?![A-Za-z])|fi(?![A-Za-z])|csname|expandafter|futurelet)"
)
_DEF_PARAMS = re.compile(r"(?:#[1-9])*")


@dataclass(frozen=True)
class Definition:
    """One macro: its argument count, the default of an optional first argument
    (``None`` when every argument is mandatory) and its body. A ``literal`` body is
    written out without being read again (``\\let`` to a command that is not the
    document's own keeps that command's original meaning)."""

    nargs: int
    default: str | None
    body: str
    literal: bool = False


class _Frame:
    __slots__ = ("depth", "pos", "text")

    def __init__(self, text: str, depth: int) -> None:
        self.text = text
        self.pos = 0
        self.depth = depth


# A place in the input: (index of the frame in the stack, offset in its text).
_Cursor = tuple[int, int]


def expand_macros(
    source: str,
    reserved: Collection[str],
    max_chars: int,
    reserved_environments: Collection[str] = (),
) -> str:
    """``source`` with the document's definitions removed and the uses of its macros
    and environments expanded; up to ``\\begin{document}`` definitions are only
    collected. ``reserved``, ``reserved_environments``: names whose definitions are
    not followed."""
    begin = source.find("\\begin{document}")
    expander = _Expander(reserved, max_chars, reserved_environments)
    if begin < 0:
        return expander.run(source, expand=True)
    preamble = expander.run(source[:begin], expand=False)
    return preamble + expander.run(source[begin:], expand=True)


class _Expander:
    def __init__(
        self, reserved: Collection[str], max_chars: int, reserved_environments: Collection[str]
    ) -> None:
        self.reserved = reserved
        self.reserved_environments = set(reserved_environments) | {"document"}
        self.max_chars = max_chars
        self.defs: dict[str, Definition] = {}
        # name -> (the begin code with its arguments, the end code)
        self.environments: dict[str, tuple[Definition, str]] = {}
        self.expansions = 0
        self.written = 0
        self.stack: list[_Frame] = []
        self.out: list[str] = []

    # -- the main loop ---------------------------------------------------------------

    def run(self, text: str, *, expand: bool) -> str:
        self.stack = [_Frame(text, 0)]
        self.out = []
        while self.stack:
            frame = self.stack[-1]
            at = frame.text.find("\\", frame.pos)
            if at < 0:
                self._write(frame.text[frame.pos :])
                self.stack.pop()
                continue
            self._write(frame.text[frame.pos : at])
            match = _CS.match(frame.text, at)
            if match is None:  # a backslash ending the frame
                self._write("\\")
                frame.pos = at + 1
                continue
            frame.pos = match.end()
            name = match.group(1)
            if name in DEFINERS:
                self._newcommand(name, match.group(0))
            elif name in _DEF:
                self._def(match.group(0))
            elif name == "let":
                self._let(match.group(0))
            elif name == "verb":
                self._verb(frame, match.group(0))
            elif name in ENVIRONMENT_DEFINERS:
                self._newenvironment(match.group(0))
            elif name == "begin" and self._verbatim(frame):
                continue
            elif expand and name in ("begin", "end") and self._environment(name, frame):
                continue
            elif expand and name in MULTICITES:
                self._multicite(name, frame.depth)
            elif expand and name in self.defs:
                self._expand(name, self.defs[name], frame.depth)
            else:
                self._write(match.group(0))
        return "".join(self.out)

    def _write(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.written += len(text)
            if self.written > self.max_chars:
                raise DocumentError(
                    "LaTeX document with its macros expanded is over the size limit. "
                    "Check the \\newcommand and \\def definitions for a macro that "
                    "multiplies itself."
                )

    def _expand(self, name: str, definition: Definition, depth: int) -> None:
        """Replaces the use of ``name`` (read up to its name) by ``definition``'s body
        with the arguments that follow put in."""
        if definition.literal:
            self._write(definition.body)
            return
        args: list[str] = []
        cursor = self._cursor()
        if definition.default is not None:
            found = self._optional(cursor)
            if found is None:
                args.append(definition.default)
            else:
                args.append(found[0])
                cursor = found[1]
        while len(args) < definition.nargs:
            found = self._argument(cursor)
            if found is None:  # missing or unbalanced: the use stays as written
                self._write("\\" + name)
                return
            args.append(found[0])
            cursor = found[1]
        self._commit(cursor)
        self.expansions += 1
        if self.expansions > MAX_EXPANSIONS:
            raise DocumentError(
                f"LaTeX document expands its macros more than {MAX_EXPANSIONS} times "
                f"(last \\{name}). Check the definitions for a loop."
            )
        if depth + 1 > MAX_DEPTH:
            raise DocumentError(
                f"LaTeX macro \\{name} expands into itself (nested more than {MAX_DEPTH} "
                "deep). Check its definition."
            )
        body = _PARAM.sub(
            lambda m: "#" if m.group(1) == "#" else _nth(args, m.group(1)), definition.body
        )
        if body:
            self.stack.append(_Frame(body, depth + 1))

    # -- definitions -----------------------------------------------------------------

    def _newcommand(self, command: str, written: str) -> None:
        cursor = self._skip_spaces(self._cursor())
        if self._char(cursor) == "*":
            cursor = self._skip_spaces(self._advance(cursor, 1))
        found = self._macro_name(cursor)
        if found is None:
            self._write(written)
            return
        name, cursor = found
        nargs, default = 0, None
        count = self._optional(cursor)
        if count is not None:
            if not count[0].strip().isdigit():
                self._write(written)
                return
            nargs, cursor = min(int(count[0].strip()), 9), count[1]
            optional = self._optional(cursor)
            if optional is not None:
                default, cursor = optional
        body = self._group(self._skip_spaces(cursor))
        if body is None:
            self._write(written)
            return
        self._commit(body[1])
        if command == "providecommand" and name in self.defs:
            return
        self._define(name, Definition(nargs, default if nargs else None, body[0]))

    def _def(self, written: str) -> None:
        found = self._macro_name(self._cursor(), braced=False)
        if found is None:
            self._write(written)
            return
        name, cursor = found
        start = cursor
        params = []
        while self._char(cursor) not in ("{", ""):
            params.append(self._char(cursor))
            cursor = self._advance(cursor, 1)
            if len(params) > 40:
                break
        body = self._group(cursor) if self._char(cursor) == "{" else None
        if body is None:
            self._commit(start)  # the name is read; what follows stays text
            return
        self._commit(body[1])
        parameters = "".join(params)
        if not _DEF_PARAMS.fullmatch(parameters) or parameters != "".join(
            f"#{i}" for i in range(1, len(parameters) // 2 + 1)
        ):
            return  # delimited parameters: not followed
        self._define(name, Definition(len(parameters) // 2, None, body[0]))

    def _let(self, written: str) -> None:
        found = self._macro_name(self._cursor(), braced=False)
        if found is None:
            self._write(written)
            return
        name, cursor = found
        cursor = self._skip_spaces(cursor)
        if self._char(cursor) == "=":
            cursor = self._skip_spaces(self._advance(cursor, 1))
        target = self._macro_name(cursor, braced=False)
        if target is None:
            self._commit(cursor)
            return
        self._commit(target[1])
        if target[0] in self.defs:
            self._define(name, self.defs[target[0]])
        else:
            self._define(name, Definition(0, None, "\\" + target[0], literal=True))

    def _newenvironment(self, written: str) -> None:
        cursor = self._skip_spaces(self._cursor())
        if self._char(cursor) == "*":
            cursor = self._advance(cursor, 1)
        name = self._group(self._skip_spaces(cursor))
        if name is None or self._char(self._skip_spaces(cursor)) != "{":
            self._write(written)
            return
        cursor = name[1]
        nargs, default = 0, None
        count = self._optional(cursor)
        if count is not None and count[0].strip().isdigit():
            nargs, cursor = min(int(count[0].strip()), 9), count[1]
            optional = self._optional(cursor)
            if optional is not None:
                default, cursor = optional
        begin = self._group(self._skip_spaces(cursor))
        end = None if begin is None else self._group(self._skip_spaces(begin[1]))
        if begin is None or end is None:
            self._write(written)
            return
        self._commit(end[1])
        label = name[0].strip()
        if label in self.reserved_environments:
            return
        if _PROGRAMMING.search(begin[0] + end[0]):
            self.environments.pop(label, None)
            return
        self.environments[label] = (Definition(nargs, default if nargs else None, begin[0]), end[0])

    def _environment(self, command: str, frame: _Frame) -> bool:
        """``\\begin{name}`` or ``\\end{name}`` of one of the document's environments
        replaced by its code; False when the environment is not the document's own."""
        match = re.match(r"\s*\{([^{}]*)\}", frame.text[frame.pos : frame.pos + 80])
        if match is None or match.group(1).strip() not in self.environments:
            return False
        begin, end = self.environments[match.group(1).strip()]
        frame.pos += match.end()
        if command == "end":
            self._expand("end{" + match.group(1) + "}", Definition(0, None, end), frame.depth)
        else:
            self._expand("begin{" + match.group(1) + "}", begin, frame.depth)
        return True

    def _multicite(self, name: str, depth: int) -> None:
        cursor = self._cursor()
        for _ in range(2):  # the global (prenote)(postnote)
            after = self._skip_spaces(cursor)
            if self._char(after) != "(":
                break
            index, pos = self._normal(after)
            close = self.stack[index].text.find(")", pos)
            if close < 0:
                break
            cursor = (index, close + 1)
        pieces: list[str] = []
        while True:
            notes: list[str] = []
            at = cursor
            while len(notes) < 2:
                optional = self._optional(at)
                if optional is None:
                    break
                notes.append(optional[0])
                at = optional[1]
            at = self._skip_spaces(at)
            keys = self._group(at) if self._char(at) == "{" else None
            if keys is None:
                break
            pieces.append(
                "\\" + MULTICITES[name] + "".join(f"[{n}]" for n in notes) + "{" + keys[0] + "}"
            )
            cursor = keys[1]
        if not pieces:
            self._write("\\" + name)
            return
        self._commit(cursor)
        self.stack.append(_Frame("".join(pieces), depth + 1))

    def _define(self, name: str, definition: Definition) -> None:
        if name in self.reserved or "@" in name or len(name) == 1 and not name.isalpha():
            return
        if not definition.literal and _PROGRAMMING.search(definition.body):
            self.defs.pop(name, None)
            return
        self.defs[name] = definition

    def _verb(self, frame: _Frame, written: str) -> None:
        """``\\verb|…|`` is copied as it is."""
        text, pos = frame.text, frame.pos
        if pos < len(text) and pos + 1 < len(text):
            close = text.find(text[pos], pos + 1)
            if close > 0 and "\n" not in text[pos:close]:
                self._write(written + text[pos : close + 1])
                frame.pos = close + 1
                return
        self._write(written)

    def _verbatim(self, frame: _Frame) -> bool:
        """A verbatim-like environment is copied as it is, to its ``\\end``."""
        match = re.match(r"\s*\{([^{}]*)\}", frame.text[frame.pos : frame.pos + 80])
        if match is None or match.group(1) not in _VERBATIM:
            return False
        end = "\\end{" + match.group(1) + "}"
        close = frame.text.find(end, frame.pos)
        stop = len(frame.text) if close < 0 else close + len(end)
        self._write("\\begin" + frame.text[frame.pos : stop])
        frame.pos = stop
        return True

    # -- reading ahead across frames ---------------------------------------------------
    # A macro's arguments may lie beyond the expansion it ends: the cursor walks down
    # the stack, and nothing is consumed until ``_commit``.

    def _cursor(self) -> _Cursor:
        index = len(self.stack) - 1
        return index, self.stack[index].pos

    def _normal(self, cursor: _Cursor) -> _Cursor:
        index, pos = cursor
        while index >= 0 and pos >= len(self.stack[index].text):
            index -= 1
            if index >= 0:
                pos = self.stack[index].pos
        return index, pos

    def _char(self, cursor: _Cursor) -> str:
        index, pos = self._normal(cursor)
        return self.stack[index].text[pos] if index >= 0 else ""

    def _advance(self, cursor: _Cursor, count: int) -> _Cursor:
        index, pos = self._normal(cursor)
        return index, pos + count

    def _skip_spaces(self, cursor: _Cursor) -> _Cursor:
        while True:
            index, pos = self._normal(cursor)
            if index < 0:
                return index, pos
            text = self.stack[index].text
            end = pos
            while end < len(text) and text[end] in " \t\n":
                end += 1
            if end < len(text):
                return index, end
            cursor = (index, end)

    def _commit(self, cursor: _Cursor) -> None:
        index, pos = cursor
        while len(self.stack) - 1 > max(index, 0):
            self.stack.pop()
        if index >= 0:
            self.stack[index].pos = pos
        else:
            self.stack[0].pos = len(self.stack[0].text)

    def _macro_name(self, cursor: _Cursor, *, braced: bool = True) -> tuple[str, _Cursor] | None:
        """A ``\\name`` (or ``{\\name}``) at the cursor, spaces before it skipped."""
        cursor = self._skip_spaces(cursor)
        if braced and self._char(cursor) == "{":
            inner = self._group(cursor)
            if inner is None:
                return None
            match = re.fullmatch(r"\s*\\([A-Za-z@]+|.)\s*", inner[0], re.S)
            return (match.group(1), inner[1]) if match else None
        if self._char(cursor) != "\\":
            return None
        index, pos = self._normal(cursor)
        match = _NAME.match(self.stack[index].text, pos + 1)
        if match is None:
            return None
        return match.group(0), (index, match.end())

    def _argument(self, cursor: _Cursor) -> tuple[str, _Cursor] | None:
        """A mandatory argument: a braced group without its braces, or one token."""
        cursor = self._skip_spaces(cursor)
        char = self._char(cursor)
        if char == "":
            return None
        if char == "{":
            return self._group(cursor)
        if char == "\\":
            name = self._macro_name(cursor, braced=False)
            return None if name is None else ("\\" + name[0], name[1])
        if char == "}":
            return None
        return char, self._advance(cursor, 1)

    def _group(self, cursor: _Cursor) -> tuple[str, _Cursor] | None:
        """The text of the braced group that opens at the cursor, and the cursor after
        it; None when the group does not close."""
        return self._balanced(self._advance(cursor, 1), _GROUP, "}")

    def _optional(self, cursor: _Cursor) -> tuple[str, _Cursor] | None:
        """The text of a ``[…]`` argument after spaces, or None when there is none."""
        cursor = self._skip_spaces(cursor)
        if self._char(cursor) != "[":
            return None
        return self._balanced(self._advance(cursor, 1), _BRACKET, "]")

    def _balanced(
        self, cursor: _Cursor, pattern: re.Pattern[str], close: str
    ) -> tuple[str, _Cursor] | None:
        depth = 0
        pieces: list[str] = []
        index, pos = self._normal(cursor)
        while index >= 0:
            text = self.stack[index].text
            for match in pattern.finditer(text, pos):
                token = match.group(0)
                if token == "{":
                    depth += 1
                elif token == "}" and depth > 0:
                    depth -= 1
                elif token == close and depth == 0:
                    pieces.append(text[pos : match.start()])
                    return "".join(pieces), (index, match.end())
                elif token == "}":  # an unmatched closing brace ends the search
                    return None
            pieces.append(text[pos:])
            index -= 1
            if index >= 0:
                pos = self.stack[index].pos
        return None


def _nth(args: list[str], digit: str) -> str:
    number = int(digit)
    return args[number - 1] if number <= len(args) else ""
