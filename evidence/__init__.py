"""evidence: find a document's claims, the studies behind them, and whether they hold up."""

from __future__ import annotations

from bib import __version__

__all__ = ["__version__"]
