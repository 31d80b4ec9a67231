"""Bad input and hostile text: every case is read correctly or refused with file, line and fix; never a traceback.

Through `cli.main` where a person would meet it: the exit code, what stderr says, what `chapters` and `spoken`
show, and what a player reads back from a built file. Engines, encoders, the disk and crashes: test_crash.py.
"""

from __future__ import annotations

import ast
import json
import re
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.m4b import package
from pipeline.speech import conventions, normalise
from pipeline.speech.lexicon import Lexicon
from pipeline.speech.narration import narrate_chapter
from pipeline.text import source
from pipeline.text.manuscript import read_text
from pipeline.text.structure import detect_chapters
from pipeline.voice.base import Notation
from tests.conftest import ROOT

TEXT = "CHAPTER I\n\n“Well,” she said – café.\n\nCHAPTER II\n\nThe end.\n"
SPOKEN = ["Chapter one", "Well, she said, café.", "Chapter two", "The end."]


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def refused(capsys, path: Path, *argv: object, line: int | None = None) -> str:
    """The command exits 2 naming `path` (and `line`) with a fix; returns the message."""
    code, out, err = run(capsys, *(argv or ("chapters",)), path)
    assert code == 2, err
    where = f"{path}:{line}: " if line else f"{path}"
    assert where in err and "\n  fix: " in err, err
    assert out == ""
    return err


def spoken_lines(capsys, path: Path) -> list[str]:
    code, out, err = run(capsys, "spoken", path, "--engine", "silent")
    assert code == 0, err
    return [line for line in out.splitlines() if line and not line.startswith("## ")]


# --- manuscripts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"", None, "the manuscript is empty"),
        (b"  \n\t\r\n \r \xef\xbb\xbf", None, "the manuscript is empty"),
        (b"\xef\xbb\xbf", None, "the manuscript is empty"),
        ("\u200b\u200d\n\u2060\u202e".encode(), None, "the manuscript is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), 3, "binary file"),
        (b"CHAPTER I\n\nText\n" + bytes(range(1, 9)) * 40, 4, "binary file"),
        (TEXT.encode("utf-16-le"), 1, "UTF-16 files need a byte-order mark"),  # no BOM: NUL bytes
        (b"\xff\xfe" + "ok\nfine".encode("utf-16-le") + b"\x00\xd8", 2, "not valid utf-16-le"),
    ],
    ids=["empty", "whitespace", "bom-only", "invisible", "png", "controls", "utf16-no-bom", "broken-utf16"],
)
def test_unreadable_manuscripts_are_refused_with_file_line_and_fix(capsys, tmp_path, data, line, words):
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    assert words in refused(capsys, path, line=line)
    assert words in refused(capsys, path, "spoken", line=line)


def test_what_holds_no_manuscript_is_refused(capsys, tmp_path):
    assert "no such file or folder" in refused(capsys, tmp_path / "missing.txt")
    assert "no such file or folder" in refused(capsys, tmp_path / "missing", "spoken")
    (tmp_path / "book.docx").write_bytes(b"PK\x03\x04")
    assert "not a manuscript file" in refused(capsys, tmp_path / "book.docx")
    (tmp_path / "empty").mkdir()
    assert "has no .txt or .md files" in refused(capsys, tmp_path / "empty")
    (tmp_path / "licence").mkdir()
    (tmp_path / "licence" / "x.txt").write_text(
        "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n"
    )
    assert "no text to read" in refused(capsys, tmp_path / "licence")
    (tmp_path / "dots.txt").write_text("...\n\n* * *\n\n---\n")  # nothing to say, and no title either
    assert "no text to read" in refused(capsys, tmp_path / "dots.txt")
    assert "no text to read" in refused(capsys, tmp_path / "dots.txt", "build", "--engine", "silent")


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),  # the quotes are the bytes 0x93/0x94, which are not UTF-8
        TEXT.replace("\n", "\r\n").encode("utf-8"),
        TEXT.replace("\n", "\r").encode("utf-8"),
        TEXT.replace("“", "\x93").encode("utf-8").replace(b"\xc2\x93", b"\x93"),  # UTF-8 with one cp1252 byte
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "cp1252", "crlf", "cr", "utf8+cp1252"],
)
def test_every_encoding_and_line_ending_reads_the_same_book(capsys, tmp_path, data):
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    code, out, err = run(capsys, "chapters", path, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["title"], r["words"], r["source"]) for r in rows] == [
        ("Chapter I", 4, f"{path}:1"),
        ("Chapter II", 2, f"{path}:5"),
    ]
    book = source.load(path).book
    assert book.chapters[0].paragraphs[0].text == "“Well,” she said – café."  # decoded, not mojibake
    assert spoken_lines(capsys, path) == SPOKEN


