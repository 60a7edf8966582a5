"""LaTeX in bibliography fields, to and from plain Unicode.

:func:`latex_to_unicode` decodes what BibTeX files hold (accents, symbol commands,
case-protecting braces, font switches, dashes and ties) for display and matching;
:func:`unicode_to_latex` escapes plain text for a braced BibTeX value, and decoding
gives that text back.
"""

from __future__ import annotations

import re
import unicodedata

_COMBINING = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "d": "\u0323",
    "b": "\u0331",
    "r": "\u030a",
    "k": "\u0328",
    "t": "\u0361",
}

_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()
_GREEK_LETTERS = "αβγδεζηθικλμνξπρστυφχψω"
_CAPITAL_GREEK = {"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ"} | {
    "Pi": "Π",
    "Sigma": "Σ",
    "Upsilon": "Υ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}

# Commands that stand for a character (or a logo) of their own.
_SYMBOLS: dict[str, str] = {
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textunderscore": "_",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textquotedbl": '"',
    "textdollar": "$",
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "textendash": "–",
    "textemdash": "—",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "quotedblbase": "„",
    "S": "§",
    "P": "¶",
    "copyright": "©",
    "textcopyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "pounds": "£",
    "textsterling": "£",
    "euro": "€",
    "texteuro": "€",
    "dag": "†",
    "ddag": "‡",
    "textdegree": "°",
    "textperiodcentered": "·",
    "textbullet": "•",
    "cdot": "·",
    "times": "×",
    "pm": "±",
    "textmu": "µ",
    "infty": "∞",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "rightarrow": "→",
    "to": "→",
    "leftarrow": "←",
    "sim": "∼",
    "LaTeXe": "LaTeX2ε",
    "quad": " ",
    "qquad": " ",
    "space": " ",
    "nobreakspace": " ",
    "slash": "/",
    "textslash": "/",
    "textsuperscript": "",
    "Dash": "—",
    "dash": "—",
    "thinspace": " ",
    "bs": "\\",
    "varepsilon": "ε",
    "OMEGA": "Ω",
    "textsubscript": "",
    **dict(zip(_GREEK, _GREEK_LETTERS, strict=True)),
    **_CAPITAL_GREEK,
}

# Font switches, boxes and other commands that print nothing of their own.
_SILENT = frozenset(
    (
        "emph textit textbf textsc textsf texttt textrm textup textmd textsl textnormal "
        "mbox hbox text mathrm mathit mathbf mathsf mathtt mathcal mathbb em it bf sc sf "
        "tt rm sl up relax protect bgroup egroup url ensuremath normalfont uppercase "
        "lowercase MakeUppercase MakeLowercase small footnotesize large Large LARGE tiny "
        "scriptsize huge Huge normalsize noindent ignorespaces unskip nolinkurl acro smc SC "
        "rlap llap smash raise lower kern char tubissue nth"
    ).split()
)

_CONTROL_SYMBOLS = {
    " ": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    "/": "",
    "@": "",
    "-": "",
    "\\": " ",
}

_NEEDS_DECODING = re.compile(r"[\\{}~$]|--|``|''")
_LATEX_TOKEN = re.compile(
    r"""\\(?P<acc>[`'^"~=.]|[uvHcdbrkt](?![a-zA-Z]))\s*
          (?:\{\s*(?P<barg>\\[ij](?![a-zA-Z])|[^{}\\]*?)\s*\}
            |(?P<arg>\\[ij](?![a-zA-Z])|[a-zA-Z]))
       |\\(?P<word>[a-zA-Z]+)\s*
       |\\(?P<sym>.)
       |(?P<dash>---?)
       |``|''|[{}~$]""",
    re.VERBOSE | re.DOTALL,
)
_DROP_WITH_ARGUMENT = re.compile(r"\\(?:noopsort|SortNoop|noop)\s*\{[^{}]*\}")
_VERBATIM = re.compile(r"\\(?:path|verb)\*?([^a-zA-Z\s{])(.*?)\1")
_SPACES = re.compile(r"[ \t\r\n]+")
# A tie (~) is a plain space: values are for display and matching, and the field as
# written is kept for export.
_TOKEN_TEXT = {"``": "“", "''": "”", "{": "", "}": "", "~": " ", "$": ""}


def latex_to_unicode(text: str) -> str:
    """Decode a BibTeX field value to plain Unicode: accents and symbol commands become
    characters, case-protecting braces, font commands and math delimiters go away,
    ``--``/``---`` become dashes and ``~`` a space."""
    if not _NEEDS_DECODING.search(text):
        return text
    if "noop" in text:
        text = _DROP_WITH_ARGUMENT.sub("", text)
    if "\\path" in text or "\\verb" in text:
        text = _VERBATIM.sub(lambda m: m.group(2), text)
    accented = False

    def replace(match: re.Match[str]) -> str:
        nonlocal accented
        acc = match.group("acc")
        if acc is not None:
            base = match.group("barg")
            if base is None:
                base = match.group("arg")
            if not base:
                return acc  # \~{} and friends: the accent character itself
            if base[0] == "\\":
                base = base[1:]  # \i and \j under an accent are plain i and j
            accented = True
            return base[0] + _COMBINING[acc] + base[1:]
        word = match.group("word")
        if word is not None:
            symbol = _SYMBOLS.get(word)
            if symbol is not None:
                return symbol
            if word in _SILENT:
                return ""
            return word  # unknown commands (logos such as \TeX, \MF) keep their name
        sym = match.group("sym")
        if sym is not None:
            return _CONTROL_SYMBOLS.get(sym, sym)
        dash = match.group("dash")
        if dash is not None:
            return "—" if len(dash) == 3 else "–"
        return _TOKEN_TEXT[match.group()]

    out = _LATEX_TOKEN.sub(replace, text)
    if accented:
        out = unicodedata.normalize("NFC", out)
    return _SPACES.sub(" ", out).strip(" ")


_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "-": "-{}",
    "`": "`{}",
    "'": "'{}",
}
_TO_ESCAPE = re.compile(r"[\\{}&%$#_~^]|-(?=-)|`(?=`)|'(?=')")


def unicode_to_latex(text: str) -> str:
    """Escape plain Unicode for a braced BibTeX value (UTF-8 output: only the characters
    special to TeX change; ``latex_to_unicode`` gives the text back)."""
    # Most text has nothing to escape: a scan for the special characters (one character
    # class, much faster than the pattern with its lookaheads) says so.
    if _NO_SPECIALS(text) and "--" not in text and "``" not in text and "''" not in text:
        return text
    return _TO_ESCAPE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


_NO_SPECIALS = re.compile(r"[^\\{}&%$#_~^]*").fullmatch


def needs_escaping(text: str) -> bool:
    """Whether :func:`unicode_to_latex` would change ``text``."""
    return _TO_ESCAPE.search(text) is not None
