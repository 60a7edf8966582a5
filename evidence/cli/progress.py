"""Progress on the terminal: rich bars and spinners behind evidence.progress.Progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.progress import Progress as RichProgress

from evidence.progress import Advance, SilentProgress


class TerminalProgress:
    """A progress bar on a terminal (rich, through Typer); silent otherwise."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console

    @classmethod
    def for_terminal(cls, console: Console) -> TerminalProgress:
        return cls(console if console.is_terminal else None)

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Advance]:
        if self.console is None or total < 2:
            with SilentProgress().task(description, total) as advance:
                yield advance
            return
        with RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.console,
            transient=True,
        ) as bar:
            task_id = bar.add_task(description, total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task_id, n)

            yield advance

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        if self.console is None:
            yield
            return
        with self.console.status(message):
            yield
