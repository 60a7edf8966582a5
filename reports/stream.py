"""Reports of any size, written piece by piece.

A :class:`StreamedModel` is the report model whose ``claims`` and ``studies`` are
sources read in order a chunk at a time, not a list and a dict held in memory:

- ``claims``: an iterable with ``len()`` that yields claim objects in document order
  and may be iterated more than once;
- ``studies``: a mapping (study id -> study object) whose ``items()`` reads a chunk at
  a time and whose ``fetch(ids)`` gives many studies in one read;

and that carries an :class:`Outline`: what the templates look up across the whole
report (claim numbers, the claims that cite each study, the claims that lack sources),
gathered by whoever built the model in its one pass over the claims.

:func:`iter_json` and :func:`iter_report` write such a model byte for byte as
``render_json`` and ``render_report`` write the same model held in memory, holding one
chunk of claims or studies at a time (plus the outline and each shown study's formatted
reference). Only the built-in templates are rendered this way: they look claims up by
id only among the claims that lack sources, which the outline holds.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TypeVar

from . import render
from .citation import FormattedReference, format_references
from .errors import ReportError
from .jsontext import json_text, key_text
from .normalise import normal_claim, normal_study, normalise_parts
from .render import ReportIndex, _json_default, builtin_environment, context_of, template_error
from .svg import MAP_MAX_CLAIMS

# Claims or studies read, normalised and formatted per round.
CHUNK = 500
# Normalised studies kept for lookups by id: the studies of a chunk of claims and more.
STUDY_CACHE = 5_000
# Formatted references kept, so that a study shown under its claims and again under
# Studies is formatted once (about 300 bytes each).
REFERENCE_CACHE = 200_000
# Output handed on in pieces of about this many characters.
PIECE = 1 << 16

T = TypeVar("T")


class Outline:
    """What a template looks up across the whole report, gathered claim by claim.

    ``add`` takes each claim object (as the model gives it) in document order, with
    whether it lacks sources (it is then kept, without its mentions and evidence, for
    the lookups of the "Claims that lack sources" section).
    """

    def __init__(self, studies: Container[Any], map_claims: int = MAP_MAX_CLAIMS) -> None:
        self.claim_number: dict[str, int] = {}
        self.citing: dict[Any, list[str]] = {}
        self.lacking: dict[str, dict[str, Any]] = {}
        # the text of each claim the evidence map draws (the first ones with a cell)
        self.texts: dict[str, str] = {}
        self._studies = studies
        self._map_left = map_claims

    def add(self, raw: Mapping[str, Any], lacking: bool) -> None:
        position = len(self.claim_number) + 1
        claim_id = str(raw.get("id") or f"claim-{position}")
        self.claim_number[claim_id] = position
        evidence = [link for link in raw.get("evidence") or [] if isinstance(link, Mapping)]
        mentions = [m for m in raw.get("mentions") or [] if isinstance(m, Mapping)]
        ids = [link.get("study") for link in evidence] + [m.get("study") for m in mentions]
        for sid in dict.fromkeys(ids):
            if sid in self._studies:
                self.citing.setdefault(sid, []).append(claim_id)
        if lacking:
            claim = normal_claim(raw, position)
            keep = ("id", "document", "index", "text", "status", "checkworthiness", "reasons")
            self.lacking[claim_id] = {key: claim[key] for key in keep}
        if self._map_left and any(link.get("study") in self._studies for link in evidence):
            self._map_left -= 1
            self.texts[claim_id] = str(normal_claim(raw, position)["text"])


class StreamedModel(dict):  # type: ignore[type-arg]
    """The report model with lazy ``claims`` and ``studies`` and their :class:`Outline`."""

    def __init__(self, model: Mapping[str, Any], outline: Outline) -> None:
        super().__init__(model)
        self.outline = outline


# --- JSON --------------------------------------------------------------------------------


def _streamed(value: Any) -> bool:
    """Whether a top-level value is written item by item: a mapping, a list, or a source
    of items that knows its length."""
    if isinstance(value, str | bytes | set | frozenset):
        return False
    return isinstance(value, Mapping | list | tuple) or (
        hasattr(value, "__iter__") and hasattr(value, "__len__")
    )


def _members(value: Any) -> Iterator[str]:
    """A top-level mapping or array, its items one at a time at the second level."""
    pad = "\n    "
    if isinstance(value, Mapping):
        items: Iterable[str] = (
            key_text(k) + ": " + json_text(v, 2, _json_default) for k, v in value.items()
        )
        opening, closing = "{", "}"
    else:
        items = (json_text(item, 2, _json_default) for item in value)
        opening, closing = "[", "]"
    first = True
    for text in items:
        yield (opening if first else ",") + pad + text
        first = False
    yield opening + closing if first else "\n  " + closing


def iter_json(model: Mapping[str, Any]) -> Iterator[str]:
    """The model as ``render_json`` writes it, in pieces: each claim and each study is
    turned into text as it is read."""
    if not isinstance(model, Mapping):
        raise ReportError("The report model must be a mapping (a JSON object)")

    def pieces() -> Iterator[str]:
        first = True
        for key, value in model.items():
            yield ("{\n  " if first else ",\n  ") + key_text(key) + ": "
            first = False
            if _streamed(value):
                yield from _members(value)
            else:
                yield json_text(value, 1, _json_default)
        yield "{}\n" if first else "\n}\n"

    try:
        yield from batched(pieces())
    except (TypeError, ValueError) as exc:
        raise ReportError(f"The report model is not JSON-serialisable: {exc}") from exc


# --- Markdown and HTML -------------------------------------------------------------------


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _remember(cache: dict[Any, Any], items: Mapping[Any, Any], limit: int) -> None:
    """Add ``items`` to ``cache``, dropping the oldest entries beyond ``limit``."""
    cache.update(items)
    for key in list(islice(cache, max(0, len(cache) - limit))):
        del cache[key]


class References:
    """Formatted references by study id, formatted in batches: the studies of the chunk
    being shown are offered, and the first one asked for formats them all."""

    def __init__(self, limit: int = REFERENCE_CACHE) -> None:
        self._done: dict[Any, FormattedReference] = {}
        self._offered: dict[Any, Mapping[str, Any]] = {}
        self._limit = limit

    def offer(self, studies: Mapping[Any, Mapping[str, Any]]) -> None:
        self._offered = {sid: s for sid, s in studies.items() if sid not in self._done}

    def get(self, sid: Any, studies: Mapping[Any, Mapping[str, Any]]) -> FormattedReference:
        ref = self._done.get(sid)
        if ref is not None:
            return ref
        if sid in self._offered:
            batch, self._offered = self._offered, {}
        else:
            batch = {sid: studies[sid]}
        formatted = dict(zip(batch, format_references(batch.values()), strict=True))
        _remember(self._done, formatted, self._limit)
        return formatted[sid]


class StudiesView(Mapping[Any, dict[str, Any]]):
    """A streamed model's studies as a template reads them: normalised as they are read,
    the recent ones kept for lookups by id, the rest fetched from the source again."""

    def __init__(self, source: Mapping[Any, Any], references: References) -> None:
        self._source = source
        self._recent: dict[Any, dict[str, Any]] = {}
        self._references = references

    def __getitem__(self, key: Any) -> dict[str, Any]:
        study = self._recent.get(key)
        if study is None:
            study = normal_study(key, self._source[key])
            _remember(self._recent, {key: study}, STUDY_CACHE)
        return study

    def __contains__(self, key: object) -> bool:
        return key in self._source

    def __iter__(self) -> Iterator[Any]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def items(self) -> Iterator[tuple[Any, dict[str, Any]]]:  # type: ignore[override]
        for chunk in _chunks(self._source.items()):
            studies = {str(key): normal_study(key, raw) for key, raw in chunk}
            _remember(self._recent, studies, STUDY_CACHE)
            self._references.offer(studies)
            yield from studies.items()

    def values(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        return (study for _, study in self.items())

    def prefetch(self, keys: Iterable[Any]) -> None:
        """Read the studies of ``keys`` in one go (the studies a chunk of claims shows)
        and offer them to the references."""
        wanted = [key for key in dict.fromkeys(keys) if key in self._source]
        missing = [key for key in wanted if key not in self._recent]
        fetch: Callable[[list[Any]], Mapping[Any, Any]] | None = getattr(
            self._source, "fetch", None
        )
        raw = fetch(missing) if fetch else {key: self._source[key] for key in missing}
        _remember(self._recent, {key: normal_study(key, raw[key]) for key in missing}, STUDY_CACHE)
        self._references.offer({key: self[key] for key in wanted})


class ClaimsView:
    """A streamed model's claims as a template reads them: normalised a chunk at a time,
    the studies each chunk shows read in one go before its claims are rendered."""

    def __init__(self, source: Any, studies: StudiesView) -> None:
        self._source = source
        self._studies = studies

    def __len__(self) -> int:
        return len(self._source)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        position = 0
        for chunk in _chunks(self._source):
            claims = [normal_claim(raw, position + n) for n, raw in enumerate(chunk, start=1)]
            position += len(chunk)
            self._studies.prefetch(link.get("study") for c in claims for link in c["evidence"])
            yield from claims


class _Numbered(Mapping[str, str]):
    """id -> ``prefix`` + the id's number."""

    def __init__(self, numbers: Mapping[Any, int], prefix: str) -> None:
        self._numbers = numbers
        self._prefix = prefix

    def __getitem__(self, key: Any) -> str:
        return f"{self._prefix}{self._numbers[key]}"

    def __contains__(self, key: object) -> bool:
        return key in self._numbers

    def __iter__(self) -> Iterator[Any]:
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)