def test_a_heading_with_no_text_under_it_still_speaks_its_title(capsys, tmp_path):
    path = tmp_path / "book.txt"
    path.write_text("CHAPTER I\n\nSome text.\n\nCHAPTER II\n\n\n\nCHAPTER III\n")
    _, out, _ = run(capsys, "chapters", path, "--json")
    assert [(r["title"], r["words"]) for r in json.loads(out)] == [
        ("Chapter I", 2),
        ("Chapter II", 0),
        ("Chapter III", 0),
    ]
    assert spoken_lines(capsys, path) == ["Chapter one", "Some text.", "Chapter two", "Chapter three"]


@pytest.mark.slow
def test_a_10_mb_single_line_is_one_chapter_with_every_word(capsys, tmp_path):
    path = tmp_path / "one-line.txt"
    path.write_bytes(b"word " * 2_000_000 + b"end")
    started = time.perf_counter()
    code, out, err = run(capsys, "chapters", path, "--json")
    elapsed = time.perf_counter() - started
    assert code == 0, err
    assert [(r["title"], r["words"]) for r in json.loads(out)] == [("one line", 2_000_001)]
    # Not a speed test (make bench measures speed): about 1.5 s on a quiet machine, so only work that grows
    # faster than the text (a quadratic scan would take hours) can reach this bound, however busy the machine.
    assert elapsed < 300, f"{elapsed:.1f} s"


@pytest.mark.slow
def test_100000_tiny_chapters_are_all_found(capsys, tmp_path):
    path = tmp_path / "many.txt"
    path.write_text("".join(f"CHAPTER {i}\n\nWord{i} is here.\n\n" for i in range(1, 100_001)))
    started = time.perf_counter()
    code, out, err = run(capsys, "chapters", path, "--json")
    elapsed = time.perf_counter() - started
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 100_000
    assert rows[-1] == {
        "number": 100_000,
        "title": "Chapter 100000",
        "words": 3,
        "kind": "body",
        "source": f"{path}:399997",
    }
    assert {r["words"] for r in rows} == {3}
    assert elapsed < 600, f"{elapsed:.1f} s"  # about 7 s on a quiet machine; only a blow-up reaches this


def test_a_silent_build_of_a_folder_in_two_encodings(capsys, tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "01.txt").write_bytes(TEXT.encode("cp1252"))
    (folder / "02.txt").write_bytes(
        b"\xff\xfe"
        + "CHAPTER III\r\n\r\nAgain “quoted”.\r\n\r\nCHAPTER IV\r\n\r\nDone.\r\n".encode("utf-16-le")
    )
    (folder / "book.yaml").write_text("title: Encodings\nauthor: Ann Author\n")
    code, out, err = run(capsys, "build", folder, "-o", tmp_path / "out", "--engine", "silent", "-q")
    assert code == 0, err
    book = Path(out.splitlines()[-1])
    assert book == tmp_path / "out" / "Ann Author - Encodings.m4b"
    back = package.read_back(book)
    titles = ["Chapter I", "Chapter II", "Chapter III", "Chapter IV"]
    assert [t for t, _ in back.nero_chapters] == [t for t, _ in back.quicktime_chapters] == titles


# --- metadata and lexicon -----------------------------------------------------------------------------------

