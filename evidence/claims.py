"""Check-worthiness: how much a sentence asserts something a reader could check.

Rule-based and explainable: every score comes with the short reasons that
produced it. Questions, headings, advice, transitions and list introductions
are not claims; factual, causal, statistical, comparative and health-effect
statements are. Patterns are compiled once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

THRESHOLD = 0.5
"""Sentences scoring at or above this are claims."""


@dataclass(frozen=True)
class Score:
    """A check-worthiness score in [0, 1] with the reasons behind it."""

    value: float
    reasons: list[str] = field(default_factory=list)

    @property
    def is_claim(self) -> bool:
        return self.value >= THRESHOLD


def _words(*groups: str) -> str:
    return "|".join(w for group in groups for w in group.split())


_IMPERATIVE_VERBS = _words(
    """think consider try make take use ask remember keep avoid get look do don't dont be let
    check start stop find read click learn see call visit sign join imagine talk book schedule
    buy order choose pick add drink eat apply give follow focus aim discover explore grab
    subscribe share download contact speak seek"""
)
_IMPERATIVE = re.compile(
    r"^(?:(?:so|now|then|and|but|also|just|simply|please),?\s+)*(?:" + _IMPERATIVE_VERBS + r")\b",
    re.I,
)
_ADVICE = re.compile(
    r"\bif\s+you(?:'re|’re|\s+are|\s+have|\s+want|\s+feel|\s+experience|\s+suffer)\b.*?[,;]\s*"
    r"(?:(?:then|just|simply)\s+)?(?:"
    + _IMPERATIVE_VERBS
    + r"|you\s+(?:should|might\s+want|may\s+want|can|could))\b"
    r"|\byou\s+(?:should|must|need\s+to|ought\s+to|might\s+want\s+to|may\s+want\s+to)\b"
    r"|\b(?:make\s+sure|be\s+sure\s+to|don't\s+forget|it'?s\s+(?:a\s+good\s+idea|best|wise|worth)\s+to)\b"
    r"|\b(?:think\s+about|consider)\s+(?:making|trying|getting|booking|adding|using|taking)\b"
    r"|\bwhat\s+you\s+need\b|\bgive\s+it\s+a\s+try\b|\bwhy\s+not\b",
    re.I,
)
_TRANSITION = re.compile(
    r"^(?:(?:and|but|so|now|here)\s*,?\s+)?(?:that|this|here)(?:'s|’s|\s+is)\s+(?:where|why|how|when|what)\b"
    r"|^(?:but\s+)?it(?:'s|’s|\s+is)\s+not\s+(?:simply|just|only|merely|all)\b"
    r"|^(?:let's|let’s|let\s+us)\s+"
    r"|\bto\s+(?:look\s+at|consider|keep\s+in\s+mind|think\s+about)\s*[.!]?$"
    r"|^(?:in\s+this\s+(?:article|post|guide|section|review|paper),?\s+(?:we|i)\s+(?:will|'ll|discuss|explore|look))"
    r"|^(?:read\s+on|keep\s+reading|more\s+on\s+that\s+below|here\s+(?:are|is)\b|here's\b|here’s\b)"
    r"|\bit(?:'s|’s|\s+is)\s+important\s+to\s+(?:know|understand|note|remember)\b"
    r"|^(?:first(?:ly)?|initially|next|finally|in\s+conclusion|to\s+sum\s+up),?\s+(?:let's|we\s+will|it's\s+important)",
    re.I,
)
_LIST_INTRO = re.compile(
    r"[:：]\s*$|\b(?:include|includes|including|are|the\s+following)\s*:?\s*$", re.I
)
_QUESTION = re.compile(r"\?[\"'”’)\]]*\s*$")
_OPINION = re.compile(
    r"\b(?:i\s+think|i\s+believe|i\s+feel|in\s+my\s+(?:opinion|view|experience)|we\s+believe|"
    r"personally|i\s+love|i\s+hope|we\s+hope|it\s+is\s+safe\s+to\s+say|we\s+are\s+excited|"
    r"i'm\s+excited|amazing|awesome|stunning|must-have)\b",
    re.I,
)
_META = re.compile(
    r"^(?:in\s+this\s+(?:study|paper|work|article|section|review),?\s+we\b|"
    r"we\s+(?:present|describe|propose|introduce|discuss|review|summari[sz]e|thank|acknowledge|"
    r"used|use|performed|conducted|recruited|collected|randomly\s+assigned|asked|coded|"
    r"measured|examine|examined|plan|will|provide|implemented|developed|applied|compared|"
    r"subsequently|also\s+asked|also\s+measured)\b|"
    r"(?:this|the)\s+(?:paper|article|study|review|work|manuscript)\s+(?:is|was)\s+"
    r"(?:organi[sz]ed|structured|preregistered|funded|supported)|"
    r"(?:table|figure|fig\.)\s+\d+\s*[:.]|all\s+data\b|code\s+(?:is\s+)?available|"
    r"the\s+authors?\s+(?:would\s+like\s+to\s+)?thank|(?:funding|acknowledg)|"
    r"(?:for\s+example|e\.g\.),?\s+what\b)",
    re.I,
)
_STATISTIC = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|percent|per\s+cent|percentage\s+points?|-?fold|times|mg|kg|g\b|ml|"
    r"mmhg|hours?|days?|weeks?|months?|years?|points?|patients|participants|people|adults|"
    r"children|women|men|subjects|studies|trials)\b"
    r"|\b(?:p\s*[<=>≤]\s*0?\.\d+|ci\b|confidence\s+interval|odds\s+ratio|hazard\s+ratio|"
    r"relative\s+risk|risk\s+ratio|effect\s+size|standard\s+deviation|mean|median|"
    r"significant(?:ly)?|statistically|correlat\w+|r\s*=\s*-?0?\.\d+|n\s*=\s*\d+|"
    r"\d+\s+(?:out\s+)?of\s+\d+|one\s+in\s+\w+|half|third|quarter|double[ds]?|triple[ds]?)\b",
    re.I,
)
_CAUSAL = re.compile(
    r"\b(?:caus\w*|leads?\s+to|led\s+to|results?\s+in|resulted\s+in|reduc\w+|increas\w+|"
    r"decreas\w+|lower\w*|rais\w+|improv\w+|prevent\w*|protect\w*|boost\w*|enhanc\w+|relie\w+|"
    r"alleviat\w+|eas(?:e|es|ed|ing)|trigger\w*|link\w*\s+(?:to|with)|associated\s+with|"
    r"contribut\w+\s+to|affect\w*|impact\w*|effect\w*|efficac\w+|benefi\w+|harm\w*|risk\w*|"
    r"treat\w*|cure\w*|heal\w*|help(?:s|ed)?|worsen\w*|inhibit\w*|block\w*|stimulat\w+|"
    r"promot\w+|lessen\w*|loosen\w*|soothe\w*|damag\w+|kill\w*|predict\w*|depend\w*\s+on|"
    r"responsible\s+for|due\s+to|because\s+of|driven\s+by|function\w*\s+(?:through|by)|works?\s+by|"
    r"accelerat\w+|slow\w*|restor\w+|supports?|regulat\w+|extend\w*|shorten\w*|outperform\w*)\b",
    re.I,
)
_COMPARATIVE = re.compile(
    r"\b(?:more|less|fewer|greater|better|worse|higher|lower|larger|smaller|faster|slower|"
    r"stronger|weaker)\s+(?:\w+\s+){0,3}?than\b|\bcompared\s+(?:with|to)\b|\bversus\b|\bvs\.?\s|"
    r"\b(?:most|least|largest|smallest|best|worst|highest|lowest|leading|first|only)\b|"
    r"\brelative\s+to\b|\bas\s+(?:effective|good|well|likely)\s+as\b|\boutperform\w*",
    re.I,
)
_HEALTH = re.compile(
    r"\b(?:pain|ache|disease\w*|disorder\w*|cancer\w*|tumou?r\w*|diabet\w+|obes\w+|heart|cardi\w+|"
    r"blood|pressure|stroke|symptom\w*|patient\w*|therap\w+|treatment\w*|drug\w*|medic\w+|"
    r"vaccin\w+|infect\w+|virus\w*|immun\w+|anxiety|depress\w+|stress|sleep|mortality|death\w*|"
    r"surviv\w+|health\w*|muscle\w*|muscular|joint\w*|bone\w*|arthritis|osteo\w+|inflamm\w+|"
    r"irritation|injur\w+|brain|cognit\w+|memory|weight|diet\w*|nutri\w+|vitamin\w*|exercise\w*|"
    r"massage\w*|hip\w*|spine|spinal|nerve\w*|hormone\w*|gene\w*|genom\w+|protein\w*|cell\w*|"
    r"clinical|dose\w*|placebo|efficacy|wellbeing|well-being|recovery|fitness|mobility|"
    r"flexibility|circulation|tissue\w*|organ\w*|lung\w*|liver|kidney\w*|skin|fatigue|"
    r"relaxation|tension)\b",
    re.I,
)
_FINITE_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|be|been|being|does|do|did|can|could|may|might|will|"
    r"would|should|shall|must)\b|\b\w+(?:ed|es)\b|\b[a-z]{3,}s\b",
    re.I,
)
_GENERIC_FACT = re.compile(
    r"\b(?:is|are|was|were)\s+(?:one\s+of\s+|a\s+|an\s+|the\s+|not\s+|also\s+|often\s+|"
    r"usually\s+|commonly\s+|generally\s+|typically\s+|frequently\s+|likewise\s+)?\w+"
    r"|\b(?:consists?\s+of|composed\s+of|contains?|comprises?|known\s+as|called|defined\s+as|"
    r"located|found\s+in|occurs?|exists?|belongs?)\b",
    re.I,
)
_RESEARCH = re.compile(
    r"\b(?:study|studies|research\w*|trial\w*|meta-analys\w+|review\w*|evidence|experiment\w*|"
    r"survey\w*|data|findings|results|analysis|investigation|scientists|cohort)\b",
    re.I,
)
_HEDGE_ONLY = re.compile(r"^(?:it\s+)?(?:seems|appears)\s+(?:that\s+)?", re.I)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|you’re)\b", re.I)
_FIRST_PERSON_STORY = re.compile(r"^(?:i|my|we|our)\b", re.I)


def score_sentence(
    text: str,
    *,
    block_kind: str = "paragraph",
    has_source: bool = False,
    states_finding: bool = False,
) -> Score:
    """Check-worthiness of one sentence.

    ``has_source``: the sentence cites or attributes something (a citation, a
    journal, "studies show"). ``states_finding``: that attribution reports a
    result; such a sentence is always a claim."""
    stripped = text.strip()
    reasons: list[str] = []
    words = re.findall(r"[\w'’%-]+", stripped)
    if block_kind == "heading":
        return Score(0.0, ["heading"])
    if not words:
        return Score(0.0, ["no words"])
    if _QUESTION.search(stripped):
        return Score(0.05, ["question"])
    if states_finding:
        return Score(0.95, ["states a research finding"])
    body = re.sub(r"^\s*(?:\d{1,3}[.)]|[-*•])\s+", "", stripped)
    if _LIST_INTRO.search(body) and not has_source and len(words) <= 12:
        return Score(0.1, ["introduces a list"])
    if _IMPERATIVE.match(body) and not has_source:
        return Score(0.1, ["imperative"])
    if _ADVICE.search(body) and not has_source:
        return Score(0.15, ["advice"])
    if _TRANSITION.search(body) and not has_source:
        return Score(0.15, ["transition"])
    if len(words) < 4 and not has_source:
        return Score(0.1, ["too short to assert anything"])

    value = 0.2
    if has_source:
        value += 0.5
        reasons.append("attributes to a source")
    if _FINITE_VERB.search(body):
        value += 0.1
    else:
        reasons.append("no verb")
        value -= 0.2
    if _GENERIC_FACT.search(body):
        value += 0.1
        reasons.append("factual assertion")
    if _CAUSAL.search(body):
        value += 0.2
        reasons.append("causal or effect language")
    if _STATISTIC.search(body):
        value += 0.2
        reasons.append("statistic")
    if _COMPARATIVE.search(body):
        value += 0.1
        reasons.append("comparison")
    if _HEALTH.search(body):
        value += 0.1
        reasons.append("health topic")
    if _RESEARCH.search(body):
        value += 0.05
        reasons.append("mentions research")
    if _OPINION.search(body):
        value -= 0.25
        reasons.append("opinion")
    if _META.search(body):
        value -= 0.3
        reasons.append("describes the document or its methods")
    if _SECOND_PERSON.search(body) and not _CAUSAL.search(body):
        value -= 0.15
        reasons.append("addresses the reader")
    if _FIRST_PERSON_STORY.match(body) and not has_source and not _STATISTIC.search(body):
        value -= 0.1
        reasons.append("first-person account")
    if body.endswith(":"):
        value -= 0.2
        reasons.append("ends with a colon")
    value = min(1.0, max(0.0, round(value, 2)))
    if not reasons:
        reasons.append("plain statement")
    return Score(value, reasons)
