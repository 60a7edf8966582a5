"""The bibliographic world: identifiers, works, services and formats.

This package never imports :mod:`evidence` or :mod:`reports`; it can be used on its own.
"""

from __future__ import annotations

__version__ = "0.1.0"
