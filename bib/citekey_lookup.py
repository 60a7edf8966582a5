r"""Finding a citekey a user typed: as BibTeX finds it, whatever its ASCII case.

``\cite{deng2018}`` finds the entry ``Deng2018``. Keys that differ only by case (possible
in a library gathered from several files) are named, never chosen between. The library's
citekey index compares keys the same way (SQLite's NOCASE collation, evidence.store.schema).
"""

from __future__ import annotations

from collections.abc import Iterable
from string import ascii_lowercase, ascii_uppercase
from typing import Generic, TypeVar

from bib.citekeys import normal_citekey

V = TypeVar("V")

# ASCII letters only: BibTeX compares keys so, and so does SQLite's NOCASE collation,
# through which the library's citekey index finds a key typed in another case.
_ASCII_LOWER = str.maketrans(ascii_uppercase, ascii_lowercase)


def fold_citekey(key: str) -> str:
    """The form in which two citekeys are the same key: :func:`normal_citekey` with the
    ASCII letters in lower case (``Deng2018`` and ``deng2018`` are one key to BibTeX)."""
    return normal_citekey(key).translate(_ASCII_LOWER)


def case_twins_message(typed: str, keys: Iterable[str]) -> str:
    """The one line saying that ``typed`` names several keys differing only by case."""
    names = [f'"{k}"' for k in sorted(keys)]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f'citekey "{typed}" matches {listed}, which differ only by case. '
        "Use the one you mean, exactly as it is written"
    )


class CitekeyLookup(Generic[V]):
    """Values by citekey, found as BibTeX finds a key: the key as typed when it is there,
    else the one key that differs from it only by case. Keys that differ only by case
    (possible in a library gathered from several files) are never chosen between."""

    def __init__(self, pairs: Iterable[tuple[str, V]] = ()) -> None:
        self._values: dict[str, V] = {}
        self._folded: dict[str, list[str]] = {}
        for key, value in pairs:
            key = normal_citekey(key)
            if key not in self._values:
                self._folded.setdefault(fold_citekey(key), []).append(key)
            self._values[key] = value

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self.matches(key))

    def keys(self) -> list[str]:
        return list(self._values)

    def matches(self, key: str) -> list[str]:
        """The stored key ``key`` names (one), the keys it names ambiguously (several,
        each differing from it only by case), or none."""
        key = normal_citekey(key)
        if key in self._values:
            return [key]
        return list(self._folded.get(fold_citekey(key), ()))

    def find(self, key: str) -> V | None:
        """The value of the key ``key`` names; None when it names none or several."""
        found = self.matches(key)
        return self._values[found[0]] if len(found) == 1 else None
