"""The boundaries of docs/architecture.md, proved on the source (no import is executed).

Every `import` statement of evidence/, bib/ and reports/ counts, at module level or inside
a function: a function-level import is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("evidence", "bib", "reports")
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


@cache
def _tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"), filename=str(modules()[name]))


def imported_names(name: str) -> Iterator[str]:
    """Every dotted name the module imports (`from a.b import c` gives `a.b.c` when that
    is one of our modules, else `a.b`), with relative imports made absolute."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in modules() else base


def internal_imports(name: str) -> set[str]:
    out = set()
    for imported in imported_names(name):
        # the longest of our modules that the name is or lies inside
        parts = imported.split(".")
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in modules():
                if candidate != name:
                    out.add(candidate)
                break
    return out


def _top(imported: str) -> str:
    return imported.split(".")[0]


def test_the_layering_sees_every_module() -> None:
    names = modules()
    assert {"evidence.cli", "evidence.store", "bib.http", "reports.render"} <= set(names)
    assert "bib.http" in internal_imports("bib.services.crossref")


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_longer_than_600_lines(name: str) -> None:
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{modules()[name]} has {lines} lines; split it along a seam"


def test_no_import_circle() -> None:
    graph = {name: internal_imports(name) for name in modules()}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def _importers(top_level: str) -> dict[str, set[str]]:
    return {
        name: {i for i in imported_names(name) if _top(i) == top_level}
        for name in modules()
        if any(_top(i) == top_level for i in imported_names(name))
    }


def _inside(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_only_bib_http_imports_requests() -> None:
    outside = {n for n in _importers("requests") if not _inside(n, "bib.http")}
    outside |= {n for n in _importers("requests_cache") if not _inside(n, "bib.http")}
    assert not outside


def test_only_the_store_touches_sqlite_utils_and_the_connection() -> None:
    assert not {n for n in _importers("sqlite_utils") if not _inside(n, "evidence.store")}
    reaching_in = []
    for name, path in modules().items():
        if _inside(name, "evidence.store"):
            continue
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.Attribute) and node.attr in {"_db", "conn"}:
                reaching_in.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "db"
                and isinstance(node.value, ast.Name)
                and "store" in node.value.id
            ):
                reaching_in.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not reaching_in, "use Store's methods, not its connection: " + ", ".join(reaching_in)


def test_store_has_no_public_connection(tmp_path: Path) -> None:
    from evidence.store import Store

    store = Store(tmp_path / "e.db")
    try:
        assert not hasattr(store, "db") and not hasattr(store, "conn")
    finally:
        store.close()


def test_bib_stands_alone_and_reports_is_pure() -> None:
    for name in modules():
        tops = {_top(i) for i in imported_names(name)}
        if _inside(name, "bib"):
            assert not tops & {"evidence", "reports"}, name
        if _inside(name, "reports"):
            # renders a plain model: no database, no network, no application code
            assert not tops & {"evidence", "bib", "requests", "sqlite3", "sqlite_utils"}, name


def test_only_the_cli_prints_and_parses_arguments() -> None:
    for top in ("typer", "rich", "click"):
        for name in _importers(top):
            assert _inside(name, "evidence.cli"), f"{name} imports {top}"
    for name in modules():
        if not _inside(name, "evidence.cli"):
            assert not any(_inside(i, "evidence.cli") for i in imported_names(name)), name


def test_reading_and_extracting_are_pure() -> None:
    """Document -> text and structure -> claims and mentions: no database, no network,
    nothing of the later steps."""
    later = ("evidence.store", "evidence.ingest", "evidence.library", "evidence.resolve")
    for name in modules():
        if _inside(name, "evidence.read", "evidence.extract"):
            for imported in imported_names(name):
                assert not _inside(imported, "bib.http", "bib.services", *later), (
                    f"{name} imports {imported}"
                )
                assert _top(imported) not in {"requests", "sqlite3", "sqlite_utils"}, name
        if _inside(name, "evidence.read"):
            assert not any(_inside(i, "evidence.extract") for i in imported_names(name)), name


def test_services_are_reached_through_bib_http_only() -> None:
    for name in modules():
        if _inside(name, "bib.services"):
            tops = {_top(i) for i in imported_names(name)}
            assert "urllib3" not in tops and "http" not in tops, name