class _Titles(_Numbered):
    """Claim id -> "Claim N: text" for the claims whose text the outline kept."""

    def __init__(self, numbers: Mapping[Any, int], texts: Mapping[str, str]) -> None:
        super().__init__(numbers, "Claim ")
        self._texts = texts

    def __getitem__(self, key: Any) -> str:
        return f"Claim {self._numbers[key]}: {self._texts[key][:120]}"

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __iter__(self) -> Iterator[Any]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


class _ClaimsById(Mapping[str, Mapping[str, Any]]):
    """Every claim id; the claims that lack sources (the ones templates look up)."""

    def __init__(self, numbers: Mapping[str, int], lacking: Mapping[str, Mapping[str, Any]]):
        self._numbers = numbers
        self._lacking = lacking

    def __getitem__(self, key: Any) -> Mapping[str, Any]:
        return self._lacking[key]

    def __contains__(self, key: object) -> bool:
        return key in self._numbers

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)


class _Citing(Mapping[Any, list[str]]):
    """Study id -> the ids of the claims that lean on it (none: an empty list)."""

    def __init__(self, citing: Mapping[Any, list[str]], studies: Mapping[Any, Any]) -> None:
        self._citing = citing
        self._studies = studies

    def __getitem__(self, key: Any) -> list[str]:
        if key in self._citing:
            return self._citing[key]
        if key in self._studies:
            return []
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._studies

    def __iter__(self) -> Iterator[Any]:
        return iter(self._studies)

    def __len__(self) -> int:
        return len(self._studies)


