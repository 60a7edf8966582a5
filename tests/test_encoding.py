"""bib.encoding.decode_text: the decoder behind bibliography files and documents."""

from __future__ import annotations

import pytest

from bib.encoding import Undecodable, decode_text


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-32", "utf-8", "cp1252"])
def test_text_comes_back_whatever_the_encoding(codec: str) -> None:
    text = "Müller & Søren: massage réduit l'anxiété, 1996; café crème, naïve façade."
    assert decode_text(text.encode(codec)) == text


@pytest.mark.parametrize(
    ("data", "reason", "codec"),
    [
        (b"  \n\t ", "empty", None),
        (b"\xef\xbb\xbf\xff\xfe\xfa", "bad-mark", "UTF-8"),
        (b"\xff\xfe\x00\xd8", "bad-mark", "UTF-16"),
        (b"text\x00with\x00nul", "binary", None),
    ],
)
def test_what_cannot_be_text_says_why(data: bytes, reason: str, codec: str | None) -> None:
    with pytest.raises(Undecodable) as caught:
        decode_text(data)
    assert (caught.value.reason, caught.value.codec) == (reason, codec)
