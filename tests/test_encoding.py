"""bib.encoding: the capped reader and the decoder behind bibliography files and documents."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bib.encoding import TooLarge, Undecodable, decode_text, read_capped


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


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_mark_is_told_by_its_nul_bytes(codec: str) -> None:
    text = "Müller et al. found that massage reduced anxiety.\nZoë Søren, 1996.\n"
    assert decode_text(text.encode(codec)) == text


def test_a_file_of_utf8_and_latin1_lines_is_decoded_line_by_line() -> None:
    """One line edited in a Latin-1 editor: each line comes back as written, not the
    whole file as a Baltic or Central European code page."""
    data = (
        "Café au lait, naïve façade, Müller (UTF-8).\n".encode()
        + "Crème brûlée à la carte, Søren (Latin-1).\n".encode("latin-1")
        + b"Plain ASCII line.\n"
        + "Zoë’s “quoted” words (UTF-8 again).\n".encode()
        + "Prix: 5 € (Windows-1252).\n".encode("cp1252")
    )
    assert decode_text(data) == (
        "Café au lait, naïve façade, Müller (UTF-8).\n"
        "Crème brûlée à la carte, Søren (Latin-1).\n"
        "Plain ASCII line.\n"
        "Zoë’s “quoted” words (UTF-8 again).\n"
        "Prix: 5 € (Windows-1252).\n"
    )


def test_read_capped_stops_at_the_limit(tmp_path: Path) -> None:
    with pytest.raises(TooLarge) as caught:
        read_capped(Path("/dev/zero"), 1_000_000)
    assert caught.value.size is None

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            buffer[:] = b"a" * len(buffer)
            return len(buffer)

    with pytest.raises(TooLarge):
        read_capped(io.BufferedReader(Endless()), 3_000_000)
    small = tmp_path / "small.txt"
    small.write_bytes(b"x" * 100)
    assert read_capped(small, 100) == b"x" * 100
    with pytest.raises(TooLarge) as caught:
        read_capped(small, 99)
    assert caught.value.size == 100


def test_the_legacy_lines_of_a_mixed_file_keep_their_own_encoding() -> None:
    data = (
        "Привет, это строка в UTF-8.\n".encode()
        + "А это строка в кодировке Windows-1251, из другого редактора.\n".encode("cp1251")
        + "Ещё одна строка в Windows-1251 для определения кодировки.\n".encode("cp1251")
    )
    assert decode_text(data) == (
        "Привет, это строка в UTF-8.\n"
        "А это строка в кодировке Windows-1251, из другого редактора.\n"
        "Ещё одна строка в Windows-1251 для определения кодировки.\n"
    )