BOOK_YAML = "book.yaml"
LEXICON = "pronunciations.yaml"


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        (BOOK_YAML, "title: [unclosed\nauthor: x\n", 2, "expected"),
        (BOOK_YAML, "title: a\n  author: b\n", 2, "mapping values are not allowed"),
        (BOOK_YAML, "title: a\n\tauthor: b\n", 2, "tab" if yaml.__with_libyaml__ else "'\\t'"),
        (BOOK_YAML, "title: The Book\nrate: fast\n", 2, "rate must be a whole number"),
        (BOOK_YAML, "rate: 5\n", 1, "rate 5 is out of range"),
        (BOOK_YAML, "title:\n  - a\n  - b\n", 1, "title must be text, not list"),
        (BOOK_YAML, "title: The Book\nauthr: X\n", 2, "unknown key 'authr'"),
        (BOOK_YAML, "title: A\nauthor: B\ntitle: C\n", 3, "'title' is given twice (first on line 1)"),
        (BOOK_YAML, "x: 1\ntitle: !!python/object/apply:os.system ['echo hi']\n", 2, "unsupported YAML tag"),
        (BOOK_YAML, "title: !!python/name:os.system\n", 1, "unsupported YAML tag '!!python/name:os.system'"),
        (BOOK_YAML, "- a\n- b\n", 1, "must be a mapping"),
        (BOOK_YAML, "title: ok\nauthor: caf\xe9\n".encode("latin-1"), 2, "not valid UTF-8"),
        (BOOK_YAML, b"title: ok\nauthor: \x00\x01\x02", 2, "control character (U+0000)"),
        (BOOK_YAML, 'title: "a\\0b"\n', 1, "title contains a NUL character"),
        (LEXICON, "Kirov: [ˈkiːrəf\n", 2, "expected"),
        (LEXICON, "Kirov: ˈkiːrəf\nRadek: ˈrɑːdɛk\nKirov: ˈkɪrɒf\n", 3, "'Kirov' is given twice"),
        (LEXICON, "Kirov: 42\n", 1, "expected an IPA string"),
        (LEXICON, "Kirov:\n  ipa: ˈkiːrəf\n  spellings: 5\n", 3, "spellings must be a list"),
        (LEXICON, "Kirov:\n  ipa: ˈkiːrəf\n  colour: red\n", 3, "unknown field 'colour'"),
        (LEXICON, "Kirov: !!python/object/new:os.system [ls]\n", 1, "unsupported YAML tag"),
        (LEXICON, "? [a, b]\n: ˈkiːrəf\n", 1, "keys must be plain text"),
        (LEXICON, "- Kirov\n", 1, "a lexicon is a mapping"),
        (LEXICON, "Kirov: ']]'\n", 1, "no eSpeak NG English phoneme for ']'"),
    ],
)
def test_broken_metadata_and_lexicon_files_name_the_line_and_exit_2(
    capsys, tmp_path, name, text, line, words
):
    (tmp_path / "book.txt").write_text("CHAPTER I\n\nKirov spoke.\n")
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    for command in ("chapters", "spoken") if name == BOOK_YAML else ("spoken", "lexicon check"):
        code, _, err = run(capsys, *command.split(), tmp_path)
        assert code == 2, err
        assert f"{path}:{line}: " in err and words in err and "\n  fix: " in err, err


def test_a_python_object_tag_is_never_constructed(capsys, tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "book.txt").write_text("CHAPTER I\n\nText.\n")
    (tmp_path / BOOK_YAML).write_text(f"title: !!python/object/apply:os.system ['touch {marker}']\n")
    assert run(capsys, "chapters", tmp_path)[0] == 2
    assert not marker.exists()


@pytest.mark.slow
def test_a_10_mb_lexicon_is_read_in_seconds_and_its_last_line_still_named(capsys, tmp_path):
    (tmp_path / "book.txt").write_text("CHAPTER I\n\nKirov spoke.\n")
    entries = [f"Z{i:07d}x: ˈkiːrəf\n" for i in range(480_000)]
    text = "".join(entries) + "Z0000001x: ˈkɪrɒf\n"  # a duplicate on the very last line
    assert len(text.encode()) > 10_000_000
    (tmp_path / LEXICON).write_text(text)
    started = time.perf_counter()
    code, _, err = run(capsys, "spoken", tmp_path)
    elapsed = time.perf_counter() - started
    assert code == 2
    assert f"{LEXICON}:{len(entries) + 1}: 'Z0000001x' is given twice (first on line 2)" in err
    assert elapsed < 400, (
        f"{elapsed:.1f} s"
    )  # about 5 s with libyaml, 13 s without; only a blow-up reaches this


# --- hostile titles and tags --------------------------------------------------------------------------------

HOSTILE_BOOK = """\
# A=B; C#D \\ E \\\\ F

Text one here.

# שלום عليكم — مرحبا

Text two here.

# Emoji 👩‍👩‍👧 🇺🇦 and \u2067isolate\u2069

Text three here.

# [CHAPTER] START=0 END=9 title=x

Text four here.

# Trailing backslash \\

Text five here.
"""
LONG = "Ж" * 400


