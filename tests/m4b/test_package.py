"""The package stage: FFMETADATA escaping (exact text, and what real ffmpeg parses from it), then a real M4B
read back the way players read it: both chapter formats, tags, cover, duration, clean decode, atomic write."""

from __future__ import annotations

import io
import math
import re
import shutil
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.mp4 import MP4
from PIL import Image

from pipeline import tools
from pipeline.errors import InputError, ToolError
from pipeline.m4b import package
from pipeline.m4b.cover import generated_cover
from pipeline.m4b.ffmetadata import chapter_title, ffmetadata
from pipeline.m4b.mp4read import quicktime_chapters, read_back
from pipeline.model import ChapterMark, Metadata
from pipeline.runner import run

RATE = 22050
TOTAL = 90_001  # not a multiple of the AAC frame (1024), so the edit list must trim the last frame
HOSTILE = "Part 1 = the; #start \\ end\n[CHAPTER]\nTIMEBASE=1/1\nSTART=0\nEND=9\ntitle=injected\\"
HOSTILE_SHOWN = "Part 1 = the; #start \\ end [CHAPTER] TIMEBASE=1/1 START=0 END=9 title=injected"
MARKS = [
    ChapterMark("Opening credits", 0, 30_001),
    ChapterMark(HOSTILE, 30_001, 61_234),
    ChapterMark("Глава 3 😀 שלום\u200f", 61_234, TOTAL),
]
METADATA = Metadata(
    title="On the Kirov Assassination",
    author="Leon Trotsky",
    translator="A. Translator",
    year="1934",
    description="First paragraph; with # and =.\nSecond paragraph.",
    voice="en-us",
    copyright="Public domain in the United States",
    publisher="Test Press",
)


# --- FFMETADATA text: exact ---------------------------------------------------------------------------


def test_ffmetadata_document_is_exact():
    marks = [ChapterMark("One", 0, 22050), ChapterMark("a=b;c#d\\e", 22050, 44101)]
    meta = Metadata(title="T=1", author="A;B", year="1934", description="x\ny#")
    assert ffmetadata(marks, sample_rate=RATE, metadata=meta) == (
        ";FFMETADATA1\n"
        "title=T\\=1\n"
        "album=T\\=1\n"
        "artist=A\\;B\n"
        "album_artist=A\\;B\n"
        "genre=Audiobook\n"
        "date=1934\n"
        "description=x\\\ny\\#\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle=One\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle=a\\=b\\;c\\#d\\\\e\n"
    )


def test_ffmetadata_without_metadata_has_only_chapters():
    assert ffmetadata([ChapterMark("X", 4410, 8820)], sample_rate=44100) == (
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=100\nEND=200\ntitle=X\n"
    )


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("two\nlines", "two lines"),
        ("  spaced \t out \r\n ", "spaced out"),
        ("nul\x00 and esc\x1b[31m", "nul and esc[31m"),
        ("emoji 😀👩‍👩‍👧 kept", "emoji 😀👩‍👩‍👧 kept"),  # the ZWJ (a format character) stays
        ("\u202bשלום עולם\u202c", "\u202bשלום עולם\u202c"),
        ("C:\\path\\", "C:\\path"),  # ffmpeg's reader cannot take a backslash before the newline
        ("ends \\\\ \\", "ends"),
        ("é" * 200, "é" * 127),  # 255 bytes at most, cut between characters
    ],
)
def test_chapter_title(title, shown):
    assert chapter_title(title) == shown


def test_escaped_title_line():
    doc = ffmetadata([ChapterMark(HOSTILE, 0, 1)], sample_rate=RATE)
    assert doc.splitlines()[-1] == (
        "title=Part 1 \\= the\\; \\#start \\\\ end [CHAPTER] TIMEBASE\\=1/1 START\\=0 END\\=9 title\\=injected"
    )


# --- what real ffmpeg parses from our text --------------------------------------------------------------


