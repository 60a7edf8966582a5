"""pylatexenc nodes to prose, blocks, citations and links."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bib.citekeys import normal_citekey
from evidence.read.builder import ProseBuilder
from evidence.read.document import Citation, Link
from evidence.read.latex_macros import (
    CITE_MACROS,
    DROPPED_ENVIRONMENTS,
    DROPPED_MACROS,
    FLOAT_ENVIRONMENTS,
    GLOSSARY_MACROS,
    HEADING_LEVELS,
    LAST_ARGUMENT_MACROS,
    LIST_ENVIRONMENTS,
    NARRATIVE_CITES,
    QUOTE_ENVIRONMENTS,
    REF_MACROS,
    TABLE_ENVIRONMENTS,
)

# Inline math kept as text: numbers and comparisons such as $p < 0.05$ or $5\%$.
_SIMPLE_MATH = re.compile(r"^[\d\s.,;:+\-<>=()%/]*$")


class LatexRenderer:
    """Renders pylatexenc nodes into a ProseBuilder: sections become headings,
    list items, quotes and captions their own blocks, citation commands a
    pandoc-like ``[@key, locator]`` text with a located Citation per key."""

    def __init__(self) -> None:
        from pylatexenc.latex2text import LatexNodes2Text

        self.builder = ProseBuilder()
        self.to_text = LatexNodes2Text(math_mode="remove", strict_latex_spaces=True)
        self.kind = "paragraph"
        self.list_depth = 0
        self.bibkeys: list[str] = []
        self.in_table = False

    def render(self, nodes: Iterable[Any]) -> None:
        from pylatexenc import latexwalker as lw

        for node in nodes:
            if node is None:
                continue
            if isinstance(node, lw.LatexCharsNode):
                self._chars(node.chars)
            elif isinstance(node, lw.LatexGroupNode):
                self.render(node.nodelist)
            elif isinstance(node, lw.LatexMacroNode):
                self._macro(node)
            elif isinstance(node, lw.LatexEnvironmentNode):
                self._environment(node)
            elif isinstance(node, lw.LatexMathNode):
                if node.displaytype == "inline":
                    latex = node.latex_verbatim()[1:-1].strip("$")
                    if _SIMPLE_MATH.match(latex):
                        self.builder.add(latex.replace("\\%", "%"))
            elif isinstance(node, lw.LatexSpecialsNode):
                if node.specials_chars == "&":
                    self.builder.add(" | ")
                else:
                    self.builder.add(self._safe_text(node))
            # comments were stripped before parsing

    def _safe_text(self, node: Any) -> str:
        try:
            return str(self.to_text.nodelist_to_text([node]))
        except Exception:
            return ""

    def _chars(self, chars: str) -> None:
        if self.in_table:  # a blank line does not end a table row
            self.builder.add(chars)
            return
        pieces = re.split(r"\n[ \t]*\n\s*", chars)
        for index, piece in enumerate(pieces):
            if index > 0:
                self.builder.start(self.kind, self.list_depth)
            self.builder.add(piece)

    def _args(self, node: Any) -> list[Any]:
        argd = node.nodeargd
        if argd is None or not getattr(argd, "argnlist", None):
            return []
        return list(argd.argnlist)

    def _arg_text(self, arg: Any) -> str:
        if arg is None:
            return ""
        try:
            return re.sub(r"\s+", " ", str(self.to_text.nodelist_to_text([arg]))).strip()
        except Exception:
            return ""

    def _macro(self, node: Any) -> None:
        name = node.macroname
        args = self._args(node)
        b = self.builder
        if name in CITE_MACROS:
            self._cite(node, args)
        elif name in HEADING_LEVELS:
            b.start("heading", HEADING_LEVELS[name])
            if args:
                self.render([args[-1]])
            b.end()
            b.start(self.kind, self.list_depth)
        elif name in GLOSSARY_MACROS:
            label = self._arg_text(args[1]) if len(args) > 1 else ""
            shown = label.upper() if name not in ("acrlong", "acl") else label
            if name.endswith("pl") or name == "acp":
                shown += "s"
            b.add(shown)
        elif name == "item":
            b.start("list_item", self.list_depth)
            if args and args[0] is not None:
                self.render([args[0]])
                b.add(" ")
        elif name in ("caption", "footnote"):
            if name == "caption":
                b.start("paragraph")
            else:
                b.add(" (")
            if args:
                self.render([args[-1]])
            if name == "caption":
                b.end()
                b.start(self.kind, self.list_depth)
            else:
                b.add(")")
        elif name == "href" and len(args) == 2:
            target = self._arg_text(args[0])
            mark = b.mark()
            self.render([args[1]])
            start, end = b.span_since(mark)
            if target and end > start:
                b.links.append(Link(target, start, end))
        elif name == "url" and args:
            target = args[0].latex_verbatim()[1:-1] if args[0] is not None else ""
            mark = b.mark()
            b.add(target)
            start, end = b.span_since(mark)
            if target and end > start:
                b.links.append(Link(target, start, end))
        elif name == "par":
            b.start(self.kind, self.list_depth)
        elif name in LAST_ARGUMENT_MACROS:
            if args and args[-1] is not None:
                self.render([args[-1]])
        elif name in REF_MACROS:
            b.add("??")
        elif name in DROPPED_MACROS:
            if name == "xspace" and node.macro_post_space:
                b.add(" ")
        elif args:
            # Formatting commands: their text arguments are prose.
            rendered_any = False
            for arg in args:
                if arg is not None and hasattr(arg, "nodelist"):
                    self.render(arg.nodelist)
                    rendered_any = True
            if not rendered_any:
                b.add(self._safe_text(node))
        else:
            b.add(self._safe_text(node))
            if node.macro_post_space:
                b.add(" ")

    def _cite(self, node: Any, args: list[Any]) -> None:
        name = node.macroname
        if name == "nocite" or not args or args[-1] is None:
            return
        keys_arg = args[-1]
        raw = keys_arg.latex_verbatim()[1:-1]
        keys = [normal_citekey(k.strip()) for k in raw.split(",") if k.strip()]
        if not keys:
            return
        # natbib and biblatex: one optional argument is the postnote (the locator),
        # two are the prenote and the postnote: \citep[see][p. 3]{key}.
        optionals = [a for a in args[1:-1] if a is not None]
        locator = self._arg_text(optionals[-1]) if optionals else ""
        prenote = self._arg_text(optionals[0]) if len(optionals) > 1 else ""
        b = self.builder
        narrative = name in NARRATIVE_CITES
        if b.in_block and b.last_char not in " ([":
            b.add(" ")
        mark = b.mark()
        pending: list[tuple[str, int, int]] = []
        if not narrative:
            b.add("[")
            if prenote:
                b.add(prenote + " ")
        for index, key in enumerate(keys):
            if index:
                b.add("; ")
            key_mark = b.mark()
            b.add("@" + key)
            start, end = b.span_since(key_mark)
            pending.append((key, start, end))
        if locator and not narrative:
            b.add(", " + locator)
        if not narrative:
            b.add("]")
        group_start = b.span_since(mark)[0]
        for key, start, end in pending:
            b.citations.append(
                Citation(
                    syntax="latex",
                    key=key,
                    start=start,
                    end=end,
                    group_start=group_start,
                    group_end=b.pos,
                    command="\\" + name,
                    locator=locator,
                )
            )
        if node.macro_post_space:
            b.add(" ")

    def _environment(self, node: Any) -> None:
        name = node.environmentname
        b = self.builder
        if name in TABLE_ENVIRONMENTS:
            self._render_table_rows(node.nodelist)
            return
        if name in DROPPED_ENVIRONMENTS and name != "thebibliography":
            return
        if name == "thebibliography":
            self._render_bibliography(node)
            return
        if name in FLOAT_ENVIRONMENTS:
            self._render_captions(node.nodelist)
            return
        saved = (self.kind, self.list_depth)
        if name in LIST_ENVIRONMENTS:
            self.list_depth += 1
            self.kind = "list_item"
        elif name in QUOTE_ENVIRONMENTS:
            self.kind = "quote"
        elif name == "abstract":
            b.start("heading", 2)
            b.add("Abstract")
            b.end()
        b.start(self.kind, self.list_depth)
        self.render(node.nodelist)
        b.end()
        self.kind, self.list_depth = saved
        b.start(self.kind, self.list_depth)

    def _render_table_rows(self, nodes: Iterable[Any]) -> None:
        """Each row of a table that has text is a ``table_row`` block, its cells
        joined by `` | ``; a caption inside the table (longtable) is a paragraph."""
        from pylatexenc import latexwalker as lw

        row: list[Any] = []
        rows: list[list[Any]] = []
        for node in nodes:
            if isinstance(node, lw.LatexMacroNode) and node.macroname in ("\\", "tabularnewline"):
                rows.append(row)
                row = []
            else:
                row.append(node)
        rows.append(row)
        b = self.builder
        for cells in rows:
            captions = [n for n in cells if _is_macro(n, "caption")]
            if captions:
                for caption in captions:
                    self._macro(caption)
                continue
            if not self._has_text(cells):
                continue
            b.start("table_row")
            self.in_table = True
            try:
                self.render(cells)
            finally:
                self.in_table = False
            b.end()
        b.start(self.kind, self.list_depth)

    def _has_text(self, nodes: list[Any]) -> bool:
        probe = LatexRenderer()
        probe.in_table = True
        probe.builder.start("table_row")
        probe.render(nodes)
        return bool(probe.builder.citations) or bool(probe.builder.text().strip(" |"))

    def _render_captions(self, nodes: Iterable[Any]) -> None:
        """A float's captions, tables and lists; its loose text (a table's notes,
        a source line) only when it cites something."""
        from pylatexenc import latexwalker as lw

        loose: list[Any] = []
        for node in nodes:
            if isinstance(node, lw.LatexMacroNode) and node.macroname == "caption":
                self._loose_text(loose)
                self._macro(node)
            elif isinstance(node, lw.LatexEnvironmentNode):
                self._loose_text(loose)
                if (
                    node.environmentname in LIST_ENVIRONMENTS
                    or node.environmentname in TABLE_ENVIRONMENTS
                ):
                    self._environment(node)
                elif node.environmentname not in DROPPED_ENVIRONMENTS:
                    self._render_captions(node.nodelist)
            elif isinstance(node, lw.LatexGroupNode) and _holds_float_parts(node.nodelist):
                self._loose_text(loose)
                self._render_captions(node.nodelist)
            elif isinstance(node, lw.LatexMacroNode) and _holds_float_parts(self._args(node)):
                # \resizebox{\textwidth}{!}{\begin{tabular}…}
                self._loose_text(loose)
                for arg in self._args(node):
                    if arg is not None and hasattr(arg, "nodelist"):
                        self._render_captions(arg.nodelist)
            else:
                loose.append(node)
        self._loose_text(loose)

    def _loose_text(self, nodes: list[Any]) -> None:
        if nodes:
            probe = LatexRenderer()
            probe.builder.start("paragraph")
            probe.render(nodes)
            if probe.builder.citations:
                self.builder.start("paragraph")
                self.render(nodes)
                self.builder.end()
                self.builder.start(self.kind, self.list_depth)
            nodes.clear()

    def _render_bibliography(self, node: Any) -> None:
        b = self.builder
        b.start("heading", 2)
        b.add("References")
        b.end()
        current_key: str | None = None
        for child in node.nodelist:
            from pylatexenc import latexwalker as lw

            if isinstance(child, lw.LatexMacroNode) and child.macroname == "bibitem":
                args = self._args(child)
                current_key = normal_citekey(self._arg_text(args[-1])) if args else ""
                b.start("reference")
                self.bibkeys.append(current_key)
                continue
            if current_key is None:
                continue
            self.render([child])
        b.end()
        b.start(self.kind, self.list_depth)


def _is_macro(node: Any, name: str) -> bool:
    from pylatexenc import latexwalker as lw

    return isinstance(node, lw.LatexMacroNode) and node.macroname == name


def _holds_float_parts(nodes: Iterable[Any] | None) -> bool:
    """Whether a caption, a table or a list lies somewhere in ``nodes``."""
    from pylatexenc import latexwalker as lw

    for node in nodes or ():
        if node is None:
            continue
        if isinstance(node, lw.LatexMacroNode):
            if node.macroname == "caption":
                return True
            argd = node.nodeargd
            if argd is not None and _holds_float_parts(getattr(argd, "argnlist", None)):
                return True
        elif isinstance(node, lw.LatexEnvironmentNode):
            name = node.environmentname
            if name in TABLE_ENVIRONMENTS or name in LIST_ENVIRONMENTS:
                return True
            if name not in DROPPED_ENVIRONMENTS and _holds_float_parts(node.nodelist):
                return True
        elif isinstance(node, lw.LatexGroupNode) and _holds_float_parts(node.nodelist):
            return True
    return False
