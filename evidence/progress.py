"""How long operations report their progress, without knowing who is watching.

Library functions (import, add, verify) take a ``Progress``; the command line passes
one that draws on the terminal (evidence.cli.progress), everything else the silent
``NO_PROGRESS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Advance(Protocol):
    """Move a task's bar ``n`` steps on."""

    def __call__(self, n: int = 1) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int) -> AbstractContextManager[Advance]:
        """A task of ``total`` steps; the context gives the function that advances it."""
        ...

    def status(self, message: str) -> AbstractContextManager[None]:
        """Work whose length is not known in advance (batched lookups across services)."""
        ...


def _stand_still(n: int = 1) -> None:
    pass


class SilentProgress:
    """Reports nothing."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Advance]:
        yield _stand_still

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        yield


NO_PROGRESS: Progress = SilentProgress()
