"""The container writer (mp4write.py) against ffmpeg's mov muxer, its reference: the same AAC segments
joined both ways must decode to the same audio, carry the same chapters in both formats, and have the same
boxes where players look; then what only our writer does (sample-exact chapters, 64-bit offsets, errors)."""

from __future__ import annotations

import hashlib
import math
import os
import re
import struct
import subprocess
from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.mp4 import MP4

from pipeline import tools
from pipeline.audio import aac, timeline
from pipeline.errors import ToolError
from pipeline.m4b import mp4write, package
from pipeline.m4b.ffmetadata import chapter_title
from pipeline.m4b.mp4read import _boxes, _find, _moov, decode_errors, movie_duration, read_back
from pipeline.model import ChapterMark, Metadata
from pipeline.runner import run

RATE = 22050
METADATA = Metadata(title="Joined", author="Test Author", voice="en-us")
# Segment lengths in samples (whole frames, as audio/workers.py pads them), grouped into chapters
SEGMENTS = [[4096, 2048], [8192], [1024, 3072, 5120]]
TITLES = ["Opening Credits", "Глава 2 — «Kamenev» 😀", "A title\nover two lines"]


def _tone(samples: int, pitch: float) -> bytes:
    wave = array("h", (int(6000 * math.sin(2 * math.pi * pitch * n / RATE)) for n in range(samples)))
    return wave.tobytes()


@pytest.fixture(scope="module")
def segments(tmp_path_factory) -> list[bytes]:
    """Each segment encoded on its own, as the renderer caches them."""
    folder = tmp_path_factory.mktemp("segments")
    encoded = []
    for number, samples in enumerate(s for chapter in SEGMENTS for s in chapter):
        pcm = folder / f"{number}.pcm"
        pcm.write_bytes(_tone(samples, 180 + 40 * number))
        encoded.append(aac.encode_adts(pcm, sample_rate=RATE, dest=folder / f"{number}.aac").read_bytes())
    return encoded


@pytest.fixture(scope="module")
def marks() -> list[ChapterMark]:
    return timeline.chapter_layout(TITLES, SEGMENTS)


@pytest.fixture(scope="module")
def ours(tmp_path_factory, segments, marks) -> Path:
    dest = tmp_path_factory.mktemp("ours") / "book.m4b"
    return package.assemble_m4b(segments, sample_rate=RATE, marks=marks, metadata=METADATA, dest=dest)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, segments, marks) -> Path:
    """The same segments joined and muxed by ffmpeg, as the package stage did before mp4write."""
    folder = tmp_path_factory.mktemp("reference")
    joined = folder / "joined.aac"
    joined.write_bytes(b"".join(segments))
    muxed = package.mux_m4b(
        joined, sample_rate=RATE, marks=marks, metadata=METADATA, dest=folder / "book.m4b"
    )
    package.tag_m4b(muxed, metadata=METADATA)
    return muxed


def _decoded(path: Path) -> bytes:
    proc = run([tools.ffmpeg(), "-v", "error", "-i", path, "-f", "s16le", "-"], what="decoding")
    return proc.stdout


def test_decodes_to_the_same_audio_as_ffmpegs_file(ours, reference):
    assert decode_errors(ours) == ""
    audio = _decoded(ours)
    assert hashlib.sha256(audio).digest() == hashlib.sha256(_decoded(reference)).digest()
    total = sum(s + aac.FRAME for chapter in SEGMENTS for s in chapter)
    assert len(audio) == 2 * total


