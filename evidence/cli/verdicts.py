"""What `verify` prints, gathered while the references are checked.

A library of a million studies gets a million verdicts: they wait in temporary files,
not in memory, until the counts that come before them in the output are known. With
--json that is the verdicts, reasons and references of DESIGN.md's shape; on a terminal
the references that are not verified, grouped by verdict, with their fields.
"""

from __future__ import annotations

import json
import tempfile
from types import TracebackType
from typing import IO, Any

from evidence.cli.context import out
from evidence.cli.listing import ArrayFile, ObjectFile, write_json

VERDICT_STYLE = {
    "verified": "green",
    "mismatch": "yellow",
    "not_found": "red",
    "retracted": "red",
    "unverified": "dim",
}
# Verdicts listed on a terminal, in this order. Each fails `verify` (exit 1): the
# first three because the reference is wrong, the last because it could not be checked.
PROBLEM_ORDER = ("not_found", "mismatch", "retracted", "unverified")


class VerdictFiles:
    """Each verdict as `verify` makes it (``evidence.verify.Verdicts``), kept on disk."""

    def __init__(self, *, as_json: bool):
        self.as_json = as_json
        self.counts: dict[str, int] = {}
        self.notices: list[str] = []
        self.skipped_fresh = 0
        self._verdicts, self._reasons = ObjectFile(1), ObjectFile(1)
        self._references = ArrayFile(1)
        # verdict -> one JSON line a reference: the lines printed for it.
        self._problems: dict[str, IO[str]] = {}

    def __enter__(self) -> VerdictFiles:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for file in (
            self._verdicts.file,
            self._reasons.file,
            self._references.file,
            *self._problems.values(),
        ):
            file.close()

    @property
    def checked(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> bool:
        """Whether a reference is wrong or could not be checked."""
        return any(self.counts.get(v) for v in PROBLEM_ORDER)

    def add(self, key: str, check: dict[str, Any]) -> None:
        status, reason = check["verdict"], check.get("reason")
        self.counts[status] = self.counts.get(status, 0) + 1
        if self.as_json:
            self._verdicts.put(key, status)
            if reason:
                self._reasons.put(key, reason)
            self._references.add(check)
        elif status in PROBLEM_ORDER:
            file = self._problems.get(status)
            if file is None:
                file = self._problems[status] = tempfile.TemporaryFile("w+", encoding="utf-8")
            file.write(json.dumps(_problem_lines(key, status, check)) + "\n")

    def print_json(self) -> None:
        write_json(
            {
                "verdicts": self._verdicts.streamed(),
                "reasons": self._reasons.streamed(),
                "skipped_fresh": self.skipped_fresh,
                "counts": self.counts,
                "references": self._references.streamed(),
            }
        )

    def print_problems(self) -> None:
        """One line per reference that is not verified, grouped by verdict, with its
        fields."""
        for status in PROBLEM_ORDER:
            file = self._problems.get(status)
            if file is None:
                continue
            out.print(f"[{VERDICT_STYLE[status]}]{status}[/] ({self.counts[status]})")
            file.seek(0)
            for line in file:
                for text in json.loads(line):
                    out.print(text, markup=False)


def _problem_lines(key: str, status: str, check: dict[str, Any]) -> list[str]:
    likely = check.get("likely")
    tag = f" [likely {likely}]" if likely and status == "mismatch" else ""
    lines = [f"  {key}{tag}: {check.get('reason') or ''}"]
    for f in check.get("fields") or []:
        lines.append(
            f"      {f['field']} ({f['severity']}): cited {_short(f['cited'])}; "
            f"found {_short(f['found'])}" + (f" — {f['note']}" if f.get("note") else "")
        )
    return lines


def _short(value: object, width: int = 90) -> str:
    text = "nothing" if value in (None, "", []) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