def test_hostile_titles_and_tags_reach_the_file_exactly(capsys, tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "book.txt").write_text(HOSTILE_BOOK)
    (folder / BOOK_YAML).write_text(
        'title: "T=1;\\n[CHAPTER]\\ntitle=evil #c \\\\ שלום 👩‍👩‍👧"\n'
        'author: "A;B=C\\\\"\n'
        'description: "Line one\\n[CHAPTER]\\nTIMEBASE=1/1\\nSTART=0\\nEND=1\\ntitle=injected"\n'
        'genre: "g#;=\\\\x"\n'
        'copyright: "© \\u202e rtl override \\u202c"\n'
        f'narrator: "{LONG}"\n'
    )
    code, out, err = run(capsys, "build", folder, "-o", tmp_path / "out", "--engine", "silent", "-q")
    assert code == 0, err
    back = package.read_back(Path(out.splitlines()[-1]))
    titles = [
        "A=B; C#D \\ E \\\\ F",
        "שלום عليكم — مرحبا",
        "Emoji 👩‍👩‍👧 🇺🇦 and \u2067isolate\u2069",
        "[CHAPTER] START=0 END=9 title=x",
        "Trailing backslash",  # ffmpeg cannot read a backslash at the end of a value: it goes, with a warning
    ]
    assert [t for t, _ in back.nero_chapters] == [t for t, _ in back.quicktime_chapters] == titles
    starts = [s for _, s in back.quicktime_chapters]
    assert starts == sorted(starts) and starts[0] == 0
    tags = back.tags
    assert tags["©nam"] == tags["©alb"] == ["T=1; [CHAPTER] title=evil #c \\ שלום 👩‍👩‍👧"]
    assert tags["©ART"] == tags["aART"] == ["A;B=C\\"]
    assert tags["ldes"] == ["Line one\n[CHAPTER]\nTIMEBASE=1/1\nSTART=0\nEND=1\ntitle=injected"]
    assert tags["©gen"] == ["g#;=\\x"]
    assert tags["cprt"] == ["© \u202e rtl override \u202c"]
    assert tags["©nrt"] == [LONG]
    assert not {k for k in tags if k.lower() in {"timebase", "start", "end", "title"}}


@pytest.mark.parametrize(
    ("title", "author"),
    [
        ("../../../../tmp/escaped", "../.."),
        ("/etc/passwd", "/root"),
        ("CON", ""),
        ("NUL.txt", "aux"),
        ("é" * 200, "x" * 300),
        ("..", "."),
        ("a\\..\\..\\b", "c:/d"),
    ],
)
def test_output_names_from_hostile_titles_stay_in_the_output_folder(capsys, tmp_path, title, author):
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "book.txt").write_text("CHAPTER I\n\nText.\n")
    (folder / BOOK_YAML).write_text(json.dumps({"title": title, "author": author}))  # JSON is YAML
    out = tmp_path / "out"
    code, printed, err = run(capsys, "build", folder, "-o", out, "--engine", "silent", "-q")
    assert code == 0, err
    book = Path(printed.splitlines()[-1])
    assert book.parent == out and book.resolve().parent == out.resolve()
    assert len(book.name.encode()) <= 255 and book.suffix == ".m4b"
    assert book.stem.split(".")[0].upper() not in {"CON", "NUL", "AUX", "PRN"}
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == [book.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book", "out"]


# --- no shell -----------------------------------------------------------------------------------------------

_SHELLISH = {
    "system",
    "popen",
    "spawnl",
    "spawnlp",
    "spawnv",
    "spawnvp",
    "execl",
    "execlp",
    "execv",
    "execvp",
}


def test_no_subprocess_outside_the_runner_and_never_a_shell():
    offenders = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.keyword) and node.arg == "shell":
                offenders.append(f"{where}: shell=")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names]
                spawns = any(n.split(".")[0] in {"subprocess", "pty", "commands"} for n in names)
                if spawns and path.name != "runner.py":
                    offenders.append(f"{where}: imports {names}")
            os_call = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if os_call and node.value.id == "os" and node.attr in _SHELLISH:
                offenders.append(f"{where}: os.{node.attr}")
    assert offenders == []


