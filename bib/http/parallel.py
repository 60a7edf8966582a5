"""Running independent fetches in threads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run_parallel(calls: Sequence[Callable[[], T]], max_workers: int = 8) -> list[T | Exception]:
    """Run independent calls in threads; return each result or exception, in order.

    Meant for fetching batches from several services at once: the per-service gates and
    rate limiters of the shared :class:`~bib.http.HttpClient` bound the real concurrency.
    """
    if not calls:
        return []

    def guarded(call: Callable[[], T]) -> T | Exception:
        try:
            return call()
        except Exception as exc:  # one failure must not stop the others
            return exc

    if len(calls) == 1 or max_workers <= 1:
        return [guarded(c) for c in calls]
    pool = ThreadPoolExecutor(max_workers=min(max_workers, len(calls)))
    try:
        results = list(pool.map(guarded, calls))
    except BaseException:
        # Ctrl-C: return to the caller at once; a call still waiting for a server is not
        # joined (the command ends without it).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results