def test_both_chapter_formats_match_ffmpegs_and_are_sample_exact(ours, reference, marks):
    mine, theirs = read_back(ours), read_back(reference)
    shown = ["Opening Credits", "Глава 2 — «Kamenev» 😀", "A title over two lines"]
    for chapters in (mine.quicktime_chapters, mine.nero_chapters, theirs.quicktime_chapters):
        assert [title for title, _ in chapters] == shown
    assert [start for _, start in mine.quicktime_chapters] == [m.start / RATE for m in marks]
    # Nero counts in 100 ns units; ffmpeg rounds to the millisecond
    assert [s for _, s in mine.nero_chapters] == pytest.approx([m.start / RATE for m in marks], abs=1e-7)
    assert [s for _, s in theirs.quicktime_chapters] == pytest.approx(
        [m.start / RATE for m in marks], abs=6e-4
    )
    assert mine.duration == marks[-1].end / RATE == movie_duration(ours)
    assert (mine.codec, mine.sample_rate, mine.channels, mine.brand) == ("mp4a.40.2", RATE, 1, "M4B ")


def test_ffmpeg_reads_the_chapters_back(ours, marks):
    proc = run([tools.ffmpeg(), "-v", "error", "-i", ours, "-f", "ffmetadata", "-"], what="reading chapters")
    text = proc.stdout.decode("utf-8")
    assert text.count("[CHAPTER]") == len(marks)
    assert "title=Глава 2 — «Kamenev» 😀" in text


def _tree(data: bytes, prefix: str = "") -> list[str]:
    containers = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"tref", b"udta"}
    names = []
    for kind, body in _boxes(data):
        name = prefix + kind.decode("latin-1")
        names.append(name)
        if kind in containers:
            names += _tree(body, name + "/")
    return names


def test_the_boxes_are_ffmpegs(ours, reference):
    mine, theirs = _moov(ours), _moov(reference)
    # The same boxes in the same order; ffmpeg's tags (udta/meta) went in with mutagen in both files
    assert _tree(mine) == _tree(theirs)
    audio_mine, audio_theirs = (_find(m, b"trak", b"mdia", b"minf", b"stbl") for m in (mine, theirs))
    for box in (b"stts", b"stsz", b"sgpd", b"sbgp"):  # timing, frame sizes, decoder roll-back
        assert _find(audio_mine, box) == _find(audio_theirs, box), box
    # Codec setup: the same but for the maximum bit rate, where ffmpeg takes its ADTS reader's estimate
    # when that is higher than the average (a guess; both write the true average beside it)
    stsd_mine, stsd_theirs = _find(audio_mine, b"stsd"), _find(audio_theirs, b"stsd")
    at = stsd_mine.index(b"\x04\x80\x80\x80") + 10
    assert stsd_mine[at + 4 : at + 8] == stsd_theirs[at + 4 : at + 8]  # the average
    assert stsd_mine[:at] + stsd_mine[at + 4 :] == stsd_theirs[:at] + stsd_theirs[at + 4 :]
    # the chapter track: disabled (tkhd flags 2), a text handler, and the properties QuickTime needs
    chapters_mine, chapters_theirs = (
        [body for kind, body in _boxes(m) if kind == b"trak"][1] for m in (mine, theirs)
    )
    assert _find(chapters_mine, b"tkhd")[:4] == _find(chapters_theirs, b"tkhd")[:4] == b"\0\0\0\2"
    for path in ([b"mdia", b"hdlr"], [b"mdia", b"minf", b"gmhd"], [b"mdia", b"minf", b"stbl", b"stsd"]):
        assert _find(chapters_mine, *path) == _find(chapters_theirs, *path), path
    with ours.open("rb") as fh:
        head = fh.read(64)
    assert head[4:8] == b"ftyp" and _index_first(ours)


def _index_first(path: Path) -> bool:
    with path.open("rb") as fh:
        data = fh.read(1 << 20)
    return data.find(b"moov") < data.find(b"mdat")


def test_tags_written_by_mutagen_leave_the_chapters(ours):
    mp4 = MP4(ours)
    assert mp4.tags["stik"] == [package.STIK_AUDIOBOOK]
    assert mp4.tags["©nam"] == ["Joined"]
    assert len(mp4.chapters) == len(TITLES)


