"""The command line as a person uses it: help, exit codes, what it prints."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.cli import main

BOOK = (
    "Title Line\n\nCHAPTER I\n\nIt was 1926. Zinoviev spoke.\n\nCHAPTER II\n\nThe end came on May 1, 1956.\n"
)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text(BOOK, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["build"],
        ["chapters"],
        ["spoken"],
        ["voices"],
        ["lint"],
        ["lexicon", "check"],
        ["lexicon", "show"],
        ["say"],
        ["cache"],
        ["doctor"],
        ["serve"],
        ["check-audio"],
    ],
)
def test_help_on_each_command(command):
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", *command, "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert "usage: audiobook" in proc.stdout


def test_usage_error_is_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["build", "--rate", "fast"])
    assert info.value.code == 2


def test_missing_source_is_exit_2_with_a_fix(tmp_path, capsys):
    assert main(["chapters", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "nope: no such file or folder" in err and "fix:" in err
    assert "Traceback" not in err


def test_missing_dependency_is_exit_3(book, tmp_path, monkeypatch, capsys):
    from pipeline import tools

    tools.ffmpeg.cache_clear()
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(tmp_path / "no-ffmpeg"))
    try:
        assert main(["build", str(book), "-o", str(tmp_path / "out"), "--engine", "silent"]) == 3
    finally:
        tools.ffmpeg.cache_clear()
    assert "AUDIOBOOK_FFMPEG" in capsys.readouterr().err


def test_chapters_json(book, capsys):
    assert main(["chapters", str(book), "--json"]) == 0
    chapters = json.loads(capsys.readouterr().out)
    assert [(c["title"], c["words"]) for c in chapters][-2:] == [("Chapter I", 9), ("Chapter II", 7)]
    assert chapters[-1]["source"] == f"{book}:7"


def test_spoken_shows_what_the_engine_gets(book, capsys):
    assert main(["spoken", "--text", "In 1926, Zinoviev spoke [1]."]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("In nineteen twenty-six, [[")  # the lexicon's phonemes for the default engine
    assert "[1]" not in out
    assert main(["spoken", str(book), "--chapter", "2"]) == 0
    assert "nineteen fifty-six" in capsys.readouterr().out
    assert main(["spoken", str(book), "--chapter", "9"]) == 2


def test_bad_engine_is_exit_2(book, tmp_path, capsys):
    assert main(["build", str(book), "-o", str(tmp_path), "--engine", "festival"]) == 2
    err = capsys.readouterr().err
    assert "choose one of: espeak" in err and "silent" in err


def test_lint_flags_the_first_books_slips_and_exits_1(capsys):
    from tests.conftest import ROOT

    assert main(["lint", str(ROOT / "script")]) == 1
    out = capsys.readouterr().out
    for expected in (
        "'Trot sky'",
        "'m ore'",
        "'the the'",
        "'Trostky'",
        "return return return",
        "Nicolaev (242)",
    ):
        assert expected in out


def test_lint_of_clean_text_exits_0(tmp_path, capsys):
    (tmp_path / "clean.txt").write_text("CHAPTER I\n\nThe night was quiet and the town was asleep.\n")
    assert main(["lint", str(tmp_path / "clean.txt")]) == 0
    assert "no findings" in capsys.readouterr().out


def test_lexicon_check_is_clean_on_the_first_book_and_not_on_an_unknown_name(tmp_path, capsys):
    from tests.conftest import ROOT

    assert main(["lexicon", "check", str(ROOT / "script")]) == 0
    book = tmp_path / "b.txt"
    book.write_text("CHAPTER I\n\nThen Bukharinov spoke, and Bukharinov was heard.\n")
    assert main(["lexicon", "check", str(book), "--lexicon", str(ROOT / "pronunciations.yaml")]) == 1
    assert "Bukharinov" in capsys.readouterr().out


def test_lexicon_show_and_say(tmp_path, capsys):
    import wave

    from tests.conftest import ROOT

    lexicon = str(ROOT / "pronunciations.yaml")
    assert main(["lexicon", "show", "Zinoviev", "--lexicon", lexicon]) == 0
    assert "[[zIn'oUvjEf]]" in capsys.readouterr().out
    assert main(["lexicon", "show", "Zinovyev", "--lexicon", lexicon]) == 2  # unknown: close matches offered
    dest = tmp_path / "z.wav"
    assert main(["say", "Zinoviev and Kamenev", "-o", str(dest), "--lexicon", lexicon]) == 0
    with wave.open(str(dest)) as wav:
        assert 1.0 < wav.getnframes() / wav.getframerate() < 4.0


def test_cache_size_and_clear(book, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert (
        main(["build", str(book), "-o", str(tmp_path / "out"), "--engine", "silent", "--cache", str(cache)])
        == 0
    )
    capsys.readouterr()
    assert main(["cache", "--cache", str(cache)]) == 0
    entries = int(capsys.readouterr().out.split(": ")[1].split()[0])
    assert entries > 0
    assert main(["cache", "clear", "--cache", str(cache)]) == 0
    capsys.readouterr()
    assert main(["cache", "--cache", str(cache)]) == 0
    assert ": 0 entries" in capsys.readouterr().out


def test_cache_prune_says_what_it_removed(book, tmp_path, capsys):
    cache = tmp_path / "cache"
    argv = ["build", str(book), "-o", str(tmp_path / "out"), "--engine", "silent", "--cache", str(cache)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["cache", "prune", "--cache", str(cache)]) == 0
    said = capsys.readouterr().out
    assert "removed 0 entries (0.0 MB) that no built book uses" in said and "kept" in said


def test_output_cut_short_by_the_reader_is_not_an_error(tmp_path):
    """`audiobook chapters BOOK | head`: when the reader stops reading, the command ends quietly (exit 0),
    without blaming the disk."""
    chapters = "\n\n".join(
        f"CHAPTER {n}\n\nThe river ran past the town for the {n}th time." for n in range(1, 3001)
    )
    (tmp_path / "long.txt").write_text(f"A Long Book\n\nby Ann Author\n\n{chapters}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "chapters", str(tmp_path / "long.txt")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.read(200)  # the first lines, as `head` reads them; then the reader goes away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "error" not in err and "disk" not in err