def _ffmpeg_parses(text: str, tmp: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Global tags and chapters as ffmpeg's own ffmetadata demuxer reads `text` (dumped back by its muxer)."""
    src = tmp / "in.ffmeta"
    src.write_text(text, encoding="utf-8")
    out = run(
        [tools.ffmpeg(), "-v", "error", "-f", "ffmetadata", "-i", src, "-f", "ffmetadata", "-"],
        what="ffmetadata round trip",
    ).stdout.decode("utf-8")
    # ffmpeg's muxer escapes = ; # \ and newline; split logical lines on unescaped newlines only
    lines = re.findall(r"((?:\\.|[^\\\n])*)\n", out, flags=re.DOTALL)
    sections: list[dict[str, str]] = [{}]
    for line in lines[1:]:
        if line == "[CHAPTER]":
            sections.append({})
        elif line == "[STREAM]":
            sections.append({"stream": "yes"})
        else:
            key, value = re.match(r"((?:\\.|[^\\=])*)=(.*)", line, flags=re.DOTALL).groups()
            sections[-1][re.sub(r"\\(.)", r"\1", key)] = re.sub(r"\\(.)", r"\1", value, flags=re.DOTALL)
    sections[0].pop("encoder", None)  # ffmpeg adds its own name
    return sections[0], sections[1:]


def test_real_ffmpeg_reads_hostile_text_as_written(tmp_path):
    marks = [
        *MARKS,
        ChapterMark("C:\\", TOTAL, TOTAL + 10),
        ChapterMark(";# comment-like", TOTAL + 10, TOTAL + 20),
    ]
    description = "line\n[CHAPTER]\nTIMEBASE=1/1\nSTART=0\nEND=5\ntitle=evil\n;#\\\nlast"
    meta = Metadata(title="T", author="A", description=description)
    tags, chapters = _ffmpeg_parses(ffmetadata(marks, sample_rate=RATE, metadata=meta), tmp_path)
    assert tags["description"] == "line\n[CHAPTER]\nTIMEBASE=1/1\nSTART=0\nEND=5\ntitle=evil\n;#\\\nlast"
    assert [c["title"] for c in chapters] == [
        "Opening credits",
        HOSTILE_SHOWN,
        "Глава 3 😀 שלום\u200f",
        "C:",
        ";# comment-like",
    ]
    assert [(c["TIMEBASE"], c["START"], c["END"]) for c in chapters] == [
        ("1/1000", str(round(m.start * 1000 / 22050)), str(round(m.end * 1000 / 22050))) for m in marks
    ]


_NASTY = st.one_of(st.sampled_from(list("=;#\\\n\r\x00 [CHAPTER]")), st.characters(codec="utf-8"))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(_NASTY, max_size=40), min_size=1, max_size=8))
def test_no_title_can_add_or_change_a_chapter(tmp_path_factory, titles):
    marks = [ChapterMark(t, RATE * i, RATE * i + RATE) for i, t in enumerate(titles)]
    tags, chapters = _ffmpeg_parses(ffmetadata(marks, sample_rate=RATE), tmp_path_factory.mktemp("h"))
    assert tags == {}
    assert [(c["START"], c["END"], c.get("title", "")) for c in chapters] == [
        (str(m.start * 1000 // RATE), str(m.end * 1000 // RATE), chapter_title(m.title)) for m in marks
    ]


# --- a real M4B ---------------------------------------------------------------------------------------


def _write_pcm(path: Path, samples: int) -> Path:
    # A 220 Hz tone, sample-exact length (ffmpeg's lavfi sources round durations to whole frames)
    wave = array("h", (int(8000 * math.sin(2 * math.pi * 220 * n / RATE)) for n in range(samples)))
    path.write_bytes(wave.tobytes())
    return path


@pytest.fixture(scope="module")
def cover() -> bytes:
    return generated_cover("Cover", "Test")


@pytest.fixture(scope="module")
def built(tmp_path_factory, cover) -> Path:
    folder = tmp_path_factory.mktemp("m4b")
    pcm = _write_pcm(folder / "book.pcm", TOTAL)
    dest = folder / "out" / "book.m4b"
    assert (
        package.write_m4b(pcm, sample_rate=RATE, marks=MARKS, metadata=METADATA, dest=dest, cover=cover)
        == dest
    )
    return dest


EXPECTED_TITLES = ["Opening credits", HOSTILE_SHOWN, "Глава 3 😀 שלום\u200f"]


def test_both_chapter_formats_read_back(built):
    book = read_back(built)
    for chapters in (book.nero_chapters, book.quicktime_chapters):
        assert [title for title, _ in chapters] == EXPECTED_TITLES
        for (_, start), mark in zip(chapters, MARKS, strict=True):
            assert start == pytest.approx(mark.start / RATE, abs=0.05)
    # both formats keep starts to the millisecond, far finer than the 50 ms a listener could notice
    assert [s for _, s in book.quicktime_chapters] == pytest.approx([m.start / RATE for m in MARKS], abs=6e-4)


def test_duration_is_the_pcm_length(built):
    book = read_back(built)
    assert book.duration == pytest.approx(TOTAL / RATE, abs=1e-3)  # the edit list cut the AAC priming
    assert book.media_duration == pytest.approx((TOTAL + 1024) / RATE, abs=1e-3)  # what mutagen's info says
    assert (book.sample_rate, book.channels, book.codec) == (RATE, 1, "mp4a.40.2")


def test_every_tag_reads_back(built, cover):
    book = read_back(built)
    tags = {k: v for k, v in book.tags.items() if k != "©too"}
    assert tags == {
        "©nam": ["On the Kirov Assassination"],
        "©alb": ["On the Kirov Assassination"],
        "©ART": ["Leon Trotsky"],
        "aART": ["Leon Trotsky"],
        "©nrt": ["en-us (synthetic voice)"],
        "©wrt": ["en-us (synthetic voice)"],
        "©gen": ["Audiobook"],
        "©day": ["1934"],
        "cprt": ["Public domain in the United States"],
        "©cmt": ["Translated by A. Translator"],
        "desc": ["First paragraph; with # and =. Second paragraph."],
        "ldes": ["First paragraph; with # and =.\nSecond paragraph."],
        "stik": [2],
        "----:com.apple.iTunes:TRANSLATOR": ["A. Translator"],
        "----:com.apple.iTunes:PUBLISHER": ["Test Press"],
    }
    assert (book.cover, book.cover_format) == (cover, "png")
    assert book.brand == "M4B "


def test_decodes_cleanly(built):
    assert package.decode_errors(built) == ""


def test_decode_errors_reports_damage(built, tmp_path):
    broken = tmp_path / "broken.m4b"
    data = bytearray(built.read_bytes())
    mdat = data.index(b"mdat")
    data[mdat + 400 : mdat + 2400] = bytes(2000)  # zero out several AAC frames
    broken.write_bytes(bytes(data))
    assert package.decode_errors(broken) != ""


def test_chapter_formats_are_read_independently(built, tmp_path):
    data = built.read_bytes()
    chpl = data.index(b"chpl")
    nero_only = bytearray(data)
    at = data.index(b"Opening", chpl)
    nero_only[at : at + 7] = b"NEROxxx"
    (tmp_path / "nero.m4b").write_bytes(bytes(nero_only))
    qt_only = bytearray(data)
    at = data.index(b"Opening", data.index(b"mdat"))  # the text track's sample, outside the moov box
    qt_only[at : at + 7] = b"QTxxxxx"
    (tmp_path / "qt.m4b").write_bytes(bytes(qt_only))

    nero_file = read_back(tmp_path / "nero.m4b")
    assert (nero_file.nero_chapters[0][0], nero_file.quicktime_chapters[0][0]) == (
        "NEROxxx credits",
        "Opening credits",
    )
    qt_file = read_back(tmp_path / "qt.m4b")
    assert (qt_file.nero_chapters[0][0], qt_file.quicktime_chapters[0][0]) == (
        "Opening credits",
        "QTxxxxx credits",
    )


def test_without_nero_chapters_the_quicktime_track_still_reads(built, tmp_path):
    plain = tmp_path / "plain.m4b"
    run(
        [
            tools.ffmpeg(),
            "-v",
            "error",
            "-i",
            built,
            "-map",
            "0:a",
            "-c",
            "copy",
            "-movflags",
            "disable_chpl",
            "-f",
            "ipod",
            plain,
        ],
        what="remux without chpl",
    )
    assert MP4(plain).chapters is None
    assert [t for t, _ in quicktime_chapters(plain)] == EXPECTED_TITLES


# --- atomic write -------------------------------------------------------------------------------------


@pytest.fixture
def previous(tmp_path) -> tuple[Path, Path]:
    (tmp_path / "in").mkdir()
    pcm = _write_pcm(tmp_path / "in" / "book.pcm", 22050)
    dest = tmp_path / "out" / "book.m4b"
    dest.parent.mkdir()
    dest.write_bytes(b"the previous book")
    return pcm, dest


def _write(pcm: Path, dest: Path) -> Path:
    return package.write_m4b(
        pcm, sample_rate=RATE, marks=[ChapterMark("One", 0, 22050)], metadata=METADATA, dest=dest
    )


def test_failing_ffmpeg_leaves_the_previous_file(previous, monkeypatch):
    pcm, dest = previous
    monkeypatch.setattr(tools, "ffmpeg", lambda: Path(shutil.which("false")))
    with pytest.raises(ToolError, match=r"encoding book\.pcm to AAC"):
        _write(pcm, dest)
    assert dest.read_bytes() == b"the previous book"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["book.m4b"]


def test_failure_after_the_file_is_built_leaves_the_previous_file(previous, monkeypatch):
    pcm, dest = previous

    def broken_tagger(path, **_):
        assert path.stat().st_size > 1000  # the new book is fully built by now
        raise ToolError("disk full")

    monkeypatch.setattr(package, "tag_m4b", broken_tagger)
    with pytest.raises(ToolError, match="disk full"):
        _write(pcm, dest)
    assert dest.read_bytes() == b"the previous book"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["book.m4b"]


def test_a_wrong_result_is_refused(previous, monkeypatch):
    pcm, dest = previous
    monkeypatch.setattr(package, "movie_duration", lambda path: 99.0)
    with pytest.raises(ToolError, match=r"lasts 99\.000 s, not 1\.000 s"):
        _write(pcm, dest)
    assert dest.read_bytes() == b"the previous book"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["book.m4b"]


def test_success_replaces_the_previous_file(previous):
    pcm, dest = previous
    _write(pcm, dest)
    assert read_back(dest).quicktime_chapters == (("One", 0.0),)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["book.m4b"]


@pytest.mark.parametrize(
    "marks",
    [
        [ChapterMark("a", 0, 100), ChapterMark("b", 50, 200)],  # overlap
        [ChapterMark("a", 100, 100)],  # empty
        [ChapterMark("a", 0, 22051)],  # past the end of the audio
    ],
)
def test_bad_marks_are_refused_before_any_work(previous, marks):
    pcm, dest = previous
    with pytest.raises(ValueError, match="chapters must be in order"):
        package.write_m4b(pcm, sample_rate=RATE, marks=marks, metadata=METADATA, dest=dest)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["book.m4b"]


def test_reading_a_file_that_is_not_an_m4b_names_it(tmp_path):
    path = tmp_path / "fake.m4b"
    path.write_bytes(b"\x00\x00\x00\x18ftypM4B " + bytes(40))
    with pytest.raises(InputError, match="not an M4B file that can be read") as caught:
        read_back(path)
    assert caught.value.path == path


def test_retagging_replaces_every_tag(built, tmp_path):
    copy = tmp_path / "copy.m4b"
    shutil.copyfile(built, copy)
    jpeg = io.BytesIO()
    Image.new("RGB", (1400, 1400), (90, 20, 20)).save(jpeg, format="JPEG")
    package.tag_m4b(copy, metadata=Metadata(title="Bare", author="Anon"), cover=jpeg.getvalue())
    book = read_back(copy)
    assert {k: v for k, v in book.tags.items() if k != "©too"} == {
        "©nam": ["Bare"],
        "©alb": ["Bare"],
        "©ART": ["Anon"],
        "aART": ["Anon"],
        "©nrt": ["Synthetic voice"],
        "©wrt": ["Synthetic voice"],
        "©gen": ["Audiobook"],
        "stik": [2],
    }
    assert (book.cover, book.cover_format) == (jpeg.getvalue(), "jpeg")
    assert [t for t, _ in book.quicktime_chapters] == [t for t, _ in book.nero_chapters] == EXPECTED_TITLES
    assert package.decode_errors(copy) == ""


def test_the_build_tag_reads_back_without_mutagen_as_mutagen_reads_it(built, tmp_path):
    """The no-op check reads the build's tag with the box walker alone; it must agree with mutagen."""
    copy = tmp_path / "copy.m4b"
    shutil.copyfile(built, copy)
    assert package.build_id(copy) is None  # tagged, but not by a build
    package.tag_m4b(copy, metadata=METADATA, cover=None, build_id="fingerprint-ä1")
    assert package.build_id(copy) == "fingerprint-ä1"
    assert bytes(MP4(copy).tags[package.BUILD_TAG][0]).decode("utf-8") == "fingerprint-ä1"
    package.tag_m4b(copy, metadata=METADATA, cover=None)  # retagged without it: gone
    assert package.build_id(copy) is None
    garbage = tmp_path / "garbage.m4b"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypM4B " + bytes(40))
    assert package.build_id(garbage) is None
    assert package.build_id(tmp_path / "missing.m4b") is None
