"""Paths given on the command line."""

from __future__ import annotations

from pathlib import Path

from evidence.errors import UsageError


def given_path(value: str, what: str) -> Path:
    """The path the user gave as ``what`` (an argument or option name). An empty one,
    often an unset shell variable, is an error: ``Path("")`` would be the current folder."""
    if not value:
        raise UsageError(f"{what} is an empty path. Give a file path (is a shell variable unset?)")
    return Path(value)