def test_writing_is_reproducible(tmp_path, segments, marks, ours):
    again = package.assemble_m4b(
        segments, sample_rate=RATE, marks=marks, metadata=METADATA, dest=tmp_path / "again.m4b"
    )
    assert again.read_bytes() == ours.read_bytes()


def test_parts_may_be_files(tmp_path, segments, marks, ours):
    files = []
    for number, data in enumerate(segments):
        files.append(tmp_path / f"{number}.aac")
        files[-1].write_bytes(data)
    book = package.assemble_m4b(
        files, sample_rate=RATE, marks=marks, metadata=METADATA, dest=tmp_path / "f.m4b"
    )
    assert book.read_bytes() == ours.read_bytes()


def test_lines_copied_from_an_earlier_book_give_the_same_file(tmp_path, segments, marks):
    """m4b.reuse: a book whose layout was recorded gives its lines' frames back as they lie in it; joined
    with lines from ADTS, in any order and with repeats, the file is the one joining ADTS alone gives. A
    file written to since (even with its times set back) is not used."""
    from pipeline.m4b import mp4read, reuse

    keys = [f"line{n}" for n in range(len(segments))]
    frames = [aac.adts_frames(data) for data in segments]
    first = tmp_path / "first.m4b"
    package.assemble_m4b(
        segments, sample_rate=RATE, marks=marks, metadata=METADATA, dest=first, build_id="one"
    )
    layout = reuse.Layout("one", reuse.identity(first), tuple(zip(keys, frames, strict=True)))
    assert reuse.Layout.from_json(layout.to_json()) == layout
    old = reuse.previous(first, layout)
    assert old is not None and old.run.form == aac.adts_format(segments[0])
    assert mp4read.audio_run(first).end == first.stat().st_size  # the audio runs to the end, after the index

    # A book of lines 4, 0, 1, 2 (0-1-2 are neighbours in the old file: one copy), a new one, then 3.
    order = [4, 0, 1, 2, 5, 3]
    wanted = [keys[n] for n in order[:4]] + ["new", keys[3]]
    parts = list(reuse.parts(wanted, old, [segments[5]]))
    assert [type(p).__name__ for p in parts] == ["Copied", "Copied", "bytes", "Copied"]
    marks_now = timeline.chapter_layout(["All"], [[SEGMENTS_FLAT[n] for n in order]])
    got = package.assemble_m4b(
        parts, sample_rate=RATE, marks=marks_now, metadata=METADATA, dest=tmp_path / "a.m4b"
    )
    plain = [segments[n] for n in order]
    want = package.assemble_m4b(
        plain, sample_rate=RATE, marks=marks_now, metadata=METADATA, dest=tmp_path / "b.m4b"
    )
    assert got.read_bytes() == want.read_bytes()

    assert reuse.previous(first, reuse.Layout("two", layout.file, layout.segments)) is None  # not its tag
    times = first.stat()
    damaged = bytearray(first.read_bytes())
    damaged[-100] ^= 1
    first.write_bytes(bytes(damaged))
    os.utime(first, ns=(times.st_atime_ns, times.st_mtime_ns))  # the same size and modification time
    assert reuse.previous(first, layout) is None  # but written to since


SEGMENTS_FLAT = [s for chapter in SEGMENTS for s in chapter]


def test_books_over_4_gb_get_64_bit_offsets(tmp_path, segments, marks, monkeypatch):
    """A 150-hour book passes 4 GB: chunk offsets go to co64 and mdat gets a 64-bit size. Tested by
    lowering the limit, since players read the wide forms whatever the size."""
    monkeypatch.setattr(mp4write, "LIMIT_32", 1000)
    book = package.assemble_m4b(
        segments, sample_rate=RATE, marks=marks, metadata=METADATA, dest=tmp_path / "w.m4b"
    )
    moov = _moov(book)
    for trak in (body for kind, body in _boxes(moov) if kind == b"trak"):
        stbl = _find(trak, b"mdia", b"minf", b"stbl")
        assert _find(stbl, b"co64") is not None and _find(stbl, b"stco") is None
    data = book.read_bytes()
    at = data.find(b"mdat") - 4
    size, kind, wide = struct.unpack(">I4sQ", data[at : at + 16])
    assert (size, kind, wide) == (1, b"mdat", len(data) - at)
    assert decode_errors(book) == ""
    assert [t for t, _ in read_back(book).quicktime_chapters] == [t.replace("\n", " ") for t in TITLES]


