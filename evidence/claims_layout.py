"""Claim objects laid out as `claims --json` and `check --json` print them.

The general layout (bib.jsonlayout) visits about nine containers a claim, item by item;
on a 100,000-claim document that was half of the listing's time. Here a claim of the
shape evidence.claims builds fills one template, its mentions and evidence links one
each. A claim, mention or link with other keys, and any value of another type, goes
through the general layout instead, so the text is always the one
``json.dumps(claim, indent=2, ensure_ascii=False)`` gives (tests/test_claims_layout.py
compares them on generated and real claims).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bib.jsonlayout import layout, scalar
from evidence.claims import ClaimRead, _Reasons, claim_object

_encode = json.encoder.encode_basestring


def _number(value: float) -> str:
    text = scalar(value)
    return text if text is not None else json.dumps(value)


# The JSON of a value by its exact type (a KeyError for any other), for the types a
# stored claim holds: C functions, floats aside, called straight from a comprehension.
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _encode,
    int: int.__repr__,
    float: _number,
    type(None): "null".format,
    bool: {True: "true", False: "false"}.__getitem__,
}

# The keys of the objects evidence.claims builds, in the order it builds them.
CLAIM_KEYS = (
    "id",
    "document",
    "index",
    "text",
    "status",
    "checkworthiness",
    "reasons",
    "span",
    "removed",
    "mentions",
    "evidence",
    "retracted_studies",
)
MENTION_KEYS = (
    "kind",
    "text",
    "journal",
    "institution",
    "identifier",
    "citekey",
    "year",
    "reference",
    "study",
)
# `claims --json` gives every mention its candidate studies (evidence.reportmodel).
MENTION_KEYS_WITH_CANDIDATES = (*MENTION_KEYS, "candidates")
EVIDENCE_KEYS = ("study", "stance", "origin", "note")


def _value(value: Any, indent: str) -> str:
    """One value laid out on a line indented ``indent``."""
    if type(value) is str:
        return _encode(value)
    text = scalar(value)
    return text if text is not None else layout(value, indent)


class ClaimLayout:
    """Claim objects laid out as items of a JSON array whose items start at ``indent``:
    ``claim(c)`` is ``bib.jsonlayout.layout(c, indent)``."""

    def __init__(self, indent: str) -> None:
        self.k0 = indent
        self.k1 = indent + "  "  # the claim's keys
        self.k2 = self.k1 + "  "  # its mentions and links
        self.k3 = self.k2 + "  "  # their keys
        self.n1, self.n2, self.n3 = "\n" + self.k1, "\n" + self.k2, "\n" + self.k3
        n1, n2, n3 = self.n1, self.n2, self.n3
        # Templates of the claim, a mention and a link, for ``read``.
        self._claim_t = (
            "{" + ",".join(f'{n1}"{key}": %s' for key in CLAIM_KEYS) + "\n" + indent + "}"
        )
        self._mention_t = "{" + ",".join(f'{n3}"{key}": %s' for key in MENTION_KEYS)
        self._link_t = "{" + ",".join(f'{n3}"{key}": %s' for key in EVIDENCE_KEYS) + n2 + "}"
        self._candidates = f',{n3}"candidates": '
        self._span_t = "[" + n2 + "%s," + n2 + "%s" + n1 + "]"
        self._reasons_read = _Reasons()
        self._reasons_laid: dict[Any, str] = {}

    def read(self, read: ClaimRead, candidates: Any = None) -> str:
        """``claim(claim_object(read))`` laid out straight from the rows; ``candidates``
        ((claim id, mention text) -> candidate objects, reportmodel.candidates_by_mention)
        adds each mention's candidates, as `claims --json` gives them."""
        try:
            return self._read(read, candidates)
        except KeyError:  # a value of a type the templates do not know
            claim = claim_object(read)
            if candidates is not None:
                for m in claim["mentions"]:
                    m["candidates"] = candidates.get((claim["id"], m["text"]), [])
            return self.claim(claim)

    def _read(self, read: ClaimRead, candidates: Any) -> str:
        lay = _SCALARS
        row = read.row
        cite = read.citekey
        laid_reasons = self._reasons_laid.get(row.reasons)
        if laid_reasons is None:
            laid_reasons = self._strings(self._reasons_read(row.reasons))
            if len(self._reasons_laid) >= _Reasons.LIMIT:
                self._reasons_laid.clear()
            self._reasons_laid[row.reasons] = laid_reasons
        mentions = "[]"
        if read.mentions:
            laid_mentions = []
            template, n2 = self._mention_t, self.n2
            for m in read.mentions:
                values = m[1:9] + (cite(m.study_id),)
                text = template % tuple(["null" if v is None else lay[type(v)](v) for v in values])
                if candidates is not None:
                    found = candidates.get((row.id, m.text), [])
                    text += self._candidates + ("[]" if found == [] else layout(found, self.k3))
                laid_mentions.append(text + n2 + "}")
            mentions = "[" + n2 + ("," + n2).join(laid_mentions) + self.n1 + "]"
        links = "[]"
        if read.links:
            template, n2 = self._link_t, self.n2
            laid_links = [
                template
                % tuple(
                    ["null" if v is None else lay[type(v)](v) for v in (cite(e.study_id), *e[2:5])]
                )
                for e in read.links
            ]
            links = "[" + n2 + ("," + n2).join(laid_links) + self.n1 + "]"
        retracted = read.retracted()
        return self._claim_t % (
            lay[type(row.id)](row.id),
            lay[type(row.document)](row.document),
            lay[type(row.position)](row.position),
            lay[type(row.text)](row.text),
            lay[type(read.status)](read.status),
            lay[type(row.checkworthiness)](row.checkworthiness),
            laid_reasons,
            self._span_t % (lay[type(row.start)](row.start), lay[type(row.end)](row.end)),
            "false" if row.removed_at is None else "true",
            mentions,
            links,
            "[]" if not retracted else layout(retracted, self.k1),
        )

    def claim(self, c: Any) -> str:
        if type(c) is not dict or tuple(c) != CLAIM_KEYS:
            return layout(c, self.k0)
        n1, k1 = self.n1, self.k1
        text = c["text"]
        status = c["status"]
        return (
            f'{{{n1}"id": {_value(c["id"], k1)},'
            f'{n1}"document": {_value(c["document"], k1)},'
            f'{n1}"index": {_value(c["index"], k1)},'
            f'{n1}"text": {_encode(text) if type(text) is str else _value(text, k1)},'
            f'{n1}"status": {_encode(status) if type(status) is str else _value(status, k1)},'
            f'{n1}"checkworthiness": {_value(c["checkworthiness"], k1)},'
            f'{n1}"reasons": {self._strings(c["reasons"])},'
            f'{n1}"span": {self._strings(c["span"])},'
            f'{n1}"removed": {_value(c["removed"], k1)},'
            f'{n1}"mentions": {self._objects(c["mentions"], self._mention)},'
            f'{n1}"evidence": {self._objects(c["evidence"], self._link)},'
            f'{n1}"retracted_studies": {_value(c["retracted_studies"], k1)}'
            f"\n{self.k0}}}"
        )

    def _strings(self, items: Any) -> str:
        """A list of scalars (reasons, span) as a value of the claim."""
        if type(items) is not list:
            return _value(items, self.k1)
        if not items:
            return "[]"
        laid = [_encode(x) if type(x) is str else scalar(x) for x in items]
        if None in laid:
            return layout(items, self.k1)
        n2 = self.n2
        return "[" + n2 + ("," + n2).join(laid) + self.n1 + "]"  # type: ignore[arg-type]

    def _objects(self, items: Any, lay: Callable[[Any], str]) -> str:
        """A list of mentions or links as a value of the claim, each laid out by ``lay``."""
        if type(items) is not list:
            return _value(items, self.k1)
        if not items:
            return "[]"
        n2 = self.n2
        return "[" + n2 + ("," + n2).join(map(lay, items)) + self.n1 + "]"

    def _mention(self, m: Any) -> str:
        keys = tuple(m) if type(m) is dict else ()
        if keys != MENTION_KEYS and keys != MENTION_KEYS_WITH_CANDIDATES:
            return layout(m, self.k2)
        n3, k3 = self.n3, self.k3
        kind = m["kind"]
        text = m["text"]
        laid = (
            f'{{{n3}"kind": {_encode(kind) if type(kind) is str else _value(kind, k3)},'
            f'{n3}"text": {_encode(text) if type(text) is str else _value(text, k3)},'
            f'{n3}"journal": {_value(m["journal"], k3)},'
            f'{n3}"institution": {_value(m["institution"], k3)},'
            f'{n3}"identifier": {_value(m["identifier"], k3)},'
            f'{n3}"citekey": {_value(m["citekey"], k3)},'
            f'{n3}"year": {_value(m["year"], k3)},'
            f'{n3}"reference": {_value(m["reference"], k3)},'
            f'{n3}"study": {_value(m["study"], k3)}'
        )
        if len(keys) > len(MENTION_KEYS):
            candidates = m["candidates"]
            laid += f',{n3}"candidates": ' + ("[]" if candidates == [] else layout(candidates, k3))
        return laid + self.n2 + "}"

    def _link(self, e: Any) -> str:
        if type(e) is not dict or tuple(e) != EVIDENCE_KEYS:
            return layout(e, self.k2)
        n3, k3 = self.n3, self.k3
        return (
            f'{{{n3}"study": {_value(e["study"], k3)},'
            f'{n3}"stance": {_value(e["stance"], k3)},'
            f'{n3}"origin": {_value(e["origin"], k3)},'
            f'{n3}"note": {_value(e["note"], k3)}'
            f"{self.n2}}}"
        )