def stream_context(model: StreamedModel, fmt: str) -> dict[str, Any]:
    """What the built-in templates see, with the claims and studies read as shown."""
    outline = model.outline
    references = References()
    studies = StudiesView(model["studies"], references)
    claims = ClaimsView(model["claims"], studies)
    data = normalise_parts(model, claims, studies)
    numbers = outline.claim_number
    index = ReportIndex(
        claim_number=numbers,
        claim_anchor=_Numbered(numbers, "claim-"),
        study_anchor=_Numbered({sid: n for n, sid in enumerate(studies, start=1)}, "study-"),
        claims_by_id=_ClaimsById(numbers, outline.lacking),
        lacking_claims=[
            outline.lacking[cid] for cid in data["lacking_sources"] if cid in outline.lacking
        ],
        citing=_Citing(outline.citing, studies),
        claim_titles=_Titles(numbers, outline.texts),
        claim_labels=_Numbered(numbers, "Claim "),
        formatted=lambda sid: references.get(sid, studies),
        compact=len(claims) > render.COMPACT_CLAIMS,
    )
    return context_of(data, fmt, index)


def iter_report(model: StreamedModel, fmt: str) -> Iterator[str]:
    """The report in ``fmt`` through the built-in template, in pieces, as
    ``render_report`` gives it for the same model held in memory."""
    if fmt not in render.FORMATS:
        raise ReportError(f"Unknown report format {fmt!r}. Use one of: {', '.join(render.FORMATS)}")
    if fmt == "json":
        yield from iter_json(model)
        return
    template = builtin_environment(fmt).get_template(f"report.{fmt}.j2")
    name = f"built-in report.{fmt}.j2"

    def generated() -> Iterator[str]:
        try:
            yield from template.generate(stream_context(model, fmt))
        except ReportError:
            raise
        except Exception as exc:
            raise template_error(exc, template, name) from exc

    pieces = batched(generated())
    yield from tidy_markdown(pieces) if fmt == "md" else pieces


def batched(pieces: Iterable[str], size: int = PIECE) -> Iterator[str]:
    """``pieces`` joined into pieces of about ``size`` characters."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def tidy_markdown(pieces: Iterable[str]) -> Iterator[str]:
    """Markdown as render_report tidies it, line by line: no spaces or tabs before a
    line break, at most one blank line in a row, none at the start or the end, and one
    line break at the end."""
    rest = ""
    started = False
    blank = False
    for piece in pieces:
        lines = (rest + piece).split("\n")
        rest = lines.pop()
        out: list[str] = []
        for line in lines:
            line = line.rstrip(" \t")
            if not line:
                blank = started
                continue
            if started:
                out.append("\n\n" if blank else "\n")
            out.append(line)
            started, blank = True, False
        if out:
            yield "".join(out)
    if rest:  # the last line, without a line break: kept as it is
        yield ("\n\n" if blank else "\n") + rest if started else rest
    yield "\n"