def test_a_book_past_27_hours_gets_64_bit_times_that_players_read(tmp_path):
    """Past 2^31 samples (27 hours at 22,050 Hz; War and Peace is about 60) the durations in mvhd, tkhd,
    mdhd and elst take version-1 boxes, as ffmpeg writes them: a real 28-hour index (one silent frame
    repeated, so the file stays small), read back by mutagen, ffmpeg and our reader."""
    silence = tmp_path / "silence.pcm"
    silence.write_bytes(bytes(2 * aac.FRAME))
    encoded = aac.encode_adts(silence, sample_rate=RATE, dest=tmp_path / "s.aac").read_bytes()
    frame = encoded[: len(encoded) // aac.adts_frames(encoded)]  # frames of silence are all one size
    assert aac.adts_frames(frame) == 1
    hours = 28
    frames = hours * 3600 * RATE // aac.FRAME
    half = frames // 2 * aac.FRAME
    marks = [ChapterMark("First half", 0, half), ChapterMark("Second half", half, frames * aac.FRAME)]
    book = package.assemble_m4b(
        [frame * frames], sample_rate=RATE, marks=marks, metadata=METADATA, dest=tmp_path / "long.m4b"
    )
    moov = _moov(book)
    audio = next(body for kind, body in _boxes(moov) if kind == b"trak")
    for box in (_find(moov, b"mvhd"), _find(audio, b"tkhd"), _find(audio, b"mdia", b"mdhd")):
        assert box[0] == 1
    seconds = frames * aac.FRAME / RATE
    found = read_back(book)
    assert found.duration == pytest.approx(seconds, abs=0.01)
    assert MP4(book).info.length == pytest.approx(seconds, abs=0.01)
    assert [title for title, _ in found.quicktime_chapters] == ["First half", "Second half"]
    assert [start for _, start in found.nero_chapters] == pytest.approx([0, half / RATE], abs=0.001)
    proc = run([tools.ffmpeg(), "-v", "error", "-i", book, "-f", "ffmetadata", "-"], what="reading chapters")
    text = proc.stdout.decode("utf-8")
    assert text.count("[CHAPTER]") == 2, text
    probe = subprocess.run([tools.ffmpeg(), "-hide_banner", "-i", book], capture_output=True, check=False)
    shown = re.search(r"Duration: (\d+):(\d\d):([\d.]+)", probe.stderr.decode("utf-8", "replace"))
    assert shown, probe.stderr
    assert int(shown[1]) * 3600 + int(shown[2]) * 60 + float(shown[3]) == pytest.approx(seconds, abs=0.05)


def test_more_chapters_than_nero_holds(tmp_path, segments):
    """Nero's count is one byte: 300 chapters give 255 there and all 300 in the QuickTime track."""
    data = segments[0]
    frames = aac.adts_frames(data)
    lengths = [[(frames - 1) * aac.FRAME]] * 300
    marks = timeline.chapter_layout([f"Chapter {n}" for n in range(1, 301)], lengths)
    book = package.assemble_m4b(
        [data] * 300, sample_rate=RATE, marks=marks, metadata=METADATA, dest=tmp_path / "many.m4b"
    )
    back = read_back(book)
    assert len(back.quicktime_chapters) == 300 and len(back.nero_chapters) == 255
    assert back.quicktime_chapters[-1] == ("Chapter 300", marks[-1].start / RATE)


def test_damaged_audio_is_refused_and_nothing_is_written(tmp_path, segments, marks):
    dest = tmp_path / "book.m4b"
    dest.write_bytes(b"the previous book")
    broken = [segments[0], segments[1][:-5], *segments[2:]]
    with pytest.raises(ToolError, match=r"damaged.*cut short"):
        package.assemble_m4b(broken, sample_rate=RATE, marks=marks, metadata=METADATA, dest=dest)
    assert dest.read_bytes() == b"the previous book"
    assert [p.name for p in tmp_path.iterdir()] == ["book.m4b"]


def test_a_wrong_sample_rate_is_refused(tmp_path, segments, marks):
    with pytest.raises(ToolError, match="22050 Hz, not 44100"):
        package.assemble_m4b(
            segments, sample_rate=44100, marks=marks, metadata=METADATA, dest=tmp_path / "x.m4b"
        )


def test_chapters_must_cover_the_audio(tmp_path, segments, marks):
    gap = [marks[0], ChapterMark(marks[1].title, marks[1].start + 1, marks[1].end), marks[2]]
    short = [*marks[:2], ChapterMark(marks[2].title, marks[2].start, marks[2].end - 1)]
    for bad in (gap, short, []):
        with pytest.raises(ValueError, match="chapters must"):
            mp4write.write_container(segments, bad, tmp_path / "x.m4b")
    longer = [*marks[:2], ChapterMark(marks[2].title, marks[2].start, marks[2].end + aac.FRAME)]
    with pytest.raises(aac.DamagedAudio, match="holds 29 AAC frames, but the chapters span 30"):
        mp4write.write_container(segments, longer, tmp_path / "x.m4b")


def test_the_frames_are_copied_whole_without_their_headers(tmp_path, segments, marks):
    form = mp4write.write_container([segments[0], b"", *segments[1:]], marks, tmp_path / "x.m4b")
    assert (form.sample_rate, form.channels, form.config) == (RATE, 1, bytes.fromhex("1388"))
    frames = sum(aac.adts_frames(data) for data in segments)
    stbl = _find(_moov(tmp_path / "x.m4b"), b"trak", b"mdia", b"minf", b"stbl")
    stsz = _find(stbl, b"stsz")
    sizes = struct.unpack(f">{frames}I", stsz[12:])
    assert sum(sizes) == sum(len(data) for data in segments) - 7 * frames
    data = (tmp_path / "x.m4b").read_bytes()
    assert data.endswith(segments[-1][-sizes[-1] :])  # the last frame, its 7-byte header gone
    with pytest.raises(aac.DamagedAudio, match="not ADTS"):
        mp4write.write_container([b"RIFF" + bytes(20)], marks, tmp_path / "y.m4b")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layout=st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=3), min_size=1, max_size=6),
    titles=st.lists(st.text(max_size=300), min_size=6, max_size=6),
)
def test_any_layout_and_titles_read_back_exactly(tmp_path, segments, layout, titles):
    """Whatever the chapters and their titles, both formats read back what was meant, to the sample."""
    parts = [[segments[i] for i in chapter] for chapter in layout]
    lengths = [[(aac.adts_frames(data) - 1) * aac.FRAME for data in chapter] for chapter in parts]
    marks = timeline.chapter_layout(titles[: len(layout)], lengths)
    dest = tmp_path / f"{abs(hash((str(layout), tuple(titles))))}.m4b"
    book = package.assemble_m4b(
        [data for chapter in parts for data in chapter],
        sample_rate=RATE,
        marks=marks,
        metadata=METADATA,
        dest=dest,
    )
    back = read_back(book)
    meant = [(chapter_title(m.title), m.start / RATE) for m in marks]
    assert list(back.quicktime_chapters) == meant
    assert [t for t, _ in back.nero_chapters] == [t for t, _ in meant]
    assert back.duration == marks[-1].end / RATE
