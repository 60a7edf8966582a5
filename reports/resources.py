"""Where the bundled templates and the CSL style live.

The repository's top-level ``templates/`` folder ships inside the wheel as
``reports/templates`` (pyproject ``force-include``); an editable install reads it
from the repository instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
# The one file every candidate folder must hold to count as the template folder.
_MARKER = "report.html.j2"


@cache
def templates_dir() -> Path:
    """The folder holding the built-in report templates and the CSL style."""
    candidates = (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parent / "templates")
    for candidate in candidates:
        if (candidate / _MARKER).is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"The report templates are missing (looked in {searched}). Reinstall evidence."
    )
