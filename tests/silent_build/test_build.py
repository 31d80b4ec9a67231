"""The whole pipeline, read back as a player would: chapters in both formats, tags, cover, durations, loudness.

Tier 2 uses the silent engine (fast, always on); tier 3 the real eSpeak NG engine and AAC encoder.
"""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import pytest

from pipeline import runner, tools
from pipeline.audio import level
from pipeline.build import BuildOptions, build
from pipeline.cli import main
from pipeline.files import safe_filename
from pipeline.m4b import package


def decode(path: Path, tmp_path: Path, rate: int) -> array:
    pcm = tmp_path / "decoded.pcm"
    runner.run(
        [tools.ffmpeg(), "-v", "error", "-y", "-i", path, "-f", "s16le", "-ac", "1", "-ar", str(rate), pcm],
        what="decoding for the test",
        expect=pcm,
    )
    return array("h", pcm.read_bytes())


def rms_db(samples: array) -> float:
    if not samples:
        return -120.0
    return 10 * math.log10(max(1e-12, sum(x * x for x in samples) / len(samples) / 32768**2))


def check_player_view(path: Path, titles: list[str]) -> package.ReadBack:
    back = package.read_back(path)
    assert path.suffix == ".m4b"
    assert [title for title, _ in back.quicktime_chapters] == titles  # what Apple Books shows
    assert [title for title, _ in back.nero_chapters] == titles  # what VLC and Android players show
    for (_, qt), (_, nero) in zip(back.quicktime_chapters, back.nero_chapters, strict=True):
        assert abs(qt - nero) < 0.05
    tags = back.tags
    assert tags["©nam"] == ["The Tiny Test Book"]
    assert tags["©ART"] == ["Ada Example"] and tags["aART"] == ["Ada Example"]
    assert tags["©gen"] == ["Audiobook"]
    assert tags["stik"] == [2]
    assert tags["©day"] == ["2026"]
    assert tags["desc"] == ["A book of three short chapters, for testing."]
    assert tags["©nrt"] and tags["©wrt"]
    assert back.cover and len(back.cover) > 10_000
    assert package.decode_errors(path) == ""
    return back


def test_silent_build_is_a_well_formed_audiobook(book, tmp_path):
    options = BuildOptions(source=book, output_dir=tmp_path / "out", engine="silent", jobs=1)
    result = build(options)
    assert result.path == options.output_dir / "Ada Example - The Tiny Test Book.m4b"
    titles = [title for title, _ in package.read_back(result.path).nero_chapters]
    assert titles[-3:] == ["Chapter I. The Beginning", "Chapter II. The Middle", "Chapter III. The End"]
    back = check_player_view(result.path, titles)
    assert len(back.nero_chapters) == result.chapters
    assert back.duration == pytest.approx(result.duration, abs=0.002)
    assert result.synthesized == result.sentences
    assert not list(options.output_dir.glob(".building-*"))  # no work files left beside the book


def test_real_build_reads_back_as_a_player_sees_it(book, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["build", str(book), "-o", str(out), "-j", "2"])
    assert code == 0
    printed = capsys.readouterr().out.strip().splitlines()
    path = Path(printed[-1])  # the last line of stdout is the finished book
    assert path == out / "Ada Example - The Tiny Test Book.m4b"
    titles = [t for t, _ in package.read_back(path).nero_chapters]
    assert titles[-3:] == ["Chapter I. The Beginning", "Chapter II. The Middle", "Chapter III. The End"]
    back = check_player_view(path, titles)

    samples = decode(path, tmp_path, back.sample_rate)
    rate = back.sample_rate
    # The duration is the sum of the chapters, and the last chapter ends with the file.
    assert len(samples) / rate == pytest.approx(back.duration, abs=0.05)
    # Each chapter starts where its audio starts: the lead-in pause, then its spoken title.
    for _, seconds in back.quicktime_chapters:
        start = round(seconds * rate)
        assert rms_db(samples[start + int(0.02 * rate) : start + int(0.25 * rate)]) < -50
        assert rms_db(samples[start + int(0.35 * rate) : start + int(1.2 * rate)]) > -35
    # Loudness: -18 LUFS integrated within 1 LU, sample peaks at or below -3 dBFS in the decoded file.
    loudness = level.measure(path)
    assert loudness.integrated_lufs == pytest.approx(-18, abs=1)
    assert 20 * math.log10(max(abs(min(samples)), max(samples)) / 32768) <= -3.0


def test_safe_filenames():
    assert safe_filename("Leon Trotsky - On the Kirov Assassination", suffix=".m4b") == (
        "Leon Trotsky - On the Kirov Assassination.m4b"
    )
    assert safe_filename("../../etc/passwd", suffix=".m4b") == "etc passwd.m4b"
    assert safe_filename("/abs/path: a*b?", suffix=".m4b") == "abs path a b.m4b"
    assert safe_filename("CON", suffix=".m4b") == "audiobook CON.m4b"
    assert safe_filename("a\x00b\nc", suffix=".m4b") == "a b c.m4b"
    long = safe_filename("é" * 300, suffix=".m4b")
    assert len(long.encode()) <= 240 and long.endswith(".m4b")
    assert safe_filename("...", suffix=".m4b") == "audiobook.m4b"
