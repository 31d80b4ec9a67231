"""Reading manuscripts: files, encodings, boilerplate, guesses from the text, and the chapters: overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.model import Paragraph, Where
from pipeline.text import yamlfile
from pipeline.text.manuscript import FrontMatter, find_body, guess_front_matter, manuscript_files, read_text
from pipeline.text.overrides import ChapterOverrides, overrides_from_yaml

TEXT = "“Well,” she said – and stopped.\nNext line é.\n"


# --- read_text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),  # smart quotes as 0x93/0x94, not valid UTF-8
        TEXT.replace("\n", "\r\n").encode("utf-8"),
        TEXT.replace("\n", "\r").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "cp1252", "crlf", "cr"],
)
def test_read_text_decodes_every_encoding_and_newline_style(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    assert read_text(path) == TEXT


def test_read_text_reads_latin_1_bytes_that_windows_1252_leaves_undefined(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(b"t\xeate-\xe0-t\xeate \x81\n")
    assert read_text(path) == "tête-à-tête \x81\n"


def reading_error(tmp_path: Path, data: bytes | None, name: str = "book.txt") -> InputError:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_text(path)
    assert caught.value.exit_code == 2
    assert caught.value.path == path
    assert caught.value.fix
    return caught.value


def test_read_text_refuses_a_binary_file_naming_the_line(tmp_path: Path) -> None:
    error = reading_error(tmp_path, b"one\ntwo\nthr\x00ee\n")
    assert error.line == 3
    assert "binary" in error.message


def test_read_text_refuses_control_characters(tmp_path: Path) -> None:
    error = reading_error(tmp_path, b"ok\n" + bytes(range(1, 9)) * 20)
    assert error.line == 2
    assert "control characters" in error.message


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t \n", b"\xef\xbb\xbf\n"], ids=["empty", "blank", "bom"])
def test_read_text_refuses_an_empty_file(tmp_path: Path, data: bytes) -> None:
    assert reading_error(tmp_path, data).message == "the manuscript is empty"


def test_read_text_names_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    assert reading_error(tmp_path, None).message == "manuscript file not found"
    (tmp_path / "folder").mkdir()
    assert "folder" in reading_error(tmp_path, None, "folder").message


def test_read_text_refuses_a_broken_utf16_file(tmp_path: Path) -> None:
    assert (
        "utf-16-le" in reading_error(tmp_path, b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8").message
    )


# --- manuscript_files -------------------------------------------------------------------------------------


def test_a_folder_gives_its_text_files_in_natural_order(tmp_path: Path) -> None:
    for name in [
        "chapter10.txt",
        "chapter2.txt",
        "Chapter1.md",
        "book.yaml",
        "pronunciations.yaml",
        "README.md",
        ".draft.txt",
        "cover.jpg",
    ]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "old.txt").mkdir()
    assert manuscript_files(tmp_path) == tuple(
        tmp_path / n for n in ["Chapter1.md", "chapter2.txt", "chapter10.txt"]
    )


def test_a_single_file_is_its_own_manuscript(tmp_path: Path) -> None:
    path = tmp_path / "book.TXT"
    path.write_text("x", encoding="utf-8")
    assert manuscript_files(path) == (path,)


@pytest.mark.parametrize("name", ["missing", "empty-folder", "book.yaml"])
def test_manuscript_files_refuses_what_holds_no_manuscript(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    if name == "empty-folder":
        source.mkdir()
        (source / "book.yaml").write_text("title: x\n", encoding="utf-8")
    elif name == "book.yaml":
        source.write_text("title: x\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        manuscript_files(source)
    assert caught.value.path == source and caught.value.fix


# --- Boilerplate and guesses ------------------------------------------------------------------------------

OLD_GUTENBERG = """\
Project Gutenberg's Old Tale, by Someone

Title: Old Tale
       Being a Longer Title

Author: Some One

Translated by: A. N. Other

Original publication: London, 1887

*** START OF THE PROJECT GUTENBERG EBOOK OLD TALE ***

The text.

