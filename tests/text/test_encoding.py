"""Bytes that are not UTF-8: read as Windows-1252 with a warning naming file, line, bytes and reading; or an
error with --strict-encoding / `strict_encoding: true`."""

from __future__ import annotations

import logging

import pytest

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.text.manuscript import read_text
from tests.conftest import METADATA


def test_guessed_bytes_are_reported_with_file_line_and_reading(tmp_path, caplog):
    path = tmp_path / "book.txt"
    path.write_bytes(b"Title\n\nHello \xff\xfe\xfa world\n")
    with caplog.at_level(logging.WARNING):
        assert read_text(path) == "Title\n\nHello ÿþú world\n"
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = record.getMessage()
    assert f"{path}:3:" in message and "ff fe fa" in message and "'ÿþú'" in message


def test_a_pasted_windows_1252_quote_in_a_utf8_file(tmp_path, caplog):
    path = tmp_path / "book.txt"
    path.write_bytes(
        "Café, été, naïve.\nHe said \x93yes\x94 twice.\n".encode("latin-1")
        .replace(b"\xe9", "é".encode())
        .replace(b"\xef", "ï".encode())
    )
    with caplog.at_level(logging.WARNING):
        assert read_text(path) == "Café, été, naïve.\nHe said “yes” twice.\n"
    message = caplog.records[-1].getMessage()
    assert f"{path}:2:" in message and "line 2: 93 as '“'" in message and "line 2: 94 as '”'" in message


def test_utf8_is_read_without_a_word(tmp_path, caplog):
    path = tmp_path / "book.txt"
    path.write_text("Mlle Scherer — tête-à-tête.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        read_text(path)
    assert not caplog.records


def test_strict_encoding_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "book.txt"
    path.write_bytes(b"Title\n\nHello \xff\xfe\xfa world\n")
    with pytest.raises(InputError) as caught:
        read_text(path, strict=True)
    assert caught.value.line == 3 and "ff fe fa" in str(caught.value)


def test_strict_encoding_from_the_command_line_and_book_yaml(tmp_path, capsys):
    folder = tmp_path / "manuscript"
    folder.mkdir()
    (folder / "book.txt").write_bytes(b"CHAPTER I\n\nHello \xff\xfe\xfa world. It was all.\n")
    (folder / "book.yaml").write_text(METADATA, encoding="utf-8")
    assert main(["chapters", str(folder)]) == 0
    assert main(["chapters", str(folder), "--strict-encoding"]) == 2
    assert "book.txt:3" in capsys.readouterr().err
    (folder / "book.yaml").write_text(METADATA + "strict_encoding: true\n", encoding="utf-8")
    assert main(["spoken", str(folder)]) == 2
    (folder / "book.yaml").write_text(METADATA + "strict_encoding: maybe\n", encoding="utf-8")
    assert main(["chapters", str(folder)]) == 2
