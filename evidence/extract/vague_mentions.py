"""Vague mentions: appeals to unnamed research ("studies show", "it is well known",
"clinically proven", "a recent study found")."""

from __future__ import annotations

import re

from evidence.extract.mention import Mention, finding_after
from evidence.extract.prefilter import SCREEN, UNSCANNED, AllMatches, Opened, Unscanned
from evidence.extract.segment import Sentence

_GENERIC_SUBJECT = (
    r"(?:(?:some|many|several|numerous|multiple|recent|new|previous|past|other|various|countless|"
    r"a\s+number\s+of|a\s+lot\s+of|lots\s+of|a\s+growing\s+body\s+of|growing|clinical|scientific|"
    r"medical)\s+)*"
)
_VAGUE_PATTERNS = [
    # "Studies show", "many scientists have long believed", "recent research suggests";
    # not "the study shows" or "our data suggest" (a definite study is an attribution).
    re.compile(
        rf"""
        (?<![\w'’])(?<!the\s)(?<!this\s)(?<!our\s)(?<!their\s)(?<!that\s)(?<!his\s)(?<!her\s)
        (?:(?i:{_GENERIC_SUBJECT}))
        (?i:studies|research|investigations?|evidence|science|scientists|experts|researchers
            |doctors|trials|data|literature|reports|surveys|study|investigation|analyses)
        \s+(?:(?:has|have|had)\s+(?:also\s+)?(?:consistently\s+|repeatedly\s+|long\s+|even\s+)?
            (?:shown|found|showed|proven|proved|presented|demonstrated|revealed|confirmed|reported
            |suggested|indicated|established|linked|associated|concluded|discovered|located)
        | (?:show|shows|suggest|suggests|indicate|indicates|prove|proves|confirm|confirms
            |say|says|agree|agrees|believe|believes|reveal|reveals|demonstrate|demonstrates
            |point\s+to|points\s+to|support|supports|recommend|recommends))\b
        """,
        re.I | re.X,
    ),
    re.compile(
        r"(?i:\bit\s+(?:is|'s|’s|has\s+been)\s+(?:well[- ]|widely\s+|commonly\s+|generally\s+)"
        r"(?:known|established|documented|accepted|recogni[sz]ed)\b)"
    ),
    re.compile(
        r"(?i:\bit\s+has\s+been\s+(?:shown|proven|demonstrated|found|reported|suggested)\b)"
    ),
    re.compile(r"(?i:\b(?:clinically|scientifically)\s+(?:proven|tested|shown)\b)"),
    re.compile(
        r"(?i:\baccording\s+to\s+(?:some\s+|many\s+|recent\s+|several\s+)?"
        r"(?:studies|research|experts|scientists|researchers|doctors|science)\b)"
    ),
    re.compile(
        r"(?i:\b(?:there\s+is|there's|there’s)\s+(?:growing\s+|strong\s+|some\s+|good\s+|"
        r"mounting\s+|increasing\s+|ample\s+|little\s+|no\s+)?(?:scientific\s+)?evidence\b)"
    ),
    re.compile(
        r"(?i:\b(?:a|one|another|one\s+more)\s+(?:recent\s+|new\s+|small\s+|large\s+|major\s+|"
        r"landmark\s+)*(?:study|research\s+study|trial|survey|report|analysis|paper)\s+"
        r"(?:found|showed|shows|suggests|suggested|revealed|discovered|concluded|reported|"
        r"located|presented|demonstrated|indicates|indicated))\b"
    ),
]

# Each pattern behind the literals it needs (evidence.extract.prefilter).
_VAGUE_SEARCHES = tuple(AllMatches(pattern, SCREEN) for pattern in _VAGUE_PATTERNS)
PREFILTERED_PATTERNS = [s.pattern for s in _VAGUE_SEARCHES]


def vague_mentions(
    sentence: Sentence, text: str, seen: Opened | Unscanned = UNSCANNED
) -> list[Mention]:
    found: list[Mention] = []
    if isinstance(seen, Unscanned):
        seen = SCREEN.scan(sentence.text.lower())
    for search in _VAGUE_SEARCHES:
        for m in search.finditer(sentence.text, seen):
            start = sentence.start + m.start()
            end = sentence.start + m.end()
            if any(f.start < end and start < f.end for f in found):
                continue
            found.append(
                Mention(
                    kind="vague",
                    text=text[start:end],
                    start=start,
                    end=end,
                    finding=finding_after(sentence.text, m.end() - 1),
                )
            )
    found.sort(key=lambda mention: mention.start)
    return found
