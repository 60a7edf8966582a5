"""LaTeX to a Document: includes expanded, comments stripped, the body rendered
by pylatexenc (https://pylatexenc.readthedocs.io)."""

from __future__ import annotations

import re
from pathlib import Path

from evidence.errors import DocumentError
from evidence.read.document import Document, ReadContext, Reference
from evidence.read.files import read_text_file
from evidence.read.latex_macros import latex_context
from evidence.read.latex_render import LatexRenderer
from evidence.read.references import mark_references

_INCLUDE = re.compile(r"\\(input|include|subfile)\s*\{([^{}]+)\}")


def read_latex(text: str, context: ReadContext) -> Document:
    """The prose of a LaTeX document's body, with its ``\\input`` files (found
    beside ``context.path``, else in the working directory), citation commands and
    ``thebibliography`` entries keyed by their ``\\bibitem``."""
    from pylatexenc.latexwalker import LatexWalker

    root = context.path if context.path is not None and context.path.is_file() else None
    base = root.parent if root is not None else Path.cwd()
    warnings: list[str] = []
    markup = _strip_tex_comments(text)
    stack = (root.resolve(),) if root is not None else ()
    markup = _expand_includes(markup, base, base, stack, warnings, [context.max_bytes])
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
    doc = Document(text=b.text(), format="latex", blocks=b.blocks, warnings=warnings)
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


def _expand_includes(
    source: str,
    directory: Path,
    root_dir: Path,
    stack: tuple[Path, ...],
    warnings: list[str],
    budget: list[int],
) -> str:
    """The source with each ``\\input``/``\\include``/``\\subfile`` replaced by its
    file, recursively; a missing file or a cycle leaves a warning, and ``budget[0]``
    (bytes left of the size limit) is shared by the whole tree."""

    def replace(m: re.Match[str]) -> str:
        name = m.group(2).strip()
        candidates = []
        for base in (directory, root_dir):
            candidate = base / name
            candidates.append(candidate)
            if candidate.suffix != ".tex":
                candidates.append(base / (name + ".tex"))
        target = next((c for c in candidates if c.is_file()), None)
        if target is None:
            warnings.append(f"LaTeX file {name!r} not found")
            return " "
        resolved = target.resolve()
        if resolved in stack:
            warnings.append(f"LaTeX include cycle at {name!r}; not followed again")
            return " "
        if len(stack) > 32:
            warnings.append(f"LaTeX includes nested too deep at {name!r}")
            return " "
        included = _strip_tex_comments(read_text_file(target, max_bytes=budget[0]))
        budget[0] -= len(included)
        if budget[0] < 0:
            raise DocumentError("LaTeX document with its inputs is over the size limit.")
        expanded = _expand_includes(
            included, resolved.parent, root_dir, (*stack, resolved), warnings, budget
        )
        return "\n" + expanded + "\n"

    return _INCLUDE.sub(replace, source)
