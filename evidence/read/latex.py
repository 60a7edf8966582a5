"""LaTeX to a Document: includes expanded, comments stripped, the body rendered
by pylatexenc (https://pylatexenc.readthedocs.io)."""

from __future__ import annotations

import re
from pathlib import Path

from evidence.errors import DocumentError
from evidence.read.document import Document, ReadContext, Reference
from evidence.read.files import read_text_file
from evidence.read.latex_defs import expand_macros
from evidence.read.latex_macros import RESERVED_ENVIRONMENTS, RESERVED_MACROS, latex_context
from evidence.read.latex_render import LatexRenderer
from evidence.read.references import mark_references

_INCLUDE = re.compile(r"\\(input|include|subfile)\s*\{([^{}]+)\}")
# booktabs' partial rule with its trim: ``\cmidrule(lr){2-3}``.
_CMIDRULE = re.compile(r"\\cmidrule\s*(?:\[[^\]]*\])?\s*(?:\([^)]*\))?\s*\{[^{}]*\}")
# TeX's glue with its dimension: ``\hskip 0.12in``, ``\vskip -2pt plus 1fil``.
_SKIP = re.compile(
    r"\\[hv]skip\s*-?\s*[\d.]+\s*(?:pt|in|cm|mm|em|ex|bp|pc|sp|dd|cc|mu)"
    r"(?:\s*(?:plus|minus)\s*-?[\d.]+\s*(?:fill?l?|pt|in|cm|mm|em|ex))*"
)


def read_latex(text: str, context: ReadContext) -> Document:
    """The prose of a LaTeX document's body, with its ``\\input`` files (found
    beside ``context.path``, else in the working directory, and read only from inside
    that folder or ``context.allowed_roots``, symbolic links resolved), the document's
    own macros expanded (latex_defs), citation commands, table rows, and
    ``thebibliography`` entries keyed by their ``\\bibitem``."""
    from pylatexenc.latexwalker import LatexWalker

    root = context.path if context.path is not None and context.path.is_file() else None
    base = root.parent if root is not None else Path.cwd()
    includes = _Includes(base, context.allowed_roots, context.max_bytes)
    stack = (root.resolve(),) if root is not None else ()
    markup = includes.expand(_strip_tex_comments(text), base, stack)
    markup = expand_macros(markup, RESERVED_MACROS, context.max_bytes, RESERVED_ENVIRONMENTS)
    markup = _SKIP.sub(" ", _CMIDRULE.sub(" ", markup))
    begin = markup.find("\\begin{document}")
    if begin >= 0:
        end = markup.find("\\end{document}", begin)
        markup = markup[begin + len("\\begin{document}") : end if end >= 0 else len(markup)]
    try:
        walker = LatexWalker(markup, latex_context=latex_context(), tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
    except Exception as exc:  # pylatexenc gives up on some malformed input
        raise DocumentError(f"Cannot parse the LaTeX: {exc}. Check the braces.") from exc
    renderer = LatexRenderer()
    renderer.builder.start("paragraph")
    renderer.render(nodes or [])
    renderer.builder.end()
    b = renderer.builder
    doc = Document(text=b.text(), format="latex", blocks=b.blocks, warnings=includes.warnings)
    doc.citations = b.citations
    doc.links = b.links
    mark_references(doc)
    # The \bibitem keys label the entries only when each entry is one \bibitem.
    if len(renderer.bibkeys) == len(doc.references):
        doc.references = [
            Reference(r.text, r.start, r.end, key, r.surnames, r.year)
            for r, key in zip(doc.references, renderer.bibkeys, strict=True)
        ]
    return doc


def _strip_tex_comments(source: str) -> str:
    """The source without ``%`` comments (an escaped ``\\%`` stays)."""
    out: list[str] = []
    lines = source.split("\n")
    for index, line in enumerate(lines):
        cut = None
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "%":
                cut = i
                break
            i += 1
        if cut is None:
            out.append(line + ("\n" if index < len(lines) - 1 else ""))
        elif not line[:cut].strip():
            continue  # a whole-line comment vanishes with its line
        else:
            out.append(line[:cut])  # TeX joins a line ending in % with the next
    return "".join(out)


# At most this many \\input/\\include files are read for one document, however often
# each is included: a "diamond" of files that each input the next twice doubles the
# text per level, and would otherwise run for hours before reaching the size limit.
MAX_INCLUDES = 1000


class _Includes:
    """The expansion of one document's includes: the folders it may read from, the
    warnings, and the size and count budgets its whole tree shares."""

    def __init__(self, root_dir: Path, roots: tuple[Path, ...], max_bytes: int) -> None:
        self.root_dir = root_dir
        self.roots = tuple(r.resolve() for r in (root_dir, *roots))
        self.warnings: list[str] = []
        self.bytes_left = max_bytes
        self.count = 0

    def expand(self, source: str, directory: Path, stack: tuple[Path, ...]) -> str:
        """``source`` with each ``\\input``/``\\include``/``\\subfile`` replaced by its
        file, recursively; a missing file, a cycle or a file outside the allowed
        folders leaves a warning instead."""
        return _INCLUDE.sub(lambda m: self._replace(m.group(2).strip(), directory, stack), source)

    def _replace(self, name: str, directory: Path, stack: tuple[Path, ...]) -> str:
        candidates = []
        for base in (directory, self.root_dir):
            candidates.append(base / name)
            if not name.endswith(".tex"):
                candidates.append(base / (name + ".tex"))
        target = next((c for c in candidates if c.is_file()), None)
        if target is None:
            self.warnings.append(f"LaTeX file {name!r} not found")
            return " "
        resolved = target.resolve()
        if not any(resolved.is_relative_to(root) for root in self.roots):
            self.warnings.append(
                f"LaTeX include {name!r} is outside the document's folder; not read "
                "(ingest --allow-root DIR allows a folder)"
            )
            return " "
        if resolved in stack:
            self.warnings.append(f"LaTeX include cycle at {name!r}; not followed again")
            return " "
        if len(stack) > 32:
            self.warnings.append(f"LaTeX includes nested too deep at {name!r}")
            return " "
        self.count += 1
        if self.count > MAX_INCLUDES:
            raise DocumentError(
                f"LaTeX document includes more than {MAX_INCLUDES} files (counting each "
                "\\input again). Check for files that input each other"
            )
        included = _strip_tex_comments(read_text_file(resolved, max_bytes=self.bytes_left))
        self.bytes_left -= len(included)
        if self.bytes_left < 0:
            raise DocumentError("LaTeX document with its inputs is over the size limit.")
        return "\n" + self.expand(included, resolved.parent, (*stack, resolved)) + "\n"
