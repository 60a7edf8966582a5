"""The BibTeX writer's escaping, made faster, gives exactly what the pattern-only version
gave: random text over the characters that matter (TeX specials, doubled dashes and
quotes, accents, spaces) through both."""

from __future__ import annotations

import random
import re

from bib.formats.latex import _ESCAPES, unicode_to_latex
from bib.formats.names import format_name, format_names
from bib.work import Author

# The escaping as it was: one pattern, every match replaced.
_REFERENCE = re.compile(r"[\\{}&%$#_~^]|-(?=-)|`(?=`)|'(?=')")


def reference_unicode_to_latex(text: str) -> str:
    return _REFERENCE.sub(lambda m: _ESCAPES[m.group()], text)


_ALPHABET = "ab Z09-`'\\{}&%$#_~^é—., and"


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 12))) for _ in range(count)]


def test_unicode_to_latex_matches_the_reference_on_random_text() -> None:
    for text in _texts(14, 20_000):
        assert unicode_to_latex(text) == reference_unicode_to_latex(text), text


def test_unicode_to_latex_keeps_plain_text_and_escapes_specials() -> None:
    assert unicode_to_latex("Effects of massage: a trial") == "Effects of massage: a trial"
    assert unicode_to_latex("A--B ``q'' 5% & $x_1$") == (r"A-{}-B `{}`q'{}' 5\% \& \$x\_1\$")


def test_format_names_matches_format_name_when_names_repeat() -> None:
    """Names are remembered between calls: the same people give the same field."""
    texts = _texts(3, 400)
    rng = random.Random(5)
    for _ in range(2_000):
        people = [Author(rng.choice(texts), rng.choice(texts)) for _ in range(rng.randint(1, 3))]
        assert format_names(people) == " and ".join(format_name(a) for a in people)


def test_ris_lines_keep_exactly_the_values_whose_spaces_need_no_change() -> None:
    """RIS writes a value as it is when joining its words by single spaces gives it back,
    and joins them otherwise: the check agrees with the join on random spacing."""
    from bib.formats.ris import _ONE_LINE

    rng = random.Random(9)
    for _ in range(20_000):
        text = "".join(rng.choices("ab \t\n\u00a0\u2028\x1c\x85é", k=rng.randint(0, 8)))
        assert bool(_ONE_LINE(text)) == (" ".join(text.split()) == text), repr(text)


def test_json_layout_matches_json_dumps_on_random_data() -> None:
    import json

    from bib.jsonlayout import layout

    rng = random.Random(11)

    def value(depth: int) -> object:
        choice = rng.randint(0, 7 if depth < 3 else 4)
        if choice == 0:
            return rng.choice([None, True, False])
        if choice == 1:
            return rng.randint(-5, 2000)
        if choice == 2:
            return rng.choice(
                [
                    rng.random(),
                    -rng.random() * 1e300,
                    0.0,
                    -0.0,
                    1e-320,
                    float("inf"),
                    -float("inf"),
                    float("nan"),
                ]
            )
        if choice in (3, 4):
            return "".join(rng.choices('a "\\\n\u2028é', k=rng.randint(0, 5)))
        if choice == 5:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        keys = [rng.choice(["id", "é", 'q"', 3, "x"]) for _ in range(rng.randint(0, 3))]
        return {k: value(depth + 1) for k in keys}

    for _ in range(3_000):
        data = value(0)
        for indent in ("", "  "):
            expected = json.dumps(data, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
            assert layout(data, indent) == expected