def test_runner_passes_a_list_and_no_shell(monkeypatch):
    import subprocess

    from pipeline import runner

    seen = {}

    def fake(args, **kwargs):
        seen.update(args=args, **kwargs)
        return subprocess.CompletedProcess(args, 0, b"", b"")

    monkeypatch.setattr(subprocess, "run", fake)
    runner.run([Path("/bin/echo"), "a; rm -rf /", "$(x)"], what="testing")
    assert seen["args"] == ["/bin/echo", "a; rm -rf /", "$(x)"]
    assert not seen.get("shell") and seen["stdin"] == subprocess.DEVNULL


# --- fuzzing ------------------------------------------------------------------------------------------------

_BOMS = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(max_size=400)
    | st.tuples(_BOMS, st.text(max_size=200)).map(lambda p: p[0] + p[1].encode("utf-8", "surrogatepass"))
    | st.text(max_size=200).map(lambda t: t.encode("utf-16-le", "surrogatepass"))
    | st.text(st.characters(max_codepoint=255), max_size=200).map(lambda t: t.encode("latin-1"))
)
@example(b"\xff\xfe\x00\xd8")
@example(b"ok \x93quoted\x94 \xe2\x80\x9cand\xe2\x80\x9d")
def test_the_reader_on_arbitrary_bytes_reads_or_refuses_clearly(tmp_path, data):
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    try:
        text = read_text(path)
    except InputError as exc:
        assert exc.path == path and exc.fix and exc.exit_code == 2
        return
    assert text.strip() and "\r" not in text
    try:
        plain = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        assert text == plain.replace("\r\n", "\n").replace("\r", "\n")  # valid UTF-8 is never re-guessed


_WORD = re.compile(r"(?<!\w)[^\W\d_]+(?!\w)")
_LINES = st.sampled_from(
    [
        "CHAPTER I", "CHAPTER II.", "Chapter 3: The Road", "BOOK ONE", "# Heading", "## Sub heading", "Contents",
        "Footnotes", "PART THE FIRST", "1. A Title", "", "", "", "***", "THE END", "Preface", "by Ann Author",
        "It was a long day and the road was dusty.", "“Yes,” he said. “No.”", "Mr. Smith went to Washington.",
        "*** START OF THE PROJECT GUTENBERG EBOOK X ***", "*** END OF THE PROJECT GUTENBERG EBOOK X ***",
        "Title: Some Book", "Last updated on: 1 May 2020", "[1] A note.", "Introduction",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINES | st.text(max_size=60), min_size=1, max_size=30).map("\n".join))
@example("Jr.")
@example("Mlles")
@example("***\n***\nn")  # a note whose passage says nothing is still read
@example("CHAPTER I\n\nÅngström’s ﬁne naïve café — ok.\n\nCHAPTER II\n\nשלום עולם")
def test_text_to_chapters_to_narration_loses_no_word(text):
    """Every word of the text is spoken, or listed as dropped (licence, contents), or is a Roman numeral
    read as a number; nothing crashes on any text."""
    found = detect_chapters(text, path=Path("book.txt"))
    said: set[str] = set()
    for number, chapter in enumerate(found.chapters, 1):
        script = narrate_chapter(chapter, number, lexicon=Lexicon.empty(), notation=Notation.TEXT)
        said.update(w.casefold() for line in script.lines for w in _WORD.findall(line.spoken))
        if not chapter.speak_title:  # a title the text gave but that is not read (the opening chapter's)
            said.update(w.casefold() for w in _WORD.findall(chapter.title))
    for dropped in found.dropped:
        said.update(w.casefold() for w in _WORD.findall(dropped.text))
    # An abbreviation or a form of address is read as its expansion ("Jr." as "Junior", "Mlles" as
    # "Mesdemoiselles")
    written = (*normalise.ABBREVIATIONS, *normalise.ABBREVIATIONS_BEFORE_NUMBER, *conventions.NEVER_FINAL)
    abbreviations = {a.rstrip(".").casefold() for a in written}
    lost = {
        w
        for w in _WORD.findall(text)
        if w.casefold() not in said
        and not set(w.upper()) <= set("IVXLCDM")
        and w.casefold() not in abbreviations
        # "½" is read "one half"; a lone "A" after "Plan" or "letter" is read as the letter's name
        and not any(unicodedata.numeric(ch, None) is not None for ch in w)
        and w != "A"
    }
    assert not lost, (lost, [(c.title, [p.text for p in c.paragraphs]) for c in found.chapters])