End of Project Gutenberg's Old Tale, by Someone
Licence text follows.
"""


def test_find_body_cuts_a_gutenberg_header_and_an_old_style_footer() -> None:
    lines = OLD_GUTENBERG.split("\n")
    body = find_body(lines, path=Path("old.txt"), line_offset=100)
    assert lines[body.start : body.end] == ["", "The text.", ""]
    assert [(d.where.line, d.reason) for d in body.dropped] == [
        (101, "Project Gutenberg header"),
        (116, "Project Gutenberg footer and licence"),
    ]
    assert body.dropped[1].text == "End of Project Gutenberg's Old Tale, by Someone\nLicence text follows.\n"
    assert body.fields == {
        "title": "Old Tale: Being a Longer Title",
        "author": "Some One",
        "translator": "A. N. Other",
        "original publication": "London, 1887",
    }
    assert guess_front_matter(body.fields, ()) == FrontMatter(
        "Old Tale: Being a Longer Title", "Some One", "A. N. Other", "1887"
    )


def test_find_body_keeps_a_last_updated_line_inside_a_paragraph() -> None:
    lines = ["Text.", "", "Some words", "Last updated: 2014"]
    assert find_body(lines, path=Path("x.txt")).end == 4
    lines = ["Text.", "", "Last modified: 3 May 2020", "", "Last updated on: 14 November 2014", ""]
    body = find_body(lines, path=Path("x.txt"))
    assert (body.end, [d.text for d in body.dropped]) == (
        2,
        ["Last modified: 3 May 2020", "Last updated on: 14 November 2014"],
    )


def front(*lines: str) -> tuple[Paragraph, ...]:
    return tuple(Paragraph(line, Where(Path("x.txt"), n)) for n, line in enumerate(lines, 1))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ("Leon Trotsky", "On the Kirov Assassination", "(December 1934)", "Translation: John G. Wright."),
            FrontMatter("On the Kirov Assassination", "Leon Trotsky", "John G. Wright", "1934"),
        ),
        (
            ("WAR AND PEACE", "By Leo Tolstoy", "Translated by Louise and Aylmer Maude"),
            FrontMatter("War and Peace", "Leo Tolstoy", "Louise and Aylmer Maude", None),
        ),
        (
            ("Anna Karenina", "Leo Tolstoy", "First published: 1878"),
            FrontMatter("Anna Karenina", "Leo Tolstoy", None, "1878"),
        ),
        ((), FrontMatter()),
    ],
)
def test_guesses_from_the_front_matter(lines: tuple[str, ...], expected: FrontMatter) -> None:
    assert guess_front_matter({}, front(*lines)) == expected


# --- chapters: in book.yaml -------------------------------------------------------------------------------


def chapters_value(tmp_path: Path, yaml_text: str) -> tuple[object, Path, int]:
    path = tmp_path / "book.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    data = yamlfile.load(path)
    return data["chapters"], path, data.lines["chapters"]


def test_overrides_from_yaml_reads_every_setting(tmp_path: Path) -> None:
    value, path, line = chapters_value(
        tmp_path,
        """\
title: A Book
chapters:
  headings: ['Letter \\d+', '~ .* ~']
  split_at: [The Indictment, "  Note   for Readers "]
  not_headings: Leon Trotsky
  automatic: true
  opening: false
  opening_title: Credits
""",
    )
    overrides = overrides_from_yaml(value, path=path, line=line)
    assert [p.pattern for p in overrides.headings] == [r"Letter \d+", "~ .* ~"]
    assert overrides.split_at == {"The Indictment", "Note for Readers"}
    assert overrides.not_headings == {"Leon Trotsky"}
    assert (overrides.automatic, overrides.opening, overrides.opening_title) == (True, False, "Credits")
    assert overrides.forces("Letter 12") and not overrides.forces("Letter 12 came")
    assert overrides.forces("Note  for Readers") and overrides.refuses("Leon Trotsky")
    assert overrides_from_yaml(None, path=path, line=line) == ChapterOverrides()


@pytest.mark.parametrize(
    ("yaml_text", "line", "words"),
    [
        ("chapters:\n  opening: false\n  heading: x\n", 3, "no setting 'heading'"),
        ("chapters:\n  headings: ['(unclosed']\n", 2, "not a valid regular expression"),
        ("chapters:\n  opening: 'no'\n", 2, "must be true or false"),
        ("chapters:\n\n  split_at: {a: 1}\n", 3, "must be a list of lines"),
        ("chapters:\n  opening_title: ''\n", 2, "opening_title must be a non-empty text"),
        ("title: x\nchapters: [a, b]\n", 2, "must be a mapping"),
    ],
)
def test_overrides_from_yaml_names_the_line_of_a_bad_value(
    tmp_path: Path, yaml_text: str, line: int, words: str
) -> None:
    value, path, key_line = chapters_value(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as caught:
        overrides_from_yaml(value, path=path, line=key_line)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert words in caught.value.message
    assert caught.value.fix and caught.value.exit_code == 2
