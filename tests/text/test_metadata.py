from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.text import metadata


def test_file_wins_over_text_which_wins_over_file_name(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text("title: Given Title\nyear: 1934\nrate: 160\n", encoding="utf-8")
    given = metadata.read(path)
    meta = metadata.resolve(
        given, guessed={"title": "Guessed", "author": "Guessed Author"}, fallback_title="F"
    )
    assert (meta.title, meta.author, meta.year, meta.rate) == ("Given Title", "Guessed Author", "1934", 160)
    bare = metadata.resolve(metadata.read(None), guessed={}, fallback_title="From File Name")
    assert bare.title == "From File Name"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("title: A\nauthour: B\n", 2, "unknown key 'authour'"),
        ("title: [A, B]\n", 1, "title must be text"),
        ("rate: fast\n", 1, "rate must be a whole number"),
        ("cover: missing.jpg\n", 1, "does not exist"),
        ("- a\n- b\n", 1, "must be a mapping"),
    ],
)
def test_bad_metadata_is_refused_with_its_line(tmp_path, text, line, words):
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        metadata.read(path)
    assert info.value.line == line
    assert words in str(info.value)


def test_the_first_books_metadata_file_is_valid():
    from tests.conftest import ROOT

    meta = metadata.read(ROOT / "script" / "book.yaml")
    assert meta.values["title"] == "On the Kirov Assassination"
    assert meta.values["author"] == "Leon Trotsky"
