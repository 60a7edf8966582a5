"""Check-worthiness: how much a sentence asserts something a reader could check.

Rule-based and explainable: every score comes with the short reasons that
produced it. Questions, headings, advice, transitions and list introductions
are not claims; factual, causal, statistical, comparative and health-effect
statements are. Patterns are compiled once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidence.extract.prefilter import SCREEN, UNSCANNED, AnyMatch, Opened, Unscanned

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
# Advice to the reader (not a claim about the world).
_ADVICE = re.compile(
    r"""
      \bif\s+you(?:'re|’re|\s+are|\s+have|\s+want|\s+feel|\s+experience|\s+suffer)\b.*?[,;]\s*
      (?:(?:then|just|simply)\s+)?(?:"""
    + _IMPERATIVE_VERBS
    + r"""|you\s+(?:should|might\s+want|may\s+want|can|could))\b   # "if you're sore, try ..."
    | \byou\s+(?:should|must|need\s+to|ought\s+to|might\s+want\s+to|may\s+want\s+to)\b
    | \b(?:make\s+sure|be\s+sure\s+to|don't\s+forget
          |it'?s\s+(?:a\s+good\s+idea|best|wise|worth)\s+to)\b
    | \b(?:think\s+about|consider)\s+(?:making|trying|getting|booking|adding|using|taking)\b
    | \bwhat\s+you\s+need\b|\bgive\s+it\s+a\s+try\b|\bwhy\s+not\b
    """,
    re.I | re.X,
)
# Sentences that lead to the next one rather than assert anything.
_TRANSITION = re.compile(
    r"""
      ^(?:(?:and|but|so|now|here)\s*,?\s+)?(?:that|this|here)(?:'s|’s|\s+is)\s+
          (?:where|why|how|when|what)\b                                 # "that's where ..."
    | ^(?:but\s+)?it(?:'s|’s|\s+is)\s+not\s+(?:simply|just|only|merely|all)\b
    | ^(?:let's|let’s|let\s+us)\s+
    | \bto\s+(?:look\s+at|consider|keep\s+in\s+mind|think\s+about)\s*[.!]?$
    | ^(?:in\s+this\s+(?:article|post|guide|section|review|paper),?\s+
          (?:we|i)\s+(?:will|'ll|discuss|explore|look))
    | ^(?:read\s+on|keep\s+reading|more\s+on\s+that\s+below|here\s+(?:are|is)\b
          |here's\b|here’s\b)
    | \bit(?:'s|’s|\s+is)\s+important\s+to\s+(?:know|understand|note|remember)\b
    | ^(?:first(?:ly)?|initially|next|finally|in\s+conclusion|to\s+sum\s+up),?\s+
          (?:let's|we\s+will|it's\s+important)
    """,
    re.I | re.X,
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
# The document talking about itself, its methods or its funding. (Every alternative
# sits inside the one group after "^", so each is tried at the start only.)
_META = re.compile(
    r"""
    ^(?:in\s+this\s+(?:study|paper|work|article|section|review),?\s+we\b
    | we\s+(?:present|describe|propose|introduce|discuss|review|summari[sz]e|thank|acknowledge
          |used|use|performed|conducted|recruited|collected|randomly\s+assigned|asked|coded
          |measured|examine|examined|plan|will|provide|implemented|developed|applied|compared
          |subsequently|also\s+asked|also\s+measured)\b
    | (?:this|the)\s+(?:paper|article|study|review|work|manuscript)\s+(?:is|was)\s+
          (?:organi[sz]ed|structured|preregistered|funded|supported)
    | (?:table|figure|fig\.)\s+\d+\s*[:.]|all\s+data\b|code\s+(?:is\s+)?available
    | the\s+authors?\s+(?:would\s+like\s+to\s+)?thank|(?:funding|acknowledg)
    | (?:for\s+example|e\.g\.),?\s+what\b
    | (?:objective|objectives|aims?|design|setting|keywords|funding|trial\s+registration
          |methods|participants|interventions?|main\s+outcome\s+measures?)\s*:  # abstract heads
    | \b(?:were|was)\s+(?:randomly\s+)?(?:assigned|allocated|randomi[sz]ed|recruited|enrolled
          |trained|included|excluded|screened|extracted|coded)\b
    | \bprimary\s+(?:outcome|end\s*point)\s+was\b
    | \bwe\s+(?:searched|aimed|conducted|hope|thank)\b
    | \blimitations\s+include\b|\bremainder\s+of\s+this\b|\borgani[sz]ed\s+as\s+follows\b
    | ^let\s+\w+\s+(?:denote|be)\b|\bopen\s+question\b|\bare\s+warranted\b
    | \b(?:is|are)\s+(?:available|provided)\s+(?:at|from|on|in)\b
    | \bsupported\s+by\s+(?:grant|award))
    """,
    re.I | re.X,
)
# Methods and aims, wherever they stand in the sentence.
_METHODS = re.compile(
    r"""
      ^(?:objective|objectives|aims?|design|setting|keywords|funding|trial\s+registration
          |methods|participants|interventions?|main\s+outcome\s+measures?)\s*:  # abstract heads
    | \b(?:were|was)\s+(?:randomly\s+)?(?:assigned|allocated|randomi[sz]ed|recruited|enrolled
          |trained|included|excluded|screened|extracted|coded|used)\b
    | \bprimary\s+(?:outcome|end\s*point)\s+was\b
    | \bwe\s+(?:searched|aimed|conducted|hope|thank)\b
    | \blimitations\s+include\b|\bremainder\s+of\s+this\b
    | \borgani[sz]ed\s+as\s+follows\b|^let\s+\w+\s+(?:denote|be)\b|\bopen\s+question\b
    | \b(?:are|is)\s+(?:warranted|needed)\b
    | \b(?:is|are)\s+(?:available|provided)\s+(?:at|from|on|in)\b
    | \bsupported\s+by\s+(?:grant|award)
    | \bwill\s+be\s+(?:presented|published|released|discussed)\b
    """,
    re.I | re.X,
)
# Case-sensitive: a capitalised name before the speech verb.
_REPORTED_SPEECH = re.compile(
    r"""
      ^(?:[A-Z][\w.'’-]*\s+){1,4}(?:,[^,]{0,80},\s+)?           # "Dr Jane Smith, a surgeon, said"
          (?:said|says|called|argued|argue|argues|added|told|noted|believes|thinks|warned
          |advise|advises|recommend|recommends)\b
    | \b(?:critics|skeptics|sceptics|some|others|not\s+everyone)\s+(?:argue|say|believe|is|are)\b
    | \b(?:proud|excited|pleased|delighted|happy|thrilled|encouraging|promising|disappointed)\b
    """,
    re.X,
)
_STATISTIC = re.compile(
    r"""
      \d+(?:\.\d+)?\s*%
    | \d+(?:\.\d+)?\s*(?:percent|per\s+cent|percentage\s+points?|-?fold|times|mg|kg|g\b|ml
          |mmhg|hours?|days?|weeks?|months?|years?|points?|patients|participants|people|adults
          |children|women|men|subjects|studies|trials)\b
    | \b(?:p\s*[<=>≤]\s*0?\.\d+|ci\b|confidence\s+interval|odds\s+ratio|hazard\s+ratio
          |relative\s+risk|risk\s+ratio|effect\s+size|standard\s+deviation|mean|median
          |significant(?:ly)?|statistically|correlat\w+|r\s*=\s*-?0?\.\d+|n\s*=\s*\d+
          |\d+\s+(?:out\s+)?of\s+\d+|one\s+in\s+\w+|half|third|quarter|double[ds]?|triple[ds]?)\b
    """,
    re.I | re.X,
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
    r"""
      \b(?:more|less|fewer|greater|better|worse|higher|lower|larger|smaller|faster|slower
          |stronger|weaker)\s+(?:\w+\s+){0,3}?than\b
    | \bcompared\s+(?:with|to)\b|\bversus\b|\bvs\.?\s
    | \b(?:most|least|largest|smallest|best|worst|highest|lowest|leading|first|only)\b
    | \brelative\s+to\b|\bas\s+(?:effective|good|well|likely)\s+as\b|\boutperform\w*
    """,
    re.I | re.X,
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
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|you’re)\b", re.I)
_FIRST_PERSON_STORY = re.compile(r"^(?:i|my|me)\b", re.I)
_FINDING_LANGUAGE = re.compile(
    r"""
    \b(?:(?:the\s+|this\s+|our\s+|their\s+)?                   # "the researchers also found"
          (?:study|studies|trial|trials|researchers|authors|investigators|scientists|results
          |data|analysis|analyses|review|survey|we|they)\s+
          (?:also\s+)?(?:found|find|finds|showed|show|shows|reported|report|reports|observed
          |suggest|suggests|suggested|concluded|demonstrated|revealed|indicate|indicates|noted)\b
    | \b(?:was|were|is|are)\s+(?:significantly\s+|strongly\s+|independently\s+|inversely\s+)?
          (?:associated|correlated|linked)\s+with\b
    | \b(?:participants|patients|people|women|men|children|adults|subjects|those|mice|rats)\s+
          (?:who|which|that|with|in\s+the|given|receiving|taking)\b
    | \b(?:no\s+(?:serious\s+)?(?:adverse|side)\s+(?:events|effects)
          |(?:did\s+not|didn't)\s+differ
          |no\s+(?:significant\s+)?(?:difference|effect|association|evidence))\b
    | \b(?:achieved|outperformed|improved|reduced|increased|lowered)\b)
    """,
    re.I | re.X,
)
_PROMOTION = re.compile(
    r"""
      ^(?:our|we)\s+(?!results|findings|data|analys|model|study|trial|review|survey|estimates
          |observations|experiments|simulations|measurements)   # "our study" is research, not sales
    | \b(?:our\s+(?:customers|clients|products?|team|signature|formula|blend|pillow|services?
          |therapists|experts)
      |risk-free|money-back|free\s+shipping|best-selling|award-winning)\b
    """,
    re.I | re.X,
)


_WORDS = re.compile(r"[\w'’%-]+")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•])\s+")


def _lower_case_patterns() -> None:
    """Drop re.I from the module's word patterns; score_sentence lower-cases the text
    instead. Every such pattern is written in lower case (a test keeps it so)."""
    for name, value in list(globals().items()):
        if isinstance(value, re.Pattern) and value.flags & re.I:
            globals()[name] = re.compile(value.pattern, value.flags & ~re.I)


_lower_case_patterns()

# The patterns that score_sentence searches, each behind the literals it needs
# (evidence.extract.prefilter): one scan of a sentence tells which of them can match at all.
(
    _list_intro,
    _advice,
    _transition,
    _finite_verb,
    _finding_language,
    _generic_fact,
    _causal,
    _statistic,
    _comparative,
    _health,
    _opinion,
    _meta,
    _methods,
    _reported_speech,
    _promotion,
    _second_person,
) = (
    AnyMatch(pattern, SCREEN)
    for pattern in (
        _LIST_INTRO,
        _ADVICE,
        _TRANSITION,
        _FINITE_VERB,
        _FINDING_LANGUAGE,
        _GENERIC_FACT,
        _CAUSAL,
        _STATISTIC,
        _COMPARATIVE,
        _HEALTH,
        _OPINION,
        _META,
        _METHODS,
        _REPORTED_SPEECH,
        _PROMOTION,
        _SECOND_PERSON,
    )
)


def score_sentence(
    text: str,
    *,
    block_kind: str = "paragraph",
    has_source: bool = False,
    states_finding: bool = False,
    seen: Opened | Unscanned = UNSCANNED,
) -> Score:
    """Check-worthiness of one sentence.

    ``has_source``: the sentence cites or attributes something (a citation, a
    journal, "studies show"). ``states_finding``: that attribution reports a
    result; such a sentence is always a claim. ``seen``: ``prefilter.SCREEN.scan`` of the
    lower-cased sentence, when the caller has it."""
    stripped = text.strip()
    reasons: list[str] = []
    words = _WORDS.findall(stripped)
    if block_kind == "heading":
        return Score(0.0, ["heading"])
    if block_kind == "table_row":
        return Score(0.0, ["table row"])
    if not words:
        return Score(0.0, ["no words"])
    if _QUESTION.search(stripped):
        return Score(0.05, ["question"])
    if states_finding:
        return Score(0.95, ["states a research finding"])
    body = _LIST_MARKER.sub("", stripped)
    # The word patterns are written in lower case and compiled without re.I (see
    # _lower_case_patterns): matching lower-cased text is about twice as fast.
    low = body.lower()
    if isinstance(seen, Unscanned):
        seen = SCREEN.scan(low)
    # (Cheap tests first in each condition: the patterns have no side effects.)
    if len(words) <= 12 and not has_source and _list_intro(low, seen):
        return Score(0.1, ["introduces a list"])
    if not has_source and _IMPERATIVE.match(low):
        return Score(0.1, ["imperative"])
    if not has_source and _advice(low, seen):
        return Score(0.15, ["advice"])
    if not has_source and _transition(low, seen):
        return Score(0.15, ["transition"])
    if len(words) < 4 and not has_source:
        return Score(0.1, ["too short to assert anything"])

    value = 0.3
    if has_source:
        value += 0.4
        reasons.append("attributes to a source")
    if len(words) >= 7 or _finite_verb(low, seen):
        value += 0.15
    else:
        reasons.append("no verb")
        value -= 0.2
    if _finding_language(low, seen):
        value += 0.2
        reasons.append("reports a finding")
    if _generic_fact(low, seen):
        value += 0.1
        reasons.append("factual assertion")
    causal = _causal(low, seen)
    statistic = _statistic(low, seen)
    if causal:
        value += 0.15
        reasons.append("causal or effect language")
    if statistic:
        value += 0.15
        reasons.append("statistic")
    if _comparative(low, seen):
        value += 0.1
        reasons.append("comparison")
    if _health(low, seen):
        value += 0.05
        reasons.append("health topic")
    if _opinion(low, seen):
        value -= 0.3
        reasons.append("opinion")
    if _meta(low, seen):
        value -= 0.4
        reasons.append("describes the document or its methods")
    if not has_source and _methods(low, seen):
        value -= 0.35
        reasons.append("describes methods or aims")
    if not has_source and not statistic and _reported_speech(body, seen):
        value -= 0.2
        reasons.append("opinion or reported speech")
    if not has_source and _promotion(low, seen):
        value -= 0.3
        reasons.append("promotion")
    if not causal and _second_person(low, seen):
        value -= 0.15
        reasons.append("addresses the reader")
    if not has_source and not statistic and _FIRST_PERSON_STORY.match(low):
        value -= 0.1
        reasons.append("first-person account")
    if body.endswith(":"):
        value -= 0.2
        reasons.append("ends with a colon")
    value = min(1.0, max(0.0, round(value, 2)))
    if not reasons:
        reasons.append("plain statement")
    return Score(value, reasons)
